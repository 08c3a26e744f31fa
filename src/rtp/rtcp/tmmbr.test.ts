import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { assertParseError, hex, toHex } from '../test-helpers.js';
import { type Tmmbr, encodeBitrate, parseTmmbr, serializeTmmbr } from './tmmbr.js';

test('TMMBR: entry layout exp 6 / mantissa 17 / overhead 9 (RFC 5104 §4.2.1)', () => {
  // 512 kbit/s = 128000 × 2^2? 128000 < 2^17 → exp 2, mantissa 128000; overhead 40.
  const p: Tmmbr = { type: 'tmmbr', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 0xabcdef01, bitrate: 512000, overhead: 40 }] };
  const b = serializeTmmbr(p);
  const w = ((2 << 26) | (128000 << 9) | 40) >>> 0;
  assert.equal(toHex(b), '83cd0004' + '00000001' + '00000000' + 'abcdef01' + w.toString(16).padStart(8, '0'));
  assert.deepStrictEqual(parseTmmbr(b), p);
});

test('TMMBR: bit rate encoding picks the smallest exponent and never rounds up', () => {
  assert.deepStrictEqual(encodeBitrate(131071, 17, 'x'), { exp: 0, mantissa: 131071 });
  assert.deepStrictEqual(encodeBitrate(131072, 17, 'x'), { exp: 1, mantissa: 65536 });
  assert.deepStrictEqual(encodeBitrate(131073, 17, 'x'), { exp: 1, mantissa: 65536 });
  const huge = 131071 * 2 ** 63;
  assert.deepStrictEqual(encodeBitrate(huge, 17, 'x'), { exp: 63, mantissa: 131071 });
  assert.throws(() => encodeBitrate(huge * 2, 17, 'x'), ConfigError);
  assert.throws(() => serializeTmmbr({ type: 'tmmbr', senderSsrc: 1, mediaSsrc: 0, entries: [] }), ConfigError);
  assert.throws(() => serializeTmmbr({ type: 'tmmbr', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 1, bitrate: 1, overhead: 512 }] }), ConfigError);
});

test('TMMBR: at least one entry, whole entries only', () => {
  assertParseError(() => parseTmmbr(hex('83cd00020000000100000000')), 'no entry');
  assertParseError(() => parseTmmbr(hex('83cd0003000000010000000000000001')), 'half an entry');
});
