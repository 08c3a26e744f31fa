import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, FileFormatError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import { type Frame, makeAudioFrame, makeEncodedFrame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { buildPcmHeader, bytesSource, MAX_RIFF_DATA_BYTES, parseWavHeader } from './wav-format.js';
import { readWavFile } from './wav-reader.js';
import { type FormatMismatch, WavWriter, writeWavFile } from './wav-writer.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mediaweave-wavwriter-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Emits the frames `next(tick)` returns, every tick (a test source). */
class ScriptSource extends Filter {
  readonly type = 'test-script';
  readonly #next: (tick: number) => Frame[];
  #tick = 0;
  constructor(next: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
    this.#next = next;
  }
  override process(_ctx: TickContext): void {
    for (const f of this.#next(this.#tick++)) this.push(0, f);
  }
}

/** A 10 ms ramp source: sample i of the stream is (i × 3) & 0x7FFF, on every channel. */
function ramp(rate: number, channels: number): { source: ScriptSource; expected: (frames: number) => Int16Array } {
  const per = rate / 100;
  const value = (i: number): number => (i * 3) & 0x7fff;
  const expected = (frames: number): Int16Array => {
    const out = new Int16Array(frames * channels);
    for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = value(i);
    return out;
  };
  const source = new ScriptSource((tick) => {
    const s = new Int16Array(per * channels);
    for (let i = 0; i < per; i++) for (let c = 0; c < channels; c++) s[i * channels + c] = value(tick * per + i);
    return [makeAudioFrame(s, rate, channels, tick * per)];
  });
  return { source, expected };
}

describe('WavWriter', () => {
  it('writes a canonical 16-bit PCM file at the first frame’s format', () => {
    const path = join(dir, 'basic.wav');
    const { source, expected } = ramp(16000, 2);
    const writer = new WavWriter({ path });
    assert.equal(writer.sampleRate, undefined);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runFor(1230);
    assert.equal(writer.sampleRate, 16000);
    assert.equal(writer.channels, 2);
    assert.equal(writer.samplesWritten, 123 * 160);
    assert.equal(writer.durationMs, 1230);
    ticker.shutdown();
    assert.equal(writer.closed, true);
    const bytes = readFileSync(path);
    const dataBytes = 123 * 160 * 4;
    assert.equal(bytes.length, 44 + dataBytes);
    assert.deepEqual(new Uint8Array(bytes.subarray(0, 44)), buildPcmHeader(16000, 2, dataBytes));
    const back = readWavFile(path);
    assert.deepEqual(back.samples, expected(123 * 160));
    assert.equal(back.format.description, '16-bit PCM, 16000 Hz, stereo');
  });

  it('keeps the header valid while recording, and coalesces writes', () => {
    const path = join(dir, 'live.wav');
    const { source, expected } = ramp(8000, 1);
    const writer = new WavWriter({ path, headerUpdateIntervalMs: 1000 });
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));

    ticker.runFor(50); // 50 ms < the 100 ms flush interval: nothing written yet but the header
    assert.equal(statSync(path).size, 44);
    assert.equal(readWavFile(path).samples.length, 0);

    ticker.runFor(100); // 150 ms: the first 100 ms were flushed; the header still says 0 = "to the end"
    assert.equal(statSync(path).size, 44 + 800 * 2);
    assert.deepEqual(readWavFile(path).samples, expected(800));

    ticker.runFor(1350); // 1.5 s: fixed up at 1.0 s of audio
    const mid = readFileSync(path);
    const layout = parseWavHeader(bytesSource(mid), path);
    assert.equal(layout.declaredDataLength, 16000);
    assert.equal(layout.dataLengthFromFileSize, false);
    assert.equal(new DataView(mid.buffer, mid.byteOffset).getUint32(4, true), 36 + 16000);
    assert.deepEqual(readWavFile(path).samples, expected(8000));

    ticker.runFor(1000); // 2.5 s: fixed up at 2.0 s
    assert.deepEqual(readWavFile(path).samples, expected(16000));

    ticker.shutdown(); // close: flush and final fix-up
    const end = parseWavHeader(bytesSource(readFileSync(path)), path);
    assert.equal(end.declaredDataLength, 20000 * 2);
    assert.deepEqual(readWavFile(path).samples, expected(20000));
  });

  it('headerUpdateIntervalMs 0 fixes the header only at close', () => {
    const path = join(dir, 'nofix.wav');
    const { source } = ramp(8000, 1);
    const writer = new WavWriter({ path, headerUpdateIntervalMs: 0 });
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runFor(3000);
    assert.equal(parseWavHeader(bytesSource(readFileSync(path)), path).declaredDataLength, 0);
    ticker.shutdown();
    assert.equal(parseWavHeader(bytesSource(readFileSync(path)), path).declaredDataLength, 48000);
  });

  it('rejects frames of another format without throwing, emitting format-mismatch once', () => {
    const path = join(dir, 'mismatch.wav');
    const good = (t: number): Frame => makeAudioFrame(new Int16Array(80).fill(t + 1), 8000, 1, t * 80);
    const source = new ScriptSource((t) => [
      good(t),
      makeAudioFrame(new Int16Array(160), 16000, 1, 0),
      makeAudioFrame(new Int16Array(160), 8000, 2, 0),
      makeEncodedFrame(new Uint8Array(160), 0, 0),
      makeAudioFrame(new Int16Array(3), 8000, 2, 0), // not a multiple of its channels (checked as stereo: mismatch first)
    ]);
    const writer = new WavWriter({ path });
    const events: FormatMismatch[] = [];
    writer.on('format-mismatch', (m) => events.push(m));
    const errors: unknown[] = [];
    writer.on('error', (e) => errors.push(e));
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runTicks(10);
    ticker.shutdown();
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.expected, { sampleRate: 8000, channels: 1 });
    assert.deepEqual(events[0]!.got, { kind: 'audio', sampleRate: 16000, channels: 1, samples: 160 });
    assert.match(events[0]!.reason, /mismatch\.wav: frame is 16000 Hz × 1 channel\(s\), the file 8000 Hz × 1 channel\(s\)/);
    assert.equal(writer.rejectedFrames, 40);
    assert.deepEqual(errors, []);
    assert.equal(writer.stats.errors, 0);
    const back = readWavFile(path);
    assert.equal(back.samples.length, 800);
    assert.equal(back.samples[799], 10);
  });

  it('uses the format given in the options, rejecting other frames', () => {
    const path = join(dir, 'opts.wav');
    const writer = new WavWriter({ path, sampleRate: 48000, channels: 2 });
    assert.equal(writer.sampleRate, 48000);
    const source = new ScriptSource(() => [makeAudioFrame(new Int16Array(80), 8000, 1, 0), makeAudioFrame(new Int16Array(960).fill(-7), 48000, 2, 0)]);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runTicks(3);
    ticker.shutdown();
    assert.equal(writer.rejectedFrames, 3);
    const back = readWavFile(path);
    assert.equal(back.sampleRate, 48000);
    assert.equal(back.channels, 2);
    assert.equal(back.samples.length, 3 * 960);
  });

  it('an odd frame before any format is known does not lock the format (rate given, channels from the frames)', () => {
    const path = join(dir, 'half-opts.wav');
    const writer = new WavWriter({ path, sampleRate: 16000 });
    const source = new ScriptSource((t) => (t === 0 ? [makeAudioFrame(new Int16Array(80), 8000, 1, 0)] : [makeAudioFrame(new Int16Array(320), 16000, 2, 0)]));
    let mismatch: FormatMismatch | undefined;
    writer.on('format-mismatch', (m) => (mismatch = m));
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runTicks(3);
    ticker.shutdown();
    assert.match(mismatch!.reason, /the file 16000 Hz × any number of channel\(s\)/);
    assert.equal(writer.channels, 2);
    assert.equal(readWavFile(path).samples.length, 640);
  });

  it('stops at the size limit with limit-reached, keeping the file valid', () => {
    // A frame that does not fit is cut to what fits.
    const cutPath = join(dir, 'limit-cut.wav');
    const cut = new WavWriter({ path: cutPath, maxDataBytes: 901 });
    let cutEvents = 0;
    cut.on('limit-reached', () => cutEvents++);
    const t2 = new Ticker({ clock: 'virtual' });
    t2.attach(new Graph().chain(new ScriptSource((t) => [makeAudioFrame(new Int16Array(100).fill(t), 8000, 1, t * 100)]), cut));
    t2.runTicks(8);
    t2.shutdown();
    assert.equal(cutEvents, 1);
    assert.equal(cut.samplesWritten, 450);
    assert.equal(cut.droppedFrames, 4); // the one cut short and the three after
    assert.equal(readWavFile(cutPath).samples.length, 450);

    const path = join(dir, 'limit.wav');
    const writer = new WavWriter({ path, maxDataBytes: 1001 }); // 500 mono frames (rounded down)
    const limits: { dataBytes: number; samplesWritten: number }[] = [];
    writer.on('limit-reached', (x) => limits.push(x));
    const source = new ScriptSource((t) => [makeAudioFrame(new Int16Array(100).fill(t), 8000, 1, t * 100)]);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runTicks(8);
    // Mid-recording the header already covers everything written.
    assert.equal(parseWavHeader(bytesSource(readFileSync(path)), path).declaredDataLength, 1000);
    ticker.shutdown();
    assert.deepEqual(limits, [{ dataBytes: 1000, samplesWritten: 500 }]);
    assert.equal(writer.samplesWritten, 500);
    assert.equal(writer.limitReached, true);
    assert.equal(writer.droppedFrames, 3); // the fifth frame filled it exactly: the three after
    const back = readWavFile(path);
    assert.equal(back.samples.length, 500);
    assert.equal(back.samples[499], 4);
  });

  it('the default limit is the RIFF limit (4 GiB − 36 bytes of audio)', () => {
    assert.equal(MAX_RIFF_DATA_BYTES, 0xffffffff - 36);
    assert.throws(() => new WavWriter({ path: join(dir, 'x.wav'), maxDataBytes: MAX_RIFF_DATA_BYTES + 1 }), ConfigError);
  });

  it('an empty recording is a valid empty file', () => {
    const path = join(dir, 'empty.wav');
    const w = new WavWriter({ path });
    w.close();
    w.close(); // idempotent
    const back = readWavFile(path);
    assert.equal(back.sampleRate, 8000);
    assert.equal(back.channels, 1);
    assert.equal(back.samples.length, 0);
    const w2 = new WavWriter({ path, sampleRate: 44100, channels: 2 });
    w2.close();
    assert.equal(readWavFile(path).sampleRate, 44100);
  });

  it('an unwritable path → FileFormatError naming it, at construction', () => {
    for (const path of [join(dir, 'no', 'such', 'dir', 'out.wav'), dir]) {
      assert.throws(
        () => new WavWriter({ path }),
        (e: unknown) => e instanceof FileFormatError && e.file === path && e.message.startsWith(`${path}: cannot open for writing: `) && /\((ENOENT|EISDIR)\)$/.test(e.message),
      );
    }
  });

  it('a write error (disk full) is reported once through the graph, not thrown at the ticker', (t) => {
    if (!existsSync('/dev/full')) {
      console.error('SKIP: /dev/full is missing (not Linux?): disk-full test not run');
      t.skip('/dev/full is missing');
      return;
    }
    // With the format known, the header is written at construction, so the error comes there.
    assert.throws(() => new WavWriter({ path: '/dev/full', sampleRate: 8000, channels: 1 }), /^FileFormatError: \/dev\/full: write failed at byte 0: no space left on device \(ENOSPC\)/);
    const writer = new WavWriter({ path: '/dev/full' });
    const errors: unknown[] = [];
    const ticker = new Ticker({ clock: 'virtual' });
    // The filter's own 'error' event: the ticker's 'filter-error' is unhooked before detach's postprocess.
    writer.on('error', (e) => errors.push(e));
    ticker.attach(new Graph().chain(ramp(8000, 1).source, writer));
    ticker.runTicks(20);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof FileFormatError);
    assert.equal(writer.droppedFrames, 19);
    ticker.shutdown(); // the final fix-up fails too and is reported, the file is closed
    assert.equal(errors.length, 2);
    assert.equal(writer.closed, true);
  });

  it('validates its options', () => {
    const path = join(dir, 'opt.wav');
    assert.throws(() => new WavWriter({ path: '' }), ConfigError);
    assert.throws(() => new WavWriter({ path, sampleRate: 500 }), /sampleRate must be a whole number of Hz in 1000–192000, got 500/);
    assert.throws(() => new WavWriter({ path, channels: 3 }), /channels must be 1 or 2, got 3/);
    assert.throws(() => new WavWriter({ path, headerUpdateIntervalMs: -1 }), ConfigError);
    assert.throws(() => new WavWriter({ path, flushIntervalMs: Number.NaN }), ConfigError);
  });

  it('flushIntervalMs 0 writes every frame at once', () => {
    const path = join(dir, 'direct.wav');
    const { source, expected } = ramp(8000, 1);
    const writer = new WavWriter({ path, flushIntervalMs: 0 });
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(source, writer));
    ticker.runTicks(3);
    assert.equal(statSync(path).size, 44 + 480);
    assert.deepEqual(readWavFile(path).samples, expected(240));
    ticker.shutdown();
  });
});

describe('writeWavFile / readWavFile', () => {
  it('round-trips stereo samples exactly', () => {
    const path = join(dir, 'whole.wav');
    const s = Int16Array.from({ length: 2 * 4410 }, (_, i) => ((i * 7919) % 65536) - 32768);
    writeWavFile(path, s, 44100, 2);
    const d = readWavFile(path);
    assert.equal(d.sampleRate, 44100);
    assert.equal(d.channels, 2);
    assert.deepEqual(d.samples, s);
    assert.deepEqual(new Uint8Array(readFileSync(path).subarray(0, 44)), buildPcmHeader(44100, 2, s.byteLength));
  });
  it('rejects bad arguments and unwritable paths', () => {
    assert.throws(() => writeWavFile(join(dir, 'a.wav'), new Int16Array(3), 8000, 2), ConfigError);
    assert.throws(() => writeWavFile(join(dir, 'a.wav'), new Int16Array(2), 100, 1), ConfigError);
    const p = join(dir, 'missing', 'a.wav');
    assert.throws(() => writeWavFile(p, new Int16Array(2), 8000, 1), (e: unknown) => e instanceof FileFormatError && e.file === p);
  });
});
