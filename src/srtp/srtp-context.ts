/**
 * SRTP for RTP packets (RFC 3711 §3.1–§3.3), sans-IO: bytes in, bytes out.
 *
 * One context holds one master key (and optional MKI) and any number of SSRCs, each with its own
 * rollover counter and replay window (RFC 3711 §3.2.3: the crypto context is per SSRC). Contexts
 * are created once per stream: session keys, the AES cipher and the HMAC pads are set up here.
 *
 * Failures are not thrown: `unprotect()` returns null and counts the reason in `stats`
 * (authFailed, replayed, badIndex, malformed) and sets `lastFailure`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import { deriveKey, deriveSessionKeys, type SessionKeys } from './kdf.js';
import { AesCmKeystream, AesCmStream, HmacSha1, gcmName } from './primitives.js';
import { ReplayWindow } from './replay-window.js';
import { getSrtpSuite, type SrtpSuite, type SrtpSuiteName } from './suites.js';

export interface SrtpKeyMaterial {
  suite: SrtpSuite | SrtpSuiteName;
  /** Master key (16/24/32 bytes). */
  masterKey: Uint8Array;
  /** Master salt (14 bytes; 12 for GCM). */
  masterSalt: Uint8Array;
  /** Master Key Identifier carried in every packet (RFC 3711 §3.1), or none. */
  mki?: Uint8Array;
  /** Key derivation rate (RFC 3711 §4.3.1): 0 (default) derives once. Others are accepted and applied at the context's creation (index 0). */
  kdr?: number;
}

export interface SrtpContextOptions extends SrtpKeyMaterial {
  /** Replay window size in packets (RFC 3711 §3.3.2). Default 128. */
  replayWindow?: number;
  /**
   * Session keys given directly (no KDF), e.g. for RFC 7714 test vectors. masterKey/masterSalt are
   * then ignored except for header-extension keys.
   */
  sessionKeys?: { rtp: SessionKeys; rtcp: SessionKeys };
  /** RFC 6904: IDs of RFC 8285 header extension elements to encrypt (AES-CM suites). */
  encryptedHeaderExtensionIds?: readonly number[];
  /** Allow protecting the same packet index twice (retransmissions). Default true. */
  allowRepeatTx?: boolean;
}

export type SrtpFailure = 'authFailed' | 'replayed' | 'badIndex' | 'malformed';

export interface SrtpStats {
  protected: number;
  unprotected: number;
  authFailed: number;
  replayed: number;
  badIndex: number;
  malformed: number;
}

interface SsrcState {
  /** Rollover counter (RFC 3711 §3.2.1). */
  roc: number;
  /** Highest sequence number seen (s_l, Appendix A). */
  sl: number;
  window: ReplayWindow;
  /** AES-CM keystream of this SSRC (made ahead for the next indices), created on first use. */
  cm?: AesCmStream;
}

/** Length of the RTP header (fixed, CSRCs, extension) or -1 when malformed (RFC 3550 §5.1, §5.3.1). */
export function rtpHeaderLength(d: Uint8Array, end: number): number {
  if (end < 12 || d[0]! >> 6 !== 2) return -1;
  let h = 12 + 4 * (d[0]! & 0x0f);
  if (d[0]! & 0x10) {
    if (h + 4 > end) return -1;
    h += 4 + 4 * ((d[h + 2]! << 8) | d[h + 3]!);
  }
  return h > end ? -1 : h;
}

/** Normalises the key material of a context. */
export function resolveSuite(s: SrtpSuite | SrtpSuiteName): SrtpSuite {
  return typeof s === 'string' ? getSrtpSuite(s) : s;
}

/**
 * RFC 3711 Appendix A: the index guess v (ROC) for sequence number seq given the highest s_l and
 * the current ROC. Returns v (may be roc-1, roc or roc+1).
 */
export function estimateRoc(seq: number, sl: number, roc: number): number {
  if (sl < 32768) return seq - sl > 32768 ? roc - 1 : roc;
  return sl - 32768 > seq ? roc + 1 : roc;
}

export class SrtpContext {
  readonly suite: SrtpSuite;
  readonly stats: SrtpStats = { protected: 0, unprotected: 0, authFailed: 0, replayed: 0, badIndex: 0, malformed: 0 };
  lastFailure: SrtpFailure | undefined;
  readonly #keys: SessionKeys;
  readonly #mki: Uint8Array;
  readonly #windowSize: number;
  readonly #allowRepeatTx: boolean;
  readonly #ks: AesCmKeystream | undefined;
  readonly #hmac: HmacSha1 | undefined;
  readonly #tx = new Map<number, SsrcState>();
  readonly #rx = new Map<number, SsrcState>();
  readonly #iv = new Uint8Array(16);
  readonly #rocBytes = new Uint8Array(4);
  /** RFC 6904 */
  readonly #hdrExtIds: Set<number> | undefined;
  readonly #hdrKs: AesCmKeystream | undefined;
  readonly #hdrSalt: Uint8Array | undefined;

  constructor(o: SrtpContextOptions) {
    this.suite = resolveSuite(o.suite);
    const suite = this.suite;
    this.#keys = o.sessionKeys?.rtp ?? deriveSessionKeys(suite, o.masterKey, o.masterSalt, { kdr: o.kdr ?? 0 }).rtp;
    this.#mki = o.mki ?? new Uint8Array(0);
    this.#windowSize = o.replayWindow ?? 128;
    this.#allowRepeatTx = o.allowRepeatTx ?? true;
    if (this.#keys.encryptionKey.length !== suite.keyLength) throw new ConfigError(`SRTP ${suite.name}: session key of ${this.#keys.encryptionKey.length} bytes`);
    if (suite.cipher === 'aes-cm') this.#ks = new AesCmKeystream(this.#keys.encryptionKey);
    if (suite.authKeyLength > 0) this.#hmac = new HmacSha1(this.#keys.authKey);
    if (o.encryptedHeaderExtensionIds && o.encryptedHeaderExtensionIds.length > 0) {
      if (suite.cipher !== 'aes-cm') throw new ConfigError(`SRTP ${suite.name}: RFC 6904 header-extension encryption is supported with AES-CM suites only`);
      this.#hdrExtIds = new Set(o.encryptedHeaderExtensionIds);
      // RFC 6904 §4.3: labels 0x06 (header encryption key) and 0x07 (header salt).
      this.#hdrKs = new AesCmKeystream(deriveKey(o.masterKey, o.masterSalt, 6, suite.keyLength, 0, o.kdr ?? 0));
      this.#hdrSalt = deriveKey(o.masterKey, o.masterSalt, 7, suite.saltLength, 0, o.kdr ?? 0);
    }
  }

  /** Sets the ROC of an SSRC (sender and receiver), e.g. when joining a stream in progress (RFC 3711 §3.3.1). */
  setRoc(ssrc: number, roc: number, seq = 0): void {
    this.#tx.set(ssrc >>> 0, { roc, sl: seq, window: new ReplayWindow(this.#windowSize) });
    this.#rx.set(ssrc >>> 0, { roc, sl: seq, window: new ReplayWindow(this.#windowSize) });
  }

  /** The current ROC of a received SSRC (undefined before its first authenticated packet). */
  receiverRoc(ssrc: number): number | undefined {
    return this.#rx.get(ssrc >>> 0)?.roc;
  }

  #fail(reason: SrtpFailure): null {
    this.stats[reason]++;
    this.lastFailure = reason;
    return null;
  }

  /** RFC 3711 §4.1.1: IV = (k_s·2^16) ⊕ (SSRC·2^64) ⊕ (i·2^16), into this.#iv. */
  #cmIv(salt: Uint8Array, ssrc: number, roc: number, seq: number): Uint8Array {
    const iv = this.#iv;
    iv.set(salt.subarray(0, 14), 0);
    iv[14] = 0;
    iv[15] = 0;
    iv[4]! ^= ssrc >>> 24;
    iv[5]! ^= (ssrc >>> 16) & 0xff;
    iv[6]! ^= (ssrc >>> 8) & 0xff;
    iv[7]! ^= ssrc & 0xff;
    iv[8]! ^= roc >>> 24;
    iv[9]! ^= (roc >>> 16) & 0xff;
    iv[10]! ^= (roc >>> 8) & 0xff;
    iv[11]! ^= roc & 0xff;
    iv[12]! ^= seq >>> 8;
    iv[13]! ^= seq & 0xff;
    return iv;
  }

  /** RFC 7714 §8.1: 12-byte IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) ⊕ salt. */
  #gcmIv(ssrc: number, roc: number, seq: number): Uint8Array {
    const iv = new Uint8Array(12);
    const s = this.#keys.salt;
    iv[0] = s[0]!;
    iv[1] = s[1]!;
    iv[2] = s[2]! ^ (ssrc >>> 24);
    iv[3] = s[3]! ^ ((ssrc >>> 16) & 0xff);
    iv[4] = s[4]! ^ ((ssrc >>> 8) & 0xff);
    iv[5] = s[5]! ^ (ssrc & 0xff);
    iv[6] = s[6]! ^ (roc >>> 24);
    iv[7] = s[7]! ^ ((roc >>> 16) & 0xff);
    iv[8] = s[8]! ^ ((roc >>> 8) & 0xff);
    iv[9] = s[9]! ^ (roc & 0xff);
    iv[10] = s[10]! ^ (seq >>> 8);
    iv[11] = s[11]! ^ (seq & 0xff);
    return iv;
  }

  #rocOf(roc: number): Uint8Array {
    const r = this.#rocBytes;
    r[0] = roc >>> 24;
    r[1] = (roc >>> 16) & 0xff;
    r[2] = (roc >>> 8) & 0xff;
    r[3] = roc & 0xff;
    return r;
  }

  /**
   * RFC 6904 §4.1: XOR the keystream (same IV as the payload, header key/salt) into the data bytes
   * of the selected one-byte/two-byte RFC 8285 elements, in place over `d[extStart..extEnd)`.
   */
  #cryptHeaderExtensions(d: Uint8Array, headerLength: number, ssrc: number, roc: number, seq: number): void {
    if (!this.#hdrExtIds || !(d[0]! & 0x10)) return;
    const extHdr = 12 + 4 * (d[0]! & 0x0f);
    const profile = (d[extHdr]! << 8) | d[extHdr + 1]!;
    const start = extHdr + 4;
    const len = headerLength - start;
    const oneByte = profile === 0xbede;
    const twoByte = (profile & 0xfff0) === 0x1000;
    if (!oneByte && !twoByte) return;
    const mask = new Uint8Array(len);
    let any = false;
    for (let p = 0; p < len; ) {
      const b = d[start + p]!;
      if (b === 0) {
        p++;
        continue;
      }
      let id: number, n: number, hl: number;
      if (oneByte) {
        id = b >> 4;
        if (id === 15) break;
        n = (b & 0x0f) + 1;
        hl = 1;
      } else {
        if (p + 1 >= len) break;
        id = b;
        n = d[start + p + 1]!;
        hl = 2;
      }
      if (this.#hdrExtIds.has(id)) {
        for (let i = 0; i < n && p + hl + i < len; i++) mask[p + hl + i] = 1;
        any = true;
      }
      p += hl + n;
    }
    if (!any) return;
    const ks = new Uint8Array(len);
    const iv = this.#cmIv(this.#hdrSalt!, ssrc, roc, seq);
    this.#hdrKs!.xor(iv, ks, 0, ks, 0, len);
    for (let i = 0; i < len; i++) if (mask[i]) d[start + i]! ^= ks[i]!;
  }

  /** Protects one RTP packet (RFC 3711 §3.3). Returns a new array, or null when malformed. */
  protect(rtp: Uint8Array): Uint8Array | null {
    const h = rtpHeaderLength(rtp, rtp.length);
    if (h < 0) return this.#fail('malformed');
    const ssrc = ((rtp[8]! << 24) | (rtp[9]! << 16) | (rtp[10]! << 8) | rtp[11]!) >>> 0;
    const seq = (rtp[2]! << 8) | rtp[3]!;
    let st = this.#tx.get(ssrc);
    if (!st) {
      st = { roc: 0, sl: seq, window: new ReplayWindow(this.#windowSize) };
      this.#tx.set(ssrc, st);
    }
    // The sender tracks its own ROC from the sequence numbers it sends (RFC 3711 §3.3.1).
    const v = estimateRoc(seq, st.sl, st.roc);
    if (v < 0 || v > 0xffffffff) return this.#fail('badIndex');
    const index = v * 65536 + seq;
    if (!this.#allowRepeatTx) {
      if (st.window.check(index) !== 'new') return this.#fail('replayed');
      st.window.accept(index);
    }
    if (v === st.roc + 1) {
      st.roc = v;
      st.sl = seq;
    } else if (v === st.roc && seq > st.sl) st.sl = seq;
    const suite = this.suite;
    const payloadLen = rtp.length - h;
    const mkiLen = this.#mki.length;
    let out: Uint8Array;
    if (suite.cipher === 'aes-gcm') {
      out = new Uint8Array(rtp.length + 16 + mkiLen);
      out.set(rtp.subarray(0, h), 0);
      this.#cryptHeaderExtensions(out, h, ssrc, v, seq);
      const c = createCipheriv(gcmName(suite.keyLength), this.#keys.encryptionKey, this.#gcmIv(ssrc, v, seq), { authTagLength: 16 });
      c.setAAD(out.subarray(0, h)); // RFC 7714 §8.2: the AAD is the whole RTP header
      const ct = c.update(rtp.subarray(h));
      c.final();
      out.set(ct, h);
      out.set(c.getAuthTag(), h + payloadLen);
      if (mkiLen) out.set(this.#mki, h + payloadLen + 16);
    } else {
      const tagLen = suite.rtpTagLength;
      out = new Uint8Array(rtp.length + mkiLen + tagLen);
      out.set(rtp, 0);
      this.#cryptHeaderExtensions(out, h, ssrc, v, seq);
      if (this.#ks) (st.cm ??= new AesCmStream(this.#ks, this.#keys.salt, ssrc)).xor(index, out, h, out, h, payloadLen);
      const authEnd = rtp.length;
      if (mkiLen) out.set(this.#mki, authEnd);
      // RFC 3711 §4.2: M = authenticated portion ‖ ROC.
      if (this.#hmac && tagLen > 0) this.#hmac.macInto(out, 0, authEnd, this.#rocOf(v), out, authEnd + mkiLen, tagLen);
    }
    this.stats.protected++;
    return out;
  }

  /**
   * Unprotects one SRTP packet (RFC 3711 §3.3): index estimation, replay check, authentication,
   * decryption, then ROC / s_l / window update. Returns the RTP packet or null (counted).
   */
  unprotect(srtp: Uint8Array): Uint8Array | null {
    const suite = this.suite;
    const mkiLen = this.#mki.length;
    const tagLen = suite.rtpTagLength;
    const end = srtp.length - mkiLen - tagLen; // end of the authenticated portion (ciphertext for GCM incl. nothing)
    const gcm = suite.cipher === 'aes-gcm';
    const authEnd = gcm ? srtp.length - mkiLen : end;
    const h = rtpHeaderLength(srtp, gcm ? srtp.length - mkiLen - 16 : end);
    if (h < 0) return this.#fail('malformed');
    if (mkiLen) {
      const mkiAt = gcm ? srtp.length - mkiLen : end;
      for (let i = 0; i < mkiLen; i++) if (srtp[mkiAt + i] !== this.#mki[i]) return this.#fail('badIndex');
    }
    const ssrc = ((srtp[8]! << 24) | (srtp[9]! << 16) | (srtp[10]! << 8) | srtp[11]!) >>> 0;
    const seq = (srtp[2]! << 8) | srtp[3]!;
    const st = this.#rx.get(ssrc);
    const v = st ? estimateRoc(seq, st.sl, st.roc) : 0;
    if (v < 0 || v > 0xffffffff) return this.#fail('badIndex');
    const index = v * 65536 + seq;
    if (st) {
      const verdict = st.window.check(index);
      if (verdict !== 'new') return this.#fail('replayed');
    }
    let out: Uint8Array;
    let cm: AesCmStream | undefined;
    if (gcm) {
      const ctEnd = authEnd - 16;
      const d = createDecipheriv(gcmName(suite.keyLength), this.#keys.encryptionKey, this.#gcmIv(ssrc, v, seq), { authTagLength: 16 });
      d.setAAD(srtp.subarray(0, h));
      d.setAuthTag(srtp.subarray(ctEnd, authEnd));
      const pt = d.update(srtp.subarray(h, ctEnd));
      try {
        d.final();
      } catch {
        return this.#fail('authFailed');
      }
      out = new Uint8Array(ctEnd);
      out.set(srtp.subarray(0, h), 0);
      out.set(pt, h);
    } else {
      if (this.#hmac && tagLen > 0 && !this.#hmac.verify(srtp, 0, end, this.#rocOf(v), srtp, end + mkiLen, tagLen)) return this.#fail('authFailed');
      out = new Uint8Array(end);
      for (let i = 0; i < h; i++) out[i] = srtp[i]!;
      if (this.#ks) {
        cm = st?.cm ?? new AesCmStream(this.#ks, this.#keys.salt, ssrc);
        cm.xor(index, srtp, h, out, h, end - h);
      } else out.set(srtp.subarray(h, end), h);
    }
    this.#cryptHeaderExtensions(out, h, ssrc, v, seq);
    // RFC 3711 §3.3.1 / Appendix A: update ROC and s_l only after authentication.
    if (!st) {
      const ns: SsrcState = { roc: 0, sl: seq, window: new ReplayWindow(this.#windowSize), cm };
      ns.window.accept(index);
      this.#rx.set(ssrc, ns);
    } else {
      if (v === st.roc + 1) {
        st.roc = v;
        st.sl = seq;
      } else if (v === st.roc && seq > st.sl) st.sl = seq;
      st.window.accept(index);
    }
    this.stats.unprotected++;
    return out;
  }
}
