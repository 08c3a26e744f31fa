/**
 * What flows through a graph (DESIGN §2). Frames hold views (subarray) over buffers; filters
 * never copy sample data on the hot path. A filter that wants to modify samples it received must
 * own them (it is the only consumer of its input queue), so in-place processing is allowed.
 */

/** PCM audio: interleaved signed 16-bit samples. */
export interface AudioFrame {
  readonly kind: 'audio';
  /** Interleaved samples; length = sampleCount × channels. */
  samples: Int16Array;
  /** Hz, e.g. 8000, 16000, 48000. */
  sampleRate: number;
  /** 1 (mono) or 2 (stereo). */
  channels: number;
  /**
   * Position of the first sample, in samples (per channel) at `sampleRate`. The origin is the
   * producer's: sources count from 0, decoders carry the RTP timestamp scaled to the sample rate.
   * Consumers use differences (gaps, continuity), never the absolute value.
   */
  timestamp: number;
  /** True when the samples were made up by packet-loss concealment rather than decoded. */
  concealed?: boolean;
}

/** Codec output / decoder input: one codec frame (or several, as the payload format packs them). */
export interface EncodedFrame {
  readonly kind: 'encoded';
  data: Uint8Array;
  /** RTP timestamp (clock-rate units). */
  timestamp: number;
  /** RTP marker bit (e.g. start of a talkspurt for audio). */
  marker: boolean;
  /** RTP payload type, when known. */
  payloadType: number;
  /** Audio duration carried, in samples at the codec clock rate, when the producer knows it. */
  duration?: number;
  /**
   * Set by the receive side when this frame stands for missing media: `data` is empty and
   * `duration` says how many samples (at the clock rate) the decoder or PLC must make up.
   */
  lost?: boolean;
}

export type Frame = AudioFrame | EncodedFrame;

/** Number of samples per channel in an audio frame. */
export function sampleCount(f: AudioFrame): number {
  return f.samples.length / f.channels;
}

/** Duration of an audio frame in milliseconds. */
export function audioFrameDurationMs(f: AudioFrame): number {
  return (sampleCount(f) * 1000) / f.sampleRate;
}

export function makeAudioFrame(samples: Int16Array, sampleRate: number, channels: number, timestamp: number): AudioFrame {
  return { kind: 'audio', samples, sampleRate, channels, timestamp };
}

export function makeEncodedFrame(data: Uint8Array, timestamp: number, payloadType: number, marker = false, duration?: number): EncodedFrame {
  const f: EncodedFrame = { kind: 'encoded', data, timestamp, marker, payloadType };
  if (duration !== undefined) f.duration = duration;
  return f;
}

export function isAudioFrame(f: Frame): f is AudioFrame {
  return f.kind === 'audio';
}

export function isEncodedFrame(f: Frame): f is EncodedFrame {
  return f.kind === 'encoded';
}
