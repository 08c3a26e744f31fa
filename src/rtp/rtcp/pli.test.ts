import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { PsfbFmt, RtcpType, parseRtcpHeader } from './header.js';
import { type PictureLossIndication, parsePli, serializePli } from './pli.js';

const EXPECT: Expect<PictureLossIndication>[] = [
  { name: 'valid', kind: 'ok', want: { type: 'pli', senderSsrc: 0, mediaSsrc: 0x4bc4fcb4 } },
  { name: 'packet too short', kind: 'error' },
  { name: 'invalid header', kind: 'error' },
  { name: 'wrong type', kind: 'error' },
  { name: 'wrong fmt', kind: 'error' },
  {
    name: 'valid header',
    kind: 'other',
    why: "pion's Header() test: the common header of a PLI",
    check: (b) => {
      assert.deepStrictEqual(parseRtcpHeader(b), { padding: false, count: PsfbFmt.PLI, packetType: RtcpType.PSFB, length: 2 });
      assert.equal(toHex(serializePli(parsePli(b))), toHex(b));
    },
  },
];

test('PLI: every pion vector case (picture_loss_indication_test.go)', (t) => {
  const cases = pionSection(t, 'picture_loss_indication_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parsePli, (p) => serializePli(p)), cases.length);
});

test('PLI: an FCI is malformed (RFC 4585 §6.3.1), padding is fine', () => {
  assertParseError(() => parsePli(hex('81ce000300000001000000020000000a')), 'PLI with FCI');
  assert.deepStrictEqual(parsePli(hex('a1ce00030000000100000002' + '00000004')), { type: 'pli', senderSsrc: 1, mediaSsrc: 2 });
});
