/**
 * Slice loss indication, SLI (RFC 4585 §6.3.2): payload-specific feedback (PT 206) FMT 2. Each
 * 32-bit FCI entry names a run of lost macroblocks:
 *
 * |            First        |        Number           | PictureID |
 *      13 bits                    13 bits                6 bits
 */
import { ConfigError } from '../../core/errors.js';
import { FB_HEADER_SIZE, PsfbFmt, RtcpType, checkSinglePacket, checkUint, dataViewOf, fbContentEnd, serializeWith, writeFbHeader } from './header.js';

const WHAT = 'RTCP SLI';

export interface SliEntry {
  /** Macroblock address of the first lost macroblock (13 bits). */
  first: number;
  /** Number of lost macroblocks (13 bits). */
  number: number;
  /** Six least significant bits of the codec picture ID. */
  pictureId: number;
}

export interface SliceLossIndication {
  type: 'sli';
  senderSsrc: number;
  mediaSsrc: number;
  entries: SliEntry[];
}

export function decodeSli(dv: DataView, buf: Uint8Array, start: number, end: number): SliceLossIndication {
  const content = fbContentEnd(buf, start, end, WHAT, 4, 4);
  const entries: SliEntry[] = [];
  for (let o = start + FB_HEADER_SIZE; o < content; o += 4) {
    const w = dv.getUint32(o);
    entries.push({ first: w >>> 19, number: (w >>> 6) & 0x1fff, pictureId: w & 0x3f });
  }
  return { type: 'sli', senderSsrc: dv.getUint32(start + 4), mediaSsrc: dv.getUint32(start + 8), entries };
}

export function parseSli(buf: Uint8Array): SliceLossIndication {
  checkSinglePacket(buf, WHAT, RtcpType.PSFB, PsfbFmt.SLI);
  return decodeSli(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeSli(p: SliceLossIndication): number {
  return FB_HEADER_SIZE + 4 * p.entries.length;
}

export function writeSli(p: SliceLossIndication, dv: DataView, buf: Uint8Array, off: number): number {
  if (p.entries.length === 0) throw new ConfigError(`${WHAT}: at least one entry is required (RFC 4585 §6.3.2)`);
  const n = sizeSli(p);
  let o = writeFbHeader(dv, buf, off, PsfbFmt.SLI, RtcpType.PSFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  for (const e of p.entries) {
    checkUint(e.first, 13, WHAT, 'first');
    checkUint(e.number, 13, WHAT, 'number');
    checkUint(e.pictureId, 6, WHAT, 'pictureId');
    dv.setUint32(o, ((e.first << 19) | (e.number << 6) | e.pictureId) >>> 0);
    o += 4;
  }
  return n;
}

export function serializeSli(p: SliceLossIndication, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeSli, writeSli, out, WHAT);
}
