/**
 * SRTCP (RFC 3711 §3.4): the whole compound RTCP packet after the first 8 bytes is encrypted; the
 * trailer is E flag ‖ 31-bit SRTCP index, [MKI], authentication tag (RFC 3711 Figure 2). For GCM
 * (RFC 7714 §9): header ‖ ciphertext ‖ tag ‖ E ‖ index ‖ [MKI], AAD = first 8 bytes ‖ E ‖ index
 * (E = 0: authentication only, AAD = whole packet ‖ E ‖ index, §9.2 / §17.2).
 * Sans-IO; failures are counted in `stats` and return null.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { deriveSessionKeys, type SessionKeys } from './kdf.js';
import { AesCmKeystream, AesCmStream, HmacSha1, gcmName } from './primitives.js';
import { ReplayWindow } from './replay-window.js';
import { resolveSuite, type SrtpContextOptions, type SrtpFailure, type SrtpStats } from './srtp-context.js';
import type { SrtpSuite } from './suites.js';

const MAX_INDEX = 0x7fffffff;

export class SrtcpContext {
  readonly suite: SrtpSuite;
  readonly stats: SrtpStats = { protected: 0, unprotected: 0, authFailed: 0, replayed: 0, badIndex: 0, malformed: 0 };
  lastFailure: SrtpFailure | undefined;
  readonly #keys: SessionKeys;
  readonly #mki: Uint8Array;
  readonly #windowSize: number;
  readonly #ks: AesCmKeystream | undefined;
  readonly #hmac: HmacSha1 | undefined;
  /** Next SRTCP index to send, per SSRC (the first packet carries 1, as libsrtp). */
  readonly #txIndex = new Map<number, number>();
  readonly #rx = new Map<number, ReplayWindow>();
  /** AES-CM keystream per SSRC, sent and received (made ahead for the next indices). */
  readonly #txCm = new Map<number, AesCmStream>();
  readonly #rxCm = new Map<number, AesCmStream>();

  constructor(o: SrtpContextOptions) {
    this.suite = resolveSuite(o.suite);
    this.#keys = o.sessionKeys?.rtcp ?? deriveSessionKeys(this.suite, o.masterKey, o.masterSalt, { kdr: o.kdr ?? 0 }).rtcp;
    this.#mki = o.mki ?? new Uint8Array(0);
    this.#windowSize = o.replayWindow ?? 128;
    if (this.suite.cipher === 'aes-cm') this.#ks = new AesCmKeystream(this.#keys.encryptionKey);
    if (this.suite.authKeyLength > 0) this.#hmac = new HmacSha1(this.#keys.authKey);
  }

  /** Sets the SRTCP index the next protected packet of `ssrc` carries (tests, key changes). */
  setNextIndex(ssrc: number, index: number): void {
    this.#txIndex.set(ssrc >>> 0, index - 1);
  }

  #fail(reason: SrtpFailure): null {
    this.stats[reason]++;
    this.lastFailure = reason;
    return null;
  }

  /** RFC 3711 §4.1.1 with the SRTCP index as i: the AES-CM keystream of `ssrc`. */
  #stream(streams: Map<number, AesCmStream>, ssrc: number): AesCmStream {
    let s = streams.get(ssrc);
    if (!s) {
      s = new AesCmStream(this.#ks!, this.#keys.salt, ssrc);
      streams.set(ssrc, s);
    }
    return s;
  }

  /** RFC 7714 §9.1: IV = (0x0000 ‖ SSRC ‖ 0x0000 ‖ 0 ‖ index) ⊕ salt. */
  #gcmIv(ssrc: number, index: number): Uint8Array {
    const iv = new Uint8Array(12);
    iv.set(this.#keys.salt.subarray(0, 12));
    iv[2] ^= ssrc >>> 24;
    iv[3] ^= (ssrc >>> 16) & 0xff;
    iv[4] ^= (ssrc >>> 8) & 0xff;
    iv[5] ^= ssrc & 0xff;
    iv[8] ^= index >>> 24;
    iv[9] ^= (index >>> 16) & 0xff;
    iv[10] ^= (index >>> 8) & 0xff;
    iv[11] ^= index & 0xff;
    return iv;
  }

  /** Protects one (compound) RTCP packet. Returns a new array, or null (malformed, index exhausted). */
  protect(rtcp: Uint8Array): Uint8Array | null {
    if (rtcp.length < 8 || rtcp[0]! >> 6 !== 2) return this.#fail('malformed');
    const ssrc = ((rtcp[4]! << 24) | (rtcp[5]! << 16) | (rtcp[6]! << 8) | rtcp[7]!) >>> 0;
    const index = (this.#txIndex.get(ssrc) ?? 0) + 1;
    // RFC 3711 §3.4: the index must not wrap; re-keying is needed before 2^31 packets.
    if (index > MAX_INDEX) return this.#fail('badIndex');
    this.#txIndex.set(ssrc, index);
    const suite = this.suite;
    const e = suite.encrypts ? 0x80000000 : 0;
    const eIndex = (e | index) >>> 0;
    const mkiLen = this.#mki.length;
    const len = rtcp.length;
    let out: Uint8Array;
    if (suite.cipher === 'aes-gcm') {
      out = new Uint8Array(len + 16 + 4 + mkiLen);
      out.set(rtcp.subarray(0, 8), 0);
      const dv = new DataView(out.buffer);
      dv.setUint32(len + 16, eIndex);
      const c = createCipheriv(gcmName(suite.keyLength), this.#keys.encryptionKey, this.#gcmIv(ssrc, index), { authTagLength: 16 });
      c.setAAD(out.subarray(0, 8));
      c.setAAD(out.subarray(len + 16, len + 20));
      const ct = c.update(rtcp.subarray(8));
      c.final();
      out.set(ct, 8);
      out.set(c.getAuthTag(), len);
      if (mkiLen) out.set(this.#mki, len + 20);
    } else {
      const tagLen = suite.rtcpTagLength;
      out = new Uint8Array(len + 4 + mkiLen + tagLen);
      out.set(rtcp, 0);
      if (this.#ks) this.#stream(this.#txCm, ssrc).xor(index, out, 8, out, 8, len - 8);
      out[len] = eIndex >>> 24;
      out[len + 1] = (eIndex >>> 16) & 0xff;
      out[len + 2] = (eIndex >>> 8) & 0xff;
      out[len + 3] = eIndex & 0xff;
      if (mkiLen) out.set(this.#mki, len + 4);
      // RFC 3711 §3.4: the tag covers the packet ‖ E ‖ index (not the MKI).
      if (this.#hmac && tagLen > 0) this.#hmac.macInto(out, 0, len + 4, undefined, out, len + 4 + mkiLen, tagLen);
    }
    this.stats.protected++;
    return out;
  }

  /** Unprotects one SRTCP packet: authentication, replay check on the SRTCP index, decryption. */
  unprotect(srtcp: Uint8Array): Uint8Array | null {
    const suite = this.suite;
    const mkiLen = this.#mki.length;
    const gcm = suite.cipher === 'aes-gcm';
    const tagLen = gcm ? 16 : suite.rtcpTagLength;
    const len = srtcp.length;
    if (len < 8 + 4 + mkiLen + tagLen || srtcp[0]! >> 6 !== 2) return this.#fail('malformed');
    // GCM: … tag ‖ E‖index ‖ MKI; AES-CM/NULL: … E‖index ‖ MKI ‖ tag.
    const eAt = gcm ? len - mkiLen - 4 : len - tagLen - mkiLen - 4;
    const mkiAt = gcm ? len - mkiLen : eAt + 4;
    for (let i = 0; i < mkiLen; i++) if (srtcp[mkiAt + i] !== this.#mki[i]) return this.#fail('badIndex');
    const eIndex = ((srtcp[eAt]! << 24) | (srtcp[eAt + 1]! << 16) | (srtcp[eAt + 2]! << 8) | srtcp[eAt + 3]!) >>> 0;
    const encrypted = eIndex >= 0x80000000;
    const index = eIndex & MAX_INDEX;
    const ssrc = ((srtcp[4]! << 24) | (srtcp[5]! << 16) | (srtcp[6]! << 8) | srtcp[7]!) >>> 0;
    let w = this.#rx.get(ssrc);
    if (w && w.check(index) !== 'new') return this.#fail('replayed');
    let out: Uint8Array;
    if (gcm) {
      const ctEnd = eAt - 16;
      const d = createDecipheriv(gcmName(suite.keyLength), this.#keys.encryptionKey, this.#gcmIv(ssrc, index), { authTagLength: 16 });
      d.setAuthTag(srtcp.subarray(ctEnd, eAt));
      if (encrypted) {
        d.setAAD(srtcp.subarray(0, 8));
        d.setAAD(srtcp.subarray(eAt, eAt + 4));
        const pt = d.update(srtcp.subarray(8, ctEnd));
        try {
          d.final();
        } catch {
          return this.#fail('authFailed');
        }
        out = new Uint8Array(ctEnd);
        out.set(srtcp.subarray(0, 8), 0);
        out.set(pt, 8);
      } else {
        d.setAAD(srtcp.subarray(0, ctEnd));
        d.setAAD(srtcp.subarray(eAt, eAt + 4));
        try {
          d.final();
        } catch {
          return this.#fail('authFailed');
        }
        out = srtcp.slice(0, ctEnd);
      }
    } else {
      if (this.#hmac && tagLen > 0 && !this.#hmac.verify(srtcp, 0, eAt + 4, undefined, srtcp, len - tagLen, tagLen)) return this.#fail('authFailed');
      out = new Uint8Array(eAt);
      for (let i = 0; i < 8; i++) out[i] = srtcp[i]!;
      if (encrypted && this.#ks) this.#stream(this.#rxCm, ssrc).xor(index, srtcp, 8, out, 8, eAt - 8);
      else out.set(srtcp.subarray(8, eAt), 8);
    }
    if (!w) {
      w = new ReplayWindow(this.#windowSize);
      this.#rx.set(ssrc, w);
    }
    w.accept(index);
    this.stats.unprotected++;
    return out;
  }
}
