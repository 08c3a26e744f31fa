/**
 * G.729 (bcg729), AMR-NB (opencore) and AMR-WB (vo-amrwbenc + opencore) throughput: encode +
 * decode through the native wrappers called directly, frame by frame, against the same work
 * through the encoder → decoder filters in a virtual-time graph (10 ms ticks, 20 ms packets,
 * RFC 3551 / RFC 4867 packetisation and parsing included). Figures are "× real time" (seconds of
 * audio per second of CPU time) and the overhead ratio direct / filters, measured alternately so
 * the ratio holds on a loaded machine. Goal: filters within 1.25× of direct calls.
 *
 * `runG729AmrBench()` returns the rows for bench/run.ts; run directly
 * (`node --import tsx bench/g729-amr.ts`) it prints a table.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Filter, type TickContext } from '../src/core/filter.js';
import type { AudioFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { VoidSink } from '../src/audio/void.js';
import { AmrDecoder, AmrEncoder } from '../src/codecs/amr.js';
import { G729Decoder, G729Encoder } from '../src/codecs/g729.js';
import { Bcg729Decoder, Bcg729Encoder, probeBcg729 } from '../src/native/bcg729.js';
import { AMR_FRAME_BUFFER, AmrNbDecoder, AmrNbEncoder, AmrWbDecoder, probeOpencoreAmrNb, probeOpencoreAmrWb } from '../src/native/opencore-amr.js';
import { AmrWbEncoder, probeVoAmrWbEnc } from '../src/native/vo-amrwbenc.js';
import type { BenchResult } from './types.js';

/** One second of a speech-like signal at `rate`: 140 Hz pulses through two resonances, plus noise. */
function signal(rate: number): Int16Array {
  const x = new Int16Array(rate);
  const period = Math.round(rate / 140);
  const r1 = 2 * 0.95 * Math.cos((2 * Math.PI * 500) / rate);
  const r2 = 2 * 0.9 * Math.cos((2 * Math.PI * 1500) / rate);
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  let seed = 12345;
  for (let i = 0; i < rate; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const a = (i % period === 0 ? 3000 : 0) + r1 * y1 - 0.9025 * y2 + (((seed >>> 16) & 0xff) - 128);
    y2 = y1;
    y1 = a;
    const b = a + r2 * z1 - 0.81 * z2;
    z2 = z1;
    z1 = b;
    x[i] = Math.max(-32768, Math.min(32767, Math.round(b * 0.4)));
  }
  return x;
}

let sink = 0; // keeps results alive so the JIT cannot drop the work

/**
 * Seconds of audio per second of CPU for `work` (one call = `audioS` seconds of audio), run for
 * ≈ `ms` of wall time. CPU time (process.cpuUsage), not wall time: on a shared, loaded machine
 * the wall clock also counts the time other processes had the core.
 */
function rtfOver(work: () => void, audioS: number, ms: number): number {
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    work();
    calls++;
  }
  const c = process.cpuUsage(c0);
  return (calls * audioS) / ((c.user + c.system) / 1e6);
}

interface Pair {
  direct: number;
  filters: number;
  /** direct / filters: how much slower the filters are (1 = no overhead). */
  overhead: number;
}

/** Both measured alternately in 9 rounds after a warm-up; medians. */
function measurePair(direct: () => void, filters: () => void, audioS: number): Pair {
  rtfOver(direct, audioS, 150);
  rtfOver(filters, audioS, 150);
  const d: number[] = [];
  const f: number[] = [];
  const o: number[] = [];
  for (let r = 0; r < 9; r++) {
    const a = rtfOver(direct, audioS, 100);
    const b = rtfOver(filters, audioS, 200);
    const a2 = rtfOver(direct, audioS, 100);
    d.push((a + a2) / 2);
    f.push(b);
    o.push((a + a2) / 2 / b);
  }
  const median = (x: number[]): number => x.sort((p, q) => p - q)[x.length >> 1]!;
  return { direct: median(d), filters: median(f), overhead: median(o) };
}

/** Pushes one tick of a 1 s signal, cyclically, as views. */
class CyclicSource extends Filter<Record<never, never>> {
  readonly type = 'bench-source';
  #ts = 0;
  constructor(private readonly sig: Int16Array, private readonly rate: number) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    const n = (this.rate * ctx.periodMs) / 1000;
    const o = this.#ts % this.sig.length;
    const frame: AudioFrame = { kind: 'audio', samples: this.sig.subarray(o, o + n), sampleRate: this.rate, channels: 1, timestamp: this.#ts };
    this.#ts += n;
    this.push(0, frame);
  }
}

interface Case {
  name: string;
  available: () => string | undefined;
  rate: number;
  /** Direct: encode + decode one second of `sig` frame by frame through the native wrappers. */
  direct: (sig: Int16Array) => { run: () => void; close: () => void };
  /** The encoder and decoder filters. */
  filters: () => [Filter, Filter];
}

function missing(...a: ({ available: true } | { available: false; reason: string })[]): string | undefined {
  const m = a.flatMap((x) => (x.available ? [] : [x.reason]));
  return m.length ? m.join('; ') : undefined;
}

const CASES: Case[] = [
  {
    name: 'G.729 (bcg729, annexb=no)',
    available: () => missing(probeBcg729()),
    rate: 8000,
    direct: (sig) => {
      const e = new Bcg729Encoder({ vad: false });
      const d = new Bcg729Decoder();
      const bits = new Uint8Array(10);
      const pcm = new Int16Array(80);
      return {
        run: () => {
          for (let i = 0; i + 80 <= sig.length; i += 80) {
            e.encode(sig.subarray(i, i + 80), bits);
            d.decode(bits, pcm);
          }
          sink ^= pcm[3]!;
        },
        close: () => (e.destroy(), d.destroy()),
      };
    },
    filters: () => [new G729Encoder({ payloadType: 18, fmtp: { annexb: 'no' } }), new G729Decoder({ payloadType: 18 })],
  },
  {
    name: 'AMR-NB 12.2 (opencore)',
    available: () => missing(probeOpencoreAmrNb()),
    rate: 8000,
    direct: (sig) => {
      const e = new AmrNbEncoder({ dtx: false });
      const d = new AmrNbDecoder();
      const frame = new Uint8Array(AMR_FRAME_BUFFER);
      const pcm = new Int16Array(160);
      return {
        run: () => {
          for (let i = 0; i + 160 <= sig.length; i += 160) {
            e.encode(7, sig.subarray(i, i + 160), frame);
            d.decode(frame, pcm, false);
          }
          sink ^= pcm[3]!;
        },
        close: () => (e.destroy(), d.destroy()),
      };
    },
    filters: () => [new AmrEncoder('nb', { payloadType: 113, fmtp: { 'octet-align': '1' } }), new AmrDecoder('nb', { payloadType: 113, fmtp: { 'octet-align': '1' } })],
  },
  {
    name: 'AMR-WB 23.85 (vo-amrwbenc + opencore)',
    available: () => missing(probeOpencoreAmrWb(), probeVoAmrWbEnc()),
    rate: 16000,
    direct: (sig) => {
      const e = new AmrWbEncoder({ dtx: false });
      const d = new AmrWbDecoder();
      const frame = new Uint8Array(AMR_FRAME_BUFFER);
      const pcm = new Int16Array(320);
      return {
        run: () => {
          for (let i = 0; i + 320 <= sig.length; i += 320) {
            e.encode(8, sig.subarray(i, i + 320), frame);
            d.decode(frame, pcm, false);
          }
          sink ^= pcm[3]!;
        },
        close: () => (e.destroy(), d.destroy()),
      };
    },
    filters: () => [new AmrEncoder('wb', { payloadType: 115, fmtp: { 'octet-align': '1' } }), new AmrDecoder('wb', { payloadType: 115, fmtp: { 'octet-align': '1' } })],
  },
];

export async function runG729AmrBench(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const c of CASES) {
    const why = c.available();
    if (why) {
      console.error(`bench g729-amr: ${c.name} skipped: ${why}`);
      continue;
    }
    const sig = signal(c.rate);
    const direct = c.direct(sig);
    const [enc, dec] = c.filters();
    const out = new VoidSink();
    const g = new Graph().chain(new CyclicSource(sig, c.rate), enc, dec, out);
    const t = new Ticker({ clock: 'virtual' });
    t.attach(g);
    const m = measurePair(direct.run, () => void t.runFor(1000), 1);
    t.shutdown();
    direct.close();
    rows.push({ name: `${c.name} encode+decode, direct calls`, value: m.direct, unit: '× real time' });
    rows.push({ name: `${c.name} encoder→decoder filters in a graph`, value: m.filters, unit: '× real time', note: 'payload format, ticks and frames included' });
    rows.push({ name: `${c.name} overhead: direct / filters`, value: m.overhead, unit: 'ratio', note: `goal ≤ 1.25; CPU time, median of 9 alternating rounds` });
    await new Promise<void>((r) => setImmediate(r));
  }
  if (sink === 0x7fffffff) console.log(''); // never true; reads `sink`
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runG729AmrBench();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.toFixed(r.unit === 'ratio' ? 3 : 0)} ${r.unit}${r.note ? `   (${r.note})` : ''}`);
}
