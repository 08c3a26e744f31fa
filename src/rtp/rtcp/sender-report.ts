/**
 * Sender report, SR (RFC 3550 §6.4.1), PT 200:
 *
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             |
 * |             NTP timestamp, least significant word             |
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
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

const WHAT = 'RTCP SR';
const FIXED = 28; // header + SSRC + sender info

export interface SenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp (RFC 3550 §4): seconds since 1900 (mod 2^32) … */
  ntpSeconds: number;
  /** … and the fraction of a second in units of 2^-32 s. */
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReceptionReport[];
  /** Profile-specific extension bytes after the report blocks (a view; empty when none). */
  profileExtensions: Uint8Array;
}

export function decodeSenderReport(dv: DataView, buf: Uint8Array, start: number, end: number): SenderReport {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  if (content - start < FIXED) throw new ParseError(WHAT, `needs ${FIXED} bytes of header and sender info, ${content - start} available`);
  const count = buf[start] & 0x1f;
  const reports = readReceptionReports(dv, start + FIXED, content, count, WHAT);
  return {
    type: 'sr',
    ssrc: dv.getUint32(start + 4),
    ntpSeconds: dv.getUint32(start + 8),
    ntpFraction: dv.getUint32(start + 12),
    rtpTimestamp: dv.getUint32(start + 16),
    packetCount: dv.getUint32(start + 20),
    octetCount: dv.getUint32(start + 24),
    reports,
    profileExtensions: buf.subarray(start + FIXED + count * RECEPTION_REPORT_SIZE, content),
  };
}

export function parseSenderReport(buf: Uint8Array): SenderReport {
  checkSinglePacket(buf, WHAT, RtcpType.SR);
  return decodeSenderReport(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeSenderReport(p: SenderReport): number {
  const n = FIXED + p.reports.length * RECEPTION_REPORT_SIZE + p.profileExtensions.length;
  // Profile extensions are whole words in practice; other lengths get P-bit padding (as APP data does).
  return n + pad4(n);
}

export function writeSenderReport(p: SenderReport, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.reports.length > 31) throw new ConfigError(`${WHAT}: ${p.reports.length} report blocks, at most 31 (RFC 3550 §6.4.1; put the rest in RRs)`);
  checkUint(p.ssrc, 32, WHAT, 'ssrc');
  checkUint(p.ntpSeconds, 32, WHAT, 'ntpSeconds');
  checkUint(p.ntpFraction, 32, WHAT, 'ntpFraction');
  checkUint(p.rtpTimestamp, 32, WHAT, 'rtpTimestamp');
  checkUint(p.packetCount, 32, WHAT, 'packetCount');
  checkUint(p.octetCount, 32, WHAT, 'octetCount');
  const n = sizeSenderReport(p);
  const content = FIXED + p.reports.length * RECEPTION_REPORT_SIZE + p.profileExtensions.length;
  writeRtcpHeader(buf, off, n > content, p.reports.length, RtcpType.SR, n, WHAT);
  dv.setUint32(off + 4, p.ssrc);
  dv.setUint32(off + 8, p.ntpSeconds);
  dv.setUint32(off + 12, p.ntpFraction);
  dv.setUint32(off + 16, p.rtpTimestamp);
  dv.setUint32(off + 20, p.packetCount);
  dv.setUint32(off + 24, p.octetCount);
  let o = off + FIXED;
  for (const r of p.reports) {
    writeReceptionReport(r, dv, o);
    o += RECEPTION_REPORT_SIZE;
  }
  buf.set(p.profileExtensions, o);
  if (n > content) writePadding(buf, off + content, n - content);
  return n;
}

export function serializeSenderReport(p: SenderReport, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeSenderReport, writeSenderReport, out, WHAT);
}
