/**
 * The common RTCP header (RFC 3550 §6.4.1) and the small helpers every RTCP packet type shares:
 * locating the content of one packet (length field, padding), and writing headers and padding.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  count  |      PT       |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Conventions of every file in this folder:
 * - `parseX(buf)` takes a buffer holding exactly one RTCP packet (a datagram goes through
 *   `parseCompound`) and throws only `ParseError`; byte slices in the result are views of `buf`.
 * - `serializeX(pkt, out?)` writes into `out` when given (returns the subarray written) or a new
 *   buffer; a packet that cannot be encoded (a field out of range) throws `ConfigError`.
 * - `decodeX(dv, buf, start, end)` / `sizeX(pkt)` / `writeX(pkt, dv, buf, off)` are the
 *   allocation-light building blocks `compound.ts` uses on a whole datagram.
 */
import { ConfigError, ParseError } from '../../core/errors.js';

export const RTCP_VERSION = 2;
export const RTCP_HEADER_SIZE = 4;

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2). */
export const RtcpType = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  RTPFB: 205,
  PSFB: 206,
  XR: 207,
} as const;

/** FMT values of transport-layer feedback (PT 205; RFC 4585 §6.2, RFC 5104 §4.2, RFC 6051, RFC 8888). */
export const RtpfbFmt = { NACK: 1, TMMBR: 3, TMMBN: 4, RRR: 5, CCFB: 11, TWCC: 15 } as const;

/** FMT values of payload-specific feedback (PT 206; RFC 4585 §6.3, RFC 5104 §4.3). */
export const PsfbFmt = { PLI: 1, SLI: 2, RPSI: 3, FIR: 4, AFB: 15 } as const;

/** The decoded common header. `length` is the raw field: packet size in 32-bit words minus one. */
export interface RtcpHeader {
  padding: boolean;
  /** Report count, source count, subtype or FMT, depending on the packet type. */
  count: number;
  packetType: number;
  length: number;
}

/** Decodes the 4-byte common header at `offset` (RFC 3550 §6.4.1); checks the version only. */
export function parseRtcpHeader(buf: Uint8Array, offset = 0): RtcpHeader {
  if (offset < 0 || buf.length - offset < RTCP_HEADER_SIZE) {
    throw new ParseError('RTCP header', `needs ${RTCP_HEADER_SIZE} bytes, ${Math.max(0, buf.length - offset)} available`);
  }
  const b0 = buf[offset];
  if (b0 >> 6 !== RTCP_VERSION) {
    throw new ParseError('RTCP header', `version ${b0 >> 6}, expected 2 (RFC 3550 §6.4.1)`);
  }
  return {
    padding: (b0 & 0x20) !== 0,
    count: b0 & 0x1f,
    packetType: buf[offset + 1],
    length: (buf[offset + 2] << 8) | buf[offset + 3],
  };
}

/** Encodes a common header (4 bytes). */
export function serializeRtcpHeader(h: RtcpHeader, out?: Uint8Array): Uint8Array {
  const buf = outputBuffer(RTCP_HEADER_SIZE, out, 'RTCP header');
  if (h.count < 0 || h.count > 31) throw new ConfigError(`RTCP header: count ${h.count} out of range 0..31`);
  if (h.packetType < 0 || h.packetType > 255) throw new ConfigError(`RTCP header: packet type ${h.packetType} out of range 0..255`);
  if (h.length < 0 || h.length > 0xffff) throw new ConfigError(`RTCP header: length ${h.length} out of range 0..65535`);
  buf[0] = (RTCP_VERSION << 6) | (h.padding ? 0x20 : 0) | h.count;
  buf[1] = h.packetType;
  buf[2] = h.length >> 8;
  buf[3] = h.length & 0xff;
  return buf.subarray(0, RTCP_HEADER_SIZE);
}

/** A DataView over exactly the bytes of `buf`. */
export function dataViewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The buffer to serialise into: `out` when given and large enough, else a new one. */
export function outputBuffer(size: number, out: Uint8Array | undefined, what: string): Uint8Array {
  if (out === undefined) return new Uint8Array(size);
  if (out.length < size) throw new ConfigError(`${what}: output buffer holds ${out.length} bytes, ${size} needed`);
  return out;
}

/**
 * Checks that `buf` holds exactly one RTCP packet of the given type (and FMT, for feedback
 * messages) and returns its packet end (= buf.length). Used by every standalone `parseX`.
 */
export function checkSinglePacket(buf: Uint8Array, what: string, packetType: number, fmt?: number): number {
  const h = parseRtcpHeader(buf, 0);
  if (h.packetType !== packetType) {
    throw new ParseError(what, `packet type ${h.packetType}, expected ${packetType}`);
  }
  if (fmt !== undefined && h.count !== fmt) {
    throw new ParseError(what, `FMT ${h.count}, expected ${fmt} for packet type ${packetType}`);
  }
  const size = (h.length + 1) * 4;
  if (size !== buf.length) {
    // RFC 3550 §6.4.1: length is the packet size in 32-bit words minus one, header and padding included.
    throw new ParseError(what, `length field says ${size} bytes (${h.length} + 1 words), buffer holds ${buf.length}`);
  }
  return size;
}

/**
 * The end of a packet's content, before its padding. RFC 3550 §6.4.1: with P set, the last octet
 * counts the padding octets including itself, all inside the length. A count of 0 or one that
 * eats into the header is malformed.
 */
export function rtcpContentEnd(buf: Uint8Array, start: number, end: number, what: string): number {
  if ((buf[start] & 0x20) === 0) return end;
  const n = buf[end - 1];
  if (n === 0) throw new ParseError(what, 'padding bit set but the padding count is 0');
  if (n > end - start - RTCP_HEADER_SIZE) {
    throw new ParseError(what, `padding count ${n} exceeds the ${end - start - RTCP_HEADER_SIZE} bytes after the header`);
  }
  return end - n;
}

/**
 * Writes a common header for a packet of `totalBytes` (a multiple of 4) starting at `off`.
 */
export function writeRtcpHeader(
  buf: Uint8Array,
  off: number,
  padding: boolean,
  count: number,
  packetType: number,
  totalBytes: number,
  what: string,
): void {
  if (count < 0 || count > 31) throw new ConfigError(`${what}: count ${count} out of range 0..31 (RFC 3550 §6.4.1: 5 bits)`);
  const words = totalBytes / 4 - 1;
  if (words > 0xffff) throw new ConfigError(`${what}: ${totalBytes} bytes exceed the 16-bit length field`);
  buf[off] = (RTCP_VERSION << 6) | (padding ? 0x20 : 0) | count;
  buf[off + 1] = packetType;
  buf[off + 2] = words >> 8;
  buf[off + 3] = words & 0xff;
}

/** Padding needed to bring `n` bytes to a 32-bit boundary. */
export function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}

/** Writes `n` padding octets at `off`: zeros, then the count in the last one (RFC 3550 §6.4.1). */
export function writePadding(buf: Uint8Array, off: number, n: number): void {
  buf.fill(0, off, off + n - 1);
  buf[off + n - 1] = n;
}

/** Range check used by serialisers for unsigned fields. */
export function checkUint(value: number, bits: number, what: string, field: string): void {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ConfigError(`${what}: ${field} ${value} out of range 0..${max}`);
  }
}

/** Serialises with a size function and a writer, into `out` or a new buffer. */
export function serializeWith<T>(
  pkt: T,
  size: (p: T) => number,
  write: (p: T, dv: DataView, buf: Uint8Array, off: number) => number,
  out: Uint8Array | undefined,
  what: string,
): Uint8Array {
  const n = size(pkt);
  const buf = outputBuffer(n, out, what);
  const written = write(pkt, dataViewOf(buf), buf, 0);
  return buf.subarray(0, written);
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** Decodes UTF-8 text (RFC 3550 §6.5: SDES text is UTF-8); malformed sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return bytes.length === 0 ? '' : utf8Decoder.decode(bytes);
}

/** Byte length of `s` in UTF-8 (lone surrogates count as U+FFFD, as TextEncoder writes them). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes `s` as UTF-8 at `off` without allocating; returns the bytes written. */
export function writeUtf8(s: string, buf: Uint8Array, off: number): number {
  return utf8Encoder.encodeInto(s, buf.subarray(off)).written;
}

/** Size of the common part of a feedback message: header, sender SSRC, media SSRC (RFC 4585 §6.1). */
export const FB_HEADER_SIZE = 12;

/**
 * Content end of a feedback message (RFC 4585 §6.1), checked to hold the 12-byte common part and
 * an FCI whose size is a multiple of `fciUnit` bytes and at least `minFci`.
 */
export function fbContentEnd(buf: Uint8Array, start: number, end: number, what: string, fciUnit: number, minFci: number): number {
  const content = rtcpContentEnd(buf, start, end, what);
  const fci = content - start - FB_HEADER_SIZE;
  if (fci < 0) throw new ParseError(what, `needs ${FB_HEADER_SIZE} bytes of header, sender and media SSRC, ${content - start} available`);
  if (fci < minFci) throw new ParseError(what, `FCI of ${fci} bytes, at least ${minFci} required`);
  if (fci % fciUnit !== 0) throw new ParseError(what, `FCI of ${fci} bytes is not a multiple of the ${fciUnit}-byte entry`);
  return content;
}

/** Writes the common part of a feedback message and returns the offset of the FCI. */
export function writeFbHeader(
  dv: DataView,
  buf: Uint8Array,
  off: number,
  fmt: number,
  packetType: number,
  totalBytes: number,
  senderSsrc: number,
  mediaSsrc: number,
  what: string,
  padding = false,
): number {
  checkUint(senderSsrc, 32, what, 'senderSsrc');
  checkUint(mediaSsrc, 32, what, 'mediaSsrc');
  writeRtcpHeader(buf, off, padding, fmt, packetType, totalBytes, what);
  dv.setUint32(off + 4, senderSsrc);
  dv.setUint32(off + 8, mediaSsrc);
  return off + FB_HEADER_SIZE;
}
