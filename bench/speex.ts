/**
 * Speex cost: real-time factor (seconds of audio coded per second of CPU) of encode + decode at
 * the default mode of each band (narrowband quality 3, wideband and ultra-wideband quality 8),
 * complexity 3, done two ways on the same speech:
 *  - direct: the native binding in a loop (speex_encode_int, speex_bits_write, speex_bits_read_from,
 *    speex_decode_int for each 20 ms frame), nothing else;
 *  - filters: WAV-like source → SpeexEncoderFilter → SpeexDecoderFilter → void sink in a
 *    virtual-time graph with 10 ms ticks (buffering, packetising, the frame scanner, frames and
 *    graph overhead included).
 * The two are measured alternately (7 rounds, medians) and their ratio is the filters' overhead
 * (goal ≤ 1.25×). Encode and decode alone are given for the direct path too.
 *
 * `runSpeexBench()` returns the rows for bench/run.ts; run directly
 * (`node --import tsx bench/speex.ts`) it prints a table.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { VoidSink } from '../src/audio/void.js';
import { SpeexDecoderFilter, SpeexEncoderFilter } from '../src/codecs/speex.js';
import { Filter, type TickContext } from '../src/core/filter.js';
import type { AudioFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { readWavFile } from '../src/files/wav-reader.js';
import { SpeexDecoder, SpeexEncoder, type SpeexBand } from '../src/native/speex.js';
import { SpeexResampler } from '../src/native/speexdsp.js';
import { sharedPath } from '../src/test-support/shared.js';
import type { BenchResult } from './types.js';

const RATE: Record<SpeexBand, number> = { nb: 8000, wb: 16000, uwb: 32000 };
/** The defaults: RFC 5574's default modes (narrowband mode 3 = quality 3, wideband mode 8 = quality 8). */
const QUALITY: Record<SpeexBand, number> = { nb: 3, wb: 8, uwb: 8 };
/** Seconds of audio per measured call. */
const SECONDS = 2;

let sink = 0; // keeps results alive so the JIT cannot drop the work

/** Speech at `rate`: the shared hello files when present (2 s from 0.5 s), else a synthetic voice. */
function speech(band: SpeexBand): Int16Array {
  const rate = RATE[band];
  const file = sharedPath('data', 'ms2', 'sounds', band === 'nb' ? 'hello8000.wav' : 'hello16000.wav');
  let pcm: Int16Array;
  if (existsSync(file)) {
    pcm = readWavFile(file).samples;
    if (band === 'uwb') {
      const r = new SpeexResampler({ channels: 1, inputRate: 16000, outputRate: 32000, quality: 8 });
      pcm = r.process(pcm).slice();
      r.destroy();
    }
    pcm = pcm.slice(rate / 2, rate / 2 + SECONDS * rate);
  } else {
    pcm = new Int16Array(SECONDS * rate);
    let y1 = 0;
    let y2 = 0;
    const w = (2 * Math.PI * 700) / rate;
    for (let i = 0; i < pcm.length; i++) {
      const e = i % Math.round(rate / 130) === 0 ? 8000 : 0;
      const y = e + 1.94 * Math.cos(w) * y1 - 0.94 * y2;
      y2 = y1;
      y1 = y;
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(y * 0.4)));
    }
  }
  return pcm;
}

interface Direct {
  both: () => void;
  enc: () => void;
  dec: () => void;
  free: () => void;
}

/** The direct loops over SECONDS of `pcm`. */
function direct(band: SpeexBand, pcm: Int16Array): Direct {
  const enc = new SpeexEncoder(band);
  enc.setQuality(QUALITY[band]);
  enc.setComplexity(3);
  const dec = new SpeexDecoder(band);
  dec.setEnhancement(true);
  const fs = enc.frameSize;
  const frames: Int16Array[] = [];
  for (let o = 0; o + fs <= pcm.length; o += fs) frames.push(pcm.slice(o, o + fs));
  const out = new Int16Array(fs);
  const packets = frames.map((f) => {
    enc.encode(f);
    return enc.takePacket();
  });
  return {
    both: () => {
      for (const f of frames) {
        enc.encode(f);
        dec.decode(enc.takePacket(), out);
      }
      sink ^= out[7]!;
    },
    enc: () => {
      for (const f of frames) {
        enc.encode(f);
        sink ^= enc.takePacket().length;
      }
    },
    dec: () => {
      for (const p of packets) dec.decode(p, out);
      sink ^= out[3]!;
    },
    free: () => {
      enc.destroy();
      dec.destroy();
    },
  };
}

/** Pushes one tick (10 ms) of the signal per tick, as views, cyclically. */
class CyclicSource extends Filter<Record<never, never>> {
  readonly type = 'bench-source';
  #ts = 0;
  constructor(
    private readonly pcm: Int16Array,
    private readonly rate: number,
  ) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    const n = (this.rate * ctx.periodMs) / 1000;
    const o = this.#ts % this.pcm.length;
    const frame: AudioFrame = { kind: 'audio', samples: this.pcm.subarray(o, o + n), sampleRate: this.rate, channels: 1, timestamp: this.#ts };
    this.#ts += n;
    this.push(0, frame);
  }
}

/** Real-time factor of `work`, which codes `seconds` of audio a call, over about `ms`. */
function rtfOver(work: () => void, seconds: number, ms: number): number {
  let calls = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < ms) {
    work();
    calls++;
    t1 = performance.now();
  }
  return (calls * seconds) / ((t1 - t0) / 1000);
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;

export async function runSpeexBench(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const band of ['nb', 'wb', 'uwb'] as const) {
    const rate = RATE[band];
    const pcm = speech(band);
    const d = direct(band, pcm);
    // The filters: (2 s of 10 ms ticks) × one call.
    const enc = new SpeexEncoderFilter(band, { payloadType: 97 });
    const dec = new SpeexDecoderFilter(band, { payloadType: 97 });
    const out = new VoidSink();
    const g = new Graph().chain(new CyclicSource(pcm, rate), enc, dec, out);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(g);
    const filters = (): void => void ticker.runFor(SECONDS * 1000);

    rtfOver(d.both, SECONDS, 150);
    rtfOver(filters, SECONDS, 150);
    const rd: number[] = [];
    const rf: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < 7; r++) {
      const a = rtfOver(d.both, SECONDS, 60);
      const f = rtfOver(filters, SECONDS, 120);
      const b = rtfOver(d.both, SECONDS, 60);
      rd.push((a + b) / 2);
      rf.push(f);
      ratios.push((a + b) / 2 / f);
    }
    const encRtf = median([0, 1, 2].map(() => rtfOver(d.enc, SECONDS, 80)));
    const decRtf = median([0, 1, 2].map(() => rtfOver(d.dec, SECONDS, 80)));
    ticker.shutdown();
    d.free();
    enc.destroy();
    dec.destroy();
    sink ^= out.samples;
    const name = `speex/${rate} q${QUALITY[band]}`;
    rows.push({ name: `${name} encode+decode, direct native calls`, value: median(rd), unit: '× real time' });
    rows.push({ name: `${name} encode+decode, filters in a graph (10 ms ticks, 20 ms ptime)`, value: median(rf), unit: '× real time' });
    rows.push({ name: `${name} filters overhead (direct / filters)`, value: median(ratios), unit: 'ratio', note: 'median of 7 alternating rounds; goal ≤ 1.25' });
    rows.push({ name: `${name} encode only, direct`, value: encRtf, unit: '× real time' });
    rows.push({ name: `${name} decode only, direct`, value: decRtf, unit: '× real time' });
    await new Promise<void>((r) => setImmediate(r));
  }
  if (sink === 0x7fffffff) console.log(''); // never true; reads `sink`
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runSpeexBench();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.value.toFixed(r.unit === 'ratio' ? 3 : 1)} ${r.unit}${r.note ? `   (${r.note})` : ''}`);
}
