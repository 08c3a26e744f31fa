import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveKey, deriveSessionKeys, SrtpLabel } from './kdf.js';
import { getSrtpSuite } from './suites.js';
import { AesCmKeystream } from './primitives.js';
import { hex, loadVectors, toHex } from './test-vectors.js';

test('RFC 3711 B.3 key derivation (kdr 0): SRTP and SRTCP session keys', (t) => {
  const v = loadVectors(t, 'rfc_srtp_vectors.json');
  if (!v) return;
  const b3 = v.rfc3711_B3_key_derivation as Record<string, string>;
  const k = deriveSessionKeys(getSrtpSuite('AES_CM_128_HMAC_SHA1_80'), hex(b3.master_key!), hex(b3.master_salt!));
  assert.equal(toHex(k.rtp.encryptionKey), b3.srtp_cipher_key);
  assert.equal(toHex(k.rtp.salt), b3.srtp_cipher_salt);
  assert.equal(toHex(k.rtp.authKey), b3.srtp_auth_key_20);
  assert.equal(toHex(k.rtcp.encryptionKey), b3.srtcp_cipher_key_computed);
  assert.equal(toHex(k.rtcp.authKey), b3.srtcp_auth_key_computed);
  assert.equal(toHex(k.rtcp.salt), b3.srtcp_cipher_salt_computed);
  // The RFC prints 94 bytes of auth-key PRF output.
  assert.equal(toHex(deriveKey(hex(b3.master_key!), hex(b3.master_salt!), SrtpLabel.rtpAuth, 94)), b3.srtp_auth_key_94_as_in_rfc);
});

test('RFC 6188 §7 AES-256 key derivation', (t) => {
  const v = loadVectors(t, 'rfc_srtp_vectors.json');
  if (!v) return;
  const r = v.rfc6188_aes256_kdf as Record<string, string>;
  const k = deriveSessionKeys(getSrtpSuite('AES_256_CM_HMAC_SHA1_80'), hex(r.master_key!), hex(r.master_salt!));
  assert.equal(toHex(k.rtp.encryptionKey), r.srtp_cipher_key);
  assert.equal(toHex(k.rtp.salt), r.srtp_cipher_salt);
  assert.equal(toHex(k.rtp.authKey), r.srtp_auth_key);
  assert.equal(toHex(k.rtcp.encryptionKey), r.srtcp_cipher_key);
  assert.equal(toHex(k.rtcp.authKey), r.srtcp_auth_key);
  assert.equal(toHex(k.rtcp.salt), r.srtcp_cipher_salt);
});

function keystreamBlocks(key: Uint8Array, offset: Uint8Array, blocks: Record<string, string>, first?: string): void {
  const ks = new AesCmKeystream(key);
  const n = 0x10000 * 16;
  const out = new Uint8Array(n);
  ks.xor(offset, new Uint8Array(n), 0, out, 0, n);
  for (const [ctr, want] of Object.entries(blocks)) {
    const i = parseInt(ctr, 16) * 16;
    assert.equal(toHex(out.subarray(i, i + 16)), want, `block ${ctr}`);
  }
  if (first) assert.equal(toHex(out.subarray(0, first.length / 2)), first);
}

test('RFC 3711 B.2 AES-CM keystream blocks (incl. counter 0xfeff..0xff01)', (t) => {
  const v = loadVectors(t, 'rfc_srtp_vectors.json');
  if (!v) return;
  const b2 = v.rfc3711_B2_aes_cm_keystream as { session_key: string; session_salt_shifted_offset: string; blocks: Record<string, string> };
  keystreamBlocks(hex(b2.session_key), hex(b2.session_salt_shifted_offset), b2.blocks);
});

test('RFC 6188 §7 AES-256-CM keystream', (t) => {
  const v = loadVectors(t, 'rfc_srtp_vectors.json');
  if (!v) return;
  const r = v.rfc6188_aes256_keystream as { session_key: string; offset: string; first_48_bytes: string; blocks_computed: Record<string, string> };
  keystreamBlocks(hex(r.session_key), hex(r.offset), r.blocks_computed, r.first_48_bytes);
});

test('non-zero key derivation rate: r = index DIV kdr changes the keys; kdr must be a power of two', () => {
  const s = getSrtpSuite('AES_CM_128_HMAC_SHA1_80');
  const mk = new Uint8Array(16).fill(7);
  const ms = new Uint8Array(14).fill(9);
  const a = deriveSessionKeys(s, mk, ms, { kdr: 0 });
  const b = deriveSessionKeys(s, mk, ms, { kdr: 16, index: 15 });
  const c = deriveSessionKeys(s, mk, ms, { kdr: 16, index: 16 });
  assert.equal(toHex(a.rtp.encryptionKey), toHex(b.rtp.encryptionKey), 'r = 0 equals kdr 0');
  assert.notEqual(toHex(a.rtp.encryptionKey), toHex(c.rtp.encryptionKey), 'r = 1 differs');
  assert.throws(() => deriveSessionKeys(s, mk, ms, { kdr: 3 }), /power of two/);
});
