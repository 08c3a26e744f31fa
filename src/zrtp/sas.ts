/**
 * Short Authentication String rendering, RFC 6189 §5.1.6 and §7:
 *   sashash  = KDF(s0, "SAS", KDF_Context, 256)   (§4.5.3)
 *   sasvalue = the leftmost 32 bits of sashash
 *   B32  = z-base-32 of the leftmost 20 bits of sasvalue: 4 characters
 *   B256 = PGP even word of the first byte, PGP odd word of the second byte
 */
import { zrtpKdf } from './kdf.js';
import { PGP_EVEN_WORDS, PGP_ODD_WORDS } from './pgp-words.js';
import type { ZrtpHash } from './hash-chain.js';

/** The z-base-32 alphabet (Zooko O'Whielacronx), as RFC 6189 §5.1.6 requires. */
export const ZBASE32_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** z-base-32 of the leftmost `bits` bits of `data`: ceil(bits / 5) characters (unused low bits zero). */
export function zbase32(data: Uint8Array, bits: number = data.length * 8): string {
  if (!Number.isInteger(bits) || bits < 0 || bits > data.length * 8) throw new RangeError(`zbase32: ${bits} bits of ${data.length} bytes`);
  let out = '';
  for (let pos = 0; pos < bits; pos += 5) {
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const b = pos + k;
      const bit = b < bits ? (data[b >> 3] >> (7 - (b & 7))) & 1 : 0;
      v = (v << 1) | bit;
    }
    out += ZBASE32_ALPHABET[v];
  }
  return out;
}

/** sashash = KDF(s0, "SAS", KDF_Context, 256) (RFC 6189 §4.5.3). */
export function sasHash(s0: Uint8Array, kdfContext: Uint8Array, alg: ZrtpHash = 'sha256'): Uint8Array {
  return zrtpKdf(s0, 'SAS', kdfContext, 256, alg);
}

/** B32 rendering: the leftmost 20 bits of sashash (or sasvalue) in z-base-32, 4 characters. */
export function sasB32(sashash: Uint8Array): string {
  if (sashash.length < 3) throw new RangeError('SAS hash needs at least 3 bytes for B32');
  return zbase32(sashash, 20);
}

/** B256 rendering: [even word of byte 0, odd word of byte 1] (RFC 6189 §5.1.6). */
export function sasB256(sashash: Uint8Array): [string, string] {
  if (sashash.length < 2) throw new RangeError('SAS hash needs at least 2 bytes for B256');
  return [PGP_EVEN_WORDS[sashash[0]], PGP_ODD_WORDS[sashash[1]]];
}

/** Renders a SAS by its 4-character type name (§5.1.6): "B32 " → 4 characters, "B256" → two words joined by a space. */
export function renderSas(sasType: string, sashash: Uint8Array): string {
  switch (sasType) {
    case 'B32 ':
      return sasB32(sashash);
    case 'B256':
      return sasB256(sashash).join(' ');
    default:
      throw new RangeError(`unsupported SAS type ${JSON.stringify(sasType)}`);
  }
}
