import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { formatIlbcFmtp, ilbcFramesPerPacket, ilbcPayloadDuration, ilbcPayloadFrames, parseIlbcFmtp, splitIlbcPayload } from './ilbc.js';

test('fmtp mode: default 30, 20/30 accepted, others rejected naming the parameter', () => {
  assert.equal(parseIlbcFmtp(undefined).mode, 30);
  assert.equal(parseIlbcFmtp({ mode: '20' }).mode, 20);
  assert.equal(parseIlbcFmtp({ MODE: ' 30 ' }).mode, 30);
  assert.deepEqual(parseIlbcFmtp({ mode: '20', foo: '1' }).unknown, ['foo']);
  assert.throws(() => parseIlbcFmtp({ mode: '25' }), (e: unknown) => e instanceof ConfigError && /mode must be 20 or 30/.test(e.message));
  assert.deepEqual(formatIlbcFmtp(20), { mode: '20' });
});

test('frames per packet: whole frames up to 240 ms', () => {
  assert.equal(ilbcFramesPerPacket(30, 30), 1);
  assert.equal(ilbcFramesPerPacket(30, 60), 2);
  assert.equal(ilbcFramesPerPacket(20, 40), 2);
  assert.throws(() => ilbcFramesPerPacket(30, 40), ConfigError);
  assert.throws(() => ilbcFramesPerPacket(20, 260), ConfigError);
});

test('payload duration from the length (38 or 50 octet frames)', () => {
  assert.equal(ilbcPayloadDuration(new Uint8Array(38)), 160);
  assert.equal(ilbcPayloadDuration(new Uint8Array(76)), 320);
  assert.equal(ilbcPayloadDuration(new Uint8Array(50)), 240);
  assert.equal(ilbcPayloadDuration(new Uint8Array(150)), 720);
  assert.equal(ilbcPayloadDuration(new Uint8Array(0)), undefined);
  assert.equal(ilbcPayloadDuration(new Uint8Array(37)), undefined);
  // 950 octets = 25×38 = 19×50: the preferred mode decides.
  assert.deepEqual(ilbcPayloadFrames(new Uint8Array(950), 20), { mode: 20, frames: 25 });
  assert.deepEqual(ilbcPayloadFrames(new Uint8Array(950)), { mode: 30, frames: 19 });
});

test('split into frame views', () => {
  const p = new Uint8Array(100).map((_, i) => i);
  const f = splitIlbcPayload(p, 30);
  assert.ok(f !== undefined && f.length === 2, 'two 50-octet frames');
  assert.equal(f[1]![0], 50);
  assert.equal(splitIlbcPayload(p, 20), undefined);
});
