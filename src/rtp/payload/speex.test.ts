import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import {
  SPEEX_NB_SUBMODE_BITS,
  SPEEX_SCAN_ERROR,
  SPEEX_UWB_LAYER_BITS,
  SPEEX_WB_LAYER_BITS,
  describeSpeexScan,
  isQuietSpeexPayload,
  parseSpeexFmtp,
  scanSpeexPayload,
  speexBandOfClockRate,
  speexFramesPerPacket,
  speexPayloadDuration,
} from './speex.js';

/** Builds a bit stream MSB first, padded as RFC 5574 §3.3 says (0 then 1s), like speex_bits_write. */
class Bits {
  readonly bits: number[] = [];
  put(value: number, n: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push((value >> i) & 1);
    return this;
  }
  /** A narrowband frame of sub-mode m (header 0 + m, then filler bits). */
  nb(m: number, fill = 0b1011): this {
    this.put(0, 1).put(m, 4);
    for (let i = 0; i < SPEEX_NB_SUBMODE_BITS[m]! - 5; i++) this.bits.push((fill >> (i % 4)) & 1);
    return this;
  }
  /** A sub-band layer of sub-mode s (header 1 + s, then filler). */
  layer(table: readonly number[], s: number): this {
    this.put(1, 1).put(s, 3);
    for (let i = 0; i < table[s]! - 4; i++) this.bits.push(i & 1);
    return this;
  }
  bytes(pad: 'speex' | 'zeros' | 'none' = 'speex'): Uint8Array {
    const b = [...this.bits];
    if (pad !== 'none' && b.length % 8 !== 0) {
      if (pad === 'speex') {
        b.push(0);
        while (b.length % 8 !== 0) b.push(1);
      } else while (b.length % 8 !== 0) b.push(0);
    }
    const out = new Uint8Array(Math.ceil(b.length / 8));
    b.forEach((bit, i) => {
      if (bit) out[i >> 3]! |= 0x80 >> (i & 7);
    });
    return out;
  }
}

test('bit tables: narrowband sub-modes 0–8 and the sub-band layers, header bits included (libspeex modes.c)', () => {
  // Cross-checked against speex_mode_query in codecs/speex.test.ts.
  assert.deepEqual([...SPEEX_NB_SUBMODE_BITS], [5, 43, 119, 160, 220, 300, 364, 492, 79]);
  assert.deepEqual([...SPEEX_WB_LAYER_BITS], [4, 36, 112, 192, 352, -1, -1, -1]);
  assert.deepEqual([...SPEEX_UWB_LAYER_BITS], [4, 36, -1, -1, -1, -1, -1, -1]);
});

test('scan: narrowband frames of every sub-mode, one per payload and several concatenated', () => {
  for (let m = 0; m <= 8; m++) {
    const p = new Bits().nb(m).bytes();
    assert.equal(scanSpeexPayload(p), 1, `sub-mode ${m}`);
    assert.equal(p.length, Math.ceil(SPEEX_NB_SUBMODE_BITS[m]! / 8), `sub-mode ${m} length`);
  }
  const modes = new Uint8Array(8);
  const p = new Bits().nb(3).nb(5).nb(1).nb(0).nb(8).bytes();
  assert.equal(scanSpeexPayload(p, modes), 5);
  assert.deepEqual([...modes.subarray(0, 5)], [3, 5, 1, 0, 8], 'sub-modes recorded frame by frame');
  assert.equal(speexPayloadDuration(p, 'nb'), 5 * 160);
  assert.equal(speexPayloadDuration(p, 'wb'), 5 * 320);
});

test('scan: the end is a terminator (m = 15), the "0 1…1" padding, or fewer than 5 bits', () => {
  // 43 + 43 = 86 bits: 2 bits of padding "01".
  assert.equal(scanSpeexPayload(new Bits().nb(1).nb(1).bytes()), 2);
  // An explicit terminator then garbage: the garbage is not read.
  assert.equal(scanSpeexPayload(new Bits().nb(1).put(0, 1).put(15, 4).put(0b10101010, 8).bytes()), 1);
  // 160 bits exactly (sub-mode 3): no padding at all.
  const exact = new Bits().nb(3).bytes('none');
  assert.equal(exact.length, 20);
  assert.equal(scanSpeexPayload(exact), 1);
  // Zero padding of 5–7 bits reads as a null frame, exactly as libspeex's decoder reads it.
  assert.equal(scanSpeexPayload(new Bits().nb(1).bytes('zeros')), 2, '43 bits + 5 zero bits = a frame and a null frame');
  assert.equal(scanSpeexPayload(new Uint8Array(0)), 0);
  assert.equal(scanSpeexPayload(Uint8Array.of(0x7f)), 0, 'padding alone: no frame');
});

test('scan: wideband and ultra-wideband layers after the narrowband part', () => {
  for (let s = 0; s <= 4; s++) {
    const p = new Bits().nb(5).layer(SPEEX_WB_LAYER_BITS, s).nb(5).layer(SPEEX_WB_LAYER_BITS, s).bytes();
    assert.equal(scanSpeexPayload(p), 2, `wideband sub-mode ${s}`);
  }
  const uwb = new Bits().nb(5).layer(SPEEX_WB_LAYER_BITS, 3).layer(SPEEX_UWB_LAYER_BITS, 1).nb(4).layer(SPEEX_WB_LAYER_BITS, 3).layer(SPEEX_UWB_LAYER_BITS, 0).bytes();
  assert.equal(scanSpeexPayload(uwb), 2);
  assert.equal(speexPayloadDuration(uwb, 'uwb'), 2 * 640);
});

test('scan: in-band requests (m = 14) and user messages (m = 13) are skipped, not counted', () => {
  // Code 3 skips 4 bits; code 12 skips 32 bits.
  const inband = new Bits().put(0, 1).put(14, 4).put(3, 4).put(0b1010, 4).nb(2).put(0, 1).put(14, 4).put(12, 4).put(0xffffffff, 32).nb(2).bytes();
  assert.equal(scanSpeexPayload(inband), 2);
  // User message of 2 bytes: 4-bit length then 5 + 16 bits (speex_default_user_handler).
  const user = new Bits().put(0, 1).put(13, 4).put(2, 4).put(0, 5).put(0xabcd, 16).nb(6).bytes();
  assert.equal(scanSpeexPayload(user), 1);
  assert.equal(scanSpeexPayload(new Bits().put(0, 1).put(14, 4).put(15, 4).put(0, 10).bytes()), SPEEX_SCAN_ERROR.TRUNCATED, 'a 64-bit request cut short');
});

test('scan: malformed payloads are told apart', () => {
  assert.equal(scanSpeexPayload(new Bits().put(0, 1).put(9, 4).put(0, 40).bytes()), SPEEX_SCAN_ERROR.INVALID_MODE, 'sub-mode 9');
  assert.equal(scanSpeexPayload(new Bits().nb(4).put(0, 1).put(12, 4).bytes()), SPEEX_SCAN_ERROR.INVALID_MODE, 'sub-mode 12 after a good frame');
  assert.equal(scanSpeexPayload(new Bits().nb(5).layer(SPEEX_WB_LAYER_BITS, 2).put(1, 1).put(5, 3).put(0, 40).bytes()), SPEEX_SCAN_ERROR.INVALID_MODE, 'ultra-wideband sub-mode 5');
  assert.equal(scanSpeexPayload(new Bits().nb(5).put(1, 1).put(6, 3).put(0, 40).bytes()), SPEEX_SCAN_ERROR.INVALID_MODE, 'wideband sub-mode 6');
  const whole = new Bits().nb(7).bytes();
  assert.equal(scanSpeexPayload(whole.subarray(0, 30)), SPEEX_SCAN_ERROR.TRUNCATED, 'a 492-bit frame cut to 240 bits');
  assert.equal(scanSpeexPayload(new Bits().nb(5).layer(SPEEX_WB_LAYER_BITS, 4).bytes().subarray(0, 50)), SPEEX_SCAN_ERROR.TRUNCATED, 'a wideband layer cut short');
  assert.equal(scanSpeexPayload(new Bits().layer(SPEEX_WB_LAYER_BITS, 1).nb(3).bytes()), SPEEX_SCAN_ERROR.STRAY_LAYER, 'a layer before any frame');
  const three = new Bits().nb(5).layer(SPEEX_WB_LAYER_BITS, 1).layer(SPEEX_UWB_LAYER_BITS, 1).layer(SPEEX_UWB_LAYER_BITS, 1).bytes();
  assert.equal(scanSpeexPayload(three), SPEEX_SCAN_ERROR.STRAY_LAYER, 'a third layer');
  assert.equal(speexPayloadDuration(whole.subarray(0, 30), 'nb'), undefined, 'no duration for a malformed payload');
  assert.match(describeSpeexScan(SPEEX_SCAN_ERROR.TRUNCATED), /truncated/);
  assert.match(describeSpeexScan(3), /3 frame/);
});

test('scan never throws and never reads past the payload (random bytes)', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
  let ok = 0;
  for (let i = 0; i < 3000; i++) {
    const p = new Uint8Array(rnd() % 200);
    for (let j = 0; j < p.length; j++) p[j] = rnd();
    const n = scanSpeexPayload(p);
    assert.ok(Number.isInteger(n) && n >= -3 && n <= (p.length * 8) / 5, `scan of random payload ${i} gave ${n}`);
    if (n > 0) ok++;
  }
  assert.ok(ok > 0, 'some random payloads are well-formed Speex (Speex has no checksum)');
});

test('isQuietSpeexPayload: only payloads made of null (sub-mode 0) frames', () => {
  assert.equal(isQuietSpeexPayload(new Bits().nb(0).nb(0).nb(0).bytes()), true);
  assert.equal(isQuietSpeexPayload(new Bits().nb(0).nb(1).bytes()), false);
  assert.equal(isQuietSpeexPayload(new Bits().nb(5).bytes()), false);
  assert.equal(isQuietSpeexPayload(new Uint8Array(0)), false);
  assert.equal(isQuietSpeexPayload(Uint8Array.of(0x48)), false, 'malformed');
});

test('frames per packet: ptime / 20 ms, rounded up; out of range is a ConfigError naming the range', () => {
  assert.equal(speexFramesPerPacket(20), 1);
  assert.equal(speexFramesPerPacket(40), 2);
  assert.equal(speexFramesPerPacket(60), 3);
  assert.equal(speexFramesPerPacket(30), 2, 'rounded up as Mediastreamer2 does');
  assert.equal(speexFramesPerPacket(10), 1);
  assert.equal(speexFramesPerPacket(200), 10);
  for (const bad of [0, -20, 220, 20.5, Number.NaN]) {
    assert.throws(() => speexFramesPerPacket(bad), (e: unknown) => e instanceof ConfigError && /ptime.*1–200/.test(e.message), `ptime ${bad}`);
  }
});

test('band of a clock rate', () => {
  assert.equal(speexBandOfClockRate(8000), 'nb');
  assert.equal(speexBandOfClockRate(16000), 'wb');
  assert.equal(speexBandOfClockRate(32000), 'uwb');
  assert.equal(speexBandOfClockRate(48000), undefined);
});

test('fmtp: vbr, cng, mode (number, any, quoted preference list), ptime; names case-insensitive', () => {
  assert.deepEqual(parseSpeexFmtp(undefined, 'nb'), {});
  assert.deepEqual(parseSpeexFmtp({ vbr: 'on', cng: 'off', mode: '3' }, 'nb'), { vbr: 'on', cng: false, mode: 3 });
  assert.deepEqual(parseSpeexFmtp({ VBR: 'VAD', Mode: 'any' }, 'nb'), { vbr: 'vad' });
  assert.deepEqual(parseSpeexFmtp({ mode: '"1,any"' }, 'nb'), { mode: 1 });
  assert.deepEqual(parseSpeexFmtp({ mode: 'any,4' }, 'nb'), { mode: 4 });
  assert.deepEqual(parseSpeexFmtp({ mode: '10', cng: 'on' }, 'wb'), { mode: 10, cng: true });
  assert.deepEqual(parseSpeexFmtp({ mode: '0' }, 'uwb'), { mode: 0 });
  assert.deepEqual(parseSpeexFmtp({ ptime: '40', maxptime: '100' }, 'nb'), { ptimeMs: 40, maxptimeMs: 100 });
});

test('fmtp: an invalid value is a ConfigError naming the parameter and what it accepts; unknown names are ignored', () => {
  const cases: [Record<string, string>, 'nb' | 'wb', RegExp][] = [
    [{ vbr: 'maybe' }, 'nb', /vbr must be on, off or vad/],
    [{ cng: 'sometimes' }, 'nb', /cng must be on or off/],
    [{ mode: '9' }, 'nb', /mode must be 1–8 or any for speex\/8000/],
    [{ mode: '0' }, 'nb', /mode must be 1–8/],
    [{ mode: '11' }, 'wb', /mode must be 0–10 or any for speex\/16000/],
    [{ mode: 'fast' }, 'wb', /mode must be 0–10/],
    [{ mode: '' }, 'nb', /mode must be 1–8/],
    [{ ptime: '0' }, 'nb', /ptime must be a whole number of ms 1–1000/],
  ];
  for (const [fmtp, band, re] of cases) {
    assert.throws(() => parseSpeexFmtp(fmtp, band), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(fmtp));
  }
  assert.deepEqual(parseSpeexFmtp({ penh: '1', 'x-custom': 'y', vbr: 'off' }, 'nb'), { vbr: 'off' });
});
