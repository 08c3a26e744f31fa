/**
 * Opus throughput: encode and decode real-time factors (seconds of audio per second of CPU)
 * through our filters in a virtual-time graph (10 ms ticks, 20 ms packets, 48 kHz mono, 32
 * kbit/s VBR, libopus's default complexity, application voip: the stream's settings), and through
 * direct libopus calls in a tight loop (native/opus.ts, the thinnest layer over koffi) in the
 * same run. Rounds alternate between the two so the ratio holds on a loaded machine; medians.
 * The goal is filter / direct ≤ 1.25 (the filter adds buffering, frames, the graph and ticker).
 *
 * `runOpusBench()` returns the rows for bench/run.ts; run directly
 * (`node --import tsx bench/opus.ts`) it prints a table.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Filter, type TickContext } from '../src/core/filter.js';
import type { AudioFrame, EncodedFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { OpusDecoder, OpusEncoder } from '../src/codecs/opus.js';
import { OPUS_MAX_PACKET_BYTES, OpusDecoderState, OpusEncoderState } from '../src/native/opus.js';
import { VoidSink } from '../src/audio/void.js';
import type { BenchResult } from './types.js';

const RATE = 48000;
const FRAME = 960; // 20 ms
const SECONDS = 2;
const BITRATE = 32000;

/** Two seconds of a speech-like signal: a voiced source with vibrato, syllable-rate envelope, pauses, noise. */
const SIGNAL = (() => {
  const x = new Int16Array(RATE * SECONDS);
  let seed = 12345;
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const t = i / RATE;
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const noise = ((seed >>> 16) & 0x1ff) - 256;
    phase += (2 * Math.PI * (140 + 25 * Math.sin(2 * Math.PI * 2.5 * t))) / RATE;
    const env = Math.max(0, Math.sin(2 * Math.PI * 3 * t)) ** 2;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(h * phase) / h;
    x[i] = Math.round(env * 6000 * v + noise);
  }
  return x;
})();

let sink = 0; // keeps results alive so the JIT cannot drop the work

const directEnc = new OpusEncoderState({ sampleRate: RATE, channels: 1, application: 'voip' });
directEnc.setBitrate(BITRATE);
const packetBuf = new Uint8Array(OPUS_MAX_PACKET_BYTES);
const PACKETS: Uint8Array[] = [];
for (let o = 0; o + FRAME <= SIGNAL.length; o += FRAME) PACKETS.push(packetBuf.slice(0, directEnc.encode(SIGNAL.subarray(o, o + FRAME), packetBuf)));
const directDec = new OpusDecoderState({ sampleRate: RATE, channels: 1 });
const pcmBuf = new Int16Array(5760);

function directEncode(): void {
  for (let o = 0; o + FRAME <= SIGNAL.length; o += FRAME) sink ^= directEnc.encode(SIGNAL.subarray(o, o + FRAME), packetBuf);
}

/** Decoding is ~20× cheaper than encoding: its rounds cover more audio, for steadier timings. */
const DECODE_REPEAT = 10;

function directDecode(): void {
  for (let r = 0; r < DECODE_REPEAT; r++) for (const p of PACKETS) sink ^= directDec.decode(p, pcmBuf, 5760);
}

/** One tick (10 ms) of SIGNAL per tick, as views (what a WAV reader or sound card gives). */
class CyclicSource extends Filter<Record<never, never>> {
  readonly type = 'bench-pcm-source';
  #ts = 0;
  constructor() {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    const n = (RATE * ctx.periodMs) / 1000;
    const o = this.#ts % SIGNAL.length;
    const frame: AudioFrame = { kind: 'audio', samples: SIGNAL.subarray(o, o + n), sampleRate: RATE, channels: 1, timestamp: this.#ts };
    this.#ts += n;
    this.push(0, frame);
  }
}

/** One packet every other tick (what the jitter buffer hands a decoder at 20 ms ptime). */
class PacketSource extends Filter<Record<never, never>> {
  readonly type = 'bench-packet-source';
  #i = 0;
  constructor() {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    if (ctx.tick % 2 !== 0) return;
    const k = this.#i++;
    const f: EncodedFrame = { kind: 'encoded', data: PACKETS[k % PACKETS.length]!, timestamp: k * FRAME, marker: false, payloadType: 114, duration: FRAME };
    this.push(0, f);
  }
}

function graphRunner(chain: Filter[], seconds: number): () => void {
  const g = new Graph().chain(...chain);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  return () => void t.runFor(seconds * 1000);
}

/** Seconds of one call of `work`. */
function timeOf(work: () => void): number {
  const t0 = performance.now();
  work();
  return (performance.now() - t0) / 1000;
}

interface Pair {
  filterRtf: number;
  directRtf: number;
  ratio: number;
}

/**
 * Alternating rounds (direct, filter, direct) of `seconds` of audio each; medians of the
 * real-time factors and of the per-round ratio (filter time over the mean of the two direct
 * rounds around it), so load that comes and goes on a shared machine hits both sides alike.
 */
function compare(direct: () => void, filter: () => void, seconds: number, rounds = 11): Pair {
  direct();
  filter();
  const d: number[] = [];
  const f: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const td = timeOf(direct);
    const tf = timeOf(filter);
    const td2 = timeOf(direct);
    d.push(seconds / ((td + td2) / 2));
    f.push(seconds / tf);
    r.push(tf / ((td + td2) / 2));
  }
  const median = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { filterRtf: median(f), directRtf: median(d), ratio: median(r) };
}

export async function runOpusBench(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const encSink = new VoidSink();
  const enc = compare(directEncode, graphRunner([new CyclicSource(), new OpusEncoder({ payloadType: 114, bitrate: BITRATE }), encSink], SECONDS), SECONDS);
  rows.push({ name: 'opus encode, direct libopus calls (48 kHz mono, 20 ms, 32 kbit/s)', value: enc.directRtf, unit: '× real time' });
  rows.push({ name: 'opus encode, OpusEncoder filter in a graph (10 ms ticks)', value: enc.filterRtf, unit: '× real time' });
  rows.push({ name: 'opus encode: filter time / direct time', value: enc.ratio, unit: 'ratio', note: 'goal ≤ 1.25; median of alternating rounds' });
  await new Promise<void>((r) => setImmediate(r));
  const decSink = new VoidSink();
  const decSeconds = SECONDS * DECODE_REPEAT;
  const dec = compare(directDecode, graphRunner([new PacketSource(), new OpusDecoder({ payloadType: 114, channels: 1 }), decSink], decSeconds), decSeconds);
  rows.push({ name: 'opus decode, direct libopus calls (48 kHz mono)', value: dec.directRtf, unit: '× real time' });
  rows.push({ name: 'opus decode, OpusDecoder filter in a graph (10 ms ticks)', value: dec.filterRtf, unit: '× real time' });
  rows.push({ name: 'opus decode: filter time / direct time', value: dec.ratio, unit: 'ratio', note: 'goal ≤ 1.25; median of alternating rounds' });
  const both = 1 / (1 / enc.filterRtf + 1 / dec.filterRtf);
  rows.push({ name: 'opus encode+decode through the filters: real-time calls per core', value: both, unit: 'calls', note: 'one direction each way of a mono 48 kHz call' });
  if (sink === 0x7fffffff && encSink.samples < 0 && decSink.samples < 0) console.log(''); // never true; reads the sinks
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runOpusBench();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.toFixed(r.unit === 'ratio' ? 3 : 1)} ${r.unit}${r.note ? `   (${r.note})` : ''}`);
}
