/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1): transport-layer feedback (PT 205) FMT 15.
 *
 * |V=2|P|  FMT=15 |    PT=205     |           length              |
 * |                     SSRC of packet sender                     |
 * |                      SSRC of media source                     |
 * |      base sequence number     |      packet status count      |
 * |                 reference time                | fb pkt. count |
 * |          packet chunk         |         packet chunk          |
 * .                              ...                              .
 * |         recv delta            |  recv delta   | zero padding  |
 *
 * Packet chunks give one status symbol per packet from the base sequence number on; each packet
 * received with a small delta has a 1-byte delta, with a large delta a signed 2-byte delta, both
 * in units of 250 µs.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { FB_HEADER_SIZE, RtcpType, RtpfbFmt, checkSinglePacket, checkUint, dataViewOf, pad4, serializeWith, writeFbHeader, writePadding } from './header.js';

const WHAT = 'RTCP TWCC';
const FIXED = FB_HEADER_SIZE + 8;

/** Receive delta unit (draft §3.1.5). */
export const TWCC_DELTA_UNIT_US = 250;
/** Reference time unit (draft §3.1). */
export const TWCC_REFERENCE_TIME_UNIT_MS = 64;

/** Packet status symbols (draft §3.1.1). 3 is reserved; it is read as "received, no delta" as deployed peers do. */
export const TwccSymbol = { NOT_RECEIVED: 0, SMALL_DELTA: 1, LARGE_DELTA: 2, RESERVED: 3 } as const;

/** A run-length chunk (draft §3.1.3): `runLength` packets with the same symbol. */
export interface TwccRunChunk {
  kind: 'run';
  symbol: number;
  runLength: number;
}

/** A status vector chunk (draft §3.1.4): 14 one-bit or 7 two-bit symbols. */
export interface TwccVectorChunk {
  kind: 'vector';
  symbolSize: 1 | 2;
  symbols: number[];
}

export type TwccChunk = TwccRunChunk | TwccVectorChunk;

export interface TransportWideCc {
  type: 'twcc';
  senderSsrc: number;
  mediaSsrc: number;
  baseSequenceNumber: number;
  packetStatusCount: number;
  /** 24-bit reference time in units of 64 ms (kept unsigned; it wraps). */
  referenceTime: number;
  /** Feedback packet count (8 bits), to detect lost feedback. */
  feedbackPacketCount: number;
  /** Chunks as on the wire; together they may describe more symbols than `packetStatusCount`. */
  chunks: TwccChunk[];
  /** One delta per packet whose symbol is SMALL_DELTA or LARGE_DELTA, in units of 250 µs. */
  recvDeltas: number[];
}

/** Decodes a 16-bit packet chunk (draft §3.1.3, §3.1.4). */
export function decodeTwccChunk(word: number): TwccChunk {
  if ((word & 0x8000) === 0) return { kind: 'run', symbol: (word >> 13) & 3, runLength: word & 0x1fff };
  if ((word & 0x4000) === 0) {
    const symbols: number[] = new Array<number>(14);
    for (let i = 0; i < 14; i++) symbols[i] = (word >> (13 - i)) & 1;
    return { kind: 'vector', symbolSize: 1, symbols };
  }
  const symbols: number[] = new Array<number>(7);
  for (let i = 0; i < 7; i++) symbols[i] = (word >> (12 - 2 * i)) & 3;
  return { kind: 'vector', symbolSize: 2, symbols };
}

/** Encodes a packet chunk into its 16-bit word. */
export function encodeTwccChunk(c: TwccChunk): number {
  if (c.kind === 'run') {
    checkUint(c.symbol, 2, WHAT, 'run symbol');
    checkUint(c.runLength, 13, WHAT, 'runLength');
    return (c.symbol << 13) | c.runLength;
  }
  const n = c.symbolSize === 1 ? 14 : 7;
  if (c.symbolSize !== 1 && c.symbolSize !== 2) throw new ConfigError(`${WHAT}: symbolSize ${String(c.symbolSize)} must be 1 or 2`);
  if (c.symbols.length !== n) throw new ConfigError(`${WHAT}: a ${c.symbolSize}-bit status vector holds exactly ${n} symbols, got ${c.symbols.length}`);
  let w = 0x8000 | (c.symbolSize === 2 ? 0x4000 : 0);
  for (let i = 0; i < n; i++) {
    checkUint(c.symbols[i], c.symbolSize, WHAT, 'vector symbol');
    w |= c.symbolSize === 1 ? c.symbols[i] << (13 - i) : c.symbols[i] << (12 - 2 * i);
  }
  return w;
}

/** Reads one receive delta (in 250 µs units) for `symbol` at `off`; the caller checks the bounds. */
export function readTwccDelta(buf: Uint8Array, off: number, symbol: number): number {
  if (symbol === TwccSymbol.SMALL_DELTA) return buf[off];
  const v = (buf[off] << 8) | buf[off + 1];
  return v & 0x8000 ? v - 0x10000 : v; // draft §3.1.5: large deltas are signed 16-bit
}

/** Bytes of receive delta a symbol carries. */
function deltaSize(symbol: number): number {
  return symbol === TwccSymbol.SMALL_DELTA ? 1 : symbol === TwccSymbol.LARGE_DELTA ? 2 : 0;
}

function chunkSymbolCount(c: TwccChunk): number {
  return c.kind === 'run' ? c.runLength : c.symbols.length;
}

export function decodeTwcc(dv: DataView, buf: Uint8Array, start: number, end: number): TransportWideCc {
  // The padding count is deliberately not used to bound the content: the draft (§3.1) pads the
  // deltas with zeros itself, and deployed senders set P with counts that disagree with that
  // padding (see the pion vectors). The deltas are bounded by the packet length instead.
  if (end - start < FIXED) throw new ParseError(WHAT, `needs ${FIXED} bytes up to the reference time, ${end - start} available`);
  const packetStatusCount = dv.getUint16(start + 14);
  const w = dv.getUint32(start + 16);
  const chunks: TwccChunk[] = [];
  let off = start + FIXED;
  let covered = 0;
  while (covered < packetStatusCount) {
    if (off + 2 > end) throw new ParseError(WHAT, `packet status count ${packetStatusCount} but chunks end after ${covered} statuses`);
    const c = decodeTwccChunk(dv.getUint16(off));
    off += 2;
    chunks.push(c);
    covered += chunkSymbolCount(c);
  }
  const recvDeltas: number[] = [];
  let remaining = packetStatusCount;
  for (const c of chunks) {
    if (c.kind === 'run') {
      const n = Math.min(c.runLength, remaining);
      remaining -= n;
      const size = deltaSize(c.symbol);
      if (size === 0) continue;
      if (off + n * size > end) throw new ParseError(WHAT, `${n} receive deltas of ${size} bytes run past the end of the packet`);
      for (let i = 0; i < n; i++, off += size) recvDeltas.push(readTwccDelta(buf, off, c.symbol));
    } else {
      const n = Math.min(c.symbols.length, remaining);
      remaining -= n;
      for (let i = 0; i < n; i++) {
        const s = c.symbols[i];
        const size = deltaSize(s);
        if (size === 0) continue;
        if (off + size > end) throw new ParseError(WHAT, 'receive deltas run past the end of the packet');
        recvDeltas.push(readTwccDelta(buf, off, s));
        off += size;
      }
    }
  }
  return {
    type: 'twcc',
    senderSsrc: dv.getUint32(start + 4),
    mediaSsrc: dv.getUint32(start + 8),
    baseSequenceNumber: dv.getUint16(start + 12),
    packetStatusCount,
    referenceTime: w >>> 8,
    feedbackPacketCount: w & 0xff,
    chunks,
    recvDeltas,
  };
}

export function parseTwcc(buf: Uint8Array): TransportWideCc {
  checkSinglePacket(buf, WHAT, RtcpType.RTPFB, RtpfbFmt.TWCC);
  return decodeTwcc(dataViewOf(buf), buf, 0, buf.length);
}

/** Size of the content without padding: fixed part, chunks and deltas. Checks the deltas match the symbols. */
function contentSize(p: TransportWideCc): number {
  let covered = 0;
  for (const c of p.chunks) covered += chunkSymbolCount(c);
  if (covered < p.packetStatusCount) throw new ConfigError(`${WHAT}: chunks describe ${covered} packets, packetStatusCount is ${p.packetStatusCount}`);
  let bytes = 0;
  let deltas = 0;
  let remaining = p.packetStatusCount;
  for (const c of p.chunks) {
    if (c.kind === 'run') {
      const n = Math.min(c.runLength, remaining);
      remaining -= n;
      const size = deltaSize(c.symbol);
      if (size > 0) {
        bytes += n * size;
        deltas += n;
      }
    } else {
      const n = Math.min(c.symbols.length, remaining);
      remaining -= n;
      for (let i = 0; i < n; i++) {
        const size = deltaSize(c.symbols[i]);
        if (size > 0) {
          bytes += size;
          deltas++;
        }
      }
    }
  }
  if (deltas !== p.recvDeltas.length) throw new ConfigError(`${WHAT}: symbols call for ${deltas} receive deltas, recvDeltas has ${p.recvDeltas.length}`);
  return FIXED + 2 * p.chunks.length + bytes;
}

export function sizeTwcc(p: TransportWideCc): number {
  const n = contentSize(p);
  return n + pad4(n);
}

export function writeTwcc(p: TransportWideCc, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.baseSequenceNumber, 16, WHAT, 'baseSequenceNumber');
  checkUint(p.packetStatusCount, 16, WHAT, 'packetStatusCount');
  checkUint(p.referenceTime, 24, WHAT, 'referenceTime');
  checkUint(p.feedbackPacketCount, 8, WHAT, 'feedbackPacketCount');
  const content = contentSize(p);
  const n = content + pad4(content);
  let o = writeFbHeader(dv, buf, off, RtpfbFmt.TWCC, RtcpType.RTPFB, n, p.senderSsrc, p.mediaSsrc, WHAT, n > content);
  dv.setUint16(o, p.baseSequenceNumber);
  dv.setUint16(o + 2, p.packetStatusCount);
  dv.setUint32(o + 4, ((p.referenceTime << 8) | p.feedbackPacketCount) >>> 0);
  o += 8;
  for (const c of p.chunks) {
    dv.setUint16(o, encodeTwccChunk(c));
    o += 2;
  }
  let d = 0;
  let remaining = p.packetStatusCount;
  const put = (symbol: number): void => {
    const v = p.recvDeltas[d++];
    if (symbol === TwccSymbol.SMALL_DELTA) {
      checkUint(v, 8, WHAT, 'small receive delta');
      buf[o++] = v;
    } else {
      if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) throw new ConfigError(`${WHAT}: large receive delta ${v} out of range -32768..32767`);
      dv.setInt16(o, v);
      o += 2;
    }
  };
  for (const c of p.chunks) {
    if (c.kind === 'run') {
      const k = Math.min(c.runLength, remaining);
      remaining -= k;
      if (deltaSize(c.symbol) > 0) for (let i = 0; i < k; i++) put(c.symbol);
    } else {
      const k = Math.min(c.symbols.length, remaining);
      remaining -= k;
      for (let i = 0; i < k; i++) if (deltaSize(c.symbols[i]) > 0) put(c.symbols[i]);
    }
  }
  if (n > content) writePadding(buf, off + content, n - content);
  return n;
}

export function serializeTwcc(p: TransportWideCc, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeTwcc, writeTwcc, out, WHAT);
}

/** The status symbol of each of the `packetStatusCount` packets, in sequence order. */
export function twccSymbols(p: TransportWideCc): number[] {
  const out: number[] = [];
  for (const c of p.chunks) {
    if (out.length >= p.packetStatusCount) break;
    if (c.kind === 'run') for (let i = 0; i < c.runLength && out.length < p.packetStatusCount; i++) out.push(c.symbol);
    else for (let i = 0; i < c.symbols.length && out.length < p.packetStatusCount; i++) out.push(c.symbols[i]);
  }
  return out;
}

/**
 * Packs status symbols into chunks: a run-length chunk for runs of 14 or more (or of 7 or more
 * that a one-bit vector cannot carry), otherwise a one-bit vector when the next 14 symbols are
 * all 0/1, else a two-bit vector. The last vector is padded with NOT_RECEIVED symbols.
 */
export function twccChunksFromSymbols(symbols: readonly number[]): TwccChunk[] {
  const chunks: TwccChunk[] = [];
  const n = symbols.length;
  let i = 0;
  while (i < n) {
    const s = symbols[i];
    let r = 1;
    while (i + r < n && symbols[i + r] === s && r < 0x1fff) r++;
    let oneBit = true;
    for (let k = i; k < Math.min(n, i + 14); k++) if (symbols[k] > 1) oneBit = false;
    if (r >= 14 || (r >= 7 && !oneBit) || r === n - i) {
      chunks.push({ kind: 'run', symbol: s, runLength: r });
      i += r;
    } else if (oneBit) {
      const v: number[] = new Array<number>(14).fill(0);
      for (let k = 0; k < 14 && i + k < n; k++) v[k] = symbols[i + k];
      chunks.push({ kind: 'vector', symbolSize: 1, symbols: v });
      i += 14;
    } else {
      const v: number[] = new Array<number>(7).fill(0);
      for (let k = 0; k < 7 && i + k < n; k++) v[k] = symbols[i + k];
      chunks.push({ kind: 'vector', symbolSize: 2, symbols: v });
      i += 7;
    }
  }
  return chunks;
}

/** Options of `buildTwcc`: everything but the chunks and deltas, which it derives. */
export interface TwccBuildOptions {
  senderSsrc: number;
  mediaSsrc: number;
  baseSequenceNumber: number;
  referenceTime: number;
  feedbackPacketCount: number;
}

/**
 * Builds a feedback packet from per-packet receive deltas (in 250 µs units; `undefined` for a
 * packet not received), starting at `baseSequenceNumber`. Deltas 0..255 use small symbols,
 * others large ones (which must fit in a signed 16-bit value).
 */
export function buildTwcc(opts: TwccBuildOptions, deltas: readonly (number | undefined)[]): TransportWideCc {
  const symbols: number[] = new Array<number>(deltas.length);
  const recvDeltas: number[] = [];
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i];
    if (d === undefined) symbols[i] = TwccSymbol.NOT_RECEIVED;
    else {
      if (!Number.isInteger(d) || d < -0x8000 || d > 0x7fff) throw new ConfigError(`${WHAT}: receive delta ${d} out of range -32768..32767 (×250 µs)`);
      symbols[i] = d >= 0 && d <= 255 ? TwccSymbol.SMALL_DELTA : TwccSymbol.LARGE_DELTA;
      recvDeltas.push(d);
    }
  }
  return { type: 'twcc', ...opts, packetStatusCount: deltas.length, chunks: twccChunksFromSymbols(symbols), recvDeltas };
}
