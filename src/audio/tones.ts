/**
 * Tone and DTMF generator (Mediastreamer2's MSDtmfGen): a source filter (0 inputs, 1 output)
 * that plays queued DTMF digits and custom tones, and the pure function `renderDtmf()`.
 *
 * DTMF (ITU-T Q.23 §2 "Multifrequency push-button signals"): each digit is one frequency of the
 * low group (697, 770, 852, 941 Hz, the keypad rows) plus one of the high group (1209, 1336,
 * 1477, 1633 Hz, the columns; the fourth column gives A–D). We synthesise them exactly (Q.23
 * allows ±1.8 %).
 *
 * Levels are in dBm0, defined by ITU-T G.711 §5: the G.711 digital milliwatt decodes to a
 * 0 dBm0 sine, and the codec's theoretical load capacity (a full-scale sine) is +3.17 dBm0 for
 * µ-law (+3.14 for A-law). We take the µ-law figure for 16-bit PCM: a sine of peak amplitude
 * 32767 is +3.17 dBm0, so 0 dBm0 is a sine of peak 32767 · 10^(−3.17/20) ≈ 22 748 (RMS ≈ 16 085).
 * The default DTMF level is −10 dBm0 *per frequency* (so the pair is about −7 dBm0): Q.24
 * (reception of MFPB signals) notes that send levels are national matters and lists the
 * administrations' ranges; −10 dBm0 sits inside them with margin either way after a few dB of
 * line loss. Levels may be given per frequency (`dBm0: [low, high]`) to add twist.
 *
 * Timing: a DTMF digit is `toneMs` (default 100) of tone then `pauseMs` (default 100) of
 * silence; Q.24 receivers need ≥ 40 ms of tone and ≥ 40 ms of pause, so the defaults are
 * generous. A custom tone plays `durationMs` then `intervalMs` of silence, `repeat` times
 * (Infinity = until `stop()`; e.g. a ringback tone). The silence after the last play is kept,
 * so queued tones stay apart.
 *
 * Synthesis: each sample is computed from its position inside the tone (sin(ω·n)), so the
 * waveform is continuous across ticks whatever the frame size, and each tone edge has a
 * raised-cosine ramp (default 2 ms) so that it starts and ends without a click (a hard edge
 * splatters energy across the band and can itself be mistaken for a digit). Sample counts are
 * exact at any rate: per tick the generator emits floor(t·rate) − floor(t_prev·rate) samples
 * (11 025 Hz gives 110, 110, 110, 111 … per 10 ms), and segment lengths carry their fractions too.
 *
 * Between tones the generator sends silence frames (option `silenceWhenIdle`, default true) so
 * that a writer or an encoder downstream gets continuous audio; with it off, ticks with nothing
 * to play produce no frame (the frame timestamps still follow time).
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';

/** The level of a full-scale sine (peak 32767), dBm0 (G.711 §5, µ-law load capacity). */
export const FULL_SCALE_DBM0 = 3.17;

/** Peak amplitude (16-bit units) of a sine at `dBm0`. */
export function dBm0ToAmplitude(dBm0: number): number {
  return 32767 * 10 ** ((dBm0 - FULL_SCALE_DBM0) / 20);
}

/** Level in dBm0 of a sine of peak amplitude `peak` (16-bit units). */
export function amplitudeToDbm0(peak: number): number {
  return 20 * Math.log10(peak / 32767) + FULL_SCALE_DBM0;
}

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** Q.23 low group (rows) and high group (columns), Hz. */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const;
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const;

const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/** Each digit's [low, high] frequencies (Q.23 Figure 1). */
export const DTMF_FREQUENCIES: Readonly<Record<DtmfDigit, readonly [number, number]>> = (() => {
  const m: Partial<Record<DtmfDigit, readonly [number, number]>> = {};
  KEYPAD.forEach((row, r) => {
    for (let c = 0; c < 4; c++) m[row[c] as DtmfDigit] = [DTMF_LOW_HZ[r]!, DTMF_HIGH_HZ[c]!];
  });
  return m as Record<DtmfDigit, readonly [number, number]>;
})();

/** Default DTMF level per frequency, dBm0. */
export const DEFAULT_DTMF_DBM0 = -10;
export const DEFAULT_DTMF_TONE_MS = 100;
export const DEFAULT_DTMF_PAUSE_MS = 100;
export const DEFAULT_RAMP_MS = 2;

/** A level for every frequency, or one per frequency. */
export type ToneLevel = number | readonly number[];

export interface DtmfOptions {
  /** Tone duration per digit, ms (default 100). */
  toneMs?: number;
  /** Silence after each digit, ms (default 100). */
  pauseMs?: number;
  /** Level per frequency, dBm0 (default −10), or [low, high] for twist. */
  dBm0?: ToneLevel;
}

export interface ToneDef {
  /** One or two frequencies, Hz (each below half the sample rate). */
  frequencies: readonly number[];
  /** Tone duration of one play, ms (> 0). */
  durationMs: number;
  /** Level per frequency, dBm0 (default −10), or one level per frequency. */
  dBm0?: ToneLevel;
  /** Silence after each play, ms (default 0). */
  intervalMs?: number;
  /** Number of plays (default 1); Infinity plays until stop(). */
  repeat?: number;
  /** Name given in tone-start/tone-end events (default e.g. "425Hz", "350+440Hz"). */
  name?: string;
}

export interface ToneGeneratorOptions extends DtmfOptions {
  /** Output sample rate, Hz (default 8000). */
  sampleRate?: number;
  /** Send silence frames when nothing plays (default true). */
  silenceWhenIdle?: boolean;
  /** Raised-cosine ramp at each tone edge, ms (default 2; 0 = hard edges). */
  rampMs?: number;
}

export type ToneGeneratorEvents = {
  /** A tone (DTMF digit, or a custom tone's name) begins; `timestamp` = its first sample. */
  'tone-start': [tone: string, timestamp: number];
  /** A tone ends; `timestamp` = the sample after its last one. */
  'tone-end': [tone: string, timestamp: number];
};

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function checkRate(who: string, rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1000 || rate > 384000) {
    throw new ConfigError(`${who}: sampleRate must be a whole number of Hz, 1000–384000, got ${String(rate)}`);
  }
  return rate;
}

function checkMs(who: string, what: string, v: unknown, min: number, allowMin: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (!allowMin && v === min)) {
    throw new ConfigError(`${who}: ${what} must be a number of ms ${allowMin ? '≥' : '>'} ${min}, got ${String(v)}`);
  }
  return v;
}

function checkLevels(who: string, level: ToneLevel, count: number): number[] {
  const list = typeof level === 'number' ? new Array<number>(count).fill(level) : [...level];
  if (list.length !== count) throw new ConfigError(`${who}: dBm0 gives ${list.length} levels for ${count} frequencies`);
  for (const l of list) {
    if (typeof l !== 'number' || !Number.isFinite(l) || l < -100 || l > FULL_SCALE_DBM0) {
      throw new ConfigError(`${who}: dBm0 must be −100 … +${FULL_SCALE_DBM0} (a full-scale sine), got ${String(l)}`);
    }
  }
  return list;
}

/** Upper-cases a–d (accepted as A–D) and throws a ConfigError naming the first invalid digit. */
export function parseDtmfDigits(digits: string, who = 'DTMF'): DtmfDigit[] {
  if (typeof digits !== 'string') throw new ConfigError(`${who}: digits must be a string, got ${typeof digits}`);
  const out: DtmfDigit[] = [];
  for (let i = 0; i < digits.length; i++) {
    const ch = digits[i]!;
    const d = (ch >= 'a' && ch <= 'd' ? ch.toUpperCase() : ch) as DtmfDigit;
    if (!(d in DTMF_FREQUENCIES)) {
      throw new ConfigError(`${who}: invalid DTMF digit ${JSON.stringify(ch)} at position ${i} of ${JSON.stringify(digits)}; valid digits: 0-9 * # A-D`);
    }
    out.push(d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Synthesis core (shared by the filter and renderDtmf)
// ---------------------------------------------------------------------------------------------

/** A queued tone, rates resolved. */
interface ToneItem {
  label: string;
  /** Radians per sample, per frequency. */
  omega: number[];
  /** Peak amplitude, per frequency. */
  amp: number[];
  toneMs: number;
  gapMs: number;
  /** Plays left, this one included. */
  repeatsLeft: number;
}

class ToneSynth {
  readonly rate: number;
  readonly rampMs: number;
  readonly #queue: ToneItem[] = [];
  #cur: ToneItem | null = null;
  #inTone = false;
  /** tone-start was emitted for the current tone. */
  #started = false;
  #pos = 0;
  #len = 0;
  #ramp = 0;
  /** Fractional samples carried from one segment length to the next. */
  #carry = 0;
  /** Samples rendered since creation (the timestamp of the next one). */
  position = 0;

  readonly onStart: (label: string, ts: number) => void;
  readonly onEnd: (label: string, ts: number) => void;

  constructor(rate: number, rampMs: number, onStart: (label: string, ts: number) => void, onEnd: (label: string, ts: number) => void) {
    this.rate = rate;
    this.rampMs = rampMs;
    this.onStart = onStart;
    this.onEnd = onEnd;
  }

  enqueue(item: ToneItem): void {
    this.#queue.push(item);
  }

  get busy(): boolean {
    return this.#cur !== null || this.#queue.length > 0;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get playing(): string | null {
    return this.#cur !== null && this.#inTone ? this.#cur.label : null;
  }

  /** Drops the queue; a tone playing fades out over the ramp, then its item ends (no pause after it). */
  stop(): void {
    this.#queue.length = 0;
    const cur = this.#cur;
    if (cur === null) return;
    cur.repeatsLeft = 1;
    if (this.#inTone && !this.#started) {
      this.#cur = null; // not begun (no tone-start yet): nothing to fade, no events
    } else if (this.#inTone) {
      // Fade out over the ramp from here (at once if no sample was played: stop() from a
      // tone-start listener), then tone-end; min() in #synth keeps the envelope continuous.
      cur.gapMs = 0;
      this.#len = Math.min(this.#len, this.#pos + (this.#pos === 0 ? 0 : this.#ramp));
    } else {
      this.#len = this.#pos; // end the silence now
    }
  }

  #segment(ms: number): number {
    const exact = (ms * this.rate) / 1000 + this.#carry;
    const n = Math.floor(exact + 1e-9);
    this.#carry = Math.max(0, exact - n);
    return n;
  }

  #startTone(item: ToneItem): void {
    this.#inTone = true;
    this.#started = false;
    this.#pos = 0;
    this.#len = this.#segment(item.toneMs);
    this.#ramp = Math.min(Math.round((this.rampMs * this.rate) / 1000), Math.floor(this.#len / 2));
  }

  /** Renders out.length samples into `out` (zeros where nothing plays). Returns whether anything played. */
  render(out: Int16Array): boolean {
    const n = out.length;
    let i = 0;
    let played = false;
    while (i < n) {
      if (this.#cur === null) {
        const next = this.#queue.shift();
        if (next === undefined) break;
        this.#cur = next;
        this.#startTone(next);
      }
      const cur = this.#cur;
      played = true;
      if (this.#inTone) {
        if (!this.#started) {
          this.#started = true;
          this.onStart(cur.label, this.position + i);
        }
        const k = Math.min(n - i, this.#len - this.#pos);
        this.#synth(cur, out, i, k);
        this.#pos += k;
        i += k;
        if (this.#pos >= this.#len) {
          // State first, then the event, so a listener calling stop() sees the tone as ended.
          this.#inTone = false;
          this.#pos = 0;
          this.#len = this.#segment(cur.gapMs);
          this.onEnd(cur.label, this.position + i);
        }
      } else {
        const k = Math.min(n - i, this.#len - this.#pos);
        out.fill(0, i, i + k);
        this.#pos += k;
        i += k;
        if (this.#pos >= this.#len) {
          cur.repeatsLeft--;
          if (cur.repeatsLeft > 0) this.#startTone(cur);
          else this.#cur = null;
        }
      }
    }
    if (i < n) {
      out.fill(0, i, n);
      // Idle: the next tone's lengths start from a clean slate.
      this.#carry = 0;
    }
    this.position += n;
    return played;
  }

  #synth(item: ToneItem, out: Int16Array, at: number, k: number): void {
    const { omega, amp } = item;
    const len = this.#len;
    const ramp = this.#ramp;
    const nf = omega.length;
    for (let j = 0; j < k; j++) {
      const p = this.#pos + j;
      let s = 0;
      for (let f = 0; f < nf; f++) s += amp[f]! * Math.sin(omega[f]! * p);
      if (ramp > 0) {
        // Raised cosine over `ramp` samples at each edge, sampled at the middle of each sample
        // so the two edges are mirror images; min() keeps it continuous when stop() shortens
        // a tone during its rising edge.
        const fromStart = p;
        const toEnd = len - 1 - p;
        const edge = fromStart < toEnd ? fromStart : toEnd;
        if (edge < ramp) s *= 0.5 - 0.5 * Math.cos((Math.PI * (edge + 0.5)) / ramp);
      }
      const v = Math.round(s);
      out[at + j] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }
}

function makeItem(who: string, rate: number, def: ToneDef, defaultLevel: ToneLevel): ToneItem {
  if (def === null || typeof def !== 'object') throw new ConfigError(`${who}: playTone needs a tone definition object`);
  const freqs = def.frequencies;
  if (!Array.isArray(freqs) || freqs.length < 1 || freqs.length > 2) {
    throw new ConfigError(`${who}: tone frequencies must be one or two numbers of Hz, got ${JSON.stringify(freqs)}`);
  }
  for (const f of freqs as readonly unknown[]) {
    if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f >= rate / 2) {
      throw new ConfigError(`${who}: tone frequency must be > 0 and below half the sample rate (${rate / 2} Hz), got ${String(f)}`);
    }
  }
  const toneMs = checkMs(who, 'tone durationMs', def.durationMs, 0, false);
  const gapMs = checkMs(who, 'tone intervalMs', def.intervalMs ?? 0, 0, true);
  const repeat = def.repeat ?? 1;
  if (!(repeat === Number.POSITIVE_INFINITY || (Number.isInteger(repeat) && repeat >= 1))) {
    throw new ConfigError(`${who}: tone repeat must be a whole number ≥ 1 or Infinity, got ${String(repeat)}`);
  }
  const levels = checkLevels(who, def.dBm0 ?? defaultLevel, freqs.length);
  return {
    label: def.name ?? `${freqs.join('+')}Hz`,
    omega: freqs.map((f) => (2 * Math.PI * f) / rate),
    amp: levels.map(dBm0ToAmplitude),
    toneMs,
    gapMs,
    repeatsLeft: repeat,
  };
}

function dtmfItems(who: string, rate: number, digits: readonly DtmfDigit[], toneMs: number, pauseMs: number, level: ToneLevel): ToneItem[] {
  return digits.map((d) =>
    makeItem(who, rate, { frequencies: DTMF_FREQUENCIES[d], durationMs: toneMs, intervalMs: pauseMs, dBm0: level, name: d }, level),
  );
}

// ---------------------------------------------------------------------------------------------
// The filter
// ---------------------------------------------------------------------------------------------

export class ToneGenerator extends Filter<ToneGeneratorEvents> {
  readonly type = 'tone-generator';
  readonly sampleRate: number;
  readonly silenceWhenIdle: boolean;
  readonly #synth: ToneSynth;
  readonly #toneMs: number;
  readonly #pauseMs: number;
  readonly #level: ToneLevel;
  /** Ticks run; samples due = floor(ticks × period × rate / 1000), so fractions carry over. */
  #ticks = 0;

  constructor(options: ToneGeneratorOptions = {}) {
    super({ inputs: 0, outputs: 1 });
    const who = 'tone-generator';
    this.sampleRate = checkRate(who, options.sampleRate ?? 8000);
    this.silenceWhenIdle = options.silenceWhenIdle ?? true;
    this.#toneMs = checkMs(who, 'toneMs', options.toneMs ?? DEFAULT_DTMF_TONE_MS, 0, false);
    this.#pauseMs = checkMs(who, 'pauseMs', options.pauseMs ?? DEFAULT_DTMF_PAUSE_MS, 0, true);
    this.#level = options.dBm0 ?? DEFAULT_DTMF_DBM0;
    checkLevels(who, this.#level, 2);
    const rampMs = checkMs(who, 'rampMs', options.rampMs ?? DEFAULT_RAMP_MS, 0, true);
    this.#synth = new ToneSynth(
      this.sampleRate,
      rampMs,
      (label, ts) => this.emit('tone-start', label, ts),
      (label, ts) => this.emit('tone-end', label, ts),
    );
  }

  /**
   * Queues DTMF digits (0-9 * # A-D; a-d accepted). Throws ConfigError naming the first invalid
   * digit, before queueing any of them.
   */
  playDtmf(digits: string, opts: DtmfOptions = {}): void {
    const parsed = parseDtmfDigits(digits, this.name);
    const toneMs = checkMs(this.name, 'toneMs', opts.toneMs ?? this.#toneMs, 0, false);
    const pauseMs = checkMs(this.name, 'pauseMs', opts.pauseMs ?? this.#pauseMs, 0, true);
    const level = opts.dBm0 ?? this.#level;
    for (const item of dtmfItems(this.name, this.sampleRate, parsed, toneMs, pauseMs, level)) this.#synth.enqueue(item);
  }

  /** Queues a custom tone (one or two frequencies). Throws ConfigError on a bad definition. */
  playTone(def: ToneDef): void {
    this.#synth.enqueue(makeItem(this.name, this.sampleRate, def, this.#level));
  }

  /** Drops queued tones; a tone playing fades out over the ramp (no click) and ends. */
  stop(): void {
    this.#synth.stop();
  }

  /** Whether anything is playing or queued. */
  get busy(): boolean {
    return this.#synth.busy;
  }

  /** Tones (digits) waiting behind the current one. */
  get queued(): number {
    return this.#synth.queued;
  }

  /** The tone sounding now (digit or name), or null (idle or in a pause). */
  get playing(): string | null {
    return this.#synth.playing;
  }

  process(ctx: TickContext): void {
    this.#ticks++;
    const target = Math.floor((this.#ticks * ctx.periodMs * this.sampleRate) / 1000 + 1e-9);
    const n = target - this.#synth.position;
    if (n <= 0) return;
    const ts = this.#synth.position;
    const out = new Int16Array(n);
    const played = this.#synth.render(out);
    if (!played && !this.silenceWhenIdle) return;
    const frame: AudioFrame = { kind: 'audio', samples: out, sampleRate: this.sampleRate, channels: 1, timestamp: ts };
    this.push(0, frame);
  }
}

/** Options of renderDtmf (defaults: 8000 Hz, 100 ms tone, 100 ms pause, −10 dBm0 per frequency, 2 ms ramps). */
export interface RenderDtmfOptions extends DtmfOptions {
  sampleRate?: number;
  rampMs?: number;
}

/**
 * Renders DTMF digits to 16-bit mono PCM: per digit `toneMs` of tone then `pauseMs` of silence
 * (the last pause included), exactly what a ToneGenerator with the same options outputs.
 * Throws ConfigError naming an invalid digit.
 */
export function renderDtmf(digits: string, opts: RenderDtmfOptions = {}): Int16Array {
  const who = 'renderDtmf';
  const rate = checkRate(who, opts.sampleRate ?? 8000);
  const toneMs = checkMs(who, 'toneMs', opts.toneMs ?? DEFAULT_DTMF_TONE_MS, 0, false);
  const pauseMs = checkMs(who, 'pauseMs', opts.pauseMs ?? DEFAULT_DTMF_PAUSE_MS, 0, true);
  const rampMs = checkMs(who, 'rampMs', opts.rampMs ?? DEFAULT_RAMP_MS, 0, true);
  const parsed = parseDtmfDigits(digits, who);
  const synth = new ToneSynth(
    rate,
    rampMs,
    () => {},
    () => {},
  );
  for (const item of dtmfItems(who, rate, parsed, toneMs, pauseMs, opts.dBm0 ?? DEFAULT_DTMF_DBM0)) synth.enqueue(item);
  // Total length with the same fraction carrying as the synthesiser's segments.
  let total = 0;
  let carry = 0;
  for (let i = 0; i < parsed.length; i++) {
    for (const ms of [toneMs, pauseMs]) {
      const exact = (ms * rate) / 1000 + carry;
      const n = Math.floor(exact + 1e-9);
      carry = Math.max(0, exact - n);
      total += n;
    }
  }
  const out = new Int16Array(total);
  synth.render(out);
  return out;
}
