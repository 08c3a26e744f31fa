import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { type ApplicationDefined, parseApp, serializeApp } from './app.js';

const app = (subtype: number, data: string): ApplicationDefined => ({ type: 'app', subtype, ssrc: 0x4baae1ab, name: 'NAME', data: hex(data) });

/** An inner `Data:` slice of the case at `of` (the extractor took the Go field for a case). */
function sliceOf(name: string, of: number): Expect<ApplicationDefined> {
  return {
    name,
    kind: 'other',
    why: `the Data field of case ${of}, not a packet`,
    check: (b, all) => assert.deepStrictEqual(parseApp(hex(all[of].hex)).data, b),
  };
}

/** Data of pion's round-trip table (packets built with Name "NAME"): build, serialise, parse back. */
function roundTripData(name: string): Expect<ApplicationDefined> {
  return {
    name,
    kind: 'other',
    why: 'data of a constructed round-trip packet',
    check: (b) => {
      const p = { type: 'app' as const, subtype: 0, ssrc: 0x4baae1ab, name, data: b };
      if (name.length !== 4) {
        assert.throws(() => serializeApp(p), ConfigError);
        return;
      }
      assert.deepStrictEqual(parseApp(serializeApp(p)), p);
    },
  };
}

const EXPECT: Expect<ApplicationDefined>[] = [
  { name: 'valid', kind: 'ok', want: app(0, '41424344') },
  sliceOf('NAME', 0),
  { name: 'validCustomSsubType', kind: 'ok', want: app(31, '41424344') },
  sliceOf('NAME', 2),
  {
    name: 'validWithPadding',
    kind: 'ok',
    want: app(0, '4142434445'),
    canonical: { hex: 'a0cc00044baae1ab4e414d454142434445000003', why: 'padding octets are written as zeros then the count; the vector repeats the count' },
  },
  sliceOf('NAME', 4),
  { name: 'invalidAppPacketLengthField', kind: 'error' },
  { name: 'invalidPacketLengthTooShort', kind: 'error' },
  { name: 'wrongPaddingSize', kind: 'error' },
  { name: 'invalidHeader', kind: 'error' },
  roundTripData('NAME'),
  roundTripData('NAME'),
  roundTripData('NAME'),
  roundTripData('NOT4CHARS'),
  roundTripData('NAME'),
];

test('APP: every pion vector case (application_defined_test.go)', (t) => {
  const cases = pionSection(t, 'application_defined_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseApp, (p) => serializeApp(p)), cases.length);
});

test('APP: word-aligned data needs no padding; subtype and name survive', () => {
  const p: ApplicationDefined = { type: 'app', subtype: 7, ssrc: 1, name: 'mwv1', data: hex('0102030405060708') };
  const b = serializeApp(p);
  assert.equal(toHex(b), '87cc0004' + '00000001' + '6d777631' + '0102030405060708');
  assert.deepStrictEqual(parseApp(b), p);
});

test('APP: bad input is a ParseError, bad fields a ConfigError', () => {
  assertParseError(() => parseApp(hex('80cc000100000001')), 'APP without its name');
  assertParseError(() => parseApp(hex('80cc0001000000014e414d45')), 'length field disagreeing with the buffer');
  assertParseError(() => parseApp(hex('a0cc000200000001000000')), 'truncated');
  assertParseError(() => parseApp(hex('a0cc0002000000014e414d00')), 'padding count 0');
  assert.throws(() => serializeApp({ type: 'app', subtype: 32, ssrc: 1, name: 'NAME', data: new Uint8Array(0) }), ConfigError);
  assert.throws(() => serializeApp({ type: 'app', subtype: 0, ssrc: 1, name: 'NAMĒ', data: new Uint8Array(0) }), ConfigError);
});

test('APP: serialises into a caller buffer and returns the written view', () => {
  const out = new Uint8Array(64);
  const b = serializeApp({ type: 'app', subtype: 0, ssrc: 2, name: 'ABCD', data: hex('ff') }, out);
  assert.equal(b.buffer, out.buffer);
  assert.equal(b.length, 16);
  assert.throws(() => serializeApp({ type: 'app', subtype: 0, ssrc: 2, name: 'ABCD', data: hex('ff') }, new Uint8Array(8)), ConfigError);
});
