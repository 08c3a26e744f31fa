/**
 * SDES key exchange (RFC 4568): `a=crypto` lines.
 *   a=crypto:<tag> <crypto-suite> inline:<base64(key‖salt)>[|<lifetime>][|<MKI>:<length>][;inline:…] [<session-params>]
 * Lifetime is decimal or 2^n (§9.2); MKI value:length, length 1–128 bytes (§6.1). Session
 * parameters (§6.3) kept as text; KDR (§6.3.1) and WSH (§6.3.7) are interpreted.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, ParseError } from '../core/errors.js';
import type { SrtpKeyMaterial } from './srtp-context.js';
import { getSrtpSuite, isSrtpSuiteName, masterKeySaltLength, type SrtpSuite, type SrtpSuiteName } from './suites.js';

export interface SdesKeyParam {
  /** Master key ‖ master salt. */
  keySalt: Uint8Array;
  /** Max packets under this key (RFC 4568 §6.1), or undefined. */
  lifetime?: number;
  /** MKI value and its length in bytes in packets. */
  mki?: { value: number; length: number };
}

export interface SdesCrypto {
  tag: number;
  suite: SrtpSuiteName;
  keys: SdesKeyParam[];
  /** Session parameters as given (e.g. "KDR=24", "UNENCRYPTED_SRTCP"). */
  sessionParams: string[];
  /** Key derivation rate as a number of packets (KDR=n means 2^n, §6.3.1), or undefined. */
  kdr?: number;
  /** Replay window size hint WSH (§6.3.7). */
  wsh?: number;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

function parseLifetime(s: string, line: string): number {
  const m = /^(?:2\^(\d{1,2})|(\d+))$/.exec(s);
  if (!m) throw new ParseError('a=crypto', `bad lifetime "${s}" in "${line}"`);
  return m[1] !== undefined ? 2 ** Number(m[1]) : Number(m[2]);
}

/** Parses one `a=crypto:` attribute (with or without the `a=` prefix). ParseError when malformed. */
export function parseCryptoAttribute(line: string): SdesCrypto {
  const text = line.trim().replace(/^a=/, '');
  const m = /^crypto:(\d{1,9})\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(text);
  if (!m) throw new ParseError('a=crypto', `not "crypto:<tag> <suite> <key-params>": "${line}"`);
  const tag = Number(m[1]);
  const suiteName = m[2]!;
  if (!isSrtpSuiteName(suiteName)) throw new ParseError('a=crypto', `unknown crypto suite "${suiteName}"`);
  const suite = getSrtpSuite(suiteName);
  const keys: SdesKeyParam[] = [];
  for (const kp of m[3]!.split(';')) {
    const km = /^inline:([^|]+)((?:\|[^|]+)*)$/.exec(kp);
    if (!km) throw new ParseError('a=crypto', `key parameter "${kp}" is not "inline:<key||salt>[|lifetime][|mki:len]"`);
    if (!B64.test(km[1]!)) throw new ParseError('a=crypto', `key "${km[1]}" is not base64`);
    const keySalt = new Uint8Array(Buffer.from(km[1]!, 'base64'));
    const want = masterKeySaltLength(suite);
    if (keySalt.length !== want) throw new ParseError('a=crypto', `${suiteName} needs ${want} bytes of key‖salt, "${km[1]}" has ${keySalt.length}`);
    const k: SdesKeyParam = { keySalt };
    for (const f of km[2]!.split('|').slice(1)) {
      const mm = /^(\d+):(\d+)$/.exec(f);
      if (mm) {
        const length = Number(mm[2]);
        if (length < 1 || length > 128) throw new ParseError('a=crypto', `MKI length ${length} is not 1..128`);
        k.mki = { value: Number(mm[1]), length };
      } else k.lifetime = parseLifetime(f, line);
    }
    keys.push(k);
  }
  const sessionParams = m[4] ? m[4].trim().split(/\s+/) : [];
  const c: SdesCrypto = { tag, suite: suiteName, keys, sessionParams };
  for (const p of sessionParams) {
    const kdr = /^KDR=(\d{1,2})$/.exec(p);
    if (kdr) c.kdr = 2 ** Number(kdr[1]);
    const wsh = /^WSH=(\d+)$/.exec(p);
    if (wsh) c.wsh = Number(wsh[1]);
  }
  return c;
}

function formatLifetime(n: number): string {
  const l = Math.log2(n);
  return Number.isInteger(l) ? `2^${l}` : String(n);
}

/** Writes an `a=crypto:` attribute (without the `a=` prefix and line end). */
export function formatCryptoAttribute(c: SdesCrypto): string {
  const keys = c.keys
    .map((k) => {
      let s = `inline:${Buffer.from(k.keySalt).toString('base64')}`;
      if (k.lifetime !== undefined) s += `|${formatLifetime(k.lifetime)}`;
      if (k.mki) s += `|${k.mki.value}:${k.mki.length}`;
      return s;
    })
    .join(';');
  return `crypto:${c.tag} ${c.suite} ${keys}${c.sessionParams.length ? ' ' + c.sessionParams.join(' ') : ''}`;
}

/** A fresh random master key ‖ salt for a suite (node:crypto CSPRNG). */
export function generateKeySalt(suite: SrtpSuite | SrtpSuiteName): Uint8Array {
  const s = typeof suite === 'string' ? getSrtpSuite(suite) : suite;
  return new Uint8Array(randomBytes(masterKeySaltLength(s)));
}

/** Splits key‖salt into the key material of a context. */
export function keyMaterial(suite: SrtpSuite | SrtpSuiteName, keySalt: Uint8Array, extra: { mki?: Uint8Array; kdr?: number } = {}): SrtpKeyMaterial {
  const s = typeof suite === 'string' ? getSrtpSuite(suite) : suite;
  if (keySalt.length !== masterKeySaltLength(s)) throw new ConfigError(`SRTP ${s.name}: key‖salt of ${keySalt.length} bytes (expected ${masterKeySaltLength(s)})`);
  return { suite: s, masterKey: keySalt.slice(0, s.keyLength), masterSalt: keySalt.slice(s.keyLength), ...extra };
}

/** The key material of an `a=crypto` line's `which`-th key (MKI value as big-endian bytes). */
export function keyMaterialFromSdes(c: SdesCrypto, which = 0): SrtpKeyMaterial {
  const k = c.keys[which];
  if (!k) throw new ConfigError(`a=crypto:${c.tag} has no key #${which}`);
  let mki: Uint8Array | undefined;
  if (k.mki) {
    mki = new Uint8Array(k.mki.length);
    let v = k.mki.value;
    for (let i = k.mki.length - 1; i >= 0; i--) {
      mki[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  return keyMaterial(c.suite, k.keySalt, { ...(mki ? { mki } : {}), ...(c.kdr !== undefined ? { kdr: c.kdr } : {}) });
}

/**
 * Decodes a base64 master key ‖ salt (the `--srtp-key` text, RFC 4568 inline key). Throws
 * ConfigError naming `what` (e.g. the option) and the expected length.
 */
export function decodeKeySalt(text: string, suite: SrtpSuite | SrtpSuiteName, what = 'SRTP key'): Uint8Array {
  const s = typeof suite === 'string' ? getSrtpSuite(suite) : suite;
  const want = masterKeySaltLength(s);
  const chars = Math.ceil(want / 3) * 4;
  if (!B64.test(text) || text.length % 4 !== 0) throw new ConfigError(`${what}: "${text}" is not base64 (expected ${want} bytes of key‖salt for ${s.name}, ${chars} base64 characters)`);
  const b = new Uint8Array(Buffer.from(text, 'base64'));
  if (b.length !== want) throw new ConfigError(`${what}: ${b.length} bytes, ${s.name} needs ${want} bytes of key‖salt (${chars} base64 characters)`);
  return b;
}
