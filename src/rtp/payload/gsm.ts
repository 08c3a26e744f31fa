/**
 * The GSM 06.10 RTP payload format (RFC 3551 §4.5.8): pure functions, no codec.
 *
 * - A frame is 20 ms (160 samples at 8000 Hz) coded into 260 bits, sent as 33 octets: a 4-bit
 *   signature 0xD, then the 76 parameters MSB first in the order of §4.5.8.1 (Tables 2 and 3:
 *   LARc[0..7], then for each of the 4 sub-frames Nc, bc, Mc, xmaxc, xMc[0..12]). This is also
 *   libgsm's frame layout (`gsm_encode`), so encoder output goes into packets as it is.
 * - A packet carries one or more whole frames, concatenated, oldest first, and its RTP timestamp
 *   is that of the first sample of the first frame (RFC 3551 §4.4: a sender may combine several
 *   frames of a frame-based encoding in one packet, and the receiver tells how many by dividing
 *   the payload length by the frame size). The RTP clock is 8000 Hz. There is no header and no
 *   fmtp parameter.
 * - The default packetisation is 20 ms (RFC 3551 §4.2 and Table 1: frame 20 ms, default
 *   packetisation 20 ms).
 */
import { ConfigError } from '../../core/errors.js';

/** RTP clock rate and sample rate of GSM (RFC 3551 Table 4). */
export const GSM_CLOCK_RATE = 8000;
/** Samples in one frame (20 ms at 8 kHz). */
export const GSM_FRAME_SAMPLES = 160;
/** Milliseconds in one frame. */
export const GSM_FRAME_MS = 20;
/** Octets in one frame (RFC 3551 §4.5.8). */
export const GSM_FRAME_BYTES = 33;
/** The 4-bit signature in the high nibble of each frame's first octet (libgsm's GSM_MAGIC). */
export const GSM_SIGNATURE = 0xd;
/**
 * The most frames a payload may carry before we call it oversized: 50 frames = 1 s = 1650 octets,
 * above any packet that fits an Ethernet MTU (45 frames). No sender packs more for a call, and
 * the bound keeps the decoder's work per packet bounded.
 */
export const GSM_MAX_FRAMES_PER_PACKET = 50;
/** ptime range the encoder accepts, ms: whole frames, 1 to 6 (RFC 3551 leaves the maximum open; 120 ms matches G.711's). */
export const GSM_MIN_PTIME_MS = 20;
export const GSM_MAX_PTIME_MS = 120;

/**
 * Frames per packet for a packet duration: ptime must be a whole number of 20 ms frames,
 * 20–120 ms. Throws ConfigError naming `option` and the accepted values otherwise.
 */
export function gsmFramesPerPacket(ptimeMs: number, option = 'ptimeMs'): number {
  if (
    typeof ptimeMs !== 'number' ||
    !Number.isInteger(ptimeMs) ||
    ptimeMs < GSM_MIN_PTIME_MS ||
    ptimeMs > GSM_MAX_PTIME_MS ||
    ptimeMs % GSM_FRAME_MS !== 0
  ) {
    throw new ConfigError(
      `GSM ${option} must be ${GSM_MIN_PTIME_MS}–${GSM_MAX_PTIME_MS} ms in steps of ${GSM_FRAME_MS} ms (whole 20 ms frames, RFC 3551 §4.5.8), got ${String(ptimeMs)}`,
    );
  }
  return ptimeMs / GSM_FRAME_MS;
}

/** Frames in a payload: its length / 33 when that is a whole number ≥ 1, else undefined. */
export function gsmFrameCount(payload: Uint8Array): number | undefined {
  const n = payload.length;
  if (n === 0 || n % GSM_FRAME_BYTES !== 0) return undefined;
  return n / GSM_FRAME_BYTES;
}

/**
 * Media duration of a payload in RTP clock units (160 per frame), or undefined when its length
 * is not a whole number of frames (the jitter buffer then guesses from the next packet).
 */
export function gsmPayloadDuration(payload: Uint8Array): number | undefined {
  const frames = gsmFrameCount(payload);
  return frames === undefined ? undefined : frames * GSM_FRAME_SAMPLES;
}

/** What `checkGsmPayload` found. */
export type GsmPayloadCheck = { readonly ok: true; readonly frames: number } | { readonly ok: false; readonly reason: string };

/**
 * Whether a payload can be decoded: a whole number of 33-octet frames, 1 … maxFrames of them,
 * each starting with the 0xD signature (a frame without it is not a GSM 06.10 frame: libgsm
 * refuses it, and a payload of random bytes fails this 15 times in 16 per frame).
 */
export function checkGsmPayload(payload: Uint8Array, maxFrames = GSM_MAX_FRAMES_PER_PACKET): GsmPayloadCheck {
  const n = payload.length;
  if (n === 0) return { ok: false, reason: 'empty payload' };
  if (n % GSM_FRAME_BYTES !== 0) return { ok: false, reason: `${n} octets is not a whole number of ${GSM_FRAME_BYTES}-octet frames` };
  const frames = n / GSM_FRAME_BYTES;
  if (frames > maxFrames) return { ok: false, reason: `${frames} frames, more than ${maxFrames}` };
  for (let i = 0; i < n; i += GSM_FRAME_BYTES) {
    if (payload[i]! >> 4 !== GSM_SIGNATURE) {
      return { ok: false, reason: `frame ${i / GSM_FRAME_BYTES} has signature 0x${(payload[i]! >> 4).toString(16)}, not 0x${GSM_SIGNATURE.toString(16)}` };
    }
  }
  return { ok: true, frames };
}

/** Frame `index` of a payload, as a view (no copy). RangeError when it is not there. */
export function gsmFrame(payload: Uint8Array, index: number): Uint8Array {
  const start = index * GSM_FRAME_BYTES;
  if (!Number.isInteger(index) || index < 0 || start + GSM_FRAME_BYTES > payload.length) {
    throw new RangeError(`gsmFrame: no frame ${index} in a payload of ${payload.length} octets`);
  }
  return payload.subarray(start, start + GSM_FRAME_BYTES);
}

/**
 * Concatenates whole frames into one payload (RFC 3551 §4.5.8: frames stacked oldest first).
 * Each must be 33 octets; RangeError otherwise. The encoder writes frames straight into its
 * packet instead; this is for tests and tools.
 */
export function packGsmFrames(frames: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.length * GSM_FRAME_BYTES);
  frames.forEach((f, i) => {
    if (f.length !== GSM_FRAME_BYTES) throw new RangeError(`packGsmFrames: frame ${i} has ${f.length} octets, not ${GSM_FRAME_BYTES}`);
    out.set(f, i * GSM_FRAME_BYTES);
  });
  return out;
}

/** Bit widths of the 76 parameters after the signature, in transmission order (RFC 3551 §4.5.8.1). */
const LARC_BITS = [6, 6, 5, 5, 4, 4, 3, 3] as const;
const SUBFRAME_BITS = [7, 2, 2, 6, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3] as const;

/** The parameters of one frame (GSM 06.10 §4.2; RFC 3551 §4.5.8.1 names). */
export interface GsmFrameParameters {
  /** Log-area ratios, coded (8 values). */
  LARc: number[];
  /** Per sub-frame (4): LTP lag Nc, LTP gain bc, RPE grid position Mc, block amplitude xmaxc, RPE pulses xMc (13). */
  subframes: { Nc: number; bc: number; Mc: number; xmaxc: number; xMc: number[] }[];
}

/**
 * Unpacks one 33-octet frame into its parameters (MSB first, RFC 3551 §4.5.8.1), as libgsm's
 * gsm_explode does; for tests and analysis tools, not the decoding path. RangeError when the
 * frame is not 33 octets or lacks the signature.
 */
export function unpackGsmFrame(frame: Uint8Array): GsmFrameParameters {
  if (frame.length !== GSM_FRAME_BYTES) throw new RangeError(`unpackGsmFrame: ${frame.length} octets, not ${GSM_FRAME_BYTES}`);
  if (frame[0]! >> 4 !== GSM_SIGNATURE) throw new RangeError(`unpackGsmFrame: signature 0x${(frame[0]! >> 4).toString(16)}, not 0xd`);
  let bit = 4;
  const read = (width: number): number => {
    let v = 0;
    for (let i = 0; i < width; i++, bit++) v = (v << 1) | ((frame[bit >> 3]! >> (7 - (bit & 7))) & 1);
    return v;
  };
  const LARc = LARC_BITS.map((w) => read(w));
  const subframes: GsmFrameParameters['subframes'] = [];
  for (let s = 0; s < 4; s++) {
    const v = SUBFRAME_BITS.map((w) => read(w));
    subframes.push({ Nc: v[0]!, bc: v[1]!, Mc: v[2]!, xmaxc: v[3]!, xMc: v.slice(4) });
  }
  return { LARc, subframes };
}

// ---------------------------------------------------------------------------------------------
// Level estimate from the coded parameters (for the jitter buffer's "quiet packet" hint)
// ---------------------------------------------------------------------------------------------

/** GSM 06.10 Table 4.1: LAR quantiser LARc = round(A·LAR + B), sent as LARc − MIC (unsigned). */
const LAR_A = [20, 20, 20, 20, 13.637, 15, 8.334, 8.824] as const;
const LAR_B = [0, 0, 4, -5, 0.184, -3.5, -0.666, -2.235] as const;
const LAR_MIC = [-32, -32, -16, -16, -8, -8, -4, -4] as const;

/**
 * (1 − r²) for every coded value of every LAR, r the reflection coefficient it stands for:
 * LAR = (LARc + MIC − B) / A (GSM 06.10 §4.2.8, decoding of the coded LARs), then r as §4.2.9.2
 * computes it, the inverse of §4.2.6's piecewise-linear map (|LAR| < 0.675: r = LAR; < 1.225:
 * 0.5|LAR| + 0.3375; else 0.125|LAR| + 0.796875), kept below 1. Their product over the 8 coefficients is the short-term
 * predictor's residual-to-signal energy ratio (the inverse of its prediction gain).
 */
const ONE_MINUS_R2: readonly Float64Array[] = LARC_BITS.map((bits, i) => {
  const t = new Float64Array(1 << bits);
  for (let c = 0; c < t.length; c++) {
    const lar = Math.abs((c + LAR_MIC[i]! - LAR_B[i]!) / LAR_A[i]!);
    const r = Math.min(0.9999, lar < 0.675 ? lar : lar < 1.225 ? 0.5 * lar + 0.3375 : 0.125 * lar + 0.796875);
    t[c] = 1 - r * r;
  }
  return t;
});

/**
 * xmax², the squared RPE block maximum each xmaxc stands for (the middle of its interval, from
 * the quantiser of GSM 06.10 §4.2.15: xmaxc = xmax >> 5 below 16, else exponent e = (xmaxc >> 3)
 * − 1 and xmax ≈ (xmaxc − 8e) << (e + 5)).
 */
const XMAX2 = Float64Array.from({ length: 64 }, (_, x) => {
  const xmax = x < 16 ? (x + 0.5) * 32 : ((x & 7) + 8.5) * 2 ** ((x >> 3) + 4);
  return xmax * xmax;
});

/** 1 / (1 − b) for the LTP gains b of GSM 06.10 Table 4.3b (0.10, 0.35, 0.65, 1.00; capped at 10). */
const LTP_BOOST = [1 / 0.9, 1 / 0.65, 1 / 0.35, 10] as const;

/**
 * Frames whose estimated level is below this are quiet. Calibrated against the G.711 rule of
 * codecs/builtin.ts (mean |x| < 50, ≈ −56 dBFS) on the 14 speech, music and noise files of the
 * shared material (ms2/sounds) at 8 kHz, at their level and 12 dB down (≈ 21 700 frames): every
 * frame this calls quiet had a mean |x| ≤ 75 (≈ −53 dBFS), and it finds 30–93 % (mostly over
 * half) of the frames the level rule calls quiet in speech; in music and white noise, none.
 */
const QUIET_LEVEL = 10 ** 2.9;

/** The estimated level of one frame at byte offset `at` (no checks: the caller verified it). */
function frameLevel(p: Uint8Array, at: number): number {
  const field = (bit: number, width: number): number => {
    // A field spans at most 2 octets (widths ≤ 7): read 16 bits and cut.
    const o = at + (bit >> 3);
    const w16 = (p[o]! << 8) | (o + 1 < at + GSM_FRAME_BYTES ? p[o + 1]! : 0);
    return (w16 >> (16 - (bit & 7) - width)) & ((1 << width) - 1);
  };
  let residual = 1;
  let bit = 4;
  for (let i = 0; i < 8; i++) {
    residual *= ONE_MINUS_R2[i]![field(bit, LARC_BITS[i]!)]!;
    bit += LARC_BITS[i]!;
  }
  let e = 0;
  for (let s = 0; s < 4; s++, bit += 56) {
    // Sub-frame fields: Nc (7), bc (2), Mc (2), xmaxc (6), then 13 × 3 pulses.
    const v = XMAX2[field(bit + 11, 6)]! * LTP_BOOST[field(bit + 7, 2)]!;
    if (v > e) e = v;
  }
  return e / residual;
}

/**
 * Whether a payload carries quiet audio (a pause), judged from its coded parameters without
 * decoding: the excitation's block maxima (xmaxc), boosted by the long-term predictor's gain
 * (bc) and by the short-term predictor's gain (from the LARc), for every frame. Conservative:
 * false for anything not a valid payload, and for frames it is unsure of (see QUIET_LEVEL).
 */
export function gsmPayloadIsQuiet(payload: Uint8Array): boolean {
  const n = payload.length;
  if (n === 0 || n % GSM_FRAME_BYTES !== 0) return false;
  for (let at = 0; at < n; at += GSM_FRAME_BYTES) {
    if (payload[at]! >> 4 !== GSM_SIGNATURE) return false;
    if (frameLevel(payload, at) >= QUIET_LEVEL) return false;
  }
  return true;
}
