/**
 * Void source and sink (Mediastreamer2's MSVoidSource / MSVoidSink): graph plumbing.
 *
 * `VoidSource` (0 inputs, 1 output) emits nothing, so a graph whose real source comes later (a
 * sound card, a network receiver) still validates; with `{ silence: { sampleRate, channels } }`
 * it emits one tick's worth of zero samples per tick instead (exact counts at any rate: the
 * fraction of a sample carries over, 11 025 Hz gives 110, 110, 110, 111 … per 10 ms), e.g. to
 * keep an encoder or a writer fed. Each frame has its own buffer (its consumer may modify it).
 *
 * `VoidSink` (1 input, 0 outputs) discards what it gets, counting frames, samples (per channel,
 * of audio frames) and bytes (of encoded frames): the end of an output that nobody listens to.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';

export interface VoidSourceOptions {
  /** Emit silence frames of this format instead of nothing. */
  silence?: { sampleRate: number; channels: number };
}

export class VoidSource extends Filter<Record<never, never>> {
  readonly type = 'void-source';
  readonly silence: { readonly sampleRate: number; readonly channels: number } | null;
  #ticks = 0;
  #produced = 0;

  constructor(options: VoidSourceOptions = {}) {
    super({ inputs: 0, outputs: 1 });
    const s = options.silence;
    if (s !== undefined) {
      if (!Number.isInteger(s.sampleRate) || s.sampleRate < 1000 || s.sampleRate > 384000) {
        throw new ConfigError(`void-source: silence.sampleRate must be a whole number of Hz, 1000–384000, got ${String(s.sampleRate)}`);
      }
      if (!Number.isInteger(s.channels) || s.channels < 1 || s.channels > 8) {
        throw new ConfigError(`void-source: silence.channels must be a whole number 1–8, got ${String(s.channels)}`);
      }
      this.silence = { sampleRate: s.sampleRate, channels: s.channels };
    } else {
      this.silence = null;
    }
  }

  process(ctx: TickContext): void {
    const s = this.silence;
    if (s === null) return;
    this.#ticks++;
    const target = Math.floor((this.#ticks * ctx.periodMs * s.sampleRate) / 1000 + 1e-9);
    const n = target - this.#produced;
    if (n <= 0) return;
    const frame: AudioFrame = { kind: 'audio', samples: new Int16Array(n * s.channels), sampleRate: s.sampleRate, channels: s.channels, timestamp: this.#produced };
    this.#produced = target;
    this.push(0, frame);
  }
}

export interface VoidSinkStats {
  /** Frames received (audio and encoded). */
  frames: number;
  /** Samples per channel of the audio frames. */
  samples: number;
  /** Bytes of the encoded frames. */
  bytes: number;
}

export class VoidSink extends Filter<Record<never, never>> {
  readonly type = 'void-sink';
  readonly #stats: VoidSinkStats = { frames: 0, samples: 0, bytes: 0 };

  constructor() {
    super({ inputs: 1, outputs: 0 });
  }

  get frames(): number {
    return this.#stats.frames;
  }

  get samples(): number {
    return this.#stats.samples;
  }

  get bytes(): number {
    return this.#stats.bytes;
  }

  get sinkStats(): Readonly<VoidSinkStats> {
    return { ...this.#stats };
  }

  process(_ctx: TickContext): void {
    const st = this.#stats;
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      st.frames++;
      if (f.kind === 'audio') st.samples += f.samples.length / f.channels;
      else st.bytes += f.data.length;
    }
  }
}
