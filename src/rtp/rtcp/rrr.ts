/**
 * Rapid resynchronisation request, RTCP-SR-REQ (RFC 6051; FMT 5 registered in its §6):
 * transport-layer feedback (PT 205) FMT 5 with no FCI; asks the media sender to send an SR (or in-band sync) at once.
 *
 * |V=2|P|  FMT=5  |   PT=205      |          length=2             |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 */
import { ParseError } from '../../core/errors.js';
import { RtcpType, RtpfbFmt, checkSinglePacket, checkUint, dataViewOf, rtcpContentEnd, serializeWith, writeRtcpHeader } from './header.js';

const WHAT = 'RTCP RRR';

export interface RapidResyncRequest {
  type: 'rrr';
  senderSsrc: number;
  mediaSsrc: number;
}

export function decodeRrr(dv: DataView, buf: Uint8Array, start: number, end: number): RapidResyncRequest {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  // RFC 6051: the request carries no parameters, so the FCI is empty.
  if (content - start !== 12) throw new ParseError(WHAT, `content is ${content - start} bytes, RRR has exactly 12 (no FCI)`);
  return { type: 'rrr', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8) };
}

export function parseRrr(buf: Uint8Array): RapidResyncRequest {
  checkSinglePacket(buf, WHAT, RtcpType.RTPFB, RtpfbFmt.RRR);
  return decodeRrr(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeRrr(_p: RapidResyncRequest): number {
  return 12;
}

export function writeRrr(p: RapidResyncRequest, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.senderSsrc, 32, WHAT, 'senderSsrc');
  checkUint(p.mediaSsrc, 32, WHAT, 'mediaSsrc');
  writeRtcpHeader(buf, off, false, RtpfbFmt.RRR, RtcpType.RTPFB, 12, WHAT);
  dv.setUint32(off + 4, p.senderSsrc);
  dv.setUint32(off + 8, p.mediaSsrc);
  return 12;
}

export function serializeRrr(p: RapidResyncRequest, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeRrr, writeRrr, out, WHAT);
}
