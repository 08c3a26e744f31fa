/**
 * Channel adapter: mono ↔ stereo (Mediastreamer2's MSChannelAdapter). Mono → stereo copies the
 * channel to both sides; stereo → mono takes the mean of the two, `(l + r) >> 1`: it cannot
 * overflow, and mono → stereo → mono gives the original back exactly (the floor's −¼ LSB mean
 * bias is far below the noise of any real signal). A frame that already has the wanted channel
 * count passes through untouched (same frame object). Frames of more than two channels are
 * refused: downmixing them needs a layout (which channels are where), which this filter does not
 * guess. 1 input, 1 output; any sample rate.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';

export interface ChannelAdapterOptions {
  /** Channels of the output: 1 or 2 (default 1). */
  channels?: 1 | 2;
}

function checkChannels(who: string, n: unknown): 1 | 2 {
  if (n !== 1 && n !== 2) throw new ConfigError(`${who}: channels must be 1 or 2, got ${String(n)}`);
  return n;
}

/** Interleaved stereo from mono (each sample duplicated). */
export function monoToStereo(src: Int16Array, dst: Int16Array = new Int16Array(src.length * 2)): Int16Array {
  for (let i = 0, j = 0, n = src.length; i < n; i++, j += 2) {
    const v = src[i];
    dst[j] = v;
    dst[j + 1] = v;
  }
  return dst;
}

/** Mono from interleaved stereo (mean of left and right, rounded down). */
export function stereoToMono(src: Int16Array, dst: Int16Array = new Int16Array(src.length >> 1)): Int16Array {
  for (let i = 0, j = 0, n = src.length >> 1; i < n; i++, j += 2) dst[i] = (src[j] + src[j + 1]) >> 1;
  return dst;
}

export class ChannelAdapter extends Filter<Record<never, never>> {
  readonly type = 'channel-adapter';
  #channels: 1 | 2;

  constructor(options: ChannelAdapterOptions = {}) {
    super({ inputs: 1, outputs: 1 });
    this.#channels = checkChannels('channel-adapter', options.channels ?? 1);
  }

  /** Output channel count. */
  get channels(): 1 | 2 {
    return this.#channels;
  }

  setChannels(n: 1 | 2): void {
    this.#channels = checkChannels(this.name, n);
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      const want = this.#channels;
      if (f.channels === want) {
        this.push(0, f);
        continue;
      }
      if (f.channels !== 1 && f.channels !== 2) {
        throw new ConfigError(`${this.name}: input has ${f.channels} channels; only mono and stereo are adapted`);
      }
      const samples = want === 2 ? monoToStereo(f.samples) : stereoToMono(f.samples);
      const out: AudioFrame = { ...f, samples, channels: want };
      this.push(0, out);
    }
  }
}
