import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { ClockDriftEstimator } from './clock-drift.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('no samples, one sample: ratio 1', () => {
  const e = new ClockDriftEstimator();
  assert.equal(e.ratio, 1);
  e.update(1000, 5);
  assert.equal(e.ratio, 1);
  assert.equal(e.transitSlope, 0);
});

test('exact line: finds the ratio and the offset', () => {
  const e = new ClockDriftEstimator();
  const t0 = 1.7e12; // epoch milliseconds: large values must not hurt the fit
  for (let i = 0; i < 3000; i++) {
    const x = t0 + i * 20;
    e.update(x, 1.001 * (x - t0) + 12_345);
  }
  assert.ok(Math.abs(e.ratio - 1.001) < 1e-5, `ratio ${e.ratio}`);
  assert.ok(Math.abs(e.predictSenderMs(t0 + 60_000) - (1.001 * 60_000 + 12_345)) < 1, 'prediction');
});

for (const ratio of [0.99, 1.01]) {
  test(`noisy arrivals (0–60 ms jitter): ratio ${ratio} within 0.001 after a minute`, () => {
    const rnd = prng(3);
    const e = new ClockDriftEstimator();
    for (let i = 0; i < 3000; i++) {
      const sender = i * 20;
      e.update(sender / ratio + rnd() * 60, sender);
    }
    assert.ok(Math.abs(e.ratio - ratio) < 0.001, `ratio ${e.ratio}`);
    assert.ok(Math.abs(e.transitSlope - (1 - ratio)) < 0.001);
  });
}

test('bursty arrivals (stalls of up to 1 s every 5 s) do not tilt the estimate much', () => {
  const e = new ClockDriftEstimator();
  for (let i = 0; i < 15_000; i++) {
    const sender = i * 20;
    const phase = sender % 5000;
    const stall = phase < 1000 ? 1000 - phase : 0; // packets sent in the first second of each 5 s wait for its end
    e.update(sender + stall, sender);
  }
  assert.ok(Math.abs(e.ratio - 1) < 0.002, `ratio ${e.ratio}`);
});

test('follows a change of rate (forgetting factor)', () => {
  const e = new ClockDriftEstimator();
  let sender = 0;
  let local = 0;
  for (let i = 0; i < 7500; i++) {
    const r = i < 2500 ? 1 : 1.005; // memory is about 1000 samples: give it a few memories
    local += 20;
    sender += 20 * r;
    e.update(local, sender);
  }
  assert.ok(Math.abs(e.ratio - 1.005) < 0.0003, `ratio ${e.ratio}`);
});

test('clamped to 1 ± maxDrift', () => {
  const e = new ClockDriftEstimator({ maxDrift: 0.02 });
  for (let i = 0; i < 1000; i++) e.update(i * 20, i * 20 * 1.5);
  assert.equal(e.ratio, 1.02);
});

test('a long run (one hour) stays finite and exact', () => {
  const e = new ClockDriftEstimator();
  for (let i = 0; i < 36_000; i++) e.update(i * 100, i * 100 * 0.9995 + 7);
  assert.ok(Number.isFinite(e.ratio));
  assert.ok(Math.abs(e.ratio - 0.9995) < 1e-6, `ratio ${e.ratio}`);
});

test('reset forgets the stream', () => {
  const e = new ClockDriftEstimator();
  for (let i = 0; i < 100; i++) e.update(i * 20, i * 20 * 1.01);
  e.reset();
  assert.equal(e.samples, 0);
  assert.equal(e.ratio, 1);
});

test('options are checked', () => {
  assert.throws(() => new ClockDriftEstimator({ forgetting: 0.5 }), (err: unknown) => err instanceof ConfigError && /forgetting/.test(err.message));
  assert.throws(() => new ClockDriftEstimator({ maxDrift: -1 }), (err: unknown) => err instanceof ConfigError && /maxDrift/.test(err.message));
});
