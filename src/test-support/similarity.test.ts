import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speechSimilarity, toMono8k } from './similarity.js';
import { Random } from '../core/random.js';
import { decodeUlaw, encodeUlaw } from '../codecs/g711.js';

function speechLike(n: number, seed: number): Int16Array {
  // Bursts of harmonic "voiced" sound with pauses, like speech at a coarse level.
  const r = new Random(seed);
  const out = new Int16Array(n);
  let f0 = 120;
  for (let i = 0; i < n; i++) {
    const seg = Math.floor(i / 2400) % 3;
    if (i % 2400 === 0) f0 = 90 + r.nextInt(120);
    if (seg === 2) continue;
    let s = 0;
    for (let h = 1; h < 12; h++) s += Math.sin((2 * Math.PI * f0 * h * i) / 8000) / h;
    out[i] = Math.round(4000 * s * Math.sin((Math.PI * (i % 2400)) / 2400));
  }
  return out;
}

test('identical, delayed and G.711-coded speech score ≈ 1; unrelated signals score low', () => {
  const ref = speechLike(8000 * 4, 1);
  const refF = toMono8k(ref, 8000, 1);
  assert.ok(speechSimilarity(refF, refF).score > 0.999);
  const delayed = new Int16Array(ref.length + 1234);
  delayed.set(ref, 1234);
  const d = speechSimilarity(refF, toMono8k(delayed, 8000, 1));
  assert.equal(d.lag, 1234);
  assert.ok(d.score > 0.999);
  const coded = decodeUlaw(encodeUlaw(ref));
  assert.ok(speechSimilarity(refF, toMono8k(coded, 8000, 1)).score > 0.99);
  const other = toMono8k(speechLike(8000 * 4, 99), 8000, 1);
  const noise = new Random(3);
  const n = Float64Array.from({ length: 8000 * 4 }, () => noise.gaussian() * 3000);
  assert.ok(speechSimilarity(refF, n).score < 0.2);
  assert.ok(speechSimilarity(refF, other).score < 0.8);
});

test('a 16 kHz stereo copy of an 8 kHz signal still scores ≈ 1 after toMono8k', () => {
  const ref = speechLike(8000 * 3, 5);
  const up = new Int16Array(ref.length * 4); // 16 kHz stereo, linear interpolation
  for (let i = 0; i < ref.length * 2; i++) {
    const x = i / 2;
    const a = ref[Math.floor(x)]!;
    const b = ref[Math.min(ref.length - 1, Math.floor(x) + 1)]!;
    const v = Math.round(a + (b - a) * (x - Math.floor(x)));
    up[2 * i] = v;
    up[2 * i + 1] = v;
  }
  const s = speechSimilarity(toMono8k(ref, 8000, 1), toMono8k(up, 16000, 2));
  assert.ok(s.score > 0.95, `score ${s.score}`);
  assert.ok(Math.abs(s.lag) <= 2);
});
