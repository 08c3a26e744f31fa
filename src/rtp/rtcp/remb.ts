/**
 * Receiver estimated maximum bitrate, REMB (draft-alvestrand-rmcat-remb-03 §2.2): an
 * application-layer feedback message (PT 206, FMT 15) identified by the ASCII 'REMB':
 *
 * |V=2|P| FMT=15  |   PT=206      |             length            |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source (unused, 0)             |
 * |  Unique identifier 'R' 'E' 'M' 'B'                            |
 * |  Num SSRC     | BR Exp    |  BR Mantissa                      |
 * |   SSRC feedback                                             ...
 *
 * The bit rate is mantissa (18 bits) × 2^exp (6 bits) bits per second.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { FB_HEADER_SIZE, PsfbFmt, RtcpType, checkSinglePacket, checkUint, dataViewOf, rtcpContentEnd, serializeWith, writeFbHeader } from './header.js';
import { encodeBitrate } from './tmmbr.js';

const WHAT = 'RTCP REMB';
const REMB_ID = 0x52454d42; // 'REMB'

export interface Remb {
  type: 'remb';
  senderSsrc: number;
  mediaSsrc: number;
  /** Estimated maximum bit rate, bits per second (mantissa × 2^exp). */
  bitrate: number;
  /** The media SSRCs the estimate applies to. */
  ssrcs: number[];
}

/** True when a PSFB FMT 15 (AFB) packet starting at `start` carries the 'REMB' identifier. */
export function isRemb(buf: Uint8Array, start: number, end: number): boolean {
  return end - start >= 16 && buf[start + 12] === 0x52 && buf[start + 13] === 0x45 && buf[start + 14] === 0x4d && buf[start + 15] === 0x42;
}

export function decodeRemb(dv: DataView, buf: Uint8Array, start: number, end: number): Remb {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  if (content - start < FB_HEADER_SIZE + 8) throw new ParseError(WHAT, `needs 20 bytes up to the bit rate, ${content - start} available`);
  if (dv.getUint32(start + 12) !== REMB_ID) throw new ParseError(WHAT, "identifier is not 'REMB'");
  const num = buf[start + 16];
  const w = dv.getUint32(start + 16);
  const exp = (w >>> 18) & 0x3f;
  const mantissa = w & 0x3ffff;
  if (content - start !== 20 + 4 * num) throw new ParseError(WHAT, `${num} SSRCs need ${20 + 4 * num} bytes, content is ${content - start}`);
  const ssrcs: number[] = new Array<number>(num);
  for (let i = 0; i < num; i++) ssrcs[i] = dv.getUint32(start + 20 + 4 * i);
  return { type: 'remb', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8), bitrate: mantissa * 2 ** exp, ssrcs };
}

export function parseRemb(buf: Uint8Array): Remb {
  checkSinglePacket(buf, WHAT, RtcpType.PSFB, PsfbFmt.AFB);
  return decodeRemb(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeRemb(p: Remb): number {
  return 20 + 4 * p.ssrcs.length;
}

export function writeRemb(p: Remb, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.ssrcs.length > 255) throw new ConfigError(`${WHAT}: ${p.ssrcs.length} SSRCs, at most 255 (8-bit count)`);
  const { exp, mantissa } = encodeBitrate(p.bitrate, 18, WHAT);
  const n = sizeRemb(p);
  const o = writeFbHeader(dv, buf, off, PsfbFmt.AFB, RtcpType.PSFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  dv.setUint32(o, REMB_ID);
  dv.setUint32(o + 4, ((p.ssrcs.length << 24) | (exp << 18) | mantissa) >>> 0);
  for (let i = 0; i < p.ssrcs.length; i++) {
    checkUint(p.ssrcs[i], 32, WHAT, 'ssrc');
    dv.setUint32(o + 8 + 4 * i, p.ssrcs[i]);
  }
  return n;
}

export function serializeRemb(p: Remb, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeRemb, writeRemb, out, WHAT);
}
