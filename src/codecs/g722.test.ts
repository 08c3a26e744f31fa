/**
 * G.722 against the ITU-T G.191 STL vectors (shared/vectors/codecs/g722_stl, PROVENANCE.md):
 * encode inpsp.bin → codspw.cod (one code per 16-bit LE word) and codsp.cod (packed two per
 * word); decode codspw.cod in modes 1, 2, 3 → outsp1/2/3.bin. Every sample must match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { sharedFile } from '../test-support/shared.js';
import { G722DecoderState, G722EncoderState, g722Decode, g722Encode, unpackStlCodes, type G722Mode } from './g722.js';

function vector(t: TestContext, name: string): Buffer | undefined {
  const p = sharedFile(t, 'vectors', 'codecs', 'g722_stl', name);
  return p ? readFileSync(p) : undefined;
}

function words(b: Buffer): Int16Array {
  const out = new Int16Array(b.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
}

/** First index where two arrays differ, or -1 (length mismatch counts at the shorter length). */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length}, expected ${expected.length}`);
  const i = firstDiff(actual, expected);
  assert.equal(i, -1, `${what}: first difference at index ${i}: got ${actual[i]}, expected ${expected[i]}`);
}

test('G.722 encoder reproduces the STL codes (codspw.cod, one code per word)', (t) => {
  const inp = vector(t, 'inpsp.bin');
  const cod = vector(t, 'codspw.cod');
  if (!inp || !cod) return;
  const pcm = words(inp);
  const expected = Uint8Array.from(words(cod), (w) => {
    assert.ok(w >= 0 && w <= 255, `codspw.cod word ${w} is not a code`);
    return w;
  });
  assertSame(g722Encode(pcm), expected, 'codes');
});

test('G.722 encoder reproduces the packed STL codes (codsp.cod)', (t) => {
  const inp = vector(t, 'inpsp.bin');
  const cod = vector(t, 'codsp.cod');
  if (!inp || !cod) return;
  assertSame(g722Encode(words(inp)), unpackStlCodes(new Uint8Array(cod.buffer, cod.byteOffset, cod.length)), 'packed codes');
});

for (const mode of [1, 2, 3] as const) {
  test(`G.722 decoder mode ${mode} (${[64, 56, 48][mode - 1]} kbit/s) reproduces outsp${mode}.bin`, (t) => {
    const cod = vector(t, 'codspw.cod');
    const out = vector(t, `outsp${mode}.bin`);
    if (!cod || !out) return;
    const codes = Uint8Array.from(words(cod));
    assertSame(g722Decode(codes, mode), words(out), `mode ${mode} output`);
  });
}

test('G.722 state carries across calls: encoding/decoding in 20 ms chunks equals one call', (t) => {
  const inp = vector(t, 'inpsp.bin');
  if (!inp) return;
  const pcm = words(inp).subarray(0, 16000 * 2);
  const whole = g722Encode(pcm);
  const enc = new G722EncoderState();
  const chunked = new Uint8Array(whole.length);
  const buf = new Uint8Array(160);
  for (let o = 0; o < pcm.length; o += 320) {
    const codes = enc.encode(pcm.subarray(o, Math.min(pcm.length, o + 320)), buf);
    chunked.set(codes, o / 2);
  }
  assertSame(chunked, whole, 'chunked codes');
  const dec = new G722DecoderState();
  const out = new Int16Array(pcm.length);
  const pbuf = new Int16Array(320);
  for (let o = 0; o < whole.length; o += 160) out.set(dec.decode(whole.subarray(o, o + 160), pbuf), 2 * o);
  assertSame(out, g722Decode(whole), 'chunked decode');
  // reset() returns to the initial state.
  enc.reset();
  assertSame(enc.encode(pcm.subarray(0, 320)), whole.subarray(0, 160), 'after reset');
});

test('G.722 mode switch: decoding in mode 2 after setMode equals a mode-2 decoder', (t) => {
  const cod = vector(t, 'codspw.cod');
  if (!cod) return;
  const codes = Uint8Array.from(words(cod)).subarray(0, 4000);
  const d = new G722DecoderState(1);
  d.setMode(2);
  assertSame(d.decode(codes), g722Decode(codes, 2), 'mode 2');
  assert.throws(() => d.setMode(4 as G722Mode), /mode must be 1/);
  assert.throws(() => new G722EncoderState().encode(new Int16Array(3)), /odd/);
});

test('G.722 round trip of a 1 kHz tone: SNR > 25 dB after the codec delay', () => {
  const n = 16000;
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / 16000));
  const y = g722Decode(g722Encode(x));
  // The QMF pair delays by 22 samples (two 24-tap filters, 23 samples minus one for the pair).
  let best = -Infinity;
  let bestLag = 0;
  for (let lag = 0; lag < 40; lag++) {
    let s = 0;
    let e = 0;
    for (let i = 2000; i < n - 100; i++) {
      s += x[i]! * x[i]!;
      e += (x[i]! - y[i + lag]!) ** 2;
    }
    const snr = 10 * Math.log10(s / e);
    if (snr > best) {
      best = snr;
      bestLag = lag;
    }
  }
  console.log(`  G.722 1 kHz tone: SNR ${best.toFixed(1)} dB at lag ${bestLag} samples`);
  assert.ok(best > 25, `SNR ${best.toFixed(1)} dB`);
});

test('G.722 survives full-scale input and garbage codes without leaving 16 bits', () => {
  const x = new Int16Array(8000);
  for (let i = 0; i < x.length; i++) x[i] = i & 1 ? 32767 : -32768;
  const codes = g722Encode(x);
  const y = g722Decode(codes);
  assert.ok(y.every((v) => v >= -32768 && v <= 32767), 'decoded samples stay in 16-bit range');
  const garbage = new Uint8Array(4000);
  let seed = 1;
  for (let i = 0; i < garbage.length; i++) garbage[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  for (const mode of [1, 2, 3] as const) assert.equal(g722Decode(garbage, mode).length, 8000, `mode ${mode} decodes garbage`);
});
