import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import {
  DTMF_FREQUENCIES,
  DTMF_HIGH_HZ,
  DTMF_LOW_HZ,
  ToneGenerator,
  amplitudeToDbm0,
  dBm0ToAmplitude,
  parseDtmfDigits,
  renderDtmf,
  type DtmfDigit,
} from './tones.js';

class Capture extends Filter {
  readonly type = 'capture';
  readonly frames: AudioFrame[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.frames.push(f as AudioFrame);
  }
  get samples(): Int16Array {
    const out = new Int16Array(this.frames.reduce((n, f) => n + f.samples.length, 0));
    let o = 0;
    for (const f of this.frames) {
      out.set(f.samples, o);
      o += f.samples.length;
    }
    return out;
  }
}

/** A generator → capture graph on a virtual ticker; `run(ms)` may be called several times. */
function harness(gen: ToneGenerator, periodMs = 10): { cap: Capture; run: (ms: number) => void } {
  const cap = new Capture();
  const t = new Ticker({ clock: 'virtual', periodMs });
  t.attach(new Graph().chain(gen, cap));
  return { cap, run: (ms) => void t.runFor(ms) };
}

function runGen(gen: ToneGenerator, ms: number, periodMs = 10): Capture {
  const h = harness(gen, periodMs);
  h.run(ms);
  return h.cap;
}

/**
 * Peak amplitude of the component at `f` Hz over x[start, start+len): generalised Goertzel on a
 * Hann-windowed block (the window keeps the neighbouring DTMF frequencies, 73–89 Hz apart, from
 * leaking into each other's measurement), scaled by the window's sum.
 */
function goertzelAmp(x: Int16Array, start: number, len: number, f: number, rate: number): number {
  const w = (2 * Math.PI * f) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let wsum = 0;
  for (let n = 0; n < len; n++) {
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / len);
    wsum += win;
    const s = win * x[start + n]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - c * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / wsum;
}

const ALL = '0123456789*#ABCD';
const ALL_FREQS: number[] = [...DTMF_LOW_HZ, ...DTMF_HIGH_HZ];

/** Checks one digit's tone: its two frequencies dominate, each at `dBm0` ± 0.5 dB. */
function checkDigit(x: Int16Array, start: number, len: number, digit: DtmfDigit, rate: number, dBm0 = -10): void {
  const amps = ALL_FREQS.map((f) => goertzelAmp(x, start, len, f, rate));
  const [lo, hi] = DTMF_FREQUENCIES[digit];
  const aLo = amps[ALL_FREQS.indexOf(lo)]!;
  const aHi = amps[ALL_FREQS.indexOf(hi)]!;
  for (const [i, a] of amps.entries()) {
    const f = ALL_FREQS[i]!;
    if (f === lo || f === hi) continue;
    // Every other DTMF frequency is at least 30 dB below the weaker of the pair.
    assert.ok(20 * Math.log10(Math.min(aLo, aHi) / a) > 30, `digit ${digit}: ${f} Hz only ${(20 * Math.log10(Math.min(aLo, aHi) / a)).toFixed(1)} dB down`);
  }
  for (const a of [aLo, aHi]) {
    const level = amplitudeToDbm0(a);
    assert.ok(Math.abs(level - dBm0) < 0.5, `digit ${digit}: level ${level.toFixed(2)} dBm0, want ${dBm0}`);
  }
}

test('dBm0 scale: a full-scale sine is +3.17 dBm0 (G.711 §5 µ-law load capacity)', () => {
  assert.equal(Math.round(dBm0ToAmplitude(3.17)), 32767);
  assert.equal(Math.round(dBm0ToAmplitude(0)), 22748);
  assert.ok(Math.abs(amplitudeToDbm0(dBm0ToAmplitude(-10)) + 10) < 1e-9);
});

test('Q.23 frequency table: 16 digits, rows × columns', () => {
  assert.deepEqual(DTMF_FREQUENCIES['1'], [697, 1209]);
  assert.deepEqual(DTMF_FREQUENCIES['5'], [770, 1336]);
  assert.deepEqual(DTMF_FREQUENCIES['9'], [852, 1477]);
  assert.deepEqual(DTMF_FREQUENCIES['0'], [941, 1336]);
  assert.deepEqual(DTMF_FREQUENCIES['*'], [941, 1209]);
  assert.deepEqual(DTMF_FREQUENCIES['#'], [941, 1477]);
  assert.deepEqual(DTMF_FREQUENCIES['A'], [697, 1633]);
  assert.deepEqual(DTMF_FREQUENCIES['D'], [941, 1633]);
  assert.equal(Object.keys(DTMF_FREQUENCIES).length, 16);
});

test('renderDtmf: every digit at 8 kHz — frequencies dominate (Goertzel), −10 dBm0 each ± 0.5 dB, 100 ms + 100 ms', () => {
  const x = renderDtmf(ALL);
  assert.equal(x.length, 16 * 1600);
  for (let k = 0; k < 16; k++) {
    const t0 = k * 1600;
    // Steady part: skip the 2 ms (16-sample) ramps.
    checkDigit(x, t0 + 16, 800 - 32, ALL[k] as DtmfDigit, 8000);
    // Pause: exact silence.
    assert.ok(x.subarray(t0 + 800, t0 + 1600).every((v) => v === 0), `pause after ${ALL[k]}`);
    // Duration: the tone fills its 100 ms; each 1 ms block between the ramps holds the full
    // two-tone level (RMS of two sines of amplitude A = A), the block before the pause is ramping.
    const a = dBm0ToAmplitude(-10);
    for (let b = 2; b < 98; b++) {
      let e = 0;
      for (let n = 0; n < 8; n++) e += x[t0 + b * 8 + n]! ** 2;
      // 8 samples is too short for an exact RMS of a beat; the level stays within the envelope.
      assert.ok(Math.sqrt(e / 8) > 0.15 * a, `digit ${ALL[k]} block ${b} too quiet`);
    }
  }
});

test('renderDtmf at 11 025 and 44 100 Hz: fractional sample counts carry, digits still detected', () => {
  for (const rate of [11025, 44100, 16000]) {
    const x = renderDtmf('159#', { sampleRate: rate });
    assert.equal(x.length, Math.round(4 * 0.2 * rate), `rate ${rate}`);
    const seg = 0.2 * rate;
    for (let k = 0; k < 4; k++) {
      const t0 = Math.floor(k * seg);
      const ramp = Math.round(0.002 * rate);
      checkDigit(x, t0 + ramp, Math.floor(0.1 * rate) - 2 * ramp, '159#'[k] as DtmfDigit, rate);
    }
  }
});

test('renderDtmf options: tone/pause lengths, level per frequency (twist), lower-case a–d', () => {
  const x = renderDtmf('a', { toneMs: 50, pauseMs: 30, dBm0: [-12, -9] });
  assert.equal(x.length, 640);
  assert.ok(x.subarray(400).every((v) => v === 0));
  const aLo = goertzelAmp(x, 16, 400 - 32, 697, 8000);
  const aHi = goertzelAmp(x, 16, 400 - 32, 1633, 8000);
  assert.ok(Math.abs(amplitudeToDbm0(aLo) + 12) < 0.5);
  assert.ok(Math.abs(amplitudeToDbm0(aHi) + 9) < 0.5);
  assert.deepEqual(parseDtmfDigits('abcd'), ['A', 'B', 'C', 'D']);
});

test('invalid digit → ConfigError naming it, thrown synchronously, nothing queued', () => {
  const gen = new ToneGenerator();
  assert.throws(
    () => gen.playDtmf('12x3'),
    (err: unknown) => err instanceof ConfigError && /invalid DTMF digit "x" at position 2 of "12x3"/.test(err.message),
  );
  assert.equal(gen.busy, false);
  assert.throws(() => renderDtmf('E'), /invalid DTMF digit "E"/);
  assert.throws(() => renderDtmf('1,2'), /invalid DTMF digit ","/);
  assert.throws(() => gen.playDtmf('1', { toneMs: 0 }), ConfigError);
  assert.throws(() => gen.playDtmf('1', { dBm0: 6 }), ConfigError);
  assert.throws(() => new ToneGenerator({ sampleRate: 44100.5 }), ConfigError);
});

test('generator output over ticks equals renderDtmf sample for sample, at 10 ms and 7 ms ticks', () => {
  for (const periodMs of [10, 7]) {
    const gen = new ToneGenerator();
    gen.playDtmf('147*');
    const cap = runGen(gen, 1000, periodMs);
    const want = renderDtmf('147*');
    const got = cap.samples;
    assert.deepEqual(got.subarray(0, want.length), want, `period ${periodMs}`);
    assert.ok(got.subarray(want.length).every((v) => v === 0));
    assert.equal(got.length, Math.floor(Math.round(1000 / periodMs) * periodMs * 8));
  }
});

test('exact sample counts per tick at 11 025 and 44 100 Hz (fractions carried), contiguous timestamps', () => {
  for (const [rate, want] of [
    [11025, [110, 110, 110, 111]],
    [44100, [441, 441, 441, 441]],
  ] as const) {
    const gen = new ToneGenerator({ sampleRate: rate });
    const cap = runGen(gen, 1000);
    assert.deepEqual(
      cap.frames.slice(0, 4).map((f) => f.samples.length),
      want,
    );
    assert.equal(cap.samples.length, rate);
    let ts = 0;
    for (const f of cap.frames) {
      assert.equal(f.timestamp, ts);
      assert.equal(f.sampleRate, rate);
      assert.equal(f.channels, 1);
      ts += f.samples.length;
    }
  }
});

test('tone-start / tone-end events carry the digit and the sample position', () => {
  const gen = new ToneGenerator();
  const events: [string, string, number][] = [];
  gen.on('tone-start', (d, ts) => events.push(['start', d, ts]));
  gen.on('tone-end', (d, ts) => events.push(['end', d, ts]));
  const h = harness(gen);
  h.run(50); // idle first: silence
  gen.playDtmf('1#', { toneMs: 60, pauseMs: 40 });
  assert.equal(gen.busy, true);
  h.run(300);
  assert.deepEqual(events, [
    ['start', '1', 400],
    ['end', '1', 880],
    ['start', '#', 1200],
    ['end', '#', 1680],
  ]);
  assert.equal(gen.busy, false);
});

test('no clicks: tone edges ramp (raised cosine) and the waveform is continuous across frames', () => {
  const x = renderDtmf('8');
  const a = 2 * dBm0ToAmplitude(-10);
  // Largest sample step of the steady two-tone signal: ≈ A(ω1 + ω2).
  const steadyStep = (a / 2) * ((2 * Math.PI * (852 + 1336)) / 8000);
  let worst = 0;
  for (let n = 1; n < x.length; n++) worst = Math.max(worst, Math.abs(x[n]! - x[n - 1]!));
  assert.ok(worst <= steadyStep * 1.01, `largest step ${worst} > steady ${steadyStep}`);
  // The first and last samples of the tone are near zero.
  assert.ok(Math.abs(x[0]!) < 0.01 * a && Math.abs(x[799]!) < 0.02 * a, `edges ${x[0]} ${x[799]}`);
  // Without a ramp the tone's end is a hard cut.
  const hard = renderDtmf('8', { rampMs: 0 });
  let hardWorst = 0;
  for (let n = 780; n < 802; n++) hardWorst = Math.max(hardWorst, Math.abs(hard[n]!));
  assert.ok(hardWorst > 0.3 * a);
});

test('custom tones: one frequency, level, interval and repeat count; events carry the name', () => {
  const gen = new ToneGenerator();
  const starts: number[] = [];
  const ends: number[] = [];
  gen.on('tone-start', (name, ts) => {
    assert.equal(name, 'busy');
    starts.push(ts);
  });
  gen.on('tone-end', (_n, ts) => ends.push(ts));
  gen.playTone({ frequencies: [425], durationMs: 200, intervalMs: 300, repeat: 3, dBm0: -13, name: 'busy' });
  const x = runGen(gen, 2000).samples;
  assert.deepEqual(starts, [0, 4000, 8000]);
  assert.deepEqual(ends, [1600, 5600, 9600]);
  const amp = goertzelAmp(x, 16, 1600 - 32, 425, 8000);
  assert.ok(Math.abs(amplitudeToDbm0(amp) + 13) < 0.5);
  assert.ok(x.subarray(9600).every((v) => v === 0));
  // Two frequencies, default name.
  const g2 = new ToneGenerator();
  const names: string[] = [];
  g2.on('tone-start', (n) => names.push(n));
  g2.playTone({ frequencies: [350, 440], durationMs: 100 });
  runGen(g2, 200);
  assert.deepEqual(names, ['350+440Hz']);
});

test('custom tone validation → ConfigError', () => {
  const gen = new ToneGenerator();
  const bad = [
    { frequencies: [4000], durationMs: 100 },
    { frequencies: [0], durationMs: 100 },
    { frequencies: [400, 500, 600], durationMs: 100 },
    { frequencies: [], durationMs: 100 },
    { frequencies: [400], durationMs: 0 },
    { frequencies: [400], durationMs: 100, intervalMs: -1 },
    { frequencies: [400], durationMs: 100, repeat: 0 },
    { frequencies: [400], durationMs: 100, repeat: 1.5 },
    { frequencies: [400], durationMs: 100, dBm0: 4 },
    { frequencies: [400], durationMs: 100, dBm0: [-10, -10] },
  ];
  for (const def of bad) assert.throws(() => gen.playTone(def), ConfigError, JSON.stringify(def));
  assert.equal(gen.busy, false);
});

test('silenceWhenIdle false: frames only while something plays; timestamps follow time', () => {
  const gen = new ToneGenerator({ silenceWhenIdle: false });
  const h = harness(gen);
  h.run(100);
  assert.equal(h.cap.frames.length, 0);
  gen.playDtmf('5', { toneMs: 40, pauseMs: 20 });
  h.run(200);
  assert.deepEqual(
    h.cap.frames.map((f) => f.timestamp),
    [800, 880, 960, 1040, 1120, 1200],
  );
});

test('stop(): an endless tone fades out within the ramp, the queue is dropped, tone-end fires', () => {
  const gen = new ToneGenerator();
  let ended = 0;
  gen.on('tone-end', () => ended++);
  gen.playTone({ frequencies: [400, 450], durationMs: 1000, repeat: Number.POSITIVE_INFINITY, name: 'ring' });
  gen.playDtmf('123');
  const { cap, run } = harness(gen);
  run(510);
  assert.equal(gen.playing, 'ring');
  gen.stop();
  run(100);
  assert.equal(gen.busy, false);
  assert.equal(gen.playing, null);
  assert.equal(ended, 1);
  const x = cap.samples;
  // 2 ms ramp = 16 samples after the stop point (sample 4080), then silence.
  assert.ok(x.subarray(4080 + 16).every((v) => v === 0));
  const a = 2 * dBm0ToAmplitude(-10);
  for (let n = 4080; n < 4080 + 16; n++) assert.ok(Math.abs(x[n]! - x[n - 1]!) < a * 0.5);
});

test('listeners may call stop() or queue more from tone-start / tone-end', () => {
  const gen = new ToneGenerator();
  const events: string[] = [];
  gen.on('tone-start', (d) => {
    events.push(`start ${d}`);
    if (d === '2') gen.stop();
  });
  gen.on('tone-end', (d) => {
    events.push(`end ${d}`);
    if (d === '1') gen.playDtmf('3');
  });
  gen.playDtmf('12');
  const x = runGen(gen, 1000).samples;
  // '1' plays, its pause, then '2' is stopped before its first sample ('3' was queued behind it).
  assert.ok(x.subarray(0, 800).some((v) => v !== 0));
  assert.ok(x.subarray(800).every((v) => v === 0));
  assert.equal(gen.busy, false);
  assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2']);
});
