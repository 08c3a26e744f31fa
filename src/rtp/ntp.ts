/**
 * NTP timestamps as RTCP uses them (RFC 3550 §4): 64-bit fixed point, seconds since
 * 1900-01-01 in the high 32 bits and the fraction of a second in the low 32 bits; and the
 * "compact" middle 32 bits (16.16 fixed point) used by LSR/DLSR (RFC 3550 §6.4.1), XR DLRR
 * (RFC 3611 §4.5) and RFC 8888 report timestamps.
 */

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_S = 2208988800;

const TWO_32 = 0x100000000;

export interface NtpTimestamp {
  /** Seconds since 1900, modulo 2^32 (era 0 ends in 2036). */
  seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  fraction: number;
}

/** Unix time in milliseconds (e.g. `Date.now()` or a virtual clock) to NTP. */
export function ntpFromUnixMs(ms: number): NtpTimestamp {
  const totalS = Math.floor(ms / 1000);
  const fracMs = ms - totalS * 1000;
  let fraction = Math.round((fracMs / 1000) * TWO_32);
  let carry = 0;
  if (fraction >= TWO_32) {
    fraction -= TWO_32;
    carry = 1;
  }
  // Seconds wrap at 2^32 (NTP era 1 starts 2036-02-07); keep them unsigned 32-bit.
  const seconds = (((totalS + NTP_UNIX_OFFSET_S + carry) % TWO_32) + TWO_32) % TWO_32;
  return { seconds, fraction };
}

/**
 * NTP to Unix milliseconds. RFC 4330 §3 convention: a seconds value with the top bit clear is
 * taken as era 1 (2036–2104), so times within 1968–2104 map unambiguously.
 */
export function ntpToUnixMs(seconds: number, fraction: number): number {
  const s = seconds < 0x80000000 ? seconds + TWO_32 : seconds;
  return (s - NTP_UNIX_OFFSET_S) * 1000 + (fraction / TWO_32) * 1000;
}

/** The 64-bit timestamp as a bigint. */
export function ntpToBigInt(seconds: number, fraction: number): bigint {
  return (BigInt(seconds) << 32n) | BigInt(fraction);
}

/** A 64-bit timestamp bigint split into seconds and fraction. */
export function ntpFromBigInt(v: bigint): NtpTimestamp {
  const x = BigInt.asUintN(64, v);
  return { seconds: Number(x >> 32n), fraction: Number(x & 0xffffffffn) };
}

/** The middle 32 bits: low 16 bits of the seconds and high 16 bits of the fraction (RFC 3550 §6.4.1 LSR). */
export function ntpCompact(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** A compact (16.16) value or duration to milliseconds. */
export function compactNtpToMs(c: number): number {
  return ((c >>> 0) / 65536) * 1000;
}

/** A duration in milliseconds to compact 16.16 units (e.g. DLSR), rounded, clamped to 32 bits. */
export function msToCompactNtp(ms: number): number {
  const v = Math.round((ms / 1000) * 65536);
  return v <= 0 ? 0 : v >= TWO_32 ? 0xffffffff : v;
}

/**
 * Round-trip time from a report block (RFC 3550 §6.4.1): A − LSR − DLSR, all in compact units,
 * where A is the compact NTP time the report arrived. Returns milliseconds, or undefined when
 * the report carries no LSR (0: no SR received yet) or the result is negative (clock error).
 */
export function rttMsFromReport(arrivalCompact: number, lsr: number, dlsr: number): number | undefined {
  if (lsr === 0) return undefined;
  const rtt = ((arrivalCompact >>> 0) - (lsr >>> 0) - (dlsr >>> 0)) | 0;
  if (rtt < 0) return undefined;
  return compactNtpToMs(rtt);
}
