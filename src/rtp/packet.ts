/**
 * The RTP packet (RFC 3550 §5.1), sans-IO: parse a datagram into header fields and views, and
 * serialise into a reusable buffer.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers             |
 * |   defined by profile (X=1)    |           length              |   RFC 3550 §5.3.1
 * |                        header extension                       |
 * |                            payload ...                        |
 * |                               | padding ...   | padding count |
 *
 * This is the hot path: parsing reads bytes directly (no DataView allocation), the payload and
 * extension bodies are views of the input (never copies), and packets without CSRCs or
 * extensions share frozen empty lists.
 */
import { ConfigError, ParseError } from '../core/errors.js';
import {
  type RtpHeaderExtension,
  chooseExtensionProfile,
  headerExtensionsSize,
  isOneByteProfile,
  isTwoByteProfile,
  parseHeaderExtensions,
  writeHeaderExtensions,
} from './header-extension.js';

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;

/** What a caller provides to serialise a packet; omitted fields mean "none". */
export interface RtpPacketInit {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc?: readonly number[];
  /**
   * The 16-bit "defined by profile" field of the header extension (RFC 3550 §5.3.1); undefined
   * for no extension. 0xBEDE and 0x1000..0x100F are RFC 8285's forms, encoded from `extensions`;
   * any other profile is written from `extensionData`. When undefined but `extensions` is
   * non-empty, the one-byte form is used if every element fits it, else the two-byte form.
   */
  extensionProfile?: number;
  /** RFC 8285 elements, in wire order. */
  extensions?: readonly RtpHeaderExtension[];
  /** Raw extension body (whole 32-bit words) for a non-RFC 8285 profile. */
  extensionData?: Uint8Array;
  payload: Uint8Array;
  /** Padding octets at the end, the count octet included (0 = none, else 1..255). */
  paddingSize?: number;
}

/** A parsed packet: every field present. */
export interface RtpPacket extends RtpPacketInit {
  marker: boolean;
  csrc: readonly number[];
  extensionProfile: number | undefined;
  /** Elements decoded for RFC 8285 profiles (empty otherwise). */
  extensions: readonly RtpHeaderExtension[];
  /** The extension body as received (a view), whatever the profile; undefined without extension. */
  extensionData: Uint8Array | undefined;
  /** The payload, a view of the parsed buffer. */
  payload: Uint8Array;
  paddingSize: number;
}

const NO_CSRC: readonly number[] = Object.freeze([]);
const NO_EXTENSIONS: readonly RtpHeaderExtension[] = Object.freeze([]);
const EMPTY_BYTES = new Uint8Array(0);

function u32(buf: Uint8Array, o: number): number {
  return ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;
}

/**
 * Parses an RTP packet. Rejects (ParseError) what RFC 3550 A.1 and §5 call invalid: fewer than
 * 12 bytes, a version other than 2, a payload type byte equal to RTCP SR/RR (A.1: a mis-sent RTCP
 * packet), CSRCs or an extension running past the end, a padding count of 0 or larger than what
 * follows the header, and malformed RFC 8285 elements.
 */
export function parseRtpPacket(buf: Uint8Array): RtpPacket {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) throw new ParseError('RTP packet', `${len} bytes, shorter than the 12-byte fixed header (RFC 3550 §5.1)`);
  const b0 = buf[0];
  if (b0 >> 6 !== RTP_VERSION) throw new ParseError('RTP packet', `version ${b0 >> 6}, expected 2 (RFC 3550 §5.1)`);
  const b1 = buf[1];
  if (b1 === 200 || b1 === 201) throw new ParseError('RTP packet', `marker+payload type byte ${b1} is RTCP SR/RR (RFC 3550 A.1)`);
  const cc = b0 & 0x0f;
  let off = RTP_HEADER_SIZE + 4 * cc;
  if (off > len) throw new ParseError('RTP packet', `CSRC count ${cc} needs ${off} bytes of header, packet has ${len}`);
  let csrc = NO_CSRC;
  if (cc > 0) {
    const list: number[] = new Array<number>(cc);
    for (let i = 0; i < cc; i++) list[i] = u32(buf, RTP_HEADER_SIZE + 4 * i);
    csrc = list;
  }
  let extensionProfile: number | undefined;
  let extensionData: Uint8Array | undefined;
  let extensions = NO_EXTENSIONS;
  if (b0 & 0x10) {
    // RFC 3550 §5.3.1: 16-bit profile-defined field, 16-bit length in 32-bit words, then the body.
    if (off + 4 > len) throw new ParseError('RTP packet', 'X bit set but the packet ends before the extension header (RFC 3550 §5.3.1)');
    extensionProfile = (buf[off] << 8) | buf[off + 1];
    const bodyLen = ((buf[off + 2] << 8) | buf[off + 3]) * 4;
    const start = off + 4;
    off = start + bodyLen;
    if (off > len) throw new ParseError('RTP packet', `header extension of ${bodyLen} bytes runs past the end (${len - start} left)`);
    extensionData = buf.subarray(start, off);
    if (isOneByteProfile(extensionProfile) || isTwoByteProfile(extensionProfile)) {
      extensions = parseHeaderExtensions(extensionProfile, buf, start, off);
    }
  }
  let end = len;
  let paddingSize = 0;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    paddingSize = buf[len - 1];
    if (paddingSize === 0) throw new ParseError('RTP packet', 'padding bit set but the padding count is 0 (RFC 3550 §5.1)');
    if (paddingSize > len - off) throw new ParseError('RTP packet', `padding count ${paddingSize} exceeds the ${len - off} bytes after the header`);
    end = len - paddingSize;
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: (buf[2] << 8) | buf[3],
    timestamp: u32(buf, 4),
    ssrc: u32(buf, 8),
    csrc,
    extensionProfile,
    extensions,
    extensionData,
    payload: buf.subarray(off, end),
    paddingSize,
  };
}

/** The fixed-header fields, filled in place by `peekRtpHeader`. */
export interface RtpHeaderPeek {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** A fresh object for `peekRtpHeader` to fill (allocate once, reuse per packet). */
export function newRtpHeaderPeek(): RtpHeaderPeek {
  return { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0 };
}

/**
 * Fast path: reads the fixed header into `out` without allocating, for routing and
 * statistics before (or instead of) a full parse. Returns false, leaving `out` untouched, when
 * the buffer is too short or not version 2. It does not validate CSRCs, extension or padding.
 */
export function peekRtpHeader(buf: Uint8Array, out: RtpHeaderPeek): boolean {
  if (buf.length < RTP_HEADER_SIZE || buf[0] >> 6 !== RTP_VERSION) return false;
  out.marker = (buf[1] & 0x80) !== 0;
  out.payloadType = buf[1] & 0x7f;
  out.sequenceNumber = (buf[2] << 8) | buf[3];
  out.timestamp = u32(buf, 4);
  out.ssrc = u32(buf, 8);
  return true;
}

/** The extension profile to write: the given one, else chosen from the elements, else none. */
function extensionProfileOf(p: RtpPacketInit): number | undefined {
  if (p.extensionProfile !== undefined) {
    const profile = p.extensionProfile;
    if (!Number.isInteger(profile) || profile < 0 || profile > 0xffff) throw new ConfigError(`RTP packet: extensionProfile ${profile} out of range 0..65535`);
    return profile;
  }
  const elements = p.extensions ?? NO_EXTENSIONS;
  return elements.length === 0 ? undefined : chooseExtensionProfile(elements);
}

/** Bytes of extension body (after the 4-byte extension header) for `profile`. */
function extensionBodyLength(p: RtpPacketInit, profile: number): number {
  const elements = p.extensions ?? NO_EXTENSIONS;
  let bodyLen: number;
  if (isOneByteProfile(profile) || isTwoByteProfile(profile)) bodyLen = headerExtensionsSize(profile, elements);
  else {
    if (elements.length > 0) throw new ConfigError(`RTP packet: extension elements given for profile 0x${profile.toString(16)}, which is not RFC 8285's (use extensionData)`);
    bodyLen = (p.extensionData ?? EMPTY_BYTES).length;
    if (bodyLen % 4 !== 0) throw new ConfigError(`RTP packet: extensionData of ${bodyLen} bytes is not whole 32-bit words (RFC 3550 §5.3.1)`);
  }
  if (bodyLen / 4 > 0xffff) throw new ConfigError(`RTP packet: header extension of ${bodyLen} bytes exceeds the 16-bit length`);
  return bodyLen;
}

function checkFields(p: RtpPacketInit): void {
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127) throw new ConfigError(`RTP packet: payloadType ${p.payloadType} out of range 0..127`);
  if (!Number.isInteger(p.sequenceNumber) || p.sequenceNumber < 0 || p.sequenceNumber > 0xffff) throw new ConfigError(`RTP packet: sequenceNumber ${p.sequenceNumber} out of range 0..65535`);
  if (!Number.isInteger(p.timestamp) || p.timestamp < 0 || p.timestamp > 0xffffffff) throw new ConfigError(`RTP packet: timestamp ${p.timestamp} out of range 0..2^32-1`);
  if (!Number.isInteger(p.ssrc) || p.ssrc < 0 || p.ssrc > 0xffffffff) throw new ConfigError(`RTP packet: ssrc ${p.ssrc} out of range 0..2^32-1`);
  const pad = p.paddingSize ?? 0;
  if (!Number.isInteger(pad) || pad < 0 || pad > 255) throw new ConfigError(`RTP packet: paddingSize ${pad} out of range 0..255`);
  const cc = p.csrc?.length ?? 0;
  if (cc > 15) throw new ConfigError(`RTP packet: ${cc} CSRCs, at most 15 (RFC 3550 §5.1)`);
}

/** Bytes the packet takes on the wire. */
export function rtpPacketSize(p: RtpPacketInit): number {
  const profile = extensionProfileOf(p);
  const ext = profile === undefined ? 0 : 4 + extensionBodyLength(p, profile);
  return RTP_HEADER_SIZE + 4 * (p.csrc?.length ?? 0) + ext + p.payload.length + (p.paddingSize ?? 0);
}

function w32(buf: Uint8Array, o: number, v: number): void {
  buf[o] = v >>> 24;
  buf[o + 1] = (v >>> 16) & 0xff;
  buf[o + 2] = (v >>> 8) & 0xff;
  buf[o + 3] = v & 0xff;
}

/**
 * Serialises a packet into `out` when given (reused across packets; returns the subarray
 * written) or into a new buffer. RFC 8285 elements are written in order without padding between
 * them; padding octets are zeros followed by the count. Throws ConfigError for a field out of
 * range or an `out` too small.
 */
export function serializeRtpPacket(p: RtpPacketInit, out?: Uint8Array): Uint8Array {
  checkFields(p);
  const profile = extensionProfileOf(p);
  const bodyLen = profile === undefined ? 0 : extensionBodyLength(p, profile);
  const csrc = p.csrc ?? NO_CSRC;
  const pad = p.paddingSize ?? 0;
  const size = RTP_HEADER_SIZE + 4 * csrc.length + (profile === undefined ? 0 : 4 + bodyLen) + p.payload.length + pad;
  let buf: Uint8Array;
  if (out === undefined) buf = new Uint8Array(size);
  else if (out.length < size) throw new ConfigError(`RTP packet: output buffer holds ${out.length} bytes, ${size} needed`);
  else buf = out;
  buf[0] = (RTP_VERSION << 6) | (pad > 0 ? 0x20 : 0) | (profile !== undefined ? 0x10 : 0) | csrc.length;
  buf[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  buf[2] = p.sequenceNumber >> 8;
  buf[3] = p.sequenceNumber & 0xff;
  w32(buf, 4, p.timestamp);
  w32(buf, 8, p.ssrc);
  let o = RTP_HEADER_SIZE;
  for (let i = 0; i < csrc.length; i++, o += 4) {
    const c = csrc[i];
    if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) throw new ConfigError(`RTP packet: csrc ${c} out of range 0..2^32-1`);
    w32(buf, o, c);
  }
  if (profile !== undefined) {
    buf[o] = profile >> 8;
    buf[o + 1] = profile & 0xff;
    buf[o + 2] = bodyLen >> 10;
    buf[o + 3] = (bodyLen >> 2) & 0xff;
    o += 4;
    if (isOneByteProfile(profile) || isTwoByteProfile(profile)) o += writeHeaderExtensions(profile, p.extensions ?? NO_EXTENSIONS, buf, o);
    else if (bodyLen > 0) {
      buf.set(p.extensionData ?? EMPTY_BYTES, o);
      o += bodyLen;
    }
  }
  buf.set(p.payload, o);
  o += p.payload.length;
  if (pad > 0) {
    buf.fill(0, o, o + pad - 1);
    buf[o + pad - 1] = pad;
    o += pad;
  }
  return buf.subarray(0, o);
}
