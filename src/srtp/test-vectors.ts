/** Loads the shared SRTP vectors (tests only; skips loudly when /shared is absent). */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { sharedFile } from '../test-support/shared.js';

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function loadVectors(t: TestContext, file: string): Record<string, unknown> | undefined {
  const p = sharedFile(t, 'vectors', 'srtp', file);
  if (!p) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
}

export interface LibsrtpCase {
  arrays: Record<string, string | string[]>;
  hexstrings: Record<string, string>;
  policy_lines: string[];
}

/** Splits a master key ‖ salt. */
export function splitKey(keySalt: Uint8Array, keyLength: number, saltLength: number): { masterKey: Uint8Array; masterSalt: Uint8Array } {
  return { masterKey: keySalt.subarray(0, keyLength), masterSalt: keySalt.subarray(keyLength, keyLength + saltLength) };
}

/** Flips one bit of a copy. */
export function flip(b: Uint8Array, byte: number, bit = 0): Uint8Array {
  const c = b.slice();
  c[byte]! ^= 1 << bit;
  return c;
}
