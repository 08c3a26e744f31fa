import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertParseError, hex, toHex } from '../test-helpers.js';
import { parseCompound, serializeCompound } from './compound.js';
import { parseUnknown, serializeUnknown } from './unknown.js';

test('unknown RTCP types are kept raw and re-serialised byte for byte', () => {
  // PT 195 (RFC 5450 IJ) and RTPFB FMT 8 (RFC 6679 ECN feedback), both not decoded here.
  const ij = hex('81c3000100000010');
  const u = parseUnknown(ij);
  assert.deepStrictEqual(u, { type: 'unknown', packetType: 195, count: 1, raw: ij });
  assert.equal(toHex(serializeUnknown(u)), toHex(ij));
  const dgram = hex('80c9000100000001' + '88cd0002000000010000000200000000'.slice(0, 24));
  const list = parseCompound(dgram);
  assert.equal(list[1].type, 'unknown');
  assert.equal(toHex(serializeCompound(list)), toHex(dgram));
  // Padded unknown packet: the padding count is still validated.
  assert.equal(parseUnknown(hex('a1c3000100000004')).raw.length, 8);
  assertParseError(() => parseUnknown(hex('a1c3000100000000')), 'padding count 0');
  assertParseError(() => parseUnknown(hex('81c30002000000')), 'truncated');
});
