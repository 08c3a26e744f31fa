/** Test helper: loads the shared ZRTP vectors (tests only). */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { sharedFile } from '../test-support/shared.js';

export interface ExchangePacket {
  name: string;
  seq: number;
  ssrc: string;
  len: number;
  type: string;
  hex: string;
  crc32c_ok: boolean;
  message_hex: string;
  decrypted_confirm_body?: string;
}
export interface Exchange {
  packets: ExchangePacket[];
  hash_chain: Record<string, string[]>;
  zrtp_hello_hash_attr: Record<string, string>;
  keys: { mackeyi: string; mackeyr: string; zrtpkeyi: string; zrtpkeyr: string };
  libzrtpcpp_hello_with_zrtp_hash: { packet: string; a_zrtp_hash: string };
  hvi_check: { hvi_from_commit: string; ok: boolean };
}
export interface KdfCrc {
  kdf: { KI: string; vectors: { label: string; context: string; L_bytes: number; output: string }[] };
  crc32c: { vectors: { input: string; bzrtp_crc: string }[] };
}
export interface SasVectors {
  zbase32_alphabet: string;
  b32_vectors: { input: string; bits: number; expected: string }[];
  pgp_even_words: string[];
  pgp_odd_words: string[];
}

function load<T>(t: TestContext, name: string): T | undefined {
  const p = sharedFile(t, 'vectors', 'zrtp', name);
  return p ? (JSON.parse(readFileSync(p, 'utf8')) as T) : undefined;
}
export const loadExchange = (t: TestContext): Exchange | undefined => load<Exchange>(t, 'bzrtp_exchange_dh3k.json');
export const loadKdfCrc = (t: TestContext): KdfCrc | undefined => load<KdfCrc>(t, 'bzrtp_kdf_crc_vectors.json');
export const loadSas = (t: TestContext): SasVectors | undefined => load<SasVectors>(t, 'zrtp_sas_base32_b256.json');
export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
