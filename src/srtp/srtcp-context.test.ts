import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtcpContext } from './srtcp-context.js';
import { getSrtpSuite, type SrtpSuiteName } from './suites.js';
import { flip, hex, loadVectors, splitKey, toHex, type LibsrtpCase } from './test-vectors.js';

interface RtcpCase {
  name: string;
  suite: SrtpSuiteName;
  key: string;
  plain: string;
  cipher: string;
  mki?: string;
  session?: { key: string; salt: string };
  /** Index the vector's packet carries. */
  index?: number;
}

function ctxFor(k: RtcpCase): SrtcpContext {
  const s = getSrtpSuite(k.suite);
  let c: SrtcpContext;
  if (k.session) {
    const keys = { encryptionKey: hex(k.session.key), salt: hex(k.session.salt), authKey: new Uint8Array(0) };
    c = new SrtcpContext({ suite: s, masterKey: keys.encryptionKey, masterSalt: keys.salt, sessionKeys: { rtp: keys, rtcp: keys } });
  } else c = new SrtcpContext({ suite: s, ...splitKey(hex(k.key), s.keyLength, s.saltLength), ...(k.mki ? { mki: hex(k.mki) } : {}) });
  if (k.index !== undefined) c.setNextIndex(new DataView(hex(k.plain).buffer).getUint32(4), k.index);
  return c;
}

function checkRtcpVector(k: RtcpCase): void {
  const out = ctxFor(k).protect(hex(k.plain));
  assert.ok(out, `${k.name}: protect returned null`);
  assert.equal(toHex(out), k.cipher, `${k.name}: protected bytes`);
  const rx = ctxFor(k);
  const back = rx.unprotect(hex(k.cipher));
  assert.ok(back, `${k.name}: unprotect failed (${rx.lastFailure})`);
  assert.equal(toHex(back), k.plain, `${k.name}: plaintext back`);
  assert.equal(rx.unprotect(hex(k.cipher)), null, `${k.name}: replay accepted`);
  assert.equal(rx.stats.replayed, 1, `${k.name}: replay counted`);
  if (getSrtpSuite(k.suite).rtcpTagLength > 0) {
    const fresh = ctxFor(k);
    assert.equal(fresh.unprotect(flip(hex(k.cipher), 9, 2)), null, `${k.name}: flipped bit accepted`);
    assert.equal(fresh.stats.authFailed, 1, `${k.name}: authFailed counted`);
  }
}

test('libsrtp srtp_driver.c SRTCP known-answer packets (index 1, E flag): exact bytes, back, bit flip, replay', (t) => {
  const v = loadVectors(t, 'libsrtp_srtp_driver_vectors.json');
  if (!v) return;
  const g = v._globals as Record<string, string>;
  const a = (k: string, f: string): string => (v[k] as LibsrtpCase).arrays[f] as string;
  const cases: RtcpCase[] = [
    { name: 'srtp_validate', suite: 'AES_CM_128_HMAC_SHA1_80', key: g.test_key!, plain: a('srtp_validate', 'rtcp_plaintext_ref'), cipher: a('srtp_validate', 'srtcp_ciphertext') },
    { name: 'srtp_validate_mki', suite: 'AES_CM_128_HMAC_SHA1_80', key: g.test_key!, mki: g.test_mki_id!, plain: a('srtp_validate_mki', 'rtcp_plaintext_ref'), cipher: a('srtp_validate_mki', 'srtcp_ciphertext') },
    { name: 'srtp_validate_null_sha1_80', suite: 'NULL_HMAC_SHA1_80', key: g.test_key!, plain: a('srtp_validate_null_sha1_80', 'rtcp_plaintext_ref'), cipher: a('srtp_validate_null_sha1_80', 'srtcp_ciphertext') },
    { name: 'srtp_validate_null_null', suite: 'NULL_NULL', key: g.test_key!, plain: a('srtp_validate_null_null', 'rtcp_plaintext_ref'), cipher: a('srtp_validate_null_null', 'srtcp_ciphertext') },
    { name: 'srtp_validate_gcm', suite: 'AEAD_AES_128_GCM', key: g.test_key_gcm!, plain: a('srtp_validate_gcm', 'rtcp_plaintext_ref'), cipher: a('srtp_validate_gcm', 'srtcp_ciphertext') },
  ];
  for (const k of cases) checkRtcpVector(k);
  console.log(`libsrtp SRTCP vectors: ${cases.length} passed`);
});

test('RFC 7714 §17 SRTCP AEAD_AES_128_GCM / 256 (index 0x5d4), encrypted and authentication-only', (t) => {
  const v = loadVectors(t, 'rfc_srtp_vectors.json');
  if (!v) return;
  const g = v.rfc7714_gcm as Record<string, Record<string, string>>;
  for (const [bits, suite] of [['aes128', 'AEAD_AES_128_GCM'], ['aes256', 'AEAD_AES_256_GCM']] as const) {
    const r = g[bits]!;
    const k: RtcpCase = { name: `RFC 7714 ${suite}`, suite, key: '', session: { key: r.key!, salt: r.salt! }, plain: r.rtcp_plain!, cipher: r.srtcp!, index: 0x5d4 };
    checkRtcpVector(k);
    // Authentication only (E = 0): accepted and returned as is.
    const rx = ctxFor(k);
    const back = rx.unprotect(hex(r.srtcp_auth_only!));
    assert.ok(back, `${suite} auth-only: ${rx.lastFailure}`);
    assert.equal(toHex(back), r.rtcp_plain);
    assert.equal(ctxFor(k).unprotect(flip(hex(r.srtcp_auth_only!), 20)), null, `${suite} auth-only flipped bit`);
  }
});

test('SRTCP index: increments per packet from 1, per SSRC, E flag set; replay window on the index', () => {
  const s = getSrtpSuite('AES_CM_128_HMAC_SHA1_80');
  const mk = (): SrtcpContext => new SrtcpContext({ suite: s, masterKey: new Uint8Array(16).fill(5), masterSalt: new Uint8Array(14).fill(6) });
  const tx = mk();
  const rx = mk();
  const rr = (ssrc: number): Uint8Array => {
    const p = new Uint8Array(8);
    p.set([0x80, 201, 0, 1]);
    new DataView(p.buffer).setUint32(4, ssrc);
    return p;
  };
  const idx = (p: Uint8Array): number => new DataView(p.buffer).getUint32(p.length - 14);
  const p1 = tx.protect(rr(7))!;
  const p2 = tx.protect(rr(7))!;
  const q1 = tx.protect(rr(8))!;
  assert.equal(idx(p1), 0x80000001);
  assert.equal(idx(p2), 0x80000002);
  assert.equal(idx(q1), 0x80000001, 'per SSRC');
  assert.ok(rx.unprotect(p2), 'p2');
  assert.ok(rx.unprotect(p1), 'p1 out of order');
  assert.equal(rx.unprotect(p1), null, 'p1 replay');
  assert.ok(rx.unprotect(q1), 'other SSRC');
  tx.setNextIndex(7, 0x7fffffff);
  assert.ok(tx.protect(rr(7)), 'last index');
  assert.equal(tx.protect(rr(7)), null, 'index exhausted: refuse (RFC 3711 §3.4)');
  assert.equal(tx.stats.badIndex, 1);
  assert.equal(rx.unprotect(new Uint8Array(10)), null);
  assert.equal(rx.stats.malformed, 1);
});
