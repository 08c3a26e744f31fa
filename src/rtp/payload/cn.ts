/**
 * RTP payload for Comfort Noise (RFC 3389), pure functions.
 *
 * A CN payload — a Silence Insertion Descriptor (SID) — is one octet of noise level followed by
 * zero or more quantised reflection coefficients (RFC 3389 §3):
 * - Level (§3.1): bits 0–6 hold the noise level in −dBov, 0 … 127; the MSB is 0. dBov is
 *   relative to the overload point of the system: 0 dBov is a full-scale square wave. With
 *   16-bit linear PCM that is an RMS of 32767, so a noise of RMS r has level
 *   round(−20·log10(r / 32767)), clamped to 0 … 127 (digital silence → 127).
 * - Spectrum (§3.2): M octets for an all-pole model of order M (M is the payload length − 1,
 *   unspecified by the RFC; G.711 Appendix II uses 10). Each reflection coefficient k ∈ (−1, 1)
 *   is quantised linearly to N = round(128·k) + 127, clamped to 0 … 254; the receiver takes
 *   k = (N − 127) / 128. Sign convention: the synthesis filter is 1 / A(z) with
 *   A(z) = 1 + Σ a_i z^−i built from k by the step-up recursion (a_m = k_m), so k1 = −r1/r0 for
 *   a signal with normalised autocorrelation r1/r0 — the convention of ffmpeg's and WebRTC's CN
 *   codecs, so our SIDs shape their noise the same way.
 * A receiver may ignore the coefficients (level-only decoders of RFC 1890 drafts are compatible)
 * or use fewer of them.
 *
 * Payload type 13 is static for CN at 8000 Hz (RFC 3551 §6); a codec at another clock rate uses a
 * dynamic payload type "CN/<rate>" of its rate (RFC 3389 §5).
 */

/** RFC 3551 static payload type of CN/8000. */
export const CN_PAYLOAD_TYPE = 13;
/** Clock rate of PT 13. */
export const CN_CLOCK_RATE = 8000;
/** Largest level value: −127 dBov. */
export const CN_MAX_LEVEL = 127;
/** RMS of 0 dBov for 16-bit linear PCM (a full-scale square wave). */
export const DBOV_REFERENCE_RMS = 32767;
/**
 * Longest model accepted from a peer. The RFC leaves the order open; anything beyond this is
 * ignored (a decoder may drop higher orders, §3), which bounds the decoder's work per sample.
 */
export const CN_MAX_ORDER = 32;

/** A decoded SID. */
export interface CnParameters {
  /** Noise level in −dBov: 0 (loudest) … 127. */
  level: number;
  /** Reflection coefficients k1 … kM, each in [−127/128, 127/128]; empty for a level-only SID. */
  reflection: Float64Array;
}

/** Noise level (−dBov) of a signal with this RMS (16-bit scale). */
export function rmsToLevel(rms: number): number {
  if (!(rms > 0)) return CN_MAX_LEVEL;
  const l = Math.round(-20 * Math.log10(rms / DBOV_REFERENCE_RMS)) || 0; // || 0: no −0
  return l < 0 ? 0 : l > CN_MAX_LEVEL ? CN_MAX_LEVEL : l;
}

/** RMS (16-bit scale) of a noise at this level (−dBov). */
export function levelToRms(level: number): number {
  return DBOV_REFERENCE_RMS * 10 ** (-level / 20);
}

/** One reflection coefficient to its octet (RFC 3389 §3.2). */
export function quantizeReflection(k: number): number {
  const n = Math.round(128 * k) + 127;
  return n < 0 ? 0 : n > 254 ? 254 : n;
}

/** One octet to its reflection coefficient. 255 (never sent) reads as 127/128 too. */
export function dequantizeReflection(n: number): number {
  return (Math.min(n, 254) - 127) / 128;
}

/**
 * Writes a SID: the level (clamped and rounded to 0 … 127) and, when given, the reflection
 * coefficients quantised. `out` (optional) must hold 1 + reflection.length octets.
 */
export function writeCnPayload(level: number, reflection: ArrayLike<number> = [], out?: Uint8Array): Uint8Array {
  const n = 1 + reflection.length;
  const dst = out ?? new Uint8Array(n);
  if (dst.length < n) throw new RangeError(`CN payload needs ${n} octets, buffer holds ${dst.length}`);
  const l = Math.round(level);
  dst[0] = Number.isFinite(l) ? (l < 0 ? 0 : l > CN_MAX_LEVEL ? CN_MAX_LEVEL : l) : CN_MAX_LEVEL;
  for (let i = 0; i < reflection.length; i++) dst[1 + i] = quantizeReflection(reflection[i]!);
  return dst.length === n ? dst : dst.subarray(0, n);
}

/**
 * Reads a SID; undefined for an empty payload (nothing to read). The MSB of the level octet is
 * ignored (it is reserved, "always set to 0", §3.1). Coefficients beyond CN_MAX_ORDER are dropped.
 */
export function parseCnPayload(payload: Uint8Array): CnParameters | undefined {
  if (payload.length === 0) return undefined;
  const m = Math.min(payload.length - 1, CN_MAX_ORDER);
  const reflection = new Float64Array(m);
  for (let i = 0; i < m; i++) reflection[i] = dequantizeReflection(payload[1 + i]!);
  return { level: payload[0]! & 0x7f, reflection };
}
