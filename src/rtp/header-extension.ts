/**
 * RTP header extension elements (RFC 8285): the one-byte form (profile 0xBEDE, §4.2) and the
 * two-byte form (profile 0x100 + 4 application bits, §4.3). The 32-bit extension header itself
 * (profile, length) is RFC 3550 §5.3.1 and handled in packet.ts; this file decodes and encodes
 * the elements inside it.
 *
 * One-byte element:  |  ID  | L=len-1 |  data (1..16 bytes)
 * Two-byte element:  |      ID       |    length     |  data (0..255 bytes)
 * A zero byte between elements is padding in both forms.
 */
import { ConfigError, ParseError } from '../core/errors.js';

export const RTP_EXTENSION_PROFILE_ONE_BYTE = 0xbede;
export const RTP_EXTENSION_PROFILE_TWO_BYTE = 0x1000;

/** One extension element; `data` is a view of the packet when parsed. */
export interface RtpHeaderExtension {
  id: number;
  data: Uint8Array;
}

/** RFC 8285 §4.2: the one-byte form. */
export function isOneByteProfile(profile: number): boolean {
  return profile === RTP_EXTENSION_PROFILE_ONE_BYTE;
}

/** RFC 8285 §4.3: the two-byte form is 0x100 followed by 4 "appbits" (0x1000..0x100F). */
export function isTwoByteProfile(profile: number): boolean {
  return (profile & 0xfff0) === RTP_EXTENSION_PROFILE_TWO_BYTE;
}

const NO_EXTENSIONS: readonly RtpHeaderExtension[] = Object.freeze([]);

/**
 * Decodes the elements of an extension body (`buf[start..end)`, the words after the 4-byte
 * extension header). Profiles other than RFC 8285's yield no elements (their body is opaque).
 */
export function parseHeaderExtensions(profile: number, buf: Uint8Array, start = 0, end = buf.length): readonly RtpHeaderExtension[] {
  if (isOneByteProfile(profile)) return parseOneByte(buf, start, end);
  if (isTwoByteProfile(profile)) return parseTwoByte(buf, start, end);
  return NO_EXTENSIONS;
}

function parseOneByte(buf: Uint8Array, start: number, end: number): readonly RtpHeaderExtension[] {
  let out: RtpHeaderExtension[] | undefined;
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b === 0) {
      i++; // padding byte (RFC 8285 §4.2)
      continue;
    }
    const id = b >> 4;
    // RFC 8285 §4.2: ID 15 is reserved; on meeting it, stop processing the extension and keep
    // the elements before it. ID 0 is only valid as a padding byte (length 0); with a non-zero
    // length it is not an element either, so processing stops there as well.
    if (id === 15 || id === 0) break;
    const len = (b & 0x0f) + 1;
    i++;
    if (i + len > end) throw new ParseError('RTP header extension', `one-byte element ID ${id} claims ${len} bytes, ${end - i} left in the extension`);
    (out ??= []).push({ id, data: buf.subarray(i, i + len) });
    i += len;
  }
  return out ?? NO_EXTENSIONS;
}

function parseTwoByte(buf: Uint8Array, start: number, end: number): readonly RtpHeaderExtension[] {
  let out: RtpHeaderExtension[] | undefined;
  let i = start;
  while (i < end) {
    const id = buf[i];
    if (id === 0) {
      i++; // padding byte (RFC 8285 §4.3)
      continue;
    }
    if (i + 2 > end) throw new ParseError('RTP header extension', `two-byte element ID ${id} has no length byte`);
    const len = buf[i + 1];
    i += 2;
    if (i + len > end) throw new ParseError('RTP header extension', `two-byte element ID ${id} claims ${len} bytes, ${end - i} left in the extension`);
    (out ??= []).push({ id, data: buf.subarray(i, i + len) });
    i += len;
  }
  return out ?? NO_EXTENSIONS;
}

/** True when every element fits the one-byte form (ID 1..14, 1..16 bytes of data). */
export function fitsOneByte(elements: readonly RtpHeaderExtension[]): boolean {
  for (const e of elements) if (e.id < 1 || e.id > 14 || e.data.length < 1 || e.data.length > 16) return false;
  return true;
}

/** The profile to use for elements when none is imposed: one-byte if they all fit, else two-byte. */
export function chooseExtensionProfile(elements: readonly RtpHeaderExtension[]): number {
  return fitsOneByte(elements) ? RTP_EXTENSION_PROFILE_ONE_BYTE : RTP_EXTENSION_PROFILE_TWO_BYTE;
}

/** Body size of the elements in the given RFC 8285 form, zero-padded to a 32-bit boundary. */
export function headerExtensionsSize(profile: number, elements: readonly RtpHeaderExtension[]): number {
  const oneByte = isOneByteProfile(profile);
  if (!oneByte && !isTwoByteProfile(profile)) throw new ConfigError(`RTP header extension: profile 0x${profile.toString(16)} is not an RFC 8285 profile`);
  let n = 0;
  for (const e of elements) {
    if (oneByte) {
      if (e.id < 1 || e.id > 14) throw new ConfigError(`RTP header extension: ID ${e.id} out of range 1..14 for the one-byte form (RFC 8285 §4.2)`);
      if (e.data.length < 1 || e.data.length > 16) throw new ConfigError(`RTP header extension: ID ${e.id} has ${e.data.length} bytes, the one-byte form carries 1..16 (RFC 8285 §4.2)`);
      n += 1 + e.data.length;
    } else {
      if (e.id < 1 || e.id > 255) throw new ConfigError(`RTP header extension: ID ${e.id} out of range 1..255 for the two-byte form (RFC 8285 §4.3)`);
      if (e.data.length > 255) throw new ConfigError(`RTP header extension: ID ${e.id} has ${e.data.length} bytes, the two-byte form carries 0..255 (RFC 8285 §4.3)`);
      n += 2 + e.data.length;
    }
  }
  return n + ((4 - (n & 3)) & 3);
}

/**
 * Writes the elements at `off` (in the order given, without padding between them), then zero
 * padding to the 32-bit boundary; returns the bytes written (= headerExtensionsSize).
 */
export function writeHeaderExtensions(profile: number, elements: readonly RtpHeaderExtension[], buf: Uint8Array, off: number): number {
  const size = headerExtensionsSize(profile, elements);
  const oneByte = isOneByteProfile(profile);
  let o = off;
  for (const e of elements) {
    if (oneByte) buf[o++] = (e.id << 4) | (e.data.length - 1);
    else {
      buf[o++] = e.id;
      buf[o++] = e.data.length;
    }
    buf.set(e.data, o);
    o += e.data.length;
  }
  buf.fill(0, o, off + size);
  return size;
}

/** The data of the first element with `id`, or undefined. */
export function findHeaderExtension(elements: readonly RtpHeaderExtension[], id: number): Uint8Array | undefined {
  for (const e of elements) if (e.id === id) return e.data;
  return undefined;
}
