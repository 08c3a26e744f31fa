import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { assertParseError, hex, loadVectorFile, toHex } from '../test-helpers.js';
import { parseRtcpPacket } from './compound.js';
import { type Remb, parseRemb, serializeRemb } from './remb.js';

interface Curated {
  remb: { hex: string; expected: { sender_ssrc: number; media_ssrc: number; bitrate_bps: number; exp: number; mantissa: number; ssrcs: number[] } };
}

test('REMB: the curated Chrome packet', (t) => {
  const v = loadVectorFile<Curated>(t, 'pion_rtcp_curated.json');
  if (!v) return;
  const e = v.remb.expected;
  const b = hex(v.remb.hex);
  const want: Remb = { type: 'remb', senderSsrc: e.sender_ssrc, mediaSsrc: e.media_ssrc, bitrate: e.bitrate_bps, ssrcs: e.ssrcs };
  assert.deepStrictEqual(parseRemb(b), want);
  assert.deepStrictEqual(parseRtcpPacket(b), want);
  assert.equal(e.mantissa * 2 ** e.exp, e.bitrate_bps);
  // The exponent/mantissa split on the wire is the vector's.
  assert.equal(b[17] >> 2, e.exp);
  assert.equal(((b[17] & 3) << 16) | (b[18] << 8) | b[19], e.mantissa);
  assert.equal(toHex(serializeRemb(want)), v.remb.hex);
});

test('REMB: encoding rounds down to 18-bit mantissa precision', () => {
  const p: Remb = { type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 1_000_001, ssrcs: [] };
  const q = parseRemb(serializeRemb(p));
  assert.ok(q.bitrate <= p.bitrate && q.bitrate > p.bitrate * 0.99999);
  assert.equal(parseRemb(serializeRemb({ ...p, bitrate: 262143 })).bitrate, 262143);
  assert.equal(parseRemb(serializeRemb({ ...p, bitrate: 0 })).bitrate, 0);
  assert.throws(() => serializeRemb({ ...p, bitrate: -1 }), ConfigError);
  assert.throws(() => serializeRemb({ ...p, bitrate: Infinity }), ConfigError);
  assertParseError(() => parseRemb(hex('8fce0005000000010000000052454d42021a20df4874ed16')), 'SSRC count larger than the packet');
  assertParseError(() => parseRemb(hex('8fce0004000000010000000052454d43011a20df')), 'identifier');
  // Another AFB message is kept raw by the dispatcher.
  assert.equal(parseRtcpPacket(hex('8fce0004000000010000000041424344011a20df')).type, 'unknown');
});
