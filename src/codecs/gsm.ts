/**
 * GSM 06.10 full rate (RPE-LTP, 13.2 kbit/s): encoder and decoder filters over libgsm
 * (native/gsm.ts), the RTP payload format of RFC 3551 §4.5.8 (rtp/payload/gsm.ts), and the codec
 * descriptor (static payload type 3, GSM/8000). Bit-exact with `toast`/`untoast` (libgsm-tools),
 * sox, ffmpeg and Mediastreamer2, which all use libgsm: our encoder's frames for the same 8 kHz
 * input are toast's bytes, our decoder's samples untoast's (gsm.test.ts checks both).
 *
 * Encoder: 1 input (AudioFrame, 8000 Hz mono), 1 output (EncodedFrame = one RTP payload of
 * `ptimeMs / 20` frames, 20–120 ms in 20 ms steps, default 20). Input at another rate or channel
 * count is refused with a ConfigError thrown from process() (the graph counts it): AudioStream
 * puts a resampler in front. The EncodedFrame's `timestamp` is the position of the packet's
 * first sample counted from the first input sample (8 kHz units), `duration` 160 × frames,
 * `marker` set on the first packet and after an input discontinuity. GSM codes whole 20 ms
 * frames, so when the input timestamps jump (a source that skipped time) the partial frame is
 * completed with zeros if the jump leaves room for it (else dropped, so that timestamps never
 * overlap), the packet so far leaves at once (fewer frames are allowed: RFC 3551 §4.5.8 sets no
 * count) and the next packet starts at the new position with the marker set (RFC 3551 §4.1).
 * At postprocess a partial packet is dropped, as G.711 does.
 *
 * Decoder: 1 input (EncodedFrame), 1 output (AudioFrame, 8000 Hz mono, `timestamp` = the RTP
 * timestamp received). GSM 06.10 has no packet loss concealment of its own (GSM 06.11's
 * substitution runs in the radio network, not in libgsm), so `hasPlc` is false: a `lost` frame
 * becomes an all-zero AudioFrame of its duration flagged `concealed`, which the generic PLC
 * (audio/plc.ts) fills. A payload that is not 1–50 whole 33-octet frames each carrying the 0xD
 * signature (empty, truncated, oversized, garbage) is never thrown on: its span (`duration`, or
 * one frame when unknown) is concealed the same way and counted in `decodeErrors`.
 *
 * Native state: one libgsm state per filter, created by the constructor (so a missing library
 * fails there, not on the first tick), freed at postprocess and by `destroy()` (a filter
 * attached again makes a fresh one on its next frame: a new call starts from a clean
 * predictor); GsmCodec's FinalizationRegistry is the safety net for filters dropped unrun.
 * Nothing native is allocated per packet.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import { logger } from '../core/log.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import { GsmCodec, LIBGSM, probeGsm } from '../native/gsm.js';
import {
  checkGsmPayload,
  GSM_CLOCK_RATE,
  GSM_FRAME_BYTES,
  GSM_FRAME_SAMPLES,
  gsmFramesPerPacket,
  gsmPayloadDuration,
  gsmPayloadIsQuiet,
} from '../rtp/payload/gsm.js';

/** GSM's one bitrate: 260 bits every 20 ms (the 4-bit signature is not counted). */
export const GSM_BITRATE = 13200;

const log = logger('gsm');

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

/** GSM has no fmtp parameters (RFC 3551 §4.5.8 defines none): every one given is ignored. */
function ignoreFmtp(who: string, fmtp: Readonly<Record<string, string>> | undefined): void {
  if (!fmtp) return;
  for (const [name, value] of Object.entries(fmtp)) log.debug({ filter: who, param: name, value }, 'unknown fmtp parameter ignored (GSM has none)');
}

export interface GsmEncoderStats {
  /** Audio frames taken. */
  framesIn: number;
  /** Samples taken. */
  samplesIn: number;
  /** GSM frames encoded (including zero-completed ones). */
  gsmFrames: number;
  /** Packets (EncodedFrames) sent. */
  packetsOut: number;
  /** Payload bytes sent. */
  bytesOut: number;
  /** Input timestamp jumps that cut a packet short / set the marker. */
  discontinuities: number;
}

export class GsmEncoder extends Filter<Record<never, never>> {
  readonly type = 'gsm-encoder';
  readonly payloadType: number;
  #codec: GsmCodec | null = null;
  #ptimeMs: number;
  #framesPerPacket: number;
  /** The 20 ms frame being filled and its fill level. */
  readonly #pcm = new Int16Array(GSM_FRAME_SAMPLES);
  #fill = 0;
  /** Input timestamp of #pcm[0]. */
  #frameTs = 0;
  /** The packet being filled, the frames in it and the input timestamp of its first sample. */
  #pkt: Uint8Array | null = null;
  #frames = 0;
  #pktTs = 0;
  /** Input timestamp of the first sample ever taken (timestamps count from it); null before. */
  #origin: number | null = null;
  /** Timestamp the next input sample should have. */
  #nextTs = 0;
  #marker = true;
  readonly #stats: GsmEncoderStats = { framesIn: 0, samplesIn: 0, gsmFrames: 0, packetsOut: 0, bytesOut: 0, discontinuities: 0 };

  /** Throws ConfigError for bad options, NativeLibraryError when libgsm is missing. */
  constructor(options: EncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#ptimeMs = options.ptimeMs ?? 20;
    this.#framesPerPacket = gsmFramesPerPacket(this.#ptimeMs);
    if (options.bitrate !== undefined && options.bitrate !== GSM_BITRATE) {
      log.debug({ bitrate: options.bitrate }, 'GSM has one bitrate (13.2 kbit/s); bitrate ignored');
    }
    ignoreFmtp(this.type, options.fmtp);
    // Created now so that a missing libgsm fails here, not on the first tick.
    this.#codec = new GsmCodec();
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Changes the packet duration (20–120 ms, whole frames); applies from the next packet. */
  setPtimeMs(ms: number): void {
    this.#framesPerPacket = gsmFramesPerPacket(ms);
    this.#ptimeMs = ms;
  }

  get encoderStats(): Readonly<GsmEncoderStats> {
    return { ...this.#stats };
  }

  /** Whether a native libgsm state is held now. */
  get hasNativeState(): boolean {
    return this.#codec !== null;
  }

  override preprocess(_ctx: TickContext): void {
    this.#reset();
  }

  override postprocess(_ctx: TickContext): void {
    this.#reset();
    this.destroy();
  }

  /** Frees the native state (a later frame creates a fresh one). Idempotent. */
  destroy(): void {
    this.#codec?.destroy();
    this.#codec = null;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') {
        throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      }
      if (f.sampleRate !== GSM_CLOCK_RATE || f.channels !== 1) {
        throw new ConfigError(
          `${this.name}: input 0 must be 8000 Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s); ` +
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
    if (this.#origin === null) {
      this.#origin = f.timestamp;
      this.#nextTs = f.timestamp;
    } else if (f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      this.#cut(f.timestamp);
    }
    this.#nextTs = f.timestamp + n;
    let off = 0;
    while (off < n) {
      if (this.#fill === 0) this.#frameTs = f.timestamp + off;
      const k = Math.min(n - off, GSM_FRAME_SAMPLES - this.#fill);
      this.#pcm.set(k === n ? samples : samples.subarray(off, off + k), this.#fill);
      this.#fill += k;
      off += k;
      if (this.#fill === GSM_FRAME_SAMPLES) this.#encodeFrame();
    }
  }

  /** An input discontinuity at `nextTs`: finish what is buffered, mark the next packet. */
  #cut(nextTs: number): void {
    if (this.#fill > 0) {
      if (nextTs >= this.#frameTs + GSM_FRAME_SAMPLES) {
        this.#pcm.fill(0, this.#fill);
        this.#encodeFrame();
      } else {
        this.#fill = 0; // completing it would overlap the new position: drop < 20 ms instead
      }
    }
    if (this.#frames > 0) this.#send();
    this.#marker = true;
  }

  #encodeFrame(): void {
    if (this.#pkt === null) {
      this.#pkt = new Uint8Array(this.#framesPerPacket * GSM_FRAME_BYTES);
      this.#frames = 0;
      this.#pktTs = this.#frameTs;
    }
    this.#codec ??= new GsmCodec();
    const at = this.#frames * GSM_FRAME_BYTES;
    this.#codec.encode(this.#pcm, this.#pkt.subarray(at, at + GSM_FRAME_BYTES));
    this.#fill = 0;
    this.#frames++;
    this.#stats.gsmFrames++;
    if (this.#frames * GSM_FRAME_BYTES === this.#pkt.length) this.#send();
  }

  #send(): void {
    const pkt = this.#pkt!;
    const len = this.#frames * GSM_FRAME_BYTES;
    const frame: EncodedFrame = {
      kind: 'encoded',
      data: len === pkt.length ? pkt : pkt.subarray(0, len),
      timestamp: this.#pktTs - this.#origin!,
      marker: this.#marker,
      payloadType: this.payloadType,
      duration: this.#frames * GSM_FRAME_SAMPLES,
    };
    this.#marker = false;
    this.#pkt = null;
    this.#frames = 0;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += len;
    this.push(0, frame);
  }

  #reset(): void {
    this.#pkt = null;
    this.#frames = 0;
    this.#fill = 0;
    this.#origin = null;
    this.#marker = true;
  }
}

export interface GsmDecoderStats {
  /** Payloads decoded (lost and undecodable ones excluded). */
  frames: number;
  /** GSM frames decoded. */
  gsmFrames: number;
  /** Payload bytes decoded. */
  bytes: number;
  /** Samples decoded. */
  samples: number;
  /** `lost` frames seen (each becomes a zero frame flagged `concealed` for the PLC). */
  lostFrames: number;
  /** Samples those lost frames stood for. */
  lostSamples: number;
  /** Payloads that could not be decoded (concealed like a loss): the report's `decoder.errors`. */
  errors: number;
  /** Samples concealed for undecodable payloads. */
  errorSamples: number;
  /** Payloads decoded although their payload type is not the configured one. */
  otherPayloadType: number;
}

export class GsmDecoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'gsm-decoder';
  readonly payloadType: number;
  #codec: GsmCodec | null = null;
  readonly #stats: GsmDecoderStats = {
    frames: 0, gsmFrames: 0, bytes: 0, samples: 0, lostFrames: 0, lostSamples: 0, errors: 0, errorSamples: 0, otherPayloadType: 0,
  };

  /** Throws ConfigError for bad options, NativeLibraryError when libgsm is missing. */
  constructor(options: DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    ignoreFmtp(this.type, options.fmtp);
    this.#codec = new GsmCodec();
  }

  /** Undecodable payloads so far (DecodeErrorCounter: the report's `decoder.errors`). */
  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<GsmDecoderStats> {
    return { ...this.#stats };
  }

  /** Whether a native libgsm state is held now. */
  get hasNativeState(): boolean {
    return this.#codec !== null;
  }

  override postprocess(_ctx: TickContext): void {
    this.destroy();
  }

  /** Frees the native state (a later frame creates a fresh one). Idempotent. */
  destroy(): void {
    this.#codec?.destroy();
    this.#codec = null;
  }

  process(_ctx: TickContext): void {
    const st = this.#stats;
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') {
        throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      }
      if (f.lost) {
        // Whole samples: the receive side may hand fractional spans (a 10 ms tick at a rate that
        // does not divide, the end of a stream); rounding each keeps the total within half a sample.
        const n = Math.round(f.duration ?? 0);
        st.lostFrames++;
        st.lostSamples += n;
        if (n > 0) this.#conceal(f.timestamp, n);
        continue;
      }
      const check = checkGsmPayload(f.data);
      if (!check.ok) {
        // Never thrown across the ticker (DESIGN §8): conceal the span as for a loss, count it.
        const n = f.duration !== undefined && f.duration >= 0.5 ? Math.round(f.duration) : GSM_FRAME_SAMPLES;
        st.errors++;
        st.errorSamples += n;
        log.debug({ filter: this.name, timestamp: f.timestamp, reason: check.reason }, 'undecodable GSM payload concealed');
        this.#conceal(f.timestamp, n);
        continue;
      }
      if (f.payloadType !== this.payloadType) st.otherPayloadType++;
      const codec = (this.#codec ??= new GsmCodec());
      const pcm = new Int16Array(check.frames * GSM_FRAME_SAMPLES);
      for (let i = 0; i < check.frames; i++) {
        // Cannot fail: checkGsmPayload verified every signature, the only thing libgsm refuses.
        codec.decode(f.data.subarray(i * GSM_FRAME_BYTES, (i + 1) * GSM_FRAME_BYTES), pcm.subarray(i * GSM_FRAME_SAMPLES, (i + 1) * GSM_FRAME_SAMPLES));
      }
      st.frames++;
      st.gsmFrames += check.frames;
      st.bytes += f.data.length;
      st.samples += pcm.length;
      this.push(0, { kind: 'audio', samples: pcm, sampleRate: GSM_CLOCK_RATE, channels: 1, timestamp: f.timestamp });
    }
  }

  /** The marker frame of audio/plc.ts: zeros, flagged concealed, for the generic PLC to fill. */
  #conceal(timestamp: number, samples: number): void {
    this.push(0, { kind: 'audio', samples: new Int16Array(samples), sampleRate: GSM_CLOCK_RATE, channels: 1, timestamp, concealed: true });
  }
}

/** GSM encoder, `type` 'gsm-encoder'. */
export function createGsmEncoder(options: EncoderOptions): GsmEncoder {
  return new GsmEncoder(options);
}

/** GSM decoder, `type` 'gsm-decoder'. */
export function createGsmDecoder(options: DecoderOptions): GsmDecoder {
  return new GsmDecoder(options);
}

/**
 * GSM 06.10 full rate, RFC 3551 static payload type 3 (GSM/8000). `isQuietPayload` estimates
 * the level from the coded parameters without decoding (rtp/payload/gsm.ts, calibrated against
 * G.711's level rule): without it the jitter buffer sheds delay by skipping whatever packet
 * comes, mid-word, and a skipped GSM frame also leaves the decoder's predictors out of step.
 */
export const GSM_CODEC: CodecDescriptor = {
  mime: 'GSM',
  clockRate: GSM_CLOCK_RATE,
  channels: 1,
  sampleRate: GSM_CLOCK_RATE,
  staticPayloadType: 3,
  frameMs: 20,
  defaultPtimeMs: 20,
  bitrates: '13.2 kbit/s',
  description: 'GSM 06.10 full rate RPE-LTP (libgsm; bit-exact with toast/untoast)',
  library: { name: LIBGSM.name, debianPackage: LIBGSM.debianPackage },
  hasPlc: false,
  isQuietPayload: gsmPayloadIsQuiet,
  payloadDuration: gsmPayloadDuration,
  createEncoder: (options) => createGsmEncoder(options),
  createDecoder: (options) => createGsmDecoder(options),
};

/**
 * Registers GSM/8000 (PT 3): available when libgsm loads, else unavailable with the reason
 * (which names the Debian package, libgsm1). Leaves an already registered GSM/8000 as it is.
 */
export function registerGsmCodecs(registry: Registry): void {
  if (registry.findCodec(GSM_CODEC.mime, GSM_CODEC.clockRate, GSM_CODEC.channels) !== undefined) return;
  const a = probeGsm();
  registry.registerCodec(GSM_CODEC, a.available ? true : a.reason);
}
