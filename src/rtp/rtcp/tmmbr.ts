/**
 * Temporary maximum media stream bit rate request, TMMBR (RFC 5104 §4.2.1): transport-layer
 * feedback (PT 205) FMT 3. The media source SSRC of the common header is unused (0); each 8-byte
 * FCI entry is:
 *
 * |                              SSRC                             |
 * | MxTBR Exp |  MxTBR Mantissa                 |Measured Overhead|
 *     6 bits           17 bits                        9 bits
 *
 * The bit rate is mantissa × 2^exp bits per second. TMMBN (tmmbn.ts) uses the same entries.
 */
import { ConfigError } from '../../core/errors.js';
import { FB_HEADER_SIZE, RtcpType, RtpfbFmt, checkSinglePacket, checkUint, dataViewOf, fbContentEnd, serializeWith, writeFbHeader } from './header.js';

const WHAT = 'RTCP TMMBR';

export interface TmmbEntry {
  ssrc: number;
  /** Maximum total media bit rate, bits per second (mantissa × 2^exp; exact for every wire value). */
  bitrate: number;
  /** Measured per-packet overhead in bytes (9 bits, RFC 5104 §4.2.1). */
  overhead: number;
}

export interface Tmmbr {
  type: 'tmmbr';
  senderSsrc: number;
  mediaSsrc: number;
  entries: TmmbEntry[];
}

/** Reads one 8-byte TMMBR/TMMBN entry. */
export function readTmmbEntry(dv: DataView, off: number): TmmbEntry {
  const w = dv.getUint32(off + 4);
  const exp = w >>> 26;
  const mantissa = (w >>> 9) & 0x1ffff;
  return { ssrc: dv.getUint32(off), bitrate: mantissa * 2 ** exp, overhead: w & 0x1ff };
}

/**
 * Writes one entry. The bit rate is encoded with the smallest exponent whose mantissa fits 17 bits,
 * rounding down so the request never exceeds what was asked (RFC 5104 §4.2.1).
 */
export function writeTmmbEntry(e: TmmbEntry, dv: DataView, off: number, what: string): void {
  checkUint(e.ssrc, 32, what, 'entry ssrc');
  checkUint(e.overhead, 9, what, 'overhead');
  const { exp, mantissa } = encodeBitrate(e.bitrate, 17, what);
  dv.setUint32(off, e.ssrc);
  dv.setUint32(off + 4, ((exp << 26) | (mantissa << 9) | e.overhead) >>> 0);
}

/** Splits a bit rate into exponent (6 bits) and a mantissa of `mantissaBits`, rounding down. */
export function encodeBitrate(bitrate: number, mantissaBits: number, what: string): { exp: number; mantissa: number } {
  if (!(bitrate >= 0) || !Number.isFinite(bitrate)) throw new ConfigError(`${what}: bitrate ${bitrate} must be a finite number ≥ 0`);
  const limit = 2 ** mantissaBits;
  let exp = 0;
  while (Math.floor(bitrate / 2 ** exp) >= limit) exp++;
  if (exp > 63) throw new ConfigError(`${what}: bitrate ${bitrate} exceeds the largest encodable value`);
  return { exp, mantissa: Math.floor(bitrate / 2 ** exp) };
}

export function decodeTmmbEntries(dv: DataView, buf: Uint8Array, start: number, end: number, what: string, minEntries: number): TmmbEntry[] {
  const content = fbContentEnd(buf, start, end, what, 8, 8 * minEntries);
  const entries: TmmbEntry[] = [];
  for (let o = start + FB_HEADER_SIZE; o < content; o += 8) entries.push(readTmmbEntry(dv, o));
  return entries;
}

export function decodeTmmbr(dv: DataView, buf: Uint8Array, start: number, end: number): Tmmbr {
  const entries = decodeTmmbEntries(dv, buf, start, end, WHAT, 1);
  return { type: 'tmmbr', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8), entries };
}

export function parseTmmbr(buf: Uint8Array): Tmmbr {
  checkSinglePacket(buf, WHAT, RtcpType.RTPFB, RtpfbFmt.TMMBR);
  return decodeTmmbr(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeTmmbr(p: Tmmbr): number {
  return FB_HEADER_SIZE + 8 * p.entries.length;
}

export function writeTmmbr(p: Tmmbr, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.entries.length === 0) throw new ConfigError(`${WHAT}: at least one entry is required (RFC 5104 §4.2.1)`);
  const n = sizeTmmbr(p);
  let o = writeFbHeader(dv, buf, off, RtpfbFmt.TMMBR, RtcpType.RTPFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  for (const e of p.entries) {
    writeTmmbEntry(e, dv, o, WHAT);
    o += 8;
  }
  return n;
}

export function serializeTmmbr(p: Tmmbr, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeTmmbr, writeTmmbr, out, WHAT);
}
