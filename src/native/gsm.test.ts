/**
 * libgsm binding: frame-level encode/decode, bit-exactness with toast/untoast (libgsm-tools) on
 * the reference speech, refusal of frames without the 0xD signature, length checks before C sees
 * a pointer, and the native state's lifetime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { StateError } from '../core/errors.js';
import { readWavFile } from '../files/wav-reader.js';
import { sharedFile } from '../test-support/shared.js';
import { GSM_FRAME_BYTES, GSM_FRAME_PARAMETERS, GSM_FRAME_SAMPLES, GsmCodec, LIBGSM, probeGsm } from './gsm.js';

function requireLibgsm(t: TestContext): boolean {
  const a = probeGsm();
  if (a.available) return true;
  const msg = `SKIP: ${a.reason}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** toast/untoast are on PATH (libgsm-tools), else skip loudly. */
function requireToast(t: TestContext): boolean {
  try {
    execFileSync('toast', ['-v'], { stdio: 'pipe' });
    execFileSync('untoast', ['-v'], { stdio: 'pipe' });
    return true;
  } catch {
    const msg = 'SKIP: toast/untoast missing on PATH (Debian package libgsm-tools; scripts/setup installs it)';
    console.error(msg);
    t.skip(msg);
    return false;
  }
}

/** Encodes `pcm` frame by frame, the last frame completed with zeros as toast does. */
function encodeAll(pcm: Int16Array): Uint8Array {
  const c = new GsmCodec();
  const frames = Math.ceil(pcm.length / GSM_FRAME_SAMPLES);
  const out = new Uint8Array(frames * GSM_FRAME_BYTES);
  const buf = new Int16Array(GSM_FRAME_SAMPLES);
  for (let k = 0; k < frames; k++) {
    buf.fill(0);
    buf.set(pcm.subarray(k * GSM_FRAME_SAMPLES, Math.min(pcm.length, (k + 1) * GSM_FRAME_SAMPLES)));
    c.encode(buf, out.subarray(k * GSM_FRAME_BYTES, (k + 1) * GSM_FRAME_BYTES));
  }
  c.destroy();
  return out;
}

function decodeAll(gsm: Uint8Array): Int16Array {
  const c = new GsmCodec();
  const frames = gsm.length / GSM_FRAME_BYTES;
  const out = new Int16Array(frames * GSM_FRAME_SAMPLES);
  for (let k = 0; k < frames; k++) {
    const ok = c.decode(gsm.subarray(k * GSM_FRAME_BYTES, (k + 1) * GSM_FRAME_BYTES), out.subarray(k * GSM_FRAME_SAMPLES, (k + 1) * GSM_FRAME_SAMPLES));
    assert.ok(ok, `frame ${k} refused`);
  }
  c.destroy();
  return out;
}

test('LIBGSM names the Debian runtime package and the versioned soname first', () => {
  assert.equal(LIBGSM.debianPackage, 'libgsm1');
  assert.equal(LIBGSM.sonames[0], 'libgsm.so.1');
});

test('a tone survives encode → decode; every frame carries the 0xD signature', (t) => {
  if (!requireLibgsm(t)) return;
  const enc = new GsmCodec();
  const dec = new GsmCodec();
  const n = 50;
  const pcm = new Int16Array(GSM_FRAME_SAMPLES);
  const frame = new Uint8Array(GSM_FRAME_BYTES);
  const out = new Int16Array(GSM_FRAME_SAMPLES);
  let sig = 0;
  let err = 0;
  // The decoder output lags the input by a few samples of filter delay; compare energies over
  // the later frames, where the coder has converged.
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < GSM_FRAME_SAMPLES; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (k * GSM_FRAME_SAMPLES + i)) / 8000));
    enc.encode(pcm, frame);
    assert.equal(frame[0]! >> 4, 0xd, `frame ${k} signature`);
    assert.ok(dec.decode(frame, out), `frame ${k} decoded`);
    if (k >= 10) {
      for (let i = 0; i < GSM_FRAME_SAMPLES; i++) {
        sig += pcm[i]! * pcm[i]!;
        err += out[i]! * out[i]!;
      }
    }
  }
  const ratioDb = 10 * Math.log10(err / sig);
  assert.ok(Math.abs(ratioDb) < 3, `decoded energy ${ratioDb.toFixed(2)} dB from the input's`);
  enc.destroy();
  dec.destroy();
});

test('bit-exact with toast and untoast on the reference speech (hello8000.wav)', (t) => {
  if (!requireLibgsm(t) || !requireToast(t)) return;
  const wav = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!wav) return;
  const w = readWavFile(wav);
  assert.equal(w.sampleRate, 8000);
  const dir = mkdtempSync(join(tmpdir(), 'mw-gsm-'));
  try {
    // toast -l: 16-bit linear in host byte order (toast(1)); -c: to stdout.
    const raw = join(dir, 'in.l');
    writeFileSync(raw, w.samples);
    const toast = new Uint8Array(execFileSync('toast', ['-l', '-c', raw], { maxBuffer: 1 << 26 }));
    const ours = encodeAll(w.samples);
    assert.equal(ours.length, toast.length, 'frame count');
    const firstDiff = ours.findIndex((b, i) => b !== toast[i]);
    assert.equal(firstDiff, -1, `encoder differs from toast at byte ${firstDiff} (frame ${Math.floor(firstDiff / GSM_FRAME_BYTES)})`);

    const gsmFile = join(dir, 'x.gsm');
    writeFileSync(gsmFile, toast);
    const untoastBuf = execFileSync('untoast', ['-l', '-c', gsmFile], { maxBuffer: 1 << 26 });
    const untoast = new Int16Array(untoastBuf.buffer, untoastBuf.byteOffset, untoastBuf.length / 2);
    const decoded = decodeAll(toast);
    assert.equal(decoded.length, untoast.length, 'sample count');
    const firstSampleDiff = decoded.findIndex((s, i) => s !== untoast[i]);
    assert.equal(firstSampleDiff, -1, `decoder differs from untoast at sample ${firstSampleDiff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a frame without the 0xD signature is refused and the output left untouched', (t) => {
  if (!requireLibgsm(t)) return;
  const c = new GsmCodec();
  const frame = new Uint8Array(GSM_FRAME_BYTES).fill(0x55);
  const out = new Int16Array(GSM_FRAME_SAMPLES).fill(1234);
  assert.equal(c.decode(frame, out), false);
  assert.ok(out.every((s) => s === 1234), 'output written although the frame was refused');
  frame[0] = 0xd5;
  assert.equal(c.decode(frame, out), true, 'any 33 bytes behind the signature decode');
  c.destroy();
});

test('lengths are checked before C sees a pointer', (t) => {
  if (!requireLibgsm(t)) return;
  const c = new GsmCodec();
  const pcm = new Int16Array(GSM_FRAME_SAMPLES);
  const frame = new Uint8Array(GSM_FRAME_BYTES);
  frame[0] = 0xd0;
  assert.throws(() => c.encode(pcm.subarray(1), frame), RangeError);
  assert.throws(() => c.encode(pcm, frame.subarray(1)), RangeError);
  assert.throws(() => c.encode(new Int16Array(320), frame), RangeError);
  assert.throws(() => c.decode(frame.subarray(0, 32), pcm), RangeError);
  assert.throws(() => c.decode(frame, pcm.subarray(0, 159)), RangeError);
  assert.throws(() => c.explode(frame, new Int16Array(75)), RangeError);
  c.destroy();
});

test('explode gives the 76 parameters without touching the decoder', (t) => {
  if (!requireLibgsm(t)) return;
  const c = new GsmCodec();
  const frame = new Uint8Array(GSM_FRAME_BYTES).fill(0xff);
  frame[0] = 0xdf;
  const params = new Int16Array(GSM_FRAME_PARAMETERS);
  assert.ok(c.explode(frame, params), 'exploded');
  // All ones: every field at its maximum, LARc[0] = 63 (6 bits) … xMc = 7 (3 bits).
  assert.deepEqual([...params.subarray(0, 8)], [63, 63, 31, 31, 15, 15, 7, 7]);
  assert.deepEqual([...params.subarray(8, 12)], [127, 3, 3, 63]);
  frame[0] = 0x0f;
  assert.equal(c.explode(frame, params), false);
  c.destroy();
});

test('native state: liveCount, destroy() idempotent, StateError after it', (t) => {
  if (!requireLibgsm(t)) return;
  const before = GsmCodec.liveCount;
  const c = new GsmCodec();
  assert.equal(GsmCodec.liveCount, before + 1);
  c.destroy();
  c.destroy();
  assert.equal(GsmCodec.liveCount, before);
  assert.equal(c.destroyed, true);
  assert.throws(() => c.encode(new Int16Array(160), new Uint8Array(33)), StateError);
  assert.throws(() => c.decode(new Uint8Array(33), new Int16Array(160)), StateError);
});
