/**
 * The iLBC RTP payload format (RFC 3952): pure functions, no codec.
 *
 * - Two frame modes (RFC 3951 §1): 20 ms frames of 38 octets (15.2 kbit/s) and 30 ms frames of
 *   50 octets (13.33 kbit/s). The RTP clock is 8000 Hz.
 * - A payload is one or more whole frames of the same mode, concatenated, oldest first, with no
 *   header (RFC 3952 §3); the receiver counts frames from the length.
 * - The mode is signalled by the fmtp parameter `mode=20` or `mode=30` (RFC 3952 §5); when it is
 *   absent, 30 ms is meant (§5: "If 'mode' is not present, the default value of 30 ms is used").
 * - The packet time must be a whole number of frames (RFC 3952 §5: ptime a multiple of 20 or 30).
 */
import { ConfigError } from '../../core/errors.js';

export type IlbcFrameMode = 20 | 30;

export const ILBC_CLOCK_RATE = 8000;
/** Octets per frame by mode. */
export const ILBC_FRAME_BYTES: Readonly<Record<IlbcFrameMode, number>> = { 20: 38, 30: 50 };
/** Samples per frame by mode. */
export const ILBC_FRAME_SAMPLES: Readonly<Record<IlbcFrameMode, number>> = { 20: 160, 30: 240 };
/** RFC 3952 §5 default mode. */
export const ILBC_DEFAULT_MODE: IlbcFrameMode = 30;
/** Longest packet we send or decode: 240 ms (12 frames of 20 ms, 8 of 30 ms). */
export const ILBC_MAX_PTIME_MS = 240;

/**
 * The mode an fmtp map asks for (RFC 3952 §5): `mode` 20 or 30, default 30. Throws ConfigError
 * naming the parameter and the accepted values for anything else. Other parameters are left to
 * the caller (returned in `unknown` so it can log them).
 */
export function parseIlbcFmtp(fmtp: Readonly<Record<string, string>> | undefined): { mode: IlbcFrameMode; unknown: string[] } {
  let mode: IlbcFrameMode = ILBC_DEFAULT_MODE;
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(fmtp ?? {})) {
    if (name.toLowerCase() !== 'mode') {
      unknown.push(name);
      continue;
    }
    const v = value.trim();
    if (v === '20') mode = 20;
    else if (v === '30') mode = 30;
    else throw new ConfigError(`iLBC fmtp parameter mode must be 20 or 30 (RFC 3952 §5), got ${JSON.stringify(value)}`);
  }
  return { mode, unknown };
}

/** fmtp to offer for a mode. */
export function formatIlbcFmtp(mode: IlbcFrameMode): Record<string, string> {
  return { mode: String(mode) };
}

/** Frames per packet for a ptime: a whole number of frames of the mode, up to 240 ms. */
export function ilbcFramesPerPacket(mode: IlbcFrameMode, ptimeMs: number, option = 'ptimeMs'): number {
  if (typeof ptimeMs !== 'number' || !Number.isInteger(ptimeMs) || ptimeMs < mode || ptimeMs > ILBC_MAX_PTIME_MS || ptimeMs % mode !== 0) {
    throw new ConfigError(
      `iLBC ${option} must be a multiple of the ${mode} ms frame between ${mode} and ${ILBC_MAX_PTIME_MS} ms (RFC 3952 §5), got ${String(ptimeMs)}`,
    );
  }
  return ptimeMs / mode;
}

/**
 * The mode and frame count of a payload: its length must be a whole number of frames. A length
 * that fits both modes (a multiple of 950 octets) is resolved by `preferred` (default 30).
 */
export function ilbcPayloadFrames(payload: Uint8Array, preferred: IlbcFrameMode = ILBC_DEFAULT_MODE): { mode: IlbcFrameMode; frames: number } | undefined {
  const n = payload.length;
  if (n === 0) return undefined;
  const fits20 = n % 38 === 0;
  const fits30 = n % 50 === 0;
  if (fits20 && fits30) return { mode: preferred, frames: n / ILBC_FRAME_BYTES[preferred] };
  if (fits30) return { mode: 30, frames: n / 50 };
  if (fits20) return { mode: 20, frames: n / 38 };
  return undefined;
}

/** Media duration of a payload in RTP clock units, from its length (multiple of 38 or 50), or undefined. */
export function ilbcPayloadDuration(payload: Uint8Array): number | undefined {
  const f = ilbcPayloadFrames(payload);
  return f === undefined ? undefined : f.frames * ILBC_FRAME_SAMPLES[f.mode];
}

/** Splits a payload into its frames (views, no copy); undefined when the length is not whole frames of `mode`. */
export function splitIlbcPayload(payload: Uint8Array, mode: IlbcFrameMode): Uint8Array[] | undefined {
  const size = ILBC_FRAME_BYTES[mode];
  if (payload.length === 0 || payload.length % size !== 0) return undefined;
  const out: Uint8Array[] = [];
  for (let o = 0; o < payload.length; o += size) out.push(payload.subarray(o, o + size));
  return out;
}
