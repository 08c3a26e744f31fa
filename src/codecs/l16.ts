/**
 * L16: uncompressed 16-bit linear PCM in network byte order (RFC 3551 §4.5.11), pure
 * TypeScript over rtp/payload/l16.ts. Encoder and decoder filters for any rate and channel
 * count, and codec descriptors: the static PT 11 (L16/44100/1) and PT 10 (L16/44100/2), and
 * L16 at 8, 16, 32 and 48 kHz, mono and stereo, with no default payload type (dynamic: give one,
 * e.g. `--payload L16/16000/1 --pt 96`). `l16Codec(rate, channels)` makes the descriptor of any
 * other rate for an application to register. The round trip is bit-exact.
 *
 * Encoder: 1 input (AudioFrame at the codec's rate and channels), 1 output (EncodedFrame = one
 * RTP payload of `ptimeMs`, default `l16DefaultPtimeMs`: 20 ms, or 10 ms where 20 ms would not
 * fit an Ethernet MTU). Input at another rate or channel count is refused with a ConfigError
 * thrown from process(): AudioStream puts a resampler / channel adapter in front. `timestamp`
 * is the position of the packet's first sample counted from the first input sample, `duration`
 * its sample frames, `marker` set on the first packet and after an input discontinuity (the
 * samples buffered leave at once as a short packet: L16 allows any length, RFC 3551 §4.3).
 * At postprocess a partial packet is dropped, as G.711 does.
 *
 * Decoder: 1 input (EncodedFrame), 1 output (AudioFrame at the rate and channels, `timestamp` =
 * the RTP timestamp received). No PLC of its own (`hasPlc` false): a `lost` frame becomes an
 * all-zero AudioFrame of its duration flagged `concealed` for the generic PLC. A payload that is
 * not a whole number (≥ 1) of sample frames (empty, odd length, a channel count that does not
 * divide it) is concealed the same way and counted in `decodeErrors`, never thrown.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import { logger } from '../core/log.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import {
  checkL16Payload,
  checkL16Ptime,
  l16Decode,
  l16DefaultPtimeMs,
  l16Encode,
  l16FrameBytes,
  l16MeanAbs,
  l16PayloadDuration,
  l16SamplesPerPacket,
} from '../rtp/payload/l16.js';

const log = logger('l16');

/** Rates registered by registerL16Codecs (mono and stereo each). */
export const L16_RATES = [8000, 16000, 32000, 44100, 48000] as const;

/** RFC 3551 Table 4: L16/44100/2 is PT 10, L16/44100/1 PT 11. */
const STATIC_PT: Readonly<Record<string, number>> = { '44100/2': 10, '44100/1': 11 };

/**
 * Mean absolute level below which an L16 packet counts as quiet: the G.711 rule (codecs/builtin.ts,
 * ≈ −56 dBFS), on the same 16-bit scale.
 */
const QUIET_MEAN_ABS = 50;

/** Parameters of audio/L16 (RFC 2586 §3, RFC 3190 §4) that we know of but do not apply. */
const KNOWN_UNSUPPORTED_FMTP = new Set(['emphasis', 'channel-order']);

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

function checkFormat(who: string, rate: unknown, channels: unknown): void {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1000 || rate > 192000) {
    throw new ConfigError(`${who}: rate must be a whole number of Hz, 1000–192000, got ${String(rate)}`);
  }
  if (typeof channels !== 'number' || !Number.isInteger(channels) || channels < 1 || channels > 8) {
    throw new ConfigError(`${who}: channels must be 1–8, got ${String(channels)}`);
  }
}

function ignoreFmtp(who: string, fmtp: Readonly<Record<string, string>> | undefined): void {
  if (!fmtp) return;
  for (const [name, value] of Object.entries(fmtp)) {
    const known = KNOWN_UNSUPPORTED_FMTP.has(name.toLowerCase());
    log.debug({ filter: who, param: name, value }, known ? 'fmtp parameter not supported, ignored' : 'unknown fmtp parameter ignored');
  }
}

function typeName(rate: number, channels: number): string {
  return `l16-${rate}${channels !== 1 ? `x${channels}` : ''}`;
}

export interface L16EncoderStats {
  framesIn: number;
  /** Sample frames (samples per channel) taken. */
  samplesIn: number;
  packetsOut: number;
  bytesOut: number;
  discontinuities: number;
}

export class L16Encoder extends Filter<Record<never, never>> {
  readonly type: string;
  readonly rate: number;
  readonly channels: number;
  readonly payloadType: number;
  #ptimeMs: number;
  #packetFrames: number;
  #pkt: Uint8Array | null = null;
  /** Sample frames in #pkt so far. */
  #fill = 0;
  #pktTs = 0;
  #origin: number | null = null;
  #nextTs = 0;
  #marker = true;
  readonly #stats: L16EncoderStats = { framesIn: 0, samplesIn: 0, packetsOut: 0, bytesOut: 0, discontinuities: 0 };

  constructor(rate: number, channels: number, options: EncoderOptions) {
    const type = `${typeName(rate, channels)}-encoder`;
    checkFormat(type, rate, channels);
    super({ inputs: 1, outputs: 1 });
    this.type = type;
    this.rate = rate;
    this.channels = channels;
    this.payloadType = checkPayloadType(type, options?.payloadType);
    this.#ptimeMs = checkL16Ptime(rate, channels, options.ptimeMs ?? l16DefaultPtimeMs(rate, channels));
    this.#packetFrames = l16SamplesPerPacket(rate, this.#ptimeMs);
    if (options.bitrate !== undefined) log.debug({ bitrate: options.bitrate }, 'L16 has one bitrate (rate × channels × 16); bitrate ignored');
    ignoreFmtp(type, options.fmtp);
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Sample frames per packet (rate × ptime, rounded). */
  get packetFrames(): number {
    return this.#packetFrames;
  }

  /** Changes the packet duration; applies from the next packet. */
  setPtimeMs(ms: number): void {
    this.#ptimeMs = checkL16Ptime(this.rate, this.channels, ms);
    this.#packetFrames = l16SamplesPerPacket(this.rate, ms);
  }

  get encoderStats(): Readonly<L16EncoderStats> {
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
      if (f.kind !== 'audio') {
        throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      }
      if (f.sampleRate !== this.rate || f.channels !== this.channels) {
        throw new ConfigError(
          `${this.name}: input 0 must be ${this.rate} Hz with ${this.channels} channel(s), got ${f.sampleRate} Hz with ${f.channels}; ` +
            'put a resampler / channel adapter in front of the encoder (AudioStream does this itself)',
        );
      }
      if (f.samples.length % this.channels !== 0) {
        throw new ConfigError(`${this.name}: input 0: ${f.samples.length} samples do not make whole frames of ${this.channels} channels`);
      }
      this.#take(f);
    }
  }

  #take(f: AudioFrame): void {
    const st = this.#stats;
    const ch = this.channels;
    const samples = f.samples;
    const frames = samples.length / ch;
    st.framesIn++;
    st.samplesIn += frames;
    if (this.#origin === null) {
      this.#origin = f.timestamp;
    } else if (f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      if (this.#fill > 0) this.#send();
      this.#marker = true;
    }
    this.#nextTs = f.timestamp + frames;
    const fb = l16FrameBytes(ch);
    let off = 0;
    while (off < frames) {
      if (this.#pkt === null) {
        this.#pkt = new Uint8Array(this.#packetFrames * fb);
        this.#fill = 0;
        this.#pktTs = f.timestamp + off;
      }
      const k = Math.min(frames - off, this.#packetFrames - this.#fill);
      l16Encode(samples.subarray(off * ch, (off + k) * ch), this.#pkt.subarray(this.#fill * fb, (this.#fill + k) * fb));
      this.#fill += k;
      off += k;
      if (this.#fill === this.#packetFrames) this.#send();
    }
  }

  #send(): void {
    const pkt = this.#pkt!;
    const len = this.#fill * l16FrameBytes(this.channels);
    const frame: EncodedFrame = {
      kind: 'encoded',
      data: len === pkt.length ? pkt : pkt.subarray(0, len),
      timestamp: this.#pktTs - this.#origin!,
      marker: this.#marker,
      payloadType: this.payloadType,
      duration: this.#fill,
    };
    this.#marker = false;
    this.#pkt = null;
    this.#fill = 0;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += len;
    this.push(0, frame);
  }

  #reset(): void {
    this.#pkt = null;
    this.#fill = 0;
    this.#origin = null;
    this.#marker = true;
  }
}

export interface L16DecoderStats {
  /** Payloads decoded. */
  frames: number;
  bytes: number;
  /** Sample frames decoded. */
  samples: number;
  lostFrames: number;
  /** Sample frames those lost frames stood for. */
  lostSamples: number;
  /** Undecodable payloads (concealed like a loss): the report's `decoder.errors`. */
  errors: number;
  errorSamples: number;
  otherPayloadType: number;
}

export class L16Decoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type: string;
  readonly rate: number;
  readonly channels: number;
  readonly payloadType: number;
  /** Span concealed for an undecodable payload whose duration is unknown: one default packet. */
  readonly #fallbackFrames: number;
  readonly #stats: L16DecoderStats = { frames: 0, bytes: 0, samples: 0, lostFrames: 0, lostSamples: 0, errors: 0, errorSamples: 0, otherPayloadType: 0 };

  constructor(rate: number, channels: number, options: DecoderOptions) {
    const type = `${typeName(rate, channels)}-decoder`;
    checkFormat(type, rate, channels);
    super({ inputs: 1, outputs: 1 });
    this.type = type;
    this.rate = rate;
    this.channels = channels;
    this.payloadType = checkPayloadType(type, options?.payloadType);
    this.#fallbackFrames = l16SamplesPerPacket(rate, l16DefaultPtimeMs(rate, channels));
    ignoreFmtp(type, options.fmtp);
  }

  /** Undecodable payloads so far (DecodeErrorCounter). */
  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<L16DecoderStats> {
    return { ...this.#stats };
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
      const check = checkL16Payload(f.data, this.channels);
      if (!check.ok) {
        const n = f.duration !== undefined && f.duration >= 0.5 ? Math.round(f.duration) : this.#fallbackFrames;
        st.errors++;
        st.errorSamples += n;
        log.debug({ filter: this.name, timestamp: f.timestamp, reason: check.reason }, 'undecodable L16 payload concealed');
        this.#conceal(f.timestamp, n);
        continue;
      }
      if (f.payloadType !== this.payloadType) st.otherPayloadType++;
      const samples = l16Decode(f.data, new Int16Array(check.frames * this.channels));
      st.frames++;
      st.bytes += f.data.length;
      st.samples += check.frames;
      this.push(0, { kind: 'audio', samples, sampleRate: this.rate, channels: this.channels, timestamp: f.timestamp });
    }
  }

  #conceal(timestamp: number, frames: number): void {
    this.push(0, {
      kind: 'audio', samples: new Int16Array(frames * this.channels), sampleRate: this.rate, channels: this.channels, timestamp, concealed: true,
    });
  }
}

/** An L16 encoder for `rate` Hz × `channels`. */
export function createL16Encoder(rate: number, channels: number, options: EncoderOptions): L16Encoder {
  return new L16Encoder(rate, channels, options);
}

/** An L16 decoder for `rate` Hz × `channels`. */
export function createL16Decoder(rate: number, channels: number, options: DecoderOptions): L16Decoder {
  return new L16Decoder(rate, channels, options);
}

function fmtKbps(bps: number): string {
  const k = bps / 1000;
  return `${Number.isInteger(k) ? k : k.toFixed(1)} kbit/s`;
}

/**
 * The descriptor of L16 at `rate` Hz × `channels` (1–8): the static PT for 44100/1 and 44100/2
 * (RFC 3551 Table 4), none (dynamic) otherwise. Throws ConfigError for a bad rate or count.
 */
export function l16Codec(rate: number, channels = 1): CodecDescriptor {
  checkFormat('L16', rate, channels);
  const staticPt = STATIC_PT[`${rate}/${channels}`];
  const d: CodecDescriptor = {
    mime: 'L16',
    clockRate: rate,
    channels,
    sampleRate: rate,
    frameMs: 10,
    defaultPtimeMs: l16DefaultPtimeMs(rate, channels),
    bitrates: fmtKbps(rate * 16 * channels),
    description: `linear 16-bit PCM, network byte order (RFC 3551 §4.5.11), ${channels === 1 ? 'mono' : channels === 2 ? 'stereo' : `${channels} channels`}`,
    hasPlc: false,
    isQuietPayload: (payload) => l16MeanAbs(payload) < QUIET_MEAN_ABS,
    payloadDuration: (payload) => l16PayloadDuration(payload, channels),
    createEncoder: (options) => createL16Encoder(rate, channels, options),
    createDecoder: (options) => createL16Decoder(rate, channels, options),
  };
  if (staticPt !== undefined) d.staticPayloadType = staticPt;
  return d;
}

/** The L16 descriptors registered by default: L16_RATES × mono and stereo. */
export const L16_CODECS: readonly CodecDescriptor[] = L16_RATES.flatMap((rate) => [l16Codec(rate, 1), l16Codec(rate, 2)]);

/**
 * Registers L16 at 8, 16, 32, 44.1 and 48 kHz, mono and stereo (pure TypeScript: always
 * available). Leaves a codec already registered under the same rate and channels as it is.
 */
export function registerL16Codecs(registry: Registry): void {
  for (const c of L16_CODECS) {
    if (registry.findCodec(c.mime, c.clockRate, c.channels) === undefined) registry.registerCodec(c);
  }
}
