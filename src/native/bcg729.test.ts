import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { StateError } from '../core/errors.js';
import { BCG729_FRAME_SAMPLES, Bcg729Decoder, Bcg729Encoder, LIBBCG729, probeBcg729 } from './bcg729.js';

/** Skips loudly when libbcg729 is missing (it is installed on CI: scripts/setup). */
function requireLib(t: TestContext): boolean {
  const a = probeBcg729();
  if (a.available) return true;
  const msg = `SKIP: ${a.reason}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** A voiced, speech-like 8 kHz signal: a 140 Hz pulse train through two resonances, with a syllable envelope. */
function voiced(n: number): Int16Array {
  const x = new Int16Array(n);
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < n; i++) {
    const e = i % 57 === 0 ? 6000 : 0;
    const a = e + 1.6 * y1 - 0.9 * y2; // resonance near 500 Hz
    y2 = y1;
    y1 = a;
    const b = a + 0.6 * z1 - 0.8 * z2; // and near 1.5 kHz
    z2 = z1;
    z1 = b;
    const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 4000);
    x[i] = Math.max(-32768, Math.min(32767, Math.round(b * 0.25 * env)));
  }
  return x;
}

function ncc(a: Int16Array, b: Int16Array, lag: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i + lag < b.length && i < a.length; i++) {
    xy += a[i]! * b[i + lag]!;
    xx += a[i]! * a[i]!;
    yy += b[i + lag]! * b[i + lag]!;
  }
  return xy / Math.sqrt(xx * yy || 1);
}

test('LIBBCG729 names Debian 12\'s runtime package and the 1.x soname', () => {
  assert.equal(LIBBCG729.debianPackage, 'libbcg729-0');
  assert.equal(LIBBCG729.sonames[0], 'libbcg729.so.0');
});

test('bcg729: 10 octets per 10 ms without VAD, decoded speech follows the input', (t) => {
  if (!requireLib(t)) return;
  const enc = new Bcg729Encoder({ vad: false });
  const dec = new Bcg729Decoder();
  const input = voiced(8000);
  const out = new Int16Array(input.length);
  const bits = new Uint8Array(10);
  for (let i = 0; i < input.length; i += BCG729_FRAME_SAMPLES) {
    const n = enc.encode(input.subarray(i, i + BCG729_FRAME_SAMPLES), bits);
    assert.equal(n, 10, `frame ${i / 80}: a G.729 speech frame is 10 octets`);
    dec.decode(bits, out.subarray(i, i + BCG729_FRAME_SAMPLES));
  }
  // G.729's algorithmic delay is 5 ms look-ahead + processing; search a few ms around it.
  let best = -1;
  for (let lag = 0; lag <= 120; lag++) best = Math.max(best, ncc(input.subarray(0, 7000), out, lag));
  assert.ok(best > 0.7, `decoded signal correlates with the input (best ncc ${best.toFixed(3)})`);
  enc.destroy();
  dec.destroy();
});

test('bcg729 with VAD (Annex B): silence becomes SID (2 octets) and untransmitted (0) frames; they decode to comfort noise', (t) => {
  if (!requireLib(t)) return;
  const enc = new Bcg729Encoder({ vad: true });
  const dec = new Bcg729Decoder();
  const speech = voiced(4000);
  const bits = new Uint8Array(10);
  const pcm = new Int16Array(80);
  const sizes = new Map<number, number>();
  for (let i = 0; i < speech.length; i += 80) enc.encode(speech.subarray(i, i + 80), bits);
  // Low-level noise: a pause with some room noise.
  let seed = 7;
  const noise = new Int16Array(80);
  for (let f = 0; f < 200; f++) {
    for (let i = 0; i < 80; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      noise[i] = ((seed >>> 16) % 61) - 30;
    }
    const n = enc.encode(noise, bits);
    sizes.set(n, (sizes.get(n) ?? 0) + 1);
    if (n === 0) dec.conceal(pcm);
    else dec.decode(bits.subarray(0, n), pcm);
  }
  assert.ok((sizes.get(2) ?? 0) > 0, `SID frames in a pause (sizes seen: ${JSON.stringify([...sizes])})`);
  assert.ok((sizes.get(0) ?? 0) > 100, `most pause frames are not transmitted (sizes seen: ${JSON.stringify([...sizes])})`);
  for (const k of sizes.keys()) assert.ok([0, 2, 10].includes(k), `frame sizes are 0, 2 or 10 octets, got ${k}`);
  enc.destroy();
  dec.destroy();
});

test('bcg729 concealment: an erased frame after speech is audio, not silence, and it fades over a long loss', (t) => {
  if (!requireLib(t)) return;
  const enc = new Bcg729Encoder({ vad: false });
  const dec = new Bcg729Decoder();
  const input = voiced(4000);
  const bits = new Uint8Array(10);
  const pcm = new Int16Array(80);
  for (let i = 0; i < 2000; i += 80) {
    enc.encode(input.subarray(i, i + 80), bits);
    dec.decode(bits, pcm);
  }
  const energy = (a: Int16Array): number => a.reduce((s, v) => s + v * v, 0);
  dec.conceal(pcm);
  const first = energy(pcm);
  assert.ok(first > 0, 'the first concealed frame is not silent');
  let last = first;
  for (let k = 0; k < 60; k++) {
    dec.conceal(pcm);
    last = energy(pcm);
  }
  assert.ok(last < first / 10, `concealment fades (${first} → ${last})`);
  enc.destroy();
  dec.destroy();
});

test('bcg729 wrappers: sizes checked, destroy idempotent, use after destroy is a StateError, states counted', (t) => {
  if (!requireLib(t)) return;
  const e0 = Bcg729Encoder.liveCount;
  const d0 = Bcg729Decoder.liveCount;
  const enc = new Bcg729Encoder({ vad: false });
  const dec = new Bcg729Decoder();
  assert.equal(Bcg729Encoder.liveCount, e0 + 1);
  assert.equal(Bcg729Decoder.liveCount, d0 + 1);
  assert.throws(() => enc.encode(new Int16Array(79), new Uint8Array(10)), RangeError);
  assert.throws(() => enc.encode(new Int16Array(80), new Uint8Array(9)), RangeError);
  assert.throws(() => dec.decode(new Uint8Array(3), new Int16Array(80)), RangeError, 'a 3-octet frame is refused before reaching C');
  assert.throws(() => dec.decode(new Uint8Array(10), new Int16Array(81)), RangeError);
  enc.destroy();
  enc.destroy();
  dec.destroy();
  dec.destroy();
  assert.equal(enc.destroyed, true);
  assert.equal(Bcg729Encoder.liveCount, e0);
  assert.equal(Bcg729Decoder.liveCount, d0);
  assert.throws(() => enc.encode(new Int16Array(80), new Uint8Array(10)), StateError);
  assert.throws(() => dec.conceal(new Int16Array(80)), StateError);
});
