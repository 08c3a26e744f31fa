/**
 * Generic packet loss concealment (PLC) for codecs that have none of their own (G.711, G.722,
 * L16, GSM …): Mediastreamer2's generic PLC filter (msgenericplc), in our own code.
 *
 * ## Contract with decoders (how loss reaches this filter)
 * A decoder without its own PLC turns a lost `EncodedFrame` (`lost: true`, empty `data`,
 * `duration` = samples to make up at the clock rate) into an `AudioFrame` of that duration whose
 * samples are all zero and which is flagged `concealed: true` — the *marker frame*. The decoder
 * does not try to invent audio; the `PlcFilter` downstream fills the marker's samples in place
 * (the frame's samples must be writable and owned by the frame, as frames.ts requires of any
 * frame a filter modifies). Every other audio frame is received audio. A frame flagged
 * `concealed` whose samples are *not* all zero was already concealed upstream (a codec with its
 * own PLC, e.g. Opus); it is passed on as received audio and not counted here.
 *
 * ## Algorithm (ITU-T G.711 Appendix I, "A high quality low-complexity algorithm for packet loss
 * concealment with G.711", 1999, generalised to any rate and channel count)
 * - History: the last 3 × 20 ms + 5 ms of *output* (received and concealed alike, as App. I
 *   keeps its history of what was played), per channel.
 * - At the start of a loss, the pitch period P is estimated on the last 10 ms of history (mono
 *   downmix, so every channel is repeated in step and the stereo image holds) by normalised
 *   cross-correlation against the signal P samples earlier, for P in 2.5 … 20 ms (App. I uses
 *   5 … 15 ms at 8 kHz; we widen it to cover 400 Hz voices and 50 Hz ones). As App. I does, a
 *   coarse search runs on a ~4 kHz decimated copy and is refined at full rate around the best
 *   coarse lag. Because a 20 ms ceiling lets 2P compete with P for voices above 100 Hz, the
 *   shortest sub-multiple of the winner whose correlation is within 5 % of it is preferred.
 * - P is then refined to a fraction of a sample (parabola through the correlation peak), and the
 *   history is read at fractional positions through a 16-tap windowed-sinc interpolator. App. I
 *   repeats a whole number of samples; at 8 kHz a 120 Hz voice (66.7 samples) then drifts by a
 *   third of a sample per period. Measured on a steady 120 Hz voice at 8 kHz, SNR over a 20 ms
 *   loss rose from 12/10/7/4 dB (per 5 ms) to 22/28/25/23 dB.
 * - The last period is repeated. Its last P/4 samples are overlap-added with the P/4 samples
 *   preceding it (App. I's "OLA of 1/4 wavelength"), so the loop wraps without a click and the
 *   repetition does not buzz at 1/P.
 * - App. I delays its output by P/4 so it can rewrite the end of the last good frame to match the
 *   loop; we add no latency, so instead the jump between the last sample played and the loop's
 *   start is removed by an offset that decays to zero over P/4 samples (values and slope stay
 *   continuous at the join). Measured on hello16000.wav, the jump at the start of a loss, in
 *   units of the signal's RMS sample-to-sample step, fell from 2.2 (mean; worst 19) to 0.9
 *   (worst 5).
 * - After 10 ms of loss the loop grows to 2 periods, after 20 ms to 3 (App. I): repeating a single
 *   period for long sounds metallic. Each growth is overlap-added over P/4 with the old loop's
 *   continuation.
 * - Gain: 1 until `fadeStartMs` (100), then a linear ramp reaching exactly 0 at `silenceAtMs`
 *   (150), zero afterwards — Mediastreamer2's generic PLC numbers (PLC_DECREASE_START and
 *   MAX_PLC_LEN in its genericplc.h); App. I fades sooner, by 20 % per 10 ms from 10 ms on.
 * - Recovery: the first received samples are cross-faded linearly from the loop (continued, with
 *   its gain) to the real signal, over P/4 + 4 ms per 10 ms lost beyond the first 10 ms, at most
 *   10 ms (App. I's EOVERLAPINCR), or over a fixed `crossfadeMs`. The cross-fade continues
 *   across received frames shorter than it. After a silent stretch this is a fade-in.
 *
 * Mediastreamer2's own generic PLC (genericplc.c) takes another route — it extends the last 50 ms
 * by doubling its resolution in the frequency domain, and delays the signal 5 ms to mix the
 * transitions — but uses the same fade schedule. The time-domain pitch repetition here is
 * cheaper, adds no delay, and is the classic reference the ITU standardised.
 *
 * `PacketLossConcealer` is sans-IO (no filter, no time): `good()` / `conceal()`. `PlcFilter` wraps
 * it for graphs.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';

export interface PacketLossConcealerOptions {
  /** Hz, 8000 … 96000. */
  sampleRate: number;
  /** Interleaved channels, 1 … 8. */
  channels: number;
  /** Concealment plays at full level this long, ms (default 100). */
  fadeStartMs?: number;
  /** Concealment reaches silence here and stays silent, ms (default 150; ≥ fadeStartMs). */
  silenceAtMs?: number;
  /**
   * Cross-fade length on recovery, ms (0 … 50). Default: adaptive as in G.711 App. I
   * (P/4 + 4 ms per 10 ms lost beyond the first, at most 10 ms). 0 switches back abruptly.
   */
  crossfadeMs?: number;
}

export interface PacketLossConcealerStats {
  /** Samples (per channel) made up by conceal(), including silent ones after silenceAtMs. */
  concealedSamples: number;
  /** Losses: runs of conceal() calls between received audio. */
  losses: number;
}

/** Pitch search range, ms (see the header: App. I's 5–15 ms widened). */
const MIN_PITCH_MS = 2.5;
const MAX_PITCH_MS = 20;
/**
 * Correlation window, ms. App. I uses 20 ms (CORRLEN = 160 at 8 kHz); 10 ms follows the latest
 * pitch better, and the pitch is what drifts during a loss: measured on hello8000.wav and
 * hello16000.wav (20 ms lost every 100 ms), the SNR over the concealed samples rose by 0.6 and
 * 0.8 dB.
 */
const CORR_MS = 10;
/** Periods in the loop at most (App. I grows 1 → 2 → 3). */
const MAX_PERIODS = 3;
/** The loop grows by a period every this much concealment, ms (App. I: every 10 ms frame). */
const GROW_EVERY_MS = 10;
/** Recovery cross-fade: +4 ms per 10 ms lost (App. I EOVERLAPINCR = 32 samples at 8 kHz) … */
const XFADE_INCR_MS = 4;
/** … capped at 10 ms (App. I: one frame). */
const XFADE_MAX_MS = 10;
/** Sub-multiples of the best lag within this fraction of its correlation win (octave check). */
const SUBMULTIPLE_RATIO = 0.95;

function checkRange(name: string, v: unknown, lo: number, hi: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new ConfigError(`plc: ${name} must be ${integer ? 'a whole number ' : ''}${lo} … ${hi}, got ${String(v)}`);
  }
  return v;
}

const clamp16 = (v: number): number => {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
};

/**
 * Fractional-delay interpolator: Hann-windowed sinc, TAPS taps, tabulated at PHASES sub-sample
 * phases (+1 so that a phase rounding up to the next sample needs no special case). Integer
 * positions read back the sample exactly. 16 taps keep the passband flat to ~0.4 × the rate, so
 * reading speech at fractional positions does not dull it.
 */
const TAPS = 16;
const HALF = TAPS >> 1;
const PHASES = 256;
const KERNEL = ((): Float32Array => {
  const k = new Float32Array((PHASES + 1) * TAPS);
  for (let p = 0; p <= PHASES; p++) {
    const frac = p / PHASES;
    let sum = 0;
    for (let j = 0; j < TAPS; j++) {
      const t = j - (HALF - 1) - frac; // tap j reads sample floor(pos) − (HALF − 1) + j
      const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
      const v = sinc * (0.5 + 0.5 * Math.cos((Math.PI * t) / HALF));
      k[p * TAPS + j] = v;
      sum += v;
    }
    for (let j = 0; j < TAPS; j++) k[p * TAPS + j] /= sum; // unity gain at DC
  }
  return k;
})();

/** Value of x at fractional position t (HALF − 1 ≤ t, t + HALF < x.length). */
function readAt(x: Float32Array, t: number): number {
  const i0 = Math.floor(t);
  const kb = Math.round((t - i0) * PHASES) * TAPS;
  let s = 0;
  for (let j = 0, i = i0 - (HALF - 1); j < TAPS; j++, i++) s += x[i] * KERNEL[kb + j];
  return s;
}

/**
 * Sans-IO generic packet loss concealer: feed received audio to `good()`, ask `conceal()` for
 * audio in place of what was lost. Samples are interleaved int16; counts are per channel.
 */
export class PacketLossConcealer {
  readonly sampleRate: number;
  readonly channels: number;
  readonly fadeStartMs: number;
  readonly silenceAtMs: number;
  /** Fixed recovery cross-fade (samples), or -1 for App. I's adaptive length. */
  readonly #xfadeFixed: number;

  readonly #minLag: number;
  readonly #maxLag: number;
  readonly #corrLen: number;
  readonly #fadeStart: number;
  readonly #silenceAt: number;
  readonly #growEvery: number;
  readonly #histCap: number;

  /** Output history per channel; the newest `#histLen` samples end at index `#histCap`. */
  readonly #hist: Float32Array[];
  #histLen = 0;
  /** Scratch: mono downmix for the pitch search and its decimated copy. */
  readonly #mono: Float32Array;
  readonly #dec: Float32Array;

  // Loss state (App. I's pitchbuf / poffset / pitchblen …, with a fractional period).
  /**
   * Per channel: HALF samples of margin, the history tail copied at the start of the loss (it
   * ends at `#end`), then HALF + 1 samples continuing it periodically, so that the interpolator
   * never reads past either end.
   */
  readonly #pbuf: Float32Array[];
  /** Index in #pbuf just past the last copied history sample (App. I's pitchbufend). */
  #end = 0;
  /** Old loop's continuation kept for the overlap-add when the loop grows, per channel. */
  readonly #olaTmp: Float32Array[];
  /** Start-of-loss offset removed over L samples, per channel. */
  readonly #delta: Float64Array;
  /** One multi-channel synthetic sample. */
  readonly #frame: Float64Array;
  /** Pitch period, samples (fractional); 0 = nothing to repeat. */
  #pitch = 0;
  /** Quarter period (integer samples): the blend and overlap-add length. */
  #overlap = 0;
  #periods = 0;
  /** Position in the loop, [0, periods × pitch). */
  #pos = 0;
  #olaLeft = 0;
  #deltaLeft = 0;
  /** Samples (per channel) since the loss started; the fade schedule's clock. */
  #lossPos = 0;
  #concealing = false;
  /** Recovery cross-fade: total length and progress (samples); done when pos ≥ len. */
  #xfLen = 0;
  #xfPos = 0;

  #stats: PacketLossConcealerStats = { concealedSamples: 0, losses: 0 };

  constructor(options: PacketLossConcealerOptions) {
    this.sampleRate = checkRange('sampleRate', options.sampleRate, 8000, 96000, true);
    this.channels = checkRange('channels', options.channels, 1, 8, true);
    this.fadeStartMs = checkRange('fadeStartMs', options.fadeStartMs ?? 100, 0, 10_000);
    this.silenceAtMs = checkRange('silenceAtMs', options.silenceAtMs ?? 150, this.fadeStartMs, 10_000);
    const ms = (x: number): number => Math.round((x * this.sampleRate) / 1000);
    this.#xfadeFixed = options.crossfadeMs === undefined ? -1 : ms(checkRange('crossfadeMs', options.crossfadeMs, 0, 50));
    this.#minLag = ms(MIN_PITCH_MS);
    this.#maxLag = ms(MAX_PITCH_MS);
    this.#corrLen = ms(CORR_MS);
    this.#fadeStart = ms(this.fadeStartMs);
    this.#silenceAt = ms(this.silenceAtMs);
    this.#growEvery = ms(GROW_EVERY_MS);
    const maxOverlap = this.#maxLag >> 2;
    // Room for 3 periods plus the quarter period before them (App. I HISTORYLEN = 3·120 + 30)
    // and the interpolator's reach; it also covers the correlation window plus the largest lag.
    this.#histCap = MAX_PERIODS * (this.#maxLag + 1) + maxOverlap + HALF + 2;
    const ch = this.channels;
    const arr = (n: number): Float32Array[] => Array.from({ length: ch }, () => new Float32Array(n));
    this.#hist = arr(this.#histCap);
    this.#pbuf = arr(this.#histCap + 2 * HALF + 2);
    this.#olaTmp = arr(maxOverlap + 1);
    this.#mono = new Float32Array(this.#histCap);
    this.#dec = new Float32Array(this.#histCap);
    this.#delta = new Float64Array(ch);
    this.#frame = new Float64Array(ch);
  }

  /** True between a conceal() and the next received audio. */
  get concealing(): boolean {
    return this.#concealing;
  }

  /**
   * Samples (per channel) of the current loss that conceal() will still make audible, before the
   * fade reaches silence; 0 once it has.
   */
  get audibleSamplesLeft(): number {
    return this.#concealing ? Math.max(0, this.#silenceAt - this.#lossPos) : this.#silenceAt;
  }

  /**
   * Pitch period (samples, fractional) of the current or last loss; 0 before any loss, or when
   * there was no history to repeat.
   */
  get pitchPeriod(): number {
    return this.#pitch;
  }

  get stats(): Readonly<PacketLossConcealerStats> {
    return { ...this.#stats };
  }

  /** Forgets history and any loss in progress (e.g. a new talker, a stream restart). */
  reset(): void {
    for (const h of this.#hist) h.fill(0);
    this.#histLen = 0;
    this.#concealing = false;
    this.#xfLen = this.#xfPos = 0;
    this.#pitch = 0;
  }

  /**
   * Received audio (interleaved, any length). After a loss, its first samples are cross-faded in
   * place from the concealment to the real signal. Then it joins the history.
   */
  good(samples: Int16Array): void {
    const ch = this.channels;
    if (samples.length % ch !== 0) {
      throw new ConfigError(`plc: ${samples.length} samples is not a whole number of ${ch}-channel frames`);
    }
    const n = samples.length / ch;
    if (n === 0) return;
    if (this.#concealing) {
      this.#concealing = false;
      this.#xfPos = 0;
      if (this.#xfadeFixed >= 0) {
        this.#xfLen = this.#xfadeFixed;
      } else {
        // App. I: longer erasures drift further from the real signal, so blend for longer.
        const frames10 = Math.max(1, Math.ceil(this.#lossPos / this.#growEvery));
        const incr = Math.round((XFADE_INCR_MS * this.sampleRate) / 1000);
        this.#xfLen = Math.min(this.#overlap + (frames10 - 1) * incr, Math.round((XFADE_MAX_MS * this.sampleRate) / 1000));
      }
    }
    if (this.#xfPos < this.#xfLen) {
      const m = Math.min(n, this.#xfLen - this.#xfPos);
      const frame = this.#frame;
      for (let i = 0, k = 0; i < m; i++) {
        this.#synth(false);
        // Linear weights summing to 1 (the loop continues the signal, so the two are correlated
        // and a constant-amplitude rather than constant-power cross-fade is right, as App. I).
        const w = (this.#xfPos + 1) / (this.#xfLen + 1);
        for (let c = 0; c < ch; c++, k++) samples[k] = clamp16(samples[k] * w + frame[c] * (1 - w));
        this.#xfPos++;
      }
    }
    this.#append(samples, n);
  }

  /** Makes up `sampleCount` samples per channel (interleaved result) in place of lost audio. */
  conceal(sampleCount: number): Int16Array {
    if (!Number.isInteger(sampleCount) || sampleCount < 0) throw new RangeError(`plc: sampleCount must be a whole number ≥ 0, got ${sampleCount}`);
    const out = new Int16Array(sampleCount * this.channels);
    this.concealInto(out);
    return out;
  }

  /** Like conceal(), writing into `out` (interleaved; its length sets the count). No allocation. */
  concealInto(out: Int16Array): void {
    const ch = this.channels;
    if (out.length % ch !== 0) throw new ConfigError(`plc: ${out.length} samples is not a whole number of ${ch}-channel frames`);
    const n = out.length / ch;
    if (n === 0) return;
    if (!this.#concealing) this.#startLoss();
    const frame = this.#frame;
    for (let i = 0, k = 0; i < n; i++) {
      this.#synth(true);
      for (let c = 0; c < ch; c++, k++) out[k] = clamp16(frame[c]);
    }
    this.#stats.concealedSamples += n;
    this.#append(out, n);
  }

  /** Start of a loss: pitch, pitch buffer, a loop of one period, the start offset. */
  #startLoss(): void {
    this.#concealing = true;
    this.#xfLen = this.#xfPos = 0;
    this.#lossPos = 0;
    this.#stats.losses++;
    const P = this.#findPitch();
    this.#pitch = P;
    this.#periods = 1;
    this.#pos = 0;
    this.#olaLeft = 0;
    this.#overlap = 0;
    this.#deltaLeft = 0;
    if (P === 0) return;
    const ch = this.channels;
    const cnt = Math.min(this.#histLen, Math.ceil(MAX_PERIODS * P) + (Math.floor(P) >> 2) + HALF + 2);
    const end = HALF + cnt;
    this.#end = end;
    // The quarter-period blend reads L samples before the loop; short histories get less.
    this.#overlap = Math.max(0, Math.min(Math.floor(P) >> 2, Math.floor(end - P - HALF)));
    const from = this.#histCap - cnt;
    for (let c = 0; c < ch; c++) {
      const pb = this.#pbuf[c];
      pb.set(this.#hist[c].subarray(from, this.#histCap), HALF);
      pb.fill(pb[HALF], 0, HALF);
      // Continue the signal periodically past its end so that reads near the end have their
      // right-hand taps (needs P > HALF + 1 so each new sample only reads older ones).
      for (let i = end; i < end + HALF + 2; i++) pb[i] = P > HALF + 1 ? readAt(pb, i - P) : pb[end - 1];
    }
    // Offset between the sample just played and the loop's virtual predecessor (the loop's last
    // sample, wrap-blended); removed gradually instead of App. I's delayed rewrite.
    for (let c = 0; c < ch; c++) this.#delta[c] = this.#hist[c][this.#histCap - 1] - this.#loopValue(c, P - 1, 1);
    this.#deltaLeft = Math.max(1, this.#overlap);
  }

  /**
   * The loop of `k` periods at position `pos` (App. I's pitch buffer): the history read at
   * end − k·P + pos, its last L samples overlap-added with the L before the loop so that the
   * wrap is smooth ("OLA of 1/4 wavelength").
   */
  #loopValue(c: number, pos: number, k: number): number {
    const pb = this.#pbuf[c];
    const span = k * this.#pitch;
    const t = Math.max(HALF - 1, this.#end - span + pos);
    const v = readAt(pb, t);
    const L = this.#overlap;
    const into = t - (this.#end - L); // ≥ 0 inside the blended tail
    if (L === 0 || into < 0) return v;
    const w = Math.min(1, (into + 1) / L);
    return v * (1 - w) + readAt(pb, Math.max(HALF - 1, t - span)) * w;
  }

  /** Adds a period to the loop (App. I, at 10 and 20 ms), overlap-adding the old loop's continuation. */
  #grow(): void {
    const P = this.#pitch;
    const L = this.#overlap;
    const next = this.#periods + 1;
    if (this.#end - next * P - L < HALF - 1) return; // history too short for another period
    const span = this.#periods * P;
    for (let c = 0; c < this.channels; c++) {
      const tmp = this.#olaTmp[c];
      let p = this.#pos;
      for (let i = 0; i < L; i++) {
        tmp[i] = this.#loopValue(c, p, this.#periods);
        if (++p >= span) p -= span;
      }
    }
    // Same phase one period further back (App. I wraps poffset into one period).
    this.#pos -= Math.floor(this.#pos / P) * P;
    this.#periods = next;
    this.#olaLeft = L;
  }

  /** One synthetic multi-channel sample into #frame; advances the loop and the fade clock. */
  #synth(mayGrow: boolean): void {
    const frame = this.#frame;
    const idx = this.#lossPos++;
    if (this.#pitch === 0 || idx >= this.#silenceAt) {
      frame.fill(0);
      return;
    }
    if (mayGrow && this.#periods < MAX_PERIODS && idx === this.#periods * this.#growEvery) this.#grow();
    const g = idx < this.#fadeStart ? 1 : (this.#silenceAt - idx) / (this.#silenceAt - this.#fadeStart);
    const L = this.#overlap;
    const olaW = this.#olaLeft > 0 ? (L - this.#olaLeft + 1) / (L + 1) : 1;
    const dW = this.#deltaLeft > 0 ? this.#deltaLeft / (Math.max(1, L) + 1) : 0;
    for (let c = 0; c < this.channels; c++) {
      let v = this.#loopValue(c, this.#pos, this.#periods);
      if (olaW < 1) v = this.#olaTmp[c][L - this.#olaLeft] * (1 - olaW) + v * olaW;
      if (dW > 0) v += this.#delta[c] * dW;
      frame[c] = v * g;
    }
    if (this.#olaLeft > 0) this.#olaLeft--;
    if (this.#deltaLeft > 0) this.#deltaLeft--;
    const span = this.#periods * this.#pitch;
    if (++this.#pos >= span) this.#pos -= span;
  }

  /** Appends `n` interleaved frames to the per-channel history. */
  #append(s: Int16Array, n: number): void {
    const ch = this.channels;
    const cap = this.#histCap;
    const keep = Math.min(n, cap);
    const skip = n - keep;
    for (let c = 0; c < ch; c++) {
      const h = this.#hist[c];
      if (keep < cap) h.copyWithin(0, keep);
      for (let i = 0, k = skip * ch + c, j = cap - keep; i < keep; i++, k += ch, j++) h[j] = s[k];
    }
    this.#histLen = Math.min(cap, this.#histLen + n);
  }

  /**
   * Pitch period in samples by normalised cross-correlation (G.711 App. I `findpitch`, widened
   * to 2.5–20 ms): the lag τ maximising Σ r[i]·x[i−τ] / √(Σ x[i−τ]²) over the last `corr`
   * samples r, then refined to a fraction of a sample by a parabola through the normalised
   * correlations at τ − 1, τ, τ + 1 (an integer period drifts by up to half a sample per
   * period: at 8 kHz and 120 Hz that is a quarter cycle of a 1 kHz harmonic within 20 ms).
   * 0 when there is no history; the whole history when it is shorter than two of the shortest
   * periods.
   */
  #findPitch(): number {
    const avail = this.#histLen;
    if (avail === 0) return 0;
    if (avail < 2 * this.#minLag) return avail;
    const maxLag = Math.min(this.#maxLag, (avail >> 1) - 1);
    const corr = Math.min(this.#corrLen, avail - maxLag - 1);
    const need = corr + maxLag + 1;
    // Mono downmix of the last `need` samples, oldest first.
    const m = this.#mono;
    const ch = this.channels;
    const base = this.#histCap - need;
    for (let i = 0; i < need; i++) {
      let s = 0;
      for (let c = 0; c < ch; c++) s += this.#hist[c][base + i];
      m[i] = s / ch;
    }
    // Coarse search at ~4 kHz (App. I decimates 2:1 at 8 kHz). Each decimated sample is the mean
    // of `step` samples: a crude low-pass, so what aliases at 48 kHz is attenuated.
    const step = Math.max(1, Math.floor(this.sampleRate / 4000));
    let best: number;
    if (step > 1) {
      const nd = Math.floor(need / step);
      const d = this.#dec;
      const off = need - nd * step; // align the decimated grid to the newest sample
      for (let j = 0; j < nd; j++) {
        let s = 0;
        for (let k = 0; k < step; k++) s += m[off + j * step + k];
        d[j] = s / step;
      }
      const cd = Math.max(1, Math.floor(corr / step));
      const lo = Math.ceil(this.#minLag / step);
      const hi = Math.floor(maxLag / step);
      let bestScore = Number.NEGATIVE_INFINITY;
      best = lo * step;
      for (let t = lo; t <= hi; t++) {
        const s = score(d, nd - cd, cd, t);
        if (s > bestScore) {
          bestScore = s;
          best = t * step;
        }
      }
      best = this.#refine(m, need, corr, Math.max(this.#minLag, best - step + 1), Math.min(maxLag, best + step - 1));
    } else {
      best = this.#refine(m, need, corr, this.#minLag, maxLag);
    }
    best = this.#preferShort(m, need, corr, best, maxLag, step);
    // Sub-sample refinement (parabolic interpolation of the normalised correlation peak).
    const start = need - corr;
    if (best > 1 && best + 1 <= start) {
      const a = normCorr(m, start, corr, best - 1);
      const b = normCorr(m, start, corr, best);
      const c = normCorr(m, start, corr, best + 1);
      const den = a - 2 * b + c;
      if (den < 0) best += Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den));
    }
    return best;
  }

  /** Best lag at full rate within [lo, hi]. */
  #refine(m: Float32Array, need: number, corr: number, lo: number, hi: number): number {
    let best = lo;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let t = lo; t <= hi; t++) {
      const s = score(m, need - corr, corr, t);
      if (s > bestScore) {
        bestScore = s;
        best = t;
      }
    }
    return best;
  }

  /**
   * Octave check: with a 20 ms ceiling, 2P or 3P can edge out P; take the shortest sub-multiple
   * whose normalised correlation is within 5 % of the winner's (repeating a multiple of the
   * period is harmless, but P itself follows a gliding pitch more closely).
   */
  #preferShort(m: Float32Array, need: number, corr: number, best: number, maxLag: number, step: number): number {
    const start = need - corr;
    const ref = normCorr(m, start, corr, best);
    if (!(ref > 0)) return best;
    for (let k = MAX_PERIODS + 1; k >= 2; k--) {
      const t0 = Math.round(best / k);
      if (t0 < this.#minLag) continue;
      const t = this.#refine(m, need, corr, Math.max(this.#minLag, t0 - step), Math.min(maxLag, t0 + step));
      if (normCorr(m, start, corr, t) >= SUBMULTIPLE_RATIO * ref) return t;
    }
    return best;
  }
}

/** App. I's score: Σ x[s+i]·x[s+i−τ] / √(max(Σ x[s+i−τ]², floor)). */
function score(x: Float32Array, start: number, len: number, lag: number): number {
  let xy = 0;
  let yy = 0;
  for (let i = 0, a = start, b = start - lag; i < len; i++, a++, b++) {
    const y = x[b];
    xy += x[a] * y;
    yy += y * y;
  }
  // Energy floor (App. I CORRMINPOWER) so near-silent candidates cannot win on tiny energies.
  return xy / Math.sqrt(Math.max(yy, len * 4));
}

/** Normalised cross-correlation in [−1, 1] between the window and the window `lag` earlier. */
function normCorr(x: Float32Array, start: number, len: number, lag: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0, a = start, b = start - lag; i < len; i++, a++, b++) {
    const u = x[a];
    const v = x[b];
    xy += u * v;
    xx += u * u;
    yy += v * v;
  }
  const den = Math.sqrt(xx * yy);
  return den > 0 ? xy / den : 0;
}

export interface PlcFilterOptions {
  /**
   * Expected sample rate and channels (e.g. the codec's): the concealer is made (and checked) at
   * construction. Optional: by default they are taken from the first frame, and frames of
   * another format always start a new concealer.
   */
  sampleRate?: number;
  channels?: number;
  /** See PacketLossConcealerOptions (default 100 ms). */
  fadeStartMs?: number;
  /** See PacketLossConcealerOptions (default 150 ms). */
  silenceAtMs?: number;
  /** See PacketLossConcealerOptions (default adaptive, ≤ 10 ms). */
  crossfadeMs?: number;
}

/** True when every sample is 0: the marker a decoder without PLC emits for a lost frame. */
function allZero(x: Int16Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) return false;
  return true;
}

/**
 * Generic PLC filter (1 input, 1 output, audio frames of any rate and channel count; see the
 * contract at the top of this file). Received frames pass on (same object, their first samples
 * cross-faded in place after a loss); marker frames (`concealed: true`, all zero) are filled in
 * place with concealment and stay flagged `concealed`. Sample rate and channels are taken from
 * the frames; a change of either starts a new concealer (history is lost at the switch).
 */
export class PlcFilter extends Filter<Record<never, never>> {
  readonly type = 'plc';
  readonly #options: Omit<PacketLossConcealerOptions, 'sampleRate' | 'channels'>;
  #plc: PacketLossConcealer | null = null;
  #concealedMs = 0;
  #concealedFrames = 0;

  constructor(options: PlcFilterOptions = {}) {
    super({ inputs: 1, outputs: 1 });
    const { sampleRate, channels, ...rest } = options;
    this.#options = rest;
    // Made now, so that bad options throw here rather than at the first frame.
    const plc = new PacketLossConcealer({ sampleRate: sampleRate ?? 8000, channels: channels ?? 1, ...rest });
    if (sampleRate !== undefined && channels !== undefined) this.#plc = plc;
  }

  /** Milliseconds of audible audio made up by this filter (the report's `decoder.concealedMs`); silence after the fade is not counted. */
  get concealedMs(): number {
    return this.#concealedMs;
  }

  /** Marker frames filled. */
  get concealedFrames(): number {
    return this.#concealedFrames;
  }

  /** The concealer in use (undefined before the first frame unless the format was given). */
  get concealer(): PacketLossConcealer | undefined {
    return this.#plc ?? undefined;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      this.#apply(f);
      this.push(0, f);
    }
  }

  #apply(f: AudioFrame): void {
    let plc = this.#plc;
    if (!plc || plc.sampleRate !== f.sampleRate || plc.channels !== f.channels) {
      plc = this.#plc = new PacketLossConcealer({ sampleRate: f.sampleRate, channels: f.channels, ...this.#options });
    }
    if (f.concealed === true && allZero(f.samples)) {
      // Count only what the PLC makes audible: past silenceAtMs of one loss (the peer stopped
      // sending, a long outage) the output is silence, not concealment.
      const audible = Math.min(f.samples.length / f.channels, plc.audibleSamplesLeft);
      plc.concealInto(f.samples);
      this.#concealedFrames++;
      this.#concealedMs += (audible / f.sampleRate) * 1000;
    } else {
      plc.good(f.samples);
    }
  }
}
