/**
 * AMR (AMR-NB, 3GPP TS 26.071…26.104) and AMR-WB (TS 26.171…26.204) encoder and decoder filters
 * and codec descriptors (RFC 4867: `AMR/8000`, default dynamic PT 113; `AMR-WB/16000`, PT 115).
 * AMR-NB encodes and decodes with opencore-amrnb; AMR-WB decodes with opencore-amrwb and encodes
 * with vo-amrwbenc. The RTP payload format (CMR, ToC, octet-aligned and bandwidth-efficient
 * modes) and fmtp are in rtp/payload/amr.ts.
 *
 * Encoder (1 audio input at 8000 / 16000 Hz mono → 1 output of EncodedFrames, one RTP payload each):
 * - 20 ms frames; `ptimeMs` (20–200 in 20 ms steps, default 20) frames per packet (RFC 4867 §4.1);
 * - the mode: the highest of the fmtp mode-set (all modes when absent: 12.2 / 23.85 kbit/s), or the
 *   highest whose rate is ≤ `bitrate`. `setMode()` / `setBitrate()` change it at run time within
 *   the mode-set, honouring mode-change-period (changes only every other frame) and
 *   mode-change-neighbor (one step of the set at a time) — RFC 4867 §8.1;
 * - **CMR**: the decoder filter emits `cmr` with each new mode request the peer puts in its
 *   packets; the stream forwards it to this encoder's `setMode()` (RFC 4867 §4.3.1: the request
 *   is the highest mode the peer wants to receive). `setCmr()` sets the request we send (default
 *   15, none);
 * - DTX (option `dtx`, default off; RFC 4867 has no fmtp for it): the encoder sends SID frames in pauses and
 *   nothing for the NO_DATA frames in between; a packet whose frames are all NO_DATA is not sent;
 * - timestamps count input samples from the first one (the clock rate is the sample rate);
 *   `marker` is set on the first packet and on a packet whose first frame starts a talkspurt
 *   (speech after SID/NO_DATA; RFC 4867 §4.1); `duration` is 20 ms per frame;
 * - a jump in input timestamps sends the frames ready so far, drops the incomplete frame
 *   (counted) and restarts framing at the new timestamp with the marker set.
 *
 * Decoder (1 input of EncodedFrames → 1 output of AudioFrames at the codec rate):
 * - each payload is parsed (CMR, ToC) and its frames decoded in order, NO_DATA and damaged (Q = 0,
 *   RFC 4867 §4.3.2: treat as SPEECH_BAD / SID_BAD) frames through the decoder's concealment;
 * - a `lost` frame becomes the codec's own concealment (TS 26.091 / 26.191 error concealment
 *   after speech, comfort noise during DTX) for exactly its `duration`, flagged `concealed`
 *   (hasPlc: the stream puts no generic PLC after this decoder);
 * - an undecodable payload (bad ToC, wrong length, reserved frame types, too many frames) is
 *   concealed the same way and counted in `decodeErrors`; it never throws.
 *
 * Wiring the CMR in a stream (AudioStream does it when both filters exist):
 *   decoder.on('cmr', (mode) => encoder.setMode(mode));
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import {
  AMR_FRAME_BUFFER,
  AmrNbDecoder,
  AmrNbEncoder,
  AmrWbDecoder,
  LIBOPENCORE_AMRNB,
  LIBOPENCORE_AMRWB,
  probeOpencoreAmrNb,
  probeOpencoreAmrWb,
} from '../native/opencore-amr.js';
import { AmrWbEncoder, LIBVO_AMRWBENC, probeVoAmrWbEnc } from '../native/vo-amrwbenc.js';
import {
  AMR_CMR_NONE,
  AMR_NB,
  AMR_NO_DATA,
  AMR_STORAGE_STRIDE,
  AMR_WB,
  amrIsSpeechOrSid,
  amrModeForBitrate,
  amrModeWithin,
  amrPayloadDuration,
  amrStepMode,
  createAmrFrames,
  isAmrQuietPayload,
  packAmrPayload,
  parseAmrFmtp,
  parseAmrPayload,
  type AmrFmtp,
  type AmrFrames,
  type AmrVariant,
  type AmrVariantInfo,
} from '../rtp/payload/amr.js';

/** The native encoders and decoders as the filters use them (storage-format frames). */
interface FrameEncoder {
  encode(mode: number, pcm: Int16Array, out: Uint8Array): number;
  destroy(): void;
}
interface FrameDecoder {
  decode(frame: Uint8Array, out: Int16Array, bfi: boolean): void;
  destroy(): void;
}

function newEncoder(variant: AmrVariant, dtx: boolean): FrameEncoder {
  return variant === 'nb' ? new AmrNbEncoder({ dtx }) : new AmrWbEncoder({ dtx });
}

function newDecoder(variant: AmrVariant): FrameDecoder {
  return variant === 'nb' ? new AmrNbDecoder() : new AmrWbDecoder();
}

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

function checkPtime(who: string, ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 20 || ms > 200 || ms % 20 !== 0) {
    throw new ConfigError(`${who}: ptimeMs must be 20–200 ms in steps of 20 ms (AMR frames are 20 ms), got ${String(ms)}`);
  }
  return ms;
}

function checkMode(who: string, info: AmrVariantInfo, mode: unknown): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode >= info.modes) {
    throw new ConfigError(`${who}: ${info.mime} mode must be a whole number 0–${info.modes - 1}, got ${String(mode)}`);
  }
  return mode;
}

function checkBitrate(who: string, info: AmrVariantInfo, bitrate: unknown): number {
  const lo = info.bitrates[0]!;
  const hi = info.bitrates[info.bitrates.length - 1]!;
  if (typeof bitrate !== 'number' || !Number.isFinite(bitrate) || bitrate < lo || bitrate > 1_000_000) {
    throw new ConfigError(`${who}: ${info.mime} bitrate must be ${lo}–${hi} bit/s (higher values select ${hi}), got ${String(bitrate)}`);
  }
  return bitrate;
}

export interface AmrEncoderOptions extends EncoderOptions {
  /** Discontinuous transmission: SID frames and no packets in pauses (default false). */
  dtx?: boolean;
  /** The starting mode (0–7 / 0–8), instead of one chosen from `bitrate` or the mode-set. */
  mode?: number;
}

export interface AmrEncoderStats {
  /** 20 ms frames encoded. */
  frames: number;
  speechFrames: number;
  sidFrames: number;
  /** NO_DATA frames (DTX). */
  noDataFrames: number;
  packetsOut: number;
  /** Packets not sent because every frame in them was NO_DATA. */
  packetsSuppressed: number;
  bytesOut: number;
  /** Mode changes applied. */
  modeChanges: number;
  discontinuities: number;
  droppedSamples: number;
}

export class AmrEncoder extends Filter<Record<never, never>> {
  readonly type: string;
  readonly info: AmrVariantInfo;
  readonly payloadType: number;
  readonly fmtp: AmrFmtp;
  readonly dtx: boolean;
  #ptimeMs: number;
  #framesPerPacket = 1;
  #enc: FrameEncoder | null;
  /** Mode in use, and the one asked for (setMode/setBitrate/CMR) that #mode moves towards. */
  #mode: number;
  #target: number;
  #cmr = AMR_CMR_NONE;
  /** Frames encoded since the start (mode-change-period counts on it). */
  #frameIndex = 0;
  readonly #pcm: Int16Array;
  #fill = 0;
  #frameTs = 0;
  #nextTs: number | null = null;
  /** Storage-format frames of the packet being filled, one per AMR_STORAGE_STRIDE octets. */
  #storage = new Uint8Array(0);
  #slots: Uint8Array[] = [];
  #pktFrames = 0;
  #pktTs = 0;
  #pktMarker = false;
  #pktHasData = false;
  #first = true;
  #prevSpeech = false;
  #forceMarker = false;
  readonly #stats: AmrEncoderStats = {
    frames: 0, speechFrames: 0, sidFrames: 0, noDataFrames: 0, packetsOut: 0, packetsSuppressed: 0, bytesOut: 0, modeChanges: 0, discontinuities: 0, droppedSamples: 0,
  };

  /** Throws ConfigError for bad options or fmtp, NativeLibraryError when a library is missing. */
  constructor(variant: AmrVariant, options: AmrEncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.info = variant === 'nb' ? AMR_NB : AMR_WB;
    this.type = variant === 'nb' ? 'amr-encoder' : 'amr-wb-encoder';
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#ptimeMs = checkPtime(this.type, options?.ptimeMs ?? 20);
    this.fmtp = parseAmrFmtp(this.info, options?.fmtp);
    this.dtx = options?.dtx ?? false;
    const set = this.fmtp.modeSet;
    let mode = set[set.length - 1]!;
    if (options?.bitrate !== undefined) mode = amrModeForBitrate(this.info, checkBitrate(this.type, this.info, options.bitrate), set);
    if (options?.mode !== undefined) mode = amrModeWithin(checkMode(this.type, this.info, options.mode), set);
    this.#mode = mode;
    this.#target = mode;
    this.#pcm = new Int16Array(this.info.frameSamples);
    this.#setFramesPerPacket(this.#ptimeMs / 20);
    this.#enc = newEncoder(variant, this.dtx);
  }

  /** The mode in use (0–7 for AMR, 0–8 for AMR-WB). */
  get mode(): number {
    return this.#mode;
  }

  /** The mode asked for, which the mode in use reaches at the next allowed frame boundaries. */
  get targetMode(): number {
    return this.#target;
  }

  /** Bit rate of the mode in use, bit/s. */
  get bitrate(): number {
    return this.info.bitrates[this.#mode]!;
  }

  /**
   * Asks for a mode (a CMR from the peer, or the application's choice): the highest mode of the
   * negotiated mode-set not above it is used from the next allowed frame boundary. CMR 15 (no
   * request) and values outside 0–7 / 0–8 are ignored, as RFC 4867 §4.3.1 has it for CMRs.
   */
  setMode(mode: number): void {
    if (!Number.isInteger(mode) || mode < 0 || mode >= this.info.modes) return;
    this.#target = amrModeWithin(mode, this.fmtp.modeSet);
  }

  /** Uses the highest mode of the mode-set whose rate is ≤ `bitrate` (bit/s). */
  setBitrate(bitrate: number): void {
    this.#target = amrModeForBitrate(this.info, checkBitrate(this.name, this.info, bitrate), this.fmtp.modeSet);
  }

  /** The CMR put in our packets: the mode we want the peer to send (RFC 4867 §4.3.1); null = no request. */
  setCmr(mode: number | null): void {
    this.#cmr = mode === null ? AMR_CMR_NONE : checkMode(this.name, this.info, mode);
  }

  get cmr(): number | null {
    return this.#cmr === AMR_CMR_NONE ? null : this.#cmr;
  }

  get ptimeMs(): number {
    return this.#ptimeMs;
  }

  /** Changes the packet duration; the packet being filled is sent as it is. */
  setPtimeMs(ms: number): void {
    this.#ptimeMs = checkPtime(this.name, ms);
    if (this.#pktFrames > 0) this.#send();
    this.#setFramesPerPacket(ms / 20);
  }

  get encoderStats(): Readonly<AmrEncoderStats> {
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
      if (f.sampleRate !== this.info.clockRate || f.channels !== 1) {
        throw new ConfigError(
          `${this.name}: input 0 must be ${this.info.clockRate} Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s); ` +
            'put a resampler / channel adapter in front of the encoder (AudioStream does this itself)',
        );
      }
      this.#take(f);
    }
  }

  #setFramesPerPacket(n: number): void {
    this.#framesPerPacket = n;
    this.#storage = new Uint8Array(n * AMR_STORAGE_STRIDE);
    this.#slots = Array.from({ length: n }, (_, i) => this.#storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE));
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
    const fs = this.info.frameSamples;
    let off = 0;
    while (off < n) {
      if (this.#fill === 0) this.#frameTs = f.timestamp + off;
      const k = Math.min(n - off, fs - this.#fill);
      this.#pcm.set(samples.subarray(off, off + k), this.#fill);
      this.#fill += k;
      off += k;
      if (this.#fill === fs) {
        this.#fill = 0;
        this.#encodeFrame(this.#frameTs);
      }
    }
  }

  #encodeFrame(ts: number): void {
    // Mode changes happen at frame boundaries; with mode-change-period=2 only at every other
    // frame (RFC 4867 §8.1), with mode-change-neighbor=1 one step of the mode-set at a time.
    if (this.#mode !== this.#target && (this.fmtp.modeChangePeriod === 1 || this.#frameIndex % 2 === 0)) {
      this.#mode = amrStepMode(this.#mode, this.#target, this.fmtp.modeSet, this.fmtp.modeChangeNeighbor);
      this.#stats.modeChanges++;
    }
    this.#frameIndex++;
    const enc = (this.#enc ??= newEncoder(this.info.variant, this.dtx));
    if (this.#pktFrames === 0) {
      this.#pktTs = ts;
      this.#pktHasData = false;
    }
    const slot = this.#slots[this.#pktFrames]!;
    slot.fill(0);
    enc.encode(this.#mode, this.#pcm, slot);
    const ft = (slot[0]! >> 3) & 0x0f;
    const st = this.#stats;
    st.frames++;
    const speech = ft < this.info.sidFt;
    if (speech) st.speechFrames++;
    else if (ft === this.info.sidFt) st.sidFrames++;
    else st.noDataFrames++;
    if (this.#pktFrames === 0) {
      // RFC 4867 §4.1: M = 1 when the packet's first frame is the first speech frame of a talkspurt.
      this.#pktMarker = this.#first || this.#forceMarker || (speech && !this.#prevSpeech);
    }
    if (ft !== AMR_NO_DATA) this.#pktHasData = true;
    this.#prevSpeech = speech;
    this.#pktFrames++;
    if (this.#pktFrames >= this.#framesPerPacket) this.#send();
  }

  #send(): void {
    const n = this.#pktFrames;
    this.#pktFrames = 0;
    if (!this.#pktHasData) {
      // Only NO_DATA (DTX): nothing to send (RFC 4867 §4.3.2 lets a sender leave such packets
      // out); the next packet with speech carries the marker as a talkspurt start.
      this.#stats.packetsSuppressed++;
      return;
    }
    const data = packAmrPayload(this.info, this.fmtp.octetAlign, this.#cmr, this.#storage, AMR_STORAGE_STRIDE, n);
    const frame: EncodedFrame = {
      kind: 'encoded',
      data,
      timestamp: this.#pktTs,
      marker: this.#pktMarker,
      payloadType: this.payloadType,
      duration: n * this.info.frameSamples,
    };
    this.#first = false;
    this.#forceMarker = false;
    this.#stats.packetsOut++;
    this.#stats.bytesOut += data.length;
    this.push(0, frame);
  }

  #reset(): void {
    this.#fill = 0;
    this.#nextTs = null;
    this.#pktFrames = 0;
    this.#first = true;
    this.#prevSpeech = false;
    this.#forceMarker = false;
    this.#frameIndex = 0;
  }
}

export interface AmrDecoderStats {
  /** Payloads decoded. */
  packets: number;
  /** Frames decoded from payloads (speech, SID, NO_DATA). */
  frames: number;
  speechFrames: number;
  sidFrames: number;
  /** NO_DATA / SPEECH_LOST frames in payloads. */
  noDataFrames: number;
  /** Frames with Q = 0, decoded as bad frames. */
  damagedFrames: number;
  /** `lost` frames received (concealed by the codec). */
  lostFrames: number;
  /** Samples concealed for `lost` frames and undecodable payloads. */
  concealedSamples: number;
  /** Undecodable payloads, concealed instead. */
  errors: number;
  /** Payloads whose payload type is not the configured one (decoded anyway). */
  otherPayloadType: number;
  /** CMR changes seen (each emitted as a `cmr` event). */
  cmrChanges: number;
}

export type AmrDecoderEvents = {
  /** The peer's codec mode request changed (0–7 / 0–8): forward it to our encoder's setMode(). */
  cmr: [mode: number];
};

export class AmrDecoder extends Filter<AmrDecoderEvents> implements DecodeErrorCounter {
  readonly type: string;
  readonly info: AmrVariantInfo;
  readonly payloadType: number;
  readonly fmtp: AmrFmtp;
  #dec: FrameDecoder | null;
  readonly #frames: AmrFrames = createAmrFrames();
  /** A NO_DATA frame for concealment: header FT 15, zero bits. */
  readonly #noData = new Uint8Array(AMR_FRAME_BUFFER);
  readonly #carry: Int16Array;
  #carryFrom: number;
  #lastDuration: number;
  /** The last CMR received (15 = none yet / no request). */
  #lastCmr = AMR_CMR_NONE;
  #lastError = '';
  readonly #stats: AmrDecoderStats = {
    packets: 0, frames: 0, speechFrames: 0, sidFrames: 0, noDataFrames: 0, damagedFrames: 0, lostFrames: 0, concealedSamples: 0, errors: 0, otherPayloadType: 0, cmrChanges: 0,
  };

  /** Throws ConfigError for a bad fmtp, NativeLibraryError when the library is missing. */
  constructor(variant: AmrVariant, options: DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.info = variant === 'nb' ? AMR_NB : AMR_WB;
    this.type = variant === 'nb' ? 'amr-decoder' : 'amr-wb-decoder';
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.fmtp = parseAmrFmtp(this.info, options?.fmtp);
    this.#noData[0] = AMR_NO_DATA << 3;
    this.#carry = new Int16Array(this.info.frameSamples);
    this.#carryFrom = this.info.frameSamples;
    this.#lastDuration = this.info.frameSamples;
    this.#dec = newDecoder(variant);
  }

  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get decoderStats(): Readonly<AmrDecoderStats> {
    return { ...this.#stats };
  }

  /** The peer's last codec mode request, or null (none, or 15 = no request). */
  get peerCmr(): number | null {
    return this.#lastCmr < this.info.modes ? this.#lastCmr : null;
  }

  /** Why the last undecodable payload was refused (for diagnostics). */
  get lastError(): string {
    return this.#lastError;
  }

  override postprocess(_ctx: TickContext): void {
    this.#dec?.destroy();
    this.#dec = null;
    this.#carryFrom = this.info.frameSamples;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      this.#decodeOne(f);
    }
  }

  #decodeOne(f: EncodedFrame): void {
    const st = this.#stats;
    const info = this.info;
    const dec = (this.#dec ??= newDecoder(info.variant));
    if (f.lost) {
      st.lostFrames++;
      this.#conceal(dec, f.timestamp, f.duration ?? 0);
      return;
    }
    if (f.payloadType !== this.payloadType) st.otherPayloadType++;
    const fr = this.#frames;
    const err = parseAmrPayload(info, this.fmtp.octetAlign, f.data, fr);
    if (err !== undefined) {
      st.errors++;
      this.#lastError = err;
      this.#conceal(dec, f.timestamp, f.duration ?? this.#lastDuration);
      return;
    }
    // RFC 4867 §4.3.1: the CMR applies to the reverse direction; only changes are reported, and
    // values outside the modes (15 = no request, reserved ones) request nothing.
    if (fr.cmr !== this.#lastCmr) {
      this.#lastCmr = fr.cmr;
      if (fr.cmr < info.modes) {
        st.cmrChanges++;
        this.emit('cmr', fr.cmr);
      }
    }
    const fs = info.frameSamples;
    const out = new Int16Array(fr.count * fs);
    for (let i = 0; i < fr.count; i++) {
      const ft = fr.ft[i]!;
      const pcm = out.subarray(i * fs, (i + 1) * fs);
      const frame = fr.storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE);
      if (amrIsSpeechOrSid(info, ft)) {
        if (ft < info.sidFt) st.speechFrames++;
        else st.sidFrames++;
        // Q = 0: a damaged frame, to be decoded as SPEECH_BAD / SID_BAD (RFC 4867 §4.3.2); neither
        // library reads Q, so it is handed over as a bad frame.
        const bad = fr.q[i] === 0;
        if (bad) st.damagedFrames++;
        dec.decode(frame, pcm, bad);
      } else {
        // NO_DATA (and AMR-WB SPEECH_LOST): the decoder continues comfort noise in DTX, conceals
        // after speech.
        st.noDataFrames++;
        dec.decode(this.#noData, pcm, true);
      }
    }
    st.frames += fr.count;
    st.packets++;
    this.#lastDuration = out.length;
    this.#carryFrom = fs;
    this.push(0, { kind: 'audio', samples: out, sampleRate: info.clockRate, channels: 1, timestamp: f.timestamp });
  }

  /**
   * `duration` samples of the codec's concealment, rounded to whole samples (jitter-buffer spans
   * may be fractional) and bounded to 10 s; see G729Decoder for the carry of a partly used frame.
   */
  #conceal(dec: FrameDecoder, timestamp: number, duration: number): void {
    const n = Math.min(Math.round(duration), 10 * this.info.clockRate);
    if (!(n > 0)) return;
    const fs = this.info.frameSamples;
    const out = new Int16Array(n);
    const carry = this.#carry;
    let o = 0;
    while (o < n) {
      if (this.#carryFrom >= fs) {
        dec.decode(this.#noData, carry, true);
        this.#carryFrom = 0;
      }
      const k = Math.min(n - o, fs - this.#carryFrom);
      out.set(carry.subarray(this.#carryFrom, this.#carryFrom + k), o);
      this.#carryFrom += k;
      o += k;
    }
    this.#stats.concealedSamples += n;
    this.push(0, { kind: 'audio', samples: out, sampleRate: this.info.clockRate, channels: 1, timestamp: Math.round(timestamp), concealed: true });
  }
}

export function createAmrEncoder(options: AmrEncoderOptions): AmrEncoder {
  return new AmrEncoder('nb', options);
}
export function createAmrDecoder(options: DecoderOptions): AmrDecoder {
  return new AmrDecoder('nb', options);
}
export function createAmrWbEncoder(options: AmrEncoderOptions): AmrEncoder {
  return new AmrEncoder('wb', options);
}
export function createAmrWbDecoder(options: DecoderOptions): AmrDecoder {
  return new AmrDecoder('wb', options);
}

/** AMR (narrowband): RFC 4867 `AMR/8000`, default dynamic PT 113 (as mediastream). */
export const AMR_CODEC: CodecDescriptor = {
  mime: 'AMR',
  clockRate: 8000,
  channels: 1,
  sampleRate: 8000,
  defaultPayloadType: 113,
  frameMs: 20,
  defaultPtimeMs: 20,
  bitrates: '4.75–12.2 kbit/s (8 modes)',
  description: '3GPP AMR-NB (opencore-amrnb); RFC 4867 octet-aligned and bandwidth-efficient, CMR, DTX',
  library: { name: LIBOPENCORE_AMRNB.name, debianPackage: LIBOPENCORE_AMRNB.debianPackage },
  hasPlc: true,
  isQuietPayload: (p) => isAmrQuietPayload(AMR_NB, p),
  payloadDuration: (p) => amrPayloadDuration(AMR_NB, p),
  createEncoder: (o) => createAmrEncoder(o),
  createDecoder: (o) => createAmrDecoder(o),
};

/** AMR-WB: RFC 4867 `AMR-WB/16000`, default dynamic PT 115 (as mediastream). */
export const AMR_WB_CODEC: CodecDescriptor = {
  mime: 'AMR-WB',
  clockRate: 16000,
  channels: 1,
  sampleRate: 16000,
  defaultPayloadType: 115,
  frameMs: 20,
  defaultPtimeMs: 20,
  bitrates: '6.6–23.85 kbit/s (9 modes)',
  description: '3GPP AMR-WB (opencore-amrwb decoder, vo-amrwbenc encoder); RFC 4867 octet-aligned and bandwidth-efficient, CMR, DTX',
  library: {
    name: `${LIBOPENCORE_AMRWB.name} + ${LIBVO_AMRWBENC.name}`,
    debianPackage: `${LIBOPENCORE_AMRWB.debianPackage} ${LIBVO_AMRWBENC.debianPackage}`,
  },
  hasPlc: true,
  isQuietPayload: (p) => isAmrQuietPayload(AMR_WB, p),
  payloadDuration: (p) => amrPayloadDuration(AMR_WB, p),
  createEncoder: (o) => createAmrWbEncoder(o),
  createDecoder: (o) => createAmrWbDecoder(o),
};

/**
 * Registers AMR and AMR-WB, each available when its libraries load, else unavailable with the
 * reason (naming the missing Debian packages). Codecs already registered and available are kept.
 */
export function registerAmrCodecs(registry: Registry): void {
  const nb = probeOpencoreAmrNb();
  const wbReasons = [probeOpencoreAmrWb(), probeVoAmrWbEnc()].flatMap((a) => (a.available ? [] : [a.reason]));
  const entries: [CodecDescriptor, true | string][] = [
    [AMR_CODEC, nb.available ? true : nb.reason],
    [AMR_WB_CODEC, wbReasons.length === 0 ? true : wbReasons.join('; ')],
  ];
  for (const [codec, availability] of entries) {
    if (registry.findCodec(codec.mime, codec.clockRate, codec.channels)?.available) continue;
    registry.registerCodec(codec, availability);
  }
}
