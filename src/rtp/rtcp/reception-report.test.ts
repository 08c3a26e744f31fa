import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertParseError, hex, toHex } from '../test-helpers.js';
import { type ReceptionReport, parseReceptionReport, serializeReceptionReport } from './reception-report.js';

test('reception report: the block of pion realPacket, field by field (RFC 3550 §6.4.1)', () => {
  const b = hex('bc5e9a4000000000000046e10000011109f3643200024a79');
  const want: ReceptionReport = { ssrc: 0xbc5e9a40, fractionLost: 0, cumulativeLost: 0, highestSequence: 0x46e1, jitter: 273, lsr: 0x9f36432, dlsr: 150137 };
  assert.deepStrictEqual(parseReceptionReport(b), want);
  assert.equal(toHex(serializeReceptionReport(want)), toHex(b));
});

test('reception report: cumulative loss is signed 24-bit and clamped on write', () => {
  const r = parseReceptionReport(hex('00000001' + '40ffffff' + '00000000'.repeat(4)));
  assert.equal(r.fractionLost, 64);
  assert.equal(r.cumulativeLost, -1);
  assert.equal(toHex(serializeReceptionReport(r)).slice(8, 16), '40ffffff');
  const big = serializeReceptionReport({ ...r, cumulativeLost: 1e9 });
  assert.equal(toHex(big).slice(8, 16), '407fffff');
  const neg = serializeReceptionReport({ ...r, cumulativeLost: -1e9 });
  assert.equal(toHex(neg).slice(8, 16), '40800000');
  assertParseError(() => parseReceptionReport(new Uint8Array(23)), 'short block');
});
