import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import { type AudioFrame, type Frame, makeAudioFrame, makeEncodedFrame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { RESAMPLER_DEFAULT_QUALITY, RESAMPLER_TESTED_RATES, Resampler, type ResamplerOptions, resamplerDescriptor } from './resampler.js';

// ─────────────────────────────────────────────────────────────────────────── test filters ──

/** Emits one prepared frame per tick. */
class FrameSource extends Filter {
  readonly type = 'test-frame-source';
  #i = 0;
  constructor(private readonly frames: Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(_ctx: TickContext): void {
    const f = this.frames[this.#i++];
    if (f) this.push(0, f);
  }
}

/** Keeps every frame it gets. */
class Collector extends Filter {
  readonly type = 'test-collector';
  readonly frames: AudioFrame[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f; f = this.pull(0)) if (f.kind === 'audio') this.frames.push(f);
  }
}

/**
 * Cuts an interleaved signal into 10 ms frames. At 11025 and 22050 Hz 10 ms is not a whole
 * number of samples: frame k covers samples [floor(k·rate/100), floor((k+1)·rate/100)), so sizes
 * alternate (110/111) and the total is exact.
 */
function tenMsFrames(signal: Int16Array, rate: number, channels: number, startTs = 0): AudioFrame[] {
  const frames: AudioFrame[] = [];
  const total = signal.length / channels;
  for (let k = 0; ; k++) {
    const a = Math.floor((k * rate) / 100);
    if (a >= total) break;
    const b = Math.min(total, Math.floor(((k + 1) * rate) / 100));
    frames.push(makeAudioFrame(signal.subarray(a * channels, b * channels), rate, channels, startTs + a));
  }
  return frames;
}

interface Run {
  frames: AudioFrame[];
  /** All output samples, concatenated. */
  out: Int16Array;
  latency: number;
  resampler: Resampler;
}

/** source → Resampler(options) → collector on a virtual ticker, until every frame went through. */
function runFrames(frames: Frame[], options: ResamplerOptions): Run {
  const src = new FrameSource(frames);
  const resampler = new Resampler(options);
  const sink = new Collector();
  const graph = new Graph().chain(src, resampler, sink);
  const errors: unknown[] = [];
  resampler.on('error', (e) => errors.push(e));
  const ticker = new Ticker({ clock: 'virtual' });
  ticker.attach(graph);
  ticker.runTicks(frames.length + 1);
  const latency = resampler.latency;
  ticker.shutdown();
  assert.deepEqual(errors, []);
  const n = sink.frames.reduce((s, f) => s + f.samples.length, 0);
  const out = new Int16Array(n);
  let o = 0;
  for (const f of sink.frames) {
    out.set(f.samples, o);
    o += f.samples.length;
  }
  return { frames: sink.frames, out, latency, resampler };
}

function run(signal: Int16Array, inRate: number, options: ResamplerOptions, channels = 1): Run {
  return runFrames(tenMsFrames(signal, inRate, channels), options);
}

// ───────────────────────────────────────────────────────────────────────────── signal math ──

function tone(hz: number, rate: number, seconds: number, amp: number, phase = 0): Int16Array {
  const n = Math.round(rate * seconds);
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate + phase));
  return x;
}

/**
 * Complex amplitude (re, im; peak) of a whole-Hz frequency over exactly `rate` samples (1 s)
 * from `start`: that is the exact DFT bin, so other whole-Hz tones do not leak into it.
 */
function bin(x: Int16Array, rate: number, hz: number, start: number): { re: number; im: number; amp: number } {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * hz) / rate;
  for (let i = 0; i < rate; i++) {
    const v = x[start + i]!;
    re += v * Math.cos(w * i);
    im += v * Math.sin(w * i);
  }
  re *= 2 / rate;
  im *= 2 / rate;
  return { re, im, amp: Math.hypot(re, im) };
}

function rms(x: Int16Array, start: number, n: number): number {
  let s = 0;
  for (let i = start; i < start + n; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / n);
}

const db = (r: number): number => 20 * Math.log10(r);

/** RMS of the rounding error of 16-bit samples: what an output of all zeros can still hide. */
const LSB_RMS = 1 / Math.sqrt(12);

// ───────────────────────────────────────────────────────────────────────────── measurement ──

test(`quality ${RESAMPLER_DEFAULT_QUALITY} (the default): passband ripple over 0–0.9 × Nyquist of the lower rate`, () => {
  // Multi-tone: 24 whole-Hz tones from 100 Hz to 0.9 × Nyquist, read at their exact DFT bins.
  const results: string[] = [];
  let worst = 0;
  for (const [inRate, outRate] of [
    [48000, 8000],
    [44100, 16000],
    [16000, 8000],
    [8000, 48000],
    [16000, 44100],
    [8000, 16000],
  ] as const) {
    const edge = Math.floor(0.9 * (Math.min(inRate, outRate) / 2));
    const freqs = Array.from({ length: 24 }, (_, i) => Math.round(100 + ((edge - 100) * i) / 23));
    const amp = 1200; // 24 × 1200 < 32767: the sum cannot clip
    const x = new Int16Array(Math.round(inRate * 1.4));
    for (const [k, hz] of freqs.entries()) {
      const t = tone(hz, inRate, 1.4, amp, (k * k * 0.7) % (2 * Math.PI));
      for (let i = 0; i < x.length; i++) x[i]! += t[i]!;
    }
    const { out } = run(x, inRate, { outputRate: outRate });
    let max = -Infinity;
    let min = Infinity;
    for (const hz of freqs) {
      const gain = db(bin(out, outRate, hz, Math.round(0.3 * outRate)).amp / bin(x, inRate, hz, Math.round(0.3 * inRate)).amp);
      max = Math.max(max, gain);
      min = Math.min(min, gain);
    }
    worst = Math.max(worst, max - min);
    results.push(`${inRate}→${outRate}: ${(max - min).toFixed(3)} dB (gain ${min.toFixed(3)}…${max.toFixed(3)} dB, 100–${edge} Hz)`);
  }
  console.log(`resampler quality ${RESAMPLER_DEFAULT_QUALITY} passband ripple (peak-to-peak):\n  ${results.join('\n  ')}`);
  // Measured 0.21 dB (downsampling) and 0.10 dB (upsampling), all of it at the band edge.
  assert.ok(worst < 0.3, `ripple ${worst.toFixed(3)} dB`);
});

test(`quality ${RESAMPLER_DEFAULT_QUALITY}: stopband rejection of tones above the output Nyquist when downsampling`, () => {
  const amp = 30000;
  const floor = db(amp / Math.SQRT2 / LSB_RMS);
  const results: string[] = [];
  let worst = Infinity;
  for (const [inRate, outRate, lo, hi] of [
    [48000, 8000, 4500, 20000],
    [44100, 16000, 9000, 21000],
    [16000, 8000, 4500, 7500],
    [48000, 16000, 9000, 22000],
  ] as const) {
    let worstHere = Infinity;
    let worstHz = 0;
    for (let i = 0; i <= 15; i++) {
      const hz = Math.round(lo + ((hi - lo) * i) / 15);
      const { out } = run(tone(hz, inRate, 0.6, amp), inRate, { outputRate: outRate });
      // Everything that comes out is aliasing (or rounding): compare its RMS to the tone's.
      const r = Math.min(floor, db(amp / Math.SQRT2 / Math.max(rms(out, Math.round(0.1 * outRate), Math.round(0.4 * outRate)), LSB_RMS)));
      if (r < worstHere) {
        worstHere = r;
        worstHz = hz;
      }
    }
    worst = Math.min(worst, worstHere);
    const shown = worstHere >= floor - 1e-9 ? `≥ ${floor.toFixed(1)} dB (output all zero: below 16-bit resolution)` : `${worstHere.toFixed(1)} dB (worst at ${worstHz} Hz)`;
    results.push(`${inRate}→${outRate}, tones ${lo}–${hi} Hz: ${shown}`);
  }
  console.log(`resampler quality ${RESAMPLER_DEFAULT_QUALITY} stopband rejection:\n  ${results.join('\n  ')}`);
  assert.ok(worst > 90, `rejection ${worst.toFixed(1)} dB`);
});

test(`quality ${RESAMPLER_DEFAULT_QUALITY}: SNR of a sine resampled up and down, and image rejection when upsampling`, () => {
  const lines: string[] = [];
  const snrs: number[] = [];
  for (const [lo, hi, hz] of [
    [8000, 48000, 1000],
    [16000, 44100, 1000],
    [8000, 16000, 3000],
  ] as const) {
    const x = tone(hz, lo, 2, 16000);
    const up = run(x, lo, { outputRate: hi });
    const down = run(up.out, hi, { outputRate: lo });
    const y = down.out;
    const start = Math.round(0.5 * lo);
    // Fit the tone at its exact bin; everything else (noise, aliases, images) is the error.
    const { re, im } = bin(y, lo, hz, start);
    const w = (2 * Math.PI * hz) / lo;
    let sig = 0;
    let err = 0;
    for (let i = 0; i < lo; i++) {
      const fit = re * Math.cos(w * i) + im * Math.sin(w * i);
      sig += fit * fit;
      err += (y[start + i]! - fit) ** 2;
    }
    const snr = 10 * Math.log10(sig / err);
    snrs.push(snr);
    lines.push(`${lo}→${hi}→${lo} Hz, ${hz} Hz sine at −6 dBFS: SNR ${snr.toFixed(1)} dB (round-trip delay ${((up.latency / hi + down.latency / lo) * 1000).toFixed(1)} ms)`);
  }
  // Upsampling: the output should hold the tone and nothing else (images of it above the input
  // Nyquist are what the filter must remove).
  for (const hz of [1000, 3000, 3400]) {
    const { out } = run(tone(hz, 8000, 1.5, 16000), 8000, { outputRate: 48000 });
    const start = Math.round(0.3 * 48000);
    const { re, im, amp } = bin(out, 48000, hz, start);
    const w = (2 * Math.PI * hz) / 48000;
    let err = 0;
    for (let i = 0; i < 48000; i++) err += (out[start + i]! - (re * Math.cos(w * i) + im * Math.sin(w * i))) ** 2;
    lines.push(`8000→48000 Hz, ${hz} Hz: images and noise ${db(amp / Math.SQRT2 / Math.sqrt(err / 48000)).toFixed(1)} dB below the tone`);
  }
  console.log(`resampler quality ${RESAMPLER_DEFAULT_QUALITY}:\n  ${lines.join('\n  ')}`);
  // Measured 90–98 dB: the 16-bit floor.
  for (const s of snrs) assert.ok(s > 85, `SNR ${s.toFixed(1)} dB`);
});

// ──────────────────────────────────────────────────────────────────────────── behaviour ──

test('every tested rate pair, mono: exact output count over time, continuous timestamps, no drift', () => {
  const seconds = 2;
  let pairs = 0;
  for (const inRate of RESAMPLER_TESTED_RATES) {
    for (const outRate of RESAMPLER_TESTED_RATES) {
      if (inRate === outRate) continue;
      const input = tenMsFrames(tone(440, inRate, seconds, 8000), inRate, 1);
      const { frames, out } = runFrames(input, { outputRate: outRate });
      // ceil(T × out / in) with T = seconds × inRate: exactly seconds × outRate.
      assert.equal(out.length, seconds * outRate, `${inRate}→${outRate}`);
      assert.equal(frames.length, input.length);
      let ts = 0;
      for (const f of frames) {
        assert.equal(f.timestamp, ts, `${inRate}→${outRate} timestamp`);
        assert.equal(f.sampleRate, outRate);
        ts += f.samples.length;
      }
      // Each frame gives its length × out / in, within one sample (the fraction carried over).
      frames.forEach((f, i) => {
        const exact = (input[i]!.samples.length * outRate) / inRate;
        assert.ok(Math.abs(f.samples.length - exact) < 1, `${inRate}→${outRate}: ${f.samples.length} from ${input[i]!.samples.length}`);
      });
      pairs++;
    }
  }
  assert.equal(pairs, 56);
});

test('44.1 kHz → 16 kHz: 441 samples in, 160 out, every 10 ms', () => {
  const { frames } = run(tone(1000, 44100, 1, 8000), 44100, { outputRate: 16000 });
  assert.equal(frames.length, 100);
  for (const f of frames) assert.equal(f.samples.length, 160);
});

test('stereo in, stereo out, at every tested rate from/to 48 kHz', () => {
  for (const rate of RESAMPLER_TESTED_RATES) {
    if (rate === 48000) continue;
    for (const [inRate, outRate] of [
      [48000, rate],
      [rate, 48000],
    ] as const) {
      const x = new Int16Array(inRate * 2); // 1 s stereo: left a tone, right silent
      const t = tone(500, inRate, 1, 10000);
      for (let i = 0; i < inRate; i++) x[2 * i] = t[i]!;
      const { frames, out } = run(x, inRate, { outputRate: outRate }, 2);
      assert.equal(out.length, 2 * outRate, `${inRate}→${outRate}`);
      assert.ok(frames.every((f) => f.channels === 2));
      let l = 0;
      let r = 0;
      for (let i = Math.round(outRate * 0.1); i < outRate; i++) {
        l = Math.max(l, Math.abs(out[2 * i]!));
        r = Math.max(r, Math.abs(out[2 * i + 1]!));
      }
      assert.ok(l > 9900 && l < 10100, `${inRate}→${outRate} left peak ${l}`);
      assert.equal(r, 0, `${inRate}→${outRate}: nothing leaks into the silent channel`);
    }
  }
});

test('channel conversion: stereo → mono averages, mono → stereo duplicates, with or without a rate change', () => {
  const t = tone(700, 48000, 0.5, 10000);
  const lr = new Int16Array(t.length * 2);
  const lMinusR = new Int16Array(t.length * 2);
  for (let i = 0; i < t.length; i++) {
    lr[2 * i] = lr[2 * i + 1] = t[i]!;
    lMinusR[2 * i] = t[i]!;
    lMinusR[2 * i + 1] = -t[i]!;
  }
  for (const outputRate of [16000, 48000]) {
    const same = run(lr, 48000, { outputRate, channels: 1 }, 2);
    assert.ok(same.frames.every((f) => f.channels === 1 && f.sampleRate === outputRate));
    assert.equal(same.out.length, outputRate / 2);
    assert.ok(Math.abs(rms(same.out, outputRate / 10, outputRate / 5) - 10000 / Math.SQRT2) < 50);
    const cancel = run(lMinusR, 48000, { outputRate, channels: 1 }, 2);
    assert.ok(rms(cancel.out, 0, cancel.out.length) < 1, 'L − R averages to silence');

    const st = run(t, 48000, { outputRate, channels: 2 });
    assert.ok(st.frames.every((f) => f.channels === 2));
    assert.equal(st.out.length, 2 * (outputRate / 2));
    for (let i = 0; i < st.out.length; i += 2) assert.equal(st.out[i], st.out[i + 1]);
  }
});

test('same rate and channels: frames pass through untouched (the same objects)', () => {
  const frames = tenMsFrames(tone(300, 16000, 0.2, 5000), 16000, 1, 1234);
  const { frames: got, latency } = runFrames(frames, { outputRate: 16000 });
  assert.equal(got.length, frames.length);
  got.forEach((f, i) => assert.equal(f, frames[i]));
  assert.equal(latency, 0);
});

test('input rate change mid-stream: re-initialised, output timestamps stay continuous', () => {
  const frames = [...tenMsFrames(tone(440, 8000, 1, 8000), 8000, 1), ...tenMsFrames(tone(440, 16000, 1, 8000), 16000, 1)];
  // The 16 kHz part starts its own timeline (a new stream at 0): the output does not jump back.
  const { frames: got, out } = runFrames(frames, { outputRate: 48000 });
  assert.equal(out.length, 96000);
  let ts = 0;
  for (const f of got) {
    assert.equal(f.timestamp, ts);
    ts += f.samples.length;
  }
  // … and through a passthrough stretch (48 kHz in the middle): those frames go out untouched,
  // and resampling resumes where they ended.
  const middle = tenMsFrames(tone(440, 48000, 0.5, 8000), 48000, 1, 24000);
  const mixed = [...tenMsFrames(tone(440, 8000, 0.5, 8000), 8000, 1), ...middle, ...tenMsFrames(tone(440, 8000, 0.5, 8000), 8000, 1, 8000)];
  const m = runFrames(mixed, { outputRate: 48000 });
  assert.equal(m.out.length, 72000);
  for (const f of middle) assert.ok(m.frames.includes(f));
  ts = 0;
  for (const f of m.frames) {
    assert.equal(f.timestamp, ts);
    ts += f.samples.length;
  }
});

test('a gap in the input timestamps becomes the same gap in output samples; concealed is kept', () => {
  const a = tenMsFrames(tone(440, 11025, 1, 8000), 11025, 1, 0);
  const b = tenMsFrames(tone(440, 11025, 1, 8000), 11025, 1, 2 * 11025); // 1 s missing in between
  b[0]!.concealed = true;
  const { frames } = runFrames([...a, ...b], { outputRate: 8000 });
  const firstB = frames.findIndex((f) => f.concealed);
  assert.ok(firstB > 0);
  const last = frames[firstB - 1]!;
  assert.equal(last.timestamp + last.samples.length, 8000);
  assert.equal(frames[firstB]!.timestamp, 16000, 'resumes at 2 s × 8000 Hz');
  assert.equal(frames.filter((f) => f.concealed).length, 1);
});

test('setOutputRate and setQuality take effect at the next frame', () => {
  const r = new Resampler({ outputRate: 16000 });
  assert.equal(r.quality, RESAMPLER_DEFAULT_QUALITY);
  r.setQuality(3);
  r.setOutputRate(8000);
  assert.equal(r.quality, 3);
  assert.equal(r.outputRate, 8000);
  const src = new FrameSource(tenMsFrames(tone(440, 48000, 0.2, 8000), 48000, 1));
  const sink = new Collector();
  const ticker = new Ticker({ clock: 'virtual' }).attach(new Graph().chain(src, r, sink));
  ticker.runTicks(10);
  assert.equal(r.latency, 24, 'quality 3 at 8 kHz: 24 samples');
  r.setOutputRate(16000);
  ticker.runTicks(10);
  ticker.shutdown();
  assert.deepEqual(
    sink.frames.map((f) => f.sampleRate),
    [...Array<number>(10).fill(8000), ...Array<number>(10).fill(16000)],
  );
  assert.equal(sink.frames[10]!.timestamp, 1600, '100 ms of 8 kHz output = 1600 at 16 kHz');
});

test('options are checked; non-audio input is an error the graph reports and survives', () => {
  assert.throws(() => new Resampler({ outputRate: 0 }), (e: unknown) => e instanceof ConfigError && /outputRate/.test(e.message));
  assert.throws(() => new Resampler({ outputRate: 16000, quality: 11 }), (e: unknown) => e instanceof ConfigError && /quality/.test(e.message));
  assert.throws(() => new Resampler({ outputRate: 16000, channels: 3 as 2 }), (e: unknown) => e instanceof ConfigError && /channels/.test(e.message));
  assert.throws(() => resamplerDescriptor.create(), ConfigError);
  assert.ok(resamplerDescriptor.create({ outputRate: 8000 }) instanceof Resampler);

  const src = new FrameSource([makeEncodedFrame(new Uint8Array(10), 0, 0), ...tenMsFrames(tone(440, 8000, 0.05, 8000), 8000, 1, 80)]);
  const r = new Resampler({ outputRate: 16000 });
  const sink = new Collector();
  const errors: unknown[] = [];
  r.on('error', (e) => errors.push(e));
  const ticker = new Ticker({ clock: 'virtual' }).attach(new Graph().chain(src, r, sink));
  ticker.runTicks(8);
  ticker.shutdown();
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof ConfigError && /expects audio frames/.test(errors[0].message));
  assert.equal(sink.frames.length, 5);
  assert.equal(sink.frames[0]!.timestamp, 160, 'anchored at the first audio frame: 80 at 8 kHz = 160 at 16 kHz');
});
