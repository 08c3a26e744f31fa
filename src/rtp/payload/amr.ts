/**
 * AMR and AMR-WB RTP payload format (RFC 4867) and their SDP fmtp, as pure functions over bytes
 * (the codecs are in codecs/amr.ts).
 *
 * Supported, as Mediastreamer2's AMR plugin and most SIP peers use it: single channel, no
 * interleaving, no frame CRCs, no robust sorting, any number of frames per packet, in both
 * the **octet-aligned** mode (RFC 4867 §4.4) and the **bandwidth-efficient** mode (§4.3).
 * fmtp asking for what is not supported (crc=1, robust-sorting=1, interleaving) is refused with a
 * ConfigError rather than silently producing packets the peer cannot read.
 *
 * Layout (§4.3 / §4.4), for N frames:
 *   bandwidth-efficient: CMR(4) then N ToC entries F(1) FT(4) Q(1), then the speech bits of each
 *                        frame back to back, then zero padding to an octet.
 *   octet-aligned:       CMR(4) R(4) | N ToC octets F(1) FT(4) Q(1) P(2) | each frame's speech bits
 *                        padded to an octet.
 * F = 1 when another ToC entry follows. FT is the frame type (the codec mode for speech, SID,
 * NO_DATA …), Q = 0 marks a damaged frame. CMR is the codec mode the sender of the packet asks
 * its peer to encode with (15 = no request).
 *
 * Frames are exchanged with the codec libraries in the **storage format** (RFC 4867 §5.3, the
 * "MIME / IETF" format of opencore-amr and vo-amrwbenc): one header octet 0 FT(4) Q(1) 00 then the
 * speech bits, zero-padded to an octet — the octet-aligned ToC octet with F = 0, followed by the
 * octet-aligned frame. Speech bits are in the same (sorted, TS 26.101 / 26.201) order everywhere,
 * so converting is repacking, never reordering.
 */
import { ConfigError } from '../../core/errors.js';
import { logger } from '../../core/log.js';

export type AmrVariant = 'nb' | 'wb';

/** FT / CMR 15: NO_DATA (a frame not sent, e.g. in DTX) / no mode request. */
export const AMR_NO_DATA = 15;
/** CMR value meaning "no mode request" (RFC 4867 §4.3.1). */
export const AMR_CMR_NONE = 15;
/** AMR-WB FT 14: SPEECH_LOST (RFC 4867 Table 1b; the frame was lost before this sender). */
export const AMR_WB_SPEECH_LOST = 14;
/** Octets reserved per frame in storage-format buffers: 1 header octet + the largest frame (61). */
export const AMR_STORAGE_STRIDE = 64;
/**
 * Most frames accepted in one payload: 1 s of audio. RFC 4867 sets no ceiling; bounding it bounds
 * the work per packet, and a payload longer than any ptime in use is garbage rather than audio.
 */
export const AMR_MAX_FRAMES_PER_PAYLOAD = 50;

export interface AmrVariantInfo {
  readonly variant: AmrVariant;
  /** SDP MIME subtype. */
  readonly mime: 'AMR' | 'AMR-WB';
  /** RTP clock rate = sample rate (RFC 4867 §8.1 / §8.2). */
  readonly clockRate: number;
  /** Samples per 20 ms frame. */
  readonly frameSamples: number;
  /** Number of speech modes (8 for AMR, 9 for AMR-WB). */
  readonly modes: number;
  /** Frame type of the codec's own SID frame. */
  readonly sidFt: number;
  /** Bit rate of each speech mode, bit/s. */
  readonly bitrates: readonly number[];
  /**
   * Speech bits of each frame type (index = FT), −1 for frame types a packet must not carry:
   * RFC 4867 §4.3.2 "If receiving a ToC entry with a FT value in the range 9–14 for AMR or 10–13
   * for AMR-WB, the whole packet SHOULD be discarded."
   */
  readonly frameBits: readonly number[];
}

/**
 * AMR (TS 26.101 Table 1a; RFC 4867 Table 1a): speech modes 4.75 … 12.2 kbit/s, FT 8 = SID
 * (39 bits: 35 comfort-noise bits, STI, 3-bit mode indication).
 */
export const AMR_NB: AmrVariantInfo = {
  variant: 'nb',
  mime: 'AMR',
  clockRate: 8000,
  frameSamples: 160,
  modes: 8,
  sidFt: 8,
  bitrates: [4750, 5150, 5900, 6700, 7400, 7950, 10200, 12200],
  frameBits: [95, 103, 118, 134, 148, 159, 204, 244, 39, -1, -1, -1, -1, -1, -1, 0],
};

/**
 * AMR-WB (TS 26.201 Table 1a; RFC 4867 Table 1b): speech modes 6.60 … 23.85 kbit/s, FT 9 = SID
 * (40 bits), FT 14 = SPEECH_LOST, FT 15 = NO_DATA.
 */
export const AMR_WB: AmrVariantInfo = {
  variant: 'wb',
  mime: 'AMR-WB',
  clockRate: 16000,
  frameSamples: 320,
  modes: 9,
  sidFt: 9,
  bitrates: [6600, 8850, 12650, 14250, 15850, 18250, 19850, 23050, 23850],
  frameBits: [132, 177, 253, 285, 317, 365, 397, 461, 477, 40, -1, -1, -1, -1, 0, 0],
};

export function amrVariantInfo(variant: AmrVariant): AmrVariantInfo {
  return variant === 'nb' ? AMR_NB : AMR_WB;
}

/** Octets of a frame of type `ft` in octet-aligned / storage layout (without the header octet), −1 if invalid. */
export function amrFrameBytes(info: AmrVariantInfo, ft: number): number {
  const bits = info.frameBits[ft] ?? -1;
  return bits < 0 ? -1 : (bits + 7) >> 3;
}

/** A frame type that carries audio to decode (a speech mode or the SID). */
export function amrIsSpeechOrSid(info: AmrVariantInfo, ft: number): boolean {
  return ft >= 0 && ft <= info.sidFt;
}

// ───────────────────────────────────────────────────────────────────────────────── parsing ──

/**
 * The frames of one payload, parsed into reusable buffers (a decoder allocates one of these and
 * parses every packet into it: nothing is allocated per packet).
 */
export interface AmrFrames {
  /** CMR as received, 0–15 (15 = no request; other values outside the modes are reserved). */
  cmr: number;
  /** Frames in the payload. */
  count: number;
  /** Frame type of each frame. */
  readonly ft: Uint8Array;
  /** Quality bit of each frame (1 = good; RFC 4867 §4.3.2: 0 = severely damaged). */
  readonly q: Uint8Array;
  /**
   * Frame i in storage format at `i * AMR_STORAGE_STRIDE`: header octet (FT << 3 | Q << 2), then
   * the speech bits, zero-padded. Octets after the frame within its stride are zero, so a decoder
   * given the stride can never read past the buffer whatever the header says.
   */
  readonly storage: Uint8Array;
}

export function createAmrFrames(): AmrFrames {
  return {
    cmr: AMR_CMR_NONE,
    count: 0,
    ft: new Uint8Array(AMR_MAX_FRAMES_PER_PAYLOAD),
    q: new Uint8Array(AMR_MAX_FRAMES_PER_PAYLOAD),
    storage: new Uint8Array(AMR_MAX_FRAMES_PER_PAYLOAD * AMR_STORAGE_STRIDE),
  };
}

/**
 * Parses a payload into `into`. Returns undefined on success, else the reason the payload is
 * invalid (for a debug log; the caller counts it and conceals): empty or truncated, a ToC chain
 * without end, a frame type a packet must not carry (§4.3.2), or a length that does not match the
 * ToC. `into` is then left in an unspecified state.
 */
export function parseAmrPayload(info: AmrVariantInfo, octetAligned: boolean, payload: Uint8Array, into: AmrFrames): string | undefined {
  return octetAligned ? parseOctetAligned(info, payload, into) : parseBandwidthEfficient(info, payload, into);
}

function parseOctetAligned(info: AmrVariantInfo, p: Uint8Array, into: AmrFrames): string | undefined {
  const len = p.length;
  if (len < 2) return `payload of ${len} octets is shorter than a CMR and one ToC`;
  into.cmr = p[0]! >> 4; // the 4 reserved bits after CMR are ignored (§4.4.1: MUST be ignored)
  let n = 0;
  let pos = 1;
  let more = true;
  let need = 0;
  while (more) {
    if (pos >= len) return 'ToC runs past the end of the payload (no entry with F = 0)';
    if (n >= AMR_MAX_FRAMES_PER_PAYLOAD) return `more than ${AMR_MAX_FRAMES_PER_PAYLOAD} frames`;
    const toc = p[pos++]!;
    more = (toc & 0x80) !== 0;
    const ft = (toc >> 3) & 0x0f;
    const bytes = amrFrameBytes(info, ft);
    if (bytes < 0) return `frame type ${ft} is not allowed in ${info.mime} packets (RFC 4867 §4.3.2)`;
    into.ft[n] = ft;
    into.q[n] = (toc >> 2) & 1;
    need += bytes;
    n++;
  }
  if (len !== pos + need) return `payload is ${len} octets, its ToC describes ${pos + need}`;
  into.count = n;
  const st = into.storage;
  for (let i = 0; i < n; i++) {
    const ft = into.ft[i]!;
    const bytes = amrFrameBytes(info, ft);
    const base = i * AMR_STORAGE_STRIDE;
    st[base] = (ft << 3) | (into.q[i]! << 2);
    st.set(p.subarray(pos, pos + bytes), base + 1);
    st.fill(0, base + 1 + bytes, base + AMR_STORAGE_STRIDE);
    pos += bytes;
  }
  return undefined;
}

/** Reads `n` ≤ 8 bits MSB-first at bit offset `bit` (the caller checked the bounds). */
function readBits(p: Uint8Array, bit: number, n: number): number {
  // Two octets always hold the n ≤ 8 bits starting anywhere in the first of them.
  const i = bit >> 3;
  const word = (p[i]! << 8) | (i + 1 < p.length ? p[i + 1]! : 0);
  return (word >> (16 - (bit & 7) - n)) & ((1 << n) - 1);
}

/** Copies `count` bits from `src` at bit offset `srcBit` to `dst` at bit offset `dstBit` (dst bits must be zero). */
function copyBits(src: Uint8Array, srcBit: number, dst: Uint8Array, dstBit: number, count: number): void {
  let s = srcBit;
  let d = dstBit;
  let left = count;
  while (left > 0) {
    const take = Math.min(8, left);
    const v = readBits(src, s, take);
    // Write `take` bits at d: they span at most two octets.
    const shift = 16 - (d & 7) - take;
    const w = v << shift;
    const j = d >> 3;
    dst[j] = dst[j]! | (w >> 8);
    if (shift < 8) dst[j + 1] = dst[j + 1]! | (w & 0xff);
    s += take;
    d += take;
    left -= take;
  }
}

function parseBandwidthEfficient(info: AmrVariantInfo, p: Uint8Array, into: AmrFrames): string | undefined {
  const totalBits = p.length * 8;
  if (totalBits < 4 + 6) return `payload of ${p.length} octets is shorter than a CMR and one ToC`;
  into.cmr = readBits(p, 0, 4);
  let bit = 4;
  let n = 0;
  let more = true;
  let need = 0;
  while (more) {
    if (bit + 6 > totalBits) return 'ToC runs past the end of the payload (no entry with F = 0)';
    if (n >= AMR_MAX_FRAMES_PER_PAYLOAD) return `more than ${AMR_MAX_FRAMES_PER_PAYLOAD} frames`;
    const toc = readBits(p, bit, 6);
    bit += 6;
    more = (toc & 0x20) !== 0;
    const ft = (toc >> 1) & 0x0f;
    const bits = info.frameBits[ft]!;
    if (bits < 0) return `frame type ${ft} is not allowed in ${info.mime} packets (RFC 4867 §4.3.2)`;
    into.ft[n] = ft;
    into.q[n] = toc & 1;
    need += bits;
    n++;
  }
  // §4.3: the payload ends with 0–7 padding bits to the octet boundary.
  const used = bit + need;
  if (p.length !== (used + 7) >> 3) return `payload is ${p.length} octets, its ToC describes ${(used + 7) >> 3}`;
  into.count = n;
  const st = into.storage;
  for (let i = 0; i < n; i++) {
    const ft = into.ft[i]!;
    const bits = info.frameBits[ft]!;
    const base = i * AMR_STORAGE_STRIDE;
    st.fill(0, base, base + AMR_STORAGE_STRIDE);
    st[base] = (ft << 3) | (into.q[i]! << 2);
    copyBits(p, bit, st, (base + 1) * 8, bits);
    bit += bits;
  }
  return undefined;
}

// ───────────────────────────────────────────────────────────────────────────────── packing ──

/**
 * Builds a payload from `count` storage-format frames (as the encoder libraries write them) found
 * at `i * stride` in `storage`. `cmr` is the mode we ask the peer to send (15 = no request). Every
 * frame keeps its FT and Q; the last ToC entry gets F = 0. Returns a new array owned by the caller
 * (it becomes the EncodedFrame's data). Throws RangeError on a frame type that cannot be sent,
 * which is a programming error: the encoders only produce valid ones.
 */
export function packAmrPayload(
  info: AmrVariantInfo,
  octetAligned: boolean,
  cmr: number,
  storage: Uint8Array,
  stride: number,
  count: number,
): Uint8Array {
  if (count < 1 || count > AMR_MAX_FRAMES_PER_PAYLOAD) throw new RangeError(`packAmrPayload: ${count} frames (1–${AMR_MAX_FRAMES_PER_PAYLOAD})`);
  let bits = 0;
  for (let i = 0; i < count; i++) {
    const ft = (storage[i * stride]! >> 3) & 0x0f;
    const b = info.frameBits[ft]!;
    if (b < 0) throw new RangeError(`packAmrPayload: frame ${i} has frame type ${ft}, not allowed in ${info.mime} packets`);
    bits += octetAligned ? ((b + 7) >> 3) * 8 : b;
  }
  if (octetAligned) {
    const out = new Uint8Array(1 + count + bits / 8);
    out[0] = (cmr & 0x0f) << 4;
    let pos = 1 + count;
    for (let i = 0; i < count; i++) {
      const h = storage[i * stride]!;
      const ft = (h >> 3) & 0x0f;
      out[1 + i] = (i < count - 1 ? 0x80 : 0) | (h & 0x7c);
      const bytes = amrFrameBytes(info, ft);
      out.set(storage.subarray(i * stride + 1, i * stride + 1 + bytes), pos);
      // The storage format pads each frame with zeros already; clear the last octet's padding
      // bits anyway (RFC 4867 §4.4.3: the padding bits are zero).
      const pad = bytes * 8 - info.frameBits[ft]!;
      if (pad > 0) out[pos + bytes - 1] = out[pos + bytes - 1]! & (0xff << pad) & 0xff;
      pos += bytes;
    }
    return out;
  }
  const totalBits = 4 + 6 * count + bits;
  const out = new Uint8Array((totalBits + 7) >> 3);
  writeBits(out, 0, 4, cmr & 0x0f);
  let bit = 4;
  for (let i = 0; i < count; i++) {
    const h = storage[i * stride]!;
    const ft = (h >> 3) & 0x0f;
    const q = (h >> 2) & 1;
    writeBits(out, bit, 6, ((i < count - 1 ? 1 : 0) << 5) | (ft << 1) | q);
    bit += 6;
  }
  for (let i = 0; i < count; i++) {
    const ft = (storage[i * stride]! >> 3) & 0x0f;
    const b = info.frameBits[ft]!;
    copyBits(storage, (i * stride + 1) * 8, out, bit, b);
    bit += b;
  }
  return out;
}

/** Writes the `n` ≤ 8 low bits of `v` MSB-first at bit offset `bit` (target bits must be zero). */
function writeBits(dst: Uint8Array, bit: number, n: number, v: number): void {
  const shift = 16 - (bit & 7) - n;
  const w = (v & ((1 << n) - 1)) << shift;
  const j = bit >> 3;
  dst[j] = dst[j]! | (w >> 8);
  if (shift < 8) dst[j + 1] = dst[j + 1]! | (w & 0xff);
}

// ─────────────────────────────────────────────────────────────── payload-level questions ──

/**
 * Frames in a payload when the mode (octet-aligned or bandwidth-efficient) is not known (the
 * codec descriptor's payloadDuration/isQuietPayload have no fmtp): the payload is parsed both
 * ways and the answer given only when the valid readings agree. A payload valid both ways with
 * different frame counts is ambiguous and gives undefined. The length check at the end of each
 * parse makes a wrong reading rarely valid.
 */
function unambiguousFrames(info: AmrVariantInfo, payload: Uint8Array, scratch: AmrFrames): AmrFrames | undefined {
  const oa = parseAmrPayload(info, true, payload, scratch) === undefined;
  const oaCount = oa ? scratch.count : -1;
  const oaQuiet = oa ? allQuiet(info, scratch) : false;
  const be = parseAmrPayload(info, false, payload, scratch) === undefined;
  if (oa && be) return oaCount === scratch.count && oaQuiet === allQuiet(info, scratch) ? scratch : undefined;
  if (be) return scratch;
  if (oa) return parseAmrPayload(info, true, payload, scratch) === undefined ? scratch : undefined;
  return undefined;
}

function allQuiet(info: AmrVariantInfo, f: AmrFrames): boolean {
  for (let i = 0; i < f.count; i++) if (f.ft[i]! < info.sidFt) return false;
  return true;
}

const scratchNb = createAmrFrames();
const scratchWb = createAmrFrames();

/** Media duration of a payload in clock units (frames × 20 ms), or undefined when invalid or ambiguous. */
export function amrPayloadDuration(info: AmrVariantInfo, payload: Uint8Array): number | undefined {
  const f = unambiguousFrames(info, payload, info.variant === 'nb' ? scratchNb : scratchWb);
  return f ? f.count * info.frameSamples : undefined;
}

/** True when every frame of the payload is SID or NO_DATA (a pause in DTX). */
export function isAmrQuietPayload(info: AmrVariantInfo, payload: Uint8Array): boolean {
  const f = unambiguousFrames(info, payload, info.variant === 'nb' ? scratchNb : scratchWb);
  return f !== undefined && allQuiet(info, f);
}

// ──────────────────────────────────────────────────────────────────────────────────── fmtp ──

/** The fmtp parameters of AMR / AMR-WB (RFC 4867 §8.1, §8.2) that mediaweave acts on. */
export interface AmrFmtp {
  /**
   * octet-align=1 or absent: octet-aligned mode; octet-align=0: bandwidth-efficient. RFC 4867
   * §8.1 makes bandwidth-efficient the default when the parameter is absent, but with no SDP
   * between the peers (the CLI) we default to octet-aligned, as Mediastreamer2, GStreamer and
   * ffmpeg send and as the issue asks; an SDP layer (later) passes the peer's value explicitly.
   */
  octetAlign: boolean;
  /** Modes the encoder may use, ascending (mode-set; all modes when absent). */
  modeSet: readonly number[];
  /** mode-change-period: mode changes only every this many frames (1 or 2). */
  modeChangePeriod: 1 | 2;
  /** mode-change-neighbor=1: change only to a neighbouring mode of the mode set. */
  modeChangeNeighbor: boolean;
  /** mode-change-capability (1 or 2): whether the peer can restrict changes to every other frame. */
  modeChangeCapability: 1 | 2;
  /** max-red (ms), if given. We never send redundancy, which satisfies any value. */
  maxRed: number | undefined;
}

let log: ReturnType<typeof logger> | undefined;

function flag(mime: string, name: string, raw: string): boolean {
  const v = raw.trim();
  if (v === '0') return false;
  if (v === '1') return true;
  throw new ConfigError(`${mime} fmtp ${name} must be 0 or 1 (RFC 4867 §8.1), got "${raw}"`);
}

/**
 * Parses AMR / AMR-WB fmtp parameters (name → value). Invalid values give a ConfigError naming the
 * parameter and the accepted values; what mediaweave does not implement (crc=1, robust-sorting=1,
 * interleaving) gives a ConfigError saying so; unknown parameters are ignored with a debug log.
 */
export function parseAmrFmtp(info: AmrVariantInfo, fmtp: Readonly<Record<string, string>> | undefined): AmrFmtp {
  const all = Array.from({ length: info.modes }, (_, i) => i);
  const out: AmrFmtp = { octetAlign: true, modeSet: all, modeChangePeriod: 1, modeChangeNeighbor: false, modeChangeCapability: 1, maxRed: undefined };
  if (!fmtp) return out;
  const m = info.mime;
  for (const [rawName, rawValue] of Object.entries(fmtp)) {
    const name = rawName.trim().toLowerCase();
    const value = String(rawValue);
    switch (name) {
      case 'octet-align':
        out.octetAlign = flag(m, name, value);
        break;
      case 'mode-set': {
        const parts = value.split(',').map((s) => s.trim());
        const modes = new Set<number>();
        for (const s of parts) {
          const n = Number(s);
          if (s === '' || !Number.isInteger(n) || n < 0 || n >= info.modes) {
            throw new ConfigError(`${m} fmtp mode-set must be a comma-separated list of modes 0–${info.modes - 1}, got "${value}"`);
          }
          modes.add(n);
        }
        out.modeSet = [...modes].sort((a, b) => a - b);
        break;
      }
      case 'mode-change-period':
      case 'mode-change-capability': {
        const v = value.trim();
        if (v !== '1' && v !== '2') throw new ConfigError(`${m} fmtp ${name} must be 1 or 2 (RFC 4867 §8.1), got "${value}"`);
        if (name === 'mode-change-period') out.modeChangePeriod = v === '1' ? 1 : 2;
        else out.modeChangeCapability = v === '1' ? 1 : 2;
        break;
      }
      case 'mode-change-neighbor':
        out.modeChangeNeighbor = flag(m, name, value);
        break;
      case 'max-red': {
        const n = Number(value.trim());
        if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
          throw new ConfigError(`${m} fmtp max-red must be a whole number of ms 0–65535, got "${value}"`);
        }
        out.maxRed = n;
        break;
      }
      case 'crc':
        if (flag(m, name, value)) throw new ConfigError(`${m} fmtp crc=1 (frame CRCs, RFC 4867 §4.4.2) is not supported by mediaweave; use crc=0`);
        break;
      case 'robust-sorting':
        if (flag(m, name, value)) throw new ConfigError(`${m} fmtp robust-sorting=1 (RFC 4867 §4.4.4) is not supported by mediaweave; use robust-sorting=0`);
        break;
      case 'interleaving':
        throw new ConfigError(`${m} fmtp interleaving (RFC 4867 §4.4.1) is not supported by mediaweave; leave the parameter out`);
      case 'channels': {
        // Some stacks repeat the rtpmap channel count in fmtp; only mono is supported.
        if (value.trim() !== '1') throw new ConfigError(`${m} fmtp channels must be 1 (mediaweave supports single-channel AMR only), got "${value}"`);
        break;
      }
      default:
        (log ??= logger('amr')).debug({ parameter: rawName, value: rawValue }, `unknown ${m} fmtp parameter ignored`);
    }
  }
  return out;
}

// ─────────────────────────────────────────────────────────────────────────── mode choices ──

/**
 * The mode to use for a codec mode request (CMR) or a wanted mode: the highest mode of the mode
 * set not above it, else the lowest of the set (RFC 4867 §4.3.1: the CMR is the highest mode the
 * requester wants to receive; the sender must stay within the negotiated mode-set).
 */
export function amrModeWithin(requested: number, modeSet: readonly number[]): number {
  let best = modeSet[0]!;
  for (const m of modeSet) if (m <= requested) best = m;
  return best;
}

/** The highest mode of the set whose bit rate is ≤ `bitrate` (the lowest when none is). */
export function amrModeForBitrate(info: AmrVariantInfo, bitrate: number, modeSet: readonly number[]): number {
  let best = modeSet[0]!;
  for (const m of modeSet) if (info.bitrates[m]! <= bitrate) best = m;
  return best;
}

/**
 * One step from `current` towards `target` (both in `modeSet`): straight there, or with
 * mode-change-neighbor=1 to the adjacent mode of the set in that direction (RFC 4867 §8.1).
 */
export function amrStepMode(current: number, target: number, modeSet: readonly number[], neighborOnly: boolean): number {
  if (current === target || !neighborOnly) return target;
  const i = modeSet.indexOf(current);
  if (i < 0) return target; // current not in the set (the set changed): jump
  return target > current ? modeSet[Math.min(i + 1, modeSet.length - 1)]! : modeSet[Math.max(i - 1, 0)]!;
}
