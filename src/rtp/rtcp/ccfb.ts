/**
 * RTP congestion control feedback (RFC 8888 §3.1): transport-layer feedback (PT 205) FMT 11.
 *
 * |V=2|P| FMT=11  |   PT = 205    |          length               |
 * |                 SSRC of RTCP packet sender                    |
 * |                   SSRC of 1st RTP Stream                      |
 * |          begin_seq            |          num_reports          |
 * |R|ECN|  Arrival time offset    | ...                           .
 * .                                                               .
 * |                   SSRC of nth RTP Stream                      |
 * |          begin_seq            |          num_reports          |
 * |R|ECN|  Arrival time offset    | ...                           |
 * |                 Report Timestamp (32 bits)                    |
 *
 * Unlike RFC 4585 feedback there is no media source SSRC: report blocks follow the sender SSRC.
 * A block with an odd number of 16-bit metric blocks is padded with 16 zero bits.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { RtcpType, RtpfbFmt, checkSinglePacket, checkUint, dataViewOf, outputBuffer, rtcpContentEnd, serializeWith, writeRtcpHeader } from './header.js';

const WHAT = 'RTCP CCFB';

/** ECN codepoints (RFC 3168 §5) as carried in the 2-bit ECN field. */
export const Ecn = { NOT_ECT: 0, ECT1: 1, ECT0: 2, CE: 3 } as const;

/** RFC 8888 §3.1: arrival time offset units are 1/1024 s; two values are special. */
export const CCFB_ATO_UNITS_PER_SECOND = 1024;
/** The packet arrived 8189/1024 s or more before the report timestamp. */
export const CCFB_ATO_OVER_RANGE = 0x1ffe;
/** The arrival time is unavailable or after the report timestamp. */
export const CCFB_ATO_UNAVAILABLE = 0x1fff;

export interface CcfbMetric {
  received: boolean;
  /** ECN marking seen on the packet (meaningful only when received). */
  ecn: number;
  /** Arrival time offset before the report timestamp, in 1/1024 s (meaningful only when received). */
  arrivalTimeOffset: number;
}

export interface CcfbReportBlock {
  mediaSsrc: number;
  /** Sequence number of the first packet reported on; metric i is for beginSequence + i (mod 2^16). */
  beginSequence: number;
  metrics: CcfbMetric[];
}

export interface CongestionControlFeedback {
  type: 'ccfb';
  senderSsrc: number;
  reports: CcfbReportBlock[];
  /** Middle 32 bits of the NTP time the report was generated (RFC 8888 §3.1). */
  reportTimestamp: number;
}

/**
 * Decodes a 16-bit metric block. RFC 8888 §3.1: ECN and ATO describe a received packet, so for
 * R=0 they are read as 0 whatever the sender put there.
 */
export function decodeCcfbMetric(word: number): CcfbMetric {
  if ((word & 0x8000) === 0) return { received: false, ecn: 0, arrivalTimeOffset: 0 };
  return { received: true, ecn: (word >> 13) & 3, arrivalTimeOffset: word & 0x1fff };
}

/** Encodes a metric block; a packet not received is all zeros. */
export function encodeCcfbMetric(m: CcfbMetric): number {
  if (!m.received) return 0;
  checkUint(m.ecn, 2, WHAT, 'ecn');
  checkUint(m.arrivalTimeOffset, 13, WHAT, 'arrivalTimeOffset');
  return 0x8000 | (m.ecn << 13) | m.arrivalTimeOffset;
}

function metricsBytes(n: number): number {
  return 2 * n + (n & 1 ? 2 : 0);
}

/** Reads one report block at `off`, bounded by `end`; returns it and the offset after it. */
function readBlock(dv: DataView, off: number, end: number): { block: CcfbReportBlock; next: number } {
  if (off + 8 > end) throw new ParseError(WHAT, `report block needs 8 bytes, ${end - off} available`);
  const num = dv.getUint16(off + 6);
  const size = metricsBytes(num);
  if (off + 8 + size > end) throw new ParseError(WHAT, `report block of ${num} metric blocks needs ${8 + size} bytes, ${end - off} available`);
  const metrics: CcfbMetric[] = new Array<CcfbMetric>(num);
  for (let i = 0; i < num; i++) metrics[i] = decodeCcfbMetric(dv.getUint16(off + 8 + 2 * i));
  return { block: { mediaSsrc: dv.getUint32(off), beginSequence: dv.getUint16(off + 4), metrics }, next: off + 8 + size };
}

export function decodeCcfb(dv: DataView, buf: Uint8Array, start: number, end: number): CongestionControlFeedback {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  if (content - start < 12) throw new ParseError(WHAT, `needs 12 bytes of header, sender SSRC and report timestamp, ${content - start} available`);
  const blocksEnd = content - 4;
  const reports: CcfbReportBlock[] = [];
  let off = start + 8;
  while (off < blocksEnd) {
    const { block, next } = readBlock(dv, off, blocksEnd);
    reports.push(block);
    off = next;
  }
  return { type: 'ccfb', senderSsrc: dv.getUint32(start + 4), reports, reportTimestamp: dv.getUint32(blocksEnd) };
}

export function parseCcfb(buf: Uint8Array): CongestionControlFeedback {
  checkSinglePacket(buf, WHAT, RtcpType.RTPFB, RtpfbFmt.CCFB);
  return decodeCcfb(dataViewOf(buf), buf, 0, buf.length);
}

/** Parses a standalone report block (exactly one block, padding included). */
export function parseCcfbReportBlock(buf: Uint8Array): CcfbReportBlock {
  const { block, next } = readBlock(dataViewOf(buf), 0, buf.length);
  if (next !== buf.length) throw new ParseError(WHAT, `${buf.length - next} bytes after the report block`);
  return block;
}

function blockSize(b: CcfbReportBlock): number {
  return 8 + metricsBytes(b.metrics.length);
}

function writeBlock(b: CcfbReportBlock, dv: DataView, off: number): number {
  checkUint(b.mediaSsrc, 32, WHAT, 'mediaSsrc');
  checkUint(b.beginSequence, 16, WHAT, 'beginSequence');
  if (b.metrics.length > 0xffff) throw new ConfigError(`${WHAT}: ${b.metrics.length} metric blocks exceed the 16-bit num_reports`);
  dv.setUint32(off, b.mediaSsrc);
  dv.setUint16(off + 4, b.beginSequence);
  dv.setUint16(off + 6, b.metrics.length);
  let o = off + 8;
  for (const m of b.metrics) {
    dv.setUint16(o, encodeCcfbMetric(m));
    o += 2;
  }
  if (b.metrics.length & 1) {
    dv.setUint16(o, 0);
    o += 2;
  }
  return o - off;
}

/** Serialises a standalone report block. */
export function serializeCcfbReportBlock(b: CcfbReportBlock, out?: Uint8Array): Uint8Array {
  const n = blockSize(b);
  const buf = outputBuffer(n, out, WHAT);
  writeBlock(b, dataViewOf(buf), 0);
  return buf.subarray(0, n);
}

export function sizeCcfb(p: CongestionControlFeedback): number {
  let n = 12;
  for (const b of p.reports) n += blockSize(b);
  return n;
}

export function writeCcfb(p: CongestionControlFeedback, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.senderSsrc, 32, WHAT, 'senderSsrc');
  checkUint(p.reportTimestamp, 32, WHAT, 'reportTimestamp');
  const n = sizeCcfb(p);
  writeRtcpHeader(buf, off, false, RtpfbFmt.CCFB, RtcpType.RTPFB, n, WHAT);
  dv.setUint32(off + 4, p.senderSsrc);
  let o = off + 8;
  for (const b of p.reports) o += writeBlock(b, dv, o);
  dv.setUint32(o, p.reportTimestamp);
  return n;
}

export function serializeCcfb(p: CongestionControlFeedback, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeCcfb, writeCcfb, out, WHAT);
}
