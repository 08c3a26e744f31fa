/**
 * GSM 06.10 and L16 benchmarks.
 *
 * GSM: libgsm's encoder and decoder called three ways on the same 5 s of 8 kHz audio —
 *   1. straight through koffi (functions bound here, no wrapper): the "direct library calls";
 *   2. through GsmCodec (native/gsm.ts: length checks, state checks);
 *   3. through GsmEncoder → GsmDecoder filters in a virtual-time graph fed 10 ms frames (frame
 *      buffering, packets, EncodedFrame/AudioFrame objects, the graph and the ticker);
 * as "x realtime" (seconds of audio per CPU second on one core) and as ratios to (1). The goal
 * for (3) is within 1.25× of (1).
 *
 * L16: the byte-order conversion (rtp/payload/l16.ts) on 20 ms packets of 48 kHz stereo, aligned
 * and unaligned buffers, against a plain Int16Array copy loop of the same size; and the L16 encoder →
 * decoder filters in a graph at 48 kHz stereo.
 *
 * Times are CPU seconds (user + system) of this process, the minimum of several runs taken in
 * turn (the least disturbed by other processes). `runGsmBench()` is what bench/run.ts imports;
 * run directly (`node --import tsx bench/gsm.ts`) it prints the table.
 */
import { pathToFileURL } from 'node:url';
import { VoidSink } from '../src/audio/void.js';
import { GsmDecoder, GsmEncoder } from '../src/codecs/gsm.js';
import { L16Decoder, L16Encoder } from '../src/codecs/l16.js';
import { Filter, type TickContext } from '../src/core/filter.js';
import type { AudioFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { GsmCodec, LIBGSM } from '../src/native/gsm.js';
import { loadLibrary } from '../src/native/loader.js';
import { l16Decode, l16Encode } from '../src/rtp/payload/l16.js';
import { type BenchResult, printResults } from './types.js';

const SECONDS = 5;
const RUNS = 9;

/** Speech-band-ish signal with noise (the GSM coder's work does not depend much on content). */
function signal(rate: number, seconds: number, channels = 1): Int16Array {
  const n = Math.round(rate * seconds);
  const x = new Int16Array(n * channels);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    for (let c = 0; c < channels; c++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const noise = ((seed >>> 16) & 0x7ff) - 1024;
      x[i * channels + c] = Math.round(7000 * Math.sin(2 * Math.PI * (220 + 30 * c) * t) + 3000 * Math.sin(2 * Math.PI * 1330 * t) + noise);
    }
  }
  return x;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Minimum CPU seconds of each function over RUNS rounds, run in turn after a warm-up. */
function bestInterleaved(fns: ReadonlyArray<() => void>, runs = RUNS): number[] {
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

let sink = 0; // keeps results alive

/** Pushes 10 ms views of a cyclic signal, one a tick. */
class CyclicSource extends Filter<Record<never, never>> {
  readonly type = 'bench-source';
  readonly #x: Int16Array;
  readonly #rate: number;
  readonly #channels: number;
  #pos = 0;
  #ts = 0;
  constructor(x: Int16Array, rate: number, channels: number) {
    super({ inputs: 0, outputs: 1 });
    this.#x = x;
    this.#rate = rate;
    this.#channels = channels;
  }
  process(ctx: TickContext): void {
    const n = (this.#rate * ctx.periodMs) / 1000;
    const len = n * this.#channels;
    if (this.#pos + len > this.#x.length) this.#pos = 0;
    const f: AudioFrame = { kind: 'audio', samples: this.#x.subarray(this.#pos, this.#pos + len), sampleRate: this.#rate, channels: this.#channels, timestamp: this.#ts };
    this.#pos += len;
    this.#ts += n;
    this.push(0, f);
  }
}

interface RawGsm {
  create(): bigint;
  destroy(g: bigint): void;
  encode(g: bigint, src: Int16Array, dst: Uint8Array): void;
  decode(g: bigint, src: Uint8Array, dst: Int16Array): number;
}

function gsmRows(): BenchResult[] {
  const lib = loadLibrary(LIBGSM);
  // The same prototypes as native/gsm.ts, bound here so that nothing of ours sits in between.
  const raw: RawGsm = {
    create: lib.func('void *gsm_create(void)'),
    destroy: lib.func('void gsm_destroy(void *g)'),
    encode: lib.func('void gsm_encode(void *g, int16_t *src, uint8_t *dst)'),
    decode: lib.func('int gsm_decode(void *g, uint8_t *src, int16_t *dst)'),
  };
  const x = signal(8000, SECONDS);
  const frames = x.length / 160;
  const pcmFrames = Array.from({ length: frames }, (_, k) => x.subarray(k * 160, (k + 1) * 160));
  const coded = new Uint8Array(frames * 33);
  const codedFrames = Array.from({ length: frames }, (_, k) => coded.subarray(k * 33, (k + 1) * 33));
  const out = new Int16Array(160);

  const rawEnc = raw.create();
  const rawDec = raw.create();
  const ourEnc = new GsmCodec();
  const ourDec = new GsmCodec();
  for (let k = 0; k < frames; k++) raw.encode(rawEnc, pcmFrames[k]!, codedFrames[k]!);

  const rawEncode = (): void => {
    for (let k = 0; k < frames; k++) raw.encode(rawEnc, pcmFrames[k]!, codedFrames[k]!);
    sink ^= coded[7]!;
  };
  const rawDecode = (): void => {
    for (let k = 0; k < frames; k++) raw.decode(rawDec, codedFrames[k]!, out);
    sink ^= out[7]!;
  };
  const ourEncode = (): void => {
    for (let k = 0; k < frames; k++) ourEnc.encode(pcmFrames[k]!, codedFrames[k]!);
    sink ^= coded[7]!;
  };
  const ourDecode = (): void => {
    for (let k = 0; k < frames; k++) ourDec.decode(codedFrames[k]!, out);
    sink ^= out[7]!;
  };

  const voidSink = new VoidSink();
  const g = new Graph('gsm-bench').chain(new CyclicSource(x, 8000, 1), new GsmEncoder({ payloadType: 3 }), new GsmDecoder({ payloadType: 3 }), voidSink);
  const ticker = new Ticker({ clock: 'virtual' });
  ticker.attach(g);
  const filters = (): void => void ticker.runFor(SECONDS * 1000);

  const [re, rd, oe, od, fl] = bestInterleaved([rawEncode, rawDecode, ourEncode, ourDecode, filters]) as [number, number, number, number, number];
  ticker.shutdown();
  sink ^= voidSink.samples;
  raw.destroy(rawEnc);
  raw.destroy(rawDec);
  ourEnc.destroy();
  ourDec.destroy();

  const rt = (s: number): number => SECONDS / s;
  const us = (s: number): number => (s / frames) * 1e6;
  return [
    { name: 'GSM encode, koffi direct', value: rt(re), unit: 'x realtime', note: `${us(re).toFixed(2)} µs a 20 ms frame` },
    { name: 'GSM decode, koffi direct', value: rt(rd), unit: 'x realtime', note: `${us(rd).toFixed(2)} µs a frame` },
    { name: 'GSM encode, GsmCodec', value: rt(oe), unit: 'x realtime', note: `${(oe / re).toFixed(3)}× the direct call's time` },
    { name: 'GSM decode, GsmCodec', value: rt(od), unit: 'x realtime', note: `${(od / rd).toFixed(3)}× the direct call's time` },
    { name: 'GSM encoder→decoder filters in a graph', value: rt(fl), unit: 'x realtime', note: '10 ms ticks, 20 ms packets, ticker and frames included' },
    { name: 'GSM filters / direct encode+decode', value: fl / (re + rd), unit: 'ratio', note: 'goal ≤ 1.25' },
  ];
}

function l16Rows(): BenchResult[] {
  const rate = 48000;
  const channels = 2;
  const x = signal(rate, 1, channels);
  const per = (rate / 50) * channels; // 20 ms packets
  const packets = Array.from({ length: x.length / per }, (_, k) => x.subarray(k * per, (k + 1) * per));
  const aligned = new Uint8Array(per * 2);
  const unalignedStore = new Uint8Array(per * 2 + 1);
  const unaligned = unalignedStore.subarray(1);
  const pcm = new Int16Array(per);
  const samples = x.length;
  l16Encode(packets[0]!, aligned);
  unaligned.set(aligned);

  // The baseline is a JS loop (what the conversion is, minus the byte swap), not
  // Int16Array.set (a memcpy, ≈ 10× faster than any per-sample loop).
  const copy = (): void => {
    for (const p of packets) for (let i = 0; i < p.length; i++) pcm[i] = p[i]!;
    sink ^= pcm[3]!;
  };
  const encA = (): void => {
    for (const p of packets) l16Encode(p, aligned);
    sink ^= aligned[3]!;
  };
  const encU = (): void => {
    for (const p of packets) l16Encode(p, unaligned);
    sink ^= unaligned[3]!;
  };
  const decA = (): void => {
    for (let k = 0; k < packets.length; k++) l16Decode(aligned, pcm);
    sink ^= pcm[3]!;
  };
  const decU = (): void => {
    for (let k = 0; k < packets.length; k++) l16Decode(unaligned, pcm);
    sink ^= pcm[3]!;
  };

  const voidSink = new VoidSink();
  const g = new Graph('l16-bench').chain(
    new CyclicSource(signal(rate, SECONDS, channels), rate, channels),
    new L16Encoder(rate, channels, { payloadType: 96 }),
    new L16Decoder(rate, channels, { payloadType: 96 }),
    voidSink,
  );
  const ticker = new Ticker({ clock: 'virtual' });
  ticker.attach(g);
  const filters = (): void => void ticker.runFor(SECONDS * 1000);

  const [c, ea, eu, da, du, fl] = bestInterleaved([copy, encA, encU, decA, decU, filters]) as [number, number, number, number, number, number];
  ticker.shutdown();
  sink ^= voidSink.samples;
  const msps = (s: number): number => samples / s / 1e6;
  return [
    { name: 'baseline: Int16Array copy loop (20 ms of 48 kHz stereo)', value: msps(c), unit: 'M samples/s' },
    { name: 'L16 encode (to network order), aligned', value: msps(ea), unit: 'M samples/s', note: `${(ea / c).toFixed(2)}× the copy's time` },
    { name: 'L16 encode, unaligned output', value: msps(eu), unit: 'M samples/s', note: `${(eu / c).toFixed(2)}× the copy's time` },
    { name: 'L16 decode (from network order), aligned', value: msps(da), unit: 'M samples/s', note: `${(da / c).toFixed(2)}× the copy's time` },
    { name: 'L16 decode, unaligned input', value: msps(du), unit: 'M samples/s', note: `${(du / c).toFixed(2)}× the copy's time` },
    { name: 'L16 encoder→decoder filters in a graph, 48 kHz stereo', value: SECONDS / fl, unit: 'x realtime', note: 'default 10 ms packets, ticker and frames included' },
  ];
}

export async function runGsmBench(): Promise<BenchResult[]> {
  const rows = [...gsmRows(), ...l16Rows()];
  if (sink === 0x7fffffff) console.log(''); // never true; reads `sink`
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults('gsm / l16', await runGsmBench());
}
