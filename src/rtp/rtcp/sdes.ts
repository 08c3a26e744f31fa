/**
 * Source description, SDES (RFC 3550 §6.5), PT 202:
 *
 * |V=2|P|    SC   |  PT=SDES=202  |             length            |
 * |                          SSRC/CSRC_1                          |
 * |                           SDES items                          |
 * |                              ...                              |
 *
 * Each chunk is an SSRC/CSRC followed by items (type, length, text); the list ends with a null
 * octet and null octets pad the chunk to the next 32-bit boundary.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import {
  RtcpType,
  checkSinglePacket,
  checkUint,
  dataViewOf,
  decodeUtf8,
  pad4,
  rtcpContentEnd,
  serializeWith,
  utf8Length,
  writeRtcpHeader,
  writeUtf8,
} from './header.js';

const WHAT = 'RTCP SDES';

/** SDES item types (RFC 3550 §6.5 and the IANA registry: RFC 8852 RID/RRID, RFC 8843 MID). */
export const SdesType = {
  END: 0,
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
  RTP_STREAM_ID: 12,
  REPAIRED_RTP_STREAM_ID: 13,
  MID: 15,
} as const;

/**
 * One SDES item. For PRIV (RFC 3550 §6.5.8) `prefix` holds the prefix string and `text` the value;
 * every other type is plain UTF-8 text (unknown types are kept as text too).
 */
export interface SdesItem {
  type: number;
  text: string;
  prefix?: string;
}

export interface SdesChunk {
  /** SSRC or CSRC the items describe. */
  source: number;
  items: SdesItem[];
}

export interface SourceDescription {
  type: 'sdes';
  chunks: SdesChunk[];
}

/** An SDES packet with one chunk holding one CNAME item (what every compound packet carries, RFC 3550 §6.1). */
export function cnameSdes(ssrc: number, cname: string): SourceDescription {
  return { type: 'sdes', chunks: [{ source: ssrc, items: [{ type: SdesType.CNAME, text: cname }] }] };
}

/** The first CNAME in the packet, with the source it names, or undefined. */
export function findCname(p: SourceDescription): { source: number; cname: string } | undefined {
  for (const c of p.chunks) {
    for (const it of c.items) if (it.type === SdesType.CNAME) return { source: c.source, cname: it.text };
  }
  return undefined;
}

export function decodeSdes(dv: DataView, buf: Uint8Array, start: number, end: number): SourceDescription {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  const count = buf[start] & 0x1f;
  const chunks: SdesChunk[] = new Array<SdesChunk>(count);
  let off = start + 4;
  for (let c = 0; c < count; c++) {
    if (off + 4 > content) throw new ParseError(WHAT, `source count ${count} but chunk ${c + 1} has no SSRC/CSRC (${content - off} bytes left)`);
    const source = dv.getUint32(off);
    off += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (off >= content) throw new ParseError(WHAT, `chunk ${c + 1} (source 0x${source.toString(16)}) is not terminated by a null item (RFC 3550 §6.5)`);
      const t = buf[off];
      if (t === SdesType.END) break;
      if (off + 2 > content) throw new ParseError(WHAT, `item type ${t} in chunk ${c + 1} has no length octet`);
      const len = buf[off + 1];
      const dataStart = off + 2;
      if (dataStart + len > content) throw new ParseError(WHAT, `item type ${t} in chunk ${c + 1} claims ${len} bytes, ${content - dataStart} left`);
      if (t === SdesType.PRIV) {
        // RFC 3550 §6.5.8: prefix length, prefix string, value string.
        if (len < 1) throw new ParseError(WHAT, 'PRIV item without a prefix length octet');
        const plen = buf[dataStart];
        if (1 + plen > len) throw new ParseError(WHAT, `PRIV prefix of ${plen} bytes exceeds the item's ${len - 1}`);
        items.push({
          type: t,
          prefix: decodeUtf8(buf.subarray(dataStart + 1, dataStart + 1 + plen)),
          text: decodeUtf8(buf.subarray(dataStart + 1 + plen, dataStart + len)),
        });
      } else {
        items.push({ type: t, text: decodeUtf8(buf.subarray(dataStart, dataStart + len)) });
      }
      off = dataStart + len;
    }
    // The null item, then null octets up to the next 32-bit boundary.
    off += 1;
    off += pad4(off - start);
    if (off > content) throw new ParseError(WHAT, `chunk ${c + 1} padding runs past the end of the packet`);
    chunks[c] = { source, items };
  }
  if (off !== content) throw new ParseError(WHAT, `${content - off} bytes after the last of ${count} chunks`);
  return { type: 'sdes', chunks };
}

export function parseSdes(buf: Uint8Array): SourceDescription {
  checkSinglePacket(buf, WHAT, RtcpType.SDES);
  return decodeSdes(dataViewOf(buf), buf, 0, buf.length);
}

function itemSize(it: SdesItem): number {
  const textLen = utf8Length(it.text);
  const dataLen = it.type === SdesType.PRIV ? 1 + utf8Length(it.prefix ?? '') + textLen : textLen;
  if (dataLen > 255) throw new ConfigError(`${WHAT}: item type ${it.type} is ${dataLen} bytes, at most 255 (8-bit length, RFC 3550 §6.5)`);
  return 2 + dataLen;
}

function chunkSize(c: SdesChunk): number {
  let n = 4;
  for (const it of c.items) n += itemSize(it);
  n += 1; // null item
  return n + pad4(n);
}

export function sizeSdes(p: SourceDescription): number {
  let n = 4;
  for (const c of p.chunks) n += chunkSize(c);
  return n;
}

export function writeSdes(p: SourceDescription, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.chunks.length > 31) throw new ConfigError(`${WHAT}: ${p.chunks.length} chunks, at most 31 (5-bit source count)`);
  const n = sizeSdes(p);
  writeRtcpHeader(buf, off, false, p.chunks.length, RtcpType.SDES, n, WHAT);
  let o = off + 4;
  for (const c of p.chunks) {
    checkUint(c.source, 32, WHAT, 'chunk source');
    dv.setUint32(o, c.source);
    o += 4;
    for (const it of c.items) {
      checkUint(it.type, 8, WHAT, 'item type');
      if (it.type === SdesType.END) throw new ConfigError(`${WHAT}: item type 0 is the list terminator, not an item`);
      const size = itemSize(it);
      buf[o] = it.type;
      buf[o + 1] = size - 2;
      let d = o + 2;
      if (it.type === SdesType.PRIV) {
        const prefix = it.prefix ?? '';
        buf[d] = utf8Length(prefix);
        d += 1;
        d += writeUtf8(prefix, buf, d);
      }
      writeUtf8(it.text, buf, d);
      o += size;
    }
    const end = o + 1 + pad4(o + 1 - off);
    buf.fill(0, o, end);
    o = end;
  }
  return n;
}

export function serializeSdes(p: SourceDescription, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeSdes, writeSdes, out, WHAT);
}
