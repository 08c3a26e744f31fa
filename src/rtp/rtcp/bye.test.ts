import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { type Goodbye, parseBye, serializeBye } from './bye.js';

// pion's BYE tests put the byte count in the length field (RFC 3550 §6.4.1 wants words − 1).
const EXPECT: Expect<Goodbye>[] = [
  { name: 'valid', kind: 'pion-length', want: { type: 'bye', sources: [0x902f9e2e], reason: 'FOO' } },
  { name: 'invalid octet count', kind: 'error', fixedLengthToo: true },
  { name: 'wrong type', kind: 'error', fixedLengthToo: true },
  { name: 'short reason', kind: 'pion-length', want: { type: 'bye', sources: [0x902f9e2e], reason: 'F' } },
  { name: 'not byte aligned', kind: 'error' },
  { name: 'bad count in header', kind: 'error', fixedLengthToo: true },
  // Go's Reason "" is "no reason": the packet has no reason octets.
  { name: 'empty packet', kind: 'pion-length', want: { type: 'bye', sources: [] } },
];

test('BYE: every pion vector case (goodbye_test.go)', (t) => {
  const cases = pionSection(t, 'goodbye_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseBye, (p) => serializeBye(p)), cases.length);
});

test('BYE: an empty reason is distinct from none, and UTF-8 reasons round-trip', () => {
  const empty = serializeBye({ type: 'bye', sources: [1], reason: '' });
  assert.equal(toHex(empty), '81cb0002' + '00000001' + '00000000');
  assert.deepStrictEqual(parseBye(empty), { type: 'bye', sources: [1], reason: '' });
  const p: Goodbye = { type: 'bye', sources: [1, 2], reason: 'au revoir — à bientôt' };
  assert.deepStrictEqual(parseBye(serializeBye(p)), p);
  const none = serializeBye({ type: 'bye', sources: [] });
  assert.equal(toHex(none), '80cb0000');
});

test('BYE: limits', () => {
  assert.throws(() => serializeBye({ type: 'bye', sources: [], reason: 'x'.repeat(256) }), ConfigError);
  assert.throws(() => serializeBye({ type: 'bye', sources: new Array<number>(32).fill(1) }), ConfigError);
  // Data after the padded reason is not BYE.
  assertParseError(() => parseBye(hex('81cb0003902f9e2e03464f4f00000000')), 'trailing word after reason');
});
