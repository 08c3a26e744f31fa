import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { StateError } from '../core/errors.js';
import { AmrWbEncoder, LIBVO_AMRWBENC, probeVoAmrWbEnc, VO_AMRWB_OUT_BUFFER } from './vo-amrwbenc.js';

function requireLib(t: TestContext): boolean {
  const a = probeVoAmrWbEnc();
  if (a.available) return true;
  const msg = `SKIP: ${a.reason}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** Storage-format sizes (header included) of the AMR-WB modes (TS 26.201: 132 … 477 bits). */
const WB_STORAGE_BYTES = [18, 24, 33, 37, 41, 47, 51, 59, 61];

function tone(n: number): Int16Array {
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(6000 * Math.sin(i * 0.07) + 2500 * Math.sin(i * 0.31));
  return x;
}

test('LIBVO_AMRWBENC names Debian 12\'s runtime package', () => {
  assert.equal(LIBVO_AMRWBENC.debianPackage, 'libvo-amrwbenc0');
  assert.equal(LIBVO_AMRWBENC.sonames[0], 'libvo-amrwbenc.so.0');
});

test('vo-amrwbenc: storage-format frame per mode, header 0 FT Q 00, sizes of TS 26.201', (t) => {
  if (!requireLib(t)) return;
  const enc = new AmrWbEncoder({ dtx: false });
  const out = new Uint8Array(VO_AMRWB_OUT_BUFFER);
  const pcm = tone(320);
  for (let mode = 0; mode <= 8; mode++) {
    const n = enc.encode(mode, pcm, out);
    assert.equal(n, WB_STORAGE_BYTES[mode], `mode ${mode}: ${WB_STORAGE_BYTES[mode]} octets`);
    assert.equal(out[0], (mode << 3) | 0x04, `mode ${mode}: header octet`);
  }
  assert.throws(() => enc.encode(9, pcm, out), RangeError);
  assert.throws(() => enc.encode(8, new Int16Array(160), out), RangeError);
  assert.throws(() => enc.encode(8, pcm, new Uint8Array(61)), RangeError);
  enc.destroy();
});

test('vo-amrwbenc DTX: silence gives SID (FT 9, 6 octets) and NO_DATA (FT 15) frames; DTX can be switched per call', (t) => {
  if (!requireLib(t)) return;
  const enc = new AmrWbEncoder({ dtx: true });
  const out = new Uint8Array(VO_AMRWB_OUT_BUFFER);
  const speech = tone(320);
  for (let k = 0; k < 10; k++) enc.encode(8, speech, out);
  const seen = new Set<number>();
  const silence = new Int16Array(320);
  for (let k = 0; k < 30; k++) {
    const n = enc.encode(8, silence, out);
    const ft = (out[0]! >> 3) & 15;
    seen.add(ft);
    if (ft === 9) assert.equal(n, 6, 'SID: header + 5 octets (40 bits)');
  }
  assert.ok(seen.has(9) && seen.has(15), `SID and NO_DATA in the pause, saw FT ${[...seen].join(',')}`);
  enc.dtx = false;
  for (let k = 0; k < 5; k++) {
    enc.encode(8, silence, out);
    assert.equal((out[0]! >> 3) & 15, 8, 'DTX off: every frame is speech');
  }
  enc.destroy();
});

test('vo-amrwbenc wrapper: destroy idempotent, StateError after, states counted', (t) => {
  if (!requireLib(t)) return;
  const n0 = AmrWbEncoder.liveCount;
  const enc = new AmrWbEncoder({ dtx: false });
  assert.equal(AmrWbEncoder.liveCount, n0 + 1);
  enc.destroy();
  enc.destroy();
  assert.equal(AmrWbEncoder.liveCount, n0);
  assert.throws(() => enc.encode(8, new Int16Array(320), new Uint8Array(64)), StateError);
});
