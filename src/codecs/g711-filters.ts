/**
 * G.711 encoder and decoder filters (PCMU = µ-law, PCMA = A-law; RFC 3551 §4.5.14 payload types
 * 0 and 8), over the bulk functions of g711.ts.
 *
 * Encoder: 1 input (AudioFrame, 8000 Hz mono), 1 output (EncodedFrame). It packs samples into
 * packets of `ptimeMs` (default 20 ms = 160 samples; 10–120 ms in 10 ms steps: G.711 itself has
 * a 1-sample frame, RFC 3551 §4.5.14 recommends 20 ms packets, and 10 ms steps keep packets
 * aligned with the 10 ms ticks). Input at another rate or channel count is refused with a
 * ConfigError thrown from process(), which the graph catches and counts in `stats.errors`: the
 * encoder never resamples on its own. `AudioStream` puts a resampler and a channel adapter in
 * front of the encoder when the source is not 8 kHz mono; a hand-built graph must do the same.
 *
 * Timestamps: an EncodedFrame's `timestamp` is the position of its first sample in 8 kHz units
 * (the input frames' `timestamp`), `duration` its sample count. The RTP sender adds the random
 * initial offset and wraps to 32 bits. When the input timestamps jump (a source that skipped
 * time, e.g. after silence suppression), the samples buffered so far leave at once as a short
 * packet (G.711 allows any length) and the next packet starts at the new timestamp with the
 * marker bit set; the first packet has the marker set too (RFC 3551 §4.1: first packet of a
 * talkspurt). At postprocess (graph detached) a partial packet (< ptime) is dropped.
 *
 * Decoder: 1 input (EncodedFrame), 1 output (AudioFrame, 8000 Hz mono, `timestamp` = the RTP
 * timestamp as received). A `lost` frame produces no output (the generic PLC downstream makes
 * the missing audio up) but is counted. A frame whose payload type differs from the configured
 * one is still decoded (every byte is a valid G.711 code) and counted in `otherPayloadType`.
 * Every output frame owns a fresh sample buffer, so downstream filters may modify it in place.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import type { DecoderOptions, EncoderOptions } from '../core/registry.js';
import { g711Decoder, g711Encoder, type G711Law } from './g711.js';

/** G.711's only sample rate (and its RTP clock rate). */
export const G711_SAMPLE_RATE = 8000;

const MIME: Record<G711Law, string> = { ulaw: 'pcmu', alaw: 'pcma' };

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

export interface G711EncoderStats {
  /** Audio frames taken. */
  framesIn: number;
  /** Samples taken. */
  samplesIn: number;
  /** Packets (EncodedFrames) sent. */
  packetsOut: number;
  /** Payload bytes sent (= samples encoded). */
  bytesOut: number;
  /** Input timestamp jumps that cut a packet short / set the marker. */
  discontinuities: number;
}

export class G711Encoder extends Filter<Record<never, never>> {
  readonly type: string;
  readonly law: G711Law;
  readonly payloadType: number;
  readonly #encode: (src: Int16Array, dst?: Uint8Array) => Uint8Array;
  #ptimeMs: number;
  #packetSamples: number;
  /** The packet being filled, its fill level and the timestamp of its first sample. */
  #pkt: Uint8Array | null = null;
  #fill = 0;
  #pktTs = 0;
  /** Timestamp the next input sample should have; null before the first frame. */
  #nextTs: number | null = null;
  #marker = true;
  readonly #stats: G711EncoderStats = { framesIn: 0, samplesIn: 0, packetsOut: 0, bytesOut: 0, discontinuities: 0 };

  constructor(law: G711Law, options: EncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.law = law;
    this.type = `${MIME[law]}-encoder`;
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#ptimeMs = checkPtime(this.type, options?.ptimeMs ?? 20);
    this.#packetSamples = (this.#ptimeMs * G711_SAMPLE_RATE) / 1000;
    this.#encode = g711Encoder(law);
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Changes the packet duration; applies from the next packet. */
  setPtimeMs(ms: number): void {
    this.#ptimeMs = checkPtime(this.name, ms);
    this.#packetSamples = (ms * G711_SAMPLE_RATE) / 1000;
  }

  get encoderStats(): Readonly<G711EncoderStats> {
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
      if (f.sampleRate !== G711_SAMPLE_RATE || f.channels !== 1) {
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
    if (this.#nextTs !== null && f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      if (this.#fill > 0) this.#send(this.#fill);
      this.#marker = true;
    }
    this.#nextTs = f.timestamp + n;
    let off = 0;
    while (off < n) {
      if (this.#pkt === null) {
        this.#pkt = new Uint8Array(this.#packetSamples);
        this.#fill = 0;
        this.#pktTs = f.timestamp + off;
      }
      const pkt = this.#pkt;
      const k = Math.min(n - off, pkt.length - this.#fill);
      this.#encode(samples.subarray(off, off + k), pkt.subarray(this.#fill, this.#fill + k));
      this.#fill += k;
      off += k;
      if (this.#fill === pkt.length) this.#send(pkt.length);
    }
  }

  #send(len: number): void {
    const pkt = this.#pkt!;
    const data = len === pkt.length ? pkt : pkt.subarray(0, len);
    const frame: EncodedFrame = {
      kind: 'encoded',
      data,
      timestamp: this.#pktTs,
      marker: this.#marker,
      payloadType: this.payloadType,
      duration: len,
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
    this.#nextTs = null;
    this.#marker = true;
  }
}

export interface G711DecoderStats {
  /** Frames decoded (lost frames excluded). */
  frames: number;
  /** Payload bytes decoded. */
  bytes: number;
  /** Samples produced. */
  samples: number;
  /** `lost` frames seen (each becomes a zero frame flagged `concealed` for the PLC). */
  lostFrames: number;
  /** Samples those lost frames stood for (their `duration`). */
  lostSamples: number;
  /** Frames decoded although their payload type is not the configured one. */
  otherPayloadType: number;
  /** Undecodable frames: always 0 for G.711 (every byte is a code); kept for the report's `decoder.errors`. */
  errors: number;
}

export class G711Decoder extends Filter<Record<never, never>> {
  readonly type: string;
  readonly law: G711Law;
  readonly payloadType: number;
  readonly #decode: (src: Uint8Array, dst?: Int16Array) => Int16Array;
  readonly #stats: G711DecoderStats = { frames: 0, bytes: 0, samples: 0, lostFrames: 0, lostSamples: 0, otherPayloadType: 0, errors: 0 };

  constructor(law: G711Law, options: DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.law = law;
    this.type = `${MIME[law]}-decoder`;
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#decode = g711Decoder(law);
  }

  get decoderStats(): Readonly<G711DecoderStats> {
    return { ...this.#stats };
  }

  process(_ctx: TickContext): void {
    const st = this.#stats;
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') {
        throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      }
      if (f.lost) {
        // G.711 has no PLC of its own: hand a zero "marker" frame of the lost duration to the
        // generic PLC downstream (audio/plc.ts documents the contract).
        const n = f.duration ?? 0;
        st.lostFrames++;
        st.lostSamples += n;
        if (n > 0) {
          this.push(0, { kind: 'audio', samples: new Int16Array(n), sampleRate: G711_SAMPLE_RATE, channels: 1, timestamp: f.timestamp, concealed: true });
        }
        continue;
      }
      if (f.payloadType !== this.payloadType) st.otherPayloadType++;
      const n = f.data.length;
      st.frames++;
      st.bytes += n;
      if (n === 0) continue;
      const out: AudioFrame = {
        kind: 'audio',
        samples: this.#decode(f.data, new Int16Array(n)),
        sampleRate: G711_SAMPLE_RATE,
        channels: 1,
        timestamp: f.timestamp,
      };
      st.samples += n;
      this.push(0, out);
    }
  }
}

/** PCMU (µ-law) encoder, `type` 'pcmu-encoder'. */
export function createPcmuEncoder(options: EncoderOptions): G711Encoder {
  return new G711Encoder('ulaw', options);
}

/** PCMA (A-law) encoder, `type` 'pcma-encoder'. */
export function createPcmaEncoder(options: EncoderOptions): G711Encoder {
  return new G711Encoder('alaw', options);
}

/** PCMU (µ-law) decoder, `type` 'pcmu-decoder'. */
export function createPcmuDecoder(options: DecoderOptions): G711Decoder {
  return new G711Decoder('ulaw', options);
}

/** PCMA (A-law) decoder, `type` 'pcma-decoder'. */
export function createPcmaDecoder(options: DecoderOptions): G711Decoder {
  return new G711Decoder('alaw', options);
}
