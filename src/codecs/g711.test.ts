import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedFile } from '../test-support/shared.js';
import {
  alawDecodeReference,
  alawEncodeReference,
  alawToLinear,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawDecodeReference,
  ulawEncodeReference,
  ulawToLinear,
} from './g711.js';

/** A G.191 STL vector file: 16-bit little-endian words (PROVENANCE.md: LE despite the STL README). */
function readWords(t: import('node:test').TestContext, name: string): Int16Array | undefined {
  const p = sharedFile(t, 'vectors', 'codecs', 'g711_stl', name);
  if (!p) return undefined;
  const b = readFileSync(p);
  const out = new Int16Array(b.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
}

/** First index where two arrays differ, or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, input?: ArrayLike<number>): void {
  const i = firstDiff(actual, expected);
  assert.equal(
    i,
    -1,
    `${what}: first mismatch at index ${i}${input ? ` (input ${input[i]})` : ''}: got ${actual[i]}, want ${expected[i]} (lengths ${actual.length}/${expected.length})`,
  );
}

test('G.191 STL sweep: all 65 536 inputs encode to the STL codes, µ-law and A-law, bulk and single', (t) => {
  const src = readWords(t, 'sweep.src');
  const u = readWords(t, 'sweep-r.u');
  const a = readWords(t, 'sweep-r.a');
  if (!src || !u || !a) return;
  assert.equal(src.length, 65536);
  // The sweep covers every int16 once, from -32768 up: the STL works on the 16-bit
  // left-justified values directly (no pre-shift on our side).
  assert.equal(src[0], -32768);
  assert.equal(src[65535], 32767);
  assertSame(encodeUlaw(src), u, 'µ-law bulk encode', src);
  assertSame(encodeAlaw(src), a, 'A-law bulk encode', src);
  const su = new Int16Array(65536);
  const sa = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) {
    su[i] = linearToUlaw(src[i]!);
    sa[i] = linearToAlaw(src[i]!);
  }
  assertSame(su, u, 'µ-law linearToUlaw', src);
  assertSame(sa, a, 'A-law linearToAlaw', src);
});

test('G.191 STL sweep: decode of the STL codes (*.u-u, *.a-a) and encode+decode (*.reu, *.rea)', (t) => {
  const src = readWords(t, 'sweep.src');
  const u = readWords(t, 'sweep-r.u');
  const a = readWords(t, 'sweep-r.a');
  const uu = readWords(t, 'sweep-r.u-u');
  const aa = readWords(t, 'sweep-r.a-a');
  const reu = readWords(t, 'sweep-r.reu');
  const rea = readWords(t, 'sweep-r.rea');
  if (!src || !u || !a || !uu || !aa || !reu || !rea) return;
  const uBytes = Uint8Array.from(u);
  const aBytes = Uint8Array.from(a);
  // Decoder outputs are in 16-bit units already (µ-law ±32124 max, A-law ±32256 max).
  assertSame(decodeUlaw(uBytes), uu, 'µ-law bulk decode', u);
  assertSame(decodeAlaw(aBytes), aa, 'A-law bulk decode', a);
  assertSame(Int16Array.from(u, ulawToLinear), uu, 'µ-law ulawToLinear', u);
  assertSame(Int16Array.from(a, alawToLinear), aa, 'A-law alawToLinear', a);
  assertSame(decodeUlaw(encodeUlaw(src)), reu, 'µ-law encode+decode', src);
  assertSame(decodeAlaw(encodeAlaw(src)), rea, 'A-law encode+decode', src);
  // The sweep reaches every code of both laws (µ-law 0x7F, "negative zero", from -1 … -4), so
  // all 256 decodes of each law are pinned by the vectors.
  assert.equal(new Set(a).size, 256);
  assert.equal(new Set(u).size, 256);
});

test('tables agree with the computed reference for every input and code', () => {
  for (let x = -32768; x <= 32767; x++) {
    if (linearToUlaw(x) !== ulawEncodeReference(x)) assert.fail(`µ-law encode ${x}`);
    if (linearToAlaw(x) !== alawEncodeReference(x)) assert.fail(`A-law encode ${x}`);
  }
  for (let c = 0; c < 256; c++) {
    assert.equal(ulawToLinear(c), ulawDecodeReference(c), `µ-law decode ${c}`);
    assert.equal(alawToLinear(c), alawDecodeReference(c), `A-law decode ${c}`);
  }
});

test('known code points (G.711 Tables 1a/2a)', () => {
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(ulawToLinear(0xff), 0);
  assert.equal(ulawToLinear(0x7f), 0); // µ-law negative zero
  assert.equal(linearToUlaw(-1), 0x7f); // one's complement magnitude: -1 … -4 are "negative zero"
  assert.equal(linearToUlaw(32767), 0x80);
  assert.equal(linearToUlaw(-32768), 0x00);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(alawToLinear(0xd5), 8);
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
});

test('decode then encode gives the code back (except µ-law negative zero)', () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(linearToAlaw(alawToLinear(c)), c, `A-law code ${c}`);
    if (c !== 0x7f) assert.equal(linearToUlaw(ulawToLinear(c)), c, `µ-law code ${c}`);
  }
  assert.equal(linearToUlaw(ulawToLinear(0x7f)), 0xff);
});

test('single-sample functions saturate out-of-range input and use only the low 8 bits of a code', () => {
  assert.equal(linearToUlaw(100000), linearToUlaw(32767));
  assert.equal(linearToUlaw(-100000), linearToUlaw(-32768));
  assert.equal(linearToAlaw(40000), linearToAlaw(32767));
  assert.equal(linearToAlaw(-40000), linearToAlaw(-32768));
  assert.equal(linearToUlaw(Number.NaN), linearToUlaw(0));
  assert.equal(ulawToLinear(0x1ff), ulawToLinear(0xff));
  assert.equal(alawToLinear(0x1d5), alawToLinear(0xd5));
});

test('bulk functions write into a given buffer, and refuse a short one', () => {
  const src = Int16Array.of(0, 1000, -1000, 32767);
  const dst = new Uint8Array(8);
  assert.equal(encodeUlaw(src, dst), dst);
  assert.deepEqual([...dst.subarray(0, 4)], [...src].map(linearToUlaw));
  assert.deepEqual([...dst.subarray(4)], [0, 0, 0, 0]);
  assert.throws(() => encodeAlaw(src, new Uint8Array(3)), RangeError);
  assert.throws(() => decodeUlaw(new Uint8Array(4), new Int16Array(2)), /destination holds 2 samples, source has 4/);
  assert.throws(() => decodeAlaw(new Uint8Array(4), new Int16Array(2)), RangeError);
  // Views work (frames are subarrays of larger buffers).
  const big = new Int16Array(10).fill(5000);
  const out = encodeAlaw(big.subarray(2, 6));
  assert.equal(out.length, 4);
  assert.ok(out.every((c) => c === linearToAlaw(5000)));
});
