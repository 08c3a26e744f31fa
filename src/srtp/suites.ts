/**
 * SRTP protection profiles (crypto suites).
 * - AES_CM_128_HMAC_SHA1_80/_32: RFC 3711 §4.1.1, §4.2.1; RFC 4568 §6.2.
 * - AES_192_CM_* / AES_256_CM_*: RFC 6188 §3–§4 (KDF with the same AES-CM PRF, 112-bit salt).
 * - AEAD_AES_128_GCM / AEAD_AES_256_GCM: RFC 7714 §12 (96-bit salt, 16-byte tag).
 * - NULL_* variants: RFC 3711 §4.1.3 null cipher (and no auth: tests only; never negotiate them).
 * The _32 suites shorten only the SRTP tag: SRTCP keeps an 80-bit tag (RFC 4568 §6.2.2, RFC 3711 §5.2).
 */
import { ConfigError } from '../core/errors.js';

export type SrtpCipher = 'aes-cm' | 'aes-gcm' | 'null';

export interface SrtpSuite {
  readonly name: SrtpSuiteName;
  readonly cipher: SrtpCipher;
  /** Master key length (bytes); also the session encryption key length. */
  readonly keyLength: number;
  /** Master salt length (bytes): 14 for AES-CM (112 bits), 12 for GCM (RFC 7714 §12). */
  readonly saltLength: number;
  /** Session authentication key length (bytes): 20 for HMAC-SHA1 (RFC 3711 §4.2.1), 0 without. */
  readonly authKeyLength: number;
  /** SRTP authentication tag length (bytes). For GCM, the AEAD tag. */
  readonly rtpTagLength: number;
  /** SRTCP authentication tag length (bytes). */
  readonly rtcpTagLength: number;
  /** Whether the SRTCP E flag is set (encryption on). */
  readonly encrypts: boolean;
}

const SUITES = {
  AES_CM_128_HMAC_SHA1_80: { cipher: 'aes-cm', keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10, encrypts: true },
  AES_CM_128_HMAC_SHA1_32: { cipher: 'aes-cm', keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10, encrypts: true },
  AES_192_CM_HMAC_SHA1_80: { cipher: 'aes-cm', keyLength: 24, saltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10, encrypts: true },
  AES_192_CM_HMAC_SHA1_32: { cipher: 'aes-cm', keyLength: 24, saltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10, encrypts: true },
  AES_256_CM_HMAC_SHA1_80: { cipher: 'aes-cm', keyLength: 32, saltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10, encrypts: true },
  AES_256_CM_HMAC_SHA1_32: { cipher: 'aes-cm', keyLength: 32, saltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10, encrypts: true },
  AEAD_AES_128_GCM: { cipher: 'aes-gcm', keyLength: 16, saltLength: 12, authKeyLength: 0, rtpTagLength: 16, rtcpTagLength: 16, encrypts: true },
  AEAD_AES_256_GCM: { cipher: 'aes-gcm', keyLength: 32, saltLength: 12, authKeyLength: 0, rtpTagLength: 16, rtcpTagLength: 16, encrypts: true },
  /** Null cipher, HMAC-SHA1-80 (libsrtp's null_cipher_hmac_sha1_80; KDF as AES-CM-128). */
  NULL_HMAC_SHA1_80: { cipher: 'null', keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 10, rtcpTagLength: 10, encrypts: false },
  NULL_HMAC_SHA1_32: { cipher: 'null', keyLength: 16, saltLength: 14, authKeyLength: 20, rtpTagLength: 4, rtcpTagLength: 10, encrypts: false },
  /** No protection at all (tests only). */
  NULL_NULL: { cipher: 'null', keyLength: 16, saltLength: 14, authKeyLength: 0, rtpTagLength: 0, rtcpTagLength: 0, encrypts: false },
} as const satisfies Record<string, Omit<SrtpSuite, 'name'>>;

export type SrtpSuiteName = keyof typeof SUITES;

/** Suites a user may choose on the command line / in SDES (the NULL ones are for tests). */
export const SRTP_SUITE_NAMES: readonly SrtpSuiteName[] = Object.keys(SUITES).filter((n) => !n.startsWith('NULL')) as SrtpSuiteName[];
export const ALL_SRTP_SUITE_NAMES: readonly SrtpSuiteName[] = Object.keys(SUITES) as SrtpSuiteName[];

export function isSrtpSuiteName(name: string): name is SrtpSuiteName {
  return Object.prototype.hasOwnProperty.call(SUITES, name);
}

/** The suite of that name (RFC 4568 / RFC 6188 / RFC 7714 spelling); ConfigError when unknown. */
export function getSrtpSuite(name: string): SrtpSuite {
  if (!isSrtpSuiteName(name)) throw new ConfigError(`unknown SRTP suite "${name}"; known: ${SRTP_SUITE_NAMES.join(', ')}`);
  return { name, ...SUITES[name] };
}

/** Master key ‖ salt length (bytes) of a suite: 30 for AES-128-CM, 46 for AES-256-CM, 28/44 for GCM. */
export function masterKeySaltLength(suite: SrtpSuite): number {
  return suite.keyLength + suite.saltLength;
}
