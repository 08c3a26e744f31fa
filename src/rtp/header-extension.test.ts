import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import {
  RTP_EXTENSION_PROFILE_ONE_BYTE as BEDE,
  RTP_EXTENSION_PROFILE_TWO_BYTE as TWO,
  chooseExtensionProfile,
  findHeaderExtension,
  fitsOneByte,
  headerExtensionsSize,
  isOneByteProfile,
  isTwoByteProfile,
  parseHeaderExtensions,
  writeHeaderExtensions,
} from './header-extension.js';
import { assertParseError, hex, toHex } from './test-helpers.js';

test('RFC 8285 profiles: 0xBEDE and 0x1000..0x100F (appbits)', () => {
  assert.equal(isOneByteProfile(0xbede), true);
  assert.equal(isTwoByteProfile(0x1000), true);
  assert.equal(isTwoByteProfile(0x100f), true);
  assert.equal(isTwoByteProfile(0x1010), false);
  assert.deepStrictEqual(parseHeaderExtensions(0x0001, hex('ffffffff')), []);
});

test('one-byte form (RFC 8285 §4.2): padding, ID 15 and ID 0 with a length stop processing', () => {
  assert.deepStrictEqual(parseHeaderExtensions(BEDE, hex('10aa0021bbbb0000')), [{ id: 1, data: hex('aa') }, { id: 2, data: hex('bbbb') }]);
  assert.deepStrictEqual(parseHeaderExtensions(BEDE, hex('10aaf0bb21cccc00')), [{ id: 1, data: hex('aa') }]);
  assert.deepStrictEqual(parseHeaderExtensions(BEDE, hex('10aa01bb21cccc00')), [{ id: 1, data: hex('aa') }]);
  assert.deepStrictEqual(parseHeaderExtensions(BEDE, hex('00000000')), []);
  assertParseError(() => parseHeaderExtensions(BEDE, hex('13aabb')), 'element past the end');
  // Element data are views of the input.
  const body = hex('1faabbccddeeff00112233445566778899');
  const [e] = parseHeaderExtensions(BEDE, body);
  assert.equal(e.data.length, 16);
  assert.equal(e.data.buffer, body.buffer);
});

test('two-byte form (RFC 8285 §4.3): zero-length elements, IDs up to 255', () => {
  assert.deepStrictEqual(parseHeaderExtensions(TWO, hex('0100ff02abcd00')), [{ id: 1, data: hex('') }, { id: 255, data: hex('abcd') }]);
  assertParseError(() => parseHeaderExtensions(TWO, hex('0105aabb')), 'element past the end');
  assertParseError(() => parseHeaderExtensions(TWO, hex('07')), 'no length byte');
});

test('encoding: sizes include alignment; the form is chosen by what fits', () => {
  const small = [{ id: 1, data: hex('aa') }, { id: 14, data: hex('bb'.repeat(16)) }];
  assert.equal(fitsOneByte(small), true);
  assert.equal(chooseExtensionProfile(small), BEDE);
  assert.equal(headerExtensionsSize(BEDE, small), 20); // 2 + 17 = 19 → 20
  const out = new Uint8Array(20).fill(0xee);
  assert.equal(writeHeaderExtensions(BEDE, small, out, 0), 20);
  assert.equal(toHex(out), '10aa' + 'ef' + 'bb'.repeat(16) + '00');
  assert.equal(chooseExtensionProfile([{ id: 15, data: hex('aa') }]), TWO);
  assert.equal(chooseExtensionProfile([{ id: 1, data: hex('') }]), TWO);
  assert.equal(headerExtensionsSize(TWO, [{ id: 1, data: hex('') }]), 4);
  assert.throws(() => headerExtensionsSize(BEDE, [{ id: 15, data: hex('aa') }]), ConfigError);
  assert.throws(() => headerExtensionsSize(0x1234, []), ConfigError);
  assert.deepStrictEqual(findHeaderExtension(small, 14), hex('bb'.repeat(16)));
  assert.equal(findHeaderExtension(small, 2), undefined);
});
