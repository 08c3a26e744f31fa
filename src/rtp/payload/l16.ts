/**
 * The L16 RTP payload format (RFC 3551 §4.5.11): pure functions.
 *
 * - "L16 denotes uncompressed audio data samples, using 16-bit signed representation with 65,535
 *   equally divided steps between minimum and maximum signal level, ranging from −32,768 to
 *   32,767. The value is represented in two's complement notation and transmitted in network
 *   byte order (most significant byte first)." Any rate and channel count may be signalled
 *   (a=rtpmap:96 L16/16000/2); PT 10 is L16/44100/2 and PT 11 L16/44100/1 (RFC 3551 Table 4).
 * - Channels are interleaved sample by sample in the order of RFC 3551 §4.1 (for two: left,
 *   right), so a packet holds a whole number of sample frames: 2 × channels octets each. The RTP
 *   clock is the sampling rate; a packet's duration is its sample frames.
 * - L16 is sample-based (RFC 3551 §4.3): any number of samples per packet; the default
 *   packetisation is 20 ms (§4.2). At 32–48 kHz a 20 ms packet is 1280–3840 octets, so
 *   `l16DefaultPtimeMs` takes 10 ms where 20 ms would not fit {@link L16_MTU_PAYLOAD} octets
 *   (mono 44.1/48 kHz and stereo 32 kHz then fit; stereo 44.1/48 kHz at 10 ms, 1764/1920 octets,
 *   is still fragmented by IP on a 1500-octet link). It goes no lower than 10 ms, one tick: 5 ms
 *   packets leave two per tick, back to back, which the receiver sees as 5 ms of interarrival
 *   jitter; measured on loopback between two mediaweave processes, L16/48000/2 scored 0.59–0.99
 *   speech similarity with 5 ms packets (its adaptive jitter buffer grew to 320 ms and concealed
 *   0.5 s) against 0.998 with 10 ms ones.
 *
 * Byte order. On a little-endian host (x86, ARM as Node runs them) the samples are byte-swapped
 * through a Uint16Array view when the buffer is 2-byte aligned (one load, a shift-or, one store
 * per sample), or byte by byte when it is not (an RTP payload starts at an even offset of the
 * packet, but a Uint8Array handed in may start anywhere). bench/gsm.ts measures both.
 */
import { ConfigError } from '../../core/errors.js';

/** True on a little-endian host (then wire order ≠ memory order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Payload octets that fit one IPv4/UDP/RTP packet in a 1500-octet Ethernet MTU with room for
 * an RTP header extension or SRTP tag: 1500 − 20 (IP) − 8 (UDP) − 12 (RTP) − 60 = 1400 (close
 * to GStreamer's payloaders, whose default mtu=1400 includes the RTP header: rtpL16pay sends
 * 1388-octet payloads).
 */
export const L16_MTU_PAYLOAD = 1400;
/** ptime range the encoder accepts, whole ms. */
export const L16_MIN_PTIME_MS = 1;
export const L16_MAX_PTIME_MS = 120;
/** Largest UDP payload minus the RTP header: no L16 packet may be longer. */
export const L16_MAX_PAYLOAD = 65507 - 12;

/** Octets per sample frame (one sample of each channel). */
export function l16FrameBytes(channels: number): number {
  return 2 * channels;
}

/** Sample frames in a packet of `ptimeMs` at `rate` (rounded: at 44.1 kHz 5 ms is 221 frames, 220.5 exactly). */
export function l16SamplesPerPacket(rate: number, ptimeMs: number): number {
  return Math.max(1, Math.round((rate * ptimeMs) / 1000));
}

/**
 * The default packet duration for a rate and channel count: 20 ms (RFC 3551 §4.2) when that
 * fits {@link L16_MTU_PAYLOAD} octets, else 10 ms (one tick; see the module comment).
 */
export function l16DefaultPtimeMs(rate: number, channels: number): number {
  return l16SamplesPerPacket(rate, 20) * l16FrameBytes(channels) <= L16_MTU_PAYLOAD ? 20 : 10;
}

/**
 * Checks a packet duration: whole ms, 1–120, and a payload no longer than a UDP datagram holds.
 * Throws ConfigError naming `option` and the accepted range.
 */
export function checkL16Ptime(rate: number, channels: number, ptimeMs: number, option = 'ptimeMs'): number {
  if (typeof ptimeMs !== 'number' || !Number.isInteger(ptimeMs) || ptimeMs < L16_MIN_PTIME_MS || ptimeMs > L16_MAX_PTIME_MS) {
    throw new ConfigError(`L16 ${option} must be a whole number of ms, ${L16_MIN_PTIME_MS}–${L16_MAX_PTIME_MS}, got ${String(ptimeMs)}`);
  }
  const bytes = l16SamplesPerPacket(rate, ptimeMs) * l16FrameBytes(channels);
  if (bytes > L16_MAX_PAYLOAD) {
    const maxMs = Math.floor((L16_MAX_PAYLOAD / l16FrameBytes(channels) / rate) * 1000);
    throw new ConfigError(`L16 ${option} ${ptimeMs} ms makes ${bytes}-octet payloads at ${rate} Hz × ${channels} channels; at most ${maxMs} ms fits a UDP datagram`);
  }
  return ptimeMs;
}

/**
 * Writes `samples` (host Int16, interleaved) into `out` in network byte order; `out` defaults to
 * a new buffer and must hold 2 × samples.length octets. Returns `out` (the part written).
 */
export function l16Encode(samples: Int16Array, out: Uint8Array = new Uint8Array(samples.length * 2)): Uint8Array {
  const n = samples.length;
  if (out.length < 2 * n) throw new RangeError(`l16Encode: output holds ${out.length} octets, ${2 * n} needed`);
  if (!LITTLE_ENDIAN) {
    out.set(new Uint8Array(samples.buffer, samples.byteOffset, 2 * n));
  } else if ((out.byteOffset & 1) === 0) {
    const o = new Uint16Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const s = samples[i]!;
      o[i] = ((s & 0xff) << 8) | ((s >> 8) & 0xff);
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      const s = samples[i]!;
      out[j] = s >> 8;
      out[j + 1] = s;
    }
  }
  return out.length === 2 * n ? out : out.subarray(0, 2 * n);
}

/**
 * Reads a payload (network byte order) into host Int16 samples; `out` defaults to a new array
 * and must hold payload.length / 2 samples. An odd trailing octet is ignored (callers check the
 * length first: {@link checkL16Payload}). Returns `out` (the part written).
 */
export function l16Decode(payload: Uint8Array, out: Int16Array = new Int16Array(payload.length >> 1)): Int16Array {
  const n = payload.length >> 1;
  if (out.length < n) throw new RangeError(`l16Decode: output holds ${out.length} samples, ${n} needed`);
  if (!LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, 2 * n).set(payload.subarray(0, 2 * n));
  } else if ((payload.byteOffset & 1) === 0) {
    const p = new Uint16Array(payload.buffer, payload.byteOffset, n);
    // Storing the swapped 16-bit pattern into an Int16Array reinterprets it as two's complement.
    for (let i = 0; i < n; i++) {
      const v = p[i]!;
      out[i] = (v << 8) | (v >> 8);
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (payload[j]! << 8) | payload[j + 1]!;
  }
  return out.length === n ? out : out.subarray(0, n);
}

/** What `checkL16Payload` found. */
export type L16PayloadCheck = { readonly ok: true; readonly frames: number } | { readonly ok: false; readonly reason: string };

/** Whether a payload holds a whole number (≥ 1) of sample frames of `channels` channels. */
export function checkL16Payload(payload: Uint8Array, channels: number): L16PayloadCheck {
  const fb = l16FrameBytes(channels);
  const n = payload.length;
  if (n === 0) return { ok: false, reason: 'empty payload' };
  if (n % fb !== 0) return { ok: false, reason: `${n} octets is not a whole number of ${fb}-octet sample frames (${channels} channel(s) × 16 bits)` };
  return { ok: true, frames: n / fb };
}

/** Duration of a payload in clock units (= sample frames), or undefined when it is not whole frames. */
export function l16PayloadDuration(payload: Uint8Array, channels: number): number | undefined {
  const c = checkL16Payload(payload, channels);
  return c.ok ? c.frames : undefined;
}

/** Mean absolute sample value of a payload (all channels), read in network order. 0 when empty. */
export function l16MeanAbs(payload: Uint8Array): number {
  const n = payload.length >> 1;
  if (n === 0) return 0;
  let sum = 0;
  for (let j = 0; j < 2 * n; j += 2) {
    const v = ((payload[j]! << 24) >> 16) | payload[j + 1]!; // sign-extended high byte, then low byte
    sum += v < 0 ? -v : v;
  }
  return sum / n;
}
