/**
 * Helpers for the interop tests against real peers (mediastream, ffmpeg, GStreamer, and
 * mediaweave itself as a child process). DESIGN §6: peers and material that are missing make a
 * test skip loudly (console.error naming what is missing, then t.skip), never pass silently;
 * received audio is judged by speech similarity to the reference, never by file size.
 *
 * - Ports: `portRange(base)` gives each test file its own range (so files running at once do
 *   not clash) and every pair handed out (even RTP port, RTCP on port + 1) is checked free by
 *   binding both ports and releasing them.
 * - Processes: `spawnPeer()` starts a program with a hard deadline (a first signal, SIGINT by
 *   default so mediastream, ffmpeg and gst-launch -e finalise their files, then SIGKILL),
 *   at raised priority (REALTIME_NICE), collects stdout and stderr, and never rejects: a test
 *   judges the peer by what it wrote, not by its exit code.
 * - `runMediaweave()` / `startMediaweave()` run `node bin/mediaweave.js …` the way a user does;
 *   the second waits until it streams, one start at a time.
 * - Material and figures: `prepareReference()` (the reference speech with a lead-in silence),
 *   `similarityOf()` (DESIGN §6 speech similarity of a received WAV), `readReport()` (the
 *   --json report), `parseMediastreamLog()` (mediastream's RTCP and RTT figures).
 * - Calls: `mediaweaveCall()` (mediaweave → mediaweave) and `mediastreamCall()` (both ways with
 *   mediastream), shared by test/interop/ and the quick subset in test/quick/.
 */
import { writeWavFile } from '../../src/files/wav-writer.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { AudioStreamReport } from '../../src/streams/report.js';
import { readWavFile } from '../../src/files/wav-reader.js';
import { repoDir, sharedFile } from '../../src/test-support/shared.js';
import { speechSimilarity, toMono8k, type SimilarityResult } from '../../src/test-support/similarity.js';

export const MEDIAWEAVE_BIN = join(repoDir(), 'bin', 'mediaweave.js');

// ---------------------------------------------------------------------------------------------
// Skipping loudly

/** Absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

const PACKAGE_OF: Record<string, string> = {
  mediastream: 'libmediastreamer-tools',
  ffmpeg: 'ffmpeg',
  'gst-launch-1.0': 'gstreamer1.0-tools (+ gstreamer1.0-plugins-base/-good)',
  tshark: 'tshark',
};

/**
 * True when every tool is on PATH; otherwise prints what is missing on stderr, marks the test
 * skipped and returns false. Usage: `if (!requireTool(t, 'mediastream')) return;`
 */
export function requireTool(t: TestContext, ...tools: string[]): boolean {
  const missing = tools.filter((name) => findOnPath(name) === undefined);
  if (missing.length === 0) return true;
  const what = missing.map((m) => `${m} (Debian package ${PACKAGE_OF[m] ?? m})`).join(', ');
  const msg = `SKIP: interop peer missing on PATH: ${what}; install with scripts/setup`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** The reference speech (hello8000.wav, 11.26 s at 8 kHz mono), or undefined after skipping loudly. */
export function referenceWav(t: TestContext): string | undefined {
  return sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
}

export interface ReferenceAudio {
  /** What a peer sends: `padS` of silence, then the reference. */
  send: string;
  /** What received audio is compared with: the (possibly shortened) reference, unpadded. */
  reference: string;
  /** Seconds of the reference. */
  seconds: number;
  /** Seconds of leading silence in `send`. */
  padS: number;
  /** seconds + padS: how long the sender has audio. */
  totalS: number;
}

/** A 16-bit PCM mono WAV file. */
export function writeWav16(path: string, samples: Int16Array, sampleRate: number): void {
  writeWavFile(path, samples, sampleRate, 1);
}

/**
 * The reference speech prepared for a call, in `dir`: its first `seconds` (default: all of it;
 * 6 s ends in a pause) after `padS` of silence (default 3.5 s). The lead-in silence does two
 * things: whichever peer starts first, no speech is sent before the other has its socket open;
 * and a mediaweave receiver's adaptive jitter buffer, which starts at its nominal 80 ms and
 * comes down to ~40 ms on a clean link by dropping (preferably quiet) packets over the first
 * ~3 s, has settled before speech starts. Without it, those 2 × 20 ms drops land in speech and
 * DESIGN §6's similarity, which aligns each chunk within ±25 ms of one global lag, scores the
 * chunks before them ~0.2: 0.79 was measured for a clean PCMU call with 0.5 s of lead-in.
 * The similarity search finds the lag (similarityOf allows 8 s).
 */
export function prepareReference(t: TestContext, dir: string, opts: { seconds?: number; padS?: number } = {}): ReferenceAudio | undefined {
  const src = referenceWav(t);
  if (!src) return undefined;
  const w = readWavFile(src);
  if (w.channels !== 1) throw new Error(`${src}: expected mono, got ${w.channels} channels`);
  const rate = w.sampleRate;
  const n = opts.seconds === undefined ? w.samples.length : Math.min(w.samples.length, Math.round(opts.seconds * rate));
  const speech = w.samples.subarray(0, n);
  const padS = opts.padS ?? 3.5;
  const pad = Math.round(padS * rate);
  const padded = new Int16Array(pad + n);
  padded.set(speech, pad);
  const reference = join(dir, 'reference.wav');
  const send = join(dir, 'send.wav');
  writeWav16(reference, speech, rate);
  writeWav16(send, padded, rate);
  return { send, reference, seconds: n / rate, padS, totalS: n / rate + padS };
}

// ---------------------------------------------------------------------------------------------
// Ports

function bindUdp(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind({ port, address: '0.0.0.0', exclusive: true }, () => resolve(s));
  });
}

function closeUdp(s: Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** True when UDP ports port … port + count − 1 can all be bound now (they are released again). */
export async function udpPortsFree(port: number, count = 2): Promise<boolean> {
  const held: Socket[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = await bindUdp(port + i);
      if (!s) return false;
      held.push(s);
    }
    return true;
  } finally {
    await Promise.all(held.map(closeUdp));
  }
}

export interface PortAllocator {
  /** An even port P with P and P + 1 free (RTP and RTCP), not handed out before by this allocator. */
  pair(): Promise<number>;
  /** One free port (for an RTCP-only socket or an unused "wrong" address). */
  single(): Promise<number>;
}

/**
 * Ports from this file's own range [base, base + size): a random start within it (so two runs of
 * the same file at once are unlikely to meet) and every port checked free by binding.
 */
export function portRange(base: number, size = 1000): PortAllocator {
  let next = base + 2 * Math.floor((Math.random() * size) / 2);
  const take = async (count: number): Promise<number> => {
    for (let tries = 0; tries < size / 2; tries++) {
      if (next + count > base + size) next = base;
      const p = next;
      next += 2 * Math.ceil(count / 2) + 2;
      if (await udpPortsFree(p, count)) return p;
    }
    throw new Error(`no ${count} free UDP ports in ${base}–${base + size - 1}`);
  };
  return { pair: () => take(2), single: () => take(1) };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface PeerResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by the hard deadline (SIGKILL after the grace period). */
  killed: boolean;
  elapsedMs: number;
}

export interface PeerOptions {
  /** After this, the stop signal is sent (default: none, the process ends by itself). */
  timeoutMs?: number;
  /** Signal sent at timeoutMs or by stop() (default SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** After the stop signal, SIGKILL after this long (default 5000 ms). */
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Scheduling priority (nice value) given to the process; default −10 (see REALTIME_NICE).
   * Ignored where it may not be raised (not root).
   */
  nice?: number;
}

/**
 * Peers run at nice −10 when the tests run as root (DESIGN §6: sessions and CI do): a call is
 * real time, and the unit tests that `npm test` runs beside the quick interop test (or other
 * work on the machine) would otherwise starve it — a stalled ticker sends or reads packets in
 * bursts, the adaptive jitter buffers rightly grow, and speech similarity then measures the
 * machine's load. Mediastreamer2 likewise raises its ticker thread's priority when it can.
 */
export const REALTIME_NICE = -10;
let niceWarned = false;

export interface Peer {
  readonly name: string;
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the output (stdout + stderr) matches, rejects after timeoutMs or if the process ends first. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends the stop signal now (then SIGKILL after the grace period); resolves with the result. */
  stop(signal?: NodeJS.Signals): Promise<PeerResult>;
  /** Resolves when the process has ended. */
  readonly done: Promise<PeerResult>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** Starts `cmd args…` with a deadline; see PeerOptions. */
export function spawnPeer(name: string, cmd: string, args: readonly string[], opts: PeerOptions = {}): Peer {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, opts.nice ?? REALTIME_NICE);
    } catch (e) {
      if (!niceWarned) {
        niceWarned = true;
        console.error(`interop: cannot raise the peers' priority (${(e as Error).message}); calls may suffer from CPU load`);
      }
    }
  }
  let out = '';
  let err = '';
  let killed = false;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
    notify();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
    notify();
  });
  const grace = opts.graceMs ?? 5000;
  const signal = (sig: NodeJS.Signals): void => {
    if (exited) return;
    child.kill(sig);
    if (!killTimer) {
      killTimer = setTimeout(() => {
        if (!exited) {
          killed = true;
          child.kill('SIGKILL');
        }
      }, grace);
    }
  };
  const done = new Promise<PeerResult>((resolve) => {
    const finish = (code: number | null, sig: NodeJS.Signals | null): void => {
      exited = true;
      running.delete(child);
      if (killTimer) clearTimeout(killTimer);
      if (deadline) clearTimeout(deadline);
      notify();
      resolve({ command: `${cmd} ${args.join(' ')}`, code, signal: sig, stdout: out, stderr: err, killed, elapsedMs: performance.now() - started });
    };
    child.once('error', (e) => {
      err += `\nspawn error: ${e.message}\n`;
      finish(null, null);
    });
    child.once('close', finish);
  });
  const deadline = opts.timeoutMs !== undefined ? setTimeout(() => signal(opts.stopSignal ?? 'SIGINT'), opts.timeoutMs) : undefined;
  return {
    name,
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    stop(sig?: NodeJS.Signals): Promise<PeerResult> {
      signal(sig ?? opts.stopSignal ?? 'SIGINT');
      return done;
    },
    waitFor(re: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = re.exec(out + err);
          if (m) {
            cleanup();
            resolve(m);
          } else if (exited) {
            cleanup();
            reject(new Error(`${name} ended before printing ${re}:\n${tail(out + err)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not print ${re} within ${timeoutMs} ms:\n${tail(out + err)}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

function tail(s: string, n = 2000): string {
  return s.length > n ? `…${s.slice(-n)}` : s;
}

/** Runs `node bin/mediaweave.js <args>`; `--duration` should end it, timeoutMs is the safety net. */
export function runMediaweave(name: string, args: readonly string[], opts: PeerOptions = {}): Peer {
  return spawnPeer(name, process.execPath, [MEDIAWEAVE_BIN, ...args], opts);
}

/** Waits until a mediaweave child has its sockets open ("mediaweave: streaming …"). */
export async function mediaweaveReady(p: Peer, timeoutMs = 20_000): Promise<void> {
  await p.waitFor(/mediaweave: streaming /, timeoutMs);
}

let startQueue: Promise<void> = Promise.resolve();

/**
 * Starts a mediaweave child and resolves once it is streaming (sockets open, ticker running).
 * Starts are serialised within a test file: loading the CLI costs about a CPU-second, and
 * several at once on a 2-core machine starve the calls already running — their tickers stall,
 * packets go out or are read in bursts, and the adaptive jitter buffers rightly grow to
 * hundreds of ms, which a test of interop should not be measuring. A child that fails to
 * start is killed and the error thrown.
 */
export async function startMediaweave(name: string, args: readonly string[], opts: PeerOptions = {}): Promise<Peer> {
  const prev = startQueue;
  let release!: () => void;
  startQueue = new Promise((r) => (release = r));
  await prev;
  try {
    const p = runMediaweave(name, args, opts);
    try {
      await mediaweaveReady(p);
    } catch (err) {
      await p.stop('SIGKILL');
      throw err;
    }
    return p;
  } finally {
    release();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// Files and figures

/** A fresh temporary folder, removed after the test unless MW_INTEROP_KEEP is set (then printed). */
export function tempDir(t: TestContext, label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mw-interop-${label}-`));
  t.after(() => {
    if (process.env.MW_INTEROP_KEEP) console.log(`  (kept ${dir})`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** The `--json` report a mediaweave child wrote; throws with its stderr when missing. */
export function readReport(path: string, peer?: PeerResult): AudioStreamReport {
  if (!existsSync(path)) {
    throw new Error(`no --json report at ${path}${peer ? `; mediaweave exit ${peer.code ?? peer.signal}, stderr:\n${tail(peer.stderr)}` : ''}`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as AudioStreamReport;
}

export interface AudioFigures extends SimilarityResult {
  /** Seconds of audio in the file. */
  seconds: number;
}

/**
 * Speech similarity of a received WAV to the reference (DESIGN §6); a missing file scores 0.
 * `maxLagMs` bounds the alignment search: the lead-in silence plus network and buffer delays.
 */
export function similarityOf(received: string, reference: string, maxLagMs = 8000): AudioFigures {
  const ref = readWavFile(reference);
  // A peer killed before finalising leaves no file or a 0-byte one: that scores 0, not a crash.
  if (!existsSync(received) || statSync(received).size <= 44) return { score: 0, lag: 0, chunks: 0, seconds: 0 };
  const got = readWavFile(received);
  const r = toMono8k(ref.samples, ref.sampleRate, ref.channels);
  const g = toMono8k(got.samples, got.sampleRate, got.channels);
  if (g.length === 0) return { score: 0, lag: 0, chunks: 0, seconds: 0 };
  return { ...speechSimilarity(r, g, maxLagMs), seconds: got.samples.length / got.channels / got.sampleRate };
}

/** "received 12 RTCP, lost 3 (5.1 %)" style one-liner of a mediaweave report, for console.log. */
export function reportFigures(r: AudioStreamReport): string {
  const rx = r.received;
  const expected = rx.packets + rx.lost;
  const pct = expected > 0 ? ((100 * rx.lost) / expected).toFixed(1) : '0.0';
  return (
    `sent ${r.sent.packets} pkt, recv ${rx.packets} pkt, lost ${rx.lost} (${pct} %), late ${rx.late}, ` +
    `concealed ${r.decoder.concealedMs} ms, jitter ${r.jitterMs ?? '-'} ms, RTT ${r.rttMs ?? '-'} ms, ` +
    `jb ${r.jitterBufferMs ?? '-'} ms, RTCP sent ${r.details.rtcp.sent} recv ${r.details.rtcp.received}, quality ${r.quality ?? '-'}`
  );
}

/** Loss percentage a report counts (lost / expected). */
export function lossPercent(r: AudioStreamReport): number {
  const expected = r.received.packets + r.received.lost;
  return expected > 0 ? (100 * r.received.lost) / expected : 0;
}

export function fmtSim(s: AudioFigures): string {
  return `similarity ${s.score.toFixed(3)} (lag ${(s.lag / 8).toFixed(1)} ms, ${s.chunks} chunks, ${s.seconds.toFixed(1)} s received)`;
}

// ---------------------------------------------------------------------------------------------
// mediastream's log

export interface MediastreamLog {
  /** "RT propagation : X ms" of each "remote statistics available" block (from RTCP it received). */
  rtPropagationMs: number[];
  /** Loss rate of those blocks (the peer's view, %). */
  remoteLossPct: number[];
  /** From its final oRTP stats block. */
  rtcpReceived: number | null;
  rtcpSent: number | null;
  rtpReceived: number | null;
  rtpSent: number | null;
  lost: number | null;
}

function lastNumber(text: string, re: RegExp): number | null {
  let v: number | null = null;
  for (const m of text.matchAll(re)) v = Number(m[1]);
  return v;
}

/** Parses the figures mediastream (Mediastreamer2 5.1) logs on stdout. */
export function parseMediastreamLog(text: string): MediastreamLog {
  return {
    rtPropagationMs: [...text.matchAll(/RT propagation\s*:\s*(-?[\d.]+)\s*ms/g)].map((m) => Number(m[1])),
    remoteLossPct: [...text.matchAll(/remote statistics available:\s*\n\s*Loss rate\s*:\s*(-?[\d.]+)%/g)].map((m) => Number(m[1])),
    rtcpReceived: lastNumber(text, /received rtcp\s+(\d+) packets/g),
    rtcpSent: lastNumber(text, /sent rtcp\s+(\d+) packets/g),
    rtpReceived: lastNumber(text, /ortp-message-received\s+(\d+) packets/g),
    rtpSent: lastNumber(text, /ortp-message-sent\s+(\d+) packets/g),
    lost: lastNumber(text, /incoming cumulative lost\s+(-?\d+) packets/g),
  };
}

export function fmtMediastream(l: MediastreamLog): string {
  return (
    `mediastream: sent ${l.rtpSent ?? '-'} pkt, recv ${l.rtpReceived ?? '-'} pkt, lost ${l.lost ?? '-'}, ` +
    `RTCP sent ${l.rtcpSent ?? '-'} recv ${l.rtcpReceived ?? '-'}, RT propagation ${l.rtPropagationMs.join('/') || '-'} ms`
  );
}

// ---------------------------------------------------------------------------------------------
// A mediaweave → mediaweave call

export interface MwCallOptions {
  /** --payload of both sides. */
  payload: string;
  ports: PortAllocator;
  dir: string;
  audio: ReferenceAudio;
  label: string;
  /** Extra options of the receiver (e.g. --netsim-loss 5). */
  receiverArgs?: readonly string[];
  /** Extra options of the sender. */
  senderArgs?: readonly string[];
  /** --rtcp-interval of both sides, ms (default 1000: RTT known within a short call). */
  rtcpIntervalMs?: number;
  /** Seconds the sender keeps going after its audio (default 1). */
  tailS?: number;
  /**
   * Where the sender sends RTP: default the receiver's port. `wrong` = a port nobody listens on
   * (symmetric RTP: the sender only reaches the receiver after the receiver sent to it first).
   */
  senderRemote?: 'receiver' | 'wrong';
  /** The receiver sends this WAV file (default: silence). */
  receiverInfile?: string;
}

export interface MwCallResult {
  sender: PeerResult;
  receiver: PeerResult;
  senderReport: AudioStreamReport;
  receiverReport: AudioStreamReport;
  /** The receiver's recording against the reference. */
  received: AudioFigures;
  /** The sender's recording (of the receiver's audio), path. */
  senderOut: string;
  receiverOut: string;
}

/**
 * Receiver first (waits until it is listening), then the sender with the prepared reference;
 * the sender ends by --duration, then the receiver is stopped with SIGINT (WAV and report
 * written). Both record and write --json reports.
 */
export async function mediaweaveCall(o: MwCallOptions): Promise<MwCallResult> {
  const pa = await o.ports.pair();
  const pb = await o.ports.pair();
  const wrong = o.senderRemote === 'wrong' ? await o.ports.pair() : undefined;
  const f = (name: string): string => join(o.dir, `${o.label}-${name}`);
  const common = ['--payload', o.payload, '--rtcp-interval', String(o.rtcpIntervalMs ?? 1000), '--stats', '0', '--verbose'];
  const receiver = await startMediaweave(`mediaweave receiver (${o.label})`, [
    'stream', '--local', String(pb), '--remote', `127.0.0.1:${pa}`, ...common,
    '--outfile', f('receiver.wav'), '--json', f('receiver.json'), '--duration', '60',
    ...(o.receiverInfile ? ['--infile', o.receiverInfile] : []), ...(o.receiverArgs ?? []),
  ], { timeoutMs: 90_000 });
  let sender: Peer;
  try {
    sender = await startMediaweave(`mediaweave sender (${o.label})`, [
      'stream', '--local', String(pa), '--remote', `127.0.0.1:${wrong ?? pb}`, ...common,
      '--infile', o.audio.send, '--outfile', f('sender.wav'), '--json', f('sender.json'),
      '--duration', (o.audio.totalS + (o.tailS ?? 1)).toFixed(2), ...(o.senderArgs ?? []),
    ], { timeoutMs: (o.audio.totalS + 20) * 1000 });
  } catch (err) {
    await receiver.stop('SIGKILL');
    throw err;
  }
  const s = await sender.done;
  await sleep(200);
  const r = await receiver.stop('SIGINT');
  return {
    sender: s,
    receiver: r,
    senderReport: readReport(f('sender.json'), s),
    receiverReport: readReport(f('receiver.json'), r),
    received: similarityOf(f('receiver.wav'), o.audio.reference),
    senderOut: f('sender.wav'),
    receiverOut: f('receiver.wav'),
  };
}

// ---------------------------------------------------------------------------------------------
// A mediaweave ↔ mediastream call

export interface MediastreamCallOptions {
  /** mediaweave's --payload (e.g. 'pcmu') and mediastream's (e.g. '0'). */
  payload: string;
  msPayload: string;
  ports: PortAllocator;
  dir: string;
  audio: ReferenceAudio;
  label: string;
  /** How long mediastream runs before its SIGINT, s (RTCP every 5 s: ~13 s gives reports and RTT both ways). */
  seconds?: number;
  /** Extra mediaweave options. */
  mediaweaveArgs?: readonly string[];
  /**
   * Where mediaweave sends RTP: the mediastream port (default) or 'wrong', a port nobody
   * listens on (symmetric RTP must find mediastream from its packets).
   */
  mediaweaveRemote?: 'peer' | 'wrong';
}

export interface MediastreamCallResult {
  mediaweave: PeerResult;
  mediastream: PeerResult;
  report: AudioStreamReport;
  log: MediastreamLog;
  /** What mediaweave recorded (mediastream → mediaweave). */
  atMediaweave: AudioFigures;
  /** What mediastream recorded (mediaweave → mediastream). */
  atMediastream: AudioFigures;
}

/**
 * Both send the prepared reference and record: mediaweave starts first (its lead-in silence
 * covers mediastream's start), mediastream runs `seconds` and is stopped with SIGINT (its WAV
 * is finalised then; it sometimes segfaults at exit, so it is judged by its file and log, not
 * its exit code), then mediaweave is stopped with SIGINT.
 */
export async function mediastreamCall(o: MediastreamCallOptions): Promise<MediastreamCallResult> {
  const pw = await o.ports.pair();
  const pm = await o.ports.pair();
  const wrong = o.mediaweaveRemote === 'wrong' ? await o.ports.pair() : undefined;
  const f = (name: string): string => join(o.dir, `${o.label}-${name}`);
  const seconds = o.seconds ?? 13;
  const mw = await startMediaweave(`mediaweave (${o.label})`, [
    'stream', '--local', String(pw), '--remote', `127.0.0.1:${wrong ?? pm}`, '--payload', o.payload,
    '--infile', o.audio.send, '--outfile', f('mediaweave.wav'), '--json', f('mediaweave.json'),
    '--duration', String(seconds + 30), '--stats', '0', '--verbose', ...(o.mediaweaveArgs ?? []),
  ], { timeoutMs: (seconds + 40) * 1000 });
  const ms = spawnPeer(`mediastream (${o.label})`, 'mediastream', [
    '--local', String(pm), '--remote', `127.0.0.1:${pw}`, '--payload', o.msPayload,
    '--infile', o.audio.send, '--outfile', f('mediastream.wav'),
  ], { timeoutMs: seconds * 1000, stopSignal: 'SIGINT' });
  const msr = await ms.done;
  await sleep(200);
  const mwr = await mw.stop('SIGINT');
  return {
    mediaweave: mwr,
    mediastream: msr,
    report: readReport(f('mediaweave.json'), mwr),
    log: parseMediastreamLog(msr.stdout + msr.stderr),
    atMediaweave: similarityOf(f('mediaweave.wav'), o.audio.reference),
    atMediastream: similarityOf(f('mediastream.wav'), o.audio.reference),
  };
}
