/**
 * Compound RTCP packets (RFC 3550 §6.1): parse a datagram into a list of typed packets and
 * serialise a list back. The receive-side validity checks are those of RFC 3550 A.2:
 * - every packet has version 2;
 * - the first packet is SR or RR (unless reduced-size RTCP, RFC 5506 §3, is accepted);
 * - only the last packet may have the padding bit set;
 * - the length fields add up exactly to the datagram.
 * `validateCompound` adds the send-side composition rules of §6.1 (CNAME, order).
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { type ApplicationDefined, decodeApp, sizeApp, writeApp } from './app.js';
import { type Goodbye, decodeBye, sizeBye, writeBye } from './bye.js';
import { type CongestionControlFeedback, decodeCcfb, sizeCcfb, writeCcfb } from './ccfb.js';
import { type FullIntraRequest, decodeFir, sizeFir, writeFir } from './fir.js';
import { PsfbFmt, RtcpType, RtpfbFmt, dataViewOf, outputBuffer, parseRtcpHeader } from './header.js';
import { type GenericNack, decodeNack, sizeNack, writeNack } from './nack.js';
import { type PictureLossIndication, decodePli, sizePli, writePli } from './pli.js';
import { type ReceiverReport, decodeReceiverReport, sizeReceiverReport, writeReceiverReport } from './receiver-report.js';
import { type Remb, decodeRemb, isRemb, sizeRemb, writeRemb } from './remb.js';
import { type ReferencePictureSelection, decodeRpsi, sizeRpsi, writeRpsi } from './rpsi.js';
import { type RapidResyncRequest, decodeRrr, sizeRrr, writeRrr } from './rrr.js';
import { SdesType, type SourceDescription, decodeSdes, sizeSdes, writeSdes } from './sdes.js';
import { type SenderReport, decodeSenderReport, sizeSenderReport, writeSenderReport } from './sender-report.js';
import { type SliceLossIndication, decodeSli, sizeSli, writeSli } from './sli.js';
import { type Tmmbn, decodeTmmbn, sizeTmmbn, writeTmmbn } from './tmmbn.js';
import { type Tmmbr, decodeTmmbr, sizeTmmbr, writeTmmbr } from './tmmbr.js';
import { type TransportWideCc, decodeTwcc, sizeTwcc, writeTwcc } from './twcc.js';
import { type UnknownRtcp, decodeUnknown, sizeUnknown, writeUnknown } from './unknown.js';
import { type ExtendedReport, decodeXr, sizeXr, writeXr } from './xr.js';

/** Every RTCP packet this library produces, discriminated by `type`. */
export type RtcpPacket =
  | SenderReport
  | ReceiverReport
  | SourceDescription
  | Goodbye
  | ApplicationDefined
  | PictureLossIndication
  | SliceLossIndication
  | ReferencePictureSelection
  | FullIntraRequest
  | GenericNack
  | RapidResyncRequest
  | Tmmbr
  | Tmmbn
  | Remb
  | TransportWideCc
  | CongestionControlFeedback
  | ExtendedReport
  | UnknownRtcp;

type Decoder = (dv: DataView, buf: Uint8Array, start: number, end: number) => RtcpPacket;

/** Picks the decoder for the packet at `start` from its packet type and FMT. */
function decoderFor(buf: Uint8Array, start: number, end: number): Decoder {
  const fmt = buf[start] & 0x1f;
  switch (buf[start + 1]) {
    case RtcpType.SR:
      return decodeSenderReport;
    case RtcpType.RR:
      return decodeReceiverReport;
    case RtcpType.SDES:
      return decodeSdes;
    case RtcpType.BYE:
      return decodeBye;
    case RtcpType.APP:
      return decodeApp;
    case RtcpType.XR:
      return decodeXr;
    case RtcpType.RTPFB:
      switch (fmt) {
        case RtpfbFmt.NACK:
          return decodeNack;
        case RtpfbFmt.TMMBR:
          return decodeTmmbr;
        case RtpfbFmt.TMMBN:
          return decodeTmmbn;
        case RtpfbFmt.RRR:
          return decodeRrr;
        case RtpfbFmt.CCFB:
          return decodeCcfb;
        case RtpfbFmt.TWCC:
          return decodeTwcc;
        default:
          return decodeUnknown;
      }
    case RtcpType.PSFB:
      switch (fmt) {
        case PsfbFmt.PLI:
          return decodePli;
        case PsfbFmt.SLI:
          return decodeSli;
        case PsfbFmt.RPSI:
          return decodeRpsi;
        case PsfbFmt.FIR:
          return decodeFir;
        case PsfbFmt.AFB:
          return isRemb(buf, start, end) ? decodeRemb : decodeUnknown;
        default:
          return decodeUnknown;
      }
    default:
      return decodeUnknown;
  }
}

/** Decodes the packet occupying [start, end) of `buf` (its header already checked). */
export function decodeRtcpPacket(dv: DataView, buf: Uint8Array, start: number, end: number): RtcpPacket {
  return decoderFor(buf, start, end)(dv, buf, start, end);
}

/** Parses one RTCP packet of any type that fills `buf` exactly. */
export function parseRtcpPacket(buf: Uint8Array): RtcpPacket {
  const h = parseRtcpHeader(buf, 0);
  const size = (h.length + 1) * 4;
  if (size !== buf.length) throw new ParseError('RTCP packet', `length field says ${size} bytes, buffer holds ${buf.length}`);
  return decodeRtcpPacket(dataViewOf(buf), buf, 0, size);
}

export interface ParseCompoundOptions {
  /**
   * Accept reduced-size RTCP (RFC 5506 §3): a datagram that does not start with SR/RR, e.g. a
   * lone feedback message. Off by default (RFC 3550 A.2).
   */
  reducedSize?: boolean;
}

/** Parses a compound RTCP datagram (RFC 3550 §6.1, validity checks of A.2). */
export function parseCompound(buf: Uint8Array, opts?: ParseCompoundOptions): RtcpPacket[] {
  const what = 'RTCP compound';
  if (buf.length < 4) throw new ParseError(what, `${buf.length} bytes, shorter than an RTCP header`);
  const dv = dataViewOf(buf);
  const packets: RtcpPacket[] = [];
  let off = 0;
  while (off < buf.length) {
    const index = packets.length + 1;
    if (buf.length - off < 4) throw new ParseError(what, `${buf.length - off} trailing bytes after packet ${index - 1}, too few for a header`);
    const b0 = buf[off];
    if (b0 >> 6 !== 2) throw new ParseError(what, `packet ${index} at offset ${off}: version ${b0 >> 6}, expected 2 (RFC 3550 A.2)`);
    const size = (((buf[off + 2] << 8) | buf[off + 3]) + 1) * 4;
    const end = off + size;
    if (end > buf.length) throw new ParseError(what, `packet ${index} at offset ${off}: length field says ${size} bytes, ${buf.length - off} remain`);
    if (b0 & 0x20 && end !== buf.length) throw new ParseError(what, `packet ${index} at offset ${off} has padding but is not the last packet (RFC 3550 A.2)`);
    if (off === 0 && !opts?.reducedSize) {
      const pt = buf[1];
      if (pt !== RtcpType.SR && pt !== RtcpType.RR) throw new ParseError(what, `first packet has type ${pt}, must be SR (200) or RR (201) (RFC 3550 A.2; reduced-size RTCP not enabled)`);
    }
    try {
      packets.push(decodeRtcpPacket(dv, buf, off, end));
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(what, `packet ${index} at offset ${off}: ${e.message}`);
      throw e;
    }
    off = end;
  }
  return packets;
}

/** Bytes `p` takes on the wire. */
export function rtcpPacketSize(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return sizeSenderReport(p);
    case 'rr':
      return sizeReceiverReport(p);
    case 'sdes':
      return sizeSdes(p);
    case 'bye':
      return sizeBye(p);
    case 'app':
      return sizeApp(p);
    case 'pli':
      return sizePli(p);
    case 'sli':
      return sizeSli(p);
    case 'rpsi':
      return sizeRpsi(p);
    case 'fir':
      return sizeFir(p);
    case 'nack':
      return sizeNack(p);
    case 'rrr':
      return sizeRrr(p);
    case 'tmmbr':
      return sizeTmmbr(p);
    case 'tmmbn':
      return sizeTmmbn(p);
    case 'remb':
      return sizeRemb(p);
    case 'twcc':
      return sizeTwcc(p);
    case 'ccfb':
      return sizeCcfb(p);
    case 'xr':
      return sizeXr(p);
    case 'unknown':
      return sizeUnknown(p);
  }
}

/** Writes `p` at `off`; returns the bytes written. */
export function writeRtcpPacket(p: RtcpPacket, dv: DataView, buf: Uint8Array, off: number): number {
  switch (p.type) {
    case 'sr':
      return writeSenderReport(p, dv, buf, off);
    case 'rr':
      return writeReceiverReport(p, dv, buf, off);
    case 'sdes':
      return writeSdes(p, dv, buf, off);
    case 'bye':
      return writeBye(p, dv, buf, off);
    case 'app':
      return writeApp(p, dv, buf, off);
    case 'pli':
      return writePli(p, dv, buf, off);
    case 'sli':
      return writeSli(p, dv, buf, off);
    case 'rpsi':
      return writeRpsi(p, dv, buf, off);
    case 'fir':
      return writeFir(p, dv, buf, off);
    case 'nack':
      return writeNack(p, dv, buf, off);
    case 'rrr':
      return writeRrr(p, dv, buf, off);
    case 'tmmbr':
      return writeTmmbr(p, dv, buf, off);
    case 'tmmbn':
      return writeTmmbn(p, dv, buf, off);
    case 'remb':
      return writeRemb(p, dv, buf, off);
    case 'twcc':
      return writeTwcc(p, dv, buf, off);
    case 'ccfb':
      return writeCcfb(p, dv, buf, off);
    case 'xr':
      return writeXr(p, dv, buf, off);
    case 'unknown':
      return writeUnknown(p, dv, buf, off);
  }
}

/** Serialises one packet of any type. */
export function serializeRtcpPacket(p: RtcpPacket, out?: Uint8Array): Uint8Array {
  const n = rtcpPacketSize(p);
  const buf = outputBuffer(n, out, 'RTCP packet');
  const written = writeRtcpPacket(p, dataViewOf(buf), buf, 0);
  return buf.subarray(0, written);
}

/**
 * Serialises a list of packets back to back, into `out` when given (returns the subarray
 * written). It does not check the composition rules (see `validateCompound`), but refuses to
 * put a padded packet (APP or TWCC whose content is not word-aligned) anywhere but last, which
 * receivers would reject (RFC 3550 A.2).
 */
export function serializeCompound(packets: readonly RtcpPacket[], out?: Uint8Array): Uint8Array {
  let total = 0;
  for (const p of packets) total += rtcpPacketSize(p);
  const buf = outputBuffer(total, out, 'RTCP compound');
  const dv = dataViewOf(buf);
  let off = 0;
  for (let i = 0; i < packets.length; i++) {
    const start = off;
    off += writeRtcpPacket(packets[i], dv, buf, off);
    if (buf[start] & 0x20 && i !== packets.length - 1) {
      throw new ConfigError(`RTCP compound: packet ${i + 1} (${packets[i].type}) needs padding but only the last packet may be padded (RFC 3550 §6.4.1)`);
    }
  }
  return buf.subarray(0, off);
}

/** The CNAME of a compound packet (the first CNAME item of its SDES packets), or undefined. */
export function compoundCname(packets: readonly RtcpPacket[]): string | undefined {
  for (const p of packets) {
    if (p.type !== 'sdes') continue;
    for (const c of p.chunks) for (const it of c.items) if (it.type === SdesType.CNAME) return it.text;
  }
  return undefined;
}

/**
 * Checks the composition rules a sender must follow (RFC 3550 §6.1): a non-empty list starting
 * with SR or RR, only further RRs before the SDES, and an SDES with a CNAME. With
 * `reducedSize` (RFC 5506 §3) only non-emptiness is required. Returns the problem, or undefined.
 */
export function validateCompound(packets: readonly RtcpPacket[], opts?: { reducedSize?: boolean }): string | undefined {
  if (packets.length === 0) return 'empty compound packet';
  if (opts?.reducedSize) return undefined;
  const first = packets[0].type;
  if (first !== 'sr' && first !== 'rr') return `first packet is ${first}, must be SR or RR (RFC 3550 §6.1)`;
  for (let i = 1; i < packets.length; i++) {
    const p = packets[i];
    if (p.type === 'sdes') {
      for (const c of p.chunks) for (const it of c.items) if (it.type === SdesType.CNAME) return undefined;
      return 'SDES packet without a CNAME item (RFC 3550 §6.1: every compound packet carries the CNAME)';
    }
    if (p.type !== 'rr') return `${p.type} packet before the SDES CNAME (RFC 3550 §6.1: only additional RRs may precede it)`;
  }
  return 'no SDES CNAME (RFC 3550 §6.1: every compound packet carries the CNAME)';
}
