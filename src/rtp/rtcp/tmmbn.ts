/**
 * Temporary maximum media stream bit rate notification, TMMBN (RFC 5104 §4.2.2):
 * transport-layer feedback (PT 205) FMT 4, the bounding set of the TMMBR requests received, in
 * the same 8-byte entries as TMMBR. An empty bounding set (no entries) is valid.
 */
import { FB_HEADER_SIZE, RtcpType, RtpfbFmt, checkSinglePacket, dataViewOf, serializeWith, writeFbHeader } from './header.js';
import { type TmmbEntry, decodeTmmbEntries, writeTmmbEntry } from './tmmbr.js';

const WHAT = 'RTCP TMMBN';

export interface Tmmbn {
  type: 'tmmbn';
  senderSsrc: number;
  mediaSsrc: number;
  entries: TmmbEntry[];
}

export function decodeTmmbn(dv: DataView, buf: Uint8Array, start: number, end: number): Tmmbn {
  const entries = decodeTmmbEntries(dv, buf, start, end, WHAT, 0);
  return { type: 'tmmbn', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8), entries };
}

export function parseTmmbn(buf: Uint8Array): Tmmbn {
  checkSinglePacket(buf, WHAT, RtcpType.RTPFB, RtpfbFmt.TMMBN);
  return decodeTmmbn(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeTmmbn(p: Tmmbn): number {
  return FB_HEADER_SIZE + 8 * p.entries.length;
}

export function writeTmmbn(p: Tmmbn, dv: DataView, buf: Uint8Array, off: number): number {
  const n = sizeTmmbn(p);
  let o = writeFbHeader(dv, buf, off, RtpfbFmt.TMMBN, RtcpType.RTPFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  for (const e of p.entries) {
    writeTmmbEntry(e, dv, o, WHAT);
    o += 8;
  }
  return n;
}

export function serializeTmmbn(p: Tmmbn, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeTmmbn, writeTmmbn, out, WHAT);
}
