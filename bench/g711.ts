/**
 * G.711 throughput: the bulk functions, and the encoder/decoder filters in a virtual-time graph,
 * against a baseline measured in the same run (a plain Int16Array copy loop), so the ratios
 * compare across machines even when the absolute figures do not.
 *
 * `runG711Bench()` returns the rows for bench/run.ts; run directly
 * (`node --import tsx bench/g711.ts`) it prints a table.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Filter, type TickContext } from '../src/core/filter.js';
import type { AudioFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw, type G711Law } from '../src/codecs/g711.js';
import { G711Decoder, G711Encoder } from '../src/codecs/g711-filters.js';
import { VoidSink } from '../src/audio/void.js';
import type { BenchResult } from './types.js';

/** One figure (bench/types.ts's BenchResult). */
export type BenchRow = BenchResult;

const RATE = 8000;
/** One second of a speech-like signal (two tones and noise), reused cyclically. */
const SIGNAL = (() => {
  const x = new Int16Array(RATE);
  let seed = 12345;
  for (let i = 0; i < x.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const noise = ((seed >>> 16) & 0x7ff) - 1024;
    x[i] = Math.round(9000 * Math.sin((2 * Math.PI * 300 * i) / RATE) + 4000 * Math.sin((2 * Math.PI * 1270 * i) / RATE) + noise);
  }
  return x;
})();

/** Packet size used for the bulk figures: a 20 ms G.711 packet. */
const BLOCK = 160;

let sink = 0; // keeps results alive so the JIT cannot drop the work

const PACKETS: Int16Array[] = [];
for (let o = 0; o + BLOCK <= SIGNAL.length; o += BLOCK) PACKETS.push(SIGNAL.subarray(o, o + BLOCK));
const ULAW_PACKETS: Uint8Array[] = PACKETS.map((p) => encodeUlaw(p));
const ALAW_PACKETS: Uint8Array[] = PACKETS.map((p) => encodeAlaw(p));
const codes = new Uint8Array(BLOCK);
const pcm = new Int16Array(BLOCK);

// Each kernel processes one second of audio in 160-sample packets. They are written out one by
// one, not made by a shared factory: closures of one function literal share V8's type feedback,
// so a factory would make the per-packet call polymorphic and measure whichever law ran second
// as slower than it is.
function copyKernel(): void {
  for (let k = 0; k < PACKETS.length; k++) {
    const src = PACKETS[k]!;
    for (let i = 0; i < src.length; i++) pcm[i] = src[i]!;
    sink ^= pcm[7]!;
  }
}
function ulawEncKernel(): void {
  for (let k = 0; k < PACKETS.length; k++) encodeUlaw(PACKETS[k]!, codes);
  sink ^= codes[5]!;
}
function ulawDecKernel(): void {
  for (let k = 0; k < ULAW_PACKETS.length; k++) decodeUlaw(ULAW_PACKETS[k]!, pcm);
  sink ^= pcm[5]!;
}
function ulawBothKernel(): void {
  for (let k = 0; k < PACKETS.length; k++) decodeUlaw(encodeUlaw(PACKETS[k]!, codes), pcm);
  sink ^= pcm[5]!;
}
function alawEncKernel(): void {
  for (let k = 0; k < PACKETS.length; k++) encodeAlaw(PACKETS[k]!, codes);
  sink ^= codes[5]!;
}
function alawDecKernel(): void {
  for (let k = 0; k < ALAW_PACKETS.length; k++) decodeAlaw(ALAW_PACKETS[k]!, pcm);
  sink ^= pcm[5]!;
}
function alawBothKernel(): void {
  for (let k = 0; k < PACKETS.length; k++) decodeAlaw(encodeAlaw(PACKETS[k]!, codes), pcm);
  sink ^= pcm[5]!;
}

/** Samples per second of `work` (which handles `samples` samples a call) over about `ms`. */
function rateOver(work: () => void, samples: number, ms: number): number {
  let calls = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < ms) {
    work();
    calls++;
    t1 = performance.now();
  }
  return (calls * samples) / ((t1 - t0) / 1000);
}

interface Measured {
  rate: number;
  ratio: number;
}

/**
 * Rate of `work` and its ratio to the copy baseline, measured alternately in 7 rounds of
 * ≈ 80 ms each after a warm-up; medians of both. Alternating keeps the ratio meaningful on a
 * shared, loaded machine where the absolute figures drift.
 */
function measure(work: () => void, samples: number): Measured {
  rateOver(work, samples, 100);
  rateOver(copyKernel, RATE, 50);
  const rates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < 7; r++) {
    const base = rateOver(copyKernel, RATE, 40);
    const rate = rateOver(work, samples, 80);
    const base2 = rateOver(copyKernel, RATE, 40);
    rates.push(rate);
    ratios.push(rate / ((base + base2) / 2));
  }
  const median = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { rate: median(rates), ratio: median(ratios) };
}

/** Pushes one tick (10 ms) of SIGNAL per tick, as views. */
class CyclicSource extends Filter<Record<never, never>> {
  readonly type = 'bench-source';
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

/** Source → encoder → decoder → void sink on a virtual 10 ms ticker: audio samples per second of CPU. */
function graph(law: G711Law): Measured {
  const out = new VoidSink();
  const g = new Graph().chain(new CyclicSource(), new G711Encoder(law, { payloadType: 0, ptimeMs: 20 }), new G711Decoder(law, { payloadType: 0 }), out);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  const seconds = 2;
  const m = measure(() => void t.runFor(seconds * 1000), seconds * RATE);
  t.shutdown();
  sink ^= out.samples;
  return m;
}

const KERNELS: Record<G711Law, { enc: () => void; dec: () => void; both: () => void }> = {
  ulaw: { enc: ulawEncKernel, dec: ulawDecKernel, both: ulawBothKernel },
  alaw: { enc: alawEncKernel, dec: alawDecKernel, both: alawBothKernel },
};

export async function runG711Bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push({ name: 'baseline: Int16Array copy loop (160-sample blocks)', value: measure(copyKernel, RATE).rate, unit: 'samples/s' });
  for (const law of ['ulaw', 'alaw'] as const) {
    const name = law === 'ulaw' ? 'µ-law' : 'A-law';
    const k = KERNELS[law];
    for (const [what, fn] of [
      ['encode', k.enc],
      ['decode', k.dec],
      ['encode+decode', k.both],
    ] as const) {
      const m = measure(fn, RATE);
      rows.push({ name: `${name} ${what} (bulk, 160-sample packets)`, value: m.rate, unit: 'samples/s' });
      rows.push({ name: `${name} ${what} (bulk) / copy baseline`, value: m.ratio, unit: 'ratio', note: 'median of 7 rounds alternating with the copy loop' });
    }
    await new Promise<void>((r) => setImmediate(r));
    const gr = graph(law);
    rows.push({ name: `${name} encoder→decoder filters in a graph (10 ms ticks, 20 ms ptime)`, value: gr.rate, unit: 'samples/s' });
    rows.push({ name: `${name} filters in a graph / copy baseline`, value: gr.ratio, unit: 'ratio', note: 'graph, tick and frame overhead included' });
    rows.push({ name: `${name} filters in a graph: real-time 8 kHz channels per core`, value: gr.rate / RATE, unit: 'channels' });
  }
  if (sink === 0x7fffffff) console.log(''); // never true; reads `sink`
  return rows;
}

function format(v: number, unit: string): string {
  if (unit === 'samples/s') return `${(v / 1e6).toFixed(1)} M samples/s`;
  if (unit === 'ratio') return `${v.toFixed(3)} ×`;
  return `${Math.round(v).toLocaleString('en-US')} ${unit}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runG711Bench();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${format(r.value, r.unit)}`);
}
