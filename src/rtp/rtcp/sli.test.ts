import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { parseRtcpPacket } from './compound.js';
import { type SliceLossIndication, parseSli, serializeSli } from './sli.js';

const EXPECT: Expect<SliceLossIndication>[] = [
  {
    name: 'valid',
    kind: 'other',
    why: 'pion sends SLI as PT 205 (RTPFB); RFC 4585 §6.3.2 puts it in PT 206 (PSFB) FMT 2',
    check: (b) => {
      assertParseError(() => parseSli(b), 'SLI with PT 205');
      // As received, it is an RTPFB with an unassigned FMT: kept raw, forwarded byte for byte.
      const raw = parseRtcpPacket(b);
      assert.equal(raw.type, 'unknown');
      // With the RFC's packet type it carries the vector's entry.
      const fixed = Uint8Array.from(b);
      fixed[1] = 206;
      const p = parseSli(fixed);
      assert.deepStrictEqual(p, { type: 'sli', senderSsrc: 0x902f9e2e, mediaSsrc: 0x902f9e2e, entries: [{ first: 0xaaa, number: 0, pictureId: 0x2c }] });
      assert.equal(toHex(serializeSli(p)), toHex(fixed));
    },
  },
  { name: 'short report', kind: 'error' },
  { name: 'wrong type', kind: 'error' },
];

test('SLI: every pion vector case (slice_loss_indication_test.go)', (t) => {
  const cases = pionSection(t, 'slice_loss_indication_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseSli, (p) => serializeSli(p)), cases.length);
});

test('SLI: bit layout 13/13/6 and limits', () => {
  const p: SliceLossIndication = { type: 'sli', senderSsrc: 1, mediaSsrc: 2, entries: [{ first: 0x1fff, number: 1, pictureId: 63 }, { first: 0, number: 0x1fff, pictureId: 0 }] };
  const b = serializeSli(p);
  assert.equal(toHex(b), '82ce0004' + '00000001' + '00000002' + 'fff8007f' + '0007ffc0');
  assert.deepStrictEqual(parseSli(b), p);
  assert.throws(() => serializeSli({ ...p, entries: [] }), ConfigError);
  assert.throws(() => serializeSli({ ...p, entries: [{ first: 0x2000, number: 0, pictureId: 0 }] }), ConfigError);
  assertParseError(() => parseSli(hex('82ce00020000000100000002')), 'SLI without entries');
});
