/**
 * Volume: gain and level meter (Mediastreamer2's MSVolume, without its AGC and noise gate).
 * 1 input, 1 output, audio frames of any rate and channel count.
 *
 * - Gain in dB, −60 … +40 (`setGainDb`; outside → ConfigError). Samples are scaled, rounded and
 *   saturated to int16 (clipping rather than wrapping, which would turn an overload into loud
 *   full-scale noise).
 * - Gain changes are smooth: the gain moves linearly from the old to the new value across the
 *   next frame (one tick, 10 ms), so a step never puts a discontinuity (a click) in the
 *   waveform. `mute` ramps to 0 the same way, and back.
 * - The input level is measured on every frame, before gain and mute (so a UI can show that a
 *   muted user is talking): `inputRmsDbfs` (RMS of the last frame) and `inputPeakDbfs` (its
 *   largest magnitude), in dB relative to full scale 32768 (a full-scale sine reads −3.01 dBFS
 *   RMS, 0 dBFS peak, as Mediastreamer2's volume reports energy); digital silence is −Infinity.
 * - At 0 dB and not muted, frames pass through untouched (same object). Otherwise the samples are
 *   scaled in place: this filter is the only consumer of its input queue (frames.ts).
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';

export const MIN_GAIN_DB = -60;
export const MAX_GAIN_DB = 40;

export interface VolumeOptions {
  /** Initial gain, dB (default 0). Applied from the first frame, without a ramp. */
  gainDb?: number;
  /** Start muted (default false). */
  mute?: boolean;
}

function checkGain(who: string, db: unknown): number {
  if (typeof db !== 'number' || !Number.isFinite(db) || db < MIN_GAIN_DB || db > MAX_GAIN_DB) {
    throw new ConfigError(`${who}: gain must be ${MIN_GAIN_DB} … +${MAX_GAIN_DB} dB, got ${String(db)}`);
  }
  return db;
}

const dbToLinear = (db: number): number => 10 ** (db / 20);

export class Volume extends Filter<Record<never, never>> {
  readonly type = 'volume';
  #gainDb: number;
  #mute: boolean;
  /** Linear gain applied at the end of the last frame (where the next ramp starts). */
  #current: number;
  #rmsDbfs = Number.NEGATIVE_INFINITY;
  #peak = 0;

  constructor(options: VolumeOptions = {}) {
    super({ inputs: 1, outputs: 1 });
    this.#gainDb = checkGain('volume', options.gainDb ?? 0);
    this.#mute = options.mute ?? false;
    this.#current = this.#target();
  }

  /** Sets the gain in dB (−60 … +40); reached smoothly over the next frame. */
  setGainDb(db: number): void {
    this.#gainDb = checkGain(this.name, db);
  }

  getGainDb(): number {
    return this.#gainDb;
  }

  get mute(): boolean {
    return this.#mute;
  }

  /** Mutes (ramps to silence over the next frame) or unmutes (ramps back to the gain). */
  set mute(on: boolean) {
    this.#mute = on;
  }

  /** RMS level of the last input frame, dBFS (re 32768); −Infinity for digital silence. */
  get inputRmsDbfs(): number {
    return this.#rmsDbfs;
  }

  /** Peak magnitude of the last input frame, dBFS (re 32768); −Infinity for digital silence. */
  get inputPeakDbfs(): number {
    return this.#peak === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(this.#peak / 32768);
  }

  /** Peak magnitude of the last input frame, 0 … 32768. */
  get inputPeak(): number {
    return this.#peak;
  }

  #target(): number {
    return this.#mute ? 0 : dbToLinear(this.#gainDb);
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      this.#apply(f);
      this.push(0, f);
    }
  }

  #apply(f: AudioFrame): void {
    const x = f.samples;
    const len = x.length;
    if (len === 0) return;
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < len; i++) {
      const v = x[i];
      sum += v * v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    this.#peak = peak;
    this.#rmsDbfs = sum === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(sum / len / (32768 * 32768));

    const g0 = this.#current;
    const g1 = this.#target();
    this.#current = g1;
    if (g0 === g1) {
      if (g1 === 1) return; // 0 dB: untouched
      for (let i = 0; i < len; i++) {
        const v = Math.round(x[i] * g1);
        x[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      return;
    }
    // Linear ramp g0 → g1 over the frame, one step per sample instant (all channels alike),
    // reaching g1 on the last sample.
    const ch = f.channels;
    const frames = len / ch;
    const step = (g1 - g0) / frames;
    for (let n = 0, i = 0; n < frames; n++) {
      const g = g0 + step * (n + 1);
      for (let c = 0; c < ch; c++, i++) {
        const v = Math.round(x[i] * g);
        x[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
  }
}
