/**
 * Comfort noise (RFC 3389): analysis of background noise into SIDs, synthesis of noise from
 * SIDs, and the filters that put silence suppression (DTX) around any codec.
 *
 * ## Pieces
 * - `CnAnalyzer` (sans-IO, sender): level and spectrum of background noise — mean power and a
 *   Levinson-Durbin all-pole model of order 10 (G.711 Appendix II's order) over the recent noise
 *   blocks — as a SID payload (rtp/payload/cn.ts).
 * - `SidScheduler` (sans-IO, sender): when to send a SID (RFC 3389 §4 leaves it open): at the
 *   start of each silence, then when the level moved by ≥ 3 dB (not more often than every
 *   200 ms), and at least every 500 ms so a receiver that lost one soon has the next. On the
 *   background of test_silence_voice_8000.wav (10 ms frames scattered over ±6 dB) that is
 *   about 2.7 SIDs per second of silence against 50 packets of speech (cn.test.ts).
 * - `CnGenerator` (sans-IO, receiver): noise at the signalled level, white or shaped by the
 *   reflection coefficients (an all-pole lattice filter, stable for any |k| < 1), moving smoothly
 *   (halfway per 10 ms) from one SID's parameters to the next.
 * - Filters: `VadGate`, `SidMerge` (send side), `CnSplit`, `CnPlayer` (receive side), and the
 *   CN "codec" on its own (`CnEncoder` / `CnDecoder`, PT 13) for a stream of SIDs only.
 *
 * ## The graphs a stream uses (the wiring is the stream's; these are the parts)
 * Send, with `--vad` (silence suppression):
 * ```
 * source → resampler → VadGate ─0 (speech AudioFrames)→ codec encoder → SidMerge in 0 → RTP send
 *                             └─1 (SID EncodedFrames, PT 13) ────────→ SidMerge in 1
 * ```
 * VadGate cuts its input into blocks of `packetMs` (the encoder's ptime, so the encoder always
 * holds a whole packet and sends it at once), asks the VAD about each 10 ms, and passes speech
 * blocks (hangover included) to the encoder or turns silent ones into SIDs. The encoder sees a
 * timestamp jump after each silence and sets the RTP marker on the talkspurt's first packet
 * (RFC 3551 §4.1; G.711 and G.722 encoders do). SidMerge interleaves both in timestamp order.
 * Receive:
 * ```
 * RTP recv → CnSplit ─0→ codec decoder → [generic PLC] → CnPlayer in 0 → resampler → sink
 *                    └─1 (SIDs) ─────────────────────────→ CnPlayer in 1
 * ```
 * The stream must put PT 13 packets into the jitter buffer like media (they share the sequence
 * numbers: dropping them would count as loss) and skip `codec.payloadDuration` for them.
 * CnSplit sends each SID to CnPlayer and, in its place, a `lost` frame of the SID's span to the
 * decoder, so the audio timeline stays continuous; spans the jitter buffer fills as silence or
 * loss after a SID reach CnPlayer as concealed frames, which it replaces with comfort noise until
 * received (non-concealed) audio resumes. Losses in speech (no SID before them) are left to PLC.
 *
 * Timestamps: SIDs carry RTP timestamps at the stream's clock rate (`clockRate`); audio frames
 * carry sample positions at `sampleRate` (decoders scale the RTP timestamp, e.g. × 2 for
 * G.722); both filters convert with clockRate/sampleRate.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import {
  CN_CLOCK_RATE, CN_MAX_ORDER, CN_PAYLOAD_TYPE, levelToRms, parseCnPayload, rmsToLevel, writeCnPayload, type CnParameters,
} from '../rtp/payload/cn.js';

export { CN_CLOCK_RATE, CN_PAYLOAD_TYPE };

/** Model order of our SIDs: G.711 Appendix II's (RFC 3389 §3.2 leaves it to the encoder). */
export const CN_DEFAULT_ORDER = 10;

function checkRate(who: string, name: string, v: unknown, lo = 8000, hi = 192000): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi || v % 100 !== 0) {
    throw new ConfigError(`${who}: ${name} must be a whole number of Hz, ${lo}–${hi}, a multiple of 100, got ${String(v)}`);
  }
  return v;
}

function checkPt(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  return pt;
}

function checkOrder(who: string, order: unknown): number {
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 0 || order > CN_MAX_ORDER) {
    throw new ConfigError(`${who}: order must be a whole number 0–${CN_MAX_ORDER}, got ${String(order)}`);
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// Analysis (sender)

export interface CnAnalyzerOptions {
  sampleRate: number;
  /** All-pole model order, 0 (level only) … 32. Default 10. */
  order?: number;
  /** Weight of a new block in the running estimate, (0, 1]. Default 0.1 (about 10 blocks: a level steady within ±1 dB on real backgrounds). */
  smoothing?: number;
}

/**
 * Background noise estimator: running (exponentially weighted) mean power and autocorrelation
 * over the blocks given since the last `reset()`, the first block counting in full.
 */
export class CnAnalyzer {
  readonly sampleRate: number;
  readonly order: number;
  readonly #alpha: number;
  /** Smoothed autocorrelation of the Hann-windowed blocks, lags 0 … order. */
  readonly #r: Float64Array;
  readonly #blockR: Float64Array;
  /** Gaussian lag window (60 Hz bandwidth): keeps the model from ringing on tones in the noise. */
  readonly #lagWindow: Float64Array;
  #power = 0;
  #blocks = 0;
  #window = new Float64Array(0);
  #windowed = new Float64Array(0);

  constructor(options: CnAnalyzerOptions) {
    this.sampleRate = checkRate('cn-analyzer', 'sampleRate', options.sampleRate);
    this.order = checkOrder('cn-analyzer', options.order ?? CN_DEFAULT_ORDER);
    const a = options.smoothing ?? 0.1;
    if (!(a > 0 && a <= 1)) throw new ConfigError(`cn-analyzer: smoothing must be in (0, 1], got ${String(options.smoothing)}`);
    this.#alpha = a;
    this.#r = new Float64Array(this.order + 1);
    this.#blockR = new Float64Array(this.order + 1);
    this.#lagWindow = Float64Array.from({ length: this.order + 1 }, (_, i) => Math.exp(-0.5 * ((2 * Math.PI * 60 * i) / this.sampleRate) ** 2));
  }

  /** Forgets the estimate: the next block starts a new one (a new silence). */
  reset(): void {
    this.#blocks = 0;
  }

  /** Blocks in the current estimate. */
  get blocks(): number {
    return this.#blocks;
  }

  /** Adds a block of (mono) background noise. */
  add(samples: Int16Array): void {
    const n = samples.length;
    if (n === 0) return;
    if (this.#window.length !== n) {
      this.#window = Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n));
      this.#windowed = new Float64Array(n);
    }
    let p = 0;
    const w = this.#windowed;
    for (let i = 0; i < n; i++) {
      const x = samples[i]!;
      p += x * x;
      w[i] = x * this.#window[i]!;
    }
    p /= n;
    const br = this.#blockR;
    for (let lag = 0; lag <= this.order; lag++) {
      let s = 0;
      for (let i = lag; i < n; i++) s += w[i]! * w[i - lag]!;
      br[lag] = s;
    }
    const a = this.#blocks === 0 ? 1 : this.#alpha;
    this.#power += a * (p - this.#power);
    for (let lag = 0; lag <= this.order; lag++) this.#r[lag] = this.#r[lag]! + a * (br[lag]! - this.#r[lag]!);
    this.#blocks++;
  }

  /** RMS of the noise (16-bit scale). */
  get rms(): number {
    return Math.sqrt(this.#power);
  }

  /** Noise level, −dBov (RFC 3389 §3.1). */
  get level(): number {
    return rmsToLevel(this.rms);
  }

  /**
   * Reflection coefficients k1 … k_order of the noise's all-pole model (Levinson-Durbin on the
   * lag-windowed autocorrelation with a −40 dB white-noise floor; A(z) = 1 + Σ a_i z^−i, so
   * k1 = −r1/r0: RFC 3389's and ffmpeg's convention). Zeros when there is no signal.
   */
  reflection(): Float64Array {
    const m = this.order;
    const k = new Float64Array(m);
    const r = new Float64Array(m + 1);
    for (let i = 0; i <= m; i++) r[i] = this.#r[i]! * this.#lagWindow[i]!;
    r[0] = r[0]! * 1.0001; // white-noise correction: the model never needs |k| → 1
    if (!(r[0]! > 0)) return k;
    const a = new Float64Array(m + 1);
    const tmp = new Float64Array(m + 1);
    a[0] = 1;
    let err = r[0]!;
    for (let i = 1; i <= m; i++) {
      let acc = r[i]!;
      for (let j = 1; j < i; j++) acc += a[j]! * r[i - j]!;
      const ki = -acc / err;
      k[i - 1] = ki;
      tmp.set(a);
      for (let j = 1; j < i; j++) a[j] = tmp[j]! + ki * tmp[i - j]!;
      a[i] = ki;
      err *= 1 - ki * ki;
      if (!(err > 0)) break;
    }
    return k;
  }

  /** The SID for the current estimate. */
  payload(): Uint8Array {
    return writeCnPayload(this.level, this.reflection());
  }
}

export interface SidSchedulerOptions {
  /** Send when the level moved this much since the last SID, dB. Default 3. */
  levelChangeDb?: number;
  /** No level-change SID sooner than this after the previous one, ms. Default 200. */
  minIntervalMs?: number;
  /** A SID at least this often during silence, ms. Default 500. */
  maxIntervalMs?: number;
}

/** When to send SIDs during a silence (RFC 3389 §4: on changes, and periodically). */
export class SidScheduler {
  readonly levelChangeDb: number;
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  #lastMs: number | undefined;
  #lastLevel = 0;

  constructor(options: SidSchedulerOptions = {}) {
    this.levelChangeDb = options.levelChangeDb ?? 3;
    this.minIntervalMs = options.minIntervalMs ?? 200;
    this.maxIntervalMs = options.maxIntervalMs ?? 500;
    if (!(this.levelChangeDb >= 1 && this.levelChangeDb <= 127)) throw new ConfigError(`cn: levelChangeDb must be 1–127 dB, got ${String(options.levelChangeDb)}`);
    if (!(this.minIntervalMs >= 0 && this.maxIntervalMs >= this.minIntervalMs && this.maxIntervalMs <= 60000)) {
      throw new ConfigError(`cn: need 0 ≤ minIntervalMs ≤ maxIntervalMs ≤ 60000 ms, got ${String(options.minIntervalMs)} and ${String(options.maxIntervalMs)}`);
    }
  }

  /** A talkspurt began: the next silence starts with a SID. */
  speech(): void {
    this.#lastMs = undefined;
  }

  /** Whether to send a SID for a silent block at media time `ms` with this level; records it if so. */
  due(ms: number, level: number): boolean {
    const last = this.#lastMs;
    const send =
      last === undefined ||
      ms - last >= this.maxIntervalMs ||
      (ms - last >= this.minIntervalMs && Math.abs(level - this.#lastLevel) >= this.levelChangeDb);
    if (send) {
      this.#lastMs = ms;
      this.#lastLevel = level;
    }
    return send;
  }
}

// ---------------------------------------------------------------------------------------------
// Synthesis (receiver)

export interface CnGeneratorOptions {
  sampleRate: number;
  /** PRNG seed (deterministic noise for tests). Default 1. */
  seed?: number;
}

/**
 * Comfort noise generator: uniform white noise through the all-pole lattice filter of the SID's
 * reflection coefficients, scaled so the output RMS is the signalled level (for an all-pole
 * model the output power is the input power / Π(1 − k²)). Parameters move halfway towards each
 * new SID's per 10 ms, so level and colour change without steps; the first SID applies at once.
 */
export class CnGenerator {
  readonly sampleRate: number;
  readonly #step: number;
  #seed: number;
  #active = false;
  #targetRms = 0;
  #targetK = new Float64Array(0);
  #rms = 0;
  #k = new Float64Array(0);
  /** Lattice state: b_m(n − 1), m = 0 … M − 1. */
  #b = new Float64Array(0);
  #gain = 0;
  #untilUpdate = 0;

  constructor(options: CnGeneratorOptions) {
    this.sampleRate = checkRate('cn-generator', 'sampleRate', options.sampleRate);
    this.#step = this.sampleRate / 100;
    this.#seed = (options.seed ?? 1) >>> 0 || 1;
  }

  /** A SID has been applied (there is something to play). */
  get active(): boolean {
    return this.#active;
  }

  /** The level being played towards (−dBov). */
  get targetRms(): number {
    return this.#targetRms;
  }

  /** Applies a SID. */
  update(p: CnParameters): void {
    const m = Math.min(p.reflection.length, CN_MAX_ORDER);
    this.#targetRms = levelToRms(p.level);
    if (m !== this.#k.length) {
      // A new model order: restart the filter (its state has the old order's meaning).
      this.#k = new Float64Array(m);
      this.#b = new Float64Array(m);
      this.#targetK = new Float64Array(m);
      if (this.#active) this.#k.set(p.reflection.subarray(0, m));
    }
    this.#targetK.set(p.reflection.subarray(0, m));
    if (!this.#active) {
      this.#k.set(this.#targetK);
      this.#rms = this.#targetRms;
      this.#active = true;
    }
    this.#untilUpdate = 0;
  }

  /** Forgets the SID (silence until the next one). */
  reset(): void {
    this.#active = false;
    this.#b.fill(0);
  }

  /** Fills `out` (mono) with comfort noise; zeros while no SID has been applied. */
  generate(out: Int16Array): Int16Array {
    if (!this.#active) return out.fill(0);
    const k = this.#k;
    const b = this.#b;
    const m = k.length;
    let seed = this.#seed;
    for (let i = 0; i < out.length; i++) {
      if (this.#untilUpdate === 0) {
        this.#glide();
        this.#untilUpdate = this.#step;
      }
      this.#untilUpdate--;
      // xorshift32 → uniform in [−1, 1), variance 1/3; × √3 gives unit variance.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      let f = ((seed >>> 0) / 2147483648 - 1) * this.#gain;
      // All-pole lattice, A(z) from k by the step-up recursion (RFC 3389 convention):
      // f_{j−1} = f_j − k_j·b_{j−1}(n−1); b_j(n) = k_j·f_{j−1} + b_{j−1}(n−1).
      for (let j = m - 1; j >= 0; j--) {
        f -= k[j]! * b[j]!;
        if (j + 1 < m) b[j + 1] = k[j]! * f + b[j]!;
      }
      b[0] = f;
      const y = Math.round(f);
      out[i] = y > 32767 ? 32767 : y < -32768 ? -32768 : y;
    }
    this.#seed = seed >>> 0;
    return out;
  }

  /** One 10 ms step of the parameters towards the target, and the excitation gain for them. */
  #glide(): void {
    const k = this.#k;
    const t = this.#targetK;
    this.#rms += 0.5 * (this.#targetRms - this.#rms);
    let e = 1;
    for (let j = 0; j < k.length; j++) {
      k[j] = k[j]! + 0.5 * (t[j]! - k[j]!);
      e *= 1 - k[j]! * k[j]!;
    }
    this.#gain = this.#rms * Math.sqrt(3 * e);
  }
}

// ---------------------------------------------------------------------------------------------
// Send side filters

/** The VAD VadGate asks (audio/vad.ts's `Vad` fits; codecs/ does not import audio/). */
export interface VoiceActivityDetector {
  /** Samples per frame it takes (10 ms). */
  readonly frameSamples: number;
  /** True = speech (hangover included). */
  process(frame: Int16Array): boolean;
}

export interface VadGateOptions {
  /** Rate of the audio (the codec's sampleRate). */
  sampleRate: number;
  /** RTP clock rate of the stream (the codec's clockRate): SID timestamps count in it. */
  clockRate: number;
  /** The VAD, e.g. `new Vad({ sampleRate })` from audio/vad.ts. */
  vad: VoiceActivityDetector;
  /** Block length = the encoder's ptime, ms (10–120, multiple of 10). Default 20. */
  packetMs?: number;
  /** CN payload type: 13 for 8000 Hz clocks, else a dynamic "CN/<clockRate>". Default 13. */
  payloadType?: number;
  /** Spectral model order of the SIDs, 0 … 32. Default 10. */
  order?: number;
  /** When SIDs are sent. */
  sid?: SidSchedulerOptions;
}

export interface VadGateStats {
  speechBlocks: number;
  silentBlocks: number;
  sidSent: number;
  /** Talkspurts started (silence → speech). */
  talkspurts: number;
}

export type VadGateEvents = {
  /** The decision changed: `speech` from `timestamp` (samples at sampleRate). */
  vad: [speech: boolean, timestamp: number];
};

/**
 * Silence suppression in front of an encoder: 1 input (mono AudioFrames at `sampleRate`),
 * output 0 = speech blocks (AudioFrames, to the encoder), output 1 = SIDs (EncodedFrames of
 * `payloadType`, optional). See the module comment for the graph.
 */
export class VadGate extends Filter<VadGateEvents> {
  readonly type = 'vad-gate';
  readonly sampleRate: number;
  readonly clockRate: number;
  readonly payloadType: number;
  readonly #vad: VoiceActivityDetector;
  readonly #analyzer: CnAnalyzer;
  readonly #scheduler: SidScheduler;
  readonly #blockSamples: number;
  #block: Int16Array;
  #fill = 0;
  #blockTs = 0;
  #nextTs: number | null = null;
  #speech: boolean | null = null;
  readonly #stats: VadGateStats = { speechBlocks: 0, silentBlocks: 0, sidSent: 0, talkspurts: 0 };

  constructor(options: VadGateOptions) {
    super({ inputs: 1, outputs: 2, optionalOutputs: [1] });
    this.sampleRate = checkRate(this.type, 'sampleRate', options.sampleRate);
    this.clockRate = checkRate(this.type, 'clockRate', options.clockRate, 1000, 192000);
    this.payloadType = checkPt(this.type, options.payloadType ?? CN_PAYLOAD_TYPE);
    const ms = options.packetMs ?? 20;
    if (!Number.isInteger(ms) || ms < 10 || ms > 120 || ms % 10 !== 0) throw new ConfigError(`${this.type}: packetMs must be 10–120 ms in steps of 10 ms, got ${String(ms)}`);
    this.#vad = options.vad;
    if (this.#vad.frameSamples * 100 !== this.sampleRate) {
      throw new ConfigError(`${this.type}: the VAD takes ${this.#vad.frameSamples}-sample frames; at ${this.sampleRate} Hz 10 ms is ${this.sampleRate / 100}`);
    }
    this.#blockSamples = (ms * this.sampleRate) / 1000;
    this.#block = new Int16Array(this.#blockSamples);
    this.#analyzer = new CnAnalyzer({ sampleRate: this.sampleRate, order: options.order ?? CN_DEFAULT_ORDER });
    this.#scheduler = new SidScheduler(options.sid);
  }

  /** The current decision (null before the first block). */
  get speech(): boolean | null {
    return this.#speech;
  }

  get gateStats(): Readonly<VadGateStats> {
    return { ...this.#stats };
  }

  override preprocess(_ctx: TickContext): void {
    this.#fill = 0;
    this.#nextTs = null;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      if (f.sampleRate !== this.sampleRate || f.channels !== 1) {
        throw new ConfigError(`${this.name}: input 0 must be ${this.sampleRate} Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s)`);
      }
      const n = f.samples.length;
      if (this.#nextTs !== null && f.timestamp !== this.#nextTs && this.#fill > 0) this.#decide(this.#fill);
      this.#nextTs = f.timestamp + n;
      let off = 0;
      while (off < n) {
        if (this.#fill === 0) this.#blockTs = f.timestamp + off;
        const k = Math.min(n - off, this.#blockSamples - this.#fill);
        this.#block.set(f.samples.subarray(off, off + k), this.#fill);
        this.#fill += k;
        off += k;
        if (this.#fill === this.#blockSamples) this.#decide(this.#fill);
      }
    }
  }

  /** Classifies the block (any 10 ms of speech makes it speech) and sends it on. */
  #decide(len: number): void {
    const block = this.#block.subarray(0, len);
    const step = this.#vad.frameSamples;
    let speech = false;
    for (let o = 0; o + step <= len; o += step) if (this.#vad.process(block.subarray(o, o + step))) speech = true;
    // A short tail (cut by an input jump) keeps the previous decision.
    if (len < step) speech = this.#speech ?? true;
    const st = this.#stats;
    if (speech !== this.#speech) {
      if (speech && this.#speech === false) st.talkspurts++;
      this.#speech = speech;
      this.emit('vad', speech, this.#blockTs);
    }
    if (speech) {
      st.speechBlocks++;
      this.#scheduler.speech();
      this.#analyzer.reset();
      this.push(0, { kind: 'audio', samples: block.slice(), sampleRate: this.sampleRate, channels: 1, timestamp: this.#blockTs });
    } else {
      st.silentBlocks++;
      this.#analyzer.add(block);
      const level = this.#analyzer.level;
      const ms = (this.#blockTs * 1000) / this.sampleRate;
      if (this.#scheduler.due(ms, level)) {
        st.sidSent++;
        const sid: EncodedFrame = {
          kind: 'encoded',
          data: this.#analyzer.payload(),
          timestamp: Math.round((this.#blockTs * this.clockRate) / this.sampleRate),
          marker: false,
          payloadType: this.payloadType,
          duration: Math.round((len * this.clockRate) / this.sampleRate),
        };
        this.push(1, sid);
      }
    }
    this.#fill = 0;
  }
}

/**
 * Two streams of EncodedFrames (0: codec packets, 1: SIDs) into one, in timestamp order within
 * each tick (the RTP sender takes one input).
 */
export class SidMerge extends Filter<Record<never, never>> {
  readonly type = 'sid-merge';
  readonly #pending: EncodedFrame[] = [];

  constructor() {
    super({ inputs: 2, outputs: 1 });
  }

  process(_ctx: TickContext): void {
    const p = this.#pending;
    for (let pin = 0; pin < 2; pin++) {
      for (let f = this.pull(pin); f !== undefined; f = this.pull(pin)) {
        if (f.kind !== 'encoded') throw new ConfigError(`${this.name}: input ${pin} takes encoded frames, got an ${f.kind} frame`);
        p.push(f);
      }
    }
    if (p.length > 1) p.sort((a, b) => a.timestamp - b.timestamp);
    for (const f of p) this.push(0, f);
    p.length = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Receive side filters

export interface CnSplitOptions {
  /** Payload type of CN in the stream. Default 13. */
  payloadType?: number;
}

/**
 * Receive side, before the decoder: SIDs (frames of the CN payload type) go to output 1 (for
 * CnPlayer) and are replaced on output 0 by a `lost` frame of their span, so the decoder and PLC
 * keep a continuous timeline; everything else passes on output 0.
 */
export class CnSplit extends Filter<Record<never, never>> {
  readonly type = 'cn-split';
  readonly payloadType: number;
  sids = 0;

  constructor(options: CnSplitOptions = {}) {
    super({ inputs: 1, outputs: 2, optionalOutputs: [1] });
    this.payloadType = checkPt(this.type, options.payloadType ?? CN_PAYLOAD_TYPE);
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind === 'encoded' && !f.lost && f.payloadType === this.payloadType) {
        this.sids++;
        this.push(1, f);
        if ((f.duration ?? 0) > 0) {
          this.push(0, { kind: 'encoded', data: new Uint8Array(0), timestamp: f.timestamp, marker: false, payloadType: f.payloadType, duration: f.duration!, lost: true });
        }
      } else {
        this.push(0, f);
      }
    }
  }
}

export interface CnPlayerOptions {
  /** Rate of the audio frames (the codec's sampleRate). */
  sampleRate: number;
  /** RTP clock rate of the SIDs' timestamps (the stream's). */
  clockRate: number;
  /** Channels of the audio (the noise is the same on every channel). Default 1. */
  channels?: number;
  seed?: number;
}

export interface CnPlayerStats {
  /** SIDs applied. */
  sids: number;
  /** Empty (undecodable) SIDs. */
  errors: number;
  /** Samples (per channel) of comfort noise played. */
  noiseSamples: number;
}

/**
 * Receive side, after the decoder (and PLC): input 0 audio, input 1 SIDs (from CnSplit), output
 * audio. From a SID's position until received audio resumes, concealed frames (the decoder's or
 * the PLC's stand-ins for the SID's span, DTX gaps and losses) are replaced by comfort noise of
 * the SID's level and spectrum.
 */
export class CnPlayer extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'cn-player';
  readonly sampleRate: number;
  readonly clockRate: number;
  readonly channels: number;
  readonly #gen: CnGenerator;
  /** SIDs not yet reached by the audio: position in samples, parameters. */
  readonly #pending: { pos: number; p: CnParameters }[] = [];
  /** Comfort noise is on from this sample position (null = off). */
  #since: number | null = null;
  #mono = new Int16Array(0);
  readonly #stats: CnPlayerStats = { sids: 0, errors: 0, noiseSamples: 0 };

  constructor(options: CnPlayerOptions) {
    super({ inputs: 2, outputs: 1 });
    this.sampleRate = checkRate(this.type, 'sampleRate', options.sampleRate);
    this.clockRate = checkRate(this.type, 'clockRate', options.clockRate, 1000, 192000);
    const ch = options.channels ?? 1;
    if (!Number.isInteger(ch) || ch < 1 || ch > 8) throw new ConfigError(`${this.type}: channels must be 1–8, got ${String(options.channels)}`);
    this.channels = ch;
    this.#gen = new CnGenerator({ sampleRate: this.sampleRate, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  }

  /** Whether comfort noise is playing (a SID was reached and no audio has resumed since). */
  get playing(): boolean {
    return this.#since !== null;
  }

  get decodeErrors(): number {
    return this.#stats.errors;
  }

  get playerStats(): Readonly<CnPlayerStats> {
    return { ...this.#stats };
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(1); f !== undefined; f = this.pull(1)) {
      if (f.kind !== 'encoded') continue;
      const p = parseCnPayload(f.data);
      if (!p) {
        this.#stats.errors++;
        continue;
      }
      this.#pending.push({ pos: Math.round((f.timestamp * this.sampleRate) / this.clockRate), p });
    }
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      this.#frame(f);
      this.push(0, f);
    }
  }

  #frame(f: AudioFrame): void {
    const n = f.samples.length / f.channels;
    const end = f.timestamp + n;
    // SIDs that start before the end of this frame take effect (in order).
    let start: number | null = null;
    while (this.#pending.length > 0 && this.#pending[0]!.pos < end) {
      const s = this.#pending.shift()!;
      this.#gen.update(s.p);
      this.#stats.sids++;
      start ??= s.pos;
      if (this.#since === null) this.#since = s.pos;
    }
    if (this.#since === null) return;
    if (!f.concealed) {
      // Received audio: media resumed (unless this frame is older than the SID, e.g. reordering).
      if (f.timestamp >= this.#since) this.#since = null;
      return;
    }
    const from = Math.max(0, Math.min(n, (start ?? this.#since) - f.timestamp));
    const count = n - from;
    if (count <= 0) return;
    if (this.#mono.length < count) this.#mono = new Int16Array(count);
    const noise = this.#gen.generate(this.#mono.subarray(0, count));
    const ch = f.channels;
    const out = f.samples;
    for (let i = 0; i < count; i++) for (let c = 0; c < ch; c++) out[(from + i) * ch + c] = noise[i]!;
    this.#stats.noiseSamples += count;
  }
}

// ---------------------------------------------------------------------------------------------
// CN as a codec of its own (PT 13: a stream of SIDs only)

/**
 * Encoder of the stand-alone CN codec: every input block (20 ms) is background noise; SIDs leave
 * on the SidScheduler's rules. 1 input (8000 Hz mono), 1 output (SIDs).
 */
export class CnEncoder extends Filter<Record<never, never>> {
  readonly type = 'cn-encoder';
  readonly payloadType: number;
  readonly #analyzer = new CnAnalyzer({ sampleRate: CN_CLOCK_RATE });
  readonly #scheduler = new SidScheduler();
  readonly #block: Int16Array;
  #fill = 0;
  #blockTs = 0;
  sidSent = 0;

  constructor(options: EncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPt(this.type, options?.payloadType);
    const ms = options.ptimeMs ?? 20;
    if (!Number.isInteger(ms) || ms < 10 || ms > 120 || ms % 10 !== 0) throw new ConfigError(`${this.type}: ptimeMs must be 10–120 ms in steps of 10 ms, got ${String(ms)}`);
    this.#block = new Int16Array((ms * CN_CLOCK_RATE) / 1000);
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      if (f.sampleRate !== CN_CLOCK_RATE || f.channels !== 1) throw new ConfigError(`${this.name}: input 0 must be 8000 Hz mono, got ${f.sampleRate} Hz with ${f.channels} channel(s)`);
      let off = 0;
      const n = f.samples.length;
      while (off < n) {
        if (this.#fill === 0) this.#blockTs = f.timestamp + off;
        const k = Math.min(n - off, this.#block.length - this.#fill);
        this.#block.set(f.samples.subarray(off, off + k), this.#fill);
        this.#fill += k;
        off += k;
        if (this.#fill === this.#block.length) {
          this.#fill = 0;
          this.#analyzer.add(this.#block);
          if (this.#scheduler.due((this.#blockTs * 1000) / CN_CLOCK_RATE, this.#analyzer.level)) {
            this.sidSent++;
            this.push(0, { kind: 'encoded', data: this.#analyzer.payload(), timestamp: this.#blockTs, marker: this.sidSent === 1, payloadType: this.payloadType, duration: this.#block.length });
          }
        }
      }
    }
  }
}

/**
 * Decoder of the stand-alone CN codec: a SID sets the noise and plays its span; `lost` frames
 * (the gaps between SIDs) play noise too (flagged `concealed`; zeros before the first SID). It
 * is its own PLC (`hasPlc`). Output 8000 Hz mono.
 */
export class CnDecoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'cn-decoder';
  readonly payloadType: number;
  readonly #gen = new CnGenerator({ sampleRate: CN_CLOCK_RATE });
  #errors = 0;

  constructor(options: DecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPt(this.type, options?.payloadType);
  }

  get decodeErrors(): number {
    return this.#errors;
  }

  process(_ctx: TickContext): void {
    for (let f: Frame | undefined = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      const n = f.duration ?? 0;
      let concealed = true;
      if (!f.lost) {
        const p = parseCnPayload(f.data);
        if (p) {
          this.#gen.update(p);
          concealed = false;
        } else {
          this.#errors++;
        }
      }
      if (n > 0) this.push(0, { kind: 'audio', samples: this.#gen.generate(new Int16Array(n)), sampleRate: CN_CLOCK_RATE, channels: 1, timestamp: f.timestamp, concealed });
    }
  }
}

/** CN/8000, RFC 3551 static PT 13, as a codec of its own (SIDs only). */
export const CN_CODEC: CodecDescriptor = {
  mime: 'CN',
  clockRate: CN_CLOCK_RATE,
  channels: 1,
  sampleRate: CN_CLOCK_RATE,
  staticPayloadType: CN_PAYLOAD_TYPE,
  frameMs: 20,
  defaultPtimeMs: 20,
  bitrates: 'SIDs only (2–10 packets/s)',
  description: 'RFC 3389 comfort noise: level + 10th-order spectrum (pure TypeScript); used beside a codec with --vad',
  hasPlc: true,
  createEncoder: (options) => new CnEncoder(options),
  createDecoder: (options) => new CnDecoder(options),
  isQuietPayload: () => true,
};

/** Registers CN/8000 (pure TypeScript: always available); leaves one already registered alone. */
export function registerCnCodecs(registry: Registry): void {
  if (registry.findCodec(CN_CODEC.mime, CN_CODEC.clockRate, CN_CODEC.channels) === undefined) registry.registerCodec(CN_CODEC);
}
