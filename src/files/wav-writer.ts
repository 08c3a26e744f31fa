/**
 * Streaming WAV writer (Mediastreamer2's MSFileRec for .wav): a sink filter, 1 input and
 * 0 outputs, that records AudioFrames as 16-bit PCM in a canonical 44-byte-header RIFF/WAVE file.
 *
 * - The file is created (truncated) in the constructor, so an unwritable path fails there with a
 *   FileFormatError naming it.
 * - Format: the sampleRate/channels options, or else those of the first audio frame received.
 *   Later frames of another rate or channel count, non-audio frames and frames whose sample count
 *   is not a multiple of the channels are not written: each is counted in `rejectedFrames`, and
 *   the `format-mismatch` event is emitted for the first one only. Nothing is thrown for them.
 *   Frame timestamps are not used: frames are written back to back (gaps are not filled).
 * - Writes are coalesced in a buffer of `flushIntervalMs` of audio (default 100 ms) and written
 *   with fs.writeSync at explicit positions.
 * - The header is kept valid while recording: every `headerUpdateIntervalMs` of audio (default
 *   1000; 0 = only at close) the buffer is flushed and the header rewritten with the RIFF and data
 *   sizes of what is on disk, so a crash loses at most that much and the file stays readable by
 *   any reader; close()/postprocess() flush and fix it up a last time. (No fsync: other processes
 *   see the data through the page cache; durability across a power cut is not promised.)
 * - Size limit: the RIFF and data size fields are 32-bit, so a plain WAV holds at most
 *   0xFFFFFFFF − 36 bytes of audio (≈ 6.2 h of 48 kHz stereo, 74 h of 8 kHz mono). At that limit
 *   (or `maxDataBytes`, lower, e.g. for tests) the writer writes what fits, fixes the header up,
 *   emits `limit-reached` once and drops the rest (counted in `droppedFrames`). It does not switch
 *   to RF64, which many tools cannot read; split recordings instead.
 * - A write error (disk full …) is thrown once from process() as a FileFormatError (the graph
 *   reports it as the filter's `error`); later frames are dropped and close() still tries to fix
 *   the header up.
 * - Sample rates 1000–192000 Hz, mono or stereo, like the reader.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ConfigError, FileFormatError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { Frame } from '../core/frames.js';
import {
  buildPcmHeader,
  int16ToLeBytes,
  MAX_CHANNELS,
  MAX_RIFF_DATA_BYTES,
  MAX_SAMPLE_RATE,
  MIN_SAMPLE_RATE,
  PCM_HEADER_BYTES,
} from './wav-format.js';
import { osReason } from './wav-reader.js';

export interface WavWriterOptions {
  /** The file to create (an existing one is overwritten). */
  path: string;
  /** Hz; default: the first frame's. */
  sampleRate?: number;
  /** 1 or 2; default: the first frame's. */
  channels?: number;
  /** Rewrite the header every this much audio, ms. Default 1000; 0 = only at close. */
  headerUpdateIntervalMs?: number;
  /** Coalesce writes up to this much audio, ms. Default 100; 0 = write every frame at once. */
  flushIntervalMs?: number;
  /** Stop at this many bytes of audio (rounded down to whole frames). Default and maximum: the RIFF limit. */
  maxDataBytes?: number;
  /** Instance name for messages. */
  name?: string;
}

export interface FormatMismatch {
  /** The format being written (0 = not fixed yet: neither in the options nor by a first frame). */
  expected: { sampleRate: number; channels: number };
  /** What arrived. */
  got: { kind: 'audio'; sampleRate: number; channels: number; samples: number } | { kind: 'encoded'; payloadType: number };
  /** Human-readable reason. */
  reason: string;
}

export type WavWriterEvents = {
  /** A frame could not be written (first occurrence only; all are counted in rejectedFrames). */
  'format-mismatch': [info: FormatMismatch];
  /** The file reached the RIFF size limit (or maxDataBytes); later audio is dropped. */
  'limit-reached': [info: { dataBytes: number; samplesWritten: number }];
};

const DEFAULT_RATE = 8000;
const DEFAULT_CHANNELS = 1;

function validRate(r: unknown): r is number {
  return typeof r === 'number' && Number.isInteger(r) && r >= MIN_SAMPLE_RATE && r <= MAX_SAMPLE_RATE;
}

function validChannels(c: unknown): c is number {
  return typeof c === 'number' && Number.isInteger(c) && c >= 1 && c <= MAX_CHANNELS;
}

/** Writes all of `bytes` at `position`; an OS error becomes a FileFormatError naming the file. */
function writeFully(path: string, fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
  } catch (err) {
    throw new FileFormatError(path, `write failed at byte ${position + done}: ${osReason(err)}`, { cause: err });
  }
}

export class WavWriter extends Filter<WavWriterEvents> {
  readonly type = 'wav-writer';
  readonly path: string;
  readonly #headerUpdateMs: number;
  readonly #flushMs: number;
  readonly #maxDataOption: number;
  #fd: number | null;
  #rate = 0;
  #channels = 0;
  #blockAlign = 0;
  #maxData = 0;
  #flushBytes = 0;
  #fixupBytes = 0;
  #buf: Uint8Array = new Uint8Array(0);
  #bufLen = 0;
  /** Audio bytes accepted (on disk + buffered). */
  #dataBytes = 0;
  /** Audio bytes on disk. */
  #flushed = 0;
  #lastFixup = 0;
  #rejected = 0;
  #dropped = 0;
  #mismatchSent = false;
  #limitReached = false;
  #failed = false;

  constructor(options: WavWriterOptions) {
    if (options === null || typeof options !== 'object' || typeof options.path !== 'string' || options.path === '') {
      throw new ConfigError('wav-writer: option path (the WAV file to write) is required');
    }
    const { sampleRate, channels } = options;
    if (sampleRate !== undefined && !validRate(sampleRate)) {
      throw new ConfigError(`wav-writer: sampleRate must be a whole number of Hz in ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE}, got ${sampleRate}`);
    }
    if (channels !== undefined && !validChannels(channels)) throw new ConfigError(`wav-writer: channels must be 1 or 2, got ${channels}`);
    const hdr = options.headerUpdateIntervalMs ?? 1000;
    if (!(Number.isFinite(hdr) && hdr >= 0)) throw new ConfigError(`wav-writer: headerUpdateIntervalMs must be ≥ 0 ms, got ${hdr}`);
    const flush = options.flushIntervalMs ?? 100;
    if (!(Number.isFinite(flush) && flush >= 0 && flush <= 10000)) throw new ConfigError(`wav-writer: flushIntervalMs must be 0–10000 ms, got ${flush}`);
    const maxData = options.maxDataBytes ?? MAX_RIFF_DATA_BYTES;
    if (!(Number.isInteger(maxData) && maxData >= 0 && maxData <= MAX_RIFF_DATA_BYTES)) {
      throw new ConfigError(`wav-writer: maxDataBytes must be a whole number in 0–${MAX_RIFF_DATA_BYTES}, got ${maxData}`);
    }
    super({ inputs: 1, outputs: 0, name: options.name });
    this.path = options.path;
    this.#headerUpdateMs = hdr;
    this.#flushMs = flush;
    this.#maxDataOption = maxData;
    try {
      this.#fd = openSync(options.path, 'w');
    } catch (err) {
      throw new FileFormatError(options.path, `cannot open for writing: ${osReason(err)}`, { cause: err });
    }
    if (sampleRate !== undefined && channels !== undefined) {
      try {
        this.#setFormat(sampleRate, channels);
      } catch (err) {
        this.#closeFd();
        throw err;
      }
    } else {
      // One known, the other from the first frame: remember the known one to check against.
      this.#rate = sampleRate ?? 0;
      this.#channels = channels ?? 0;
    }
  }

  /** Hz being written, or undefined before the first frame when not given in the options. */
  get sampleRate(): number | undefined {
    return this.#blockAlign ? this.#rate : undefined;
  }

  get channels(): number | undefined {
    return this.#blockAlign ? this.#channels : undefined;
  }

  /** Sample frames (samples per channel) accepted so far (on disk or about to be). */
  get samplesWritten(): number {
    return this.#blockAlign ? this.#dataBytes / this.#blockAlign : 0;
  }

  /** Audio accepted so far, ms. */
  get durationMs(): number {
    return this.#blockAlign ? (this.samplesWritten * 1000) / this.#rate : 0;
  }

  /** Bytes of audio accepted so far (the data chunk's size once flushed). */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  /** Frames not written because of their format (see `format-mismatch`). */
  get rejectedFrames(): number {
    return this.#rejected;
  }

  /** Frames not written (or cut) because of the size limit, a write error, or a closed writer. */
  get droppedFrames(): number {
    return this.#dropped;
  }

  get limitReached(): boolean {
    return this.#limitReached;
  }

  get closed(): boolean {
    return this.#fd === null;
  }

  override process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) this.#write(f);
  }

  override postprocess(_ctx: TickContext): void {
    this.close();
  }

  /** Flushes, fixes the header up and closes the file (idempotent). Throws FileFormatError on an I/O error. */
  close(): void {
    if (this.#fd === null) return;
    try {
      // A recording that never received a frame is still a valid (empty) WAV file.
      if (!this.#blockAlign) this.#setFormat(this.#rate || DEFAULT_RATE, this.#channels || DEFAULT_CHANNELS);
      this.#flush();
      this.#fixupHeader();
    } finally {
      this.#closeFd();
    }
  }

  #closeFd(): void {
    const fd = this.#fd;
    this.#fd = null;
    if (fd !== null) closeSync(fd);
  }

  #setFormat(rate: number, channels: number): void {
    this.#rate = rate;
    this.#channels = channels;
    this.#blockAlign = 2 * channels;
    this.#maxData = this.#maxDataOption - (this.#maxDataOption % this.#blockAlign);
    this.#flushBytes = Math.ceil((rate * this.#flushMs) / 1000) * this.#blockAlign;
    this.#fixupBytes = this.#headerUpdateMs > 0 ? Math.max(this.#blockAlign, Math.round((rate * this.#headerUpdateMs) / 1000) * this.#blockAlign) : Infinity;
    this.#buf = new Uint8Array(this.#flushBytes);
    this.#fixupHeader(); // Sizes 0 for now: valid, and readers treat it as "until the end".
  }

  #write(f: Frame): void {
    if (this.#fd === null || this.#failed) {
      this.#dropped++;
      return;
    }
    if (f.kind !== 'audio') {
      this.#reject({ kind: 'encoded', payloadType: f.payloadType }, 'an encoded frame reached a WAV writer (it writes PCM audio frames)');
      return;
    }
    const got = { kind: 'audio' as const, sampleRate: f.sampleRate, channels: f.channels, samples: f.samples.length };
    if (!this.#blockAlign) {
      const rate = this.#rate || f.sampleRate;
      const ch = this.#channels || f.channels;
      if (!validRate(rate) || !validChannels(ch)) {
        this.#reject(got, `cannot record ${f.sampleRate} Hz × ${f.channels} channel(s) (${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz, mono or stereo)`);
        return;
      }
      if (rate === f.sampleRate && ch === f.channels) this.#io(() => this.#setFormat(rate, ch));
    }
    if (f.sampleRate !== this.#rate || f.channels !== this.#channels) {
      const want = `${this.#rate ? `${this.#rate} Hz` : 'any rate'} × ${this.#channels || 'any number of'} channel(s)`;
      this.#reject(got, `frame is ${f.sampleRate} Hz × ${f.channels} channel(s), the file ${want}`);
      return;
    }
    if (f.samples.length % f.channels !== 0) {
      this.#reject(got, `frame holds ${f.samples.length} samples, not a multiple of its ${f.channels} channels`);
      return;
    }
    if (this.#limitReached) {
      this.#dropped++;
      return;
    }
    let bytes = int16ToLeBytes(f.samples);
    if (this.#dataBytes + bytes.length > this.#maxData) {
      bytes = bytes.subarray(0, this.#maxData - this.#dataBytes); // #maxData is whole frames.
      this.#dropped++; // Cut short.
    }
    const hitLimit = this.#dataBytes + bytes.length >= this.#maxData;
    this.#io(() => {
      this.#append(bytes);
      if (hitLimit) {
        this.#limitReached = true;
        this.#flush();
        this.#fixupHeader();
      } else if (this.#dataBytes - this.#lastFixup >= this.#fixupBytes) {
        this.#flush();
        this.#fixupHeader();
      } else if (this.#bufLen >= this.#flushBytes && this.#bufLen > 0) {
        this.#flush();
      }
    });
    if (hitLimit) this.emit('limit-reached', { dataBytes: this.#dataBytes, samplesWritten: this.samplesWritten });
  }

  #reject(got: FormatMismatch['got'], reason: string): void {
    this.#rejected++;
    if (this.#mismatchSent) return;
    this.#mismatchSent = true;
    this.emit('format-mismatch', { expected: { sampleRate: this.#rate, channels: this.#channels }, got, reason: `${this.path}: ${reason}` });
  }

  /** Runs file I/O; a failure marks the writer failed (later frames are dropped) and is thrown once. */
  #io(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#failed = true;
      throw err;
    }
  }

  #append(bytes: Uint8Array): void {
    if (bytes.length > this.#buf.length - this.#bufLen) this.#flush();
    if (bytes.length >= this.#buf.length) {
      writeFully(this.path, this.#fd!, bytes, PCM_HEADER_BYTES + this.#flushed); // Big frame: no copy.
      this.#flushed += bytes.length;
    } else {
      this.#buf.set(bytes, this.#bufLen);
      this.#bufLen += bytes.length;
    }
    this.#dataBytes += bytes.length;
  }

  #flush(): void {
    if (this.#bufLen === 0 || this.#fd === null) return;
    writeFully(this.path, this.#fd, this.#buf.subarray(0, this.#bufLen), PCM_HEADER_BYTES + this.#flushed);
    this.#flushed += this.#bufLen;
    this.#bufLen = 0;
  }

  /** Rewrites the 44-byte header with the sizes of the audio on disk. */
  #fixupHeader(): void {
    if (this.#fd === null) return;
    writeFully(this.path, this.#fd, buildPcmHeader(this.#rate, this.#channels, this.#flushed), 0);
    this.#lastFixup = this.#flushed;
  }
}

/**
 * Writes a whole 16-bit PCM WAV file at once (for tests and tools; use WavWriter to stream).
 * Throws ConfigError on bad arguments and FileFormatError naming the file on an I/O error.
 */
export function writeWavFile(path: string, samples: Int16Array, sampleRate: number, channels: number): void {
  if (!validRate(sampleRate)) throw new ConfigError(`writeWavFile: sampleRate must be a whole number of Hz in ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE}, got ${sampleRate}`);
  if (!validChannels(channels)) throw new ConfigError(`writeWavFile: channels must be 1 or 2, got ${channels}`);
  if (samples.length % channels !== 0) throw new ConfigError(`writeWavFile: ${samples.length} samples is not a multiple of ${channels} channels`);
  const data = int16ToLeBytes(samples);
  if (data.length > MAX_RIFF_DATA_BYTES) throw new FileFormatError(path, `${data.length} bytes of audio exceed the RIFF limit of ${MAX_RIFF_DATA_BYTES}`);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (err) {
    throw new FileFormatError(path, `cannot open for writing: ${osReason(err)}`, { cause: err });
  }
  try {
    writeFully(path, fd, buildPcmHeader(sampleRate, channels, data.length), 0);
    writeFully(path, fd, data, PCM_HEADER_BYTES);
  } finally {
    closeSync(fd);
  }
}
