/**
 * The Opus RTP payload format (RFC 7587) as pure functions: the payload is exactly one Opus packet
 * (RFC 7587 §4.2), so this is the packet's own framing (RFC 6716 §3: the TOC byte, frame
 * packing codes 0–3, padding), a peek at the first range-coded bits of each frame (voice
 * activity and FEC flags, RFC 6716 §4.2.3) and the media-type parameters of the SDP `a=fmtp`
 * line (RFC 7587 §6.1, §7).
 *
 * Nothing here calls libopus: the jitter buffer asks for durations and "is this a pause?" on
 * every packet it receives, and the decoder validates a payload before handing it to C, so these
 * are cheap byte reads. The checks are RFC 6716 §3.4's requirements R1–R7, the same ones
 * libopus's opus_packet_parse applies (the unit test compares both on random bytes).
 *
 * RTP timestamps: always a 48 kHz clock whatever the coded bandwidth (RFC 7587 §4.1), so all
 * durations here are in 48 kHz samples.
 */
import { ConfigError } from '../../core/errors.js';
import { logger } from '../../core/log.js';

/** RTP clock rate of Opus, whatever the audio bandwidth (RFC 7587 §4.1). */
export const OPUS_RTP_CLOCK_RATE = 48000;
/** Channels in the SDP rtpmap, always 2 (RFC 7587 §7: "opus/48000/2"), whatever is sent. */
export const OPUS_SDP_CHANNELS = 2;
/** Longest Opus frame, bytes (RFC 6716 §3.2.1, R2). */
export const OPUS_MAX_FRAME_BYTES = 1275;
/** Longest packet, 48 kHz samples: 120 ms (RFC 6716 §3.2.5, R5). */
export const OPUS_MAX_PACKET_DURATION = 5760;

export type OpusMode = 'silk' | 'hybrid' | 'celt';
/** Audio bandwidths (RFC 6716 Table 1): NB 4 kHz, MB 6, WB 8, SWB 12, FB 20 kHz. */
export type OpusBandwidth = 'nb' | 'mb' | 'wb' | 'swb' | 'fb';

/** The TOC byte (RFC 6716 §3.1). */
export interface OpusToc {
  /** Configuration number 0–31 (Table 2): mode, bandwidth and frame size. */
  config: number;
  mode: OpusMode;
  bandwidth: OpusBandwidth;
  /** Duration of each frame in the packet, 48 kHz samples (120 = 2.5 ms … 2880 = 60 ms). */
  frameSamples: number;
  /** The `s` bit: the frames are coded in stereo. */
  stereo: boolean;
  /** Frame packing code `c`: 0 one frame, 1 two equal, 2 two different, 3 arbitrary count. */
  code: 0 | 1 | 2 | 3;
}

const SILK_SAMPLES = [480, 960, 1920, 2880];
const HYBRID_SAMPLES = [480, 960];
const CELT_SAMPLES = [120, 240, 480, 960];
const SILK_BW: OpusBandwidth[] = ['nb', 'mb', 'wb'];
const CELT_BW: OpusBandwidth[] = ['nb', 'wb', 'swb', 'fb'];

/** Decodes a TOC byte (RFC 6716 §3.1, Table 2). Every byte value is a valid TOC. */
export function parseOpusToc(toc: number): OpusToc {
  const config = (toc >> 3) & 31;
  const stereo = (toc & 4) !== 0;
  const code = (toc & 3) as 0 | 1 | 2 | 3;
  if (config < 12) return { config, mode: 'silk', bandwidth: SILK_BW[config >> 2]!, frameSamples: SILK_SAMPLES[config & 3]!, stereo, code };
  if (config < 16) return { config, mode: 'hybrid', bandwidth: config < 14 ? 'swb' : 'fb', frameSamples: HYBRID_SAMPLES[config & 1]!, stereo, code };
  return { config, mode: 'celt', bandwidth: CELT_BW[(config - 16) >> 2]!, frameSamples: CELT_SAMPLES[config & 3]!, stereo, code };
}

/** Duration of one frame for a TOC byte, 48 kHz samples. */
function frameSamplesOf(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return SILK_SAMPLES[config & 3]!;
  if (config < 16) return HYBRID_SAMPLES[config & 1]!;
  return CELT_SAMPLES[config & 3]!;
}

/** A parsed Opus packet: where each frame's bytes are. */
export interface OpusPacket {
  toc: OpusToc;
  /** Byte offset of each frame in the payload. */
  frameOffsets: number[];
  /** Byte length of each frame (0 = a DTX / lost frame: the decoder conceals it, RFC 6716 §3.2.1). */
  frameLengths: number[];
  /** Total duration, 48 kHz samples. */
  samples: number;
  /** Code 3 padding bytes (RFC 6716 §3.2.5), excluding the padding-length bytes. */
  padding: number;
}

/** Why a payload is not a valid Opus packet (RFC 6716 §3.4's requirement that fails). */
export interface OpusPacketError {
  error: string;
}

/**
 * A frame length (RFC 6716 §3.2.1): one byte 0–251, or 252–255 followed by a second byte
 * (length = 4 × second + first). Returns [length, bytes used] or undefined when truncated.
 */
function frameLength(p: Uint8Array, at: number, end: number): [number, number] | undefined {
  if (at >= end) return undefined;
  const b0 = p[at]!;
  if (b0 < 252) return [b0, 1];
  if (at + 1 >= end) return undefined;
  return [4 * p[at + 1]! + b0, 2];
}

/**
 * Parses and validates one Opus packet (RFC 6716 §3.2 packing, §3.4 requirements R1–R7).
 * Returns the frame layout, or `{ error }` naming the broken requirement. Pure: no allocation
 * beyond the result.
 */
export function parseOpusPacket(payload: Uint8Array): OpusPacket | OpusPacketError {
  const n = payload.length;
  // R1: at least one byte.
  if (n < 1) return { error: 'R1: empty payload (an Opus packet has at least its TOC byte)' };
  const tocByte = payload[0]!;
  const toc = parseOpusToc(tocByte);
  const fs = toc.frameSamples;
  const offsets: number[] = [];
  const lengths: number[] = [];
  let padding = 0;
  switch (toc.code) {
    case 0: {
      // R2: one frame of N−1 bytes, at most 1275.
      if (n - 1 > OPUS_MAX_FRAME_BYTES) return { error: `R2: code 0 frame of ${n - 1} bytes > ${OPUS_MAX_FRAME_BYTES}` };
      offsets.push(1);
      lengths.push(n - 1);
      break;
    }
    case 1: {
      // R3: two frames of equal size: N−1 even, each ≤ 1275.
      if ((n - 1) % 2 !== 0) return { error: `R3: code 1 with an odd ${n - 1} bytes for two equal frames` };
      const len = (n - 1) / 2;
      if (len > OPUS_MAX_FRAME_BYTES) return { error: `R3: code 1 frames of ${len} bytes > ${OPUS_MAX_FRAME_BYTES}` };
      offsets.push(1, 1 + len);
      lengths.push(len, len);
      break;
    }
    case 2: {
      // R4: the first frame's length fits in what is left; the second takes the rest (≤ 1275).
      const l = frameLength(payload, 1, n);
      if (!l) return { error: 'R4: code 2 packet truncated in the first frame length' };
      const [len1, used] = l;
      const start = 1 + used;
      if (len1 > n - start) return { error: `R4: code 2 first frame of ${len1} bytes > the ${n - start} left` };
      const len2 = n - start - len1;
      if (len1 > OPUS_MAX_FRAME_BYTES || len2 > OPUS_MAX_FRAME_BYTES) return { error: `R4: code 2 frame > ${OPUS_MAX_FRAME_BYTES} bytes` };
      offsets.push(start, start + len1);
      lengths.push(len1, len2);
      break;
    }
    case 3: {
      // R5: a frame count byte: v (VBR), p (padding), M frames, M ≥ 1, M × frame ≤ 120 ms.
      if (n < 2) return { error: 'R5: code 3 packet without its frame count byte' };
      const fc = payload[1]!;
      const vbr = (fc & 0x80) !== 0;
      const padded = (fc & 0x40) !== 0;
      const m = fc & 0x3f;
      if (m === 0) return { error: 'R5: code 3 with a frame count of 0' };
      if (m * fs > OPUS_MAX_PACKET_DURATION) return { error: `R5: code 3 with ${m} frames of ${fs / 48} ms > 120 ms` };
      let at = 2;
      let left = n - 2; // bytes for frame lengths and frames once padding is taken off
      if (padded) {
        // Padding length (RFC 6716 §3.2.5): bytes of 255 add 254 and continue, the last adds its value.
        for (;;) {
          if (at >= n) return { error: 'R6/R7: code 3 padding length runs past the payload' };
          const b = payload[at++]!;
          left--;
          const add = b === 255 ? 254 : b;
          padding += add;
          left -= add;
          if (b !== 255) break;
        }
        if (left < 0) return { error: `R6/R7: code 3 padding of ${padding} bytes > the payload` };
      }
      const dataEnd = at + left; // frames end here; padding follows
      if (!vbr) {
        // R6: CBR: what remains splits into M frames of equal size, each ≤ 1275.
        if (left % m !== 0) return { error: `R6: code 3 CBR with ${left} bytes for ${m} equal frames` };
        const len = left / m;
        if (len > OPUS_MAX_FRAME_BYTES) return { error: `R6: code 3 CBR frames of ${len} bytes > ${OPUS_MAX_FRAME_BYTES}` };
        for (let i = 0; i < m; i++) {
          offsets.push(at + i * len);
          lengths.push(len);
        }
      } else {
        // R7: VBR: M−1 frame lengths, then the frames; the last takes what remains (≤ 1275).
        let total = 0;
        for (let i = 0; i < m - 1; i++) {
          const l = frameLength(payload, at, dataEnd);
          if (!l) return { error: 'R7: code 3 VBR packet truncated in its frame lengths' };
          at += l[1];
          lengths.push(l[0]);
          if (l[0] > OPUS_MAX_FRAME_BYTES) return { error: `R7: code 3 VBR frame of ${l[0]} bytes > ${OPUS_MAX_FRAME_BYTES}` };
          total += l[0];
        }
        const last = dataEnd - at - total;
        if (last < 0) return { error: 'R7: code 3 VBR frame lengths exceed the payload' };
        if (last > OPUS_MAX_FRAME_BYTES) return { error: `R7: code 3 VBR last frame of ${last} bytes > ${OPUS_MAX_FRAME_BYTES}` };
        lengths.push(last);
        let o = at;
        for (let i = 0; i < m; i++) {
          offsets.push(o);
          o += lengths[i]!;
        }
      }
      break;
    }
  }
  return { toc, frameOffsets: offsets, frameLengths: lengths, samples: lengths.length * fs, padding };
}

export function isOpusPacketError(p: OpusPacket | OpusPacketError): p is OpusPacketError {
  return (p as OpusPacketError).error !== undefined;
}

/**
 * Duration of a payload in 48 kHz samples from its TOC and frame count (what
 * opus_packet_get_nb_samples computes), or undefined when the payload is not a valid packet.
 * For the jitter buffer (CodecDescriptor.payloadDuration): a few byte reads, no allocation.
 */
export function opusPayloadDuration(payload: Uint8Array): number | undefined {
  const n = payload.length;
  if (n < 1) return undefined;
  const toc = payload[0]!;
  const fs = frameSamplesOf(toc);
  switch (toc & 3) {
    case 0:
      return n - 1 <= OPUS_MAX_FRAME_BYTES ? fs : undefined;
    case 1:
      return (n - 1) % 2 === 0 && (n - 1) / 2 <= OPUS_MAX_FRAME_BYTES ? 2 * fs : undefined;
    case 2:
      return n >= 2 ? 2 * fs : undefined;
    default: {
      if (n < 2) return undefined;
      const m = payload[1]! & 0x3f;
      const d = m * fs;
      return m > 0 && d <= OPUS_MAX_PACKET_DURATION ? d : undefined;
    }
  }
}

// ───────────────────────────────────────────────────────── first bits of a frame (range coder) ──

/**
 * The first symbols of an Opus frame's range-coded data (RFC 6716 §4.1): just enough of the
 * range decoder (ec_dec_init, ec_dec_bit_logp, normalisation) to read the flags at the start
 * of a frame. Integers stay below 2^32, so plain JS numbers with * and % are exact.
 */
class RangeBits {
  #p: Uint8Array;
  #at: number;
  #end: number;
  #rng = 128;
  #val = 0;
  #rem = 0;
  constructor(p: Uint8Array, start: number, end: number) {
    this.#p = p;
    this.#at = start;
    this.#end = end;
    // RFC 6716 §4.1.1: rng = 128, val = 127 − (b0 >> 1), then normalise.
    this.#rem = this.#byte();
    this.#val = 127 - (this.#rem >> 1);
    this.#normalize();
  }
  #byte(): number {
    return this.#at < this.#end ? this.#p[this.#at++]! : 0;
  }
  #normalize(): void {
    // RFC 6716 §4.1.2.1: while rng ≤ 2^23, shift in the next byte (the top bit of each byte goes
    // into the previous symbol: the 7-bit offset of ec_dec_init).
    while (this.#rng <= 0x800000) {
      this.#rng *= 256;
      const prev = this.#rem;
      this.#rem = this.#byte();
      const sym = ((prev << 8) | this.#rem) >> 1;
      this.#val = (this.#val * 256 + (255 & ~sym)) % 0x80000000;
    }
  }
  /** ec_dec_bit_logp (RFC 6716 §4.1.3.2): a bit whose probability of being 1 is 1/2^logp. */
  bit(logp: number): boolean {
    const s = Math.floor(this.#rng / 2 ** logp);
    const one = this.#val < s;
    if (one) this.#rng = s;
    else {
      this.#val -= s;
      this.#rng -= s;
    }
    this.#normalize();
    return one;
  }
}

/** What the first bits of one frame say. */
export interface OpusFrameFlags {
  /**
   * SILK/hybrid: a VAD flag per SILK frame of the mid channel (1 for 10/20 ms, 2 for 40, 3 for
   * 60 ms; RFC 6716 §4.2.3). CELT: one entry, false when the frame is flagged silent (§4.3, the
   * silence symbol), true otherwise. An empty (DTX) frame: [false].
   */
  voiceActive: boolean[];
  /** SILK/hybrid: LBRR (in-band FEC for the previous frame) present in any channel (§4.2.4). */
  lbrr: boolean;
}

/** Flags at the start of frame `index` of a parsed packet. */
export function opusFrameFlags(payload: Uint8Array, packet: OpusPacket, index: number): OpusFrameFlags {
  const len = packet.frameLengths[index] ?? 0;
  if (len === 0) return { voiceActive: [false], lbrr: false };
  const start = packet.frameOffsets[index]!;
  const rd = new RangeBits(payload, start, start + len);
  const toc = packet.toc;
  if (toc.mode === 'celt') {
    // §4.3 / Table 56: the first symbol of a CELT frame is the silence flag (logp 15) when the
    // frame has more than one bit; a 1-byte frame has it too (tell 1 < 8 bits).
    return { voiceActive: [!rd.bit(15)], lbrr: false };
  }
  // §4.2.3: per channel (mid, then side when stereo), one VAD bit per SILK frame then one LBRR bit.
  const silkFrames = toc.frameSamples <= 960 ? 1 : toc.frameSamples / 960;
  const vad: boolean[] = [];
  let lbrr = false;
  for (let ch = 0; ch < (toc.stereo ? 2 : 1); ch++) {
    for (let i = 0; i < silkFrames; i++) {
      const v = rd.bit(1);
      if (ch === 0) vad.push(v);
    }
    if (rd.bit(1)) lbrr = true;
  }
  return { voiceActive: vad, lbrr };
}

/**
 * Whether a payload carries a pause (CodecDescriptor.isQuietPayload, for the jitter buffer to
 * shed delay there): every frame empty (DTX), or SILK/hybrid with every VAD flag clear, or CELT
 * flagged silent. Invalid payloads are not quiet (the decoder will count them).
 */
export function isOpusQuietPayload(payload: Uint8Array): boolean {
  const p = parseOpusPacket(payload);
  if (isOpusPacketError(p)) return false;
  for (let i = 0; i < p.frameLengths.length; i++) {
    const f = opusFrameFlags(payload, p, i);
    if (f.voiceActive.some((v) => v)) return false;
  }
  return true;
}

/**
 * Whether a payload's first frame carries in-band FEC (LBRR) for the frame before it (RFC 6716
 * §4.2.4; libopus decodes only the first frame's LBRR with decode_fec). CELT-only packets never do.
 */
export function opusPayloadHasFec(payload: Uint8Array): boolean {
  const p = parseOpusPacket(payload);
  if (isOpusPacketError(p) || p.toc.mode === 'celt' || p.frameLengths.length === 0) return false;
  return opusFrameFlags(payload, p, 0).lbrr;
}

/** libopus with DTX on emits packets of 1–2 bytes for frames it need not send (RFC 7587 §3.1.3). */
export function isOpusDtxPacket(length: number): boolean {
  return length <= 2;
}

// ──────────────────────────────────────────────────────────────────────────────── fmtp (SDP) ──

/** The media-type parameters of audio/opus (RFC 7587 §6.1), parsed. Absent = not given. */
export interface OpusFmtp {
  /** Receiver: highest output rate it renders, 8000–48000 Hz (default 48000). */
  maxplaybackrate?: number;
  /** Sender: highest input rate it is likely to capture, 8000–48000 Hz (default 48000). */
  spropMaxcapturerate?: number;
  /** Receiver: longest packet it wants, ms (3–120, default 120). */
  maxptime?: number;
  /** Receiver: shortest packet it wants, ms (3–120; WebRTC's `minptime`, not in RFC 7587). */
  minptime?: number;
  /** Receiver: preferred packet duration, ms (3–120, default 20). Usually `a=ptime`, sometimes in fmtp. */
  ptime?: number;
  /** Receiver: highest average bitrate it accepts, 6000–510000 bit/s. */
  maxaveragebitrate?: number;
  /** Receiver prefers stereo (1) or mono (0, the default). */
  stereo?: 0 | 1;
  /** Sender is likely to send stereo (1) or mono (0, the default). */
  spropStereo?: 0 | 1;
  /** Receiver prefers constant bitrate (1) or variable (0, the default). */
  cbr?: 0 | 1;
  /** Receiver can use in-band FEC (1) or not (0, the default). */
  useinbandfec?: 0 | 1;
  /** Receiver prefers DTX (1) or not (0, the default). */
  usedtx?: 0 | 1;
}

const FMTP_KEYS: Record<string, keyof OpusFmtp> = {
  maxplaybackrate: 'maxplaybackrate',
  'sprop-maxcapturerate': 'spropMaxcapturerate',
  maxptime: 'maxptime',
  minptime: 'minptime',
  ptime: 'ptime',
  maxaveragebitrate: 'maxaveragebitrate',
  stereo: 'stereo',
  'sprop-stereo': 'spropStereo',
  cbr: 'cbr',
  useinbandfec: 'useinbandfec',
  usedtx: 'usedtx',
};

const log = logger('opus');

function wholeNumber(v: string): number | undefined {
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * Parses the `a=fmtp` parameters of audio/opus (names case-insensitive, RFC 6838 §4.3; values
 * trimmed). An invalid value throws ConfigError naming the parameter and the accepted range
 * (`who` says where: 'opus-encoder fmtp'). Unknown parameters are ignored with a debug log
 * (RFC 7587 §7.1: "Any unknown parameter in an offer MUST be ignored"); so is a
 * `maxaveragebitrate` outside 6000–510000, which RFC 7587 §6.1 says SHOULD be ignored.
 */
export function parseOpusFmtp(fmtp: Readonly<Record<string, string>> | undefined, who = 'opus fmtp'): OpusFmtp {
  const out: OpusFmtp = {};
  if (!fmtp) return out;
  for (const [rawName, rawValue] of Object.entries(fmtp)) {
    const name = rawName.trim().toLowerCase();
    const key = FMTP_KEYS[name];
    const value = String(rawValue).trim();
    if (key === undefined) {
      log.debug({ parameter: rawName, value }, `${who}: unknown fmtp parameter ${rawName} ignored`);
      continue;
    }
    const bad = (range: string): never => {
      throw new ConfigError(`${who}: ${name} must be ${range}, got ${JSON.stringify(rawValue)}`);
    };
    switch (key) {
      case 'maxplaybackrate':
      case 'spropMaxcapturerate': {
        const v = wholeNumber(value);
        if (v === undefined || v < 8000 || v > 48000) bad('a whole number of Hz 8000–48000');
        out[key] = v!;
        break;
      }
      case 'maxptime':
      case 'minptime':
      case 'ptime': {
        // ms, "rounded up to the next full integer" (RFC 7587 §6.1); decimals tolerated (2.5).
        const v = /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
        if (v === undefined || v < 2.5 || v > 120) bad('a number of ms 3–120');
        out[key] = v!;
        break;
      }
      case 'maxaveragebitrate': {
        const v = wholeNumber(value);
        if (v === undefined || v === 0) bad('a positive whole number of bit/s (6000–510000 used)');
        if (v! < 6000 || v! > 510000) {
          log.debug({ parameter: name, value: v }, `${who}: maxaveragebitrate ${v} outside 6000–510000 ignored (RFC 7587 §6.1)`);
          break;
        }
        out[key] = v!;
        break;
      }
      default: {
        if (value !== '0' && value !== '1') bad('0 or 1');
        out[key] = Number(value) as 0 | 1;
      }
    }
  }
  return out;
}

/** Formats parameters back as an fmtp line (`name=value;…`, RFC 7587 §7 names), for SDP. */
export function formatOpusFmtp(p: OpusFmtp): string {
  const parts: string[] = [];
  for (const [name, key] of Object.entries(FMTP_KEYS)) {
    const v = p[key];
    if (v !== undefined) parts.push(`${name}=${v}`);
  }
  return parts.join(';');
}

/**
 * The narrowest Opus bandwidth that carries audio sampled at `rate` (RFC 7587 §3.1.1, the
 * bandwidth table: NB 8 kHz, MB 12, WB 16, SWB 24, FB 48 kHz sampling). For maxplaybackrate.
 */
export function opusBandwidthForRate(rate: number): OpusBandwidth {
  if (rate <= 8000) return 'nb';
  if (rate <= 12000) return 'mb';
  if (rate <= 16000) return 'wb';
  if (rate <= 24000) return 'swb';
  return 'fb';
}

/** Packet durations this encoder produces, ms: each one libopus frame (RFC 6716 §2.1.4; 80–120 ms since libopus 1.2). */
export const OPUS_PTIMES_MS: readonly number[] = [10, 20, 40, 60, 80, 100, 120];

/**
 * The packet duration to send, ms, from a wish (the encoder option or the receiver's `ptime`)
 * and the receiver's `minptime`/`maxptime` (RFC 7587 §6.1; maxptime wins a conflict, as a limit
 * outranks a preference): the largest supported duration ≤ the wish within the limits, else the
 * closest supported duration to the limits.
 */
export function chooseOpusPtime(wishMs: number, limits: { minptime?: number; maxptime?: number } = {}): number {
  const lo = limits.minptime ?? 0;
  const hi = limits.maxptime ?? 120;
  const allowed = OPUS_PTIMES_MS.filter((p) => p >= lo && p <= Math.max(hi, 10));
  const pool = allowed.length ? allowed : OPUS_PTIMES_MS.filter((p) => p <= Math.max(hi, 10));
  let best = pool[0]!;
  for (const p of pool) if (p <= wishMs) best = p;
  return best;
}
