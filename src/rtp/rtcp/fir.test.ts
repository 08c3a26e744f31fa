import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { type FullIntraRequest, parseFir, serializeFir } from './fir.js';
import { PsfbFmt, RtcpType, parseRtcpHeader } from './header.js';

const EXPECT: Expect<FullIntraRequest>[] = [
  { name: 'valid', kind: 'ok', want: { type: 'fir', senderSsrc: 0, mediaSsrc: 0x4bc4fcb4, entries: [{ ssrc: 0x12345678, sequenceNumber: 0x42 }] } },
  {
    name: 'also valid',
    kind: 'ok',
    want: {
      type: 'fir',
      senderSsrc: 0,
      mediaSsrc: 0x4bc4fcb4,
      entries: [
        { ssrc: 0x12345678, sequenceNumber: 0x42 },
        { ssrc: 0x98765432, sequenceNumber: 0x57 },
      ],
    },
  },
  { name: 'packet too short', kind: 'error' },
  { name: 'invalid header', kind: 'error' },
  { name: 'wrong type', kind: 'error' },
  { name: 'wrong fmt', kind: 'error' },
  { name: 'wrong length', kind: 'error' },
  {
    name: 'valid header',
    kind: 'other',
    why: "pion's Header() test: the common header of a FIR",
    check: (b) => {
      assert.deepStrictEqual(parseRtcpHeader(b), { padding: false, count: PsfbFmt.FIR, packetType: RtcpType.PSFB, length: 4 });
      const p = parseFir(b);
      assert.deepStrictEqual(p.entries, [{ ssrc: 0, sequenceNumber: 0x22 }]);
      assert.equal(toHex(serializeFir(p)), toHex(b));
    },
  },
];

test('FIR: every pion vector case (full_intra_request_test.go)', (t) => {
  const cases = pionSection(t, 'full_intra_request_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseFir, (p) => serializeFir(p)), cases.length);
});

test('FIR: no entries is malformed on both sides', () => {
  assertParseError(() => parseFir(hex('84ce0002000000004bc4fcb4')), 'FIR without FCI');
  assert.throws(() => serializeFir({ type: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [] }), ConfigError);
  assert.throws(() => serializeFir({ type: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 1, sequenceNumber: 256 }] }), ConfigError);
});
