/**
 * libspeexdsp through koffi (DESIGN §5): the resampler now; the echo canceller (speex_echo_*) and
 * the preprocessor (speex_preprocess_*: noise suppression, AGC, VAD) later, each as its own
 * `defineBinding(LIBSPEEXDSP, …)` block and class below the resampler's, sharing the one opened
 * library (see loader.ts for the pattern).
 *
 * Prototypes are those of <speex/speex_resampler.h> (speexdsp 1.2), spx_uint32_t = uint32_t,
 * spx_int16_t = int16_t.
 *
 * Buffers: koffi passes a typed array given for a pointer parameter as a pointer to its memory,
 * for the duration of the call, without copying (measured on libc's memchr: the same ~0.2 µs per
 * call for an array of 100 and of 10 M samples, and a subarray arrives at its own offset). So the
 * input Int16Array goes to C as it is, and C writes straight into our reusable output array.
 * Native buffers from `koffi.alloc` + `koffi.view` were measured too (bench/resampler.ts prints
 * both: 1.34 against 1.46 µs per 10 ms block at quality 0): no faster, since the input must be
 * copied into them, so they are not used. An empty koffi call costs ≈ 0.04 µs.
 */
import { ConfigError, MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

/** Debian's runtime package of libspeexdsp (the resampler, echo canceller and preprocessor). */
export const LIBSPEEXDSP: NativeLibrarySpec = {
  name: 'libspeexdsp',
  sonames: ['libspeexdsp.so.1', 'libspeexdsp.so'],
  debianPackage: 'libspeexdsp1',
};

/** Whether libspeexdsp and its resampler functions are usable here (feature detection). */
export function probeSpeexDsp(): Availability {
  return resampler.probe();
}

/** Loads libspeexdsp and binds the resampler now; throws NativeLibraryError (naming the package) if it cannot. */
export function loadSpeexDsp(): void {
  resampler.get();
}

// ────────────────────────────────────────────────────────────────────────────── resampler ──

/** Named qualities of speex_resampler.h (0 = fastest … 10 = best). */
export const SPEEX_RESAMPLER_QUALITY = { MIN: 0, MAX: 10, DEFAULT: 4, VOIP: 3, DESKTOP: 5 } as const;

/** `SpeexResamplerState *`: an opaque native pointer (koffi 3 gives pointers as BigInt). */
type ResamplerState = bigint & { readonly __brand: 'SpeexResamplerState*' };

interface ResamplerApi {
  init(channels: number, inRate: number, outRate: number, quality: number, err: Int32Array): ResamplerState | null;
  destroy(st: ResamplerState): void;
  processInterleavedInt(st: ResamplerState, input: Int16Array, inLen: Uint32Array, output: Int16Array, outLen: Uint32Array): number;
  getInputLatency(st: ResamplerState): number;
  getOutputLatency(st: ResamplerState): number;
  skipZeros(st: ResamplerState): number;
  resetMem(st: ResamplerState): number;
  strerror(err: number): string;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to the typed members
// of ResamplerApi is where the C prototypes on the left get their TypeScript types.
const resampler = defineBinding<ResamplerApi>(LIBSPEEXDSP, (lib) => ({
  init: lib.func('void *speex_resampler_init(uint32_t nb_channels, uint32_t in_rate, uint32_t out_rate, int quality, int *err)'),
  destroy: lib.func('void speex_resampler_destroy(void *st)'),
  processInterleavedInt: lib.func(
    'int speex_resampler_process_interleaved_int(void *st, const int16_t *in, uint32_t *in_len, int16_t *out, uint32_t *out_len)',
  ),
  getInputLatency: lib.func('int speex_resampler_get_input_latency(void *st)'),
  getOutputLatency: lib.func('int speex_resampler_get_output_latency(void *st)'),
  skipZeros: lib.func('int speex_resampler_skip_zeros(void *st)'),
  resetMem: lib.func('int speex_resampler_reset_mem(void *st)'),
  strerror: lib.func('const char *speex_resampler_strerror(int err)'),
}));

/** speex_resampler_strerror: the text of a RESAMPLER_ERR_* code. Throws NativeLibraryError if libspeexdsp is missing. */
export function speexResamplerStrerror(code: number): string {
  return resampler.get().strerror(code);
}

/** An error code returned by a libspeexdsp call. */
export class SpeexDspError extends MediaweaveError {
  /** The RESAMPLER_ERR_* (or other speexdsp) code. */
  readonly speexCode: number;
  constructor(call: string, speexCode: number, text: string) {
    super('ERR_SPEEXDSP', `${call} failed: ${text} (speexdsp error ${speexCode})`);
    this.speexCode = speexCode;
  }
}

export interface SpeexResamplerOptions {
  /** Interleaved channels, ≥ 1. */
  channels: number;
  /** Input rate, Hz (whole number > 0). */
  inputRate: number;
  /** Output rate, Hz (whole number > 0). */
  outputRate: number;
  /** 0–10 (SPEEX_RESAMPLER_QUALITY); cost grows with it. Default 4 (speex's own default). */
  quality?: number;
}

let liveStates = 0;

// Safety net for resamplers dropped without destroy(): frees the native state when the JS object
// is collected. The held value is the pointer and the function only, never the object itself
// (which would keep it alive forever).
const finalizer = new FinalizationRegistry<{ st: ResamplerState; destroy: (st: ResamplerState) => void }>((held) => {
  held.destroy(held.st);
  liveStates--;
});

function checkWhole(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`SpeexResampler ${option} must be a whole number ${min}–${max}, got ${value}`);
  }
}

/**
 * One libspeexdsp resampler state (SpeexResamplerState), for interleaved 16-bit PCM.
 *
 * Every call consumes all its input: the output space is sized so speex never stops early, and
 * the fractional phase stays inside speex, so block sizes can vary freely. After T input frames
 * in total, exactly ceil(T × outputRate / inputRate) frames have come out (the first
 * `outputLatency` of them being the filter's delay, zeros at start), so nothing drifts.
 *
 * Owns native memory: call `destroy()` (idempotent) when done; a FinalizationRegistry frees states
 * that were dropped without it, but GC timing is not a resource policy.
 */
export class SpeexResampler {
  readonly channels: number;
  readonly inputRate: number;
  readonly outputRate: number;
  readonly quality: number;
  readonly #api: ResamplerApi;
  #st: ResamplerState | null;
  // in_len / out_len as two views of one small array, reused by every call (no per-call allocation).
  readonly #lens = new Uint32Array(2);
  readonly #inLen = this.#lens.subarray(0, 1);
  readonly #outLen = this.#lens.subarray(1, 2);
  #out = new Int16Array(0);
  readonly #token = {};

  /** Native resampler states alive in this process (created, not yet destroyed or collected). */
  static get liveCount(): number {
    return liveStates;
  }

  /** Throws ConfigError for bad options, NativeLibraryError when libspeexdsp is missing. */
  constructor(options: SpeexResamplerOptions) {
    const quality = options.quality ?? SPEEX_RESAMPLER_QUALITY.DEFAULT;
    checkWhole('channels', options.channels, 1, 255);
    checkWhole('inputRate', options.inputRate, 1, 0xffffffff);
    checkWhole('outputRate', options.outputRate, 1, 0xffffffff);
    checkWhole('quality', quality, SPEEX_RESAMPLER_QUALITY.MIN, SPEEX_RESAMPLER_QUALITY.MAX);
    this.#api = resampler.get();
    this.channels = options.channels;
    this.inputRate = options.inputRate;
    this.outputRate = options.outputRate;
    this.quality = quality;
    const err = new Int32Array(1);
    const st = this.#api.init(this.channels, this.inputRate, this.outputRate, quality, err);
    if (st === null || err[0] !== 0) {
      if (st !== null) this.#api.destroy(st);
      const code = err[0] ?? -1;
      throw new ConfigError(
        `speex_resampler_init(${this.channels} ch, ${this.inputRate} → ${this.outputRate} Hz, quality ${quality}) failed: ${this.#api.strerror(code)}`,
      );
    }
    this.#st = st;
    liveStates++;
    finalizer.register(this, { st, destroy: this.#api.destroy }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * Output frames (samples per channel) one call can produce from `inputFrames` input frames:
   * the output space processInto() requires. ceil(n × out / in) is exact for the cumulative count;
   * one more covers the block boundary falling between two output instants.
   */
  maxOutputFrames(inputFrames: number): number {
    return Math.ceil((inputFrames * this.outputRate) / this.inputRate) + 1;
  }

  /**
   * Resamples `input` (interleaved, length a multiple of `channels`) and returns the output as a
   * view of a buffer this object reuses: it is valid until the next process()/processInto() call.
   * Copy it (`.slice()`) to keep it, e.g. before putting it in a frame sent downstream.
   */
  process(input: Int16Array): Int16Array {
    const need = this.maxOutputFrames(input.length / this.channels) * this.channels;
    if (this.#out.length < need) this.#out = new Int16Array(Math.max(need, this.#out.length * 2));
    const n = this.processInto(input, this.#out);
    return this.#out.subarray(0, n * this.channels);
  }

  /**
   * Resamples `input` into `output` (interleaved) and returns the number of frames (samples per
   * channel) written. `output` must hold at least maxOutputFrames(input frames) × channels
   * samples, so that all the input is consumed; no allocation happens here.
   */
  processInto(input: Int16Array, output: Int16Array): number {
    const st = this.#live('processInto');
    const ch = this.channels;
    if (input.length % ch !== 0) {
      throw new RangeError(`SpeexResampler.processInto: input length ${input.length} is not a multiple of ${ch} channels`);
    }
    const inFrames = input.length / ch;
    const need = this.maxOutputFrames(inFrames);
    const room = Math.floor(output.length / ch);
    if (room < need) {
      throw new RangeError(`SpeexResampler.processInto: output holds ${room} frames, ${need} needed for ${inFrames} input frames`);
    }
    if (inFrames === 0) return 0;
    this.#inLen[0] = inFrames;
    this.#outLen[0] = room;
    const rc = this.#api.processInterleavedInt(st, input, this.#inLen, output, this.#outLen);
    if (rc !== 0) throw new SpeexDspError('speex_resampler_process_interleaved_int', rc, this.#api.strerror(rc));
    if (this.#inLen[0] !== inFrames) {
      // Cannot happen with the output space checked above; if a speexdsp version ever did it,
      // dropping the rest silently would shift the signal in time, so say so.
      throw new SpeexDspError('speex_resampler_process_interleaved_int', -1, `consumed ${this.#inLen[0]} of ${inFrames} input frames`);
    }
    return this.#outLen[0]!;
  }

  /** speex_resampler_get_input_latency: the filter delay, in input samples. */
  get inputLatency(): number {
    return this.#api.getInputLatency(this.#live('inputLatency'));
  }

  /** speex_resampler_get_output_latency: the filter delay, in output samples. */
  get outputLatency(): number {
    return this.#api.getOutputLatency(this.#live('outputLatency'));
  }

  /**
   * speex_resampler_skip_zeros: drop the leading zeros of the filter delay (call before the first
   * process()). Makes the output start with the signal, and makes it shorter by outputLatency
   * frames; for files, not for real-time streams (constant duration per block matters more).
   */
  skipZeros(): void {
    const rc = this.#api.skipZeros(this.#live('skipZeros'));
    if (rc !== 0) throw new SpeexDspError('speex_resampler_skip_zeros', rc, this.#api.strerror(rc));
  }

  /** speex_resampler_reset_mem: clear the filter memory (after a discontinuity), keep the rates. */
  reset(): void {
    const rc = this.#api.resetMem(this.#live('reset'));
    if (rc !== 0) throw new SpeexDspError('speex_resampler_reset_mem', rc, this.#api.strerror(rc));
  }

  /** Frees the native state. Idempotent; later calls to other methods throw StateError. */
  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    finalizer.unregister(this.#token);
    this.#api.destroy(st);
    liveStates--;
    this.#out = new Int16Array(0);
  }

  #live(op: string): ResamplerState {
    if (this.#st === null) throw new StateError(`SpeexResampler.${op}: the resampler was destroyed`);
    return this.#st;
  }
}
