/**
 * Full intra request, FIR (RFC 5104 §4.3.1): payload-specific feedback (PT 206) FMT 4. The media
 * source SSRC of the common header is unused (0); each 8-byte FCI entry names its target:
 *
 * |                              SSRC                             |
 * | Seq nr.       |    Reserved (0)                               |
 */
import { ConfigError } from '../../core/errors.js';
import { FB_HEADER_SIZE, PsfbFmt, RtcpType, checkSinglePacket, checkUint, dataViewOf, fbContentEnd, serializeWith, writeFbHeader } from './header.js';

const WHAT = 'RTCP FIR';

export interface FirEntry {
  ssrc: number;
  /** Command sequence number (8 bits), incremented per new request (RFC 5104 §4.3.1). */
  sequenceNumber: number;
}

export interface FullIntraRequest {
  type: 'fir';
  senderSsrc: number;
  /** RFC 5104 §4.3.1: SHALL be 0 on send; kept as received. */
  mediaSsrc: number;
  entries: FirEntry[];
}

export function decodeFir(dv: DataView, buf: Uint8Array, start: number, end: number): FullIntraRequest {
  const content = fbContentEnd(buf, start, end, WHAT, 8, 8);
  const entries: FirEntry[] = [];
  for (let o = start + FB_HEADER_SIZE; o < content; o += 8) {
    entries.push({ ssrc: dv.getUint32(o), sequenceNumber: buf[o + 4] });
  }
  return { type: 'fir', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8), entries };
}

export function parseFir(buf: Uint8Array): FullIntraRequest {
  checkSinglePacket(buf, WHAT, RtcpType.PSFB, PsfbFmt.FIR);
  return decodeFir(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeFir(p: FullIntraRequest): number {
  return FB_HEADER_SIZE + 8 * p.entries.length;
}

export function writeFir(p: FullIntraRequest, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.entries.length === 0) throw new ConfigError(`${WHAT}: at least one entry is required (RFC 5104 §4.3.1)`);
  const n = sizeFir(p);
  let o = writeFbHeader(dv, buf, off, PsfbFmt.FIR, RtcpType.PSFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  for (const e of p.entries) {
    checkUint(e.ssrc, 32, WHAT, 'entry ssrc');
    checkUint(e.sequenceNumber, 8, WHAT, 'sequenceNumber');
    dv.setUint32(o, e.ssrc);
    dv.setUint32(o + 4, (e.sequenceNumber << 24) >>> 0);
    o += 8;
  }
  return n;
}

export function serializeFir(p: FullIntraRequest, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeFir, writeFir, out, WHAT);
}
