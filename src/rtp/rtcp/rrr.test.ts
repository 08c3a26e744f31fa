import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { type RapidResyncRequest, parseRrr, serializeRrr } from './rrr.js';

const EXPECT: Expect<RapidResyncRequest>[] = [
  { name: 'valid', kind: 'ok', want: { type: 'rrr', senderSsrc: 0x902f9e2e, mediaSsrc: 0x902f9e2e } },
  { name: 'short report', kind: 'error' },
  { name: 'wrong type', kind: 'error' },
];

test('RRR: every pion vector case (rapid_resynchronization_request_test.go)', (t) => {
  const cases = pionSection(t, 'rapid_resynchronization_request_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseRrr, (p) => serializeRrr(p)), cases.length);
});

test('RRR: constructed packet and FMT check', () => {
  assert.equal(toHex(serializeRrr({ type: 'rrr', senderSsrc: 1, mediaSsrc: 2 })), '85cd00020000000100000002');
  assertParseError(() => parseRrr(hex('81cd00020000000100000002')), 'FMT 1 is NACK');
});
