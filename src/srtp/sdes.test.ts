import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeySalt, formatCryptoAttribute, generateKeySalt, keyMaterialFromSdes, parseCryptoAttribute } from './sdes.js';
import { SrtpContext } from './srtp-context.js';
import { toHex } from './test-vectors.js';

test('RFC 4568 §4 example a=crypto lines parse (lifetime 2^20, MKI 1:4, several keys, session params)', () => {
  const c = parseCryptoAttribute('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4');
  assert.equal(c.tag, 1);
  assert.equal(c.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(c.keys.length, 1);
  assert.equal(c.keys[0]!.keySalt.length, 30);
  assert.equal(c.keys[0]!.lifetime, 2 ** 20);
  assert.deepEqual(c.keys[0]!.mki, { value: 1, length: 4 });
  const m = keyMaterialFromSdes(c);
  assert.equal(toHex(m.mki!), '00000001');
  assert.equal(m.masterKey.length, 16);
  assert.equal(m.masterSalt.length, 14);
  const two = parseCryptoAttribute(
    'crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32;inline:QUJjZGVmZ2hpSktMbW9QUXJzVFVWd3l6MTIzNDU2|2^20|2:32 KDR=1 WSH=64 UNENCRYPTED_SRTCP',
  );
  assert.equal(two.keys.length, 2);
  assert.equal(two.kdr, 2);
  assert.equal(two.wsh, 64);
  assert.deepEqual(two.sessionParams, ['KDR=1', 'WSH=64', 'UNENCRYPTED_SRTCP']);
});

test('generate → format → parse round trip for every suite; keys drive working contexts', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32', 'AES_192_CM_HMAC_SHA1_80', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'] as const) {
    const keySalt = generateKeySalt(suite);
    const line = formatCryptoAttribute({ tag: 3, suite, keys: [{ keySalt, lifetime: 2 ** 31, mki: { value: 7, length: 2 } }], sessionParams: [] });
    const back = parseCryptoAttribute(line);
    assert.equal(formatCryptoAttribute(back), line, `${suite}: round trip`);
    assert.equal(toHex(back.keys[0]!.keySalt), toHex(keySalt), `${suite}: key`);
    const ctx = new SrtpContext(keyMaterialFromSdes(back));
    assert.ok(ctx.protect(new Uint8Array([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3])), `${suite}: usable`);
  }
  assert.equal(formatCryptoAttribute(parseCryptoAttribute('crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1000')).endsWith('|1000'), true, 'decimal lifetime kept');
});

test('malformed a=crypto lines and keys are rejected with messages naming what is wrong', () => {
  assert.throws(() => parseCryptoAttribute('crypto:1 FOO inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR'), /unknown crypto suite/);
  assert.throws(() => parseCryptoAttribute('crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA'), /needs 30 bytes/);
  assert.throws(() => parseCryptoAttribute('crypto:x AES_CM_128_HMAC_SHA1_80 inline:AAAA'), /not "crypto/);
  assert.throws(() => parseCryptoAttribute('crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0'), /MKI length/);
  assert.throws(() => decodeKeySalt('abc', 'AES_CM_128_HMAC_SHA1_80', '--srtp-key'), /--srtp-key.*30 bytes/);
  assert.throws(() => decodeKeySalt(Buffer.alloc(30).toString('base64'), 'AES_256_CM_HMAC_SHA1_80', '--srtp-key'), /--srtp-key: 30 bytes.*46 bytes/);
  assert.equal(decodeKeySalt(Buffer.alloc(28, 1).toString('base64'), 'AEAD_AES_128_GCM').length, 28);
});
