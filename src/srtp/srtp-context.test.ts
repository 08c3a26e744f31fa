import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SrtpContext, estimateRoc, type SrtpContextOptions } from './srtp-context.js';
import { getSrtpSuite, type SrtpSuiteName } from './suites.js';
import { flip, hex, loadVectors, splitKey, toHex, type LibsrtpCase } from './test-vectors.js';

interface RtpCase {
  name: string;
  suite: SrtpSuiteName;
  key: string;
  plain: string;
  cipher: string;
  mki?: string;
  hdrExt?: number[];
  /** Session keys given directly (RFC 7714 vectors). */
  session?: { key: string; salt: string };
}

function libsrtpRtpCases(v: Record<string, unknown>): RtpCase[] {
  const g = v._globals as Record<string, string>;
  const c = (k: string): LibsrtpCase => v[k] as LibsrtpCase;
  const a = (k: string, f: string): string => c(k).arrays[f] as string;
  return [
    { name: 'srtp_validate', suite: 'AES_CM_128_HMAC_SHA1_80', key: g.test_key!, plain: a('srtp_validate', 'srtp_plaintext_ref'), cipher: a('srtp_validate', 'srtp_ciphertext') },
    { name: 'srtp_validate_mki', suite: 'AES_CM_128_HMAC_SHA1_80', key: g.test_key!, mki: g.test_mki_id!, plain: a('srtp_validate_mki', 'srtp_plaintext_ref'), cipher: a('srtp_validate_mki', 'srtp_ciphertext') },
    { name: 'srtp_validate_null_sha1_80', suite: 'NULL_HMAC_SHA1_80', key: g.test_key!, plain: a('srtp_validate_null_sha1_80', 'srtp_plaintext_ref'), cipher: a('srtp_validate_null_sha1_80', 'srtp_ciphertext') },
    { name: 'srtp_validate_null_null', suite: 'NULL_NULL', key: g.test_key!, plain: a('srtp_validate_null_null', 'srtp_plaintext_ref'), cipher: a('srtp_validate_null_null', 'srtp_ciphertext') },
    { name: 'srtp_validate_gcm', suite: 'AEAD_AES_128_GCM', key: g.test_key_gcm!, plain: a('srtp_validate_gcm', 'rtp_plaintext_ref'), cipher: a('srtp_validate_gcm', 'srtp_ciphertext') },
    { name: 'srtp_validate_aes_192', suite: 'AES_192_CM_HMAC_SHA1_80', key: a('srtp_validate_aes_192', 'aes_192_test_key'), plain: a('srtp_validate_aes_192', 'srtp_plaintext_ref'), cipher: a('srtp_validate_aes_192', 'srtp_ciphertext') },
    { name: 'srtp_validate_aes_256', suite: 'AES_256_CM_HMAC_SHA1_80', key: a('srtp_validate_aes_256', 'aes_256_test_key'), plain: a('srtp_validate_aes_256', 'srtp_plaintext_ref'), cipher: a('srtp_validate_aes_256', 'srtp_ciphertext') },
    {
      name: 'srtp_validate_encrypted_extensions_headers (RFC 6904)',
      suite: 'AES_CM_128_HMAC_SHA1_80',
      key: a('srtp_validate_encrypted_extensions_headers', 'test_key_ext_headers'),
      plain: a('srtp_validate_encrypted_extensions_headers', 'srtp_plaintext_ref'),
      cipher: a('srtp_validate_encrypted_extensions_headers', 'srtp_ciphertext'),
      hdrExt: (c('srtp_validate_encrypted_extensions_headers').arrays.headers as string[]).map(Number),
    },
  ];
}

function ctxFor(k: RtpCase, extra: Partial<SrtpContextOptions> = {}): SrtpContext {
  const s = getSrtpSuite(k.suite);
  if (k.session) {
    const keys = { encryptionKey: hex(k.session.key), salt: hex(k.session.salt), authKey: new Uint8Array(0) };
    return new SrtpContext({ suite: s, masterKey: keys.encryptionKey, masterSalt: keys.salt, sessionKeys: { rtp: keys, rtcp: keys }, ...extra });
  }
  return new SrtpContext({
    suite: s,
    ...splitKey(hex(k.key), s.keyLength, s.saltLength),
    ...(k.mki ? { mki: hex(k.mki) } : {}),
    ...(k.hdrExt ? { encryptedHeaderExtensionIds: k.hdrExt } : {}),
    ...extra,
  });
}

/** The four checks every vector gets: exact bytes, plaintext back, flipped bit, replay. */
function checkRtpVector(k: RtpCase): void {
  const tx = ctxFor(k);
  const rx = ctxFor(k);
  const out = tx.protect(hex(k.plain));
  assert.ok(out, `${k.name}: protect returned null`);
  assert.equal(toHex(out), k.cipher, `${k.name}: protected bytes`);
  const back = rx.unprotect(hex(k.cipher));
  assert.ok(back, `${k.name}: unprotect failed (${rx.lastFailure})`);
  assert.equal(toHex(back), k.plain, `${k.name}: plaintext back`);
  assert.equal(rx.unprotect(hex(k.cipher)), null, `${k.name}: replay accepted`);
  assert.equal(rx.stats.replayed, 1);
  const tagged = getSrtpSuite(k.suite).rtpTagLength > 0;
  if (tagged) {
    // One flipped bit anywhere authenticated (payload, then header) → authentication failure.
    const fresh = ctxFor(k);
    const c = hex(k.cipher);
    const lastPayloadByte = c.length - getSrtpSuite(k.suite).rtpTagLength - (k.mki ? k.mki.length / 2 : 0) - 1;
    assert.equal(fresh.unprotect(flip(c, lastPayloadByte, 3)), null, `${k.name}: flipped payload bit accepted`);
    assert.equal(fresh.unprotect(flip(c, 1, 0)), null, `${k.name}: flipped header bit accepted`);
    assert.equal(fresh.stats.authFailed, 2, `${k.name}: authFailed counted`);
    assert.ok(fresh.unprotect(c), `${k.name}: the genuine packet still passes after failures`);
  }
}

test('libsrtp srtp_driver.c RTP known-answer packets: exact bytes, plaintext back, bit flip, replay', (t) => {
  const v = loadVectors(t, 'libsrtp_srtp_driver_vectors.json');
  if (!v) return;
  const cases = libsrtpRtpCases(v);
  for (const k of cases) checkRtpVector(k);
  console.log(`libsrtp RTP vectors: ${cases.length} passed`);
});

test('RFC 7714 §16 AEAD_AES_128_GCM / AEAD_AES_256_GCM RTP (session keys given)', (t) => {
  const v = loadVectors(t, 'rfc_srtp_vectors.json');
  if (!v) return;
  const g = v.rfc7714_gcm as Record<string, Record<string, string>>;
  for (const [bits, suite] of [['aes128', 'AEAD_AES_128_GCM'], ['aes256', 'AEAD_AES_256_GCM']] as const) {
    const r = g[bits]!;
    checkRtpVector({ name: `RFC 7714 ${suite}`, suite, key: '', session: { key: r.key!, salt: r.salt! }, plain: r.rtp_plain!, cipher: r.srtp! });
  }
});

function rtpPacket(seq: number, ssrc = 0x11223344, payload = 160): Uint8Array {
  const p = new Uint8Array(12 + payload);
  p[0] = 0x80;
  p[1] = 0;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  new DataView(p.buffer).setUint32(8, ssrc);
  for (let i = 12; i < p.length; i++) p[i] = (seq + i) & 0xff;
  return p;
}

function keyed(suite: SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80', fill = 1): SrtpContext {
  const s = getSrtpSuite(suite);
  return new SrtpContext({ suite: s, masterKey: new Uint8Array(s.keyLength).fill(fill), masterSalt: new Uint8Array(s.saltLength).fill(fill + 1) });
}

test('RFC 3711 Appendix A index estimation', () => {
  assert.equal(estimateRoc(10, 65530, 0), 1, 'wrapped forward');
  assert.equal(estimateRoc(65530, 10, 1), 0, 'late packet from before the wrap');
  assert.equal(estimateRoc(100, 50, 3), 3);
  assert.equal(estimateRoc(40000, 20000, 3), 3);
  assert.equal(estimateRoc(60000, 100, 0), -1, 'would need a negative ROC');
});

test('ROC rollover across seq 65535 → 0, with reordering around the wrap, for every suite kind', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_32', 'AEAD_AES_128_GCM'] as const) {
    const tx = keyed(suite);
    const rx = keyed(suite);
    const seqs: number[] = [];
    for (let s = 65000; s < 65536; s++) seqs.push(s);
    for (let s = 0; s < 600; s++) seqs.push(s);
    const prot = seqs.map((s) => tx.protect(rtpPacket(s))!);
    // deliver with a swap across the wrap: ..., 65534, 0, 65535, 1, ...
    const iWrap = seqs.indexOf(0);
    [prot[iWrap - 1], prot[iWrap]] = [prot[iWrap]!, prot[iWrap - 1]!];
    let ok = 0;
    for (const p of prot) if (rx.unprotect(p)) ok++;
    assert.equal(ok, seqs.length, `${suite}: all packets across the wrap (${JSON.stringify(rx.stats)})`);
    assert.equal(rx.receiverRoc(0x11223344), 1, `${suite}: receiver ROC 1 after the wrap`);
    const back = rx.unprotect(tx.protect(rtpPacket(700))!);
    assert.ok(back, `${suite}: packet after the wrap`);
    assert.equal(toHex(back), toHex(rtpPacket(700)), `${suite}: plaintext after the wrap`);
  }
});

test('the ROC is authenticated: a receiver that missed the wrap fails authentication; setRoc resynchronises', () => {
  const tx = keyed();
  tx.protect(rtpPacket(65535));
  const afterWrap = tx.protect(rtpPacket(5))!; // ROC 1
  const rx = keyed();
  assert.equal(rx.unprotect(afterWrap), null, 'ROC 0 guessed: must fail');
  assert.equal(rx.stats.authFailed, 1);
  const rx2 = keyed();
  rx2.setRoc(0x11223344, 1, 4);
  assert.ok(rx2.unprotect(afterWrap), 'with the ROC signalled');
});

test('per-SSRC state: two SSRCs with independent sequence spaces and windows', () => {
  const tx = keyed();
  const rx = keyed();
  const a = tx.protect(rtpPacket(100, 1))!;
  const b = tx.protect(rtpPacket(100, 2))!;
  assert.notEqual(toHex(a.subarray(12)), toHex(b.subarray(12)), 'different keystreams per SSRC');
  assert.ok(rx.unprotect(a), 'ssrc 1');
  assert.ok(rx.unprotect(b), 'ssrc 2 with the same seq is not a replay');
  assert.equal(rx.unprotect(a), null, 'replay of ssrc 1');
});

test('replay window edges on SRTP: 128 back is too old, 127 back is accepted', () => {
  const tx = keyed();
  const rx = keyed();
  const pk = new Map<number, Uint8Array>();
  for (let s = 1000; s <= 1200; s++) pk.set(s, tx.protect(rtpPacket(s))!);
  assert.ok(rx.unprotect(pk.get(1000)!), 'first');
  assert.ok(rx.unprotect(pk.get(1200)!), 'jump ahead');
  assert.ok(rx.unprotect(pk.get(1073)!), '1200 - 127');
  assert.equal(rx.unprotect(pk.get(1072)!), null, '1200 - 128');
  assert.equal(rx.stats.replayed, 1);
  const small = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: new Uint8Array(16).fill(1), masterSalt: new Uint8Array(14).fill(2), replayWindow: 16 });
  assert.ok(small.unprotect(pk.get(1200)!), 'configurable window: top');
  assert.equal(small.unprotect(pk.get(1184)!), null, 'configurable window: 16 back');
  assert.ok(small.unprotect(pk.get(1185)!), 'configurable window: 15 back');
});

test('wrong key, truncated and non-RTP input are counted, never thrown', () => {
  const tx = keyed('AES_CM_128_HMAC_SHA1_80', 1);
  const rx = keyed('AES_CM_128_HMAC_SHA1_80', 9);
  assert.equal(rx.unprotect(tx.protect(rtpPacket(1))!), null);
  assert.equal(rx.stats.authFailed, 1);
  assert.equal(rx.unprotect(new Uint8Array(5)), null);
  assert.equal(rx.unprotect(new Uint8Array([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), null);
  assert.equal(rx.stats.malformed, 2);
  const gtx = keyed('AEAD_AES_128_GCM', 1);
  const grx = keyed('AEAD_AES_128_GCM', 9);
  assert.equal(grx.unprotect(gtx.protect(rtpPacket(1))!), null);
  assert.equal(grx.stats.authFailed, 1, 'GCM tag failure counted');
  assert.equal(grx.unprotect(new Uint8Array(20)), null, 'too short for GCM');
});

test('_32 suites carry a 4-byte tag; MKI is carried between payload and tag', () => {
  const s32 = keyed('AES_CM_128_HMAC_SHA1_32');
  assert.equal(s32.protect(rtpPacket(1))!.length, 12 + 160 + 4);
  const m = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, masterKey: new Uint8Array(16).fill(3), masterSalt: new Uint8Array(14).fill(4), mki: hex('0102') };
  const p = new SrtpContext(m).protect(rtpPacket(1))!;
  assert.equal(toHex(p.subarray(172, 174)), '0102');
  assert.ok(new SrtpContext(m).unprotect(p), 'same MKI');
  const other = new SrtpContext({ ...m, mki: hex('0103') });
  assert.equal(other.unprotect(p), null, 'unknown MKI');
  assert.equal(other.stats.badIndex, 1);
});
