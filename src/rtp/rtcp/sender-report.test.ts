import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex, withFixedLength } from '../test-helpers.js';
import { parseCompound, serializeCompound } from './compound.js';
import type { ReceptionReport } from './reception-report.js';
import { cnameSdes } from './sdes.js';
import { type SenderReport, parseSenderReport, serializeSenderReport } from './sender-report.js';

const block: ReceptionReport = { ssrc: 0xbc5e9a40, fractionLost: 0, cumulativeLost: 0, highestSequence: 0x46e1, jitter: 273, lsr: 0x9f36432, dlsr: 150137 };

const sr = (o: Partial<SenderReport>): SenderReport => ({
  type: 'sr',
  ssrc: 0,
  ntpSeconds: 0,
  ntpFraction: 0,
  rtpTimestamp: 0,
  packetCount: 0,
  octetCount: 0,
  reports: [],
  profileExtensions: new Uint8Array(0),
  ...o,
});

const EXPECT: Expect<SenderReport>[] = [
  {
    // 52 bytes with length field 7 (that of the 32-byte RR it was copied from).
    name: 'valid',
    kind: 'pion-length',
    want: sr({ ssrc: 0x902f9e2e, ntpSeconds: 0xda8bd1fc, ntpFraction: 0xdddda05a, rtpTimestamp: 0xaaf4edd5, packetCount: 1, octetCount: 2, reports: [block] }),
  },
  { name: 'wrong type', kind: 'error', fixedLengthToo: true },
  { name: 'bad count in header', kind: 'error', fixedLengthToo: true },
  {
    name: 'with extension',
    kind: 'other',
    why: 'an SR (length 6 = 28 bytes) followed by an SDES; pion ignores the SR length and reads the SDES as profile extensions',
    check: (b) => {
      assertParseError(() => parseSenderReport(b), 'SR + SDES given to the single-packet parser');
      const want = sr({ ssrc: 0x2b7ec0c5, ntpSeconds: 0xe020a2a9, ntpFraction: 0x52a53fc0, rtpTimestamp: 0x2e48a552, packetCount: 70, octetCount: 4637 });
      // What it is on the wire: a compound SR + SDES CNAME.
      const list = parseCompound(b);
      assert.deepStrictEqual(list, [want, cnameSdes(0x2b7ec0c5, 'LcIfzXonDordSeW6')]);
      assert.equal(toHex(serializeCompound(list)), toHex(b));
      // pion's reading: with the SR length stretched over the whole buffer, the SDES bytes are its extension.
      const stretched = withFixedLength(b);
      const p = parseSenderReport(stretched);
      assert.deepStrictEqual(p, { ...want, profileExtensions: b.subarray(28) });
      assert.equal(toHex(serializeSenderReport(p)), toHex(stretched));
    },
  },
];

test('SR: every pion vector case (sender_report_test.go)', (t) => {
  const cases = pionSection(t, 'sender_report_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseSenderReport, (p) => serializeSenderReport(p)), cases.length);
});

test('SR: fields at the edges of their ranges round-trip', () => {
  const p = sr({ ssrc: 0xffffffff, ntpSeconds: 0xffffffff, ntpFraction: 1, rtpTimestamp: 0xffffffff, packetCount: 0xffffffff, octetCount: 0, reports: [block, block], profileExtensions: hex('01020304') });
  const b = serializeSenderReport(p);
  assert.equal(b.length, 28 + 48 + 4);
  assert.deepStrictEqual(parseSenderReport(b), p);
  assertParseError(() => parseSenderReport(hex('80c80001deadbeef')), 'SR without sender info');
});
