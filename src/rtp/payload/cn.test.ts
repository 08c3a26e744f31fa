import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CN_MAX_ORDER, dequantizeReflection, levelToRms, parseCnPayload, quantizeReflection, rmsToLevel, writeCnPayload,
} from './cn.js';

test('CN level: 0 dBov is a full-scale square wave (RMS 32767); levels round to whole dB and clamp to 0 … 127', () => {
  assert.equal(rmsToLevel(32767), 0);
  assert.equal(rmsToLevel(40000), 0, 'above full scale clamps to 0');
  assert.equal(rmsToLevel(32767 / 10), 20);
  assert.equal(rmsToLevel(0), 127, 'digital silence');
  assert.equal(rmsToLevel(1e-9), 127);
  for (let l = 0; l <= 127; l++) assert.equal(rmsToLevel(levelToRms(l)), l, `level ${l} round trip`);
  assert.ok(Math.abs(levelToRms(40) - 327.67) < 0.01, 'level 40 ↔ RMS 327.67');
});

test('CN reflection coefficients: N = round(128 k) + 127 in 0 … 254, k = (N − 127) / 128', () => {
  assert.equal(quantizeReflection(0), 127);
  assert.equal(quantizeReflection(-1), 0, '−1 clamps to 0 (k = −127/128)');
  assert.equal(quantizeReflection(0.999), 254);
  assert.equal(quantizeReflection(0.5), 191);
  assert.equal(dequantizeReflection(191), 0.5);
  assert.equal(dequantizeReflection(0), -127 / 128);
  assert.equal(dequantizeReflection(255), 127 / 128, '255 is never sent; reads as the largest');
  for (let n = 0; n <= 254; n++) assert.equal(quantizeReflection(dequantizeReflection(n)), n, `octet ${n} round trip`);
});

test('CN payload: level octet then coefficients; parse undoes write; MSB of the level ignored', () => {
  const p = writeCnPayload(52.4, [-0.8, 0.25, 0]);
  assert.deepEqual([...p], [52, quantizeReflection(-0.8), 159, 127]);
  const r = parseCnPayload(p);
  assert.ok(r, 'parsed');
  assert.equal(r.level, 52);
  assert.deepEqual([...r.reflection], [-102 / 128, 0.25, 0]);
  assert.equal(parseCnPayload(new Uint8Array([0x80 | 30]))?.level, 30, 'reserved MSB ignored');
  assert.equal(parseCnPayload(new Uint8Array([30]))?.reflection.length, 0, 'level-only SID');
  assert.equal(parseCnPayload(new Uint8Array(0)), undefined, 'empty payload');
  assert.equal(parseCnPayload(new Uint8Array(100))?.reflection.length, CN_MAX_ORDER, 'order capped');
  assert.deepEqual([...writeCnPayload(-3)], [0], 'level clamps to 0');
  assert.deepEqual([...writeCnPayload(200)], [127], 'level clamps to 127');
  assert.deepEqual([...writeCnPayload(Number.NaN)], [127], 'NaN level is silence');
  const buf = new Uint8Array(8);
  assert.equal(writeCnPayload(10, [0.1], buf).length, 2, 'writes into a larger buffer, returns the view');
  assert.throws(() => writeCnPayload(10, [0.1, 0.2], new Uint8Array(2)), RangeError);
});
