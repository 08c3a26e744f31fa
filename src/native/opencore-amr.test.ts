import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { StateError } from '../core/errors.js';
import type { Availability } from './loader.js';
import {
  AMR_FRAME_BUFFER,
  AmrNbDecoder,
  AmrNbEncoder,
  AmrWbDecoder,
  LIBOPENCORE_AMRNB,
  LIBOPENCORE_AMRWB,
  opencoreLiveStates,
  probeOpencoreAmrNb,
  probeOpencoreAmrWb,
} from './opencore-amr.js';
import { AmrWbEncoder, probeVoAmrWbEnc } from './vo-amrwbenc.js';

function requireLibs(t: TestContext, ...probes: Availability[]): boolean {
  const missing = probes.flatMap((a) => (a.available ? [] : [a.reason]));
  if (missing.length === 0) return true;
  const msg = `SKIP: ${missing.join('; ')}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** A voiced, speech-like signal at `rate`: 140 Hz pulses through two resonances, syllable envelope. */
function voiced(n: number, rate: number): Int16Array {
  const x = new Int16Array(n);
  const period = Math.round(rate / 140);
  const r1 = 2 * 0.95 * Math.cos((2 * Math.PI * 500) / rate);
  const r2 = 2 * 0.9 * Math.cos((2 * Math.PI * 1500) / rate);
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < n; i++) {
    const a = (i % period === 0 ? 3000 : 0) + r1 * y1 - 0.9025 * y2;
    y2 = y1;
    y1 = a;
    const b = a + r2 * z1 - 0.81 * z2;
    z2 = z1;
    z1 = b;
    const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (rate / 2));
    x[i] = Math.max(-32768, Math.min(32767, Math.round(b * 0.5 * env)));
  }
  return x;
}

function bestNcc(a: Int16Array, b: Int16Array, maxLag: number): number {
  let best = -1;
  for (let lag = 0; lag <= maxLag; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i + lag < b.length && i < a.length; i++) {
      xy += a[i]! * b[i + lag]!;
      xx += a[i]! * a[i]!;
      yy += b[i + lag]! * b[i + lag]!;
    }
    best = Math.max(best, xy / Math.sqrt(xx * yy || 1));
  }
  return best;
}

/** Storage-format sizes (header octet included) of each AMR-NB mode. */
const NB_STORAGE_BYTES = [13, 14, 16, 18, 20, 21, 27, 32];

test('library specs name Debian 12\'s runtime packages', () => {
  assert.equal(LIBOPENCORE_AMRNB.debianPackage, 'libopencore-amrnb0');
  assert.equal(LIBOPENCORE_AMRWB.debianPackage, 'libopencore-amrwb0');
});

test('AMR-NB encoder: storage-format frames, header 0 FT Q 00 with Q = 1, size per mode', (t) => {
  if (!requireLibs(t, probeOpencoreAmrNb())) return;
  const enc = new AmrNbEncoder({ dtx: false });
  const pcm = voiced(160, 8000);
  const out = new Uint8Array(AMR_FRAME_BUFFER);
  for (let mode = 0; mode < 8; mode++) {
    const n = enc.encode(mode, pcm, out);
    assert.equal(n, NB_STORAGE_BYTES[mode], `mode ${mode}: ${NB_STORAGE_BYTES[mode]} octets with the header`);
    assert.equal(out[0], (mode << 3) | 0x04, `mode ${mode}: header octet`);
  }
  assert.throws(() => enc.encode(8, pcm, out), RangeError);
  assert.throws(() => enc.encode(7, new Int16Array(159), out), RangeError);
  assert.throws(() => enc.encode(7, pcm, new Uint8Array(32)), RangeError, 'the output buffer must have room for any frame');
  enc.destroy();
});

test('AMR-NB DTX: a pause becomes SID (FT 8, 6 octets) and NO_DATA (FT 15, 1 octet) frames', (t) => {
  if (!requireLibs(t, probeOpencoreAmrNb())) return;
  const enc = new AmrNbEncoder({ dtx: true });
  const out = new Uint8Array(AMR_FRAME_BUFFER);
  const speech = voiced(1600, 8000);
  for (let i = 0; i < speech.length; i += 160) enc.encode(7, speech.subarray(i, i + 160), out);
  const seen = new Map<number, number>();
  const silence = new Int16Array(160);
  for (let k = 0; k < 40; k++) {
    const n = enc.encode(7, silence, out);
    const ft = (out[0]! >> 3) & 15;
    seen.set(ft, (seen.get(ft) ?? 0) + 1);
    if (ft === 8) assert.equal(n, 6, 'SID frame: header + 5 octets (39 bits)');
    if (ft === 15) assert.equal(n, 1, 'NO_DATA: the header alone');
  }
  assert.ok((seen.get(8) ?? 0) > 0 && (seen.get(15) ?? 0) > 0, `SID and NO_DATA frames in the pause: ${JSON.stringify([...seen])}`);
  enc.destroy();
});

test('AMR-NB decode follows the input; bfi conceals with audio after speech', (t) => {
  if (!requireLibs(t, probeOpencoreAmrNb())) return;
  const enc = new AmrNbEncoder({ dtx: false });
  const dec = new AmrNbDecoder();
  const input = voiced(8000, 8000);
  const out = new Int16Array(input.length);
  const frame = new Uint8Array(AMR_FRAME_BUFFER);
  for (let i = 0; i < input.length; i += 160) {
    frame.fill(0);
    enc.encode(7, input.subarray(i, i + 160), frame);
    dec.decode(frame, out.subarray(i, i + 160), false);
  }
  const c = bestNcc(input.subarray(0, 7000), out, 80);
  assert.ok(c > 0.8, `12.2 kbit/s decode correlates with the input (ncc ${c.toFixed(3)})`);
  const lost = new Int16Array(160);
  dec.decode(frame, lost, true);
  assert.ok(lost.some((v) => v !== 0), 'a bad frame after speech is concealed with audio');
  assert.throws(() => dec.decode(new Uint8Array(32), lost, false), RangeError, 'a frame buffer shorter than the largest frame is refused');
  enc.destroy();
  dec.destroy();
});

test('AMR-WB decode (opencore) of vo-amrwbenc frames follows the input; bfi conceals', (t) => {
  if (!requireLibs(t, probeOpencoreAmrWb(), probeVoAmrWbEnc())) return;
  const enc = new AmrWbEncoder({ dtx: false });
  const dec = new AmrWbDecoder();
  const input = voiced(16000, 16000);
  const out = new Int16Array(input.length);
  const frame = new Uint8Array(AMR_FRAME_BUFFER);
  for (let i = 0; i < input.length; i += 320) {
    frame.fill(0);
    enc.encode(8, input.subarray(i, i + 320), frame);
    dec.decode(frame, out.subarray(i, i + 320), false);
  }
  const c = bestNcc(input.subarray(0, 14000), out, 160);
  assert.ok(c > 0.8, `23.85 kbit/s decode correlates with the input (ncc ${c.toFixed(3)})`);
  const lost = new Int16Array(320);
  dec.decode(frame, lost, true);
  assert.ok(lost.some((v) => v !== 0), 'a bad frame after speech is concealed with audio');
  assert.throws(() => dec.decode(frame, new Int16Array(160), false), RangeError);
  enc.destroy();
  dec.destroy();
});

test('opencore wrappers: destroy idempotent, StateError after, live states counted', (t) => {
  if (!requireLibs(t, probeOpencoreAmrNb(), probeOpencoreAmrWb())) return;
  const before = opencoreLiveStates();
  const e = new AmrNbEncoder({ dtx: false });
  const d = new AmrNbDecoder();
  const w = new AmrWbDecoder();
  assert.deepEqual(opencoreLiveStates(), { nbEnc: before.nbEnc + 1, nbDec: before.nbDec + 1, wbDec: before.wbDec + 1 });
  for (const x of [e, d, w]) {
    x.destroy();
    x.destroy();
    assert.equal(x.destroyed, true);
  }
  assert.deepEqual(opencoreLiveStates(), before);
  assert.throws(() => e.encode(7, new Int16Array(160), new Uint8Array(64)), StateError);
  assert.throws(() => d.decode(new Uint8Array(64), new Int16Array(160), false), StateError);
  assert.throws(() => w.decode(new Uint8Array(64), new Int16Array(320), false), StateError);
});

test('AMR-NB encoder leaves the caller\'s samples alone (opencore filters its input buffer in place)', (t) => {
  if (!requireLibs(t, probeOpencoreAmrNb())) return;
  const enc = new AmrNbEncoder({ dtx: false });
  const pcm = voiced(160, 8000);
  const copy = pcm.slice();
  enc.encode(7, pcm, new Uint8Array(AMR_FRAME_BUFFER));
  assert.deepEqual(pcm, copy, 'input unchanged');
  enc.destroy();
});
