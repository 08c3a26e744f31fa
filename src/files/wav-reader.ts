/**
 * Streaming WAV reader (Mediastreamer2's MSFilePlayer for .wav): a source filter, 0 inputs and
 * 1 output, that plays a RIFF/WAVE file as Int16 interleaved AudioFrames, one tick's worth per
 * tick.
 *
 * - The file is opened and its header parsed in the constructor, so a missing, unreadable or
 *   unsupported file fails there with a FileFormatError naming it, not mid-graph.
 * - Audio is read with fs.readSync in 64 KiB chunks: a one-hour file costs 64 KiB of memory.
 * - Each process() call emits floor(ticks × periodMs × rate / 1000) − (already emitted) sample
 *   frames, i.e. exactly one tick's worth with the fractional remainder carried (110 or 111
 *   frames per 10 ms tick at 11025 Hz, 441 at 44100), so the count over any run is exact. The
 *   count is of process() calls, not ticker time: ticks a real-time ticker skips after a stall
 *   are not made up by a burst.
 * - Frame timestamps are in samples since the start of playback (stream time): they keep
 *   increasing across loops and loop pauses.
 * - At the end of the data the last frame is partial (so the sample count equals the file's),
 *   and `eof` is emitted once, in the first tick that has nothing to output; after that the
 *   reader outputs nothing (as MSFilePlayer does). With `loop`, the reader instead plays
 *   `loopPauseMs` of silence, emits `loop` and starts again; it never emits `eof`. An empty file
 *   (no sample frames) ends at once even when looping.
 * - Formats: see wav-format.ts (8-bit unsigned, 16/24/32-bit PCM, 32/64-bit float, µ-law,
 *   A-law, extensible with those; 1000–192000 Hz; mono or stereo, more channels are refused
 *   rather than downmixed, so nothing is silently lost). Only regular files: positional reads
 *   need a seekable file.
 * - A read error mid-stream (EIO, the file shrank) is thrown once from process() as a
 *   FileFormatError (the graph reports it as the filter's `error`); the reader then behaves as
 *   at the end of the file.
 * - postprocess() (detach) closes the file; a closed reader cannot be attached again (make a new
 *   one).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError, FileFormatError, StateError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import { makeAudioFrame } from '../core/frames.js';
import { type ByteSource, decodeFrames, parseWavHeader, type WavFormat, type WavLayout } from './wav-format.js';

/** Read-ahead buffer size; whole sample frames of it are used. */
const READ_CHUNK_BYTES = 64 * 1024;

/** "no such file or directory (ENOENT)" from a Node fs error, without repeating the path. */
export function osReason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node's messages read "ENOENT: no such file or directory, open '/x/in.wav'" or
    // "ENOSPC: no space left on device, write": keep the reason, drop the syscall and path.
    const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?)?$/s.exec(err.message);
    const text = m ? m[1]! : err.message;
    return code ? `${text} (${code})` : text;
  }
  return String(err);
}

function readFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, offset + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * An open WAV file read forward in chunks and decoded to Int16: the I/O half shared by WavReader
 * and readWavFile.
 */
class WavFile {
  readonly path: string;
  readonly layout: WavLayout;
  #fd: number | null;
  readonly #buf: Uint8Array;
  #bufPos = 0;
  #bufLen = 0;
  /** Data bytes already read into the buffer (from layout.dataOffset). */
  #readPos = 0;
  /** Data bytes there are to read (shrinks if the file turns out shorter than at open). */
  #end: number;

  constructor(path: string) {
    this.path = path;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new FileFormatError(path, `cannot open for reading: ${osReason(err)}`, { cause: err });
    }
    // Only OS errors become FileFormatError here; anything else thrown is a bug and stays itself.
    const io = <T>(what: string, fn: () => T): T => {
      try {
        return fn();
      } catch (err) {
        throw new FileFormatError(path, `${what}: ${osReason(err)}`, { cause: err });
      }
    };
    try {
      const st = io('cannot stat', () => fstatSync(fd));
      if (!st.isFile()) throw new FileFormatError(path, 'not a regular file (a WAV file must be seekable)');
      const src: ByteSource = {
        size: st.size,
        read: (offset, length) => {
          const b = new Uint8Array(length);
          return b.subarray(0, io(`read failed at byte ${offset}`, () => readFully(fd, b, 0, length, offset)));
        },
      };
      this.layout = parseWavHeader(src, path);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.#fd = fd;
    this.#end = this.layout.dataLength;
    const align = this.layout.format.blockAlign;
    this.#buf = new Uint8Array(Math.floor(READ_CHUNK_BYTES / align) * align);
  }

  get format(): WavFormat {
    return this.layout.format;
  }

  get closed(): boolean {
    return this.#fd === null;
  }

  /** Sample frames delivered so far since the last rewind. */
  get position(): number {
    return (this.#readPos - (this.#bufLen - this.#bufPos)) / this.layout.format.blockAlign;
  }

  /**
   * Decodes up to `maxFrames` sample frames into `out` from index `outOffset`; returns how many
   * (fewer only at the end of the data). Throws FileFormatError on a read error.
   */
  readFrames(out: Int16Array, outOffset: number, maxFrames: number): number {
    const fmt = this.layout.format;
    let done = 0;
    while (done < maxFrames) {
      if (this.#bufPos >= this.#bufLen && !this.#fill()) break;
      const n = Math.min((this.#bufLen - this.#bufPos) / fmt.blockAlign, maxFrames - done);
      decodeFrames(fmt, this.#buf, this.#bufPos, out, outOffset + done * fmt.channels, n);
      this.#bufPos += n * fmt.blockAlign;
      done += n;
    }
    return done;
  }

  /** Back to the first sample frame. */
  rewind(): void {
    if (this.#readPos === this.#end && this.#bufLen === this.#end) {
      this.#bufPos = 0; // The whole data is in the buffer (a short loop): no need to read again.
      return;
    }
    this.#readPos = 0;
    this.#bufPos = 0;
    this.#bufLen = 0;
  }

  close(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    closeSync(fd);
  }

  #fill(): boolean {
    if (this.#fd === null) return false;
    const align = this.layout.format.blockAlign;
    const want = Math.min(this.#buf.length, this.#end - this.#readPos);
    if (want <= 0) return false;
    let got: number;
    try {
      got = readFully(this.#fd, this.#buf, 0, want, this.layout.dataOffset + this.#readPos);
    } catch (err) {
      this.#end = this.#readPos;
      throw new FileFormatError(this.path, `read failed at byte ${this.layout.dataOffset + this.#readPos}: ${osReason(err)}`, { cause: err });
    }
    const whole = Math.floor(got / align) * align;
    if (got < want) this.#end = this.#readPos + whole; // The file shrank since it was opened.
    this.#bufPos = 0;
    this.#bufLen = whole;
    this.#readPos += whole;
    return whole > 0;
  }
}

export interface WavReaderOptions {
  /** The WAV file to play. */
  path: string;
  /** Start again at the end of the file. Default false. */
  loop?: boolean;
  /** Silence between the end of the file and its next start when looping, ms. Default 0. */
  loopPauseMs?: number;
  /** Instance name for messages. */
  name?: string;
}

export type WavReaderEvents = {
  /** Every sample has been output (emitted once; never when looping). */
  eof: [];
  /** Looping: the file starts again (count = 1 for the first restart). */
  loop: [count: number];
};

export class WavReader extends Filter<WavReaderEvents> {
  readonly type = 'wav-reader';
  readonly path: string;
  readonly loop: boolean;
  readonly loopPauseMs: number;
  readonly #file: WavFile;
  readonly #pauseFrames: number;
  /** process() calls since the period last changed, and frames scheduled before that. */
  #ticks = 0;
  #periodMs = 0;
  #scheduledBase = 0;
  #scheduled = 0;
  /** Frames output so far: the next frame's timestamp. */
  #emitted = 0;
  #pauseLeft = 0;
  #loops = 0;
  #ended = false;
  #eofSent = false;

  constructor(options: WavReaderOptions) {
    if (options === null || typeof options !== 'object' || typeof options.path !== 'string' || options.path === '') {
      throw new ConfigError('wav-reader: option path (the WAV file to read) is required');
    }
    const pause = options.loopPauseMs ?? 0;
    if (!(Number.isFinite(pause) && pause >= 0)) throw new ConfigError(`wav-reader: loopPauseMs must be ≥ 0 ms, got ${pause}`);
    super({ inputs: 0, outputs: 1, name: options.name });
    this.path = options.path;
    this.loop = options.loop ?? false;
    this.loopPauseMs = pause;
    this.#file = new WavFile(options.path);
    this.#pauseFrames = Math.round((pause * this.#file.format.sampleRate) / 1000);
  }

  /** What the file holds (encoding, bits, extensible …) as parsed from its fmt chunk. */
  get format(): WavFormat {
    return this.#file.format;
  }

  get sampleRate(): number {
    return this.#file.format.sampleRate;
  }

  get channels(): number {
    return this.#file.format.channels;
  }

  /** Sample frames (samples per channel) in the file. */
  get frames(): number {
    return this.#file.layout.frames;
  }

  /** Length of the file's audio, ms. */
  get durationMs(): number {
    return (this.#file.layout.frames * 1000) / this.#file.format.sampleRate;
  }

  /** Where the audio is in the file and how its size was found. */
  get layout(): WavLayout {
    return this.#file.layout;
  }

  /** Samples (per channel) output so far, silence of loop pauses included. */
  get samplesOutput(): number {
    return this.#emitted;
  }

  /** Times the file started again (looping). */
  get loops(): number {
    return this.#loops;
  }

  /** The end of the file was reached (not looping): nothing more will be output. */
  get ended(): boolean {
    return this.#ended;
  }

  get closed(): boolean {
    return this.#file.closed;
  }

  override preprocess(_ctx: TickContext): void {
    if (this.#file.closed) throw new StateError(`${this.name}: ${this.path} was closed; create a new WavReader to play it again`);
  }

  override process(ctx: TickContext): void {
    if (this.#file.closed) return;
    if (this.#ended) {
      if (!this.#eofSent) {
        this.#eofSent = true;
        this.emit('eof');
      }
      return;
    }
    const fmt = this.#file.format;
    if (ctx.periodMs !== this.#periodMs) {
      this.#periodMs = ctx.periodMs;
      this.#scheduledBase = this.#scheduled;
      this.#ticks = 0;
    }
    this.#ticks++;
    // Exact in integers for integral periods: 10 ms × 11025 Hz is 110.25 frames a tick, so the
    // ticks get 110, 110, 110, 111 … and never drift from the rate.
    const target = this.#scheduledBase + Math.floor((this.#ticks * this.#periodMs * fmt.sampleRate) / 1000);
    const n = target - this.#scheduled;
    this.#scheduled = target;
    if (n <= 0) return;

    const ch = fmt.channels;
    const out = new Int16Array(n * ch);
    let filled = 0;
    let justRewound = false;
    try {
      while (filled < n) {
        if (this.#pauseLeft > 0) {
          const k = Math.min(this.#pauseLeft, n - filled); // Silence: `out` is zeroed already.
          this.#pauseLeft -= k;
          filled += k;
          continue;
        }
        const got = this.#file.readFrames(out, filled * ch, n - filled);
        filled += got;
        if (got > 0) justRewound = false;
        if (filled >= n) break;
        // A rewind that yields nothing (the file shrank to no audio) must not spin.
        if (!this.loop || this.#file.layout.frames === 0 || (got === 0 && justRewound)) {
          this.#ended = true;
          break;
        }
        this.#file.rewind();
        justRewound = true;
        this.#pauseLeft = this.#pauseFrames;
        this.#loops++;
        this.emit('loop', this.#loops);
      }
    } catch (err) {
      this.#ended = true; // A read error ends playback; what was read this tick still goes out.
      this.#output(out, filled);
      throw err;
    }
    if (filled === 0 && this.#ended) {
      this.#eofSent = true;
      this.emit('eof');
      return;
    }
    this.#output(out, filled);
  }

  override postprocess(_ctx: TickContext): void {
    this.close();
  }

  /** Closes the file (idempotent); the reader outputs nothing afterwards. */
  close(): void {
    this.#file.close();
  }

  #output(out: Int16Array, frames: number): void {
    if (frames === 0) return;
    const fmt = this.#file.format;
    const samples = frames * fmt.channels === out.length ? out : out.subarray(0, frames * fmt.channels);
    this.push(0, makeAudioFrame(samples, fmt.sampleRate, fmt.channels, this.#emitted));
    this.#emitted += frames;
  }
}

export interface WavData {
  sampleRate: number;
  channels: number;
  /** Interleaved Int16 samples. */
  samples: Int16Array;
  /** The file's format before conversion to Int16. */
  format: WavFormat;
}

/**
 * Reads a whole WAV file into memory (for tests and tools; use WavReader to stream). Throws
 * FileFormatError like WavReader.
 */
export function readWavFile(path: string): WavData {
  const file = new WavFile(path);
  try {
    const fmt = file.format;
    const samples = new Int16Array(file.layout.frames * fmt.channels);
    const got = file.readFrames(samples, 0, file.layout.frames);
    return {
      sampleRate: fmt.sampleRate,
      channels: fmt.channels,
      samples: got === file.layout.frames ? samples : samples.subarray(0, got * fmt.channels),
      format: fmt,
    };
  } finally {
    file.close();
  }
}
