/**
 * G.722 encoder and decoder filters (RFC 3551 §4.5.2, static payload type 9), over the codec
 * core of g722.ts, and the codec descriptor.
 *
 * RTP clock vs sampling rate. G.722 samples at 16 kHz but its RTP clock runs at 8000 Hz
 * (RFC 3551 §4.5.2 keeps RFC 1890's mistake for compatibility): one octet (one sample pair) per
 * clock tick, so a 20 ms packet is 160 octets and advances the timestamp by 160. The descriptor
 * says `clockRate: 8000, sampleRate: 16000`; AudioStream resamples to 16 kHz for the encoder.
 *
 * Encoder: 1 input (AudioFrame, 16000 Hz mono), 1 output (EncodedFrame, one RTP payload each).
 * Packets of `ptimeMs` (default 20; 10–120 ms in 10 ms steps, aligned with the 10 ms ticks as
 * G.711's). Timestamp = the input timestamp of the packet's first sample ÷ 2 (sources count from
 * 0, so this counts 8 kHz units from the first input sample); `duration` = octets. The marker is
 * set on the first packet and after an input timestamp jump (a talkspurt start after VAD
 * silence, RFC 3551 §4.1); on such a jump the samples buffered so far leave at once as a short
 * packet (an odd last sample is completed by repeating it: G.722 codes pairs). The ADPCM state
 * is kept across jumps: the decoder, which decodes every packet in order, stays in step.
 * Only 64 kbit/s is sent (`bitrate` 64000 or unset): RTP G.722 is always 8 bits per pair.
 * G.722 has no fmtp parameters: any given is ignored with a debug log.
 *
 * Decoder: 1 input (EncodedFrame), 1 output (AudioFrame, 16000 Hz mono, `timestamp` = RTP
 * timestamp × 2). Mode 1 (64 kbit/s) unless `mode` says 2 or 3 (a gateway that steals the LSBs
 * for data, G.722 §1.3). G.722 has no PLC of its own (`hasPlc` absent): a `lost` frame of
 * `duration` clock units becomes 2 × duration zero samples flagged `concealed` for the generic
 * PLC (audio/plc.ts). Every octet is a valid code, so only an empty (truncated) payload or one
 * longer than MAX_PAYLOAD_OCTETS is an error: counted in `decodeErrors` and concealed like a
 * loss, never thrown. The decoder's ADPCM state is kept across losses (G.722 defines no reset on
 * loss; the state re-converges within a few ms, and the PLC cross-fade covers the join).
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import { logger } from '../core/log.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import { G722_CLOCK_RATE, G722_MODE_BITRATE, G722_SAMPLE_RATE, G722DecoderState, G722EncoderState, type G722Mode } from './g722.js';

/** RFC 3551 static payload type of G.722. */
export const G722_PAYLOAD_TYPE = 9;

/**
 * Longest payload decoded: 400 ms (3200 octets). Real senders use 10–60 ms (at most 120);
 * anything longer is treated as garbage rather than turned into seconds of audio.
 */
export const MAX_PAYLOAD_OCTETS = 3200;

const log = logger('g722');

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

function checkPtime(who: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 10 || ms > 120 || ms % 10 !== 0) {
    throw new ConfigError(`${who}: ptimeMs must be 10–120 ms in steps of 10 ms, got ${String(ms)}`);
  }
  return ms;
}

/** G.722 defines no SDP fmtp parameters (RFC 3551 §4.5.2): log and ignore whatever is given. */
function ignoreFmtp(who: string, fmtp: Readonly<Record<string, string>> | undefined): void {
  if (!fmtp) return;
  for (const [name, value] of Object.entries(fmtp)) log.debug({ filter: who, name, value }, `${who}: unknown fmtp parameter ${name}=${value} ignored`);
}

export interface G722EncoderStats {
  /** Audio frames taken. */
  framesIn: number;
  /** Samples taken (16 kHz). */
  samplesIn: number;
  /** Packets sent. */
  packetsOut: number;
  /** Payload octets sent (= sample pairs encoded). */
  bytesOut: number;
  /** Input timestamp jumps that cut a packet short / set the marker. */
  discontinuities: number;
}

export class G722Encoder extends Filter<Record<never, never>> {
  readonly type = 'g722-encoder';
  readonly payloadType: number;
  readonly #codec = new G722EncoderState();
  #ptimeMs: number;
  /** Samples (16 kHz) per packet. */
  #packetSamples: number;
  /** PCM of the packet being filled (reused), its fill and the input timestamp of its first sample. */
  #pcm: Int16Array;
  #fill = 0;
  #pktTs = 0;
  #nextTs: number | null = null;
  #marker = true;
  readonly #stats: G722EncoderStats = { framesIn: 0, samplesIn: 0, packetsOut: 0, bytesOut: 0, discontinuities: 0 };

  constructor(options: EncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#ptimeMs = checkPtime(this.type, options?.ptimeMs ?? 20);
    if (options.bitrate !== undefined && options.bitrate !== 64000) {
      throw new ConfigError(`${this.type}: bitrate must be 64000 (RTP G.722 carries 8 bits per sample pair, RFC 3551 §4.5.2), got ${String(options.bitrate)}`);
    }
    ignoreFmtp(this.type, options.fmtp);
    this.#packetSamples = (this.#ptimeMs * G722_SAMPLE_RATE) / 1000;
    this.#pcm = new Int16Array(this.#packetSamples);
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Changes the packet duration; applies from the next packet (the one being filled is sent first if it is already longer). */
  setPtimeMs(ms: number): void {
    this.#ptimeMs = checkPtime(this.name, ms);
    const n = (ms * G722_SAMPLE_RATE) / 1000;
    if (this.#fill >= n) this.#send();
    const pcm = new Int16Array(n);
    pcm.set(this.#pcm.subarray(0, this.#fill));
    this.#pcm = pcm;
    this.#packetSamples = n;
  }

  get encoderStats(): Readonly<G722EncoderStats> {
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
      if (f.sampleRate !== G722_SAMPLE_RATE || f.channels !== 1) {
        throw new ConfigError(
          `${this.name}: input 0 must be 16000 Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s); ` +
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
    if (this.#nextTs !== null && f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      if (this.#fill > 0) this.#send();
      this.#marker = true;
    }
    this.#nextTs = f.timestamp + n;
    let off = 0;
    while (off < n) {
      if (this.#fill === 0) this.#pktTs = f.timestamp + off;
      const k = Math.min(n - off, this.#packetSamples - this.#fill);
      this.#pcm.set(samples.subarray(off, off + k), this.#fill);
      this.#fill += k;
      off += k;
      if (this.#fill === this.#packetSamples) this.#send();
    }
  }

  /** Encodes and sends the buffered samples (a short packet when called early). */
  #send(): void {
    let fill = this.#fill;
    if (fill & 1) {
      // G.722 codes sample pairs: complete an odd tail by repeating its last sample.
      this.#pcm[fill] = this.#pcm[fill - 1]!;
      fill++;
    }
    const data = this.#codec.encode(this.#pcm.subarray(0, fill), new Uint8Array(fill >> 1));
    const frame: EncodedFrame = {
      kind: 'encoded',
      data,
      timestamp: Math.floor(this.#pktTs / 2),
      marker: this.#marker,
      payloadType: this.payloadType,
      duration: data.length,
    };
    this.#marker = false;
    this.#fill = 0;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += data.length;
    this.push(0, frame);
  }

  #reset(): void {
    this.#codec.reset();
    this.#fill = 0;
    this.#nextTs = null;
    this.#marker = true;
  }
}

export interface G722DecoderOptions extends DecoderOptions {
  /** Decoder mode: 1 = 64 kbit/s (default), 2 = 56, 3 = 48 (G.722 §1.3). */
  mode?: G722Mode;
}

export interface G722DecoderStats {
  /** Frames decoded (lost and erroneous frames excluded). */
  frames: number;
  /** Payload octets decoded. */
  bytes: number;
  /** Samples (16 kHz) produced from payloads. */
  samples: number;
  /** `lost` frames seen (each becomes a zero frame flagged `concealed` for the PLC). */
  lostFrames: number;
  /** Clock units (8 kHz) those lost frames stood for. */
  lostSamples: number;
  /** Frames decoded although their payload type is not the configured one. */
  otherPayloadType: number;
  /** Empty or oversized payloads, concealed (also `decodeErrors`). */
  errors: number;
}

export class G722Decoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'g722-decoder';
  readonly payloadType: number;
  readonly #codec: G722DecoderState;
  readonly #stats: G722DecoderStats = { frames: 0, bytes: 0, samples: 0, lostFrames: 0, lostSamples: 0, otherPayloadType: 0, errors: 0 };

  constructor(options: G722DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    const mode = options.mode ?? 1;
    if (mode !== 1 && mode !== 2 && mode !== 3) throw new ConfigError(`${this.type}: mode must be 1 (64 kbit/s), 2 (56) or 3 (48), got ${String(mode)}`);
    ignoreFmtp(this.type, options.fmtp);
    this.#codec = new G722DecoderState(mode);
  }

  get mode(): G722Mode {
    return this.#codec.mode;
  }

  /** Changes the decoder mode from the next frame on. */
  setMode(mode: G722Mode): void {
    if (mode !== 1 && mode !== 2 && mode !== 3) throw new ConfigError(`${this.name}: mode must be 1 (64 kbit/s), 2 (56) or 3 (48), got ${String(mode)}`);
    this.#codec.setMode(mode);
  }

  /** Bit rate of the current mode, bit/s. */
  get bitrate(): number {
    return G722_MODE_BITRATE[this.#codec.mode];
  }

  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<G722DecoderStats> {
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
      const len = f.data.length;
      if (len === 0 || len > MAX_PAYLOAD_OCTETS) {
        // Truncated or absurd: conceal the span the jitter buffer gave it (else the octets it claims).
        st.errors++;
        this.#conceal(f.timestamp, f.duration ?? Math.min(len, MAX_PAYLOAD_OCTETS));
        continue;
      }
      if (f.payloadType !== this.payloadType) st.otherPayloadType++;
      st.frames++;
      st.bytes += len;
      st.samples += 2 * len;
      const out: AudioFrame = {
        kind: 'audio',
        samples: this.#codec.decode(f.data, new Int16Array(2 * len)),
        sampleRate: G722_SAMPLE_RATE,
        channels: 1,
        timestamp: f.timestamp * 2,
      };
      this.push(0, out);
    }
  }

  /** A zero frame of `clockUnits` 8 kHz ticks (2 samples each) flagged for the generic PLC. */
  #conceal(timestamp: number, clockUnits: number): void {
    if (!(clockUnits > 0)) return;
    this.push(0, { kind: 'audio', samples: new Int16Array(2 * clockUnits), sampleRate: G722_SAMPLE_RATE, channels: 1, timestamp: timestamp * 2, concealed: true });
  }
}

export function createG722Encoder(options: EncoderOptions): G722Encoder {
  return new G722Encoder(options);
}

export function createG722Decoder(options: G722DecoderOptions): G722Decoder {
  return new G722Decoder(options);
}

/** G.722: RFC 3551 static payload type 9, clock 8000, sampling 16000. */
export const G722_CODEC: CodecDescriptor = {
  mime: 'G722',
  clockRate: G722_CLOCK_RATE,
  channels: 1,
  sampleRate: G722_SAMPLE_RATE,
  staticPayloadType: G722_PAYLOAD_TYPE,
  // One octet per sample pair; 10 ms is the granularity the encoder packs by (one tick).
  frameMs: 10,
  defaultPtimeMs: 20,
  bitrates: '64 kbit/s',
  description: 'ITU-T G.722 wideband sub-band ADPCM (pure TypeScript, bit-exact with the ITU-T G.191 STL; decodes 64/56/48 kbit/s modes)',
  createEncoder: (options) => createG722Encoder(options),
  createDecoder: (options) => createG722Decoder(options),
  // One octet per clock unit (RFC 3551 §4.5.2).
  payloadDuration: (payload) => (payload.length > 0 && payload.length <= MAX_PAYLOAD_OCTETS ? payload.length : undefined),
  // ADPCM needs its history to tell a packet's level, and dropping a packet mid-word costs G.722
  // ~0.4 s to recover: never "quiet", so the jitter buffer sheds delay on loud packets only when
  // it is far over its target (and for free in sender silence).
  isQuietPayload: () => false,
};

/**
 * Registers G.722 (pure TypeScript: always available). Idempotent like registerBuiltinCodecs: a
 * G722/8000 already registered is left as it is.
 */
export function registerG722Codecs(registry: Registry): void {
  if (registry.findCodec(G722_CODEC.mime, G722_CODEC.clockRate, G722_CODEC.channels) === undefined) registry.registerCodec(G722_CODEC);
}
