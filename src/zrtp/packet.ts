/**
 * The ZRTP packet, RFC 6189 §5 (figure 2):
 *
 *   |0 0 0 1|Not Used (set to zero, 12 bits)|  Sequence Number (16)  |
 *   |                 Magic Cookie 'ZRTP' (0x5a525450)                |
 *   |                        Source Identifier                        |
 *   |                 ZRTP Message (length depends on type)           |
 *   |                        CRC (1 word)                             |
 *
 * The message starts with the preamble 0x505a and its length in 32-bit words (§5.1); the CRC
 * (§5.1.1) covers everything before it and is stored least-significant byte first.
 */
import { ParseError } from '../core/errors.js';
import { crc32c, readCrcTrailer, writeCrcTrailer } from './crc32c.js';

/** 'ZRTP' in ASCII: the magic cookie of every ZRTP packet (RFC 6189 §5). */
export const ZRTP_MAGIC_COOKIE = 0x5a525450;
/** The message preamble (RFC 6189 §5.1): 0x505a. */
export const ZRTP_PREAMBLE = 0x505a;
/** Packet header (12) + message header (12) + CRC (4): the smallest possible packet (a HelloACK). */
export const ZRTP_MIN_PACKET = 28;
/** Largest packet we accept: the 16-bit word count of a message bounds it (RFC 6189 §5.1). */
export const ZRTP_MAX_PACKET = 12 + 0xffff * 4 + 4;

export interface ZrtpPacket {
  /** 16-bit sequence number (RFC 6189 §5: incremented per packet sent). */
  sequence: number;
  /** 32-bit source identifier: the SSRC of the media stream (RFC 6189 §5). */
  sourceId: number;
  /** The whole ZRTP message: preamble, length, type block and body (RFC 6189 §5.1). */
  message: Uint8Array;
}

export interface ParseZrtpPacketOptions {
  /** Check the CRC trailer (default true). A mismatch is a ParseError (RFC 6189 §5.1.1). */
  verifyCrc?: boolean;
}

/** True when the first byte and the cookie look like ZRTP (RFC 6189 §5; RFC 7983 demux). */
export function looksLikeZrtp(buf: Uint8Array): boolean {
  return buf.length >= 8 && buf[0] >> 4 === 1 && buf[4] === 0x5a && buf[5] === 0x52 && buf[6] === 0x54 && buf[7] === 0x50;
}

/**
 * Parses a ZRTP packet. Throws ParseError when it is too short or long, not word-aligned, has a
 * wrong first nibble or cookie, a message length that does not fill the packet exactly, or a bad
 * CRC. The 12 "not used" header bits are ignored (RFC 6189 §5: ignored by the recipient).
 */
export function parseZrtpPacket(buf: Uint8Array, options: ParseZrtpPacketOptions = {}): ZrtpPacket {
  const what = 'ZRTP packet';
  if (buf.length < ZRTP_MIN_PACKET) throw new ParseError(what, `${buf.length} bytes, at least ${ZRTP_MIN_PACKET} needed`);
  if (buf.length > ZRTP_MAX_PACKET) throw new ParseError(what, `${buf.length} bytes, at most ${ZRTP_MAX_PACKET} allowed`);
  if (buf.length % 4 !== 0) throw new ParseError(what, `length ${buf.length} is not a multiple of 4`);
  if (buf[0] >> 4 !== 1) throw new ParseError(what, `first nibble ${buf[0] >> 4}, expected 1 (RFC 6189 §5)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const cookie = dv.getUint32(4);
  if (cookie !== ZRTP_MAGIC_COOKIE) throw new ParseError(what, `magic cookie 0x${cookie.toString(16)}, expected 0x5a525450 ('ZRTP')`);
  const preamble = dv.getUint16(12);
  if (preamble !== ZRTP_PREAMBLE) throw new ParseError(what, `message preamble 0x${preamble.toString(16)}, expected 0x505a`);
  const words = dv.getUint16(14);
  if (12 + words * 4 + 4 !== buf.length) {
    throw new ParseError(what, `message length ${words} words does not match the packet (${buf.length} bytes = ${(buf.length - 16) / 4} words)`);
  }
  if (options.verifyCrc !== false) {
    const want = readCrcTrailer(buf, buf.length - 4);
    const got = crc32c(buf.subarray(0, buf.length - 4));
    if (want !== got) throw new ParseError(what, `CRC-32C mismatch: trailer 0x${want.toString(16)}, computed 0x${got.toString(16)}`);
  }
  return { sequence: dv.getUint16(2), sourceId: dv.getUint32(8), message: buf.slice(12, buf.length - 4) };
}

/** Serialises a ZRTP packet with a fresh CRC-32C trailer (RFC 6189 §5, §5.1.1). */
export function serializeZrtpPacket(p: ZrtpPacket): Uint8Array {
  const out = new Uint8Array(12 + p.message.length + 4);
  const dv = new DataView(out.buffer);
  out[0] = 0x10;
  out[1] = 0x00;
  dv.setUint16(2, p.sequence & 0xffff);
  dv.setUint32(4, ZRTP_MAGIC_COOKIE);
  dv.setUint32(8, p.sourceId >>> 0);
  out.set(p.message, 12);
  writeCrcTrailer(out, out.length - 4, crc32c(out.subarray(0, out.length - 4)));
  return out;
}
