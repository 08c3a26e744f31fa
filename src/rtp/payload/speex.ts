/**
 * The Speex RTP payload format (RFC 5574), as pure functions: the SDP fmtp parameters, the
 * number of frames a packet carries for a ptime, and a bit-level scanner that walks the frames
 * of a payload without decoding them (how many, valid or not, which narrowband sub-modes).
 *
 * The payload (RFC 5574 §3.3): one or more Speex frames, oldest first, concatenated bit after
 * bit exactly as the encoder produced them (no header, no table of contents; each frame carries
 * its own mode in band, so frames of different bitrates may share a packet); the last octet is
 * padded with a 0 bit followed by 1 bits. A frame is:
 *   - a narrowband part: 1 bit 0 (the "wideband bit"), a 4-bit sub-mode m, then a fixed number of
 *     bits per sub-mode (table below). m = 15 is a terminator (which is also what the padding
 *     "0 1111…" reads as), m = 14 a Speex in-band request (4-bit code, then 1–64 bits by code),
 *     m = 13 a user in-band message (4-bit length L, then 5 + 8·L bits), m = 9–12 are invalid.
 *     In-band requests precede the frame they ride with and are not frames.
 *   - then 0, 1 or 2 sub-band layers (wideband, then ultra-wideband): a 1 bit, a 3-bit sub-mode,
 *     then a fixed number of bits per sub-mode.
 * These rules and the bit counts are libspeex's own (nb_celp.c nb_decode, sb_celp.c sb_decode,
 * speex_callbacks.c, modes.c); the unit tests check the tables against speex_mode_query and the
 * scanner against libspeex's decoder on encoded speech of every band, quality, VBR and DTX.
 * libspeex's decoder stops at a terminator or when fewer than 5 bits are left, and so does the
 * scanner, so both find the same frames.
 *
 * Why a scanner rather than asking the decoder: the jitter buffer needs a packet's duration when
 * it arrives (before decoding), and the decoder must not be handed malformed payloads (libspeex
 * prints to stderr and reads zeros past the end of a truncated frame): the decoder filter scans
 * first and counts a malformed payload as a decode error.
 *
 * This module imports only core (DESIGN §3: payload formats are pure functions).
 */
import { ConfigError } from '../../core/errors.js';
import { logger } from '../../core/log.js';

/** Speex band: narrowband 8 kHz, wideband 16 kHz, ultra-wideband 32 kHz. */
export type SpeexBand = 'nb' | 'wb' | 'uwb';

/** Every Speex frame is 20 ms (RFC 5574 §3.3), in every band. */
export const SPEEX_FRAME_MS = 20;

/** RTP clock rate of each band (= its sampling rate: 8000, 16000 or 32000, RFC 5574's media type). */
export const SPEEX_CLOCK_RATE: Readonly<Record<SpeexBand, number>> = { nb: 8000, wb: 16000, uwb: 32000 };

/** Samples (= RTP clock units) per frame of each band. */
export const SPEEX_FRAME_SAMPLES: Readonly<Record<SpeexBand, number>> = { nb: 160, wb: 320, uwb: 640 };

/** The band of an RTP clock rate, or undefined. */
export function speexBandOfClockRate(clockRate: number): SpeexBand | undefined {
  return clockRate === 8000 ? 'nb' : clockRate === 16000 ? 'wb' : clockRate === 32000 ? 'uwb' : undefined;
}

/**
 * Bits of a narrowband frame per sub-mode 0–8, its 5 header bits included (libspeex modes.c;
 * speex_mode_query(&speex_nb_mode, SPEEX_SUBMODE_BITS_PER_FRAME)). 0 is the "null" frame
 * (silence / DTX), 1 the 2.15 kbit/s noise-coding mode VAD uses, 8 the 3.95 kbit/s mode.
 */
export const SPEEX_NB_SUBMODE_BITS: readonly number[] = Object.freeze([5, 43, 119, 160, 220, 300, 364, 492, 79]);
/** Bits of the wideband layer per sub-mode 0–7, its 4 header bits included (−1: no such mode). */
export const SPEEX_WB_LAYER_BITS: readonly number[] = Object.freeze([4, 36, 112, 192, 352, -1, -1, -1]);
/** Bits of the ultra-wideband layer per sub-mode 0–7, its 4 header bits included (−1: no such mode). */
export const SPEEX_UWB_LAYER_BITS: readonly number[] = Object.freeze([4, 36, -1, -1, -1, -1, -1, -1]);

/** Bits skipped after a Speex in-band request of each code 0–15 (speex_callbacks.c, speex_inband_handler). */
function inbandBits(code: number): number {
  return code < 2 ? 1 : code < 8 ? 4 : code < 10 ? 8 : code < 12 ? 16 : code < 14 ? 32 : 64;
}

/** Why a payload is malformed (negative results of scanSpeexPayload). */
export const SPEEX_SCAN_ERROR = {
  /** A frame or in-band message runs past the end of the payload. */
  TRUNCATED: -1,
  /** A narrowband sub-mode 9–12, or a layer sub-mode that does not exist. */
  INVALID_MODE: -2,
  /** A sub-band layer where a narrowband frame must start (at the start, or a third layer). */
  STRAY_LAYER: -3,
} as const;

/** A description of a scanSpeexPayload result, for messages. */
export function describeSpeexScan(result: number): string {
  if (result >= 0) return `${result} frame(s)`;
  switch (result) {
    case SPEEX_SCAN_ERROR.TRUNCATED:
      return 'a frame is truncated';
    case SPEEX_SCAN_ERROR.INVALID_MODE:
      return 'an invalid Speex mode';
    case SPEEX_SCAN_ERROR.STRAY_LAYER:
      return 'a sub-band layer without its narrowband frame';
    default:
      return `scan error ${result}`;
  }
}

/** The bit at position `pos` (MSB first, as libspeex's bits.c packs). */
function bitAt(p: Uint8Array, pos: number): number {
  return (p[pos >> 3]! >> (7 - (pos & 7))) & 1;
}

/** `n` (≤ 8) bits from position `pos`, MSB first. The caller checks they are there. */
function bitsAt(p: Uint8Array, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = (v << 1) | bitAt(p, pos + i);
  return v;
}

/**
 * Walks the frames of one Speex payload. Returns the number of frames (0 when there is none,
 * e.g. an empty payload or padding alone), or a negative SPEEX_SCAN_ERROR. When `nbModes` is
 * given, the narrowband sub-mode of frame i is written to nbModes[i] (for the first
 * nbModes.length frames). No allocation.
 */
export function scanSpeexPayload(payload: Uint8Array, nbModes?: Uint8Array): number {
  const total = payload.length * 8;
  let pos = 0;
  let frames = 0;
  for (;;) {
    // Narrowband part, after any in-band requests.
    let m: number;
    for (;;) {
      // nb_decode: fewer than 5 bits left is the end of the payload (padding).
      if (total - pos < 5) return frames;
      if (bitAt(payload, pos) === 1) return SPEEX_SCAN_ERROR.STRAY_LAYER;
      m = bitsAt(payload, pos + 1, 4);
      pos += 5;
      if (m === 15) return frames; // terminator (or the 0 1111 padding)
      if (m === 14) {
        if (total - pos < 4) return SPEEX_SCAN_ERROR.TRUNCATED;
        const skip = 4 + inbandBits(bitsAt(payload, pos, 4));
        if (total - pos < skip) return SPEEX_SCAN_ERROR.TRUNCATED;
        pos += skip;
        continue;
      }
      if (m === 13) {
        if (total - pos < 4) return SPEEX_SCAN_ERROR.TRUNCATED;
        const skip = 4 + 5 + 8 * bitsAt(payload, pos, 4);
        if (total - pos < skip) return SPEEX_SCAN_ERROR.TRUNCATED;
        pos += skip;
        continue;
      }
      if (m > 8) return SPEEX_SCAN_ERROR.INVALID_MODE;
      break;
    }
    const rest = SPEEX_NB_SUBMODE_BITS[m]! - 5;
    if (total - pos < rest) return SPEEX_SCAN_ERROR.TRUNCATED;
    pos += rest;
    if (nbModes && frames < nbModes.length) nbModes[frames] = m;
    frames++;
    // Sub-band layers: sb_decode peeks one bit; 1 means a layer of this band follows.
    for (let layer = 0; layer < 2; layer++) {
      if (pos >= total || bitAt(payload, pos) !== 1) break;
      if (total - pos < 4) return SPEEX_SCAN_ERROR.TRUNCATED;
      const bits = (layer === 0 ? SPEEX_WB_LAYER_BITS : SPEEX_UWB_LAYER_BITS)[bitsAt(payload, pos + 1, 3)]!;
      if (bits < 0) return SPEEX_SCAN_ERROR.INVALID_MODE;
      if (total - pos < bits) return SPEEX_SCAN_ERROR.TRUNCATED;
      pos += bits;
    }
  }
}

/**
 * Media duration of a payload in RTP clock units of `band` (frames × 20 ms), or undefined when
 * it is malformed or holds no frame (the jitter buffer then guesses from the next packet).
 */
export function speexPayloadDuration(payload: Uint8Array, band: SpeexBand): number | undefined {
  const n = scanSpeexPayload(payload);
  return n > 0 ? n * SPEEX_FRAME_SAMPLES[band] : undefined;
}

const quietModes = new Uint8Array(64);

/**
 * Whether every frame of a payload is a narrowband "null" frame (sub-mode 0: silence / DTX
 * comfort noise). CBR Speex does not say whether a frame is quiet, so only payloads made of
 * such frames (VAD/DTX senders) are reported quiet.
 */
export function isQuietSpeexPayload(payload: Uint8Array): boolean {
  const n = scanSpeexPayload(payload, quietModes);
  if (n <= 0 || n > quietModes.length) return false;
  for (let i = 0; i < n; i++) if (quietModes[i] !== 0) return false;
  return true;
}

// ───────────────────────────────────────────────────────────────────────────── packets ──

/** Longest packet accepted: 10 frames (RFC 5574 §3.3 bounds a packet by the path MTU only; 10 × 110 bytes of the richest mode stay under 1500). */
export const SPEEX_MAX_PTIME_MS = 200;

/**
 * Frames per packet for a ptime (ms, 1–200). A ptime that is not a multiple of 20 ms is rounded
 * up to the next one, as Mediastreamer2 does (RFC 5574's media type: ptime SHOULD be a multiple of 20 ms).
 */
export function speexFramesPerPacket(ptimeMs: number, who = 'speex'): number {
  if (typeof ptimeMs !== 'number' || !Number.isInteger(ptimeMs) || ptimeMs < 1 || ptimeMs > SPEEX_MAX_PTIME_MS) {
    throw new ConfigError(`${who}: ptime must be a whole number of ms, 1–${SPEEX_MAX_PTIME_MS} (rounded up to a multiple of ${SPEEX_FRAME_MS} ms), got ${String(ptimeMs)}`);
  }
  return Math.ceil(ptimeMs / SPEEX_FRAME_MS);
}

// ──────────────────────────────────────────────────────────────────────────────── fmtp ──

/** RFC 5574 `vbr`: off (CBR, the default), on (VBR), vad (CBR with short frames for silence). */
export type SpeexVbr = 'off' | 'on' | 'vad';

/**
 * The fmtp parameters of RFC 5574's media type registration (IANA audio/speex), parsed; all are
 * preferences to the encoder. Absent parameters are undefined.
 */
export interface SpeexFmtp {
  vbr?: SpeexVbr;
  /** `cng`: whether silence frames are filled with comfort noise (on) or silent (off). */
  cng?: boolean;
  /**
   * `mode`: the decoding modes the receiver supports, in order of preference (e.g. mode="1,any";
   * RFC 5574 says the value is always quoted, unquoted is accepted too); the encoder SHOULD use
   * the first. This is the first entry that is a number; undefined for `any` or when absent (RFC
   * 5574's default is "3,any" in narrowband, "8,any" above). Narrowband: the Speex sub-mode 1–8.
   * Wideband / ultra-wideband: 0–10, the quality (libspeex's wideband SPEEX_SET_MODE, and how
   * Mediastreamer2 reads it).
   */
  mode?: number;
  /** `ptime` / `maxptime` (ms), when given in the fmtp line. */
  ptimeMs?: number;
  maxptimeMs?: number;
}

const log = logger('speex');

function onOff(name: string, v: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === 'on' || s === '1' || s === 'yes' || s === 'true') return true;
  if (s === 'off' || s === '0' || s === 'no' || s === 'false') return false;
  throw new ConfigError(`speex fmtp ${name} must be on or off, got "${v}"`);
}

function ms(name: string, v: string): number {
  const n = Number(v.trim());
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ConfigError(`speex fmtp ${name} must be a whole number of ms 1–1000, got "${v}"`);
  return n;
}

/**
 * Parses the fmtp parameters (name → value, names case-insensitive) for `band`. Unknown names
 * are ignored with a debug log; an invalid value throws ConfigError naming the parameter and
 * what it accepts.
 */
export function parseSpeexFmtp(fmtp: Readonly<Record<string, string>> | undefined, band: SpeexBand): SpeexFmtp {
  const out: SpeexFmtp = {};
  if (!fmtp) return out;
  const [modeMin, modeMax] = band === 'nb' ? [1, 8] : [0, 10];
  for (const [rawName, rawValue] of Object.entries(fmtp)) {
    const name = rawName.trim().toLowerCase();
    const value = String(rawValue);
    switch (name) {
      case 'vbr': {
        const v = value.trim().toLowerCase();
        if (v !== 'on' && v !== 'off' && v !== 'vad') throw new ConfigError(`speex fmtp vbr must be on, off or vad (RFC 5574), got "${value}"`);
        out.vbr = v;
        break;
      }
      case 'cng':
        out.cng = onOff('cng', value);
        break;
      case 'mode': {
        // mode=3, mode=any, mode="1,any" (a preference list, quotes allowed).
        const entries = value.trim().replace(/^"|"$/g, '').split(',').map((e) => e.trim().toLowerCase());
        let chosen: number | undefined;
        for (const e of entries) {
          if (e === 'any') continue;
          const n = /^\d+$/.test(e) ? Number(e) : NaN;
          if (!Number.isInteger(n) || n < modeMin || n > modeMax) {
            throw new ConfigError(`speex fmtp mode must be ${modeMin}–${modeMax} or any for speex/${SPEEX_CLOCK_RATE[band]} (RFC 5574), got "${value}"`);
          }
          chosen ??= n;
        }
        if (chosen !== undefined) out.mode = chosen;
        break;
      }
      case 'ptime':
        out.ptimeMs = ms('ptime', value);
        break;
      case 'maxptime':
        out.maxptimeMs = ms('maxptime', value);
        break;
      default:
        log.debug({ param: rawName, value }, 'unknown speex fmtp parameter ignored');
    }
  }
  return out;
}
