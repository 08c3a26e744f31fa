/**
 * The reception report block carried by SR and RR packets (RFC 3550 §6.4.1), 24 bytes:
 *
 * |                 SSRC_n (SSRC of source being reported)        |
 * | fraction lost |       cumulative number of packets lost       |
 * |           extended highest sequence number received           |
 * |                      interarrival jitter                      |
 * |                         last SR (LSR)                         |
 * |                   delay since last SR (DLSR)                  |
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { checkUint, dataViewOf, outputBuffer } from './header.js';

export const RECEPTION_REPORT_SIZE = 24;

export interface ReceptionReport {
  /** SSRC of the source this block reports on. */
  ssrc: number;
  /** Fraction lost since the previous report, as a fixed-point number with the binary point at the left (0..255). */
  fractionLost: number;
  /** Cumulative packets lost: a signed 24-bit value (negative when duplicates outnumber losses, RFC 3550 §6.4.1). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | highest). */
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from this source (0 if none). */
  lsr: number;
  /** Delay since that SR, in units of 1/65536 s. */
  dlsr: number;
}

/** Reads one block at `off` (the caller has checked 24 bytes are there). */
export function readReceptionReport(dv: DataView, off: number): ReceptionReport {
  const w1 = dv.getUint32(off + 4);
  // RFC 3550 §6.4.1: cumulative number of packets lost is a signed 24-bit integer.
  const lost = w1 & 0xffffff;
  return {
    ssrc: dv.getUint32(off),
    fractionLost: w1 >>> 24,
    cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
    highestSequence: dv.getUint32(off + 8),
    jitter: dv.getUint32(off + 12),
    lsr: dv.getUint32(off + 16),
    dlsr: dv.getUint32(off + 20),
  };
}

/** Writes one block at `off`. The cumulative loss is clamped to the signed 24-bit range (RFC 3550 A.3). */
export function writeReceptionReport(r: ReceptionReport, dv: DataView, off: number): void {
  const what = 'RTCP reception report';
  checkUint(r.ssrc, 32, what, 'ssrc');
  checkUint(r.fractionLost, 8, what, 'fractionLost');
  checkUint(r.highestSequence, 32, what, 'highestSequence');
  checkUint(r.jitter, 32, what, 'jitter');
  checkUint(r.lsr, 32, what, 'lsr');
  checkUint(r.dlsr, 32, what, 'dlsr');
  if (!Number.isInteger(r.cumulativeLost)) throw new ConfigError(`${what}: cumulativeLost ${r.cumulativeLost} is not an integer`);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost));
  dv.setUint32(off, r.ssrc);
  dv.setUint32(off + 4, ((r.fractionLost << 24) | (lost & 0xffffff)) >>> 0);
  dv.setUint32(off + 8, r.highestSequence);
  dv.setUint32(off + 12, r.jitter);
  dv.setUint32(off + 16, r.lsr);
  dv.setUint32(off + 20, r.dlsr);
}

/** Parses a standalone 24-byte report block. */
export function parseReceptionReport(buf: Uint8Array): ReceptionReport {
  if (buf.length !== RECEPTION_REPORT_SIZE) {
    throw new ParseError('RTCP reception report', `needs exactly ${RECEPTION_REPORT_SIZE} bytes, got ${buf.length}`);
  }
  return readReceptionReport(dataViewOf(buf), 0);
}

/** Serialises a standalone 24-byte report block. */
export function serializeReceptionReport(r: ReceptionReport, out?: Uint8Array): Uint8Array {
  const buf = outputBuffer(RECEPTION_REPORT_SIZE, out, 'RTCP reception report');
  writeReceptionReport(r, dataViewOf(buf), 0);
  return buf.subarray(0, RECEPTION_REPORT_SIZE);
}

/** Reads `count` blocks starting at `off`, checking they fit before `end`. */
export function readReceptionReports(dv: DataView, off: number, end: number, count: number, what: string): ReceptionReport[] {
  if (off + count * RECEPTION_REPORT_SIZE > end) {
    throw new ParseError(what, `report count ${count} needs ${count * RECEPTION_REPORT_SIZE} bytes of report blocks, ${Math.max(0, end - off)} available`);
  }
  const reports: ReceptionReport[] = new Array<ReceptionReport>(count);
  for (let i = 0; i < count; i++) reports[i] = readReceptionReport(dv, off + i * RECEPTION_REPORT_SIZE);
  return reports;
}
