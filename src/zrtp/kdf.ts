/**
 * The ZRTP key derivation function, RFC 6189 §4.5.1 (NIST SP 800-108 counter mode, one round):
 *
 *   KDF(KI, Label, Context, L) = HMAC(KI, i || Label || 0x00 || Context || L)
 *
 * with i = 0x00000001 (32 bits), L the output length in bits (32 bits, big-endian), the HMAC of
 * the negotiated hash, and the result truncated to the leftmost L bits. KDF_Context is
 * ZIDi || ZIDr || total_hash (§4.4.1.4 / §4.5.1).
 */
import { type ZrtpHash, hmac } from './hash-chain.js';

/** KDF(KI, label, context, lengthBits) of §4.5.1. `lengthBits` must be a multiple of 8, at most the hash size. */
export function zrtpKdf(ki: Uint8Array, label: string, context: Uint8Array, lengthBits: number, alg: ZrtpHash = 'sha256'): Uint8Array {
  const max = alg === 'sha256' ? 256 : 384;
  if (!Number.isInteger(lengthBits) || lengthBits <= 0 || lengthBits % 8 !== 0 || lengthBits > max) {
    throw new RangeError(`KDF length ${lengthBits} bits: must be a positive multiple of 8, at most ${max}`);
  }
  const i = Uint8Array.of(0, 0, 0, 1);
  const l = new Uint8Array(4);
  new DataView(l.buffer).setUint32(0, lengthBits);
  return hmac(alg, ki, i, new TextEncoder().encode(label), Uint8Array.of(0), context, l).subarray(0, lengthBits / 8);
}

/** KDF_Context = ZIDi || ZIDr || total_hash (RFC 6189 §4.5.1). */
export function kdfContext(zidi: Uint8Array, zidr: Uint8Array, totalHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(zidi.length + zidr.length + totalHash.length);
  out.set(zidi, 0);
  out.set(zidr, zidi.length);
  out.set(totalHash, zidi.length + zidr.length);
  return out;
}
