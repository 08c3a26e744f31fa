/**
 * Call capacity (`npm run bench -- capacity`, or `node --import tsx bench/capacity.ts`): figures
 * printed, not asserted. Real time, real UDP sockets on 127.0.0.1, PCMU 20 ms, speech from a
 * file looping; every measurement runs in a fresh child process (bench/capacity-worker.ts, with
 * `--expose-gc`), one after another, never two at once.
 *
 * 1. **Capacity**: concurrent duplex calls (2 AudioStreams each, sending to each other) on ONE
 *    shared real-time Ticker that one process sustains with < 1 % late ticks (Ticker stats
 *    lateTicks / ticks; a tick is late when it starts more than one period after its deadline).
 *    N ramps 10, 25, 50, 100, 200, … until a step fails, then a binary search between the last
 *    pass and the first failure (3 steps at most); each step measures `MEASURE_MS` after
 *    `WARMUP_MS`. A step that fails while other processes used more than half a core is run once
 *    more, the better counting (twice per ramp at most, to bound the run time).
 * 2. **CPU per leg-second** in steady state: process CPU (process.cpuUsage(), every thread)
 *    over the window / (legs × seconds), at 20 calls (40 legs); also at 1 call (2 legs: the same
 *    shape as the Mediastreamer2 pair) and the marginal cost above the idle process.
 * 3. **Mediastreamer2**: a pair of `mediastream` processes (PCMU, a long 8 kHz WAV in, output to
 *    /dev/null), utime + stime from /proc/<pid>/stat over the same kind of window, per
 *    leg-second; and the ratio ours / theirs (goal: ≤ 1). Skipped, loudly, without `mediastream`.
 * 4. **Memory per call**: RSS and heap (after a full gc) with N calls minus the same process
 *    with none, / N, at the largest passing step.
 *
 * The machine may be shared: every window also records how much CPU *other* processes used
 * (/proc/stat minus the measured ones), printed beside the figures; capacity measured while
 * others kept the cores busy is lower than the machine's. To make the figure depend less on them,
 * the workers and the mediastream processes run at nice −10 (CAPACITY_NICE; 0 = as started;
 * needs root, else they run at the default priority and a line says so). Mediastreamer2 itself
 * raises its ticker thread to real-time priority when it may.
 *
 * Environment: CAPACITY_MAX_CALLS (default 1600) caps the ramp; CAPACITY_MEASURE_MS and
 * CAPACITY_WARMUP_MS change the windows; CAPACITY_COMPILED=1 compiles the worker and the engine
 * with tsc into a temporary folder first and runs them as plain JavaScript, as a built package
 * runs (by default they run through tsx, as the repository's scripts do; tsx compiles with
 * esbuild's keepNames, which costs on hot paths that create closures: the figures differ).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readWavFile } from '../src/files/wav-reader.js';
import { writeWavFile } from '../src/files/wav-writer.js';
import { UdpTransport } from '../src/net/udp-transport.js';
import { sharedPath } from '../src/test-support/shared.js';
import { busyCores, machineJiffies, RESULT_PREFIX, type WorkerConfig, type WorkerResult } from './capacity-worker.js';
import { type BenchResult, printResults } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const workerPath = join(here, 'capacity-worker.ts');

const envNumber = (name: string, d: number): number => {
  const v = process.env[name];
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : d;
};
const WARMUP_MS = envNumber('CAPACITY_WARMUP_MS', 2000);
const MEASURE_MS = envNumber('CAPACITY_MEASURE_MS', 5000);
const MAX_CALLS = envNumber('CAPACITY_MAX_CALLS', 1600);
const RAMP = [10, 25, 50, 100, 200, 400, 800, 1600].filter((n) => n <= MAX_CALLS);
const PASS_LATE_PCT = 1;
/** Other processes busier than this (cores) during a failed step: the step is run once more … */
const BUSY_OTHERS_CORES = 0.5;
/** … at most this many times per ramp (the run time stays bounded on a busy machine). */
const MAX_RERUNS = 2;
const CPU_CALLS = 20;
const NICE = Math.trunc(Number(process.env.CAPACITY_NICE ?? -10)) || 0;
/** Mediastreamer2 on this machine kind, CPU-ms per leg-second (the anchor in the brief). */
const MS2_ANCHOR = 15;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The command and arguments that run `cmd args` at the NICE priority (through nice(1)), when allowed. */
let niceOk: boolean | undefined;
function niced(cmd: string, args: string[], log: (s: string) => void): [string, string[]] {
  if (NICE === 0) return [cmd, args];
  if (niceOk === undefined) {
    const nice = which('nice');
    niceOk = nice !== undefined && (NICE >= 0 || process.getuid?.() === 0);
    if (!niceOk) log(`  (not root or no nice(1): measured processes run at the default priority, not nice ${NICE})`);
  }
  return niceOk ? ['nice', ['-n', String(NICE), cmd, ...args]] : [cmd, args];
}

/** How to start a worker: node arguments before the JSON configuration. */
let workerArgs = ['--expose-gc', '--import', 'tsx', workerPath];
let engineLabel = 'tsx';

/** CAPACITY_COMPILED=1: tsc the worker (and what it imports) into `dir`, run that. */
async function useCompiledWorker(dir: string): Promise<void> {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '--outDir', dir, '--rootDir', repoRoot, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022'];
  args.push('--strict', '--skipLibCheck', '--types', 'node', '--sourceMap', 'false', workerPath);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  await new Promise<void>((r) => child.on('close', () => r()));
  const js = join(dir, 'bench', 'capacity-worker.js');
  // tsc emits despite type errors elsewhere in the tree; only a missing output is fatal.
  if (!existsSync(js)) throw new Error(`CAPACITY_COMPILED: tsc produced no ${js}:\n${log.slice(-2000)}`);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  // The compiled code resolves its packages (koffi …) from the repository's node_modules.
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  workerArgs = ['--expose-gc', js];
  engineLabel = 'compiled by tsc';
}

// ------------------------------------------------------------------------------------------
// Machine load.
// ------------------------------------------------------------------------------------------

/** utime + stime of a process, clock ticks (Linux), or undefined if it is gone. */
function processJiffies(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // fields 14 and 15 of stat(5)
  } catch {
    return undefined;
  }
}

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* keep 100, Linux's USER_HZ everywhere */
}

// ------------------------------------------------------------------------------------------
// Our calls, in child processes.
// ------------------------------------------------------------------------------------------

interface Step extends WorkerResult {
  /** CPU used by other processes during the window, in cores (0–nproc). */
  othersCores: number | undefined;
}

async function runStep(cfg: WorkerConfig, log: (s: string) => void): Promise<Step> {
  const [cmd, args] = niced(process.execPath, [...workerArgs, JSON.stringify(cfg)], log);
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const budget = 30_000 + cfg.warmupMs + cfg.measureMs + cfg.calls * 50;
  const timer = setTimeout(() => child.kill('SIGKILL'), budget);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearTimeout(timer);
  const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`capacity worker (${cfg.calls} calls) exited with ${String(code)} and no result:\n${err.slice(-2000)}`);
  const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as WorkerResult;
  // Other processes over the window: the machine's busy cores minus this worker's.
  const others = r.machineBusyCores === undefined ? undefined : Math.max(0, r.machineBusyCores - (r.cpuUserMs + r.cpuSystemMs) / r.wallMs);
  return { ...r, othersCores: others };
}

function cpuCount(): number {
  return machineJiffies()?.cpus ?? 1;
}

function passes(r: WorkerResult): boolean {
  return r.latePct < PASS_LATE_PCT && r.skippedTicks === 0;
}

function describeStep(r: Step): string {
  const others = r.othersCores === undefined ? '' : `, others ${r.othersCores.toFixed(2)} cores`;
  return (
    `${r.calls} calls: late ${r.latePct.toFixed(2)} % (${r.lateTicks}/${r.ticks}), worst ${r.worstLatenessMs.toFixed(0)} ms, ` +
    `ticker load ${r.tickerLoadPct.toFixed(0)} %, CPU ${((r.cpuUserMs + r.cpuSystemMs) / r.wallMs * 100).toFixed(0)} % of a core, ` +
    `rx ${r.rxPacketsPerLegSecond.toFixed(1)} pkt/leg·s, jb late ${r.late}, concealed ${(r.concealedMs / Math.max(1, r.legs)).toFixed(0)} ms/leg, ` +
    `GC ${r.gcPauses.minor} minor (max ${r.gcPauses.minorMaxMs.toFixed(1)} ms) + ${r.gcPauses.major} major (max ${r.gcPauses.majorMaxMs.toFixed(1)} ms)${others}${r.warnings ? `, ${r.warnings} warnings: ${r.firstWarnings[0]}` : ''}`
  );
}

interface Ramp {
  steps: Step[];
  best: Step | undefined;
  /** The smallest N that failed (a step whose worker crashed counts, e.g. out of file descriptors). */
  failedAt: number | undefined;
  firstFail: Step | undefined;
}

async function rampCapacity(infile: string, log: (s: string) => void): Promise<Ramp> {
  const steps: Step[] = [];
  let reruns = 0;
  const measure = async (n: number): Promise<Step | undefined> => {
    try {
      return await runStep({ calls: n, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, infile }, log);
    } catch (err) {
      log(`  FAIL  ${n} calls: the worker failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  /** One step; undefined when its worker crashed (a failure). */
  const run = async (n: number): Promise<Step | undefined> => {
    let r = await measure(n);
    if (!r) return undefined;
    log(`  ${passes(r) ? 'pass' : 'FAIL'}  ${describeStep(r)}`);
    // A failure while other processes kept a core busy may be theirs: once more, the better counts.
    if (!passes(r) && (r.othersCores ?? 0) > BUSY_OTHERS_CORES && reruns < MAX_RERUNS) {
      reruns++;
      const again = await measure(n);
      if (again) {
        log(`  ${passes(again) ? 'pass' : 'FAIL'}  ${describeStep(again)} (re-run: others were busy)`);
        if (again.latePct < r.latePct) r = again;
      }
    }
    steps.push(r);
    return r;
  };
  let best: Step | undefined;
  let firstFail: Step | undefined;
  let failedAt: number | undefined;
  const record = (n: number, r: Step | undefined): boolean => {
    if (r && passes(r)) {
      best = r;
      return true;
    }
    failedAt = n;
    firstFail = r;
    return false;
  };
  for (const n of RAMP) {
    if (!record(n, await run(n))) break;
  }
  // Binary search between the last pass and the first failure, to within ~10 %.
  const lo = (): number => best?.calls ?? 0;
  for (let i = 0; failedAt !== undefined && i < 3 && failedAt - lo() > Math.max(2, Math.round(lo() * 0.1)); i++) {
    const mid = Math.round((lo() + failedAt) / 2);
    record(mid, await run(mid));
  }
  return { steps, best, failedAt, firstFail };
}

// ------------------------------------------------------------------------------------------
// Mediastreamer2.
// ------------------------------------------------------------------------------------------

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir || '.', cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** A 16-bit mono PCM WAV of `seconds`, the samples of `src` repeated (mediastream does not loop its --infile). */
function writeLongWav(src: string, seconds: number, path: string): void {
  const w = readWavFile(src);
  if (w.sampleRate !== 8000 || w.channels !== 1) throw new Error(`${src}: expected 8 kHz mono, got ${w.sampleRate} Hz × ${w.channels}`);
  const n = seconds * 8000;
  const pcm = new Int16Array(n);
  for (let o = 0; o < n; o += w.samples.length) pcm.set(w.samples.subarray(0, Math.min(w.samples.length, n - o)), o);
  writeWavFile(path, pcm, 8000, 1);
}

/** Two RTP ports (even, with a free odd successor) free right now. */
async function freeRtpPorts(): Promise<[number, number]> {
  const a = await UdpTransport.bindRtpPair({ address: '127.0.0.1' });
  const b = await UdpTransport.bindRtpPair({ address: '127.0.0.1' });
  const ports: [number, number] = [a.rtp.localAddress.port, b.rtp.localAddress.port];
  await Promise.all([a.rtp.close(), a.rtcp.close(), b.rtp.close(), b.rtcp.close()]);
  return ports;
}

interface Ms2Result {
  cpuMsPerLegSecond: number;
  wallMs: number;
  /** RTP packets each process said it received (its exit statistics), when printed. */
  received: (number | undefined)[];
  /** MSOpusEnc's share of mediastream's own filter time (its call recorder), %, when printed. */
  opusEncSharePct: number | undefined;
  othersCores: number | undefined;
}

async function measureMediastream(exe: string, infile: string, warmupMs: number, measureMs: number, log: (s: string) => void): Promise<Ms2Result> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-capacity-'));
  try {
    const wav = join(dir, 'long8k.wav');
    writeLongWav(infile, Math.ceil((warmupMs + measureMs) / 1000) + 30, wav);
    const [pa, pb] = await freeRtpPorts();
    const start = (local: number, remote: number): { pid: number; done: Promise<void>; log: () => string } => {
      const [cmd, args] = niced(exe, ['--local', String(local), '--remote', `127.0.0.1:${remote}`, '--payload', '0', '--infile', wav, '--outfile', '/dev/null'], log);
      const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      c.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      c.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
      const done = new Promise<void>((r) => c.on('close', () => r()));
      if (c.pid === undefined) throw new Error(`cannot start ${exe}`);
      return { pid: c.pid, done, log: () => text };
    };
    const b = start(pb, pa);
    const a = start(pa, pb);
    const procs = [a, b];
    try {
      await sleep(warmupMs);
      const j0 = procs.map((p) => processJiffies(p.pid));
      const m0 = machineJiffies();
      const t0 = performance.now();
      await sleep(measureMs);
      const j1 = procs.map((p) => processJiffies(p.pid));
      const m1 = machineJiffies();
      const wallMs = performance.now() - t0;
      if (j0.some((x) => x === undefined) || j1.some((x) => x === undefined)) {
        throw new Error(`mediastream exited during the measurement:\n${a.log().slice(-1500)}`);
      }
      let ticks = 0;
      for (let i = 0; i < procs.length; i++) ticks += (j1[i] ?? 0) - (j0[i] ?? 0);
      const cpuMs = (ticks / clkTck) * 1000;
      const busy = busyCores(m0, m1);
      const others = busy === undefined ? undefined : Math.max(0, busy - cpuMs / wallMs);
      // SIGINT: mediastream prints its statistics and exits.
      for (const p of procs) process.kill(p.pid, 'SIGINT');
      await Promise.race([Promise.all(procs.map((p) => p.done)), sleep(5000)]);
      const received = procs.map((p) => {
        const m = /received\s+(\d+) packets/.exec(p.log());
        return m ? Number(m[1]) : undefined;
      });
      const share = /MSOpusEnc\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)/.exec(a.log());
      return { cpuMsPerLegSecond: cpuMs / (2 * (wallMs / 1000)), wallMs, received, opusEncSharePct: share ? Number(share[1]) : undefined, othersCores: others };
    } finally {
      for (const p of procs) {
        if (processJiffies(p.pid) !== undefined) {
          try {
            process.kill(p.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------

const MiB = 1024 * 1024;

export async function runCapacityBench(log: (s: string) => void = (s) => console.error(s)): Promise<BenchResult[]> {
  const infile = sharedPath('data', 'ms2', 'sounds', 'hello8000.wav');
  if (!existsSync(infile)) throw new Error(`capacity bench: test material missing: ${infile} (set MEDIAWEAVE_SHARED or place shared/ beside the repository)`);
  let compiledDir: string | undefined;
  if (process.env.CAPACITY_COMPILED === '1') {
    compiledDir = mkdtempSync(join(tmpdir(), 'mw-capacity-js-'));
    await useCompiledWorker(compiledDir);
  }
  try {
    return await runAll(infile, log);
  } finally {
    if (compiledDir) rmSync(compiledDir, { recursive: true, force: true });
  }
}

async function runAll(infile: string, log: (s: string) => void): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const ncpu = cpuCount();
  let loadavg = '?';
  try {
    loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    /* not Linux */
  }
  log(`capacity: engine ${engineLabel}; ${ncpu} CPUs, load average ${loadavg}; windows ${WARMUP_MS} ms warm-up + ${MEASURE_MS} ms; nice ${NICE}`);

  // 2. CPU per leg-second (before the ramp: small loads first).
  const window = { warmupMs: WARMUP_MS, measureMs: Math.max(MEASURE_MS, 6000), infile };
  const idle = await runStep({ calls: 0, ...window }, log);
  const one = await runStep({ calls: 1, ...window }, log);
  const mid = await runStep({ calls: CPU_CALLS, ...window }, log);
  for (const r of [idle, one, mid]) log(`  cpu   ${describeStep(r)}`);
  const idleMsPerS = idle.cpuMsPerLegSecond; // calls 0: per second
  const ours = mid.cpuMsPerLegSecond;
  const marginal = (mid.cpuMsPerLegSecond * mid.legs - idleMsPerS) / mid.legs;
  const othersNote = (r: Step): string => (r.othersCores !== undefined && r.othersCores > 0.2 ? `; other processes used ${r.othersCores.toFixed(2)} cores meanwhile` : '');

  // 3. Mediastreamer2.
  const exe = which('mediastream');
  let theirs: Ms2Result | undefined;
  if (!exe) {
    const msg = 'mediastream NOT FOUND (package libmediastreamer-tools): the Mediastreamer2 CPU figure and the ratio are SKIPPED';
    console.error(`\n!!!!!!!! ${msg} !!!!!!!!\n`);
  } else {
    try {
      theirs = await measureMediastream(exe, infile, 3000, Math.max(MEASURE_MS, 6000), log);
      log(
        `  ms2   2 mediastream processes: ${theirs.cpuMsPerLegSecond.toFixed(2)} CPU-ms/leg·s, received ${theirs.received.map((x) => x ?? '?').join(' / ')} packets` +
          `${theirs.opusEncSharePct !== undefined ? `, MSOpusEnc (its call recorder) ${theirs.opusEncSharePct} % of its filter time` : ''}` +
          `${theirs.othersCores !== undefined ? `, others ${theirs.othersCores.toFixed(2)} cores` : ''}`,
      );
    } catch (err) {
      console.error(`\n!!!!!!!! mediastream measurement FAILED, figure skipped: ${err instanceof Error ? err.message : String(err)} !!!!!!!!\n`);
    }
  }

  // 1. Capacity ramp.
  log(`capacity ramp (pass: < ${PASS_LATE_PCT} % late ticks, no skipped ticks):`);
  const ramp = await rampCapacity(infile, log);

  if (ramp.best) {
    const b = ramp.best;
    out.push({
      name: `capacity: duplex PCMU calls on one ticker (${engineLabel})`,
      value: b.calls,
      unit: 'calls',
      note:
        `largest N with < ${PASS_LATE_PCT} % late ticks (${b.calls * 2} legs, ${b.calls * 4} sockets; late ${b.latePct.toFixed(2)} %, ` +
        `${((b.cpuUserMs + b.cpuSystemMs) / b.wallMs * 100).toFixed(0)} % of a core)` +
        (ramp.firstFail
          ? `; ${ramp.firstFail.calls} calls failed with ${ramp.firstFail.latePct.toFixed(1)} % late`
          : ramp.failedAt !== undefined
            ? `; the worker failed at ${ramp.failedAt} calls`
            : `; no step failed up to ${MAX_CALLS}`) +
        othersNote(b),
    });
  } else {
    out.push({ name: 'capacity: duplex PCMU calls on one ticker', value: 0, unit: 'calls', note: `even ${RAMP[0]} calls had ≥ ${PASS_LATE_PCT} % late ticks${ramp.firstFail ? othersNote(ramp.firstFail) : ''}` });
  }
  for (const r of [...ramp.steps].sort((x, y) => x.calls - y.calls)) {
    out.push({
      name: `  late ticks at ${r.calls} calls`,
      value: r.latePct,
      unit: '%',
      note: `${passes(r) ? 'pass' : 'FAIL'}; worst ${r.worstLatenessMs.toFixed(0)} ms, ticker load ${r.tickerLoadPct.toFixed(0)} %, ${((r.cpuUserMs + r.cpuSystemMs) / r.wallMs * 100).toFixed(0)} % CPU, rx ${r.rxPacketsPerLegSecond.toFixed(1)} pkt/leg·s${othersNote(r)}`,
    });
  }

  // 2 and 3: the CPU figures.
  out.push({
    name: `CPU per leg-second, ${CPU_CALLS} calls (${mid.legs} legs)`,
    value: ours,
    unit: 'CPU-ms',
    note: `whole process; marginal above the idle process ${marginal.toFixed(2)}; user ${((mid.cpuUserMs / mid.wallMs) * 1000 / mid.legs).toFixed(2)} + system ${((mid.cpuSystemMs / mid.wallMs) * 1000 / mid.legs).toFixed(2)}${othersNote(mid)}`,
  });
  out.push({ name: 'CPU per leg-second, 1 call (2 legs)', value: one.cpuMsPerLegSecond, unit: 'CPU-ms', note: `same shape as the mediastream pair; idle process (ticker, no call) ${idleMsPerS.toFixed(2)} CPU-ms/s` });
  if (theirs) {
    out.push({
      name: 'CPU per leg-second, Mediastreamer2 (2 mediastream)',
      value: theirs.cpuMsPerLegSecond,
      unit: 'CPU-ms',
      note: `utime+stime from /proc over ${(theirs.wallMs / 1000).toFixed(1)} s; anchor on this machine kind ≈ ${MS2_ANCHOR}${theirs.othersCores !== undefined && theirs.othersCores > 0.2 ? `; other processes used ${theirs.othersCores.toFixed(2)} cores meanwhile` : ''}`,
    });
    out.push({
      name: `CPU ratio ours (${CPU_CALLS} calls) / Mediastreamer2`,
      value: ours / theirs.cpuMsPerLegSecond,
      unit: '×',
      note:
        `goal ≤ 1; marginal cost (above our idle process) ×${(marginal / theirs.cpuMsPerLegSecond).toFixed(2)}; ` +
        `at 1 call ×${(one.cpuMsPerLegSecond / theirs.cpuMsPerLegSecond).toFixed(2)} (one process's fixed cost on 2 legs)`,
    });
  } else {
    out.push({ name: 'CPU per leg-second, Mediastreamer2', value: NaN, unit: 'CPU-ms', note: 'SKIPPED: mediastream missing or failed (see above)' });
  }

  // 4. Memory per call, at the largest passing step (else the largest run).
  const memStep = ramp.best ?? ramp.steps[ramp.steps.length - 1];
  for (const r of [mid, memStep]) {
    if (!r || r.calls === 0) continue;
    const d = (k: 'rss' | 'heapUsed' | 'external'): number => (r.memory.loaded[k] - r.memory.idle[k]) / r.calls;
    out.push({
      name: `memory per call, RSS (${r.calls} calls)`,
      value: d('rss') / 1024,
      unit: 'KiB',
      note: `${r.gc ? 'after gc' : 'NO gc available'}; ${((r.memory.loaded.rss - r.memory.idle.rss) / MiB).toFixed(1)} MiB over the idle process`,
    });
    out.push({ name: `memory per call, JS heap used (${r.calls} calls)`, value: d('heapUsed') / 1024, unit: 'KiB', note: `external (Buffers, typed arrays) ${(d('external') / 1024).toFixed(1)} KiB more` });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printResults('capacity', await runCapacityBench());
