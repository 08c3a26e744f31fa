import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import {
  checkGsmPayload,
  GSM_FRAME_BYTES,
  GSM_MAX_FRAMES_PER_PACKET,
  gsmFrame,
  gsmFrameCount,
  gsmFramesPerPacket,
  gsmPayloadDuration,
  gsmPayloadIsQuiet,
  packGsmFrames,
  unpackGsmFrame,
} from './gsm.js';

/** A frame of `fill` bytes behind the 0xD signature. */
function frame(fill: number): Uint8Array {
  const f = new Uint8Array(GSM_FRAME_BYTES).fill(fill);
  f[0] = 0xd0 | (fill & 0x0f);
  return f;
}

test('ptime: whole 20 ms frames, 20–120 ms; anything else is a ConfigError naming the option', () => {
  assert.equal(gsmFramesPerPacket(20), 1);
  assert.equal(gsmFramesPerPacket(40), 2);
  assert.equal(gsmFramesPerPacket(60), 3);
  assert.equal(gsmFramesPerPacket(120), 6);
  for (const bad of [0, 10, 30, 50, 140, 20.5, Number.NaN]) {
    assert.throws(() => gsmFramesPerPacket(bad), (e: unknown) => e instanceof ConfigError && /ptimeMs must be 20–120 ms in steps of 20 ms/.test(e.message));
  }
  assert.throws(() => gsmFramesPerPacket(30, '--ptime'), /GSM --ptime/);
});

test('frame count and duration: 160 clock units per 33-octet frame; other lengths unknown', () => {
  assert.equal(gsmFrameCount(new Uint8Array(33)), 1);
  assert.equal(gsmFrameCount(new Uint8Array(99)), 3);
  assert.equal(gsmFrameCount(new Uint8Array(0)), undefined);
  assert.equal(gsmFrameCount(new Uint8Array(34)), undefined);
  assert.equal(gsmPayloadDuration(new Uint8Array(66)), 320);
  assert.equal(gsmPayloadDuration(new Uint8Array(32)), undefined);
});

test('checkGsmPayload: empty, truncated, oversized and unsigned payloads are refused with a reason', () => {
  const two = packGsmFrames([frame(1), frame(2)]);
  assert.deepEqual(checkGsmPayload(two), { ok: true, frames: 2 });
  const bad = (p: Uint8Array, re: RegExp): void => {
    const c = checkGsmPayload(p);
    assert.equal(c.ok, false);
    if (!c.ok) assert.match(c.reason, re);
  };
  bad(new Uint8Array(0), /empty/);
  bad(two.subarray(0, 65), /not a whole number/);
  bad(new Uint8Array((GSM_MAX_FRAMES_PER_PACKET + 1) * GSM_FRAME_BYTES).fill(0xd0), /more than 50/);
  const unsigned = two.slice();
  unsigned[33] = 0x12;
  bad(unsigned, /frame 1 has signature 0x1/);
  assert.deepEqual(checkGsmPayload(new Uint8Array(GSM_MAX_FRAMES_PER_PACKET * GSM_FRAME_BYTES).fill(0xd0)), { ok: true, frames: 50 });
});

test('gsmFrame gives views; packGsmFrames stacks frames oldest first', () => {
  const p = packGsmFrames([frame(1), frame(2), frame(3)]);
  assert.equal(p.length, 99);
  assert.equal(gsmFrame(p, 1)[5], 2);
  assert.equal(gsmFrame(p, 2).byteOffset, p.byteOffset + 66, 'a view, not a copy');
  assert.throws(() => gsmFrame(p, 3), RangeError);
  assert.throws(() => gsmFrame(p, -1), RangeError);
  assert.throws(() => packGsmFrames([new Uint8Array(32)]), RangeError);
});

/** MSB-first bit writer, to build a frame field by field as RFC 3551 §4.5.8.1 lays it out. */
function buildFrame(fields: readonly [value: number, bits: number][]): Uint8Array {
  const out = new Uint8Array(GSM_FRAME_BYTES);
  let bit = 0;
  for (const [value, width] of fields) {
    for (let i = width - 1; i >= 0; i--, bit++) if ((value >> i) & 1) out[bit >> 3]! |= 0x80 >> (bit & 7);
  }
  assert.equal(bit, 264, 'a frame is 264 bits');
  return out;
}

test('unpackGsmFrame reads the fields of RFC 3551 §4.5.8.1 in order, MSB first', () => {
  const LARc = [33, 17, 20, 9, 11, 3, 5, 2];
  const widths = [6, 6, 5, 5, 4, 4, 3, 3];
  const fields: [number, number][] = [[0xd, 4], ...LARc.map((v, i): [number, number] => [v, widths[i]!])];
  const sub = [0, 1, 2, 3].map((s) => ({ Nc: 40 + s, bc: s, Mc: 3 - s, xmaxc: 60 - s, xMc: Array.from({ length: 13 }, (_, i) => (i + s) % 8) }));
  for (const s of sub) fields.push([s.Nc, 7], [s.bc, 2], [s.Mc, 2], [s.xmaxc, 6], ...s.xMc.map((v): [number, number] => [v, 3]));
  const p = unpackGsmFrame(buildFrame(fields));
  assert.deepEqual(p.LARc, LARc);
  assert.deepEqual(p.subframes, sub);
  assert.throws(() => unpackGsmFrame(new Uint8Array(33)), /signature/);
  assert.throws(() => unpackGsmFrame(new Uint8Array(32)), RangeError);
});

test('gsmPayloadIsQuiet: never true for what is not a valid payload, never throws', () => {
  assert.equal(gsmPayloadIsQuiet(new Uint8Array(0)), false);
  assert.equal(gsmPayloadIsQuiet(new Uint8Array(32)), false);
  assert.equal(gsmPayloadIsQuiet(new Uint8Array(33)), false, 'no signature');
  // The loudest frame there is: every LAR at its flattest (r ≈ 0), every xmaxc 63 with LTP gain 1.
  const loud = buildFrame([[0xd, 4], [32, 6], [32, 6], [16, 5], [16, 5], [8, 4], [8, 4], [4, 3], [4, 3],
    ...[0, 1, 2, 3].flatMap((): [number, number][] => [[40, 7], [3, 2], [0, 2], [63, 6], ...Array.from({ length: 13 }, (): [number, number] => [4, 3])])]);
  assert.equal(gsmPayloadIsQuiet(loud), false);
  // The quietest: flat LARs, xmaxc 0, LTP gain 0.1.
  const quiet = buildFrame([[0xd, 4], [32, 6], [32, 6], [16, 5], [16, 5], [8, 4], [8, 4], [4, 3], [4, 3],
    ...[0, 1, 2, 3].flatMap((): [number, number][] => [[40, 7], [0, 2], [0, 2], [0, 6], ...Array.from({ length: 13 }, (): [number, number] => [4, 3])])]);
  assert.equal(gsmPayloadIsQuiet(quiet), true);
  assert.equal(gsmPayloadIsQuiet(packGsmFrames([quiet, quiet])), true);
  assert.equal(gsmPayloadIsQuiet(packGsmFrames([quiet, loud])), false);
});
