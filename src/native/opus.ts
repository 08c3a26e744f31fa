/**
 * libopus through koffi (DESIGN §5): the encoder and decoder of RFC 6716, as Debian's libopus0
 * (1.3.1 on Debian 12) ships them. Prototypes are those of <opus/opus.h>; opus_int16 = int16_t,
 * opus_int32 = int32_t, `OpusEncoder *` / `OpusDecoder *` opaque (declared `void *`, see
 * loader.ts).
 *
 * - Hot-path calls (opus_encode, opus_decode) are bound with fixed prototypes; the typed arrays
 *   go to C as they are, without a copy (see speexdsp.ts for the measurement), so the PCM and the
 *   packet bytes live in JS memory and no native memory is allocated per packet.
 * - The CTLs (`opus_encoder_ctl(st, request, ...)`) are C variadic functions: they are bound as
 *   such (koffi's variadic calls take a type and a value per extra argument), never re-declared
 *   with a fixed prototype, since calling a variadic function through a non-variadic prototype is
 *   undefined behaviour on some ABIs (Apple arm64 passes variadic arguments on the stack). A
 *   variadic call costs a few µs more (koffi parses the types per call); CTLs run at setup and on
 *   parameter changes, not per packet.
 * - Codec states are created by opus_encoder_create/opus_decoder_create (one malloc each, freed by
 *   the matching destroy) once per object; `destroy()` frees them and a FinalizationRegistry is
 *   the safety net for objects dropped without it.
 */
import { ConfigError, MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

/** Debian's runtime package of libopus. */
export const LIBOPUS: NativeLibrarySpec = {
  name: 'libopus',
  sonames: ['libopus.so.0', 'libopus.so'],
  debianPackage: 'libopus0',
};

// ─────────────────────────────────────────────────────────────── constants (opus_defines.h) ──

export const OPUS_OK = 0;
export const OPUS_BAD_ARG = -1;
export const OPUS_BUFFER_TOO_SMALL = -2;
export const OPUS_INTERNAL_ERROR = -3;
export const OPUS_INVALID_PACKET = -4;

export const OPUS_AUTO = -1000;
export const OPUS_BITRATE_MAX = -1;

/** opus_encoder_create's `application` (opus_defines.h). */
export const OPUS_APPLICATION = { voip: 2048, audio: 2049, 'restricted-lowdelay': 2051 } as const;
export type OpusApplication = keyof typeof OPUS_APPLICATION;

/** OPUS_SET_SIGNAL values. */
export const OPUS_SIGNAL = { auto: OPUS_AUTO, voice: 3001, music: 3002 } as const;
export type OpusSignal = keyof typeof OPUS_SIGNAL;

/** Audio bandwidths (RFC 6716 §2, Table 1): NB 4 kHz, MB 6, WB 8, SWB 12, FB 20 kHz audio. */
export const OPUS_BANDWIDTH = { nb: 1101, mb: 1102, wb: 1103, swb: 1104, fb: 1105 } as const;
export type OpusBandwidthName = keyof typeof OPUS_BANDWIDTH;

/** The sample rates the libopus API takes and gives (RFC 6716 §2: the codec resamples inside). */
export const OPUS_API_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/** The longest packet libopus produces or accepts: 120 ms (RFC 6716 §3.2.5), in samples at 48 kHz. */
export const OPUS_MAX_PACKET_SAMPLES_48K = 5760;

/** opus_encode's output buffer: libopus documents 4000 bytes as always enough for one packet. */
export const OPUS_MAX_PACKET_BYTES = 4000;

const CTL = {
  SET_APPLICATION: 4000,
  GET_APPLICATION: 4001,
  SET_BITRATE: 4002,
  GET_BITRATE: 4003,
  SET_MAX_BANDWIDTH: 4004,
  GET_MAX_BANDWIDTH: 4005,
  SET_VBR: 4006,
  GET_VBR: 4007,
  SET_BANDWIDTH: 4008,
  GET_BANDWIDTH: 4009,
  SET_COMPLEXITY: 4010,
  GET_COMPLEXITY: 4011,
  SET_INBAND_FEC: 4012,
  GET_INBAND_FEC: 4013,
  SET_PACKET_LOSS_PERC: 4014,
  GET_PACKET_LOSS_PERC: 4015,
  SET_DTX: 4016,
  GET_DTX: 4017,
  SET_VBR_CONSTRAINT: 4020,
  GET_VBR_CONSTRAINT: 4021,
  SET_FORCE_CHANNELS: 4022,
  GET_FORCE_CHANNELS: 4023,
  SET_SIGNAL: 4024,
  GET_SIGNAL: 4025,
  GET_LOOKAHEAD: 4027,
  RESET_STATE: 4028,
  GET_SAMPLE_RATE: 4029,
  GET_FINAL_RANGE: 4031,
  SET_GAIN: 4034,
  GET_GAIN: 4045,
  GET_LAST_PACKET_DURATION: 4039,
  GET_IN_DTX: 4049,
} as const;

// ───────────────────────────────────────────────────────────────────────────────── binding ──

/** `OpusEncoder *` / `OpusDecoder *`: opaque native pointers (koffi 3 gives pointers as BigInt). */
type EncoderPtr = bigint & { readonly __brand: 'OpusEncoder*' };
type DecoderPtr = bigint & { readonly __brand: 'OpusDecoder*' };

/**
 * A variadic CTL call: after the state and the request, each C argument is given as its koffi
 * type name and its value ('int', 5) or ('int *', Int32Array).
 */
type VariadicCtl<S> = (st: S, request: number, ...typeAndValue: unknown[]) => number;

interface OpusApi {
  encoderCreate(fs: number, channels: number, application: number, err: Int32Array): EncoderPtr | null;
  encoderDestroy(st: EncoderPtr): void;
  encode(st: EncoderPtr, pcm: Int16Array, frameSize: number, data: Uint8Array, maxBytes: number): number;
  encoderCtl: VariadicCtl<EncoderPtr>;
  decoderCreate(fs: number, channels: number, err: Int32Array): DecoderPtr | null;
  decoderDestroy(st: DecoderPtr): void;
  decode(st: DecoderPtr, data: Uint8Array | null, len: number, pcm: Int16Array, frameSize: number, decodeFec: number): number;
  decoderCtl: VariadicCtl<DecoderPtr>;
  packetGetNbSamples(data: Uint8Array, len: number, fs: number): number;
  packetGetNbFrames(data: Uint8Array, len: number): number;
  packetGetBandwidth(data: Uint8Array): number;
  packetGetNbChannels(data: Uint8Array): number;
  strerror(err: number): string;
  versionString(): string;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to the typed members
// of OpusApi is where the C prototypes on the left get their TypeScript types.
const opus = defineBinding<OpusApi>(LIBOPUS, (lib) => ({
  encoderCreate: lib.func('void *opus_encoder_create(int32_t Fs, int channels, int application, int *error)'),
  encoderDestroy: lib.func('void opus_encoder_destroy(void *st)'),
  encode: lib.func('int32_t opus_encode(void *st, const int16_t *pcm, int frame_size, uint8_t *data, int32_t max_data_bytes)'),
  encoderCtl: lib.func('int opus_encoder_ctl(void *st, int request, ...)'),
  decoderCreate: lib.func('void *opus_decoder_create(int32_t Fs, int channels, int *error)'),
  decoderDestroy: lib.func('void opus_decoder_destroy(void *st)'),
  decode: lib.func('int opus_decode(void *st, const uint8_t *data, int32_t len, int16_t *pcm, int frame_size, int decode_fec)'),
  decoderCtl: lib.func('int opus_decoder_ctl(void *st, int request, ...)'),
  packetGetNbSamples: lib.func('int opus_packet_get_nb_samples(const uint8_t *packet, int32_t len, int32_t Fs)'),
  packetGetNbFrames: lib.func('int opus_packet_get_nb_frames(const uint8_t *packet, int32_t len)'),
  packetGetBandwidth: lib.func('int opus_packet_get_bandwidth(const uint8_t *data)'),
  packetGetNbChannels: lib.func('int opus_packet_get_nb_channels(const uint8_t *data)'),
  strerror: lib.func('const char *opus_strerror(int error)'),
  versionString: lib.func('const char *opus_get_version_string(void)'),
}));

/** Whether libopus and every function bound here are usable (feature detection for the registry). */
export function probeOpus(): Availability {
  return opus.probe();
}

/** Loads libopus now; throws NativeLibraryError (naming the Debian package) if it cannot. */
export function loadOpus(): void {
  opus.get();
}

/** opus_get_version_string(), e.g. "libopus 1.3.1". */
export function opusVersion(): string {
  return opus.get().versionString();
}

/** opus_strerror: the text of an OPUS_* error code. */
export function opusStrerror(code: number): string {
  return opus.get().strerror(code);
}

/**
 * opus_packet_get_nb_samples: samples per channel a packet decodes to at `sampleRate`, or a
 * negative OPUS_* code (OPUS_INVALID_PACKET for a malformed count byte). The pure-TypeScript
 * parser in rtp/payload/opus.ts does the same without a native call; this one is its oracle.
 */
export function opusPacketSamples(packet: Uint8Array, sampleRate = 48000): number {
  if (packet.length === 0) return OPUS_BAD_ARG;
  return opus.get().packetGetNbSamples(packet, packet.length, sampleRate);
}

/** opus_packet_get_nb_frames: Opus frames in a packet, or a negative OPUS_* code. */
export function opusPacketFrames(packet: Uint8Array): number {
  if (packet.length === 0) return OPUS_BAD_ARG;
  return opus.get().packetGetNbFrames(packet, packet.length);
}

/** opus_packet_get_nb_channels: channels coded in the packet (1 or 2), from its TOC byte. */
export function opusPacketChannels(packet: Uint8Array): number {
  if (packet.length === 0) return OPUS_BAD_ARG;
  return opus.get().packetGetNbChannels(packet);
}

/** opus_packet_get_bandwidth: an OPUS_BANDWIDTH value, from the TOC byte. */
export function opusPacketBandwidth(packet: Uint8Array): number {
  if (packet.length === 0) return OPUS_BAD_ARG;
  return opus.get().packetGetBandwidth(packet);
}

/** A libopus call returned an error code. */
export class OpusError extends MediaweaveError {
  /** The OPUS_* code (negative). */
  readonly opusCode: number;
  constructor(call: string, opusCode: number, text: string) {
    super('ERR_OPUS', `${call} failed: ${text} (opus error ${opusCode})`);
    this.opusCode = opusCode;
  }
}

function checkRate(who: string, rate: number): void {
  if (!OPUS_API_RATES.includes(rate)) {
    throw new ConfigError(`${who}: sampleRate must be one of ${OPUS_API_RATES.join(', ')} Hz, got ${String(rate)}`);
  }
}

function checkChannels(who: string, ch: number): void {
  if (ch !== 1 && ch !== 2) throw new ConfigError(`${who}: channels must be 1 or 2, got ${String(ch)}`);
}

function checkInt(who: string, name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`${who}: ${name} must be a whole number ${lo}–${hi}, got ${String(v)}`);
}

let liveEncoders = 0;
let liveDecoders = 0;

// Safety nets for states dropped without destroy(): the held value is the pointer and the free
// function only, never the JS object (which would keep it alive forever).
const encoderFinalizer = new FinalizationRegistry<{ st: EncoderPtr; destroy: (st: EncoderPtr) => void }>((h) => {
  h.destroy(h.st);
  liveEncoders--;
});
const decoderFinalizer = new FinalizationRegistry<{ st: DecoderPtr; destroy: (st: DecoderPtr) => void }>((h) => {
  h.destroy(h.st);
  liveDecoders--;
});

// ───────────────────────────────────────────────────────────────────────────────── encoder ──

export interface OpusEncoderStateOptions {
  /** Input rate: 8000, 12000, 16000, 24000 or 48000 Hz. */
  sampleRate: number;
  /** Input channels, 1 or 2 (interleaved). */
  channels: number;
  /** Default 'voip' (speech: favours intelligibility, enables the SILK layer's VAD/DTX and FEC). */
  application?: OpusApplication;
}

/**
 * One libopus encoder state (OpusEncoder). Each `encode()` takes exactly one frame of 2.5, 5, 10,
 * 20, 40, 60, 80, 100 or 120 ms and writes one Opus packet (RFC 6716 §3). Setters are the CTLs
 * of opus_defines.h; they throw OpusError when libopus refuses a value.
 */
export class OpusEncoderState {
  readonly sampleRate: number;
  readonly channels: number;
  readonly application: OpusApplication;
  readonly #api: OpusApi;
  #st: EncoderPtr | null;
  readonly #token = {};
  readonly #get = new Int32Array(1);

  /** Native encoder states alive in this process. */
  static get liveCount(): number {
    return liveEncoders;
  }

  /** Throws ConfigError for bad options, NativeLibraryError when libopus is missing. */
  constructor(options: OpusEncoderStateOptions) {
    const who = 'OpusEncoderState';
    checkRate(who, options.sampleRate);
    checkChannels(who, options.channels);
    const application = options.application ?? 'voip';
    if (!(application in OPUS_APPLICATION)) {
      throw new ConfigError(`${who}: application must be one of ${Object.keys(OPUS_APPLICATION).join(', ')}, got ${String(application)}`);
    }
    this.#api = opus.get();
    const err = new Int32Array(1);
    const st = this.#api.encoderCreate(options.sampleRate, options.channels, OPUS_APPLICATION[application], err);
    if (st === null || err[0] !== OPUS_OK) {
      if (st !== null) this.#api.encoderDestroy(st);
      throw new OpusError('opus_encoder_create', err[0] ?? OPUS_INTERNAL_ERROR, this.#api.strerror(err[0] ?? OPUS_INTERNAL_ERROR));
    }
    this.sampleRate = options.sampleRate;
    this.channels = options.channels;
    this.application = application;
    this.#st = st;
    liveEncoders++;
    encoderFinalizer.register(this, { st, destroy: this.#api.encoderDestroy }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * Encodes one frame: `pcm` holds frameSize × channels interleaved samples (frameSize one of
   * the Opus frame durations at this rate). Writes the packet into `out` (OPUS_MAX_PACKET_BYTES
   * is always enough) and returns its length; 1–2 bytes means a DTX frame that need not be sent.
   * Throws OpusError on a libopus error (a wrong frame size, a buffer too small).
   */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const st = this.#live('encode');
    const frameSize = pcm.length / this.channels;
    const n = this.#api.encode(st, pcm, frameSize, out, Math.min(out.length, 0x7fffffff));
    if (n < 0) throw new OpusError(`opus_encode(${frameSize} samples × ${this.channels} ch at ${this.sampleRate} Hz)`, n, this.#api.strerror(n));
    return n;
  }

  /** OPUS_SET_BITRATE: bit/s (500–512000), or 'auto' / 'max'. */
  setBitrate(bps: number | 'auto' | 'max'): void {
    const v = bps === 'auto' ? OPUS_AUTO : bps === 'max' ? OPUS_BITRATE_MAX : bps;
    if (typeof v === 'number' && v > 0) checkInt('OpusEncoderState', 'bitrate', v, 500, 512000);
    this.#set('OPUS_SET_BITRATE', CTL.SET_BITRATE, v);
  }
  /** OPUS_GET_BITRATE: the bitrate in use, bit/s. */
  get bitrate(): number {
    return this.#getInt('OPUS_GET_BITRATE', CTL.GET_BITRATE);
  }
  /** OPUS_SET_COMPLEXITY: 0 (fastest) … 10 (best). */
  setComplexity(c: number): void {
    checkInt('OpusEncoderState', 'complexity', c, 0, 10);
    this.#set('OPUS_SET_COMPLEXITY', CTL.SET_COMPLEXITY, c);
  }
  get complexity(): number {
    return this.#getInt('OPUS_GET_COMPLEXITY', CTL.GET_COMPLEXITY);
  }
  /** OPUS_SET_VBR: variable (true, libopus's default) or constant bitrate. */
  setVbr(on: boolean): void {
    this.#set('OPUS_SET_VBR', CTL.SET_VBR, on ? 1 : 0);
  }
  get vbr(): boolean {
    return this.#getInt('OPUS_GET_VBR', CTL.GET_VBR) !== 0;
  }
  /** OPUS_SET_VBR_CONSTRAINT: constrained VBR (libopus's default) keeps each packet near the target. */
  setVbrConstraint(on: boolean): void {
    this.#set('OPUS_SET_VBR_CONSTRAINT', CTL.SET_VBR_CONSTRAINT, on ? 1 : 0);
  }
  get vbrConstraint(): boolean {
    return this.#getInt('OPUS_GET_VBR_CONSTRAINT', CTL.GET_VBR_CONSTRAINT) !== 0;
  }
  /** OPUS_SET_INBAND_FEC: code LBRR (a low-bitrate copy of the previous frame) in SILK/hybrid packets. */
  setInbandFec(on: boolean): void {
    this.#set('OPUS_SET_INBAND_FEC', CTL.SET_INBAND_FEC, on ? 1 : 0);
  }
  get inbandFec(): boolean {
    return this.#getInt('OPUS_GET_INBAND_FEC', CTL.GET_INBAND_FEC) !== 0;
  }
  /** OPUS_SET_PACKET_LOSS_PERC: expected loss, 0–100 %; with FEC on, LBRR is only coded when > 0. */
  setPacketLossPercent(p: number): void {
    checkInt('OpusEncoderState', 'packetLossPercent', p, 0, 100);
    this.#set('OPUS_SET_PACKET_LOSS_PERC', CTL.SET_PACKET_LOSS_PERC, p);
  }
  get packetLossPercent(): number {
    return this.#getInt('OPUS_GET_PACKET_LOSS_PERC', CTL.GET_PACKET_LOSS_PERC);
  }
  /** OPUS_SET_DTX: discontinuous transmission (1–2 byte packets in silence). */
  setDtx(on: boolean): void {
    this.#set('OPUS_SET_DTX', CTL.SET_DTX, on ? 1 : 0);
  }
  get dtx(): boolean {
    return this.#getInt('OPUS_GET_DTX', CTL.GET_DTX) !== 0;
  }
  /** OPUS_GET_IN_DTX: whether the last frame was coded as DTX (libopus ≥ 1.3). */
  get inDtx(): boolean {
    return this.#getInt('OPUS_GET_IN_DTX', CTL.GET_IN_DTX) !== 0;
  }
  /** OPUS_SET_MAX_BANDWIDTH: the widest audio bandwidth the encoder may choose. */
  setMaxBandwidth(bw: OpusBandwidthName): void {
    this.#set('OPUS_SET_MAX_BANDWIDTH', CTL.SET_MAX_BANDWIDTH, OPUS_BANDWIDTH[bw]);
  }
  get maxBandwidth(): OpusBandwidthName {
    return bandwidthName(this.#getInt('OPUS_GET_MAX_BANDWIDTH', CTL.GET_MAX_BANDWIDTH));
  }
  /** OPUS_SET_SIGNAL: a hint of voice or music (or auto). */
  setSignal(s: OpusSignal): void {
    this.#set('OPUS_SET_SIGNAL', CTL.SET_SIGNAL, OPUS_SIGNAL[s]);
  }
  /** OPUS_SET_FORCE_CHANNELS: 1 or 2 coded channels, or 'auto'. */
  setForceChannels(ch: 1 | 2 | 'auto'): void {
    this.#set('OPUS_SET_FORCE_CHANNELS', CTL.SET_FORCE_CHANNELS, ch === 'auto' ? OPUS_AUTO : ch);
  }
  /** OPUS_GET_LOOKAHEAD: the encoder's delay, samples at this rate. */
  get lookahead(): number {
    return this.#getInt('OPUS_GET_LOOKAHEAD', CTL.GET_LOOKAHEAD);
  }
  /** OPUS_GET_FINAL_RANGE: the range coder's final state (bit-exactness checks against a decoder). */
  get finalRange(): number {
    return this.#getInt('OPUS_GET_FINAL_RANGE', CTL.GET_FINAL_RANGE, 'uint32_t *') >>> 0;
  }
  /** OPUS_RESET_STATE: back to the freshly created state, settings kept. */
  reset(): void {
    const rc = this.#api.encoderCtl(this.#live('reset'), CTL.RESET_STATE);
    if (rc !== OPUS_OK) throw new OpusError('opus_encoder_ctl(OPUS_RESET_STATE)', rc, this.#api.strerror(rc));
  }

  /** Frees the native state. Idempotent; later calls to other methods throw StateError. */
  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    encoderFinalizer.unregister(this.#token);
    this.#api.encoderDestroy(st);
    liveEncoders--;
  }

  #set(name: string, request: number, value: number): void {
    const rc = this.#api.encoderCtl(this.#live(name), request, 'int', value);
    if (rc !== OPUS_OK) throw new OpusError(`opus_encoder_ctl(${name}(${value}))`, rc, this.#api.strerror(rc));
  }

  #getInt(name: string, request: number, type = 'int *'): number {
    const out = type === 'uint32_t *' ? new Uint32Array(this.#get.buffer) : this.#get;
    out[0] = 0;
    const rc = this.#api.encoderCtl(this.#live(name), request, type, out);
    if (rc !== OPUS_OK) throw new OpusError(`opus_encoder_ctl(${name})`, rc, this.#api.strerror(rc));
    return out[0]!;
  }

  #live(op: string): EncoderPtr {
    if (this.#st === null) throw new StateError(`OpusEncoderState.${op}: the encoder was destroyed`);
    return this.#st;
  }
}

function bandwidthName(v: number): OpusBandwidthName {
  for (const [k, code] of Object.entries(OPUS_BANDWIDTH)) if (code === v) return k as OpusBandwidthName;
  return 'fb';
}

// ───────────────────────────────────────────────────────────────────────────────── decoder ──

export interface OpusDecoderStateOptions {
  /** Output rate: 8000, 12000, 16000, 24000 or 48000 Hz (any packet decodes at any of them). */
  sampleRate: number;
  /** Output channels, 1 or 2 (a stereo packet is downmixed, a mono one duplicated). */
  channels: number;
}

/**
 * One libopus decoder state (OpusDecoder). `decode()` returns libopus's result as is (samples
 * per channel, or a negative OPUS_* code) rather than throwing: a receiver meets malformed
 * packets as a matter of course and counts them (DESIGN §8), so the error path stays cheap.
 */
export class OpusDecoderState {
  readonly sampleRate: number;
  readonly channels: number;
  readonly #api: OpusApi;
  #st: DecoderPtr | null;
  readonly #token = {};
  readonly #get = new Int32Array(1);

  /** Native decoder states alive in this process. */
  static get liveCount(): number {
    return liveDecoders;
  }

  constructor(options: OpusDecoderStateOptions) {
    const who = 'OpusDecoderState';
    checkRate(who, options.sampleRate);
    checkChannels(who, options.channels);
    this.#api = opus.get();
    const err = new Int32Array(1);
    const st = this.#api.decoderCreate(options.sampleRate, options.channels, err);
    if (st === null || err[0] !== OPUS_OK) {
      if (st !== null) this.#api.decoderDestroy(st);
      throw new OpusError('opus_decoder_create', err[0] ?? OPUS_INTERNAL_ERROR, this.#api.strerror(err[0] ?? OPUS_INTERNAL_ERROR));
    }
    this.sampleRate = options.sampleRate;
    this.channels = options.channels;
    this.#st = st;
    liveDecoders++;
    decoderFinalizer.register(this, { st, destroy: this.#api.decoderDestroy }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * opus_decode into `pcm` (room for frameSize × channels samples).
   * - packet: decode it; frameSize must be at least its duration (5760 × rate / 48000 always is).
   * - packet null: packet-loss concealment of exactly frameSize samples (a multiple of 2.5 ms).
   * - packet with fec true: decode the in-band FEC (LBRR) the packet carries for the frame
   *   before it, frameSize being exactly the missing duration (libopus conceals the part the
   *   LBRR does not cover, and falls back to PLC when the packet has none).
   * Returns samples per channel, or a negative OPUS_* code (OPUS_INVALID_PACKET …).
   */
  decode(packet: Uint8Array | null, pcm: Int16Array, frameSize: number, fec = false): number {
    const st = this.#live('decode');
    if (pcm.length < frameSize * this.channels) return OPUS_BUFFER_TOO_SMALL;
    if (packet === null || packet.length === 0) return this.#api.decode(st, null, 0, pcm, frameSize, 0);
    return this.#api.decode(st, packet, packet.length, pcm, frameSize, fec ? 1 : 0);
  }

  /** OPUS_GET_LAST_PACKET_DURATION: samples (at this rate) of the last packet decoded or concealed. */
  get lastPacketDuration(): number {
    return this.#getInt('OPUS_GET_LAST_PACKET_DURATION', CTL.GET_LAST_PACKET_DURATION);
  }
  /** OPUS_GET_FINAL_RANGE of the last packet decoded (equal to the encoder's for a clean packet). */
  get finalRange(): number {
    const out = new Uint32Array(this.#get.buffer);
    const rc = this.#api.decoderCtl(this.#live('finalRange'), CTL.GET_FINAL_RANGE, 'uint32_t *', out);
    if (rc !== OPUS_OK) throw new OpusError('opus_decoder_ctl(OPUS_GET_FINAL_RANGE)', rc, this.#api.strerror(rc));
    return out[0]!;
  }
  /** OPUS_GET_BANDWIDTH: the bandwidth of the last packet decoded. */
  get bandwidth(): OpusBandwidthName {
    return bandwidthName(this.#getInt('OPUS_GET_BANDWIDTH', CTL.GET_BANDWIDTH));
  }
  /** OPUS_SET_GAIN: output gain, Q8 dB (−32768…32767). */
  setGain(q8dB: number): void {
    checkInt('OpusDecoderState', 'gain', q8dB, -32768, 32767);
    const rc = this.#api.decoderCtl(this.#live('setGain'), CTL.SET_GAIN, 'int', q8dB);
    if (rc !== OPUS_OK) throw new OpusError(`opus_decoder_ctl(OPUS_SET_GAIN(${q8dB}))`, rc, this.#api.strerror(rc));
  }
  /** OPUS_RESET_STATE: forget the past (after a stream restart). */
  reset(): void {
    const rc = this.#api.decoderCtl(this.#live('reset'), CTL.RESET_STATE);
    if (rc !== OPUS_OK) throw new OpusError('opus_decoder_ctl(OPUS_RESET_STATE)', rc, this.#api.strerror(rc));
  }

  /** Frees the native state. Idempotent; later calls to other methods throw StateError. */
  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    decoderFinalizer.unregister(this.#token);
    this.#api.decoderDestroy(st);
    liveDecoders--;
  }

  #getInt(name: string, request: number): number {
    this.#get[0] = 0;
    const rc = this.#api.decoderCtl(this.#live(name), request, 'int *', this.#get);
    if (rc !== OPUS_OK) throw new OpusError(`opus_decoder_ctl(${name})`, rc, this.#api.strerror(rc));
    return this.#get[0]!;
  }

  #live(op: string): DecoderPtr {
    if (this.#st === null) throw new StateError(`OpusDecoderState.${op}: the decoder was destroyed`);
    return this.#st;
  }
}
