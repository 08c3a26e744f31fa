import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigError, StateError } from '../core/errors.js';
import { probeSpeexDsp, SPEEX_RESAMPLER_QUALITY, SpeexResampler, speexResamplerStrerror } from './speexdsp.js';

function sine(n: number, rate: number, hz: number, amp = 10000, channels = 1, channel = 0): Int16Array {
  const x = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) x[i * channels + channel] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  return x;
}

/** Deterministic block sizes 1…max (a tiny LCG; no need for the project's Random here). */
function* blockSizes(max: number, seed = 12345): Generator<number> {
  let s = seed;
  for (;;) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    yield 1 + (s % max);
  }
}

test('libspeexdsp is detected', () => {
  assert.deepEqual(probeSpeexDsp(), { available: true });
  assert.equal(speexResamplerStrerror(0), 'Success.');
  assert.equal(speexResamplerStrerror(3), 'Invalid argument.');
});

test('48 kHz → 8 kHz: 10 ms in, 10 ms out; latencies as speex reports them', () => {
  const r = new SpeexResampler({ channels: 1, inputRate: 48000, outputRate: 8000, quality: 6 });
  try {
    assert.equal(r.maxOutputFrames(480), 81);
    for (let i = 0; i < 5; i++) assert.equal(r.process(sine(480, 48000, 440)).length, 80);
    // quality 6 = 96 taps at the lower rate: 48 samples at 8 kHz, 288 at 48 kHz (6 ms).
    assert.equal(r.inputLatency, 288);
    assert.equal(r.outputLatency, 48);
  } finally {
    r.destroy();
  }
});

test('any block sizes: all input consumed, cumulative output exactly ceil(T × out / in)', () => {
  for (const [inRate, outRate] of [
    [44100, 16000],
    [8000, 48000],
    [11025, 8000],
    [48000, 22050],
    [16000, 8000],
  ] as const) {
    const r = new SpeexResampler({ channels: 1, inputRate: inRate, outputRate: outRate, quality: 6 });
    const sizes = blockSizes(700);
    let inTotal = 0;
    let outTotal = 0;
    while (inTotal < inRate * 3) {
      const n = sizes.next().value as number;
      const out = r.process(new Int16Array(n).fill(100));
      assert.ok(out.length <= r.maxOutputFrames(n), `${inRate}→${outRate}: ${out.length} frames from ${n}`);
      inTotal += n;
      outTotal += out.length;
      assert.equal(outTotal, Math.ceil((inTotal * outRate) / inRate), `${inRate}→${outRate} after ${inTotal} input frames`);
    }
    r.destroy();
  }
});

test('process() returns a view of a reused buffer; processInto() writes where told', () => {
  const r = new SpeexResampler({ channels: 1, inputRate: 16000, outputRate: 8000 });
  const a = r.process(sine(160, 16000, 300));
  const b = r.process(sine(160, 16000, 300));
  assert.equal(a.buffer, b.buffer, 'same backing buffer: a caller must copy to keep it');
  const out = new Int16Array(r.maxOutputFrames(160));
  assert.equal(r.processInto(sine(160, 16000, 300), out), 80);
  assert.throws(() => r.processInto(sine(160, 16000, 300), new Int16Array(80)), RangeError);
  assert.equal(r.processInto(new Int16Array(0), new Int16Array(1)), 0);
  r.destroy();
  const s = new SpeexResampler({ channels: 2, inputRate: 16000, outputRate: 8000 });
  assert.throws(() => s.process(new Int16Array(3)), RangeError);
  s.destroy();
});

test('stereo is resampled interleaved, channels kept apart', () => {
  const rate = 48000;
  const r = new SpeexResampler({ channels: 2, inputRate: rate, outputRate: 16000, quality: 6 });
  // Left: 1 kHz; right: silence.
  const x = sine(rate, rate, 1000, 12000, 2, 0);
  const y = r.process(x);
  r.destroy();
  assert.equal(y.length, 2 * 16000);
  let left = 0;
  let right = 0;
  for (let i = 1000; i < 16000; i++) {
    left = Math.max(left, Math.abs(y[2 * i]!));
    right = Math.max(right, Math.abs(y[2 * i + 1]!));
  }
  assert.ok(left > 11900 && left < 12100, `left peak ${left}`);
  assert.equal(right, 0);
});

test('the delay is outputLatency; skipZeros() removes it; reset() clears the memory', () => {
  const impulse = new Int16Array(4800);
  impulse[0] = 30000;
  const peakAt = (y: Int16Array): number => y.reduce((best, v, i, a) => (Math.abs(v) > Math.abs(a[best]!) ? i : best), 0);

  const r = new SpeexResampler({ channels: 1, inputRate: 48000, outputRate: 16000, quality: 6 });
  const lat = r.outputLatency;
  const delayed = r.process(impulse).slice();
  assert.ok(Math.abs(peakAt(delayed) - lat) <= 1, `peak at ${peakAt(delayed)}, latency ${lat}`);

  // reset(): the same input again gives the same output as a fresh state.
  r.process(sine(4800, 48000, 700));
  r.reset();
  assert.deepEqual(r.process(impulse).slice(), delayed);
  r.destroy();

  const z = new SpeexResampler({ channels: 1, inputRate: 48000, outputRate: 16000, quality: 6 });
  z.skipZeros();
  const early = z.process(impulse).slice();
  z.destroy();
  assert.ok(peakAt(early) <= 1, `peak at ${peakAt(early)} after skipZeros`);
  assert.ok(Math.abs(early.length - (delayed.length - lat)) <= 1, `${early.length} vs ${delayed.length} - ${lat}`);
});

test('bad options are ConfigErrors that name the option', () => {
  const base = { channels: 1, inputRate: 8000, outputRate: 16000 };
  assert.throws(() => new SpeexResampler({ ...base, quality: 11 }), (e: unknown) => e instanceof ConfigError && /quality/.test(e.message));
  assert.throws(() => new SpeexResampler({ ...base, quality: 2.5 }), ConfigError);
  assert.throws(() => new SpeexResampler({ ...base, channels: 0 }), (e: unknown) => e instanceof ConfigError && /channels/.test(e.message));
  assert.throws(() => new SpeexResampler({ ...base, inputRate: 0 }), (e: unknown) => e instanceof ConfigError && /inputRate/.test(e.message));
  assert.throws(() => new SpeexResampler({ ...base, outputRate: 44100.5 }), ConfigError);
  assert.equal(SPEEX_RESAMPLER_QUALITY.VOIP, 3);
});

test('destroy() is idempotent; a destroyed resampler refuses work', () => {
  const before = SpeexResampler.liveCount;
  const r = new SpeexResampler({ channels: 1, inputRate: 8000, outputRate: 16000 });
  assert.equal(SpeexResampler.liveCount, before + 1);
  r.destroy();
  r.destroy();
  assert.equal(r.destroyed, true);
  assert.equal(SpeexResampler.liveCount, before);
  assert.throws(() => r.process(new Int16Array(80)), StateError);
  assert.throws(() => r.outputLatency, StateError);
  assert.throws(() => r.reset(), StateError);
});

test('a resampler dropped without destroy() is freed when collected (FinalizationRegistry)', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const before = SpeexResampler.liveCount;
  (() => {
    for (let i = 0; i < 20; i++) new SpeexResampler({ channels: 1, inputRate: 48000, outputRate: 8000 }).process(new Int16Array(480));
  })();
  assert.equal(SpeexResampler.liveCount, before + 20);
  // Finalizers run after a collection, on a later turn of the event loop.
  for (let i = 0; i < 50 && SpeexResampler.liveCount > before; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(SpeexResampler.liveCount, before);
});
