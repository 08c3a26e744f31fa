/**
 * Receiver report, RR (RFC 3550 §6.4.2), PT 201:
 *
 * |V=2|P|    RC   |   PT=RR=201   |             length            |
 * |                     SSRC of packet sender                     |
 * |                 report blocks (RC × 24 bytes)                 |
 * |                  profile-specific extensions                  |
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import {
  RtcpType,
  checkSinglePacket,
  checkUint,
  dataViewOf,
  pad4,
  rtcpContentEnd,
  serializeWith,
  writePadding,
  writeRtcpHeader,
} from './header.js';
import { RECEPTION_REPORT_SIZE, type ReceptionReport, readReceptionReports, writeReceptionReport } from './reception-report.js';

const WHAT = 'RTCP RR';
const FIXED = 8;

export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReceptionReport[];
  /** Profile-specific extension bytes after the report blocks (a view; empty when none). */
  profileExtensions: Uint8Array;
}

export function decodeReceiverReport(dv: DataView, buf: Uint8Array, start: number, end: number): ReceiverReport {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  if (content - start < FIXED) throw new ParseError(WHAT, `needs ${FIXED} bytes of header and SSRC, ${content - start} available`);
  const count = buf[start] & 0x1f;
  const reports = readReceptionReports(dv, start + FIXED, content, count, WHAT);
  return {
    type: 'rr',
    ssrc: dv.getUint32(start + 4),
    reports,
    profileExtensions: buf.subarray(start + FIXED + count * RECEPTION_REPORT_SIZE, content),
  };
}

export function parseReceiverReport(buf: Uint8Array): ReceiverReport {
  checkSinglePacket(buf, WHAT, RtcpType.RR);
  return decodeReceiverReport(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeReceiverReport(p: ReceiverReport): number {
  const n = FIXED + p.reports.length * RECEPTION_REPORT_SIZE + p.profileExtensions.length;
  // Profile extensions are whole words in practice; other lengths get P-bit padding (as APP data does).
  return n + pad4(n);
}

export function writeReceiverReport(p: ReceiverReport, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.reports.length > 31) throw new ConfigError(`${WHAT}: ${p.reports.length} report blocks, at most 31 (RFC 3550 §6.4.2; send several RRs)`);
  checkUint(p.ssrc, 32, WHAT, 'ssrc');
  const n = sizeReceiverReport(p);
  const content = FIXED + p.reports.length * RECEPTION_REPORT_SIZE + p.profileExtensions.length;
  writeRtcpHeader(buf, off, n > content, p.reports.length, RtcpType.RR, n, WHAT);
  dv.setUint32(off + 4, p.ssrc);
  let o = off + FIXED;
  for (const r of p.reports) {
    writeReceptionReport(r, dv, o);
    o += RECEPTION_REPORT_SIZE;
  }
  buf.set(p.profileExtensions, o);
  if (n > content) writePadding(buf, off + content, n - content);
  return n;
}

export function serializeReceiverReport(p: ReceiverReport, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeReceiverReport, writeReceiverReport, out, WHAT);
}
