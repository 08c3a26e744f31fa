/**
 * Resampler filter (Mediastreamer2's MSResample): changes the sample rate of audio frames with
 * libspeexdsp's resampler, and optionally the channel count (mono ↔ stereo).
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import { type AudioFrame, type Frame, makeAudioFrame } from '../core/frames.js';
import type { FilterDescriptor } from '../core/registry.js';
import { loadSpeexDsp, SpeexResampler } from '../native/speexdsp.js';
import { monoToStereo, stereoToMono } from './channel-adapter.js';

/**
 * Default speex quality: 6, chosen by measurement. resampler.test.ts measures the default (and
 * prints it); `node --import tsx bench/resampler.ts` prints this sweep of every quality and the
 * cost. Method: whole-Hz tones read at their exact DFT bin over 1 s of output; ripple = peak-to-
 * peak gain of 24 tones from 100 Hz to 0.9 × Nyquist of the lower rate; rejection = input tone RMS
 * over output RMS for tones 4.5–20 kHz at 48 → 8 kHz; 16-bit in and out, so 97.3 dB (a −3 dBFS
 * tone against 16-bit rounding) is the most that can be seen. Speed on one core of the
 * development machine (shared, so ± 25 %).
 *
 * | quality | ripple 48→8k / 8→48k | rejection 48→8k | delay at 8 kHz | 48→8k speed |
 * |---|---|---|---|---|
 * | 3 (Mediastreamer2, SPEEX_RESAMPLER_QUALITY_VOIP) | 6.98 dB / 3.45 dB | 88.6 dB | 3 ms | ≈ 1950 × real time |
 * | 4 (speex's default) | 2.27 dB / 0.67 dB | 88.6 dB | 4 ms | ≈ 1400 × |
 * | 5 | 1.85 dB / 0.47 dB | ≥ 97.3 dB | 5 ms | ≈ 1000 × |
 * | **6** | **0.21 dB / 0.10 dB** | **≥ 97.3 dB** | **6 ms** | **≈ 800 ×** |
 * | 7 | < 0.001 dB | ≥ 97.3 dB | 8 ms | ≈ 600 × |
 * | 10 | < 0.001 dB | ≥ 97.3 dB | 16 ms | ≈ 160 × |
 *
 * The ripple is all band-edge roll-off: every quality ≥ 4 is flat within 0.02 dB up to
 * 0.85 × Nyquist. 6 is the lowest quality flat within 0.5 dB up to 0.9 × Nyquist both ways
 * (3.6 kHz at 8 kHz) and with aliasing below what 16 bits can show. Mediastreamer2 uses 3 (0 on
 * ARM without NEON), sized for the phones of its day: at an 8 kHz output it loses 7 dB at 3.6 kHz
 * and 1 dB at 3.4 kHz, the top of the telephone band. 6 costs about twice the CPU of 3, which is
 * still ≈ 0.1 % of a core per 48 → 8 kHz stream, and adds 3 ms of delay at 8 kHz (1.5 ms at
 * 16 kHz: the delay is 48 samples at the lower rate); pass `quality: 3` where delay matters more.
 * SNR of a 1 kHz sine at −6 dBFS through 8→48→8 kHz: 97.8 dB, 16→44.1→16 kHz: 91.9 dB (the
 * 16-bit floor). Images when upsampling 8 → 48 kHz: ≥ 90 dB below the tone.
 */
export const RESAMPLER_DEFAULT_QUALITY = 6;

/** Rates the filter is tested with, in and out (any whole rate in OUTPUT_RATE_RANGE works). */
export const RESAMPLER_TESTED_RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000] as const;

const OUTPUT_RATE_RANGE = [1000, 384000] as const;

export interface ResamplerOptions {
  /** Output sample rate, Hz. */
  outputRate: number;
  /** speex quality 0–10; default RESAMPLER_DEFAULT_QUALITY (6). */
  quality?: number;
  /** Output channels, 1 or 2; default: as the input. Stereo → mono averages, mono → stereo duplicates (as ChannelAdapter). */
  channels?: 1 | 2;
  /** Instance name for messages. */
  name?: string;
}

function checkOutputRate(rate: number): void {
  const [lo, hi] = OUTPUT_RATE_RANGE;
  if (!Number.isInteger(rate) || rate < lo || rate > hi) {
    throw new ConfigError(`resampler outputRate must be a whole number of Hz ${lo}–${hi}, got ${rate}`);
  }
}

function checkQuality(q: number): void {
  if (!Number.isInteger(q) || q < 0 || q > 10) throw new ConfigError(`resampler quality must be a whole number 0–10, got ${q}`);
}

/**
 * 1 input, 1 output. The input rate and channel count are read from each frame; the speex state
 * is (re)created when either changes (or after setQuality/setOutputRate). When the input already
 * has the output rate and channel count, frames pass through untouched (the same objects).
 *
 * Output: one frame per input frame, in a buffer of its own (the frame is handed downstream, so
 * it must not be one this filter will overwrite). Its length follows the input exactly over time:
 * after T input samples in total, ceil(T × outputRate / inputRate) have come out, whatever the
 * frame sizes (441 samples at 44.1 kHz → 160 at 16 kHz every 10 ms; 110/111 at 11.025 kHz →
 * 79–81 at 8 kHz), so there is no drift and nothing is lost. The signal is delayed by `latency`
 * output samples (the filter delay; zeros come out first). Timestamps count output samples and are
 * continuous; a gap in the input timestamps becomes the same gap, rescaled, in the output.
 */
export class Resampler extends Filter {
  readonly type = 'resampler';
  #outputRate: number;
  #quality: number;
  readonly #outChannels: 1 | 2 | undefined;
  #state: SpeexResampler | null = null;
  /** Timestamp of the next output sample. */
  #outTs = 0;
  /** Expected timestamp of the next input frame, null before the first frame / after a reconfiguration. */
  #nextInTs: number | null = null;
  #started = false;
  /** Fraction of an output sample left over from rescaling input gaps. */
  #gapFrac = 0;
  #mix = new Int16Array(0);

  /** Throws ConfigError for bad options, NativeLibraryError when libspeexdsp is not installed. */
  constructor(options: ResamplerOptions) {
    super({ inputs: 1, outputs: 1, name: options.name });
    checkOutputRate(options.outputRate);
    const q = options.quality ?? RESAMPLER_DEFAULT_QUALITY;
    checkQuality(q);
    if (options.channels !== undefined && options.channels !== 1 && options.channels !== 2) {
      throw new ConfigError(`resampler channels must be 1 or 2, got ${String(options.channels)}`);
    }
    this.#outputRate = options.outputRate;
    this.#quality = q;
    this.#outChannels = options.channels;
    // Fail at construction, not at the first frame, when libspeexdsp is missing.
    loadSpeexDsp();
  }

  get outputRate(): number {
    return this.#outputRate;
  }

  get quality(): number {
    return this.#quality;
  }

  /** Output channel count forced by the options, or undefined (as the input). */
  get outputChannels(): 1 | 2 | undefined {
    return this.#outChannels;
  }

  /** Delay added by the filter, in output samples (0 while passing through or before the first frame). */
  get latency(): number {
    return this.#state?.outputLatency ?? 0;
  }

  /** Changes the output rate; takes effect at the next frame (the filter memory restarts). */
  setOutputRate(rate: number): void {
    checkOutputRate(rate);
    if (rate === this.#outputRate) return;
    // Keep the output clock continuous in the new unit.
    this.#outTs = Math.round((this.#outTs * rate) / this.#outputRate);
    this.#outputRate = rate;
    this.#release();
  }

  /** Changes the quality; takes effect at the next frame (the filter memory restarts). */
  setQuality(quality: number): void {
    checkQuality(quality);
    if (quality === this.#quality) return;
    this.#quality = quality;
    this.#release();
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) this.#frame(f);
  }

  override postprocess(_ctx: TickContext): void {
    // Detached: free the native state now rather than at GC, and start afresh if re-attached.
    this.#release();
    this.#started = false;
    this.#outTs = 0;
    this.#gapFrac = 0;
    this.#mix = new Int16Array(0);
  }

  #release(): void {
    this.#state?.destroy();
    this.#state = null;
    this.#nextInTs = null;
  }

  #frame(f: Frame): void {
    if (f.kind !== 'audio') throw new ConfigError(`${this.name} input 0: expects audio frames, got a ${f.kind} frame`);
    const inCh = f.channels;
    const outCh = this.#outChannels ?? inCh;
    const inRate = f.sampleRate;
    if (!Number.isInteger(inRate) || inRate <= 0) throw new ConfigError(`${this.name} input 0: bad sample rate ${inRate}`);
    if (!Number.isInteger(inCh) || inCh < 1 || f.samples.length % inCh !== 0) {
      throw new ConfigError(`${this.name} input 0: ${f.samples.length} samples do not make whole frames of ${inCh} channel(s)`);
    }
    if (inCh !== outCh && inCh > 2) {
      throw new ConfigError(`${this.name} input 0: can convert 1 ↔ 2 channels only, got ${inCh} → ${outCh}`);
    }
    const inFrames = f.samples.length / inCh;

    if (inRate === this.#outputRate) {
      this.#release();
      this.#started = true;
      this.#outTs = f.timestamp + inFrames;
      if (inCh === outCh) {
        this.push(0, f);
        return;
      }
      const out = outCh === 1 ? stereoToMono(f.samples) : monoToStereo(f.samples);
      this.#send(f, out, inRate, outCh, f.timestamp);
      return;
    }

    // Resample at the smaller channel count: downmix before, upmix after (half the work).
    const ch = Math.min(inCh, outCh);
    let st = this.#state;
    if (st === null || st.inputRate !== inRate || st.channels !== ch) {
      st?.destroy();
      st = new SpeexResampler({ channels: ch, inputRate: inRate, outputRate: this.#outputRate, quality: this.#quality });
      this.#state = st;
      if (!this.#started) this.#outTs = Math.round((f.timestamp * this.#outputRate) / inRate);
      // Else keep #outTs: the output stays continuous across an input rate change.
      this.#nextInTs = f.timestamp;
      this.#gapFrac = 0;
    }
    this.#started = true;
    if (this.#nextInTs !== null && f.timestamp !== this.#nextInTs) {
      const gap = f.timestamp - this.#nextInTs;
      if (gap > 0) {
        const exact = (gap * this.#outputRate) / inRate + this.#gapFrac;
        const whole = Math.round(exact);
        this.#gapFrac = exact - whole;
        this.#outTs += whole;
      } else {
        // Time went back (a new stream, a reset): follow the input.
        this.#outTs = Math.round((f.timestamp * this.#outputRate) / inRate);
        this.#gapFrac = 0;
      }
    }
    this.#nextInTs = f.timestamp + inFrames;

    let input = f.samples;
    if (inCh === 2 && outCh === 1) {
      if (this.#mix.length < inFrames) this.#mix = new Int16Array(inFrames * 2);
      input = stereoToMono(f.samples, this.#mix.subarray(0, inFrames));
    }
    // st.process returns a view of its reusable buffer: copy it into the frame's own array.
    const resampled = st.process(input);
    if (resampled.length === 0) return;
    const out = inCh === 1 && outCh === 2 ? monoToStereo(resampled) : resampled.slice();
    const ts = this.#outTs;
    this.#outTs += out.length / outCh;
    this.#send(f, out, this.#outputRate, outCh, ts);
  }

  #send(from: AudioFrame, samples: Int16Array, rate: number, channels: number, timestamp: number): void {
    const out = makeAudioFrame(samples, rate, channels, timestamp);
    if (from.concealed) out.concealed = true;
    this.push(0, out);
  }
}

/** Registry entry, for whoever registers the built-in filters (`defaultRegistry.registerFilter`). */
export const resamplerDescriptor: FilterDescriptor<ResamplerOptions> = {
  type: 'resampler',
  category: 'filter',
  description: 'Sample rate (and mono/stereo) conversion with libspeexdsp',
  create(options?: ResamplerOptions): Resampler {
    if (!options) throw new ConfigError('resampler needs options: { outputRate }');
    return new Resampler(options);
  },
};
