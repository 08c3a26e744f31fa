/**
 * Fuzzer for the WAV header parser and reader: random bytes, and valid files of every supported
 * format mutated (bit flips, byte stores, truncations, size fields set to extremes, fmt fields set
 * to edge values, chunks reordered, duplicated or dropped, bytes inserted, garbage appended),
 * written to a temporary file, opened with WavReader and played for some ticks (or read whole
 * with readWavFile).
 *
 * The properties checked, per attempt:
 * - nothing but FileFormatError is thrown (by the constructor, readWavFile, or process() as
 *   reported by the graph);
 * - the attempt ends in bounded time (all the reader's work is bounded by the file's real size
 *   and MAX_CHUNKS, never by a size field, so a hang would show as a slow attempt);
 * - no allocation follows a size field (the parser reads at most 40 bytes at a time; the reader a
 *   64 KiB buffer and one tick of samples), so a 4 GiB size field costs nothing;
 * - an accepted file plays consistently: frames carry the file's rate and channel count,
 *   contiguous timestamps, and (not looping) exactly `reader.frames` sample frames then `eof`.
 *
 * Deterministic for a seed (xoshiro128** from core/random); a failure carries the input bytes
 * (base64) to reproduce it. Callers (scripts/fuzz.ts, the test) should fail when `failures` is
 * not empty.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileFormatError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import { Graph } from '../core/graph.js';
import { Random } from '../core/random.js';
import { Ticker } from '../core/ticker.js';
import { buildWavHeader, type WavEncoding } from './wav-format.js';
import { readWavFile, WavReader } from './wav-reader.js';

export interface WavFuzzOptions {
  /** Stop starting new attempts after this long, ms. */
  budgetMs: number;
  /** Seed of the deterministic generator. */
  seed: number;
  /** Stop after this many attempts (default: unlimited within the budget). */
  maxIterations?: number;
  /** An attempt slower than this counts as a failure (a hang), ms. Default 2000. */
  slowAttemptMs?: number;
  /** Directory for the temporary file (default: a new one under the OS temp dir, removed after). */
  dir?: string;
}

export interface WavFuzzFailure {
  iteration: number;
  /** What went wrong: the unexpected error, a broken invariant, or a slow attempt. */
  problem: string;
  /** The input file, base64. */
  inputBase64: string;
}

export interface WavFuzzResult {
  iterations: number;
  /** Attempts whose file was accepted and played. */
  accepted: number;
  /**
   * Outcomes by kind: `FileFormatError: <reason with numbers and names abstracted>` for the
   * expected rejections, `UNEXPECTED …` for anything else (also listed in `failures`).
   */
  errors: Record<string, number>;
  /** Unexpected errors, broken invariants and slow attempts (the first 20, with inputs). */
  failures: WavFuzzFailure[];
  /** Slowest attempt, ms. */
  slowestMs: number;
}

const MAX_FAILURES_KEPT = 20;

/** Counts what the reader outputs and checks each frame against the reader's format. */
class CheckSink extends Filter {
  readonly type = 'wav-fuzz-sink';
  frames = 0;
  problem: string | undefined;
  #rate: number;
  #channels: number;

  constructor(rate: number, channels: number) {
    super({ inputs: 1, outputs: 0 });
    this.#rate = rate;
    this.#channels = channels;
  }

  override process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') {
        this.problem ??= 'reader output a non-audio frame';
        continue;
      }
      if (f.sampleRate !== this.#rate || f.channels !== this.#channels) this.problem ??= `frame format ${f.sampleRate}/${f.channels} ≠ reader ${this.#rate}/${this.#channels}`;
      if (f.samples.length === 0 || f.samples.length % f.channels !== 0) this.problem ??= `frame of ${f.samples.length} samples for ${f.channels} channels`;
      if (f.timestamp !== this.frames) this.problem ??= `timestamp ${f.timestamp}, expected ${this.frames}`;
      this.frames += f.samples.length / f.channels;
    }
  }
}

interface Chunk {
  id: string;
  body: Uint8Array;
  /** Size field to write instead of body.length. */
  size?: number;
}

interface Built {
  bytes: Uint8Array;
  /** Offsets of the u32 size fields (RIFF's and each chunk's). */
  sizeFields: number[];
  /** Offset of the fmt chunk body, if any. */
  fmtBody: number | undefined;
}

const FORMATS: readonly { encoding: WavEncoding; bits: number }[] = [
  { encoding: 'pcm', bits: 8 },
  { encoding: 'pcm', bits: 16 },
  { encoding: 'pcm', bits: 24 },
  { encoding: 'pcm', bits: 32 },
  { encoding: 'float', bits: 32 },
  { encoding: 'float', bits: 64 },
  { encoding: 'mulaw', bits: 8 },
  { encoding: 'alaw', bits: 8 },
];
const RATES = [1000, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000];
const EXTREME_U32 = [0, 1, 2, 3, 7, 8, 15, 16, 17, 18, 22, 39, 40, 41, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const EXTREME_U16 = [0, 1, 2, 3, 4, 6, 7, 8, 12, 16, 20, 22, 24, 32, 33, 64, 0xfffe, 0xffff];

function randomBytes(rng: Random, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.nextInt(256);
  return b;
}

const asciiCache = new Map<string, Uint8Array>();
function ascii(s: string): Uint8Array {
  let b = asciiCache.get(s);
  if (!b) asciiCache.set(s, (b = Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff)));
  return b;
}

/** A valid WAV file as a list of chunks (fmt [+ fact], data, and optional others). */
function validChunks(rng: Random): Chunk[] {
  const f = FORMATS[rng.nextInt(FORMATS.length)]!;
  const channels = 1 + rng.nextInt(2);
  const sampleRate = RATES[rng.nextInt(RATES.length)]!;
  const frames = rng.nextInt(400);
  const blockAlign = channels * (f.bits / 8);
  const dataBytes = frames * blockAlign;
  const extensible = rng.nextInt(4) === 0;
  const header = buildWavHeader({ encoding: f.encoding, bitsPerSample: f.bits, channels, sampleRate, dataBytes, extensible });
  // Split the built header back into its chunks so they can be moved around.
  const chunks: Chunk[] = [];
  let o = 12;
  while (o + 8 <= header.length) {
    const id = String.fromCharCode(...header.subarray(o, o + 4));
    const size = new DataView(header.buffer).getUint32(o + 4, true);
    const body = id === 'data' ? randomBytes(rng, dataBytes) : header.slice(o + 8, o + 8 + size);
    chunks.push({ id, body });
    o += 8 + (id === 'data' ? 0 : size);
  }
  const data = chunks[chunks.length - 1]!;
  // Streaming writers leave the data size 0 or 0xFFFFFFFF.
  const r = rng.nextInt(8);
  if (r === 0) data.size = 0;
  else if (r === 1) data.size = 0xffffffff;
  // Chunks a reader must skip: LIST before fmt, an odd-sized one (padded), one after the data.
  if (rng.nextInt(2) === 0) chunks.splice(0, 0, { id: 'LIST', body: randomBytes(rng, rng.nextInt(40)) });
  if (rng.nextInt(2) === 0) chunks.splice(chunks.length - 1, 0, { id: 'junk', body: randomBytes(rng, 1 + 2 * rng.nextInt(10)) });
  if (rng.nextInt(3) === 0) chunks.push({ id: 'id3 ', body: randomBytes(rng, rng.nextInt(30)) });
  return chunks;
}

function serialize(magic: string, chunks: readonly Chunk[]): Built {
  let total = 12;
  for (const c of chunks) total += 8 + c.body.length + (c.body.length & 1);
  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  bytes.set(ascii(magic), 0);
  v.setUint32(4, total - 8, true);
  bytes.set(ascii('WAVE'), 8);
  const sizeFields = [4];
  let fmtBody: number | undefined;
  let o = 12;
  for (const c of chunks) {
    bytes.set(ascii(c.id.padEnd(4, ' ').slice(0, 4)), o);
    v.setUint32(o + 4, c.size ?? c.body.length, true);
    sizeFields.push(o + 4);
    if (c.id === 'fmt ' && fmtBody === undefined) fmtBody = o + 8;
    bytes.set(c.body, o + 8);
    o += 8 + c.body.length + (c.body.length & 1);
  }
  return { bytes, sizeFields, fmtBody };
}

function structuralMutation(rng: Random, chunks: Chunk[]): void {
  const n = chunks.length;
  switch (rng.nextInt(5)) {
    case 0: {
      // Swap two chunks (e.g. data before fmt).
      const i = rng.nextInt(n);
      const j = rng.nextInt(n);
      [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
      break;
    }
    case 1:
      chunks.splice(rng.nextInt(n), 1); // Drop one (no fmt, no data …).
      break;
    case 2:
      chunks.splice(rng.nextInt(n + 1), 0, { ...chunks[rng.nextInt(n)]! }); // Duplicate one.
      break;
    case 3:
      chunks.reverse();
      break;
    default: {
      // Many tiny chunks before the audio (the walk's bound).
      const many = 1 + rng.nextInt(6000);
      const filler: Chunk[] = [];
      for (let i = 0; i < many; i++) filler.push({ id: 'pad ', body: new Uint8Array(0) });
      chunks.splice(0, 0, ...filler);
    }
  }
}

function byteMutation(rng: Random, b: Built): Uint8Array {
  let bytes = b.bytes;
  const len = bytes.length;
  const pos = (): number => (len === 0 ? 0 : rng.nextInt(4) > 0 ? rng.nextInt(Math.min(len, 80)) : rng.nextInt(len));
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (rng.nextInt(8)) {
    case 0:
      if (len) bytes[pos()]! ^= 1 << rng.nextInt(8);
      break;
    case 1:
      if (len) bytes[pos()] = rng.nextInt(256);
      break;
    case 2:
      bytes = bytes.subarray(0, rng.nextInt(2) ? rng.nextInt(Math.min(len, 80) + 1) : rng.nextInt(len + 1));
      break;
    case 3: {
      const at = b.sizeFields[rng.nextInt(b.sizeFields.length)]!;
      if (at + 4 <= len) {
        const choice = rng.nextInt(4);
        const value = choice === 0 ? len : choice === 1 ? Math.max(0, len - at - 4 + rng.nextInt(9) - 4) : EXTREME_U32[rng.nextInt(EXTREME_U32.length)]!;
        v.setUint32(at, value >>> 0, true);
      }
      break;
    }
    case 4: {
      // fmt fields: tag 0, channels 2, rate 4, byteRate 8, blockAlign 12, bits 14, cbSize 16, valid bits 18, GUID tag 24.
      if (b.fmtBody === undefined) break;
      const fields = [0, 2, 4, 12, 14, 16, 18, 24];
      const at = b.fmtBody + fields[rng.nextInt(fields.length)]!;
      if (at === b.fmtBody + 4) {
        if (at + 4 <= len) v.setUint32(at, rng.nextInt(2) ? EXTREME_U32[rng.nextInt(EXTREME_U32.length)]! : rng.nextInt(400000), true);
      } else if (at + 2 <= len) {
        v.setUint16(at, EXTREME_U16[rng.nextInt(EXTREME_U16.length)]!, true);
      }
      break;
    }
    case 5: {
      const at = rng.nextInt(len + 1);
      const ins = randomBytes(rng, 1 + rng.nextInt(9));
      const out = new Uint8Array(len + ins.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(ins, at);
      out.set(bytes.subarray(at), at + ins.length);
      bytes = out;
      break;
    }
    case 6: {
      const out = new Uint8Array(len + 1 + rng.nextInt(64));
      out.set(bytes, 0);
      out.set(randomBytes(rng, out.length - len), len);
      bytes = out;
      break;
    }
    default:
      // Drop a pad byte (writers that forget it): delete one byte somewhere.
      if (len) {
        const at = rng.nextInt(len);
        const out = new Uint8Array(len - 1);
        out.set(bytes.subarray(0, at), 0);
        out.set(bytes.subarray(at + 1), at);
        bytes = out;
      }
  }
  return bytes;
}

function makeInput(rng: Random): Uint8Array {
  const kind = rng.nextInt(20);
  if (kind === 0) return randomBytes(rng, rng.nextInt(200));
  if (kind === 1) {
    const b = randomBytes(rng, 12 + rng.nextInt(200));
    b.set(ascii('RIFF'), 0);
    b.set(ascii('WAVE'), 8);
    return b;
  }
  const chunks = validChunks(rng);
  if (rng.nextInt(10) < 3) structuralMutation(rng, chunks);
  const magic = rng.nextInt(30) === 0 ? (rng.nextInt(2) ? 'RF64' : 'RIFX') : 'RIFF';
  const built = serialize(magic, chunks);
  if (kind === 2) return built.bytes; // Unmutated: must be accepted.
  const rounds = 1 + rng.nextInt(3);
  let bytes = built.bytes;
  for (let i = 0; i < rounds; i++) {
    bytes = byteMutation(rng, { ...built, bytes });
  }
  return bytes;
}

/** "in.wav: fmt chunk is 12 bytes, expected ≥ 16" → "fmt chunk is # bytes, expected ≥ #". */
function abstractReason(err: FileFormatError): string {
  const msg = err.message.startsWith(`${err.file}: `) ? err.message.slice(err.file.length + 2) : err.message;
  return msg
    .replace(/'[^']*'/g, "'…'")
    .replace(/\{[0-9A-F-]+\}/g, '{GUID}')
    .replace(/0x[0-9A-F]+/gi, 'hex')
    .replace(/\d+/g, '#');
}

function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Runs the fuzzer for `budgetMs` (synchronously) and reports what happened. */
export function fuzzWavHeaders(options: WavFuzzOptions): WavFuzzResult {
  const rng = new Random(options.seed);
  const slowMs = options.slowAttemptMs ?? 2000;
  const maxIterations = options.maxIterations ?? Number.POSITIVE_INFINITY;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mediaweave-wavfuzz-'));
  const path = join(dir, 'fuzz.wav');
  const result: WavFuzzResult = { iterations: 0, accepted: 0, errors: {}, failures: [], slowestMs: 0 };
  const count = (key: string): void => {
    result.errors[key] = (result.errors[key] ?? 0) + 1;
  };
  const start = performance.now();
  // One descriptor rewritten in place: opening a file per attempt would cost more than the attempt.
  const fd = openSync(path, 'w');
  try {
    while (result.iterations < maxIterations && performance.now() - start < options.budgetMs) {
      const iteration = result.iterations++;
      const input = makeInput(rng);
      const fail = (problem: string): void => {
        count(problem.startsWith('UNEXPECTED') ? problem.split('\n')[0]!.slice(0, 200) : `INVARIANT ${problem.replace(/\d+/g, '#')}`);
        if (result.failures.length < MAX_FAILURES_KEPT) result.failures.push({ iteration, problem, inputBase64: toBase64(input) });
      };
      const classify = (err: unknown): void => {
        if (err instanceof FileFormatError) count(`FileFormatError: ${abstractReason(err)}`);
        else fail(`UNEXPECTED ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)}`);
      };
      ftruncateSync(fd, 0);
      writeSync(fd, input, 0, input.length, 0);
      const t0 = performance.now();
      if (rng.nextInt(8) === 0) {
        try {
          readWavFile(path);
          result.accepted++;
          count('accepted (readWavFile)');
        } catch (err) {
          classify(err);
        }
      } else {
        const loop = rng.nextInt(4) === 0;
        let reader: WavReader | undefined;
        try {
          reader = new WavReader({ path, loop, loopPauseMs: loop ? rng.nextInt(3) * 7 : 0 });
        } catch (err) {
          classify(err);
        }
        if (reader) {
          result.accepted++;
          count('accepted (WavReader)');
          const sink = new CheckSink(reader.sampleRate, reader.channels);
          const graph = new Graph().link(reader, 0, sink, 0);
          const periods = [10, 20, 1, 7, 2.5];
          const ticker = new Ticker({ clock: 'virtual', periodMs: periods[rng.nextInt(periods.length)]! });
          let eofs = 0;
          reader.on('eof', () => eofs++);
          ticker.on('filter-error', (_g, _f, err) => classify(err));
          try {
            ticker.attach(graph);
            // Enough ticks to play the whole file at the slowest rate and look past its end.
            const ticks = 20 + Math.ceil(((reader.frames + 1) * 1000) / reader.sampleRate / ticker.periodMs);
            ticker.runTicks(Math.min(ticks, 2000));
            if (sink.problem) fail(sink.problem);
            if (!loop && !reader.ended && ticks <= 2000) fail(`reader did not end: ${sink.frames} of ${reader.frames} frames output`);
            if (!loop && reader.ended && sink.frames !== reader.frames) {
              fail(`output ${sink.frames} frames, the file holds ${reader.frames}`);
            }
            if (reader.ended && eofs !== 1) fail(`eof emitted ${eofs} times`);
            // Looping never ends, except an empty file (nothing to loop), which ends at once.
            if (loop && (reader.frames > 0) === reader.ended) fail(`looping over ${reader.frames} frames, ended: ${reader.ended}`);
          } catch (err) {
            classify(err);
          } finally {
            ticker.shutdown();
            reader.close();
          }
        }
      }
      const ms = performance.now() - t0;
      if (ms > result.slowestMs) result.slowestMs = ms;
      if (ms > slowMs) fail(`slow attempt: ${ms.toFixed(0)} ms (a hang?)`);
    }
  } finally {
    closeSync(fd);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
