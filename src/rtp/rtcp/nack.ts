/**
 * Generic NACK (RFC 4585 §6.2.1): transport-layer feedback (PT 205) FMT 1. Each 32-bit FCI entry
 * is a packet ID and a bitmask of the 16 following lost packets:
 *
 * |            PID                |             BLP               |
 *
 * Bit i (LSB = 0) of BLP set means packet PID + i + 1 is lost too.
 */
import { ConfigError } from '../../core/errors.js';
import { FB_HEADER_SIZE, RtcpType, RtpfbFmt, checkSinglePacket, checkUint, dataViewOf, fbContentEnd, serializeWith, writeFbHeader } from './header.js';

const WHAT = 'RTCP NACK';

export interface NackPair {
  /** Packet ID: the RTP sequence number of a lost packet. */
  pid: number;
  /** Bitmask of following lost packets. */
  blp: number;
}

export interface GenericNack {
  type: 'nack';
  senderSsrc: number;
  mediaSsrc: number;
  pairs: NackPair[];
}

export function decodeNack(dv: DataView, buf: Uint8Array, start: number, end: number): GenericNack {
  // RFC 4585 §6.2.1: the FCI holds at least one entry.
  const content = fbContentEnd(buf, start, end, WHAT, 4, 4);
  const pairs: NackPair[] = [];
  for (let o = start + FB_HEADER_SIZE; o < content; o += 4) pairs.push({ pid: dv.getUint16(o), blp: dv.getUint16(o + 2) });
  return { type: 'nack', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8), pairs };
}

export function parseNack(buf: Uint8Array): GenericNack {
  checkSinglePacket(buf, WHAT, RtcpType.RTPFB, RtpfbFmt.NACK);
  return decodeNack(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeNack(p: GenericNack): number {
  return FB_HEADER_SIZE + 4 * p.pairs.length;
}

export function writeNack(p: GenericNack, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.pairs.length === 0) throw new ConfigError(`${WHAT}: at least one PID/BLP pair is required (RFC 4585 §6.2.1)`);
  const n = sizeNack(p);
  let o = writeFbHeader(dv, buf, off, RtpfbFmt.NACK, RtcpType.RTPFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  for (const e of p.pairs) {
    checkUint(e.pid, 16, WHAT, 'pid');
    checkUint(e.blp, 16, WHAT, 'blp');
    dv.setUint16(o, e.pid);
    dv.setUint16(o + 2, e.blp);
    o += 4;
  }
  return n;
}

export function serializeNack(p: GenericNack, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeNack, writeNack, out, WHAT);
}

/**
 * The lost sequence numbers a list of pairs names, in order (duplicates removed). Sequence
 * numbers wrap at 2^16.
 */
export function nackPairsToSequenceNumbers(pairs: readonly NackPair[]): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const add = (s: number): void => {
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  };
  for (const { pid, blp } of pairs) {
    add(pid & 0xffff);
    for (let i = 0; i < 16; i++) if (blp & (1 << i)) add((pid + i + 1) & 0xffff);
  }
  return out;
}

/**
 * Packs lost sequence numbers into PID/BLP pairs (RFC 4585 §6.2.1). The numbers may wrap at 2^16
 * and arrive in any order; they are ordered relative to the first one, so they must span less
 * than half the sequence space (32768), as any real loss list does.
 */
export function sequenceNumbersToNackPairs(seqs: readonly number[]): NackPair[] {
  if (seqs.length === 0) return [];
  const base = seqs[0] & 0xffff;
  // Offsets from the first number in wrap-aware order; ties (duplicates) collapse.
  const offsets = Array.from(new Set(seqs.map((s) => ((s & 0xffff) - base + 0x8000) & 0xffff))).sort((a, b) => a - b);
  const pairs: NackPair[] = [];
  let i = 0;
  while (i < offsets.length) {
    const pidOffset = offsets[i++];
    let blp = 0;
    while (i < offsets.length && offsets[i] - pidOffset <= 16) {
      blp |= 1 << (offsets[i] - pidOffset - 1);
      i++;
    }
    pairs.push({ pid: (pidOffset + base - 0x8000) & 0xffff, blp });
  }
  return pairs;
}
