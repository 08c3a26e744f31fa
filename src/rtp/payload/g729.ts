/**
 * G.729 RTP payload format (RFC 3551 §4.5.6) and its SDP fmtp (RFC 4856 §2.1.9 / RFC 3555 §4.1.10),
 * as pure functions over bytes (no codec here: codecs/g729.ts pairs them with libbcg729).
 *
 * RFC 3551 §4.5.6: "A G729 RTP packet may consist of zero or more G.729 or G.729 Annex A frames,
 * followed by zero or one G.729 Annex B frames." A speech frame is 10 ms (80 samples at 8 kHz)
 * in 10 octets; the Annex B SID (comfort-noise update) frame is 2 octets and can only come last.
 * So a payload's length L is valid when L mod 10 is 0 or 2 (and L > 0), and it carries
 * floor(L / 10) speech frames plus one SID when L mod 10 = 2. The RTP clock is 8000 Hz and every
 * frame, SID included, stands for 80 samples (the decoder synthesises comfort noise for it).
 *
 * fmtp `annexb` (RFC 4856 §2.1.9, formerly RFC 3555 §4.1.10): "yes" or "no"; absent means yes.
 * It says whether Annex B (VAD / DTX / CNG) is used: the encoder turns its VAD on, so it sends
 * SID frames and nothing at all in pauses. Any G.729 decoder must accept SID frames anyway.
 */
import { ConfigError } from '../../core/errors.js';
import { logger } from '../../core/log.js';

/** RTP clock rate (RFC 3551 Table 4). */
export const G729_CLOCK_RATE = 8000;
/** Samples per G.729 frame (10 ms at 8 kHz). */
export const G729_FRAME_SAMPLES = 80;
/** Octets of a G.729 / G.729A speech frame (80 bits, ITU-T G.729 Table 8). */
export const G729_FRAME_BYTES = 10;
/** Octets of a G.729 Annex B SID frame (15 bits padded, ITU-T G.729 Annex B Table B.2). */
export const G729_SID_BYTES = 2;
/**
 * Most frames we accept in one payload: 1 s of audio. RFC 3551 sets no ceiling; a payload longer
 * than any ptime in use is garbage rather than audio, and bounding it bounds the decoder's work
 * per packet.
 */
export const G729_MAX_FRAMES_PER_PAYLOAD = 100;

/** What a G.729 payload holds. */
export interface G729PayloadInfo {
  /** 10-octet speech frames, first in the payload. */
  speechFrames: number;
  /** Whether a 2-octet SID frame ends the payload. */
  sid: boolean;
}

/**
 * The frame layout of a payload, or undefined when its length fits no valid payload
 * (empty, L mod 10 not in {0, 2}, or more than G729_MAX_FRAMES_PER_PAYLOAD frames).
 */
export function parseG729Payload(payload: Uint8Array): G729PayloadInfo | undefined {
  const len = payload.length;
  if (len === 0) return undefined;
  const rem = len % G729_FRAME_BYTES;
  if (rem !== 0 && rem !== G729_SID_BYTES) return undefined;
  const speechFrames = (len - rem) / G729_FRAME_BYTES;
  const sid = rem === G729_SID_BYTES;
  if (speechFrames + (sid ? 1 : 0) > G729_MAX_FRAMES_PER_PAYLOAD) return undefined;
  return { speechFrames, sid };
}

/** Media duration of a payload in 8 kHz clock units (80 per frame, SID included), or undefined if invalid. */
export function g729PayloadDuration(payload: Uint8Array): number | undefined {
  const p = parseG729Payload(payload);
  return p === undefined ? undefined : (p.speechFrames + (p.sid ? 1 : 0)) * G729_FRAME_SAMPLES;
}

/** A payload that is a lone SID frame: comfort noise, i.e. the sender is in a pause. */
export function isG729SidOnly(payload: Uint8Array): boolean {
  return payload.length === G729_SID_BYTES;
}

/** The fmtp parameters of G.729 that mediaweave acts on. */
export interface G729Fmtp {
  /** Annex B (VAD/DTX/CNG) on; RFC 4856: "yes" is implied when absent. */
  annexb: boolean;
}

let log: ReturnType<typeof logger> | undefined;

/**
 * Parses G.729 fmtp parameters (SDP `a=fmtp` name → value). `annexb` is yes/no (case-insensitive,
 * as SDP tokens are compared case-insensitively in practice); anything else is a ConfigError
 * naming the parameter. Unknown parameters are ignored with a debug log.
 */
export function parseG729Fmtp(fmtp: Readonly<Record<string, string>> | undefined): G729Fmtp {
  const out: G729Fmtp = { annexb: true };
  if (!fmtp) return out;
  for (const [rawName, rawValue] of Object.entries(fmtp)) {
    const name = rawName.trim().toLowerCase();
    const value = String(rawValue).trim().toLowerCase();
    if (name === 'annexb') {
      if (value === 'yes') out.annexb = true;
      else if (value === 'no') out.annexb = false;
      else throw new ConfigError(`G.729 fmtp annexb must be "yes" or "no" (RFC 4856 §2.1.9), got "${rawValue}"`);
    } else {
      (log ??= logger('g729')).debug({ parameter: rawName, value: rawValue }, 'unknown G.729 fmtp parameter ignored');
    }
  }
  return out;
}
