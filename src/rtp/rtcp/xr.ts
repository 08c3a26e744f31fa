/**
 * Extended reports, XR (RFC 3611 §2), PT 207: the sender SSRC then a list of report blocks,
 * each with a 4-byte header (block type, type-specific byte, length in 32-bit words after it).
 *
 * |V=2|P|reserved |   PT=XR=207   |             length            |
 * |                              SSRC                             |
 * :                         report blocks                         :
 *
 * Known blocks are decoded (RFC 3611 §4.1–§4.7); any other block type is kept raw.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { RtcpType, checkSinglePacket, checkUint, dataViewOf, rtcpContentEnd, serializeWith, writeRtcpHeader } from './header.js';

const WHAT = 'RTCP XR';

export const XrBlockType = {
  LOSS_RLE: 1,
  DUPLICATE_RLE: 2,
  PACKET_RECEIPT_TIMES: 3,
  RECEIVER_REFERENCE_TIME: 4,
  DLRR: 5,
  STATISTICS_SUMMARY: 6,
  VOIP_METRICS: 7,
} as const;

/** Loss RLE (§4.1) and duplicate RLE (§4.2): run-length / bit-vector chunks over a sequence range. */
export interface XrRleBlock {
  kind: 'loss-rle' | 'duplicate-rle';
  /** Thinning T (4 bits). */
  thinning: number;
  ssrc: number;
  beginSeq: number;
  endSeq: number;
  /** 16-bit chunks as on the wire, including a trailing null chunk used as padding. */
  chunks: number[];
}

/** Packet receipt times (§4.3). */
export interface XrReceiptTimesBlock {
  kind: 'receipt-times';
  thinning: number;
  ssrc: number;
  beginSeq: number;
  endSeq: number;
  /** Arrival times in RTP timestamp units. */
  receiptTimes: number[];
}

/** Receiver reference time (§4.4): lets non-senders get RTT through DLRR. */
export interface XrReceiverReferenceTimeBlock {
  kind: 'rrt';
  ntpSeconds: number;
  ntpFraction: number;
}

export interface XrDlrrEntry {
  ssrc: number;
  /** Middle 32 bits of the NTP time in the last RRT block from this receiver. */
  lastRr: number;
  /** Delay since that block, in 1/65536 s. */
  dlrr: number;
}

/** DLRR (§4.5). */
export interface XrDlrrBlock {
  kind: 'dlrr';
  entries: XrDlrrEntry[];
}

/** Statistics summary (§4.6). */
export interface XrStatisticsSummaryBlock {
  kind: 'statistics-summary';
  lossReport: boolean;
  duplicateReport: boolean;
  jitterReport: boolean;
  /** ToH: 0 none, 1 IPv4 TTL, 2 IPv6 hop limit. */
  ttlOrHopLimit: number;
  ssrc: number;
  beginSeq: number;
  endSeq: number;
  lostPackets: number;
  dupPackets: number;
  minJitter: number;
  maxJitter: number;
  meanJitter: number;
  devJitter: number;
  minTtlOrHl: number;
  maxTtlOrHl: number;
  meanTtlOrHl: number;
  devTtlOrHl: number;
}

/** VoIP metrics (§4.7). Signal and noise levels are signed dBm0 (127 = unavailable). */
export interface XrVoipMetricsBlock {
  kind: 'voip-metrics';
  ssrc: number;
  lossRate: number;
  discardRate: number;
  burstDensity: number;
  gapDensity: number;
  burstDuration: number;
  gapDuration: number;
  roundTripDelay: number;
  endSystemDelay: number;
  signalLevel: number;
  noiseLevel: number;
  rerl: number;
  gmin: number;
  rFactor: number;
  extRFactor: number;
  mosLq: number;
  mosCq: number;
  rxConfig: number;
  jbNominal: number;
  jbMaximum: number;
  jbAbsMax: number;
}

/** Any other block type, kept raw. */
export interface XrUnknownBlock {
  kind: 'unknown';
  blockType: number;
  typeSpecific: number;
  /** Block contents after its 4-byte header (a view). */
  data: Uint8Array;
}

export type XrBlock =
  | XrRleBlock
  | XrReceiptTimesBlock
  | XrReceiverReferenceTimeBlock
  | XrDlrrBlock
  | XrStatisticsSummaryBlock
  | XrVoipMetricsBlock
  | XrUnknownBlock;

export interface ExtendedReport {
  type: 'xr';
  ssrc: number;
  blocks: XrBlock[];
}

function needWords(bt: number, words: number, want: number): void {
  if (words !== want) throw new ParseError(WHAT, `block type ${bt} has length ${words} words, expected ${want} (RFC 3611 §4)`);
}

function decodeBlock(dv: DataView, buf: Uint8Array, off: number, words: number): XrBlock {
  const bt = buf[off];
  const ts = buf[off + 1];
  const b = off + 4;
  switch (bt) {
    case XrBlockType.LOSS_RLE:
    case XrBlockType.DUPLICATE_RLE: {
      if (words < 2) throw new ParseError(WHAT, `RLE block of ${words} words, at least 2`);
      const n = (words - 2) * 2;
      const chunks: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) chunks[i] = dv.getUint16(b + 8 + 2 * i);
      return {
        kind: bt === XrBlockType.LOSS_RLE ? 'loss-rle' : 'duplicate-rle',
        thinning: ts & 0x0f,
        ssrc: dv.getUint32(b),
        beginSeq: dv.getUint16(b + 4),
        endSeq: dv.getUint16(b + 6),
        chunks,
      };
    }
    case XrBlockType.PACKET_RECEIPT_TIMES: {
      if (words < 2) throw new ParseError(WHAT, `receipt times block of ${words} words, at least 2`);
      const n = words - 2;
      const receiptTimes: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) receiptTimes[i] = dv.getUint32(b + 8 + 4 * i);
      return { kind: 'receipt-times', thinning: ts & 0x0f, ssrc: dv.getUint32(b), beginSeq: dv.getUint16(b + 4), endSeq: dv.getUint16(b + 6), receiptTimes };
    }
    case XrBlockType.RECEIVER_REFERENCE_TIME:
      needWords(bt, words, 2);
      return { kind: 'rrt', ntpSeconds: dv.getUint32(b), ntpFraction: dv.getUint32(b + 4) };
    case XrBlockType.DLRR: {
      if (words % 3 !== 0) throw new ParseError(WHAT, `DLRR block of ${words} words is not a multiple of 3 (RFC 3611 §4.5)`);
      const entries: XrDlrrEntry[] = [];
      for (let o = b; o < b + words * 4; o += 12) entries.push({ ssrc: dv.getUint32(o), lastRr: dv.getUint32(o + 4), dlrr: dv.getUint32(o + 8) });
      return { kind: 'dlrr', entries };
    }
    case XrBlockType.STATISTICS_SUMMARY:
      needWords(bt, words, 9);
      return {
        kind: 'statistics-summary',
        lossReport: (ts & 0x80) !== 0,
        duplicateReport: (ts & 0x40) !== 0,
        jitterReport: (ts & 0x20) !== 0,
        ttlOrHopLimit: (ts >> 3) & 3,
        ssrc: dv.getUint32(b),
        beginSeq: dv.getUint16(b + 4),
        endSeq: dv.getUint16(b + 6),
        lostPackets: dv.getUint32(b + 8),
        dupPackets: dv.getUint32(b + 12),
        minJitter: dv.getUint32(b + 16),
        maxJitter: dv.getUint32(b + 20),
        meanJitter: dv.getUint32(b + 24),
        devJitter: dv.getUint32(b + 28),
        minTtlOrHl: buf[b + 32],
        maxTtlOrHl: buf[b + 33],
        meanTtlOrHl: buf[b + 34],
        devTtlOrHl: buf[b + 35],
      };
    case XrBlockType.VOIP_METRICS:
      needWords(bt, words, 8);
      return {
        kind: 'voip-metrics',
        ssrc: dv.getUint32(b),
        lossRate: buf[b + 4],
        discardRate: buf[b + 5],
        burstDensity: buf[b + 6],
        gapDensity: buf[b + 7],
        burstDuration: dv.getUint16(b + 8),
        gapDuration: dv.getUint16(b + 10),
        roundTripDelay: dv.getUint16(b + 12),
        endSystemDelay: dv.getUint16(b + 14),
        signalLevel: dv.getInt8(b + 16),
        noiseLevel: dv.getInt8(b + 17),
        rerl: buf[b + 18],
        gmin: buf[b + 19],
        rFactor: buf[b + 20],
        extRFactor: buf[b + 21],
        mosLq: buf[b + 22],
        mosCq: buf[b + 23],
        rxConfig: buf[b + 24],
        // b + 25 is reserved
        jbNominal: dv.getUint16(b + 26),
        jbMaximum: dv.getUint16(b + 28),
        jbAbsMax: dv.getUint16(b + 30),
      };
    default:
      return { kind: 'unknown', blockType: bt, typeSpecific: ts, data: buf.subarray(b, b + words * 4) };
  }
}

export function decodeXr(dv: DataView, buf: Uint8Array, start: number, end: number): ExtendedReport {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  if (content - start < 8) throw new ParseError(WHAT, `needs 8 bytes of header and SSRC, ${content - start} available`);
  const blocks: XrBlock[] = [];
  let off = start + 8;
  while (off < content) {
    if (off + 4 > content) throw new ParseError(WHAT, `${content - off} bytes left, too few for a report block header`);
    const words = dv.getUint16(off + 2);
    if (off + 4 + words * 4 > content) throw new ParseError(WHAT, `block type ${buf[off]} of ${words} words runs past the end of the packet`);
    blocks.push(decodeBlock(dv, buf, off, words));
    off += 4 + words * 4;
  }
  return { type: 'xr', ssrc: dv.getUint32(start + 4), blocks };
}

export function parseXr(buf: Uint8Array): ExtendedReport {
  checkSinglePacket(buf, WHAT, RtcpType.XR);
  return decodeXr(dataViewOf(buf), buf, 0, buf.length);
}

/** Words of a block after its header. */
function blockWords(blk: XrBlock): number {
  switch (blk.kind) {
    case 'loss-rle':
    case 'duplicate-rle':
      return 2 + Math.ceil(blk.chunks.length / 2);
    case 'receipt-times':
      return 2 + blk.receiptTimes.length;
    case 'rrt':
      return 2;
    case 'dlrr':
      return 3 * blk.entries.length;
    case 'statistics-summary':
      return 9;
    case 'voip-metrics':
      return 8;
    case 'unknown':
      if (blk.data.length % 4 !== 0) throw new ConfigError(`${WHAT}: unknown block type ${blk.blockType} data of ${blk.data.length} bytes is not whole words`);
      return blk.data.length / 4;
  }
}

export function sizeXr(p: ExtendedReport): number {
  let n = 8;
  for (const blk of p.blocks) n += 4 + 4 * blockWords(blk);
  return n;
}

function writeBlock(blk: XrBlock, dv: DataView, buf: Uint8Array, off: number): number {
  const words = blockWords(blk);
  if (words > 0xffff) throw new ConfigError(`${WHAT}: block of ${words} words exceeds the 16-bit length`);
  dv.setUint16(off + 2, words);
  const b = off + 4;
  switch (blk.kind) {
    case 'loss-rle':
    case 'duplicate-rle':
      checkUint(blk.thinning, 4, WHAT, 'thinning');
      buf[off] = blk.kind === 'loss-rle' ? XrBlockType.LOSS_RLE : XrBlockType.DUPLICATE_RLE;
      buf[off + 1] = blk.thinning;
      dv.setUint32(b, blk.ssrc);
      dv.setUint16(b + 4, blk.beginSeq);
      dv.setUint16(b + 6, blk.endSeq);
      for (let i = 0; i < blk.chunks.length; i++) {
        checkUint(blk.chunks[i], 16, WHAT, 'chunk');
        dv.setUint16(b + 8 + 2 * i, blk.chunks[i]);
      }
      // RFC 3611 §4.1: an odd number of chunks ends with a null chunk.
      if (blk.chunks.length & 1) dv.setUint16(b + 8 + 2 * blk.chunks.length, 0);
      break;
    case 'receipt-times':
      checkUint(blk.thinning, 4, WHAT, 'thinning');
      buf[off] = XrBlockType.PACKET_RECEIPT_TIMES;
      buf[off + 1] = blk.thinning;
      dv.setUint32(b, blk.ssrc);
      dv.setUint16(b + 4, blk.beginSeq);
      dv.setUint16(b + 6, blk.endSeq);
      for (let i = 0; i < blk.receiptTimes.length; i++) dv.setUint32(b + 8 + 4 * i, blk.receiptTimes[i]);
      break;
    case 'rrt':
      buf[off] = XrBlockType.RECEIVER_REFERENCE_TIME;
      buf[off + 1] = 0;
      dv.setUint32(b, blk.ntpSeconds);
      dv.setUint32(b + 4, blk.ntpFraction);
      break;
    case 'dlrr':
      buf[off] = XrBlockType.DLRR;
      buf[off + 1] = 0;
      for (let i = 0; i < blk.entries.length; i++) {
        const e = blk.entries[i];
        dv.setUint32(b + 12 * i, e.ssrc);
        dv.setUint32(b + 12 * i + 4, e.lastRr);
        dv.setUint32(b + 12 * i + 8, e.dlrr);
      }
      break;
    case 'statistics-summary':
      checkUint(blk.ttlOrHopLimit, 2, WHAT, 'ttlOrHopLimit');
      buf[off] = XrBlockType.STATISTICS_SUMMARY;
      buf[off + 1] = (blk.lossReport ? 0x80 : 0) | (blk.duplicateReport ? 0x40 : 0) | (blk.jitterReport ? 0x20 : 0) | (blk.ttlOrHopLimit << 3);
      dv.setUint32(b, blk.ssrc);
      dv.setUint16(b + 4, blk.beginSeq);
      dv.setUint16(b + 6, blk.endSeq);
      dv.setUint32(b + 8, blk.lostPackets);
      dv.setUint32(b + 12, blk.dupPackets);
      dv.setUint32(b + 16, blk.minJitter);
      dv.setUint32(b + 20, blk.maxJitter);
      dv.setUint32(b + 24, blk.meanJitter);
      dv.setUint32(b + 28, blk.devJitter);
      buf[b + 32] = blk.minTtlOrHl;
      buf[b + 33] = blk.maxTtlOrHl;
      buf[b + 34] = blk.meanTtlOrHl;
      buf[b + 35] = blk.devTtlOrHl;
      break;
    case 'voip-metrics':
      buf[off] = XrBlockType.VOIP_METRICS;
      buf[off + 1] = 0;
      dv.setUint32(b, blk.ssrc);
      buf[b + 4] = blk.lossRate;
      buf[b + 5] = blk.discardRate;
      buf[b + 6] = blk.burstDensity;
      buf[b + 7] = blk.gapDensity;
      dv.setUint16(b + 8, blk.burstDuration);
      dv.setUint16(b + 10, blk.gapDuration);
      dv.setUint16(b + 12, blk.roundTripDelay);
      dv.setUint16(b + 14, blk.endSystemDelay);
      dv.setInt8(b + 16, blk.signalLevel);
      dv.setInt8(b + 17, blk.noiseLevel);
      buf[b + 18] = blk.rerl;
      buf[b + 19] = blk.gmin;
      buf[b + 20] = blk.rFactor;
      buf[b + 21] = blk.extRFactor;
      buf[b + 22] = blk.mosLq;
      buf[b + 23] = blk.mosCq;
      buf[b + 24] = blk.rxConfig;
      buf[b + 25] = 0;
      dv.setUint16(b + 26, blk.jbNominal);
      dv.setUint16(b + 28, blk.jbMaximum);
      dv.setUint16(b + 30, blk.jbAbsMax);
      break;
    case 'unknown':
      checkUint(blk.blockType, 8, WHAT, 'blockType');
      checkUint(blk.typeSpecific, 8, WHAT, 'typeSpecific');
      buf[off] = blk.blockType;
      buf[off + 1] = blk.typeSpecific;
      buf.set(blk.data, b);
      break;
  }
  return 4 + 4 * words;
}

export function writeXr(p: ExtendedReport, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.ssrc, 32, WHAT, 'ssrc');
  const n = sizeXr(p);
  writeRtcpHeader(buf, off, false, 0, RtcpType.XR, n, WHAT);
  dv.setUint32(off + 4, p.ssrc);
  let o = off + 8;
  for (const blk of p.blocks) o += writeBlock(blk, dv, buf, o);
  return n;
}

export function serializeXr(p: ExtendedReport, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeXr, writeXr, out, WHAT);
}
