/**
 * G.729 Annex A with Annex B (VAD/DTX/CNG) over libbcg729: encoder and decoder filters and the
 * codec descriptor (RFC 3551 §4.5.6: static payload type 18, 8000 Hz, 10 ms frames of 10 octets,
 * several per packet, an optional 2-octet SID frame last). The payload format itself is in
 * rtp/payload/g729.ts.
 *
 * bcg729 is GPL and is loaded at run time only where installed (DESIGN §5): when it is missing the
 * codec is registered as unavailable, naming the Debian package libbcg729-0.
 *
 * Encoder (1 audio input at 8000 Hz mono → 1 output of EncodedFrames, one RTP payload each):
 * - buffers input into 80-sample frames; `ptimeMs` (10–120 in 10 ms steps, default 20) frames go
 *   in one packet;
 * - fmtp annexb (yes when absent, RFC 4856 §2.1.9) turns bcg729's VAD on: in pauses a frame comes
 *   out as a 2-octet SID (comfort-noise parameters) or as nothing. A SID always ends the packet it
 *   is in (RFC 3551 §4.5.6: "zero or more G.729 frames followed by zero or one G.729 Annex B
 *   frame"); an untransmitted frame ends the packet being filled, and the next packet starts at
 *   the timestamp of its own first frame;
 * - timestamps count input samples from the first one (8 kHz units: the RTP clock); `duration` is
 *   80 per frame, SID included; `marker` is set on the first packet and on the first packet of
 *   each talkspurt (RFC 3551 §4.1), i.e. whose first frame is speech after a SID or silence;
 * - a jump in input timestamps sends the frames ready so far, drops the incomplete frame (at most
 *   9.9 ms, counted) and restarts framing at the new timestamp with the marker set.
 *
 * Decoder (1 input of EncodedFrames → 1 output of 8000 Hz mono AudioFrames, `timestamp` = RTP):
 * - every payload decodes to 80 samples per frame, SID frames included (comfort noise);
 * - a `lost` frame becomes bcg729's own concealment (G.729 §4.4 after speech; Annex B comfort
 *   noise after a SID or untransmitted frame, Annex B §B.4) for exactly its `duration`, flagged
 *   `concealed` (hasPlc: the stream puts no generic PLC after this decoder);
 * - a payload of invalid length (not 10·n or 10·n + 2 octets, empty, or more than 100 frames) is
 *   concealed the same way for its `duration` and counted in `decodeErrors`; it never throws.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import { Bcg729Decoder, Bcg729Encoder, LIBBCG729, probeBcg729 } from '../native/bcg729.js';
import {
  G729_FRAME_BYTES,
  G729_FRAME_SAMPLES,
  G729_SID_BYTES,
  g729PayloadDuration,
  isG729SidOnly,
  parseG729Fmtp,
  parseG729Payload,
} from '../rtp/payload/g729.js';

/** G.729's sample rate and RTP clock rate. */
export const G729_SAMPLE_RATE = 8000;

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

function checkPtime(who: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 10 || ms > 120 || ms % 10 !== 0) {
    throw new ConfigError(`${who}: ptimeMs must be 10–120 ms in steps of 10 ms (G.729 frames are 10 ms), got ${String(ms)}`);
  }
  return ms;
}

export interface G729EncoderStats {
  /** 10 ms frames encoded. */
  frames: number;
  /** …of which speech (10 octets). */
  speechFrames: number;
  /** …of which SID (2 octets). */
  sidFrames: number;
  /** …of which not transmitted (VAD/DTX pause). */
  untransmittedFrames: number;
  packetsOut: number;
  bytesOut: number;
  /** Input timestamp jumps. */
  discontinuities: number;
  /** Samples dropped at discontinuities (incomplete frames). */
  droppedSamples: number;
}

export class G729Encoder extends Filter<Record<never, never>> {
  readonly type = 'g729-encoder';
  readonly payloadType: number;
  /** Annex B VAD/DTX on (fmtp annexb). */
  readonly annexb: boolean;
  #ptimeMs: number;
  #framesPerPacket: number;
  #enc: Bcg729Encoder | null;
  /** The 80-sample frame being filled, its fill level and the timestamp of its first sample. */
  readonly #pcm = new Int16Array(G729_FRAME_SAMPLES);
  #fill = 0;
  #frameTs = 0;
  #nextTs: number | null = null;
  /** Bits of the frame just encoded (bcg729 writes ≤ 10 octets). */
  readonly #bits = new Uint8Array(G729_FRAME_BYTES);
  /** The packet being filled: its octets, frames (speech and SID), timestamp. */
  #pkt: Uint8Array | null = null;
  #pktLen = 0;
  #pktFrames = 0;
  #pktTs = 0;
  #first = true;
  /** The last frame encoded was speech (so the next speech frame does not start a talkspurt). */
  #prevSpeech = false;
  #forceMarker = false;
  /** The marker bit of the packet being filled. */
  #pendingMarker = false;
  readonly #stats: G729EncoderStats = {
    frames: 0, speechFrames: 0, sidFrames: 0, untransmittedFrames: 0, packetsOut: 0, bytesOut: 0, discontinuities: 0, droppedSamples: 0,
  };

  /** Throws ConfigError for bad options, NativeLibraryError when libbcg729 is missing. */
  constructor(options: EncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#ptimeMs = checkPtime(this.type, options?.ptimeMs ?? 20);
    this.#framesPerPacket = this.#ptimeMs / 10;
    this.annexb = parseG729Fmtp(options?.fmtp).annexb;
    this.#enc = new Bcg729Encoder({ vad: this.annexb });
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Changes the packet duration; the packet being filled is sent as it is. */
  setPtimeMs(ms: number): void {
    this.#ptimeMs = checkPtime(this.name, ms);
    if (this.#pktFrames > 0) this.#send();
    this.#framesPerPacket = ms / 10;
  }

  get encoderStats(): Readonly<G729EncoderStats> {
    return { ...this.#stats };
  }

  override preprocess(_ctx: TickContext): void {
    this.#reset();
  }

  /** Frees the native encoder; it is created again if the filter runs again. */
  override postprocess(_ctx: TickContext): void {
    this.#reset();
    this.#enc?.destroy();
    this.#enc = null;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      if (f.sampleRate !== G729_SAMPLE_RATE || f.channels !== 1) {
        throw new ConfigError(
          `${this.name}: input 0 must be 8000 Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s); ` +
            'put a resampler / channel adapter in front of the encoder (AudioStream does this itself)',
        );
      }
      this.#take(f);
    }
  }

  #take(f: AudioFrame): void {
    const samples = f.samples;
    const n = samples.length;
    if (this.#nextTs !== null && f.timestamp !== this.#nextTs) {
      this.#stats.discontinuities++;
      this.#stats.droppedSamples += this.#fill;
      this.#fill = 0;
      if (this.#pktFrames > 0) this.#send();
      this.#forceMarker = true;
    }
    this.#nextTs = f.timestamp + n;
    let off = 0;
    while (off < n) {
      if (this.#fill === 0) this.#frameTs = f.timestamp + off;
      const k = Math.min(n - off, G729_FRAME_SAMPLES - this.#fill);
      this.#pcm.set(samples.subarray(off, off + k), this.#fill);
      this.#fill += k;
      off += k;
      if (this.#fill === G729_FRAME_SAMPLES) {
        this.#fill = 0;
        this.#encodeFrame(this.#frameTs);
      }
    }
  }

  #encodeFrame(ts: number): void {
    const enc = (this.#enc ??= new Bcg729Encoder({ vad: this.annexb }));
    const len = enc.encode(this.#pcm, this.#bits);
    const st = this.#stats;
    st.frames++;
    if (len === 0) {
      // Untransmitted (Annex B DTX): the packet being filled ends here.
      st.untransmittedFrames++;
      if (this.#pktFrames > 0) this.#send();
      this.#prevSpeech = false;
      return;
    }
    if (this.#pktFrames === 0) {
      this.#pktTs = ts;
      // RFC 3551 §4.1: marker on the first packet of a talkspurt.
      this.#pendingMarker = this.#first || this.#forceMarker || (len === G729_FRAME_BYTES && !this.#prevSpeech);
      this.#pkt = new Uint8Array(this.#framesPerPacket * G729_FRAME_BYTES + G729_SID_BYTES);
      this.#pktLen = 0;
    }
    this.#pkt!.set(this.#bits.subarray(0, len), this.#pktLen);
    this.#pktLen += len;
    this.#pktFrames++;
    if (len === G729_SID_BYTES) {
      st.sidFrames++;
      this.#prevSpeech = false;
      this.#send(); // a SID ends its packet (RFC 3551 §4.5.6)
      return;
    }
    st.speechFrames++;
    this.#prevSpeech = true;
    if (this.#pktFrames >= this.#framesPerPacket) this.#send();
  }

  #send(): void {
    const pkt = this.#pkt!;
    const data = this.#pktLen === pkt.length ? pkt : pkt.subarray(0, this.#pktLen);
    const frame: EncodedFrame = {
      kind: 'encoded',
      data,
      timestamp: this.#pktTs,
      marker: this.#pendingMarker,
      payloadType: this.payloadType,
      duration: this.#pktFrames * G729_FRAME_SAMPLES,
    };
    this.#first = false;
    this.#forceMarker = false;
    this.#pkt = null;
    this.#pktFrames = 0;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += this.#pktLen;
    this.#pktLen = 0;
    this.push(0, frame);
  }

  #reset(): void {
    this.#fill = 0;
    this.#nextTs = null;
    this.#pkt = null;
    this.#pktLen = 0;
    this.#pktFrames = 0;
    this.#first = true;
    this.#prevSpeech = false;
    this.#forceMarker = false;
  }
}

export interface G729DecoderStats {
  /** Payloads decoded. */
  packets: number;
  /** 10 ms speech frames decoded. */
  speechFrames: number;
  /** SID frames decoded (comfort noise). */
  sidFrames: number;
  /** `lost` frames received (concealed by bcg729). */
  lostFrames: number;
  /** Samples concealed (losses and undecodable payloads). */
  concealedSamples: number;
  /** Payloads of invalid length, concealed instead. */
  errors: number;
  /** Payloads whose payload type is not the configured one (decoded anyway). */
  otherPayloadType: number;
}

export class G729Decoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'g729-decoder';
  readonly payloadType: number;
  #dec: Bcg729Decoder | null;
  /** One concealed frame, of which the first `#carryFrom` samples were used by the last loss. */
  readonly #carry = new Int16Array(G729_FRAME_SAMPLES);
  #carryFrom = G729_FRAME_SAMPLES;
  /** Duration of the last good payload: stands for an undecodable one that has none. */
  #lastDuration = 2 * G729_FRAME_SAMPLES;
  readonly #stats: G729DecoderStats = { packets: 0, speechFrames: 0, sidFrames: 0, lostFrames: 0, concealedSamples: 0, errors: 0, otherPayloadType: 0 };

  constructor(options: DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    // The decoder takes every frame the payload carries, SID included, whatever annexb says;
    // the fmtp is still checked so that a bad value is reported on either side.
    parseG729Fmtp(options?.fmtp);
    this.#dec = new Bcg729Decoder();
  }

  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<G729DecoderStats> {
    return { ...this.#stats };
  }

  override postprocess(_ctx: TickContext): void {
    this.#dec?.destroy();
    this.#dec = null;
    this.#carryFrom = G729_FRAME_SAMPLES;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      this.#decodeOne(f);
    }
  }

  #decodeOne(f: EncodedFrame): void {
    const st = this.#stats;
    const dec = (this.#dec ??= new Bcg729Decoder());
    if (f.lost) {
      st.lostFrames++;
      this.#conceal(dec, f.timestamp, f.duration ?? 0);
      return;
    }
    if (f.payloadType !== this.payloadType) st.otherPayloadType++;
    const layout = parseG729Payload(f.data);
    if (layout === undefined) {
      st.errors++;
      this.#conceal(dec, f.timestamp, f.duration ?? this.#lastDuration);
      return;
    }
    const frames = layout.speechFrames + (layout.sid ? 1 : 0);
    const out = new Int16Array(frames * G729_FRAME_SAMPLES);
    const data = f.data;
    for (let i = 0; i < layout.speechFrames; i++) {
      dec.decode(data.subarray(i * G729_FRAME_BYTES, (i + 1) * G729_FRAME_BYTES), out.subarray(i * G729_FRAME_SAMPLES, (i + 1) * G729_FRAME_SAMPLES));
    }
    if (layout.sid) {
      const o = layout.speechFrames * G729_FRAME_BYTES;
      dec.decode(data.subarray(o, o + G729_SID_BYTES), out.subarray(layout.speechFrames * G729_FRAME_SAMPLES));
      st.sidFrames++;
    }
    st.speechFrames += layout.speechFrames;
    st.packets++;
    this.#lastDuration = out.length;
    this.#carryFrom = G729_FRAME_SAMPLES; // a loss after this starts a fresh concealed frame
    this.push(0, { kind: 'audio', samples: out, sampleRate: G729_SAMPLE_RATE, channels: 1, timestamp: f.timestamp });
  }

  /**
   * Exactly `n` samples of bcg729's concealment. Frames are 80 samples and a lost span need not
   * be a multiple of them: what is left of the last concealed frame serves the next loss if one
   * follows at once, and is dropped when a payload arrives. The frame's timestamp is rounded like
   * its length.
   */
  #conceal(dec: Bcg729Decoder, timestamp: number, duration: number): void {
    // Spans come from the jitter buffer's arithmetic and may be fractional (seen after a
    // mediastream call ended): round to whole samples, and bound a corrupt value to 10 s.
    const n = Math.min(Math.round(duration), 10 * G729_SAMPLE_RATE);
    if (!(n > 0)) return;
    const out = new Int16Array(n);
    let o = 0;
    const carry = this.#carry;
    while (o < n) {
      if (this.#carryFrom >= G729_FRAME_SAMPLES) {
        dec.conceal(carry);
        this.#carryFrom = 0;
      }
      const k = Math.min(n - o, G729_FRAME_SAMPLES - this.#carryFrom);
      out.set(carry.subarray(this.#carryFrom, this.#carryFrom + k), o);
      this.#carryFrom += k;
      o += k;
    }
    this.#stats.concealedSamples += n;
    this.push(0, { kind: 'audio', samples: out, sampleRate: G729_SAMPLE_RATE, channels: 1, timestamp: Math.round(timestamp), concealed: true });
  }
}

export function createG729Encoder(options: EncoderOptions): G729Encoder {
  return new G729Encoder(options);
}

export function createG729Decoder(options: DecoderOptions): G729Decoder {
  return new G729Decoder(options);
}

/** G.729 Annex A/B over libbcg729: RFC 3551 static payload type 18. */
export const G729_CODEC: CodecDescriptor = {
  mime: 'G729',
  clockRate: 8000,
  channels: 1,
  sampleRate: G729_SAMPLE_RATE,
  staticPayloadType: 18,
  frameMs: 10,
  defaultPtimeMs: 20,
  bitrates: '8 kbit/s',
  description: 'ITU-T G.729 Annex A with Annex B VAD/DTX/CNG (libbcg729, GPL, loaded at run time)',
  library: { name: LIBBCG729.name, debianPackage: LIBBCG729.debianPackage },
  hasPlc: true,
  isQuietPayload: isG729SidOnly,
  payloadDuration: g729PayloadDuration,
  createEncoder: createG729Encoder,
  createDecoder: createG729Decoder,
};

/**
 * Registers G.729: available when libbcg729 loads, else unavailable with the reason (the
 * NativeLibraryError message naming libbcg729-0). An available G729 already registered is kept.
 */
export function registerG729Codecs(registry: Registry): void {
  const existing = registry.findCodec(G729_CODEC.mime, G729_CODEC.clockRate, G729_CODEC.channels);
  if (existing?.available) return;
  const a = probeBcg729();
  registry.registerCodec(G729_CODEC, a.available ? true : a.reason);
}
