import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertParseError, hex, toHex } from '../test-helpers.js';
import { type ReferencePictureSelection, parseRpsi, serializeRpsi } from './rpsi.js';

test('RPSI: PB counts the padding bits after the native bit string (RFC 4585 §6.3.3)', () => {
  // 12 bits of native RPSI: 2 + 2 bytes used, FCI padded to 4 bytes → PB = 16 - 12 = 4.
  const p: ReferencePictureSelection = { type: 'rpsi', senderSsrc: 1, mediaSsrc: 2, payloadType: 96, bitString: hex('abc0'), bitLength: 12 };
  const b = serializeRpsi(p);
  assert.equal(toHex(b), '83ce0003' + '00000001' + '00000002' + '04' + '60' + 'abc0');
  assert.deepStrictEqual(parseRpsi(b), p);
  // 24 bits: 2 + 3 bytes → FCI of 8 bytes → PB = 48 - 24 = 24.
  const q: ReferencePictureSelection = { ...p, bitString: hex('010203'), bitLength: 24 };
  const c = serializeRpsi(q);
  assert.equal(toHex(c), '83ce0004' + '00000001' + '00000002' + '18' + '60' + '010203' + '000000');
  assert.deepStrictEqual(parseRpsi(c), q);
});

test('RPSI: malformed FCIs', () => {
  assertParseError(() => parseRpsi(hex('83ce0003' + '00000001' + '00000002' + '21' + '60' + 'abc0')), 'PB beyond the bit string');
  assertParseError(() => parseRpsi(hex('83ce0003' + '00000001' + '00000002' + '04' + 'e0' + 'abc0')), 'bit before PT set');
  assertParseError(() => parseRpsi(hex('83ce0002' + '00000001' + '00000002')), 'no FCI');
});
