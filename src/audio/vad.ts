/**
 * A small voice activity detector (VAD) for silence suppression with comfort noise (RFC 3389):
 * frame energy against an adaptive noise floor, a zero-crossing test for unvoiced sounds, and a
 * hangover. Sans-IO: feed it 10 ms frames (any rate, mono Int16) and it says speech or not.
 *
 * Why this design: DTX only needs "is there something worth sending"; erring towards speech costs
 * a few packets, erring towards silence clips words. So the detector is quick to say speech (one
 * 10 ms frame over the threshold) and slow to give it up (the hangover), and the floor it
 * compares against follows the background noise, not a fixed level, so a noisy room is not
 * "speech" forever. The same principles as G.729 Annex B's VAD, without its spectral features.
 *
 * Per 10 ms frame (thresholds in dB, all options):
 * - Energy E: 10·log10(mean square / 32767²), i.e. dB relative to full scale (dBov, as RFC 3389
 *   counts levels); digital silence is −100.
 * - Noise floor F: the mean log energy of the frames that are not speech (F += 0.05·(E − F), a
 *   200 ms time constant), creeping up by at most 1 dB/s during speech so a long sentence barely
 *   lifts it; lifted at once to the minimum, over the last 1.5 s, of E smoothed over 30 ms
 *   (minimum statistics), so a floor learnt on digital silence cannot hold a noisy background
 *   as speech for ever; never below `minFloorDb` (−75).
 * - Speech when E ≥ F + `thresholdDb` (9) and E ≥ `minSpeechDb` (−55: hiss at −60 dBov over
 *   digital silence is not speech) in two frames running, or in one frame when E ≥ F + 18 (a
 *   single frame over the threshold is more often a noise peak than speech). Or when the frame is
 *   unvoiced-like: E ≥ F + `zcrThresholdDb` (4) with a zero-crossing rate of at least `zcrSpeech`
 *   (0.25 crossings per sample: energy above ~2 kHz at 8 kHz, as in /s/, /f/) that also exceeds
 *   the background's average rate by 0.1.
 * - Hangover: speech continues `hangoverMs` (200) after the last speech frame, covering the ends
 *   of words and the gaps between syllables.
 * Measured on test_silence_voice_8000.wav (vad.test.ts): every speech region found, the steady
 * background (about −57 dBov, 10 ms frames between −65 and −50) classed silence; a few short
 * noises 10–15 dB over it count as speech.
 */
import { ConfigError } from '../core/errors.js';

export interface VadOptions {
  /** Hz; frames must hold sampleRate / 100 samples. */
  sampleRate: number;
  /** Energy above the noise floor that is speech, dB. Default 9. */
  thresholdDb?: number;
  /** Lowest energy that can be speech, dBov. Default −55. */
  minSpeechDb?: number;
  /** Energy above the floor that, with a high zero-crossing rate, is (unvoiced) speech, dB. Default 4. */
  zcrThresholdDb?: number;
  /** Zero crossings per sample that mark unvoiced speech. Default 0.25. */
  zcrSpeech?: number;
  /** Speech continues this long after the last speech frame, ms (multiple of 10). Default 200. */
  hangoverMs?: number;
  /** The noise floor never goes below this, dBov. Default −75. */
  minFloorDb?: number;
}

/** What the detector saw in one frame (for tests and tuning). */
export interface VadFrameInfo {
  /** Final decision, hangover included. */
  speech: boolean;
  /** The frame itself was over a threshold (no hangover). */
  active: boolean;
  energyDb: number;
  floorDb: number;
  zcr: number;
}

const SILENCE_DB = -100;
/** Minimum statistics: 3 sub-windows of 50 frames (1.5 s). */
const MIN_SUBWINDOW_FRAMES = 50;
const MIN_SUBWINDOWS = 3;

function num(name: string, v: number | undefined, def: number, lo: number, hi: number): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi) throw new ConfigError(`vad: ${name} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  return x;
}

export class Vad {
  readonly sampleRate: number;
  /** Samples per 10 ms frame. */
  readonly frameSamples: number;
  readonly #threshold: number;
  readonly #minSpeech: number;
  readonly #zcrThreshold: number;
  readonly #zcrSpeech: number;
  readonly #hangoverFrames: number;
  readonly #minFloor: number;
  #floor: number | undefined;
  /** Background zero-crossing rate (average over noise frames). */
  #noiseZcr = 0.1;
  #hang = 0;
  #speech = false;
  #prevOver = false;
  #smooth: number | undefined;
  #subMin = Infinity;
  #subCount = 0;
  readonly #mins: number[] = [];
  #last: VadFrameInfo = { speech: false, active: false, energyDb: SILENCE_DB, floorDb: SILENCE_DB, zcr: 0 };

  constructor(options: VadOptions) {
    const rate = options.sampleRate;
    if (!Number.isInteger(rate) || rate < 8000 || rate > 192000 || rate % 100 !== 0) {
      throw new ConfigError(`vad: sampleRate must be a whole number of Hz, 8000–192000, a multiple of 100, got ${String(rate)}`);
    }
    this.sampleRate = rate;
    this.frameSamples = rate / 100;
    this.#threshold = num('thresholdDb', options.thresholdDb, 9, 0, 60);
    this.#minSpeech = num('minSpeechDb', options.minSpeechDb, -55, -100, 0);
    this.#zcrThreshold = num('zcrThresholdDb', options.zcrThresholdDb, 4, 0, 60);
    this.#zcrSpeech = num('zcrSpeech', options.zcrSpeech, 0.25, 0, 1);
    const hang = num('hangoverMs', options.hangoverMs, 200, 0, 5000);
    if (hang % 10 !== 0) throw new ConfigError(`vad: hangoverMs must be a multiple of 10 ms, got ${hang}`);
    this.#hangoverFrames = hang / 10;
    this.#minFloor = num('minFloorDb', options.minFloorDb, -75, -100, 0);
  }

  /** The current decision (the last frame's, hangover included). */
  get speech(): boolean {
    return this.#speech;
  }

  /** The last frame's measurements. */
  get last(): Readonly<VadFrameInfo> {
    return this.#last;
  }

  /** The current noise floor, dBov (undefined before the first frame). */
  get floorDb(): number | undefined {
    return this.#floor;
  }

  reset(): void {
    this.#floor = undefined;
    this.#noiseZcr = 0.1;
    this.#hang = 0;
    this.#speech = false;
    this.#prevOver = false;
    this.#smooth = undefined;
    this.#subMin = Infinity;
    this.#subCount = 0;
    this.#mins.length = 0;
  }

  /** Classifies one 10 ms frame (`frameSamples` mono samples); true = speech. */
  process(frame: Int16Array): boolean {
    const n = frame.length;
    if (n !== this.frameSamples) throw new RangeError(`vad: frames are 10 ms, ${this.frameSamples} samples at ${this.sampleRate} Hz; got ${n}`);
    let sum = 0;
    let crossings = 0;
    let prev = frame[0]!;
    for (let i = 0; i < n; i++) {
      const x = frame[i]!;
      sum += x * x;
      // A crossing is a sign change; exact zeros do not count (digital silence has none).
      if ((x < 0 && prev > 0) || (x > 0 && prev < 0)) crossings++;
      if (x !== 0) prev = x;
    }
    const e = sum > 0 ? Math.max(SILENCE_DB, 10 * Math.log10(sum / n / (32767 * 32767))) : SILENCE_DB;
    const zcr = crossings / n;
    let floor = this.#floor ?? Math.max(e, this.#minFloor);

    // Minimum statistics over the last 1.5 s (three 0.5 s sub-windows) of the energy smoothed
    // over 30 ms: a lower bound the floor is lifted to, so a floor learnt on digital silence (a
    // file that starts with zeros) cannot hold a noisy background as "speech" for ever.
    this.#smooth = this.#smooth === undefined ? e : this.#smooth + 0.33 * (e - this.#smooth);
    if (this.#smooth < this.#subMin) this.#subMin = this.#smooth;
    if (++this.#subCount === MIN_SUBWINDOW_FRAMES) {
      this.#mins.push(this.#subMin);
      if (this.#mins.length > MIN_SUBWINDOWS) this.#mins.shift();
      this.#subMin = Infinity;
      this.#subCount = 0;
      if (this.#mins.length === MIN_SUBWINDOWS) {
        const windowMin = Math.min(...this.#mins);
        if (windowMin > floor) floor = windowMin;
      }
    }

    const over = e >= floor + this.#threshold && e >= this.#minSpeech;
    // One frame over the threshold is a click or a noise peak unless it is well over (2×):
    // speech lasts, so a second frame confirms it.
    const loud = over && (this.#prevOver || e >= floor + 2 * this.#threshold);
    this.#prevOver = over;
    const hiss = e >= floor + this.#zcrThreshold && e >= this.#minSpeech && zcr >= this.#zcrSpeech && zcr >= this.#noiseZcr + 0.1;
    const active = loud || hiss;

    // Noise floor: the mean log energy of the frames that are not speech (time constant 200 ms);
    // during speech it only creeps up (1 dB/s), so a long sentence barely lifts it.
    if (!over && !active) floor += 0.05 * (e - floor);
    else floor += Math.max(0, Math.min(e - floor, 0.01));
    this.#floor = Math.max(floor, this.#minFloor);
    if (!active) this.#noiseZcr += 0.05 * (zcr - this.#noiseZcr);

    if (active) {
      this.#hang = this.#hangoverFrames;
      this.#speech = true;
    } else if (this.#hang > 0) {
      this.#hang--;
      this.#speech = true;
    } else {
      this.#speech = false;
    }
    this.#last = { speech: this.#speech, active, energyDb: e, floorDb: this.#floor, zcr };
    return this.#speech;
  }
}
