/**
 * The per-packet crypto of SRTP, set up once per context (never per packet).
 *
 * Where the time goes (node --cpu-prof on bench/srtp.ts, Node 20, 172-byte RTP packets): every
 * node:crypto call costs ~1 µs of fixed overhead, and every Hash/Cipher object it creates is a
 * native wrapper that the GC must finalise (the garbage collector was 25% of the profile when the
 * HMAC made two `Hash.copy()` per packet). So the hot path makes as few node:crypto calls as
 * possible and creates no crypto objects per packet:
 *
 * - AES-CM (RFC 3711 §4.1.1) is AES in counter mode with a 16-bit block counter; the keystream of
 *   a packet depends only on (key, salt, SSRC, index), never on the data. `AesCmStream` therefore
 *   produces the keystream of the next K packet indices of one SSRC with ONE `update()` of a reused
 *   `aes-*-ecb` cipher over their counter blocks (K adapts 1..64 to how often the prediction hits,
 *   so random access costs no more than one packet's keystream). Keystream is only ever XORed
 *   into the packet of the index it was made for; a miss recomputes it.
 * - HMAC-SHA1 (RFC 2104; RFC 3711 §4.2.1) runs in TypeScript (`HmacSha1.macInto`) from the
 *   precomputed K⊕ipad / K⊕opad chaining values: no allocation, no native call, no GC finaliser.
 *   It is checked against node:crypto's createHmac in the tests (RFC 3711 / libsrtp vectors).
 */
import { createCipheriv, createHash, timingSafeEqual, type Cipher } from 'node:crypto';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** AES-CM keystream generator over one session key. */
export class AesCmKeystream {
  readonly #ecb: Cipher;
  #blocks: Buffer = Buffer.alloc(64 * 16);

  constructor(key: Uint8Array) {
    const name = key.length === 16 ? 'aes-128-ecb' : key.length === 24 ? 'aes-192-ecb' : 'aes-256-ecb';
    this.#ecb = createCipheriv(name, key, null);
    this.#ecb.setAutoPadding(false);
  }

  /** ECB-encrypts `blocks` (a whole number of 16-byte blocks). */
  encryptBlocks(blocks: Uint8Array): Buffer {
    return this.#ecb.update(blocks);
  }

  /**
   * XORs `length` bytes of keystream for the 16-byte `iv` (bytes 14, 15 = 0: the block counter)
   * into `src` → `dst` (may be the same array).
   */
  xor(iv: Uint8Array, src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
    if (length <= 0) return;
    const nBlocks = (length + 15) >>> 4;
    if (nBlocks > 65536) throw new RangeError('AES-CM: more than 2^16 blocks for one packet (RFC 3711 §4.1.1)');
    if (this.#blocks.length < nBlocks * 16) this.#blocks = Buffer.alloc(nBlocks * 16);
    const b = this.#blocks;
    for (let i = 0; i < nBlocks; i++) {
      const o = i << 4;
      for (let j = 0; j < 14; j++) b[o + j] = iv[j]!;
      b[o + 14] = i >>> 8;
      b[o + 15] = i & 0xff;
    }
    const ks = this.#ecb.update(b.subarray(0, nBlocks * 16));
    for (let i = 0; i < length; i++) dst[dstOffset + i] = src[srcOffset + i]! ^ ks[i]!;
  }
}

/** Packets whose keystream is made ahead in one call, at most. */
const MAX_AHEAD = 64;
/** Packets longer than this many blocks (2 KiB) get their keystream one at a time. */
const MAX_AHEAD_BLOCKS = 128;

/**
 * The AES-CM keystream of one SSRC under one session key and salt (RFC 3711 §4.1.1):
 * IV = (k_s·2^16) ⊕ (SSRC·2^64) ⊕ (i·2^16), i the 48-bit packet index (SRTP: ROC·2^16 + SEQ;
 * SRTCP: the 31-bit SRTCP index). Keystream for consecutive indices is produced ahead, in one
 * ECB call, and used only for the index it was made for.
 */
export class AesCmStream {
  readonly #ks: AesCmKeystream;
  /** Bytes 0..13 of the IV without the index: salt ⊕ SSRC. */
  readonly #base = new Uint8Array(16);
  readonly #base32 = new Uint32Array(this.#base.buffer);
  #counters = new Uint8Array(0);
  #counters32 = new Uint32Array(0);
  #stream: Uint8Array = new Uint8Array(0);
  /** First index in #stream, packets in it, blocks per packet. */
  #start = -1;
  #count = 0;
  #perPacket = 0;
  /** How many packets to make ahead at the next refill, and hits since the last one. */
  #ahead = 4;
  #hits = 0;

  constructor(ks: AesCmKeystream, salt: Uint8Array, ssrc: number) {
    this.#ks = ks;
    const b = this.#base;
    for (let i = 0; i < 14; i++) b[i] = salt[i]!;
    b[4]! ^= ssrc >>> 24;
    b[5]! ^= (ssrc >>> 16) & 0xff;
    b[6]! ^= (ssrc >>> 8) & 0xff;
    b[7]! ^= ssrc & 0xff;
  }

  /** XORs the keystream of packet `index` into `src[srcOffset..+length)` → `dst[dstOffset..]`. */
  xor(index: number, src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
    if (length <= 0) return;
    const nBlocks = (length + 15) >>> 4;
    if (nBlocks > MAX_AHEAD_BLOCKS) {
      this.#ks.xor(this.#iv(index), src, srcOffset, dst, dstOffset, length);
      return;
    }
    let p = index - this.#start;
    if (this.#start < 0 || p < 0 || p >= this.#count || nBlocks > this.#perPacket) {
      this.#refill(index, nBlocks);
      p = 0;
    }
    this.#hits++;
    const ks = this.#stream;
    const o = p * this.#perPacket * 16;
    for (let i = 0; i < length; i++) dst[dstOffset + i] = src[srcOffset + i]! ^ ks[o + i]!;
  }

  #iv(index: number): Uint8Array {
    const iv = new Uint8Array(16);
    iv.set(this.#base.subarray(0, 14));
    const hi = Math.floor(index / 0x100000000);
    const lo = index >>> 0;
    iv[8]! ^= hi >>> 8;
    iv[9]! ^= hi & 0xff;
    iv[10]! ^= lo >>> 24;
    iv[11]! ^= (lo >>> 16) & 0xff;
    iv[12]! ^= (lo >>> 8) & 0xff;
    iv[13]! ^= lo & 0xff;
    return iv;
  }

  #refill(index: number, nBlocks: number): void {
    // Adapt how far ahead to go: double while the previous window was used up, halve when it was not.
    if (this.#start >= 0) {
      if (this.#hits >= this.#count) this.#ahead = Math.min(MAX_AHEAD, this.#ahead * 2);
      else if (this.#hits * 2 < this.#count) this.#ahead = Math.max(1, this.#ahead >>> 1);
    }
    this.#hits = 0;
    const per = Math.max(nBlocks, this.#perPacket);
    // Never go past the 48-bit index space.
    const count = Math.max(1, Math.min(this.#ahead, 0x1000000000000 - index));
    const words = count * per * 4;
    if (this.#counters32.length < words) {
      this.#counters = new Uint8Array(words * 4);
      this.#counters32 = new Uint32Array(this.#counters.buffer);
    }
    const c = this.#counters32;
    const b = this.#base;
    const b32 = this.#base32;
    let w = 0;
    for (let p = 0; p < count; p++) {
      const idx = index + p;
      const hi = Math.floor(idx / 0x100000000);
      const lo = idx >>> 0;
      // Bytes 8..13 = base ⊕ index; 14, 15 = block counter.
      const b8 = b[8]! ^ (hi >>> 8);
      const b9 = b[9]! ^ (hi & 0xff);
      const b10 = b[10]! ^ (lo >>> 24);
      const b11 = b[11]! ^ ((lo >>> 16) & 0xff);
      const b12 = b[12]! ^ ((lo >>> 8) & 0xff);
      const b13 = b[13]! ^ (lo & 0xff);
      let w2: number, w3: number;
      if (LITTLE_ENDIAN) {
        w2 = (b8 | (b9 << 8) | (b10 << 16) | (b11 << 24)) >>> 0;
        w3 = b12 | (b13 << 8);
      } else {
        w2 = ((b8 << 24) | (b9 << 16) | (b10 << 8) | b11) >>> 0;
        w3 = ((b12 << 24) | (b13 << 16)) >>> 0;
      }
      for (let k = 0; k < per; k++) {
        c[w] = b32[0]!;
        c[w + 1] = b32[1]!;
        c[w + 2] = w2;
        c[w + 3] = LITTLE_ENDIAN ? (w3 | ((k >>> 8) << 16) | ((k & 0xff) << 24)) >>> 0 : (w3 | k) >>> 0;
        w += 4;
      }
    }
    this.#stream = this.#ks.encryptBlocks(this.#counters.subarray(0, words * 4));
    this.#start = index;
    this.#count = count;
    this.#perPacket = per;
  }
}

const SHA1_W = new Int32Array(80);

/** SHA-1 compression function (FIPS 180-4 §6.1.2) of the 64-byte block d[o..o+64) into `st`. */
function sha1Block(st: Int32Array, d: Uint8Array, o: number): void {
  const W = SHA1_W;
  for (let i = 0; i < 16; i++, o += 4) W[i] = (d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d3 = st[3]!;
  let e = st[4]!;
  for (let i = 0; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d3)) + e + 0x5a827999 + W[i]!) | 0;
    e = d3;
    d3 = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 20; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d3) + e + 0x6ed9eba1 + W[i]!) | 0;
    e = d3;
    d3 = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 40; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d3) | (c & d3)) + e - 0x70e44324 + W[i]!) | 0;
    e = d3;
    d3 = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 60; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d3) + e - 0x359d3e2a + W[i]!) | 0;
    e = d3;
    d3 = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d3) | 0;
  st[4] = (st[4]! + e) | 0;
}

const SHA1_IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];

/** HMAC-SHA1 with precomputed inner/outer chaining values. */
export class HmacSha1 {
  readonly #innerIv = new Int32Array(5);
  readonly #outerIv = new Int32Array(5);
  readonly #st = new Int32Array(5);
  /** Tail of the inner message (≤ 63 data bytes + ≤ 4 trailer bytes + padding): 2 blocks. */
  readonly #tail = new Uint8Array(128);
  /** Outer message block: inner digest ‖ padding ‖ length (64 + 20 bytes). */
  readonly #outerBlock = new Uint8Array(64);
  readonly #digest = new Uint8Array(20);

  constructor(key: Uint8Array) {
    const k = new Uint8Array(64);
    k.set(key.length > 64 ? createHash('sha1').update(key).digest() : key);
    const ipad = k.map((x) => x ^ 0x36);
    const opad = k.map((x) => x ^ 0x5c);
    this.#innerIv.set(SHA1_IV);
    sha1Block(this.#innerIv, ipad, 0);
    this.#outerIv.set(SHA1_IV);
    sha1Block(this.#outerIv, opad, 0);
    const ob = this.#outerBlock;
    ob[20] = 0x80;
    const bits = (64 + 20) * 8;
    ob[62] = bits >>> 8;
    ob[63] = bits & 0xff;
  }

  /** HMAC(key, a ‖ b). */
  mac(a: Uint8Array, b?: Uint8Array): Buffer {
    const out = Buffer.alloc(20);
    if (!b || b.length <= 4) {
      this.macInto(a, 0, a.length, b, out, 0, 20);
      return out;
    }
    const m = new Uint8Array(a.length + b.length);
    m.set(a, 0);
    m.set(b, a.length);
    this.macInto(m, 0, m.length, undefined, out, 0, 20);
    return out;
  }

  /**
   * The first `n` (≤ 20) bytes of HMAC(key, d[start..end) ‖ trailer) into out[outOffset..), no
   * allocation. `trailer` is at most 4 bytes (the SRTP ROC).
   */
  macInto(d: Uint8Array, start: number, end: number, trailer: Uint8Array | undefined, out: Uint8Array, outOffset: number, n: number): void {
    const st = this.#st;
    st.set(this.#innerIv);
    let p = start;
    for (; p + 64 <= end; p += 64) sha1Block(st, d, p);
    const t = this.#tail;
    let r = 0;
    while (p < end) t[r++] = d[p++]!;
    const tl = trailer ? trailer.length : 0;
    for (let i = 0; i < tl; i++) t[r++] = trailer![i]!;
    const msgLen = end - start + tl;
    t[r++] = 0x80;
    const blocks = r + 8 <= 64 ? 1 : 2;
    const lenAt = blocks * 64 - 8;
    while (r < lenAt) t[r++] = 0;
    // Bit length of ipad ‖ message (< 2^53).
    const bits = (64 + msgLen) * 8;
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    t[r] = hi >>> 24;
    t[r + 1] = (hi >>> 16) & 0xff;
    t[r + 2] = (hi >>> 8) & 0xff;
    t[r + 3] = hi & 0xff;
    t[r + 4] = lo >>> 24;
    t[r + 5] = (lo >>> 16) & 0xff;
    t[r + 6] = (lo >>> 8) & 0xff;
    t[r + 7] = lo & 0xff;
    sha1Block(st, t, 0);
    if (blocks === 2) sha1Block(st, t, 64);
    const ob = this.#outerBlock;
    for (let i = 0; i < 5; i++) {
      const v = st[i]!;
      ob[4 * i] = v >>> 24;
      ob[4 * i + 1] = (v >>> 16) & 0xff;
      ob[4 * i + 2] = (v >>> 8) & 0xff;
      ob[4 * i + 3] = v & 0xff;
    }
    st.set(this.#outerIv);
    sha1Block(st, ob, 0);
    const dg = this.#digest;
    for (let i = 0; i < 5; i++) {
      const v = st[i]!;
      dg[4 * i] = v >>> 24;
      dg[4 * i + 1] = (v >>> 16) & 0xff;
      dg[4 * i + 2] = (v >>> 8) & 0xff;
      dg[4 * i + 3] = v & 0xff;
    }
    for (let i = 0; i < n; i++) out[outOffset + i] = dg[i]!;
  }

  /**
   * Whether the first `n` bytes of HMAC(key, d[start..end) ‖ trailer) equal tag[tagOffset..+n),
   * compared in constant time for a given n.
   */
  verify(d: Uint8Array, start: number, end: number, trailer: Uint8Array | undefined, tag: Uint8Array, tagOffset: number, n: number): boolean {
    if (n > 20 || tagOffset + n > tag.length) return false;
    const dg = this.#digest;
    this.macInto(d, start, end, trailer, dg, 0, 0);
    let diff = 0;
    for (let i = 0; i < n; i++) diff |= dg[i]! ^ tag[tagOffset + i]!;
    return diff === 0;
  }
}

/** Constant-time comparison of `tag` with the first tag.length bytes of `mac`. */
export function tagEquals(mac: Uint8Array, tag: Uint8Array): boolean {
  if (tag.length > mac.length) return false;
  return timingSafeEqual(mac.subarray(0, tag.length), tag);
}

export function gcmName(keyLength: number): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return keyLength === 16 ? 'aes-128-gcm' : keyLength === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}
