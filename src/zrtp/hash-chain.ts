/**
 * The ZRTP hash chain and the message MACs, RFC 6189 §9, the hvi of §4.4.1.1 and the SDP
 * `a=zrtp-hash` attribute of §8.1.
 *
 * H0 is a 256-bit random nonce; H1 = hash(H0), H2 = hash(H1), H3 = hash(H2). Hello carries H3
 * and is MACed with H2, Commit carries H2 and is MACed with H1, DHPart1/2 carry H1 and are MACed
 * with H0: each MAC is the first 8 bytes of HMAC keyed by the next (earlier) chain element over
 * the message without its MAC. These use the implicit hash, SHA-256 (§5.1.2.1); SHA-384 is
 * offered for completeness and truncated to the 256-bit field.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ParseError } from '../core/errors.js';
import type { CommitMessage, DhPartMessage, HelloMessage, ZrtpMessage } from './messages.js';
import { parseMessage, serializeMessage } from './messages.js';

export type ZrtpHash = 'sha256' | 'sha384';
/** The 4-character hash type names of §5.1.2 mapped to node:crypto names. */
export const HASH_TYPES: Readonly<Record<string, ZrtpHash>> = { S256: 'sha256', S384: 'sha384' };

export function hash(alg: ZrtpHash, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
export function hmac(alg: ZrtpHash, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac(alg, key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
/** Constant-time comparison of two byte strings (false when the lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** H0..H3 (each 32 bytes), index = chain position. */
export type HashChain = readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array];

/** Builds the chain from H0 (random when omitted), RFC 6189 §9. */
export function hashChain(h0: Uint8Array = new Uint8Array(randomBytes(32)), alg: ZrtpHash = 'sha256'): HashChain {
  if (h0.length !== 32) throw new RangeError(`H0 must be 32 bytes, got ${h0.length}`);
  const next = (h: Uint8Array): Uint8Array => hash(alg, h).subarray(0, 32);
  const h1 = next(h0);
  const h2 = next(h1);
  return [h0.slice(), h1, h2, next(h2)];
}

/** hash(h) truncated to 256 bits: the check that the next chain element hashes to the previous. */
export function hashImage(h: Uint8Array, alg: ZrtpHash = 'sha256'): Uint8Array {
  return hash(alg, h).subarray(0, 32);
}

/** The MAC field of a message: first 8 bytes of HMAC(key, message minus its last 8 bytes), §9. */
export function messageMac(message: Uint8Array, key: Uint8Array, alg: ZrtpHash = 'sha256'): Uint8Array {
  if (message.length < 20) throw new RangeError(`message of ${message.length} bytes has no MAC field`);
  return hmac(alg, key, message.subarray(0, message.length - 8)).subarray(0, 8);
}

/** Writes the MAC into a serialised Hello, Commit or DHPart message (in place) and returns it. */
export function applyMessageMac(message: Uint8Array, key: Uint8Array, alg: ZrtpHash = 'sha256'): Uint8Array {
  message.set(messageMac(message, key, alg), message.length - 8);
  return message;
}

/** Checks a serialised message's MAC against `key` (constant time). */
export function verifyMessageMac(message: Uint8Array, key: Uint8Array, alg: ZrtpHash = 'sha256'): boolean {
  return message.length >= 20 && equalBytes(messageMac(message, key, alg), message.subarray(message.length - 8));
}

/**
 * Serialises a Hello/Commit/DHPart with its MAC computed from the chain element that keys it:
 * Hello → H2, Commit → H1, DHPart → H0 (§9). `chain` is the sender's own chain.
 */
export function serializeWithMac(msg: HelloMessage | CommitMessage | DhPartMessage, chain: HashChain, alg: ZrtpHash = 'sha256'): Uint8Array {
  const key = msg.type === 'Hello' ? chain[2] : msg.type === 'Commit' ? chain[1] : chain[0];
  return applyMessageMac(serializeMessage({ ...msg, mac: new Uint8Array(8) } as ZrtpMessage), key, alg);
}

/**
 * The delayed check of §9: when a later message reveals the chain element that keyed an earlier
 * message, the earlier one can be verified. Given the revealed element (H2 from Commit, H1 from
 * DHPart, H0 from Confirm) and the earlier serialised message that carried its hash image,
 * returns true when hash(revealed) equals that image and the MAC verifies.
 *   - Hello(H3, MAC key H2) checked with H2 (from Commit, or DHPart1's H1 → H2 for a responder)
 *   - Commit(H2, MAC key H1) checked with H1 (from DHPart2)
 *   - DHPart(H1, MAC key H0) checked with H0 (from Confirm)
 */
export function verifyRevealedKey(earlier: Uint8Array, revealed: Uint8Array, alg: ZrtpHash = 'sha256'): boolean {
  let m: ZrtpMessage;
  try {
    m = parseMessage(earlier);
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
  const image = m.type === 'Hello' ? m.h3 : m.type === 'Commit' ? m.h2 : m.type === 'DHPart1' || m.type === 'DHPart2' ? m.h1 : undefined;
  if (!image) return false;
  return equalBytes(hashImage(revealed, alg), image) && verifyMessageMac(earlier, revealed, alg);
}

/**
 * hvi = hash(initiator's DHPart2 message || responder's Hello message), truncated to 256 bits,
 * with the negotiated hash (RFC 6189 §4.4.1.1).
 */
export function computeHvi(dhPart2: Uint8Array, responderHello: Uint8Array, alg: ZrtpHash = 'sha256'): Uint8Array {
  return hash(alg, dhPart2, responderHello).subarray(0, 32);
}
/** The responder's hvi check (§4.4.1.1): a mismatch is error 0x62 (DH Error: hvi != hashed data). */
export function checkHvi(hvi: Uint8Array, dhPart2: Uint8Array, responderHello: Uint8Array, alg: ZrtpHash = 'sha256'): boolean {
  return equalBytes(computeHvi(dhPart2, responderHello, alg), hvi);
}

/**
 * The SDP attribute value of §8.1: "<version> <hex SHA-256 of the whole Hello message>",
 * e.g. "1.10 13e9f4…". The version is taken from the Hello.
 */
export function zrtpHashAttribute(helloMessage: Uint8Array): string {
  const m = parseMessage(helloMessage);
  if (m.type !== 'Hello') throw new RangeError(`a=zrtp-hash needs a Hello message, got ${m.type}`);
  return `${m.version} ${Buffer.from(hash('sha256', helloMessage)).toString('hex')}`;
}

/**
 * Checks a received Hello against the `a=zrtp-hash` value signalled in SDP (§8.1). Accepts the
 * value with or without the "a=zrtp-hash:" prefix; the hex is case-insensitive. False on any
 * mismatch or malformed value (version differences are mismatches).
 */
export function verifyZrtpHashAttribute(attribute: string, helloMessage: Uint8Array): boolean {
  const v = attribute.trim().replace(/^a=zrtp-hash:/i, '');
  const m = /^(\S{4}) ([0-9a-fA-F]{64})$/.exec(v);
  if (!m) return false;
  let parsed: ZrtpMessage;
  try {
    parsed = parseMessage(helloMessage);
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
  if (parsed.type !== 'Hello' || parsed.version !== m[1]) return false;
  return equalBytes(hash('sha256', helloMessage), new Uint8Array(Buffer.from(m[2], 'hex')));
}
