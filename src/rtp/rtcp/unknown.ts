/**
 * Any RTCP packet this library does not decode (an unassigned packet type, or a feedback FMT it
 * does not know, such as TSTR or an AFB other than REMB), kept raw so it can be forwarded or
 * re-serialised byte for byte.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { dataViewOf, parseRtcpHeader, rtcpContentEnd } from './header.js';

const WHAT = 'RTCP packet';

export interface UnknownRtcp {
  type: 'unknown';
  packetType: number;
  /** The 5-bit count/FMT/subtype field. */
  count: number;
  /** The whole packet, header and padding included (a view). */
  raw: Uint8Array;
}

export function decodeUnknown(_dv: DataView, buf: Uint8Array, start: number, end: number): UnknownRtcp {
  // Validate the padding count even though the content is not decoded (RFC 3550 §6.4.1).
  rtcpContentEnd(buf, start, end, WHAT);
  return { type: 'unknown', packetType: buf[start + 1], count: buf[start] & 0x1f, raw: buf.subarray(start, end) };
}

/** Keeps one packet (filling `buf`) raw after checking its header and length. */
export function parseUnknown(buf: Uint8Array): UnknownRtcp {
  const h = parseRtcpHeader(buf, 0);
  if ((h.length + 1) * 4 !== buf.length) throw new ParseError(WHAT, `length field says ${(h.length + 1) * 4} bytes, buffer holds ${buf.length}`);
  return decodeUnknown(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeUnknown(p: UnknownRtcp): number {
  return p.raw.length;
}

export function writeUnknown(p: UnknownRtcp, _dv: DataView, buf: Uint8Array, off: number): number {
  if (p.raw.length < 4 || p.raw.length % 4 !== 0) throw new ConfigError(`${WHAT}: raw packet of ${p.raw.length} bytes is not a whole RTCP packet`);
  buf.set(p.raw, off);
  return p.raw.length;
}

export function serializeUnknown(p: UnknownRtcp, out?: Uint8Array): Uint8Array {
  const buf = out ?? new Uint8Array(p.raw.length);
  if (buf.length < p.raw.length) throw new ConfigError(`${WHAT}: output buffer holds ${buf.length} bytes, ${p.raw.length} needed`);
  const n = writeUnknown(p, dataViewOf(buf), buf, 0);
  return buf.subarray(0, n);
}
