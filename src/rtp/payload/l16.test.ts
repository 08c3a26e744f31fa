import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import {
  checkL16Payload,
  checkL16Ptime,
  l16Decode,
  l16DefaultPtimeMs,
  l16Encode,
  l16MeanAbs,
  l16PayloadDuration,
  l16SamplesPerPacket,
  L16_MTU_PAYLOAD,
} from './l16.js';

/** Every int16 value once. */
const ALL = (() => {
  const a = new Int16Array(65536);
  for (let i = 0; i < a.length; i++) a[i] = i - 32768;
  return a;
})();

test('network byte order: most significant octet first (RFC 3551 §4.5.11)', () => {
  const p = l16Encode(Int16Array.from([0x0102, -2, 0x7fff, -32768, 0]));
  assert.deepEqual([...p], [0x01, 0x02, 0xff, 0xfe, 0x7f, 0xff, 0x80, 0x00, 0x00, 0x00]);
  assert.deepEqual([...l16Decode(p)], [0x0102, -2, 0x7fff, -32768, 0]);
});

test('every int16 value round-trips, through aligned and unaligned buffers alike', () => {
  const aligned = l16Encode(ALL);
  // The same bytes written through the byte-by-byte path (an odd offset).
  const store = new Uint8Array(ALL.length * 2 + 1);
  const odd = l16Encode(ALL, store.subarray(1));
  assert.equal(odd.byteOffset % 2, 1, 'the unaligned path was taken');
  assert.ok(Buffer.from(odd).equals(Buffer.from(aligned)), 'unaligned encode differs from aligned');
  for (let i = 0; i < ALL.length; i += 4099) {
    const v = ALL[i]!;
    assert.equal(aligned[2 * i]! * 256 + aligned[2 * i + 1]!, v & 0xffff, `value ${v} on the wire`);
  }
  const back = l16Decode(aligned);
  const backOdd = l16Decode(odd);
  assert.ok(back.every((v, i) => v === ALL[i]), 'aligned decode is not the input');
  assert.ok(backOdd.every((v, i) => v === ALL[i]), 'unaligned decode is not the input');
});

test('encode/decode write into given buffers and check their size', () => {
  const out = new Uint8Array(10);
  const r = l16Encode(Int16Array.from([1, 2, 3]), out);
  assert.equal(r.length, 6);
  assert.equal(r.buffer, out.buffer, 'written in place');
  assert.throws(() => l16Encode(Int16Array.from([1, 2, 3]), new Uint8Array(5)), RangeError);
  const pcm = new Int16Array(8);
  assert.equal(l16Decode(r, pcm).length, 3);
  assert.deepEqual([...pcm.subarray(0, 3)], [1, 2, 3]);
  assert.throws(() => l16Decode(r, new Int16Array(2)), RangeError);
});

test('stereo stays interleaved L, R (RFC 3551 §4.1)', () => {
  const p = l16Encode(Int16Array.from([100, -100, 200, -200]));
  assert.deepEqual([...p], [0, 100, 0xff, 0x9c, 0, 200, 0xff, 0x38]);
  assert.deepEqual(checkL16Payload(p, 2), { ok: true, frames: 2 });
  assert.equal(l16PayloadDuration(p, 2), 2);
  assert.equal(l16PayloadDuration(p, 1), 4);
});

test('checkL16Payload: empty, odd and channel-misaligned payloads are refused', () => {
  const no = (p: Uint8Array, ch: number, re: RegExp): void => {
    const c = checkL16Payload(p, ch);
    assert.equal(c.ok, false);
    if (!c.ok) assert.match(c.reason, re);
  };
  no(new Uint8Array(0), 1, /empty/);
  no(new Uint8Array(3), 1, /not a whole number of 2-octet/);
  no(new Uint8Array(6), 2, /not a whole number of 4-octet/);
  assert.equal(l16PayloadDuration(new Uint8Array(6), 2), undefined);
});

test('packet sizes: 20 ms by default, 10 ms where 20 ms would not fit the MTU budget', () => {
  assert.equal(l16SamplesPerPacket(8000, 20), 160);
  assert.equal(l16SamplesPerPacket(44100, 20), 882);
  assert.equal(l16SamplesPerPacket(44100, 5), 221, '220.5 rounds up');
  const expected: Record<string, number> = {
    '8000/1': 20, '8000/2': 20, '16000/1': 20, '16000/2': 20, '32000/1': 20, '32000/2': 10,
    '44100/1': 10, '44100/2': 10, '48000/1': 10, '48000/2': 10,
  };
  for (const [k, ms] of Object.entries(expected)) {
    const [rate, ch] = k.split('/').map(Number) as [number, number];
    assert.equal(l16DefaultPtimeMs(rate, ch), ms, k);
    // Only stereo at 44.1/48 kHz exceeds the budget (never below one 10 ms tick).
    const bytes = l16SamplesPerPacket(rate, ms) * 2 * ch;
    assert.equal(bytes <= L16_MTU_PAYLOAD, !(ch === 2 && rate >= 44100), `${k}: ${bytes} octets`);
  }
});

test('checkL16Ptime: whole ms 1–120 that fit a UDP datagram, else a ConfigError naming the option', () => {
  assert.equal(checkL16Ptime(48000, 2, 120), 120);
  for (const bad of [0, 121, 2.5]) {
    assert.throws(() => checkL16Ptime(8000, 1, bad, '--ptime'), (e: unknown) => e instanceof ConfigError && /L16 --ptime must be a whole number of ms, 1–120/.test(e.message));
  }
  assert.throws(() => checkL16Ptime(192000, 8, 100), (e: unknown) => e instanceof ConfigError && /fits a UDP datagram/.test(e.message));
});

test('l16MeanAbs reads network order', () => {
  assert.equal(l16MeanAbs(l16Encode(Int16Array.from([100, -300, 0, 32767]))), (100 + 300 + 0 + 32767) / 4);
  assert.equal(l16MeanAbs(l16Encode(Int16Array.from([-32768]))), 32768);
  assert.equal(l16MeanAbs(new Uint8Array(0)), 0);
});
