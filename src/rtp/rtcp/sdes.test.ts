import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { SdesType, type SourceDescription, cnameSdes, findCname, parseSdes, serializeSdes } from './sdes.js';

// pion's SDES tests put the byte count in the length field (RFC 3550 §6.4.1 wants words − 1).
const EXPECT: Expect<SourceDescription>[] = [
  { name: 'no chunks', kind: 'pion-length', want: { type: 'sdes', chunks: [] } },
  { name: 'missing type', kind: 'error', fixedLengthToo: true },
  { name: 'bad cname length', kind: 'error' },
  { name: 'short cname', kind: 'error' },
  { name: 'no end', kind: 'error' },
  { name: 'bad octet count', kind: 'error' },
  { name: 'zero item chunk', kind: 'pion-length', want: { type: 'sdes', chunks: [{ source: 0x01020304, items: [] }] } },
  { name: 'wrong type', kind: 'error', fixedLengthToo: true },
  { name: 'bad count in header', kind: 'error', fixedLengthToo: true },
  { name: 'empty string', kind: 'pion-length', want: cnameSdes(0x01020304, '') },
  {
    name: 'two items',
    kind: 'pion-length',
    want: { type: 'sdes', chunks: [{ source: 0x10000000, items: [{ type: SdesType.CNAME, text: 'A' }, { type: SdesType.PHONE, text: 'B' }] }] },
  },
  {
    name: 'two chunks',
    kind: 'pion-length',
    want: {
      type: 'sdes',
      chunks: [
        { source: 0x01020304, items: [{ type: SdesType.CNAME, text: 'A' }] },
        { source: 0x05060708, items: [{ type: SdesType.CNAME, text: 'BCD' }] },
      ],
    },
  },
];

test('SDES: every pion vector case (source_description_test.go)', (t) => {
  const cases = pionSection(t, 'source_description_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseSdes, (p) => serializeSdes(p)), cases.length);
});

test('SDES: every item type CNAME..PRIV, plus MID, round-trips', () => {
  const p: SourceDescription = {
    type: 'sdes',
    chunks: [
      {
        source: 0xdeadbeef,
        items: [
          { type: SdesType.CNAME, text: 'user@host' },
          { type: SdesType.NAME, text: 'Zoë' },
          { type: SdesType.EMAIL, text: 'z@example.org' },
          { type: SdesType.PHONE, text: '+33 1 23 45 67 89' },
          { type: SdesType.LOC, text: 'Paris' },
          { type: SdesType.TOOL, text: 'mediaweave' },
          { type: SdesType.NOTE, text: 'on the phone' },
          { type: SdesType.PRIV, prefix: 'x-app', text: 'value' },
          { type: SdesType.MID, text: '0' },
        ],
      },
      { source: 1, items: [] },
    ],
  };
  const b = serializeSdes(p);
  assert.equal(b.length % 4, 0);
  assert.deepStrictEqual(parseSdes(b), p);
  assert.deepStrictEqual(findCname(p), { source: 0xdeadbeef, cname: 'user@host' });
});

test('SDES: PRIV layout (RFC 3550 §6.5.8) and limits', () => {
  const b = serializeSdes({ type: 'sdes', chunks: [{ source: 1, items: [{ type: SdesType.PRIV, prefix: 'ab', text: 'c' }] }] });
  assert.equal(toHex(b), '81ca0003' + '00000001' + '0804' + '02' + '6162' + '63' + '0000');
  assertParseError(() => parseSdes(hex('81ca0003' + '00000001' + '0804' + '05' + '6162' + '63' + '0000')), 'PRIV prefix overflow');
  assert.throws(() => serializeSdes(cnameSdes(1, 'x'.repeat(256))), ConfigError);
  assert.throws(() => serializeSdes({ type: 'sdes', chunks: [{ source: 1, items: [{ type: 0, text: '' }] }] }), ConfigError);
  // A chunk whose padding would run past the end, and data after the last chunk.
  assertParseError(() => parseSdes(hex('81ca0002' + '00000001' + '01024142')), 'no terminator');
  assertParseError(() => parseSdes(hex('81ca0003' + '00000001' + '00000000' + '00000000')), 'extra word');
  // A CNAME of exactly 255 bytes still fits.
  const long = cnameSdes(1, 'y'.repeat(255));
  assert.deepStrictEqual(parseSdes(serializeSdes(long)), long);
});
