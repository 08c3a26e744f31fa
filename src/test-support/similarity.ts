/**
 * Speech similarity (DESIGN §6), the measure interop thresholds use:
 * both signals at 8 kHz mono; the global best lag by cross-correlation; then 200 ms chunks where
 * the reference is active (peak above 5 % of its maximum), each aligned within ±25 ms of the
 * global lag, scored by normalised cross-correlation, averaged.
 */
import { SpeexResampler } from '../native/speexdsp.js';

export interface SimilarityResult {
  /** Mean normalised cross-correlation of the active chunks, −1..1 (1 = identical up to gain). */
  score: number;
  /** Global lag of `test` behind `reference`, samples at 8 kHz (positive: test is late). */
  lag: number;
  /** Active chunks scored. */
  chunks: number;
}

/** Mono 8 kHz copy of interleaved PCM (channels averaged, resampled with libspeexdsp). */
export function toMono8k(samples: Int16Array, sampleRate: number, channels: number): Float64Array {
  let mono: Int16Array = samples;
  if (channels > 1) {
    mono = new Int16Array(samples.length / channels);
    for (let i = 0; i < mono.length; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += samples[i * channels + c]!;
      mono[i] = Math.round(s / channels);
    }
  }
  if (sampleRate !== 8000) {
    const r = new SpeexResampler({ channels: 1, inputRate: sampleRate, outputRate: 8000, quality: 8 });
    const skip = r.outputLatency;
    const padded = new Int16Array(mono.length + Math.ceil((r.inputLatency ?? 0) + sampleRate / 100));
    padded.set(mono);
    const out = r.process(padded).slice();
    r.destroy();
    mono = out.subarray(skip, skip + Math.round((mono.length * 8000) / sampleRate));
  }
  return Float64Array.from(mono);
}

/** In-place iterative radix-2 FFT. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
  if (inverse) for (let i = 0; i < n; i++) (re[i] = re[i]! / n), (im[i] = im[i]! / n);
}

/** Lag (samples) maximising the cross-correlation of test against reference, within ±maxLag. */
export function bestLag(ref: Float64Array, test: Float64Array, maxLag: number): number {
  let n = 1;
  while (n < ref.length + test.length) n <<= 1;
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  ar.set(ref);
  br.set(test);
  fft(ar, ai, false);
  fft(br, bi, false);
  // corr[k] = Σ test[i + k] ref[i]  ⇒  B · conj(A)
  for (let i = 0; i < n; i++) {
    const r = br[i]! * ar[i]! + bi[i]! * ai[i]!;
    const im = bi[i]! * ar[i]! - br[i]! * ai[i]!;
    br[i] = r;
    bi[i] = im;
  }
  fft(br, bi, true);
  let best = 0;
  let bestV = -Infinity;
  for (let k = -maxLag; k <= maxLag; k++) {
    const v = br[(k + n) % n]!;
    if (v > bestV) {
      bestV = v;
      best = k;
    }
  }
  return best;
}

function ncc(ref: Float64Array, rs: number, test: Float64Array, ts: number, len: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < len; i++) {
    const x = ref[rs + i]!;
    const j = ts + i;
    const y = j >= 0 && j < test.length ? test[j]! : 0;
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  return xx === 0 || yy === 0 ? 0 : xy / Math.sqrt(xx * yy);
}

/**
 * Similarity of `test` to `reference`, both mono 8 kHz (use toMono8k). `maxLagMs` bounds the
 * global alignment search (default 3 s: network and jitter-buffer delays).
 */
export function speechSimilarity(reference: Float64Array, test: Float64Array, maxLagMs = 3000): SimilarityResult {
  const maxLag = Math.round((maxLagMs * 8000) / 1000);
  const lag = bestLag(reference, test, maxLag);
  const chunk = 1600; // 200 ms
  const local = 200; // ±25 ms
  let peakAll = 0;
  for (const v of reference) peakAll = Math.max(peakAll, Math.abs(v));
  let sum = 0;
  let chunks = 0;
  for (let start = 0; start + chunk <= reference.length; start += chunk) {
    let peak = 0;
    for (let i = start; i < start + chunk; i++) peak = Math.max(peak, Math.abs(reference[i]!));
    if (peak <= 0.05 * peakAll) continue;
    let best = -1;
    for (let d = -local; d <= local; d++) best = Math.max(best, ncc(reference, start, test, start + lag + d, chunk));
    sum += best;
    chunks++;
  }
  return { score: chunks ? sum / chunks : 0, lag, chunks };
}
