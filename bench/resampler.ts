/**
 * Resampler benchmark: throughput of libspeexdsp's resampler through SpeexResampler (bare) and
 * through the Resampler filter in a graph, the cost of the koffi call itself, and (when run
 * directly) the quality sweep the default quality was chosen from.
 *
 *   node --import tsx bench/resampler.ts            # throughput + sweep
 *   node --import tsx bench/resampler.ts --no-sweep # throughput only
 *
 * `runResamplerBench()` is what bench/run.ts imports. Times are best of several runs (the
 * minimum is the least disturbed by other processes); "x realtime" = seconds of audio processed
 * per second of wall time on one core.
 */
import { pathToFileURL } from 'node:url';
import { RESAMPLER_DEFAULT_QUALITY, Resampler } from '../src/audio/resampler.js';
import { Filter, type TickContext } from '../src/core/filter.js';
import { type AudioFrame, makeAudioFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { getKoffi, loadLibrary } from '../src/native/loader.js';
import { LIBSPEEXDSP, SpeexResampler } from '../src/native/speexdsp.js';
import { type BenchResult, printResults } from './types.js';


const PAIRS = [
  [48000, 8000],
  [8000, 48000],
  [44100, 16000],
] as const;
/** The default, Mediastreamer2's (3), and the best (10). */
const QUALITIES = [RESAMPLER_DEFAULT_QUALITY, 3, 10] as const;
const SECONDS = 5;
const RUNS = 9;

const label = (inRate: number, outRate: number): string => `${inRate / 1000}k-${outRate / 1000}k`;

/** Speech-band-ish multi-tone test signal (content does not change the cost; no denormals, no silence shortcuts). */
function signal(rate: number, seconds: number): Int16Array {
  const x = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    x[i] = Math.round(6000 * Math.sin(2 * Math.PI * 220 * t) + 4000 * Math.sin(2 * Math.PI * 1330 * t) + 2000 * Math.sin(2 * Math.PI * 3110 * t));
  }
  return x;
}

/** 10 ms blocks (floor(k·rate/100) boundaries, so 11.025/22.05/44.1 kHz work too). */
function blocks(x: Int16Array, rate: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let k = 0; Math.floor((k * rate) / 100) < x.length; k++) out.push(x.subarray(Math.floor((k * rate) / 100), Math.floor(((k + 1) * rate) / 100)));
  return out;
}

/** CPU seconds (user + system) of this process: unlike wall time, not inflated when other processes share the cores. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Seconds one run of `fn` takes: the minimum over `runs` (after a warm-up run for the JIT). */
function best(runs: number, fn: () => void): number {
  fn();
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = cpuSeconds();
    fn();
    min = Math.min(min, cpuSeconds() - t0);
  }
  return min;
}

/** Like best(), for several variants run in turn, so that a noisy moment hits all of them alike. */
function bestInterleaved(runs: number, fns: ReadonlyArray<() => void>): number[] {
  for (const fn of fns) fn();
  const min = fns.map(() => Infinity);
  for (let i = 0; i < runs; i++) {
    fns.forEach((fn, k) => {
      const t0 = cpuSeconds();
      fn();
      min[k] = Math.min(min[k]!, cpuSeconds() - t0);
    });
  }
  return min;
}

function bareRun(inRate: number, outRate: number, quality: number, input: Int16Array[]): () => void {
  return () => {
    const r = new SpeexResampler({ channels: 1, inputRate: inRate, outputRate: outRate, quality });
    for (const b of input) r.process(b);
    r.destroy();
  };
}

class BlockSource extends Filter {
  readonly type = 'bench-source';
  #i = 0;
  constructor(
    private readonly frames: readonly AudioFrame[],
  ) {
    super({ inputs: 0, outputs: 1 });
  }
  process(_ctx: TickContext): void {
    const f = this.frames[this.#i++];
    if (f) this.push(0, f);
  }
}

class NullSink extends Filter {
  readonly type = 'bench-null-sink';
  samples = 0;
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f; f = this.pull(0)) if (f.kind === 'audio') this.samples += f.samples.length;
  }
}

/** Runs `frames` through source → [Resampler] → sink on a virtual ticker. */
function graphRun(frames: readonly AudioFrame[], outRate: number | null, quality: number): () => void {
  return () => {
    const src = new BlockSource(frames);
    const sink = new NullSink();
    const graph = outRate === null ? new Graph().chain(src, sink) : new Graph().chain(src, new Resampler({ outputRate: outRate, quality }), sink);
    const ticker = new Ticker({ clock: 'virtual' }).attach(graph);
    ticker.runTicks(frames.length);
    ticker.shutdown();
  };
}

/**
 * µs per call of one 10 ms block (48 → 8 kHz, quality 0 so that the DSP work is smallest and the
 * call overhead shows): typed arrays passed straight to C (what SpeexResampler does) against
 * native buffers from koffi.alloc with the input copied in and the output copied out.
 */
function bindingCosts(): BenchResult[] {
  const calls = 100_000;
  const input = signal(48000, 0.01);

  const r = new SpeexResampler({ channels: 1, inputRate: 48000, outputRate: 8000, quality: 0 });
  const out = new Int16Array(r.maxOutputFrames(480));

  const koffi = getKoffi(LIBSPEEXDSP);
  const lib = loadLibrary(LIBSPEEXDSP);
  // Raw prototypes with void * everywhere: the pointers are koffi.alloc'd native memory (BigInt).
  const init: (c: number, i: number, o: number, q: number, err: Int32Array) => bigint = lib.func(
    'void *speex_resampler_init(uint32_t nb_channels, uint32_t in_rate, uint32_t out_rate, int quality, int *err)',
  );
  const proc: (st: bigint, i: bigint, il: bigint, o: bigint, ol: bigint) => number = lib.func(
    'int speex_resampler_process_interleaved_int(void *st, void *in, void *in_len, void *out, void *out_len)',
  );
  const destroy: (st: bigint) => void = lib.func('void speex_resampler_destroy(void *st)');
  const latency: (st: bigint) => number = lib.func('int speex_resampler_get_input_latency(void *st)');
  const st = init(1, 48000, 8000, 0, new Int32Array(1));
  // koffi.alloc is typed `any`: these are BigInt pointers to native memory.
  const pIn = koffi.alloc('int16_t', 480) as bigint;
  const pOut = koffi.alloc('int16_t', 96) as bigint;
  const pLens = koffi.alloc('uint32_t', 2) as bigint;
  const vIn = new Int16Array(koffi.view(pIn, 960));
  const vOut = new Int16Array(koffi.view(pOut, 192));
  const vLens = new Uint32Array(koffi.view(pLens, 8));
  const copy = new Int16Array(96);

  const [typed, native, empty] = bestInterleaved(5, [
    () => {
      for (let i = 0; i < calls; i++) r.processInto(input, out);
    },
    () => {
      for (let i = 0; i < calls; i++) {
        vIn.set(input);
        vLens[0] = 480;
        vLens[1] = 96;
        proc(st, pIn, pLens, pOut, pLens + 4n);
        copy.set(vOut.subarray(0, vLens[1]));
      }
    },
    () => {
      for (let i = 0; i < calls; i++) latency(st);
    },
  ]) as [number, number, number];
  r.destroy();
  destroy(st);
  koffi.free(pIn);
  koffi.free(pOut);
  koffi.free(pLens);
  const us = (s: number): number => Math.round((s / calls) * 1e9) / 1000;
  return [
    { name: 'speexdsp.call.typed-arrays.48k-8k.q0', value: us(typed), unit: 'us/call', note: '10 ms block, typed arrays passed to C as they are (SpeexResampler)' },
    {
      name: 'speexdsp.call.native-buffers.48k-8k.q0',
      value: us(native),
      unit: 'us/call',
      note: `same through koffi.alloc buffers, input copied in and output out; ratio ${round3(native / typed)} to typed arrays`,
    },
    { name: 'speexdsp.call.empty-koffi-call', value: us(empty), unit: 'us/call', note: 'speex_resampler_get_input_latency: the koffi call cost alone' },
  ];
}

/** Throughput figures (what bench/run.ts collects). */
export async function runResamplerBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [inRate, outRate] of PAIRS) {
    const x = signal(inRate, SECONDS);
    const input = blocks(x, inRate);
    for (const q of QUALITIES) {
      if (q === RESAMPLER_DEFAULT_QUALITY) continue; // measured below, beside the graph
      const s = best(RUNS, bareRun(inRate, outRate, q, input));
      results.push({ name: `resampler.bare.${label(inRate, outRate)}.q${q}.throughput`, value: Math.round((inRate * SECONDS) / s), unit: 'input samples/s' });
      results.push({ name: `resampler.bare.${label(inRate, outRate)}.q${q}.realtime`, value: Math.round(SECONDS / s), unit: 'x realtime' });
      await new Promise((r) => setImmediate(r)); // let the event loop breathe between cases
    }
    const frames = input.map((b, k) => makeAudioFrame(b, inRate, 1, Math.floor((k * inRate) / 100)));
    const q = RESAMPLER_DEFAULT_QUALITY;
    const [b, inGraph, emptyGraph] = bestInterleaved(RUNS, [bareRun(inRate, outRate, q, input), graphRun(frames, outRate, q), graphRun(frames, null, q)]) as [
      number,
      number,
      number,
    ];
    results.push({ name: `resampler.bare.${label(inRate, outRate)}.q${q}.throughput`, value: Math.round((inRate * SECONDS) / b), unit: 'input samples/s' });
    results.push({ name: `resampler.bare.${label(inRate, outRate)}.q${q}.realtime`, value: Math.round(SECONDS / b), unit: 'x realtime' });
    results.push({ name: `resampler.graph.${label(inRate, outRate)}.q${q}.realtime`, value: Math.round(SECONDS / inGraph), unit: 'x realtime' });
    results.push({
      name: `resampler.graph.${label(inRate, outRate)}.q${q}.overhead`,
      value: round3(inGraph / b),
      unit: 'ratio',
      note: 'source → Resampler → sink on a virtual ticker / SpeexResampler.process() alone, same blocks',
    });
    // The same graph without the resampler: what the ticker, queues and the two bench filters cost.
    results.push({
      name: `resampler.graph.${label(inRate, outRate)}.q${q}.overhead-net`,
      value: round3((inGraph - emptyGraph) / b),
      unit: 'ratio',
      note: '(graph − the graph without the Resampler) / bare: the filter itself (output copy, frame, timestamps)',
    });
  }
  results.push(...bindingCosts());
  return results;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** One row of the quality sweep: passband edge gain, rejection, delay and speed per quality. */
export interface QualityRow {
  quality: number;
  /** Peak-to-peak gain over 100 Hz–0.9 × 4 kHz, 48 → 8 kHz and 8 → 48 kHz, dB. */
  rippleDownDb: number;
  rippleUpDb: number;
  /** Worst rejection of tones 4.5–20 kHz, 48 → 8 kHz, dB (97.3 = the 16-bit floor: output all zero). */
  rejectionDb: number;
  /** Filter delay, ms. */
  delayMs: number;
  /** 48 → 8 kHz, x realtime. */
  realtime: number;
}

/** Measures every quality 0–10 with SpeexResampler (the figures in the Resampler JSDoc). */
export function runResamplerQualitySweep(): QualityRow[] {
  const resample = (x: Int16Array, inRate: number, outRate: number, q: number): Int16Array => {
    const r = new SpeexResampler({ channels: 1, inputRate: inRate, outputRate: outRate, quality: q });
    const y = r.process(x).slice();
    r.destroy();
    return y;
  };
  const binAmp = (x: Int16Array, rate: number, hz: number, start: number): number => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < rate; i++) {
      re += x[start + i]! * Math.cos((2 * Math.PI * hz * i) / rate);
      im += x[start + i]! * Math.sin((2 * Math.PI * hz * i) / rate);
    }
    return (2 * Math.hypot(re, im)) / rate;
  };
  const tone = (hz: number, rate: number, seconds: number, amp: number, phase = 0): Int16Array => {
    const x = new Int16Array(Math.round(rate * seconds));
    for (let i = 0; i < x.length; i++) x[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate + phase));
    return x;
  };
  const ripple = (inRate: number, outRate: number, q: number): number => {
    const edge = Math.floor(0.9 * (Math.min(inRate, outRate) / 2));
    const freqs = Array.from({ length: 24 }, (_, i) => Math.round(100 + ((edge - 100) * i) / 23));
    const x = new Int16Array(Math.round(inRate * 1.4));
    freqs.forEach((hz, k) => {
      const t = tone(hz, inRate, 1.4, 1200, (k * k * 0.7) % (2 * Math.PI));
      for (let i = 0; i < x.length; i++) x[i]! += t[i]!;
    });
    const y = resample(x, inRate, outRate, q);
    const gains = freqs.map((hz) => 20 * Math.log10(binAmp(y, outRate, hz, Math.round(0.3 * outRate)) / binAmp(x, inRate, hz, Math.round(0.3 * inRate))));
    return Math.max(...gains) - Math.min(...gains);
  };
  const rejection = (q: number): number => {
    const amp = 30000;
    const lsb = 1 / Math.sqrt(12);
    let worst = Infinity;
    for (let i = 0; i <= 15; i++) {
      const hz = Math.round(4500 + (15500 * i) / 15);
      const y = resample(tone(hz, 48000, 0.6, amp), 48000, 8000, q);
      let s = 0;
      for (let k = 800; k < 4000; k++) s += y[k]! * y[k]!;
      worst = Math.min(worst, 20 * Math.log10(amp / Math.SQRT2 / Math.max(Math.sqrt(s / 3200), lsb)));
    }
    return worst;
  };
  const input = blocks(signal(48000, 2), 48000);
  const rows: QualityRow[] = [];
  for (let q = 0; q <= 10; q++) {
    const r = new SpeexResampler({ channels: 1, inputRate: 48000, outputRate: 8000, quality: q });
    const delayMs = (r.outputLatency / 8000) * 1000;
    r.destroy();
    rows.push({
      quality: q,
      rippleDownDb: round3(ripple(48000, 8000, q)),
      rippleUpDb: round3(ripple(8000, 48000, q)),
      rejectionDb: Math.round(rejection(q) * 10) / 10,
      delayMs,
      realtime: Math.round(2 / bareSecondsOnce(q, input)),
    });
  }
  return rows;
}

function bareSecondsOnce(q: number, input: Int16Array[]): number {
  return best(5, bareRun(48000, 8000, q, input));
}

async function main(): Promise<void> {
  printResults('resampler', await runResamplerBench());
  if (!process.argv.includes('--no-sweep')) {
    console.log('\nquality sweep (SpeexResampler, 48 kHz ↔ 8 kHz; ripple = peak-to-peak gain over 100 Hz–3.6 kHz):');
    console.log('quality  ripple↓ dB  ripple↑ dB  rejection dB  delay ms  x realtime 48→8k');
    for (const r of runResamplerQualitySweep()) {
      console.log(
        `${String(r.quality).padStart(7)}  ${r.rippleDownDb.toFixed(3).padStart(10)}  ${r.rippleUpDb.toFixed(3).padStart(10)}  ${r.rejectionDb.toFixed(1).padStart(12)}  ${r.delayMs.toFixed(1).padStart(8)}  ${String(r.realtime).padStart(16)}`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
