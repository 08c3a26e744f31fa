import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConfigError, StateError } from '../core/errors.js';
import { LIBSPEEX, probeSpeex, SPEEX_BITS_BUFFER_BYTES, SpeexDecoder, SpeexEncoder, speexModeInfo, speexVersion, type SpeexBand } from './speex.js';

const BANDS: readonly SpeexBand[] = ['nb', 'wb', 'uwb'];

/** A voiced-speech-like test signal: a 140 Hz pulse train through a resonance, plus a little noise. */
function voice(n: number, rate: number, seed = 1): Int16Array {
  const x = new Int16Array(n);
  let s = seed;
  let y1 = 0;
  let y2 = 0;
  const period = Math.round(rate / 140);
  const r = 0.97;
  const w = (2 * Math.PI * 700) / rate;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const e = (i % period === 0 ? 6000 : 0) + ((s >>> 16) / 65536 - 0.5) * 200;
    const y = e + 2 * r * Math.cos(w) * y1 - r * r * y2;
    y2 = y1;
    y1 = y;
    x[i] = Math.max(-32768, Math.min(32767, Math.round(y * 0.5)));
  }
  return x;
}

test('libspeex is detected, with its version and modes', () => {
  assert.deepEqual(probeSpeex(), { available: true });
  assert.equal(LIBSPEEX.debianPackage, 'libspeex1');
  assert.match(speexVersion(), /^1\.\d+\.\d+$/);
  assert.deepEqual(speexModeInfo('nb'), { frameSize: 160, submodeBits: [5, 43, 119, 160, 220, 300, 364, 492, 79] });
  assert.deepEqual(speexModeInfo('wb'), { frameSize: 320, submodeBits: [4, 36, 112, 192, 352, -1, -1, -1] });
  assert.deepEqual(speexModeInfo('uwb'), { frameSize: 640, submodeBits: [4, 36, -1, -1, -1, -1, -1, -1] });
});

test('encoder settings: quality → bitrate per band, narrowband modes, SET_BITRATE picks the highest quality below', () => {
  const expected: Record<SpeexBand, number[]> = {
    nb: [2150, 3950, 5950, 8000, 8000, 11000, 11000, 15000, 15000, 18200, 24600],
    wb: [3950, 5750, 7750, 9800, 12800, 16800, 20600, 23800, 27800, 34200, 42200],
    uwb: [4150, 7550, 9550, 11600, 14600, 18600, 22400, 25600, 29600, 36000, 44000],
  };
  for (const band of BANDS) {
    const e = new SpeexEncoder(band);
    try {
      assert.equal(e.frameSize, { nb: 160, wb: 320, uwb: 640 }[band]);
      assert.equal(e.sampleRate, { nb: 8000, wb: 16000, uwb: 32000 }[band]);
      const rates = [];
      for (let q = 0; q <= 10; q++) {
        e.setQuality(q);
        rates.push(e.bitrate);
      }
      assert.deepEqual(rates, expected[band], `${band} bitrates by quality`);
      assert.equal(e.setBitrate(12000), band === 'nb' ? 11000 : band === 'wb' ? 9800 : 11600);
      e.setComplexity(3);
      assert.equal(e.complexity, 3);
      e.setVbr(true);
      assert.equal(e.vbr, true);
      e.setVbrQuality(7.5);
      e.setVad(true);
      e.setDtx(true);
      assert.equal(e.vad, true);
      assert.equal(e.dtx, true);
      assert.ok(e.lookahead > 0, `${band} lookahead ${e.lookahead}`);
    } finally {
      e.destroy();
    }
  }
  const nb = new SpeexEncoder('nb');
  const modeRates = [];
  for (let m = 1; m <= 8; m++) {
    nb.setMode(m);
    modeRates.push(nb.bitrate);
    assert.equal(nb.mode, m);
  }
  assert.deepEqual(modeRates, [2150, 5950, 8000, 11000, 15000, 18200, 24600, 3950]);
  // libspeex indexes its sub-mode table with this value unchecked: we check it.
  assert.throws(() => nb.setMode(9), (e: unknown) => e instanceof ConfigError && /1–8/.test(e.message));
  assert.throws(() => nb.setQuality(11), ConfigError);
  assert.throws(() => nb.setComplexity(0), ConfigError);
  nb.destroy();
  const wb = new SpeexEncoder('wb');
  wb.setMode(6); // wideband: the mode is the quality
  assert.equal(wb.bitrate, 20600);
  assert.throws(() => wb.setMode(11), ConfigError);
  wb.destroy();
  assert.throws(() => new SpeexEncoder('xb' as SpeexBand), ConfigError);
});

test('several frames in one packet, decoded frame by frame until the end of the bits', () => {
  for (const band of BANDS) {
    const e = new SpeexEncoder(band);
    const d = new SpeexDecoder(band);
    try {
      const fs = e.frameSize;
      const pcm = voice(fs * 3, e.sampleRate);
      for (let i = 0; i < 3; i++) assert.equal(e.encode(pcm.slice(i * fs, (i + 1) * fs)), true);
      assert.equal(e.pendingFrames, 3);
      const bytes = e.pendingBytes;
      const pkt = e.takePacket();
      assert.equal(pkt.length, bytes);
      assert.equal(e.pendingFrames, 0);
      assert.equal(e.takePacket().length, 0, 'nothing pending after takePacket');
      // Padding (RFC 5574 §3.3): the bits after the last frame are 0 then 1s, or nothing.
      const out = new Int16Array(fs * 5);
      assert.equal(d.decode(pkt, out), 3);
      assert.equal(d.lastStop, 'end');
      assert.ok(out.subarray(0, 3 * fs).some((v) => v !== 0), 'decoded audio');
      assert.equal(d.decode(pkt, new Int16Array(fs * 2)), 2);
      assert.equal(d.lastStop, 'full');
      // Truncated: libspeex reads zeros past the end; reported as overflow, that frame not counted.
      assert.equal(d.decode(pkt.subarray(0, Math.floor(pkt.length / 2)), out), 1);
      assert.equal(d.lastStop, 'overflow');
      assert.throws(() => d.decode(new Uint8Array(SPEEX_BITS_BUFFER_BYTES), out), RangeError);
      assert.throws(() => e.encode(new Int16Array(fs - 1)), RangeError);
    } finally {
      e.destroy();
      d.destroy();
    }
  }
});

test('DTX: during silence encode() says the frame need not be sent', () => {
  const e = new SpeexEncoder('nb');
  e.setQuality(8);
  e.setVad(true);
  e.setDtx(true);
  const silence = new Int16Array(160);
  let notSent = 0;
  for (let i = 0; i < 50; i++) {
    if (!e.encode(silence)) notSent++;
    e.clearPacket();
  }
  assert.throws(() => {
    for (let i = 0; i < 17; i++) e.encode(silence);
  }, (err: unknown) => err instanceof RangeError && /take the packet first/.test(err.message), 'at most 16 frames pending (the SpeexBits buffer)');
  e.destroy();
  assert.ok(notSent > 30, `${notSent} of 50 silent frames marked not to send`);
});

test('concealment (NULL bits): continues the voice, then fades', () => {
  const e = new SpeexEncoder('nb');
  const d = new SpeexDecoder('nb');
  d.setEnhancement(true);
  assert.equal(d.enhancement, true);
  const pcm = voice(160 * 20, 8000);
  const out = new Int16Array(160);
  for (let i = 0; i < 20; i++) {
    e.encode(pcm.slice(i * 160, (i + 1) * 160));
    d.decode(e.takePacket(), out);
  }
  const energy = (x: Int16Array): number => x.reduce((a, v) => a + v * v, 0) / x.length;
  const speech = energy(out);
  const plc: number[] = [];
  for (let i = 0; i < 12; i++) {
    d.conceal(out);
    plc.push(energy(out));
  }
  assert.ok(plc[0]! > speech * 0.05, `first concealed frame keeps the voice (${plc[0]} vs ${speech})`);
  assert.ok(plc[11]! < plc[0]! * 0.1, `concealment fades (${plc[11]} vs ${plc[0]})`);
  assert.throws(() => d.conceal(new Int16Array(80)), RangeError);
  e.destroy();
  d.destroy();
});

test('destroy() is idempotent and frees the states; later calls throw StateError', () => {
  const before = SpeexEncoder.liveCount;
  const e = new SpeexEncoder('wb');
  const d = new SpeexDecoder('uwb');
  assert.equal(SpeexDecoder.liveCount, before + 2);
  e.destroy();
  e.destroy();
  d.destroy();
  d.destroy();
  assert.equal(SpeexEncoder.liveCount, before);
  assert.equal(e.destroyed && d.destroyed, true);
  assert.throws(() => e.encode(new Int16Array(320)), StateError);
  assert.throws(() => e.takePacket(), StateError);
  assert.throws(() => e.setQuality(3), StateError);
  assert.throws(() => d.decode(new Uint8Array(10), new Int16Array(640)), StateError);
  assert.throws(() => d.conceal(new Int16Array(640)), StateError);
});

test('states dropped without destroy() are freed when collected (FinalizationRegistry)', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const before = SpeexEncoder.liveCount;
  (() => {
    for (let i = 0; i < 10; i++) {
      new SpeexEncoder('nb').encode(new Int16Array(160));
      new SpeexDecoder('wb').conceal(new Int16Array(320));
    }
  })();
  assert.equal(SpeexEncoder.liveCount, before + 20);
  for (let i = 0; i < 50 && SpeexEncoder.liveCount > before; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(SpeexEncoder.liveCount, before);
});
