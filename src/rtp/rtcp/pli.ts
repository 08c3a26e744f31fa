/**
 * Picture loss indication, PLI (RFC 4585 §6.3.1): payload-specific feedback (PT 206) FMT 1,
 * the common feedback header and no FCI.
 *
 * |V=2|P|  FMT=1  |   PT=206      |          length=2             |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 */
import { ParseError } from '../../core/errors.js';
import { PsfbFmt, RtcpType, checkSinglePacket, checkUint, dataViewOf, rtcpContentEnd, serializeWith, writeRtcpHeader } from './header.js';

const WHAT = 'RTCP PLI';

export interface PictureLossIndication {
  type: 'pli';
  senderSsrc: number;
  mediaSsrc: number;
}

export function decodePli(dv: DataView, buf: Uint8Array, start: number, end: number): PictureLossIndication {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  // RFC 4585 §6.3.1: PLI has no parameters, so the content is exactly the 12-byte feedback header.
  if (content - start !== 12) throw new ParseError(WHAT, `content is ${content - start} bytes, PLI has exactly 12 (no FCI)`);
  return { type: 'pli', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8) };
}

export function parsePli(buf: Uint8Array): PictureLossIndication {
  checkSinglePacket(buf, WHAT, RtcpType.PSFB, PsfbFmt.PLI);
  return decodePli(dataViewOf(buf), buf, 0, buf.length);
}

export function sizePli(_p: PictureLossIndication): number {
  return 12;
}

export function writePli(p: PictureLossIndication, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.senderSsrc, 32, WHAT, 'senderSsrc');
  checkUint(p.mediaSsrc, 32, WHAT, 'mediaSsrc');
  writeRtcpHeader(buf, off, false, PsfbFmt.PLI, RtcpType.PSFB, 12, WHAT);
  dv.setUint32(off + 4, p.senderSsrc);
  dv.setUint32(off + 8, p.mediaSsrc);
  return 12;
}

export function serializePli(p: PictureLossIndication, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizePli, writePli, out, WHAT);
}
