import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedFile } from '../../test-support/shared.js';
import { speechSimilarity } from '../../test-support/similarity.js';
import { MODE20, MODE30, newParams, packFrame, unpackFrame } from './bitstream.js';
import { IlbcDecoderState } from './decoder.js';
import { IlbcEncoderState } from './encoder.js';
import { a2lsf, biquad, lsf2a } from './lpc.js';
import { wavPcm } from './test-wav.js';
import { HPI_POLE, HPI_ZERO, HPO_POLE, HPO_ZERO, LSF_MEAN } from './tables.js';

test('bitstream: pack/unpack round trip in both modes; bit counts 303/399 + empty-frame bit', () => {
  for (const cfg of [MODE20, MODE30]) {
    const p = newParams(cfg);
    let seed = 1;
    const rnd = (bits: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) & ((1 << bits) - 1);
    };
    p.lsf.forEach((_, i) => (p.lsf[i] = rnd(i % 3 === 0 ? 6 : 7)));
    p.start = rnd(cfg.mode === 20 ? 2 : 3);
    p.stateFirst = rnd(1);
    p.idxForMax = rnd(6);
    p.idxVec.forEach((_, i) => (p.idxVec[i] = rnd(3)));
    p.extraCbIndex.forEach((_, i) => (p.extraCbIndex[i] = rnd(7)));
    p.extraGainIndex.forEach((_, i) => (p.extraGainIndex[i] = rnd(5 - i)));
    p.cbIndex.forEach((_, i) => (p.cbIndex[i] = rnd(i < 3 && i > 0 ? 7 : 8)));
    p.gainIndex.forEach((_, i) => (p.gainIndex[i] = rnd(5 - (i % 3))));
    const buf = new Uint8Array(cfg.bytes);
    packFrame(cfg, p, buf, 0);
    assert.equal(buf[cfg.bytes - 1]! & 1, 0, 'empty-frame bit clear');
    const q = newParams(cfg);
    assert.ok(unpackFrame(cfg, buf, 0, q), `mode ${cfg.mode}: frame not empty`);
    assert.deepEqual(q, p, `mode ${cfg.mode}: parameters survive`);
    buf[cfg.bytes - 1]! |= 1;
    assert.ok(!unpackFrame(cfg, buf, 0, q), 'empty-frame bit set → treated as lost');
  }
});

test('LSF ↔ LPC round trip', () => {
  const a = new Float64Array(11);
  lsf2a(a, LSF_MEAN);
  const l = new Float64Array(10);
  assert.ok(a2lsf(l, a), 'roots found');
  for (let k = 0; k < 10; k++) assert.ok(Math.abs(l[k]! - LSF_MEAN[k]!) < 1e-6, `lsf ${k}: ${l[k]} vs ${LSF_MEAN[k]}`);
});

test('encode → decode speech in both modes: similarity close to the input high-pass ceiling', (t) => {
  const path = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!path) return;
  const pcm = wavPcm(path).subarray(0, 8000 * 4);
  const ref = Float64Array.from(pcm);
  // The codec's own input and output high-pass filters (§3.1, §4.8) bound what any iLBC reaches
  // on this file (it has strong low-frequency content): the "reference decode" is the input
  // through those two filters.
  const hp = Float64Array.from(pcm);
  biquad(hp, hp.length, HPI_ZERO, HPI_POLE, new Float64Array(4));
  biquad(hp, hp.length, HPO_ZERO, HPO_POLE, new Float64Array(4));
  const ceiling = speechSimilarity(ref, hp).score;
  for (const mode of [20, 30] as const) {
    const enc = new IlbcEncoderState(mode);
    const dec = new IlbcDecoderState(mode);
    const n = enc.samplesPerFrame;
    const frames = Math.floor(pcm.length / n);
    const out = new Int16Array(frames * n);
    const bits = new Uint8Array(enc.cfg.bytes);
    for (let f = 0; f < frames; f++) {
      enc.encode(pcm, f * n, bits, 0);
      assert.ok(dec.decode(bits, 0, out, f * n), `frame ${f} decodes`);
    }
    const ours = speechSimilarity(ref, Float64Array.from(out)).score;
    const vsHp = speechSimilarity(hp, Float64Array.from(out)).score;
    console.log(`iLBC ${mode} ms: similarity to input ${ours.toFixed(3)} (high-pass ceiling ${ceiling.toFixed(3)}), to the high-passed input ${vsHp.toFixed(3)}`);
    assert.ok(ours >= 0.95 * ceiling, `mode ${mode}: similarity ${ours} below 95 % of the ceiling ${ceiling}`);
    assert.ok(vsHp >= 0.9, `mode ${mode}: similarity to the high-passed input ${vsHp} < 0.9`);
  }
});

test('decoder: garbage never throws; losses are concealed with non-zero audio that fades', () => {
  for (const mode of [20, 30] as const) {
    const enc = new IlbcEncoderState(mode);
    const dec = new IlbcDecoderState(mode);
    const n = dec.samplesPerFrame;
    const pcm = new Int16Array(n * 10).map((_, i) => Math.round(8000 * Math.sin(i * 0.2) + 3000 * Math.sin(i * 0.05)));
    const bits = new Uint8Array(enc.cfg.bytes);
    const out = new Int16Array(n);
    for (let f = 0; f < 10; f++) {
      enc.encode(pcm, f * n, bits, 0);
      dec.decode(bits, 0, out, 0);
    }
    const energy = (x: Int16Array): number => x.reduce((s, v) => s + v * v, 0);
    dec.conceal(out, 0);
    const e1 = energy(out);
    assert.ok(e1 > 0, `mode ${mode}: first concealed frame is not silent`);
    for (let k = 0; k < 8; k++) dec.conceal(out, 0);
    assert.ok(energy(out) < e1, `mode ${mode}: concealment fades over consecutive losses`);
    let seed = 5;
    for (let k = 0; k < 200; k++) {
      for (let i = 0; i < bits.length; i++) {
        seed = (seed * 69069 + 1) >>> 0;
        bits[i] = seed >>> 24;
      }
      assert.doesNotThrow(() => dec.decode(bits, 0, out, 0));
      for (const v of out) assert.ok(Number.isFinite(v), 'finite output');
    }
  }
});
