/**
 * Speex encoder and decoder filters, narrowband / wideband / ultra-wideband (speex/8000,
 * speex/16000, speex/32000; default dynamic payload types 110, 111, 116 as mediastream uses),
 * over libspeex (native/speex.ts), with the RFC 5574 payload format (rtp/payload/speex.ts).
 *
 * Encoder: 1 input (AudioFrame at the band's rate, mono), 1 output (EncodedFrame = one RTP
 * payload). It cuts the input into 20 ms frames and puts `ptime / 20` of them in each packet
 * (RFC 5574 §3.3: frames concatenated bit after bit, the last octet padded "0 1…1";
 * ptime 20 ms by default, rounded up to a multiple of 20 as Mediastreamer2 does; fmtp `ptime`
 * when the option is not given, capped by fmtp `maxptime`). The fmtp parameters are those of
 * RFC 5574's media type registration (IANA audio/speex): all three are preferences to the
 * encoder. Settings, in order of precedence:
 *  - bitrate (`--bitrate`, bit/s of codec payload, not of IP packets as in mediastream): the
 *    highest Speex quality whose bitrate is ≤ it (what SPEEX_SET_BITRATE picks); a value outside
 *    the band's range (NB 2150–24600, WB 3950–42200, UWB 4150–44000) is a ConfigError. With VBR it
 *    is the VBR ceiling (SPEEX_SET_VBR_MAX_BITRATE) and its quality the VBR quality.
 *  - `quality` 0–10 (options, for code).
 *  - fmtp `mode`: the first number of the (quoted, comma-separated) preference list; narrowband
 *    sub-mode 1–8, wideband/ultra-wideband 0–10 (libspeex's wideband SPEEX_SET_MODE is the quality,
 *    and Mediastreamer2 reads it so). Absent or `any`: RFC 5574's default, mode="3,any" in
 *    narrowband (8 kbit/s) and mode="8,any" in wideband and ultra-wideband (27.8 / 29.6 kbit/s).
 *  fmtp `vbr=on` enables VBR, `vbr=vad` CBR with VAD (silence coded with the short noise mode),
 *  `cng=on` VAD too (Mediastreamer2's reading of both). With vbr=on|vad DTX is on, as
 *  Mediastreamer2 sets it, and honoured: a packet whose frames libspeex all marks as not to be
 *  sent (silence, speex.h) is not sent; the next packet sent has the marker bit (RFC 3551 §4.1,
 *  talkspurt start). Complexity 3 (speexenc's default; libspeex's own is 2).
 *
 * Timestamps: an EncodedFrame's `timestamp` is the position of its first sample in clock units
 * (= samples: the clock rate is the sampling rate), counted from the first input sample;
 * `duration` is frames × frame size. The first packet has the marker bit. When the input
 * timestamps jump, the partial frame is completed with silence, the packet so far is sent, and
 * the next packet starts at the new position with the marker set. At postprocess a partial frame
 * or packet is dropped and the native state freed (created again on the next use).
 *
 * Decoder: 1 input (EncodedFrame), 1 output (AudioFrame at the band's rate, mono, `timestamp` =
 * the RTP timestamp as received). Each payload is first walked by the bit-level frame scanner;
 * an empty, oversized (≥ 2000 bytes or more than 32 frames), truncated or otherwise malformed
 * payload is never handed to libspeex: it is counted in `decodeErrors` and its span (`duration`,
 * else one frame) concealed, like a loss. A `lost` frame becomes `duration` samples of Speex's
 * own concealment (speex_decode with NULL bits; hence `hasPlc`), flagged `concealed`. The
 * perceptual enhancer is on (as speexdec and Mediastreamer2 set it; libspeex leaves it off in
 * wideband). The fmtp parameters only concern the encoder. Every output frame owns a fresh
 * sample buffer.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import { logger } from '../core/log.js';
import { defaultRegistry, type CodecDescriptor, type DecodeErrorCounter, type DecoderOptions, type EncoderOptions, type Registry } from '../core/registry.js';
import { LIBSPEEX, probeSpeex, SPEEX_BITS_BUFFER_BYTES, SpeexDecoder, SpeexEncoder } from '../native/speex.js';
import {
  isQuietSpeexPayload,
  parseSpeexFmtp,
  scanSpeexPayload,
  SPEEX_CLOCK_RATE,
  SPEEX_FRAME_MS,
  speexFramesPerPacket,
  speexPayloadDuration,
  type SpeexBand,
  type SpeexVbr,
} from '../rtp/payload/speex.js';

export type { SpeexBand, SpeexVbr } from '../rtp/payload/speex.js';

const log = logger('speex');

/** RFC 5574's default mode when the fmtp gives none: "3,any" in narrowband, "8,any" in wideband and ultra-wideband. */
export const SPEEX_DEFAULT_MODE: Readonly<Record<SpeexBand, number>> = { nb: 3, wb: 8, uwb: 8 };
/** Default complexity (speexenc's). */
export const SPEEX_DEFAULT_COMPLEXITY = 3;
/** Most frames one payload may hold before the decoder calls it oversized (640 ms). */
export const SPEEX_MAX_FRAMES_PER_PAYLOAD = 32;

const DEFAULT_PT: Record<SpeexBand, number> = { nb: 110, wb: 111, uwb: 116 };
const BAND_NAME: Record<SpeexBand, string> = { nb: 'narrowband', wb: 'wideband', uwb: 'ultra-wideband' };

function codecName(band: SpeexBand): string {
  return `speex/${SPEEX_CLOCK_RATE[band]}`;
}

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

/** Options of the Speex encoder: the common ones plus Speex's own (for code; SDP uses fmtp). */
export interface SpeexEncoderOptions extends EncoderOptions {
  /** Quality 0–10 (default 8); ignored when `bitrate` is given. */
  quality?: number;
  /** Complexity 1–10 (default 3). */
  complexity?: number;
  /** Overrides fmtp `vbr`. */
  vbr?: SpeexVbr;
  /** Whether packets of frames libspeex marks as not to be sent are dropped (default: on with vbr=on|vad). */
  dtx?: boolean;
}

export interface SpeexDecoderOptions extends DecoderOptions {
  /** Perceptual enhancer (default on). */
  enhancement?: boolean;
}

export interface SpeexEncoderStats {
  /** Audio frames taken. */
  framesIn: number;
  /** Samples taken. */
  samplesIn: number;
  /** 20 ms Speex frames encoded. */
  framesEncoded: number;
  /** Packets (EncodedFrames) sent. */
  packetsOut: number;
  /** Payload bytes sent. */
  bytesOut: number;
  /** Packets not sent because DTX said all their frames were silence. */
  dtxPackets: number;
  /** Input timestamp jumps. */
  discontinuities: number;
}

/** Bitrates of qualities 0–10 of each band, from libspeex, cached. */
const qualityRates = new Map<SpeexBand, number[]>();

function ratesOf(band: SpeexBand, enc: SpeexEncoder): number[] {
  let r = qualityRates.get(band);
  if (!r) {
    r = [];
    for (let q = 0; q <= 10; q++) {
      enc.setQuality(q);
      r.push(enc.bitrate);
    }
    qualityRates.set(band, r);
  }
  return r;
}

/** The highest quality whose bitrate is at most `bps` (what SPEEX_SET_BITRATE picks; 0 if none). */
function qualityFor(rates: readonly number[], bps: number): number {
  for (let q = 10; q > 0; q--) if (rates[q]! <= bps) return q;
  return 0;
}

/** libspeex's narrowband quality → sub-mode map (modes.c nb_mode quality_map), inverted: the lowest quality of each sub-mode. */
const NB_MODE_QUALITY: Record<number, number> = { 1: 0, 8: 1, 2: 2, 3: 3, 4: 5, 5: 7, 6: 9, 7: 10 };

interface EncoderConfig {
  quality: number;
  bitrate: number | undefined;
  complexity: number;
  vbr: SpeexVbr;
  vad: boolean;
  dtx: boolean;
}

export class SpeexEncoderFilter extends Filter<Record<never, never>> {
  readonly type = 'speex-encoder';
  readonly band: SpeexBand;
  readonly payloadType: number;
  readonly sampleRate: number;
  /** Samples per 20 ms frame. */
  readonly frameSize: number;
  #enc: SpeexEncoder | null;
  readonly #cfg: EncoderConfig;
  #framesPerPacket: number;
  readonly #pcm: Int16Array;
  #fill = 0;
  #framesInPacket = 0;
  #packetSpeech = false;
  #packetTs = 0;
  #nextTs: number | null = null;
  /** Timestamp of the first input sample: packet timestamps count from it. */
  #origin = 0;
  #marker = true;
  readonly #stats: SpeexEncoderStats = { framesIn: 0, samplesIn: 0, framesEncoded: 0, packetsOut: 0, bytesOut: 0, dtxPackets: 0, discontinuities: 0 };

  /** Throws ConfigError for bad options, NativeLibraryError when libspeex is missing. */
  constructor(band: SpeexBand, options: SpeexEncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.band = band;
    const who = `${codecName(band)} encoder`;
    this.payloadType = checkPayloadType(who, options.payloadType);
    this.sampleRate = SPEEX_CLOCK_RATE[band];
    const fmtp = parseSpeexFmtp(options.fmtp, band);
    let ptime = options.ptimeMs ?? fmtp.ptimeMs ?? 20;
    if (fmtp.maxptimeMs !== undefined && ptime > fmtp.maxptimeMs) ptime = Math.max(SPEEX_FRAME_MS, fmtp.maxptimeMs);
    this.#framesPerPacket = speexFramesPerPacket(ptime, who);
    const vbr = options.vbr ?? fmtp.vbr ?? 'off';
    if (vbr !== 'off' && vbr !== 'on' && vbr !== 'vad') throw new ConfigError(`${who}: vbr must be on, off or vad, got ${String(vbr)}`);
    const complexity = options.complexity ?? SPEEX_DEFAULT_COMPLEXITY;
    if (!Number.isInteger(complexity) || complexity < 1 || complexity > 10) throw new ConfigError(`${who}: complexity must be a whole number 1–10, got ${complexity}`);

    const enc = new SpeexEncoder(band);
    try {
      const rates = ratesOf(band, enc);
      const mode = fmtp.mode ?? SPEEX_DEFAULT_MODE[band];
      let quality = band === 'nb' ? NB_MODE_QUALITY[mode]! : mode;
      let bitrate: number | undefined;
      if (options.bitrate !== undefined) {
        const b = options.bitrate;
        if (typeof b !== 'number' || !Number.isInteger(b) || b < rates[0]! || b > rates[10]!) {
          throw new ConfigError(`${who}: bitrate must be a whole number ${rates[0]}–${rates[10]} bit/s (Speex qualities 0–10), got ${String(b)}`);
        }
        bitrate = b;
        quality = qualityFor(rates, b);
      } else if (options.quality !== undefined) {
        const q = options.quality;
        if (!Number.isInteger(q) || q < 0 || q > 10) throw new ConfigError(`${who}: quality must be a whole number 0–10, got ${q}`);
        quality = q;
      }
      const cngVad = fmtp.cng === true;
      this.#cfg = { quality, bitrate, complexity, vbr, vad: vbr === 'vad' || cngVad, dtx: options.dtx ?? vbr !== 'off' };
      this.#configure(enc);
    } catch (err) {
      enc.destroy();
      throw err;
    }
    this.#enc = enc;
    this.frameSize = enc.frameSize;
    this.#pcm = new Int16Array(this.frameSize);
    log.debug({ band, ...this.#cfg, framesPerPacket: this.#framesPerPacket, bitrate: enc.bitrate }, 'speex encoder configured');
  }

  #configure(enc: SpeexEncoder): void {
    const c = this.#cfg;
    enc.setQuality(c.quality);
    enc.setComplexity(c.complexity);
    if (c.vbr === 'on') {
      enc.setVbr(true);
      enc.setVbrQuality(c.quality);
      if (c.bitrate !== undefined) enc.setVbrMaxBitrate(c.bitrate);
    }
    if (c.vad) enc.setVad(true);
    if (c.dtx) enc.setDtx(true);
  }

  #native(): SpeexEncoder {
    if (this.#enc === null) {
      const enc = new SpeexEncoder(this.band);
      this.#configure(enc);
      this.#enc = enc;
    }
    return this.#enc;
  }

  /** Frames per packet (ptime / 20 ms). */
  get framesPerPacket(): number {
    return this.#framesPerPacket;
  }

  get ptimeMs(): number {
    return this.#framesPerPacket * SPEEX_FRAME_MS;
  }

  /** Changes the packet duration (rounded up to 20 ms steps); applies from the next packet. */
  setPtimeMs(ms: number): void {
    this.#framesPerPacket = speexFramesPerPacket(ms, this.name);
  }

  /** The configured quality 0–10 (in VBR, the VBR quality). */
  get quality(): number {
    return this.#cfg.quality;
  }

  /** The CBR bitrate of the current quality (SPEEX_GET_BITRATE), bit/s; in VBR, that of the VBR quality. */
  get bitrate(): number {
    return this.#native().bitrate;
  }

  get vbr(): SpeexVbr {
    return this.#cfg.vbr;
  }

  get dtx(): boolean {
    return this.#cfg.dtx;
  }

  /** Sets the quality 0–10 from the next frame. */
  setQuality(q: number): void {
    if (!Number.isInteger(q) || q < 0 || q > 10) throw new ConfigError(`${this.name}: quality must be a whole number 0–10, got ${q}`);
    this.#cfg.quality = q;
    this.#cfg.bitrate = undefined;
    const enc = this.#native();
    enc.setQuality(q);
    if (this.#cfg.vbr === 'on') enc.setVbrQuality(q);
  }

  /** Sets the bitrate (the highest quality at or below it; in VBR the ceiling) from the next frame. */
  setBitrate(bps: number): void {
    const enc = this.#native();
    const rates = ratesOf(this.band, enc);
    if (!Number.isInteger(bps) || bps < rates[0]! || bps > rates[10]!) {
      throw new ConfigError(`${this.name}: bitrate must be a whole number ${rates[0]}–${rates[10]} bit/s (Speex qualities 0–10), got ${bps}`);
    }
    const q = qualityFor(rates, bps);
    this.#cfg.quality = q;
    this.#cfg.bitrate = bps;
    enc.setQuality(q);
    if (this.#cfg.vbr === 'on') {
      enc.setVbrQuality(q);
      enc.setVbrMaxBitrate(bps);
    }
  }

  get encoderStats(): Readonly<SpeexEncoderStats> {
    return { ...this.#stats };
  }

  override preprocess(_ctx: TickContext): void {
    this.#resetPacketising();
    this.#native();
  }

  override postprocess(_ctx: TickContext): void {
    this.#resetPacketising();
    this.destroy();
  }

  /** Frees the native encoder now (it is created again if the filter is used again). */
  destroy(): void {
    this.#enc?.destroy();
    this.#enc = null;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      if (f.sampleRate !== this.sampleRate || f.channels !== 1) {
        throw new ConfigError(
          `${this.name}: input 0 must be ${this.sampleRate} Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s); ` +
            'put a resampler / channel adapter in front of the encoder (AudioStream does this itself)',
        );
      }
      this.#take(f);
    }
  }

  #take(f: AudioFrame): void {
    const st = this.#stats;
    const samples = f.samples;
    const n = samples.length;
    st.framesIn++;
    st.samplesIn += n;
    if (this.#nextTs === null) this.#origin = f.timestamp;
    else if (f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      if (this.#fill > 0) {
        // Complete the partial frame with silence rather than drop what it holds.
        this.#pcm.fill(0, this.#fill);
        this.#fill = this.frameSize;
        this.#encodeFrame(false);
      }
      if (this.#framesInPacket > 0) this.#flush();
      this.#marker = true;
    }
    this.#nextTs = f.timestamp + n;
    const fs = this.frameSize;
    let off = 0;
    while (off < n) {
      if (this.#fill === 0 && this.#framesInPacket === 0) this.#packetTs = f.timestamp + off - this.#origin;
      const k = Math.min(n - off, fs - this.#fill);
      this.#pcm.set(k === n ? samples : samples.subarray(off, off + k), this.#fill);
      this.#fill += k;
      off += k;
      if (this.#fill === fs) this.#encodeFrame(true);
    }
  }

  #encodeFrame(mayFlush: boolean): void {
    const speech = this.#native().encode(this.#pcm);
    this.#fill = 0;
    this.#framesInPacket++;
    this.#stats.framesEncoded++;
    if (speech) this.#packetSpeech = true;
    if (mayFlush && this.#framesInPacket >= this.#framesPerPacket) this.#flush();
  }

  #flush(): void {
    const enc = this.#native();
    const frames = this.#framesInPacket;
    const speech = this.#packetSpeech;
    this.#framesInPacket = 0;
    this.#packetSpeech = false;
    if (this.#cfg.dtx && !speech) {
      // DTX: nothing worth sending; the receiver's decoder makes comfort noise meanwhile.
      enc.clearPacket();
      this.#stats.dtxPackets++;
      this.#marker = true;
      return;
    }
    const data = enc.takePacket();
    const frame: EncodedFrame = {
      kind: 'encoded',
      data,
      timestamp: this.#packetTs,
      marker: this.#marker,
      payloadType: this.payloadType,
      duration: frames * this.frameSize,
    };
    this.#marker = false;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += data.length;
    this.push(0, frame);
  }

  #resetPacketising(): void {
    this.#fill = 0;
    this.#framesInPacket = 0;
    this.#packetSpeech = false;
    this.#nextTs = null;
    this.#marker = true;
    this.#enc?.clearPacket();
  }
}

export interface SpeexDecoderStats {
  /** Payloads decoded (lost frames and errors excluded). */
  packets: number;
  /** 20 ms frames decoded. */
  frames: number;
  /** Payload bytes received (errors included). */
  bytes: number;
  /** Samples produced by decoding. */
  samples: number;
  /** `lost` frames seen. */
  lostFrames: number;
  /** Samples made up by concealment (losses and errors). */
  concealedSamples: number;
  /** Payloads whose payload type is not the configured one (decoded anyway). */
  otherPayloadType: number;
  /** Undecodable payloads (= decodeErrors). */
  errors: number;
}

export class SpeexDecoderFilter extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'speex-decoder';
  readonly band: SpeexBand;
  readonly payloadType: number;
  readonly sampleRate: number;
  readonly frameSize: number;
  readonly #enhancement: boolean;
  #dec: SpeexDecoder | null;
  /** One frame of concealment; its tail is kept in #carry when a lost span ends mid-frame. */
  readonly #plc: Int16Array;
  #carryFrom = 0;
  #carryTo = 0;
  readonly #stats: SpeexDecoderStats = { packets: 0, frames: 0, bytes: 0, samples: 0, lostFrames: 0, concealedSamples: 0, otherPayloadType: 0, errors: 0 };

  /** Throws ConfigError for bad options, NativeLibraryError when libspeex is missing. */
  constructor(band: SpeexBand, options: SpeexDecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.band = band;
    const who = `${codecName(band)} decoder`;
    this.payloadType = checkPayloadType(who, options.payloadType);
    this.sampleRate = SPEEX_CLOCK_RATE[band];
    // The fmtp parameters are preferences to the encoder (RFC 5574's media type); parsed here all the
    // same so that a bad value is reported on either side.
    parseSpeexFmtp(options.fmtp, band);
    this.#enhancement = options.enhancement ?? true;
    this.#dec = this.#create();
    this.frameSize = this.#dec.frameSize;
    this.#plc = new Int16Array(this.frameSize);
  }

  #create(): SpeexDecoder {
    const dec = new SpeexDecoder(this.band);
    dec.setEnhancement(this.#enhancement);
    return dec;
  }

  #native(): SpeexDecoder {
    this.#dec ??= this.#create();
    return this.#dec;
  }

  /** Undecodable payloads so far (DecodeErrorCounter; the report's decoder.errors). */
  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<SpeexDecoderStats> {
    return { ...this.#stats };
  }

  override postprocess(_ctx: TickContext): void {
    this.destroy();
  }

  /** Frees the native decoder now (it is created again if the filter is used again). */
  destroy(): void {
    this.#dec?.destroy();
    this.#dec = null;
    this.#carryFrom = this.#carryTo = 0;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      if (f.lost) {
        this.#stats.lostFrames++;
        this.#conceal(samplesOf(f.timestamp, f.duration ?? 0), f.timestamp);
        continue;
      }
      this.#decode(f);
    }
  }

  #decode(f: EncodedFrame): void {
    const st = this.#stats;
    const data = f.data;
    st.bytes += data.length;
    if (f.payloadType !== this.payloadType) st.otherPayloadType++;
    if (data.length === 0 || data.length >= SPEEX_BITS_BUFFER_BYTES) {
      this.#error(f, 0);
      return;
    }
    const frames = scanSpeexPayload(data);
    if (frames <= 0 || frames > SPEEX_MAX_FRAMES_PER_PAYLOAD) {
      this.#error(f, 0);
      return;
    }
    const fs = this.frameSize;
    const out = new Int16Array(frames * fs);
    const got = this.#native().decode(data, out);
    this.#carryFrom = this.#carryTo = 0;
    if (got > 0) {
      st.packets++;
      st.frames += got;
      st.samples += got * fs;
      this.push(0, { kind: 'audio', samples: got === frames ? out : out.subarray(0, got * fs), sampleRate: this.sampleRate, channels: 1, timestamp: f.timestamp });
    }
    // The scanner and libspeex agree on well-formed payloads; if libspeex still stopped early,
    // the rest is undecodable: conceal it.
    if (got < frames) this.#error(f, got);
  }

  /** Counts an undecodable payload and conceals its span after the `decoded` frames that were fine. */
  #error(f: EncodedFrame, decoded: number): void {
    this.#stats.errors++;
    const fs = this.frameSize;
    const span = f.duration !== undefined && f.duration > 0 ? samplesOf(f.timestamp, f.duration) : (decoded + 1) * fs;
    this.#conceal(span - decoded * fs, f.timestamp + decoded * fs);
  }

  /** Emits `n` (a whole number of) samples of Speex concealment at `timestamp`. */
  #conceal(n: number, timestamp: number): void {
    if (n <= 0) return;
    const dec = this.#native();
    const fs = this.frameSize;
    const out = new Int16Array(n);
    let off = 0;
    if (this.#carryTo > this.#carryFrom) {
      const k = Math.min(n, this.#carryTo - this.#carryFrom);
      out.set(this.#plc.subarray(this.#carryFrom, this.#carryFrom + k), 0);
      this.#carryFrom += k;
      off = k;
    }
    while (off < n) {
      dec.conceal(this.#plc);
      const k = Math.min(fs, n - off);
      out.set(k === fs ? this.#plc : this.#plc.subarray(0, k), off);
      off += k;
      this.#carryFrom = k;
      this.#carryTo = fs;
    }
    this.#stats.concealedSamples += n;
    this.push(0, { kind: 'audio', samples: out, sampleRate: this.sampleRate, channels: 1, timestamp, concealed: true });
  }
}

/**
 * Whole samples in a span of `duration` clock units starting at `timestamp`. The jitter buffer
 * may hand fractional spans (a hold measured in local time, drift-corrected): rounding both ends
 * rather than the length keeps consecutive spans adding up to the time they cover.
 */
function samplesOf(timestamp: number, duration: number): number {
  return Math.max(0, Math.round(timestamp + duration) - Math.round(timestamp));
}

function describe(band: SpeexBand): CodecDescriptor {
  const rate = SPEEX_CLOCK_RATE[band];
  const bitrates: Record<SpeexBand, string> = {
    nb: '8 kbit/s (2.15–24.6, VBR)',
    wb: '27.8 kbit/s (3.95–42.2, VBR)',
    uwb: '29.6 kbit/s (4.15–44, VBR)',
  };
  return {
    mime: 'speex',
    clockRate: rate,
    channels: 1,
    sampleRate: rate,
    defaultPayloadType: DEFAULT_PT[band],
    frameMs: SPEEX_FRAME_MS,
    defaultPtimeMs: SPEEX_FRAME_MS,
    bitrates: bitrates[band],
    description: `Speex ${BAND_NAME[band]} (libspeex), RFC 5574 payload; quality 0–10, VBR, VAD/DTX, own PLC`,
    library: { name: LIBSPEEX.name, debianPackage: LIBSPEEX.debianPackage },
    hasPlc: true,
    isQuietPayload: isQuietSpeexPayload,
    payloadDuration: (payload) => speexPayloadDuration(payload, band),
    createEncoder: (options) => new SpeexEncoderFilter(band, options),
    createDecoder: (options) => new SpeexDecoderFilter(band, options),
  };
}

/** speex/8000 (PT 110 by default). */
export const SPEEX_NB_CODEC: CodecDescriptor = describe('nb');
/** speex/16000 (PT 111 by default). */
export const SPEEX_WB_CODEC: CodecDescriptor = describe('wb');
/** speex/32000 (PT 116 by default). */
export const SPEEX_UWB_CODEC: CodecDescriptor = describe('uwb');

export const SPEEX_CODECS: readonly CodecDescriptor[] = [SPEEX_NB_CODEC, SPEEX_WB_CODEC, SPEEX_UWB_CODEC];

/**
 * Registers speex/8000, speex/16000 and speex/32000: available when libspeex loads, otherwise
 * unavailable with the reason (naming the Debian package libspeex1). Idempotent: a codec already
 * registered under the same mime/clock rate is left as it is.
 */
export function registerSpeexCodecs(registry: Registry = defaultRegistry): void {
  const a = probeSpeex();
  for (const c of SPEEX_CODECS) {
    if (registry.findCodec(c.mime, c.clockRate, c.channels) !== undefined) continue;
    registry.registerCodec(c, a.available ? true : a.reason);
  }
}

