/**
 * Goodbye, BYE (RFC 3550 §6.6), PT 203:
 *
 * |V=2|P|    SC   |   PT=BYE=203  |             length            |
 * |                           SSRC/CSRC                           |
 * :                              ...                              :
 * |     length    |               reason for leaving            ...
 *
 * The optional reason is UTF-8 text, padded with null octets to a 32-bit boundary.
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

const WHAT = 'RTCP BYE';

export interface Goodbye {
  type: 'bye';
  sources: number[];
  /** Reason for leaving; undefined when the packet carries none (distinct from an empty reason). */
  reason?: string;
}

export function decodeBye(dv: DataView, buf: Uint8Array, start: number, end: number): Goodbye {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  const count = buf[start] & 0x1f;
  let off = start + 4;
  if (off + count * 4 > content) throw new ParseError(WHAT, `source count ${count} needs ${count * 4} bytes, ${content - off} available`);
  const sources: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++, off += 4) sources[i] = dv.getUint32(off);
  if (off === content) return { type: 'bye', sources };
  const len = buf[off];
  if (off + 1 + len > content) throw new ParseError(WHAT, `reason length ${len} exceeds the ${content - off - 1} bytes left`);
  const reason = decodeUtf8(buf.subarray(off + 1, off + 1 + len));
  off += 1 + len;
  // RFC 3550 §6.6: the reason is padded to a 32-bit boundary; anything beyond that is not BYE.
  if (content - off > pad4(off - start)) throw new ParseError(WHAT, `${content - off} bytes after the reason`);
  return { type: 'bye', sources, reason };
}

export function parseBye(buf: Uint8Array): Goodbye {
  checkSinglePacket(buf, WHAT, RtcpType.BYE);
  return decodeBye(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeBye(p: Goodbye): number {
  let n = 4 + p.sources.length * 4;
  if (p.reason !== undefined) {
    const len = utf8Length(p.reason);
    if (len > 255) throw new ConfigError(`${WHAT}: reason is ${len} bytes, at most 255 (8-bit length)`);
    n += 1 + len;
    n += pad4(n);
  }
  return n;
}

export function writeBye(p: Goodbye, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.sources.length > 31) throw new ConfigError(`${WHAT}: ${p.sources.length} sources, at most 31 (5-bit source count)`);
  const n = sizeBye(p);
  writeRtcpHeader(buf, off, false, p.sources.length, RtcpType.BYE, n, WHAT);
  let o = off + 4;
  for (const s of p.sources) {
    checkUint(s, 32, WHAT, 'source');
    dv.setUint32(o, s);
    o += 4;
  }
  if (p.reason !== undefined) {
    const len = writeUtf8(p.reason, buf, o + 1);
    buf[o] = len;
    o += 1 + len;
    buf.fill(0, o, off + n);
  }
  return n;
}

export function serializeBye(p: Goodbye, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeBye, writeBye, out, WHAT);
}
