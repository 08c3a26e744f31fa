import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, cryptoRandomSeed, cryptoRandomU32 } from './random.js';

// Reference outputs computed with Vigna's C reference code for xoshiro128** 1.1 and splitmix64
// (state {1,2,3,4}; seed 42 → state = low/high words of the first two splitmix64 outputs).
test('xoshiro128** matches the reference implementation from a given state', () => {
  const r = Random.fromState([1, 2, 3, 4]);
  const got = Array.from({ length: 6 }, () => r.nextU32());
  assert.deepEqual(got, [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

test('seeding via splitmix64 matches the reference', () => {
  const r = new Random(42);
  const got = Array.from({ length: 6 }, () => r.nextU32());
  assert.deepEqual(got, [1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222]);
});

test('same seed gives the same sequence; neighbouring seeds differ', () => {
  const a = new Random(7);
  const b = new Random(7);
  const c = new Random(8);
  const sa = Array.from({ length: 100 }, () => a.nextU32());
  const sb = Array.from({ length: 100 }, () => b.nextU32());
  const sc = Array.from({ length: 100 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  // negative and large seeds are accepted
  assert.equal(typeof new Random(-1).nextU32(), 'number');
  assert.equal(typeof new Random(Number.MAX_SAFE_INTEGER).nextU32(), 'number');
});

test('getState / fromState resumes the sequence', () => {
  const a = new Random(3);
  a.nextU32();
  const b = Random.fromState(a.getState());
  for (let i = 0; i < 10; i++) assert.equal(a.nextU32(), b.nextU32());
});

test('invalid seeds, states and bounds throw RangeError', () => {
  assert.throws(() => new Random(1.5), RangeError);
  assert.throws(() => new Random(Number.NaN), RangeError);
  assert.throws(() => Random.fromState([0, 0, 0, 0]), RangeError);
  assert.throws(() => Random.fromState([2 ** 32, 0, 0, 1]), RangeError);
  const r = new Random(1);
  assert.throws(() => r.nextInt(0), RangeError);
  assert.throws(() => r.nextInt(2.5), RangeError);
  assert.throws(() => r.nextInt(2 ** 32 + 1), RangeError);
});

test('nextU32 and nextFloat stay in range; nextFloat mean ≈ 0.5', () => {
  const r = new Random(11);
  let sum = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const u = r.nextU32();
    assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
    const f = r.nextFloat();
    assert.ok(f >= 0 && f < 1);
    sum += f;
  }
  // sd of the mean = sqrt(1/12 / n) ≈ 0.0009; 0.005 is > 5 sigma
  assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
});

test('nextInt is in range and uniform (chi-square)', () => {
  const r = new Random(5);
  const k = 10;
  const n = 100_000;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const v = r.nextInt(k);
    assert.ok(Number.isInteger(v) && v >= 0 && v < k);
    counts[v]++;
  }
  const expected = n / k;
  const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
  // 9 degrees of freedom: P(chi2 > 27.9) = 0.001
  assert.ok(chi2 < 27.9, `chi2 ${chi2} counts ${counts.join(',')}`);
  assert.equal(r.nextInt(1), 0);
  const big = r.nextInt(2 ** 32);
  assert.ok(big >= 0 && big < 2 ** 32);
});

test('gaussian has the requested mean and standard deviation', () => {
  const r = new Random(9);
  const n = 100_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const g = r.gaussian(10, 2);
    sum += g;
    sumSq += g * g;
  }
  const mean = sum / n;
  const sd = Math.sqrt(sumSq / n - mean * mean);
  assert.ok(Math.abs(mean - 10) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(sd - 2) < 0.03, `sd ${sd}`);
});

test('split gives deterministic, independent children', () => {
  const a = new Random(1).split();
  const b = new Random(1).split();
  const parent = new Random(1);
  const child = parent.split();
  const seqA = Array.from({ length: 20 }, () => a.nextU32());
  assert.deepEqual(seqA, Array.from({ length: 20 }, () => b.nextU32()));
  assert.notDeepEqual(
    Array.from({ length: 20 }, () => child.nextU32()),
    Array.from({ length: 20 }, () => parent.nextU32()),
  );
});

test('cryptoRandomU32 and cryptoRandomSeed are in range and vary', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) {
    const u = cryptoRandomU32();
    assert.ok(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
    seen.add(u);
    const s = cryptoRandomSeed();
    assert.ok(Number.isSafeInteger(s) && s >= 0);
  }
  assert.ok(seen.size > 60, 'crypto values repeat far too often');
  assert.equal(typeof Random.fromCrypto().nextFloat(), 'number');
});
