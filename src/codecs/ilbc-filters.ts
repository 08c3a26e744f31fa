/**
 * iLBC encoder and decoder filters (RFC 3951 codec, pure TypeScript in codecs/ilbc/; RFC 3952
 * payload format in rtp/payload/ilbc.ts) and the codec descriptor (iLBC/8000, default dynamic
 * PT 112, DESIGN §4).
 *
 * Encoder: 1 input (AudioFrame, 8000 Hz mono), 1 output (EncodedFrame, one RTP payload each).
 * Mode from fmtp `mode` (20 or 30, default 30, RFC 3952 §5); packets of `ptimeMs` (default one
 * frame; a multiple of the frame, up to 240 ms) carry whole frames concatenated. Timestamp = the
 * input position of the packet's first sample (8 kHz); marker on the first packet and after an
 * input timestamp jump, where the partial frame is completed with silence and sent at once.
 *
 * Decoder: 1 input (EncodedFrame), 1 output (AudioFrame, 8000 Hz mono). The payload's length
 * says its mode (multiple of 38 or 50 octets; the fmtp mode resolves the 950-octet ambiguity);
 * a change of mode re-creates the codec state. iLBC has its own PLC (RFC 3951 §4.5, `hasPlc`):
 * a `lost` frame becomes concealed audio of its duration. A payload that is not whole frames or
 * exceeds 240 ms, or a frame with invalid indices or the empty-frame bit set, is counted in
 * `decodeErrors` and concealed, never thrown.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import { logger } from '../core/log.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import {
  ILBC_CLOCK_RATE,
  ILBC_FRAME_BYTES,
  ILBC_FRAME_SAMPLES,
  ILBC_MAX_PTIME_MS,
  type IlbcFrameMode,
  ilbcFramesPerPacket,
  ilbcPayloadDuration,
  ilbcPayloadFrames,
  parseIlbcFmtp,
} from '../rtp/payload/ilbc.js';
import { IlbcDecoderState } from './ilbc/decoder.js';
import { IlbcEncoderState } from './ilbc/encoder.js';

/** Default dynamic payload type (DESIGN §4, as Mediastreamer2). */
export const ILBC_PAYLOAD_TYPE = 112;

const log = logger('ilbc');

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

function modeFromFmtp(who: string, fmtp: Readonly<Record<string, string>> | undefined): IlbcFrameMode {
  const { mode, unknown } = parseIlbcFmtp(fmtp);
  for (const name of unknown) log.debug({ filter: who, name, value: fmtp?.[name] }, `${who}: unknown fmtp parameter ${name}=${fmtp?.[name] ?? ''} ignored`);
  return mode;
}

export interface IlbcEncoderStats {
  framesIn: number;
  samplesIn: number;
  packetsOut: number;
  bytesOut: number;
  codecFrames: number;
  discontinuities: number;
}

export class IlbcEncoder extends Filter<Record<never, never>> {
  readonly type = 'ilbc-encoder';
  readonly payloadType: number;
  readonly mode: IlbcFrameMode;
  readonly #codec: IlbcEncoderState;
  readonly #framesPerPacket: number;
  readonly #frameSamples: number;
  readonly #pcm: Int16Array;
  #fill = 0;
  #pktTs = 0;
  #nextTs: number | null = null;
  #marker = true;
  readonly #stats: IlbcEncoderStats = { framesIn: 0, samplesIn: 0, packetsOut: 0, bytesOut: 0, codecFrames: 0, discontinuities: 0 };

  constructor(options: EncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.mode = modeFromFmtp(this.type, options.fmtp);
    if (options.bitrate !== undefined && options.bitrate !== (this.mode === 20 ? 15200 : 13333)) {
      throw new ConfigError(`${this.type}: bitrate must be ${this.mode === 20 ? 15200 : 13333} in ${this.mode} ms mode (the mode fixes the rate; choose it with fmtp mode=20|30), got ${String(options.bitrate)}`);
    }
    this.#framesPerPacket = ilbcFramesPerPacket(this.mode, options.ptimeMs ?? this.mode);
    this.#frameSamples = ILBC_FRAME_SAMPLES[this.mode];
    this.#pcm = new Int16Array(this.#frameSamples * this.#framesPerPacket);
    this.#codec = new IlbcEncoderState(this.mode);
  }

  get ptimeMs(): number {
    return this.#framesPerPacket * this.mode;
  }

  get encoderStats(): Readonly<IlbcEncoderStats> {
    return { ...this.#stats };
  }

  override preprocess(_ctx: TickContext): void {
    this.#reset();
  }

  override postprocess(_ctx: TickContext): void {
    this.#reset();
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      if (f.sampleRate !== ILBC_CLOCK_RATE || f.channels !== 1) {
        throw new ConfigError(
          `${this.name}: input 0 must be 8000 Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s); put a resampler / channel adapter in front of the encoder (AudioStream does this itself)`,
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
    if (this.#nextTs !== null && f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      if (this.#fill > 0) this.#send();
      this.#marker = true;
    }
    this.#nextTs = f.timestamp + n;
    let off = 0;
    while (off < n) {
      if (this.#fill === 0) this.#pktTs = f.timestamp + off;
      const k = Math.min(n - off, this.#pcm.length - this.#fill);
      this.#pcm.set(samples.subarray(off, off + k), this.#fill);
      this.#fill += k;
      off += k;
      if (this.#fill === this.#pcm.length) this.#send();
    }
  }

  /** Encodes the buffered samples into whole frames (a partial last frame is completed with silence) and sends them. */
  #send(): void {
    const fs = this.#frameSamples;
    const frames = Math.ceil(this.#fill / fs);
    this.#pcm.fill(0, this.#fill, frames * fs);
    const bytes = ILBC_FRAME_BYTES[this.mode];
    const data = new Uint8Array(frames * bytes);
    for (let i = 0; i < frames; i++) this.#codec.encode(this.#pcm, i * fs, data, i * bytes);
    const frame: EncodedFrame = { kind: 'encoded', data, timestamp: this.#pktTs, marker: this.#marker, payloadType: this.payloadType, duration: frames * fs };
    this.#marker = false;
    this.#fill = 0;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += data.length;
    this.#stats.codecFrames += frames;
    this.push(0, frame);
  }

  #reset(): void {
    this.#codec.reset();
    this.#fill = 0;
    this.#nextTs = null;
    this.#marker = true;
  }
}

export interface IlbcDecoderStats {
  /** Codec frames decoded. */
  frames: number;
  bytes: number;
  /** Lost frames (spans) concealed. */
  lostFrames: number;
  lostSamples: number;
  otherPayloadType: number;
  /** Unusable payloads / codec frames (also `decodeErrors`). */
  errors: number;
  /** Times the frame mode changed from what the payload length said. */
  modeChanges: number;
}

export class IlbcDecoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'ilbc-decoder';
  readonly payloadType: number;
  /** Mode signalled in fmtp: resolves the 950-octet ambiguity and sizes concealment before any packet. */
  readonly fmtpMode: IlbcFrameMode;
  #codec: IlbcDecoderState;
  readonly #stats: IlbcDecoderStats = { frames: 0, bytes: 0, lostFrames: 0, lostSamples: 0, otherPayloadType: 0, errors: 0, modeChanges: 0 };

  constructor(options: DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.fmtpMode = modeFromFmtp(this.type, options.fmtp);
    this.#codec = new IlbcDecoderState(this.fmtpMode);
  }

  /** Mode being decoded (follows the received payload lengths). */
  get mode(): IlbcFrameMode {
    return this.#codec.cfg.mode;
  }

  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<IlbcDecoderStats> {
    return { ...this.#stats };
  }

  override preprocess(_ctx: TickContext): void {
    this.#codec.reset();
  }

  process(_ctx: TickContext): void {
    const st = this.#stats;
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      if (f.lost) {
        const n = f.duration ?? 0;
        st.lostFrames++;
        st.lostSamples += n;
        this.#conceal(f.timestamp, n);
        continue;
      }
      const info = ilbcPayloadFrames(f.data, this.mode);
      const fs = info ? ILBC_FRAME_SAMPLES[info.mode] : 0;
      if (!info || info.frames * fs > (ILBC_MAX_PTIME_MS * ILBC_CLOCK_RATE) / 1000) {
        st.errors++;
        const span = f.duration ?? ilbcPayloadDuration(f.data) ?? ILBC_FRAME_SAMPLES[this.mode];
        this.#conceal(f.timestamp, Math.min(span, (ILBC_MAX_PTIME_MS * ILBC_CLOCK_RATE) / 1000));
        continue;
      }
      if (info.mode !== this.mode) {
        st.modeChanges++;
        this.#codec = new IlbcDecoderState(info.mode);
      }
      if (f.payloadType !== this.payloadType) st.otherPayloadType++;
      const bytes = ILBC_FRAME_BYTES[info.mode];
      const samples = new Int16Array(info.frames * fs);
      let concealed = false;
      for (let i = 0; i < info.frames; i++) {
        if (this.#codec.decode(f.data, i * bytes, samples, i * fs)) st.frames++;
        else {
          st.errors++;
          concealed = true;
        }
      }
      st.bytes += f.data.length;
      const out: AudioFrame = { kind: 'audio', samples, sampleRate: ILBC_CLOCK_RATE, channels: 1, timestamp: f.timestamp };
      if (concealed) out.concealed = true;
      this.push(0, out);
    }
  }

  /** Concealed audio (RFC 3951 §4.5) of `clockUnits` samples: whole frames generated, trimmed to the span. */
  #conceal(timestamp: number, clockUnits: number): void {
    if (!(clockUnits > 0)) return;
    const fs = this.#codec.samplesPerFrame;
    const frames = Math.ceil(clockUnits / fs);
    const buf = new Int16Array(frames * fs);
    for (let i = 0; i < frames; i++) this.#codec.conceal(buf, i * fs);
    this.push(0, { kind: 'audio', samples: buf.subarray(0, clockUnits), sampleRate: ILBC_CLOCK_RATE, channels: 1, timestamp, concealed: true });
  }
}

export function createIlbcEncoder(options: EncoderOptions): IlbcEncoder {
  return new IlbcEncoder(options);
}

export function createIlbcDecoder(options: DecoderOptions): IlbcDecoder {
  return new IlbcDecoder(options);
}

/** iLBC/8000 (RFC 3951/3952), default dynamic PT 112. */
export const ILBC_CODEC: CodecDescriptor = {
  mime: 'iLBC',
  clockRate: ILBC_CLOCK_RATE,
  channels: 1,
  sampleRate: ILBC_CLOCK_RATE,
  defaultPayloadType: ILBC_PAYLOAD_TYPE,
  frameMs: 30,
  defaultPtimeMs: 30,
  bitrates: '13.33 kbit/s (mode=30), 15.2 kbit/s (mode=20)',
  description: 'iLBC (RFC 3951) 20/30 ms frames, own PLC; pure TypeScript (no Debian/npm library exists), RFC 3952 payload',
  hasPlc: true,
  payloadDuration: ilbcPayloadDuration,
  createEncoder: (options) => createIlbcEncoder(options),
  createDecoder: (options) => createIlbcDecoder(options),
};

/** Registers iLBC/8000 (pure TypeScript: always available). Leaves an already registered iLBC/8000 as it is. */
export function registerIlbcCodecs(registry: Registry): void {
  if (registry.findCodec(ILBC_CODEC.mime, ILBC_CODEC.clockRate, ILBC_CODEC.channels) !== undefined) return;
  registry.registerCodec(ILBC_CODEC, true);
}
