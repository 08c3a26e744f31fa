/**
 * Application-defined, APP (RFC 3550 §6.7), PT 204:
 *
 * |V=2|P| subtype |   PT=APP=204  |             length            |
 * |                           SSRC/CSRC                           |
 * |                          name (ASCII)                         |
 * |                   application-dependent data                ...
 *
 * RFC 3550 wants the data in whole 32-bit words; data of any other length is carried with
 * P-bit padding (as common implementations do), so `data` is exactly what the application gave.
 */
import { ConfigError, ParseError } from '../../core/errors.js';
import {
  RtcpType,
  checkSinglePacket,
  checkUint,
  dataViewOf,
  pad4,
  rtcpContentEnd,
  serializeWith,
  writePadding,
  writeRtcpHeader,
} from './header.js';

const WHAT = 'RTCP APP';
const FIXED = 12;

export interface ApplicationDefined {
  type: 'app';
  /** 5-bit subtype. */
  subtype: number;
  ssrc: number;
  /** Four ASCII characters (RFC 3550 §6.7). */
  name: string;
  /** Application-dependent data (a view). */
  data: Uint8Array;
}

export function decodeApp(dv: DataView, buf: Uint8Array, start: number, end: number): ApplicationDefined {
  const content = rtcpContentEnd(buf, start, end, WHAT);
  if (content - start < FIXED) throw new ParseError(WHAT, `needs ${FIXED} bytes of header, SSRC and name, ${content - start} available`);
  return {
    type: 'app',
    subtype: buf[start] & 0x1f,
    ssrc: dv.getUint32(start + 4),
    name: String.fromCharCode(buf[start + 8], buf[start + 9], buf[start + 10], buf[start + 11]),
    data: buf.subarray(start + FIXED, content),
  };
}

export function parseApp(buf: Uint8Array): ApplicationDefined {
  checkSinglePacket(buf, WHAT, RtcpType.APP);
  return decodeApp(dataViewOf(buf), buf, 0, buf.length);
}

export function sizeApp(p: ApplicationDefined): number {
  const n = FIXED + p.data.length;
  return n + pad4(n);
}

export function writeApp(p: ApplicationDefined, dv: DataView, buf: Uint8Array, off: number): number {
  checkUint(p.subtype, 5, WHAT, 'subtype');
  checkUint(p.ssrc, 32, WHAT, 'ssrc');
  if (p.name.length !== 4) throw new ConfigError(`${WHAT}: name ${JSON.stringify(p.name)} must be exactly 4 characters (RFC 3550 §6.7)`);
  for (let i = 0; i < 4; i++) {
    // RFC 3550 §6.7 asks for ASCII; any single-byte character is accepted so a parsed name re-encodes as received.
    if (p.name.charCodeAt(i) > 0xff) throw new ConfigError(`${WHAT}: name ${JSON.stringify(p.name)} must be 4 single-byte (ASCII) characters (RFC 3550 §6.7)`);
  }
  const n = sizeApp(p);
  const padding = n - FIXED - p.data.length;
  writeRtcpHeader(buf, off, padding > 0, p.subtype, RtcpType.APP, n, WHAT);
  dv.setUint32(off + 4, p.ssrc);
  for (let i = 0; i < 4; i++) buf[off + 8 + i] = p.name.charCodeAt(i);
  buf.set(p.data, off + FIXED);
  if (padding > 0) writePadding(buf, off + FIXED + p.data.length, padding);
  return n;
}

export function serializeApp(p: ApplicationDefined, out?: Uint8Array): Uint8Array {
  return serializeWith(p, sizeApp, writeApp, out, WHAT);
}
