import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { type RtcpHeader, RtcpType, checkSinglePacket, parseRtcpHeader, rtcpContentEnd, serializeRtcpHeader, utf8Length } from './header.js';

const EXPECT: Expect<RtcpHeader>[] = [
  { name: 'valid', kind: 'ok', want: { padding: false, count: 1, packetType: RtcpType.RR, length: 7 } },
  { name: 'also valid', kind: 'ok', want: { padding: true, count: 1, packetType: RtcpType.APP, length: 7 } },
  { name: 'bad version', kind: 'error' },
];

test('RTCP header: every pion vector case (header_test.go)', (t) => {
  const cases = pionSection(t, 'header_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, (b) => parseRtcpHeader(b), (h) => serializeRtcpHeader(h)), cases.length);
});

test('RTCP header: short input, offsets and field limits', () => {
  assertParseError(() => parseRtcpHeader(hex('81c9')), 'two bytes');
  assertParseError(() => parseRtcpHeader(hex('81c90001'), 2), 'offset leaves two bytes');
  assert.deepStrictEqual(parseRtcpHeader(hex('000081c90001'), 2), { padding: false, count: 1, packetType: 201, length: 1 });
  assert.throws(() => serializeRtcpHeader({ padding: false, count: 32, packetType: 200, length: 0 }), ConfigError);
  assert.equal(toHex(serializeRtcpHeader({ padding: true, count: 31, packetType: 255, length: 0xffff })), 'bfffffff');
});

test('RTCP header: single-packet and padding checks', () => {
  assertParseError(() => checkSinglePacket(hex('81c900010000'), 'x', 201), 'length mismatch');
  assertParseError(() => checkSinglePacket(hex('81c8000100000000'), 'x', 201), 'wrong type');
  assert.equal(checkSinglePacket(hex('81c9000100000000'), 'x', 201), 8);
  assert.equal(rtcpContentEnd(hex('a1c9000100000004'), 0, 8, 'x'), 4);
  assertParseError(() => rtcpContentEnd(hex('a1c9000100000005'), 0, 8, 'x'), 'padding eats the header');
  assertParseError(() => rtcpContentEnd(hex('a1c9000100000000'), 0, 8, 'x'), 'padding count 0');
});

test('utf8Length matches TextEncoder, lone surrogates included', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a\ud800b', '\udc00', 'mixed é€😀']) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  }
});
