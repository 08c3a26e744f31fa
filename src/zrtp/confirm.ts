/**
 * The Confirm1/Confirm2 encrypted part, RFC 6189 §5.7:
 *
 *   confirm_mac = HMAC(mackey, encrypted part), first 8 bytes (negotiated hash)
 *   encrypted part = CFB(zrtpkey, IV, H0 (32) || unused 15 bits | sig len 9 bits | 0 0 0 0 E V A D
 *                    || cache expiration interval (32) || optional signature block)
 *
 * Confirm1 uses the responder's keys (mackeyr, zrtpkeyr), Confirm2 the initiator's (§4.6).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ParseError } from '../core/errors.js';
import { type ZrtpHash, equalBytes, hmac } from './hash-chain.js';
import type { ConfirmMessage } from './messages.js';

/** Cipher type names of §5.1.3 mapped to node:crypto CFB ciphers (Twofish is not in node:crypto). */
export const CONFIRM_CIPHERS: Readonly<Record<string, string>> = { AES1: 'aes-128-cfb', AES2: 'aes-192-cfb', AES3: 'aes-256-cfb' };

export interface ConfirmBody {
  /** H0 of the sender's hash chain. */
  h0: Uint8Array;
  /** E: PBX enrollment. */
  enrollment: boolean;
  /** V: SAS verified. */
  sasVerified: boolean;
  /** A: allow clear (GoClear). */
  allowClear: boolean;
  /** D: disclosure. */
  disclosure: boolean;
  /** Cache expiration interval in seconds (0xffffffff = never). */
  cacheExpiration: number;
  /** Signature block (signature length × 4 bytes), usually empty. */
  signature: Uint8Array;
}

function cipherName(cipherType: string): string {
  const name = CONFIRM_CIPHERS[cipherType];
  if (!name) throw new RangeError(`unsupported cipher type ${JSON.stringify(cipherType)}`);
  return name;
}

/** confirm_mac = HMAC(mackey, encrypted part)[0..8] (§5.7). */
export function confirmMac(mackey: Uint8Array, encrypted: Uint8Array, alg: ZrtpHash = 'sha256'): Uint8Array {
  return hmac(alg, mackey, encrypted).subarray(0, 8);
}

/** Checks the confirm_mac of a parsed Confirm (constant time). A mismatch is error 0x70. */
export function verifyConfirmMac(msg: ConfirmMessage, mackey: Uint8Array, alg: ZrtpHash = 'sha256'): boolean {
  return equalBytes(confirmMac(mackey, msg.encrypted, alg), msg.confirmMac);
}

/** Decrypts the encrypted part (CFB, §5.7). */
export function decryptConfirm(msg: ConfirmMessage, zrtpkey: Uint8Array, cipherType = 'AES1'): Uint8Array {
  const d = createDecipheriv(cipherName(cipherType), zrtpkey, msg.iv);
  return new Uint8Array(Buffer.concat([d.update(msg.encrypted), d.final()]));
}

/** Encrypts a plaintext body and builds the Confirm with its MAC (§5.7). */
export function buildConfirm(
  type: 'Confirm1' | 'Confirm2',
  body: Uint8Array,
  keys: { zrtpkey: Uint8Array; mackey: Uint8Array },
  iv: Uint8Array,
  cipherType = 'AES1',
  alg: ZrtpHash = 'sha256',
): ConfirmMessage {
  const c = createCipheriv(cipherName(cipherType), keys.zrtpkey, iv);
  const encrypted = new Uint8Array(Buffer.concat([c.update(body), c.final()]));
  return { type, confirmMac: confirmMac(keys.mackey, encrypted, alg), iv: iv.slice(), encrypted };
}

/** Parses a decrypted body (§5.7). Throws ParseError when the signature length does not fit. */
export function parseConfirmBody(b: Uint8Array): ConfirmBody {
  if (b.length < 40) throw new ParseError('ZRTP Confirm body', `${b.length} bytes, at least 40 needed (RFC 6189 §5.7)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = dv.getUint32(32);
  const sigWords = (w >>> 8) & 0x1ff;
  if (40 + sigWords * 4 !== b.length) throw new ParseError('ZRTP Confirm body', `signature length ${sigWords} words does not fit ${b.length} bytes`);
  return {
    h0: b.slice(0, 32),
    enrollment: (w & 8) !== 0,
    sasVerified: (w & 4) !== 0,
    allowClear: (w & 2) !== 0,
    disclosure: (w & 1) !== 0,
    cacheExpiration: dv.getUint32(36),
    signature: b.slice(40),
  };
}

/** Serialises a body (§5.7): the signature must be a whole number of words (at most 511). */
export function serializeConfirmBody(body: ConfirmBody): Uint8Array {
  if (body.h0.length !== 32) throw new RangeError(`H0 must be 32 bytes, got ${body.h0.length}`);
  if (body.signature.length % 4 !== 0 || body.signature.length / 4 > 0x1ff) throw new RangeError(`signature of ${body.signature.length} bytes does not fit`);
  const out = new Uint8Array(40 + body.signature.length);
  const dv = new DataView(out.buffer);
  out.set(body.h0, 0);
  const flags = (body.enrollment ? 8 : 0) | (body.sasVerified ? 4 : 0) | (body.allowClear ? 2 : 0) | (body.disclosure ? 1 : 0);
  dv.setUint32(32, ((body.signature.length / 4) << 8) | flags);
  dv.setUint32(36, body.cacheExpiration >>> 0);
  out.set(body.signature, 40);
  return out;
}
