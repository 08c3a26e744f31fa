import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import type { ReceptionReport } from './reception-report.js';
import { type ReceiverReport, parseReceiverReport, serializeReceiverReport } from './receiver-report.js';

const block: ReceptionReport = { ssrc: 0xbc5e9a40, fractionLost: 0, cumulativeLost: 0, highestSequence: 0x46e1, jitter: 273, lsr: 0x9f36432, dlsr: 150137 };

const EXPECT: Expect<ReceiverReport>[] = [
  { name: 'valid', kind: 'ok', want: { type: 'rr', ssrc: 0x902f9e2e, reports: [block], profileExtensions: new Uint8Array(0) } },
  { name: 'valid with extension data', kind: 'ok', want: { type: 'rr', ssrc: 0x902f9e2e, reports: [block], profileExtensions: hex('5445535444415441') } },
  { name: 'short report', kind: 'error' },
  { name: 'wrong type', kind: 'error' },
  { name: 'bad count in header', kind: 'error' },
];

test('RR: every pion vector case (receiver_report_test.go)', (t) => {
  const cases = pionSection(t, 'receiver_report_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseReceiverReport, (p) => serializeReceiverReport(p)), cases.length);
});

test('RR: empty report and limits', () => {
  const p: ReceiverReport = { type: 'rr', ssrc: 7, reports: [], profileExtensions: new Uint8Array(0) };
  assert.deepStrictEqual(parseReceiverReport(serializeReceiverReport(p)), p);
  assert.throws(() => serializeReceiverReport({ ...p, reports: new Array<ReceptionReport>(32).fill(block) }), ConfigError);
  // Profile extensions that are not whole words ride with P-bit padding and come back as they were.
  const odd = { ...p, profileExtensions: hex('01') };
  assert.equal(toHex(serializeReceiverReport(odd)), 'a0c90002' + '00000007' + '01000003');
  assert.deepStrictEqual(parseReceiverReport(serializeReceiverReport(odd)), odd);
  const full = { ...p, reports: new Array<ReceptionReport>(31).fill(block) };
  assert.deepStrictEqual(parseReceiverReport(serializeReceiverReport(full)), full);
});
