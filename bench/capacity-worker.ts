/**
 * One measurement of bench/capacity.ts, in a process of its own (so each step starts clean: no
 * sockets, garbage or timers left by the previous one, and `--expose-gc` for the memory figure):
 *
 *   node --expose-gc --import tsx bench/capacity-worker.ts '{"calls":50,"warmupMs":2000,"measureMs":5000,"infile":"…/hello8000.wav"}'
 *
 * It runs `calls` duplex PCMU calls, each two AudioStreams in this process sending to each other
 * over real UDP sockets on 127.0.0.1 (RTP + RTCP, 4 sockets a call), all on ONE shared real-time
 * Ticker (10 ms). Both legs send the same speech file, looping, and drop what they receive after
 * decoding and PLC (output 'none' = VoidSink), so every leg runs the full send and receive
 * chains. After `warmupMs` it measures, over `measureMs`: the ticker's late ticks (a tick that
 * started more than one period after its deadline: the ticker's default threshold), process CPU
 * (process.cpuUsage(): every thread, GC and libuv included), the packets the legs received, and
 * memory (RSS and heap after a full gc, against the same process with no call).
 *
 * The calls are started one after another while the ticker already runs, so their 20 ms packet
 * phases spread over both ticks of a packet period, as independent calls would; the one-off
 * costs (module loading, JIT of the whole chain, codec registration) are paid by a throw-away call
 * before the 0-call memory baseline is taken.
 *
 * GC pauses in the window are counted (PerformanceObserver 'gc'). No event-loop-delay monitor
 * runs: its timer would add its own wake-ups to the CPU figure. For finding what limits
 * capacity, `"profile": "x.cpuprofile"` writes a CPU profile and `"heapProfile": "x.heapprofile"` a
 * sampling allocation profile of the window only (start-up excluded); open them in Chrome DevTools.
 *
 * Prints one line `CAPACITY_RESULT <json>` (a {@link WorkerResult}) on stdout; logs go to stderr.
 * `calls: 0` measures the idle process (ticker running, no graph).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants as perfConstants, type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { Ticker } from '../src/core/ticker.js';
import { AudioStream } from '../src/streams/audio-stream.js';

export const RESULT_PREFIX = 'CAPACITY_RESULT ';

export interface WorkerConfig {
  /** Duplex calls (2 legs each). 0 = the idle process. */
  calls: number;
  warmupMs: number;
  measureMs: number;
  /** 8 kHz WAV both legs send, looping; null = silence (still encoded and sent). */
  infile: string | null;
  /** Ticker period, ms. Default 10. */
  periodMs?: number;
  /** Write a V8 CPU profile of the measured window (not start-up) to this .cpuprofile file. */
  profile?: string;
  /**
   * Write a V8 sampling heap profile of the window to this .heapprofile file: what was
   * allocated (objects already collected included), by allocating function.
   */
  heapProfile?: string;
}

/** Garbage collections during the window (from PerformanceObserver 'gc' entries). */
export interface GcStats {
  minor: number;
  minorMaxMs: number;
  major: number;
  majorMaxMs: number;
  /** Total pause time, ms. */
  totalMs: number;
}

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface WorkerResult {
  calls: number;
  legs: number;
  /** Time to bind the sockets and start every stream, ms. */
  setupMs: number;
  /** Measured window (real time), ms. */
  wallMs: number;
  ticks: number;
  lateTicks: number;
  latePct: number;
  skippedTicks: number;
  /** Worst tick lateness seen in the window, ms. */
  worstLatenessMs: number;
  /** Time spent in graphs / ticker time, %, over the window (receive callbacks run outside ticks). */
  tickerLoadPct: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** (user + system) / (legs × seconds); for calls = 0, per second. */
  cpuMsPerLegSecond: number;
  /** RTP packets received per leg per second over the window (50 expected for PCMU 20 ms). */
  rxPacketsPerLegSecond: number;
  /** Received packets the legs' jitter buffers counted late, lost, or skipped, over the whole run. */
  late: number;
  lost: number;
  skipped: number;
  /** Audio the legs made up (PLC: losses and underruns), ms, over the whole run. */
  concealedMs: number;
  gcPauses: GcStats;
  warnings: number;
  firstWarnings: string[];
  gc: boolean;
  memory: { idle: MemorySnapshot; loaded: MemorySnapshot };
  /** CPU used by every process of the machine over the window, in cores (Linux /proc/stat); undefined elsewhere. */
  machineBusyCores: number | undefined;
}

/** Busy and total jiffies of all CPUs since boot, and the CPU count (Linux /proc/stat); undefined elsewhere. */
export function machineJiffies(): { busy: number; total: number; cpus: number } | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const v = lines[0]!.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
    const total = v.reduce((a, b) => a + b, 0);
    const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).length;
    return { busy: total - v[3]! - v[4]!, total, cpus: Math.max(1, cpus) };
  } catch {
    return undefined;
  }
}

/** Cores busy between two machineJiffies() readings. */
export function busyCores(m0: ReturnType<typeof machineJiffies>, m1: ReturnType<typeof machineJiffies>): number | undefined {
  if (!m0 || !m1 || m1.total <= m0.total) return undefined;
  return ((m1.busy - m0.busy) / (m1.total - m0.total)) * m1.cpus;
}

interface Call {
  a: AudioStream;
  b: AudioStream;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function collect(): Promise<MemorySnapshot> {
  if (typeof gc === 'function') {
    // Two rounds with a turn of the loop between: finalizers and weak callbacks run in between.
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return snapshot();
}

export async function runWorker(cfg: WorkerConfig): Promise<WorkerResult> {
  const ticker = new Ticker({ name: 'capacity', periodMs: cfg.periodMs ?? 10 });
  const warnings: string[] = [];
  let warningCount = 0;
  const onWarning = (msg: string): void => {
    warningCount++;
    if (warnings.length < 5) warnings.push(msg);
  };
  const input = cfg.infile ? ({ kind: 'file', path: cfg.infile, loop: true } as const) : ({ kind: 'silence' } as const);

  const makeCall = async (): Promise<Call> => {
    const codec = { mime: 'PCMU', clockRate: 8000 };
    const a = new AudioStream({ codec, ticker, localAddress: '127.0.0.1', input, output: { kind: 'none' } });
    a.on('warning', onWarning);
    await a.start();
    const aPort = a.localAddress!.port;
    const b = new AudioStream({ codec, ticker, localAddress: '127.0.0.1', remote: { address: '127.0.0.1', port: aPort }, input, output: { kind: 'none' } });
    b.on('warning', onWarning);
    await b.start();
    a.setRemote({ address: '127.0.0.1', port: b.localAddress!.port });
    return { a, b };
  };
  const stopCall = async (c: Call): Promise<void> => {
    await c.a.stop();
    await c.b.stop();
  };

  ticker.start();
  // The throw-away call: loads and compiles everything once, outside the figures.
  const warm = await makeCall();
  await sleep(300);
  await stopCall(warm);
  await sleep(50);
  const idle = await collect();

  const t0 = performance.now();
  const calls: Call[] = [];
  for (let i = 0; i < cfg.calls; i++) calls.push(await makeCall());
  const setupMs = performance.now() - t0;

  await sleep(cfg.warmupMs);

  const legs = calls.flatMap((c) => [c.a, c.b]);
  const received = (): number => legs.reduce((s, l) => s + l.session.stats.received.packets, 0);
  let worst = 0;
  const onLate = (ms: number): void => {
    if (ms > worst) worst = ms;
  };
  let inspector: Session | undefined;
  if (cfg.profile || cfg.heapProfile) {
    inspector = new Session();
    inspector.connect();
  }
  if (inspector && cfg.profile) {
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
    await inspector.post('Profiler.start');
  }
  if (inspector && cfg.heapProfile) {
    await inspector.post('HeapProfiler.enable');
    await inspector.post('HeapProfiler.startSampling', {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const gcPauses: GcStats = { minor: 0, minorMaxMs: 0, major: 0, majorMaxMs: 0, totalMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // GC entries carry { kind, flags } in `detail` (Node ≥ 16), absent from PerformanceEntry's type.
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind;
      gcPauses.totalMs += e.duration;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) {
        gcPauses.minor++;
        gcPauses.minorMaxMs = Math.max(gcPauses.minorMaxMs, e.duration);
      } else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
        gcPauses.major++;
        gcPauses.majorMaxMs = Math.max(gcPauses.majorMaxMs, e.duration);
      }
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const s0 = ticker.stats;
  const rx0 = received();
  const m0 = machineJiffies();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  ticker.on('late', onLate);
  await sleep(cfg.measureMs);
  ticker.off('late', onLate);
  const cpu = process.cpuUsage(c0);
  const wallMs = performance.now() - w0;
  const m1 = machineJiffies();
  const rx1 = received();
  const s1 = ticker.stats;
  gcObserver.disconnect();
  if (inspector && cfg.profile) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(cfg.profile, JSON.stringify(profile));
  }
  if (inspector && cfg.heapProfile) {
    const { profile } = await inspector.post('HeapProfiler.stopSampling');
    writeFileSync(cfg.heapProfile, JSON.stringify(profile));
  }
  inspector?.disconnect();

  const loaded = await collect();
  let late = 0;
  let lost = 0;
  let skipped = 0;
  let concealedMs = 0;
  for (const l of legs) {
    const j = l.jitterBuffer.getStats();
    late += j.late;
    lost += j.lost;
    skipped += j.skipped;
    concealedMs += j.concealedMs.loss + j.concealedMs.underrun;
  }
  for (const c of calls) await stopCall(c);
  ticker.shutdown();

  const ticks = s1.ticks - s0.ticks;
  const lateTicks = s1.lateTicks - s0.lateTicks;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const seconds = wallMs / 1000;
  return {
    calls: cfg.calls,
    legs: legs.length,
    setupMs,
    wallMs,
    ticks,
    lateTicks,
    latePct: ticks > 0 ? (100 * lateTicks) / ticks : 100,
    skippedTicks: s1.skippedTicks - s0.skippedTicks,
    worstLatenessMs: worst,
    tickerLoadPct: ticks > 0 ? ((s1.busyMs - s0.busyMs) / (ticks * ticker.periodMs)) * 100 : 0,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    cpuMsPerLegSecond: cpuMs / (Math.max(1, legs.length) * seconds),
    rxPacketsPerLegSecond: legs.length ? (rx1 - rx0) / (legs.length * seconds) : 0,
    late,
    lost,
    skipped,
    concealedMs,
    gcPauses,
    warnings: warningCount,
    firstWarnings: warnings,
    gc: typeof gc === 'function',
    memory: { idle, loaded },
    machineBusyCores: busyCores(m0, m1),
  };
}

function parseConfig(text: string | undefined): WorkerConfig {
  if (!text) throw new Error('capacity-worker: give the configuration as one JSON argument, e.g. \'{"calls":50,"warmupMs":2000,"measureMs":5000,"infile":null}\'');
  const v: unknown = JSON.parse(text);
  if (typeof v !== 'object' || v === null) throw new Error('capacity-worker: the configuration must be a JSON object');
  const o = v as Record<string, unknown>;
  const num = (k: string, d?: number): number => {
    const x = o[k] ?? d;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error(`capacity-worker: ${k} must be a number ≥ 0, got ${String(x)}`);
    return x;
  };
  const infile = o.infile ?? null;
  if (infile !== null && typeof infile !== 'string') throw new Error('capacity-worker: infile must be a path or null');
  const profile = o.profile;
  if (profile !== undefined && typeof profile !== 'string') throw new Error('capacity-worker: profile must be a file path');
  const heapProfile = o.heapProfile;
  if (heapProfile !== undefined && typeof heapProfile !== 'string') throw new Error('capacity-worker: heapProfile must be a file path');
  return {
    calls: Math.floor(num('calls')),
    warmupMs: num('warmupMs', 2000),
    measureMs: num('measureMs', 5000),
    infile,
    periodMs: num('periodMs', 10),
    ...(profile ? { profile } : {}),
    ...(heapProfile ? { heapProfile } : {}),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runWorker(parseConfig(process.argv[2]));
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  // Sockets are closed; leave without waiting for stray timers of the streams.
  process.exit(0);
}
