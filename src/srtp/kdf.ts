/**
 * SRTP key derivation (RFC 3711 §4.3): the AES-CM PRF (§4.3.3) keyed with the master key,
 *   x = key_id XOR master_salt, key_id = label ‖ r (r = index DIV kdr, 48 bits; r = 0 when kdr = 0),
 *   session key = first n bits of AES-CM(master_key, x · 2^16).
 * AES-192/256 use the same construction (RFC 6188 §3). For GCM (RFC 7714 §11) the 96-bit master
 * salt is left-aligned in the 112-bit salt (two zero bytes appended), as libsrtp does.
 */
import { createCipheriv } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import type { SrtpSuite } from './suites.js';

/** RFC 3711 §4.3.1 labels (0x00–0x05). */
export const SrtpLabel = {
  rtpEncryption: 0,
  rtpAuth: 1,
  rtpSalt: 2,
  rtcpEncryption: 3,
  rtcpAuth: 4,
  rtcpSalt: 5,
} as const;

function aesCtrName(keyLength: number): 'aes-128-ctr' | 'aes-192-ctr' | 'aes-256-ctr' {
  if (keyLength === 16) return 'aes-128-ctr';
  if (keyLength === 24) return 'aes-192-ctr';
  if (keyLength === 32) return 'aes-256-ctr';
  throw new ConfigError(`SRTP: AES key length ${keyLength} bytes is not 16, 24 or 32`);
}

/**
 * One PRF output (RFC 3711 §4.3.1/§4.3.3). `masterSalt` is 14 bytes (or 12 for GCM: left-aligned),
 * `index` the packet index used with a non-zero `kdr` (a power of two, 1..2^24).
 */
export function deriveKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number, index = 0, kdr = 0): Uint8Array {
  if (masterSalt.length !== 14 && masterSalt.length !== 12) throw new ConfigError(`SRTP: master salt of ${masterSalt.length} bytes (expected 14, or 12 for GCM)`);
  const iv = new Uint8Array(16);
  iv.set(masterSalt, 0); // a 12-byte salt is left-aligned: bytes 12, 13 stay 0
  // key_id = label (8 bits) ‖ r (48 bits), right-aligned in the 112-bit salt: label at byte 7.
  iv[7]! ^= label;
  if (kdr > 0) {
    let r = Math.floor(index / kdr);
    for (let i = 13; i >= 8; i--) {
      iv[i]! ^= r % 256;
      r = Math.floor(r / 256);
    }
  }
  // x · 2^16: bytes 14, 15 are the block counter, starting at 0.
  const c = createCipheriv(aesCtrName(masterKey.length), masterKey, iv);
  const out = c.update(new Uint8Array(length));
  c.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export interface SessionKeys {
  encryptionKey: Uint8Array;
  /** 14 bytes for AES-CM (112 bits), 12 for GCM. */
  salt: Uint8Array;
  /** 20 bytes for HMAC-SHA1, empty without authentication (and for GCM). */
  authKey: Uint8Array;
}

/** RTP and RTCP session keys from a master key and salt (RFC 3711 §4.3.1, §4.3.2). */
export function deriveSessionKeys(
  suite: SrtpSuite,
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  opts: { kdr?: number; index?: number } = {},
): { rtp: SessionKeys; rtcp: SessionKeys } {
  if (masterKey.length !== suite.keyLength) throw new ConfigError(`SRTP ${suite.name}: master key of ${masterKey.length} bytes (expected ${suite.keyLength})`);
  if (masterSalt.length !== suite.saltLength) throw new ConfigError(`SRTP ${suite.name}: master salt of ${masterSalt.length} bytes (expected ${suite.saltLength})`);
  const kdr = opts.kdr ?? 0;
  if (kdr !== 0 && (kdr < 1 || kdr > 2 ** 24 || (kdr & (kdr - 1)) !== 0)) throw new ConfigError(`SRTP: key derivation rate ${kdr} is not 0 or a power of two up to 2^24 (RFC 3711 §4.3.1)`);
  const index = opts.index ?? 0;
  const salt = masterSalt;
  const mk = (encL: number, authL: number, saltL: number): SessionKeys => ({
    encryptionKey: deriveKey(masterKey, salt, encL, suite.keyLength, index, kdr),
    authKey: suite.authKeyLength > 0 ? deriveKey(masterKey, salt, authL, suite.authKeyLength, index, kdr) : new Uint8Array(0),
    salt: deriveKey(masterKey, salt, saltL, suite.saltLength, index, kdr),
  });
  return {
    rtp: mk(SrtpLabel.rtpEncryption, SrtpLabel.rtpAuth, SrtpLabel.rtpSalt),
    rtcp: mk(SrtpLabel.rtcpEncryption, SrtpLabel.rtcpAuth, SrtpLabel.rtcpSalt),
  };
}
