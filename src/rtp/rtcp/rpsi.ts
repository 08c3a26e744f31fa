/**
 * Reference picture selection indication, RPSI (RFC 4585 §6.3.3): payload-specific feedback
 * (PT 206) FMT 3. The FCI (one per message) is:
 *
 * |      PB       |0| Payload Type|    Native RPSI bit string     |
 * |   defined per codec          ...                | Padding (0) |
 *
 * PB is the number of padding bits after the native bit string, which ends the FCI on a
 * 32-bit boundary.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import { FB_HEADER_SIZE, PsfbFmt, RtcpType, checkSinglePacket, checkUint, dataViewOf, fbContentEnd, pad4, serializeWith, writeFbHeader } from './header.js';

const WHAT = 'RTCP RPSI';

export interface ReferencePictureSelection {
  type: 'rpsi';
  senderSsrc: number;
  mediaSsrc: number;
  /** RTP payload type the native bit string is defined for. */
  payloadType: number;
  /** Bytes holding the native RPSI bit string, most significant bit first (a view). */
  bitString: Uint8Array;
  /** Number of meaningful bits in `bitString` (the rest of its last byte is padding). */
  bitLength: number;
}

export function decodeRpsi(dv: DataView, buf: Uint8Array, start: number, end: number): ReferencePictureSelection {
  const content = fbContentEnd(buf, start, end, WHAT, 1, 2);
  const fci = start + FB_HEADER_SIZE;
  const pb = buf[fci];
  if (buf[fci + 1] & 0x80) throw new ParseError(WHAT, 'the bit before the payload type must be 0 (RFC 4585 §6.3.3)');
  const available = (content - fci - 2) * 8;
  if (pb > available) throw new ParseError(WHAT, `${pb} padding bits exceed the ${available} bits after the payload type`);
  const bitLength = available - pb;
  return {
    type: 'rpsi',
    senderSsrc: dv.getUint32(start + 4),
    mediaSsrc: dv.getUint32(start + 8),
    payloadType: buf[fci + 1] & 0x7f,
    bitString: buf.subarray(fci + 2, fci + 2 + Math.ceil(bitLength / 8)),
    bitLength,
  };
}

export function parseRpsi(buf: Uint8Array): ReferencePictureSelection {
  checkSinglePacket(buf, WHAT, RtcpType.PSFB, PsfbFmt.RPSI);
  return decodeRpsi(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeRpsi(p: ReferencePictureSelection): number {
  const n = FB_HEADER_SIZE + 2 + Math.ceil(p.bitLength / 8);
  return n + pad4(n);
}

export function writeRpsi(p: ReferencePictureSelection, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.payloadType, 7, WHAT, 'payloadType');
  const bytes = Math.ceil(p.bitLength / 8);
  if (!Number.isInteger(p.bitLength) || p.bitLength < 0 || bytes > p.bitString.length) {
    throw new ConfigError(`${WHAT}: bitLength ${p.bitLength} needs ${bytes} bytes, bitString has ${p.bitString.length}`);
  }
  const n = sizeRpsi(p);
  const fci = writeFbHeader(dv, buf, off, PsfbFmt.RPSI, RtcpType.PSFB, n, p.senderSsrc, p.mediaSsrc, WHAT);
  const pb = (off + n - fci - 2) * 8 - p.bitLength;
  if (pb > 255) throw new ConfigError(`${WHAT}: ${pb} padding bits do not fit the 8-bit PB field`);
  buf[fci] = pb;
  buf[fci + 1] = p.payloadType;
  buf.set(p.bitString.subarray(0, bytes), fci + 2);
  // Clear the unused low bits of the last byte and the padding octets.
  if (p.bitLength & 7) buf[fci + 1 + bytes] &= (0xff << (8 - (p.bitLength & 7))) & 0xff;
  buf.fill(0, fci + 2 + bytes, off + n);
  return n;
}

export function serializeRpsi(p: ReferencePictureSelection, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeRpsi, writeRpsi, out, WHAT);
}
