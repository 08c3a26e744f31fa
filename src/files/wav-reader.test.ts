import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileFormatError, StateError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { registerFileFilters } from './index.js';
import { buildPcmHeader, type WavEncoding } from './wav-format.js';
import { readWavFile, WavReader } from './wav-reader.js';
import { WavWriter, writeWavFile } from './wav-writer.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mediaweave-wavreader-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Collects the frames a reader outputs, with the tick each came in. */
class CollectSink extends Filter {
  readonly type = 'test-collect';
  readonly frames: { frame: AudioFrame; tick: number }[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  override process(ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      assert.equal(f.kind, 'audio');
      if (f.kind === 'audio') this.frames.push({ frame: f, tick: ctx.tick });
    }
  }
  samples(): Int16Array {
    const n = this.frames.reduce((a, f) => a + f.frame.samples.length, 0);
    const out = new Int16Array(n);
    let o = 0;
    for (const { frame } of this.frames) {
      out.set(frame.samples, o);
      o += frame.samples.length;
    }
    return out;
  }
  sampleFrames(): number {
    return this.frames.reduce((a, f) => a + f.frame.samples.length / f.frame.channels, 0);
  }
}

// ---- fixture files, built here independently of wav-format's builder -------------------------

/** Deterministic pseudo-random numbers (LCG) so fixtures are the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function ascii4(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

function le(n: number, bytes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes; i++) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}

function chunk(id: string, body: Uint8Array | number[], size?: number): number[] {
  const b = Array.from(body);
  return [...ascii4(id), ...le(size ?? b.length, 4), ...b, ...(b.length & 1 ? [0] : [])];
}

const TAGS: Record<WavEncoding, number> = { pcm: 1, float: 3, alaw: 6, mulaw: 7 };

interface FixtureSpec {
  encoding: WavEncoding;
  bits: number;
  extensible?: boolean;
  validBits?: number;
}

/** A fmt chunk body: WAVEFORMATEX (16 or 18 bytes) or WAVEFORMATEXTENSIBLE (40). */
function fmtBody(spec: FixtureSpec, channels: number, rate: number): number[] {
  const align = channels * (spec.bits / 8);
  const tag = spec.extensible ? 0xfffe : TAGS[spec.encoding];
  const base = [...le(tag, 2), ...le(channels, 2), ...le(rate, 4), ...le(rate * align, 4), ...le(align, 2), ...le(spec.bits, 2)];
  if (spec.extensible) {
    // SubFormat GUID {0000000t-0000-0010-8000-00AA00389B71}, Data1..3 little-endian.
    const guid = [...le(TAGS[spec.encoding], 4), 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    return [...base, ...le(22, 2), ...le(spec.validBits ?? spec.bits, 2), ...le(channels === 2 ? 3 : 4, 4), ...guid];
  }
  return spec.encoding === 'pcm' ? base : [...base, 0, 0];
}

/** Raw sample bytes of a format and the Int16 values a reader must give for them. */
function makeSamples(spec: FixtureSpec, count: number, seed: number): { bytes: number[]; expected: Int16Array } {
  const r = lcg(seed);
  const bytes: number[] = [];
  const expected = new Int16Array(count);
  // Extremes first so that clipping and rounding edges are always covered.
  for (let i = 0; i < count; i++) {
    const edge = i < 4 ? i : -1;
    switch (`${spec.encoding}${spec.bits}`) {
      case 'pcm8': {
        const b = edge === 0 ? 0 : edge === 1 ? 255 : edge === 2 ? 128 : Math.floor(r() * 256);
        bytes.push(b);
        expected[i] = (b - 128) * 256; // exact
        break;
      }
      case 'pcm16': {
        const x = edge === 0 ? -32768 : edge === 1 ? 32767 : edge === 2 ? 0 : Math.floor(r() * 65536) - 32768;
        bytes.push(...le(x & 0xffff, 2));
        expected[i] = x; // exact
        break;
      }
      case 'pcm24': {
        const step = 2 ** (24 - (spec.validBits ?? 24)); // fewer valid bits: the low ones are zero
        let x = edge === 0 ? -0x800000 : edge === 1 ? 0x7fffff : edge === 2 ? 0x80 : Math.floor(r() * 0x1000000) - 0x800000;
        x -= ((x % step) + step) % step;
        bytes.push(...le(x & 0xffffff, 3));
        expected[i] = Math.min(32767, Math.round(x / 256)); // to nearest, half up, saturated
        break;
      }
      case 'pcm32': {
        const x = edge === 0 ? -0x80000000 : edge === 1 ? 0x7fffffff : edge === 2 ? 0x8000 : Math.floor(r() * 2 ** 32) - 2 ** 31;
        bytes.push(...le(x >>> 0, 4));
        expected[i] = Math.min(32767, Math.round(x / 65536));
        break;
      }
      case 'float32':
      case 'float64': {
        const x = edge === 0 ? -1 : edge === 1 ? 1 : edge === 2 ? 1.5 : edge === 3 ? -1.5 : r() * 2.2 - 1.1;
        const b = new Uint8Array(spec.bits / 8);
        if (spec.bits === 32) new DataView(b.buffer).setFloat32(0, x, true);
        else new DataView(b.buffer).setFloat64(0, x, true);
        bytes.push(...b);
        const stored = spec.bits === 32 ? Math.fround(x) : x;
        expected[i] = Math.max(-32768, Math.min(32767, Math.round(stored * 32768)));
        break;
      }
      case 'mulaw8': {
        const b = Math.floor(r() * 256);
        bytes.push(b);
        // Sun g711.c ulaw2linear, written out independently of wav-format's table.
        const u = ~b & 0xff;
        const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
        expected[i] = u & 0x80 ? 0x84 - t : t - 0x84;
        break;
      }
      case 'alaw8': {
        const b = Math.floor(r() * 256);
        bytes.push(b);
        // Sun g711.c alaw2linear.
        const a = b ^ 0x55;
        let t = (a & 0x0f) << 4;
        const seg = (a & 0x70) >> 4;
        if (seg === 0) t += 8;
        else if (seg === 1) t += 0x108;
        else t = (t + 0x108) << (seg - 1);
        expected[i] = a & 0x80 ? t : -t;
        break;
      }
      default:
        throw new Error(`no fixture for ${spec.encoding}${spec.bits}`);
    }
  }
  return { bytes, expected };
}

interface Fixture {
  path: string;
  expected: Int16Array;
  frames: number;
}

/**
 * Writes a WAV file: LIST chunk, fmt, an odd-sized unknown chunk (3 bytes + pad), [fact], data,
 * then a trailing chunk the reader must not take for audio. `dataSize` overrides the data size
 * field ('unknown' writes 0xFFFFFFFF and no trailing chunk).
 */
function writeFixture(name: string, spec: FixtureSpec, channels: number, rate: number, frames: number, dataSize?: number | 'unknown'): Fixture {
  const { bytes, expected } = makeSamples(spec, frames * channels, rate + channels + spec.bits);
  const parts = [
    ...ascii4('RIFF'),
    0, 0, 0, 0,
    ...ascii4('WAVE'),
    ...chunk('LIST', [...ascii4('INFO'), ...chunk('ISFT', [...ascii4('test'), 0, 0])]),
    ...chunk('fmt ', fmtBody(spec, channels, rate)),
    ...chunk('odd ', [1, 2, 3]),
    ...(spec.encoding !== 'pcm' ? chunk('fact', le(frames, 4)) : []),
    ...chunk('data', bytes, dataSize === 'unknown' ? 0xffffffff : dataSize),
    ...(dataSize === undefined ? chunk('id3 ', [9, 9, 9, 9, 9, 9, 9]) : []),
  ];
  const file = Uint8Array.from(parts);
  new DataView(file.buffer).setUint32(4, file.length - 8, true);
  const path = join(dir, name);
  writeFileSync(path, file);
  return { path, expected, frames };
}

/** Plays a file through WavReader → WavWriter in virtual time; returns what the writer wrote. */
async function roundTrip(path: string, periodMs = 10): Promise<{ reader: WavReader; writer: WavWriter; out: ReturnType<typeof readWavFile>; eofs: number }> {
  const reader = new WavReader({ path });
  const outPath = `${path}.out.wav`;
  const writer = new WavWriter({ path: outPath });
  let eofs = 0;
  reader.on('eof', () => eofs++);
  const ticker = new Ticker({ clock: 'virtual', periodMs });
  ticker.attach(new Graph().chain(reader, writer));
  await ticker.runUntil(() => eofs > 0, 60_000);
  ticker.runTicks(5); // nothing more may come
  ticker.shutdown();
  return { reader, writer, out: readWavFile(outPath), eofs };
}

const RATES = [8000, 11025, 16000, 22050, 44100, 48000];
const SPECS: (FixtureSpec & { label: string })[] = [
  { label: '8-bit unsigned PCM', encoding: 'pcm', bits: 8 },
  { label: '16-bit PCM', encoding: 'pcm', bits: 16 },
  { label: '24-bit PCM', encoding: 'pcm', bits: 24 },
  { label: '32-bit PCM', encoding: 'pcm', bits: 32 },
  { label: '32-bit float', encoding: 'float', bits: 32 },
  { label: '64-bit float', encoding: 'float', bits: 64 },
  { label: 'µ-law', encoding: 'mulaw', bits: 8 },
  { label: 'A-law', encoding: 'alaw', bits: 8 },
  { label: 'extensible 16-bit PCM', encoding: 'pcm', bits: 16, extensible: true },
  { label: 'extensible 20-in-24-bit PCM', encoding: 'pcm', bits: 24, extensible: true, validBits: 20 },
  { label: 'extensible 32-bit float', encoding: 'float', bits: 32, extensible: true },
  { label: 'extensible µ-law', encoding: 'mulaw', bits: 8, extensible: true },
  { label: 'extensible A-law', encoding: 'alaw', bits: 8, extensible: true },
];

describe('WavReader → WavWriter round trip (virtual time)', () => {
  // Expected values: 8/16-bit PCM and G.711 exact; 24/32-bit PCM rounded to nearest (half up)
  // and saturated; float ×32768 rounded and saturated (so ±1.5 clips to −32768/32767).
  let k = 0;
  for (const spec of SPECS) {
    for (const channels of [1, 2]) {
      const rate = RATES[k++ % RATES.length]!;
      it(`${spec.label}, ${channels === 1 ? 'mono' : 'stereo'}, ${rate} Hz (with LIST, odd-sized and trailing chunks)`, async () => {
        const frames = Math.round(rate * 0.237) + 3; // not a whole number of ticks
        const fx = writeFixture(`rt-${k}.wav`, spec, channels, rate, frames);
        const { reader, writer, out, eofs } = await roundTrip(fx.path);
        assert.equal(reader.sampleRate, rate);
        assert.equal(reader.channels, channels);
        assert.equal(reader.frames, frames);
        assert.equal(reader.format.encoding, spec.encoding);
        assert.equal(reader.format.extensible, spec.extensible ?? false);
        assert.equal(eofs, 1);
        assert.equal(writer.samplesWritten, frames);
        assert.equal(out.sampleRate, rate);
        assert.equal(out.channels, channels);
        assert.deepEqual(out.samples, fx.expected);
      });
    }
  }

  for (const [what, size] of [['0', 0], ['0xFFFFFFFF', 'unknown'], ['larger than the file', 1_000_000]] as const) {
    it(`data size ${what}: reads to the end of the file`, async () => {
      const fx = writeFixture(`size-${what.slice(0, 2)}.wav`, { encoding: 'pcm', bits: 16 }, 2, 16000, 1601, size);
      const { reader, out } = await roundTrip(fx.path);
      assert.equal(reader.layout.dataLengthFromFileSize, true);
      assert.deepEqual(out.samples, fx.expected);
    });
  }

  it('a partial sample frame at the end of the file is ignored', async () => {
    const fx = writeFixture('partial.wav', { encoding: 'pcm', bits: 24 }, 2, 8000, 100, 0);
    writeFileSync(fx.path, new Uint8Array([1, 2, 3, 4]), { flag: 'a' }); // 4 of a frame's 6 bytes
    const { out } = await roundTrip(fx.path);
    assert.deepEqual(out.samples, fx.expected);
  });

  it('readWavFile reads the same samples as the filter', () => {
    const fx = writeFixture('whole.wav', { encoding: 'float', bits: 32, extensible: true }, 2, 44100, 5000);
    const d = readWavFile(fx.path);
    assert.equal(d.sampleRate, 44100);
    assert.equal(d.channels, 2);
    assert.equal(d.format.description, '32-bit float (extensible), 44100 Hz, stereo');
    assert.deepEqual(d.samples, fx.expected);
  });
});

describe('WavReader timing', () => {
  for (const [rate, periodMs, perTick] of [[11025, 10, [110, 111]], [44100, 10, [441]], [22050, 7, [154, 155]]] as const) {
    it(`outputs exactly ${rate} × 10 frames in 10 s at ${rate} Hz (${periodMs} ms ticks), one tick's worth each`, () => {
      const frames = rate * 10 + rate / 2;
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = (i * 7) & 0x7fff;
      const path = join(dir, `count-${rate}.wav`);
      writeWavFile(path, samples, rate, 1);
      const reader = new WavReader({ path });
      const sink = new CollectSink();
      const ticker = new Ticker({ clock: 'virtual', periodMs });
      ticker.attach(new Graph().chain(reader, sink));
      ticker.runFor(10_000);
      assert.equal(ticker.stats.ticks, Math.round(10_000 / periodMs));
      const expectedFrames = Math.floor((ticker.stats.ticks * periodMs * rate) / 1000);
      if (periodMs === 10) assert.equal(expectedFrames, rate * 10);
      assert.equal(sink.sampleFrames(), expectedFrames);
      assert.equal(sink.frames.length, ticker.stats.ticks); // one frame per tick
      let ts = 0;
      for (const { frame } of sink.frames) {
        assert.ok((perTick as readonly number[]).includes(frame.samples.length), `frame of ${frame.samples.length}`);
        assert.equal(frame.timestamp, ts);
        assert.equal(frame.sampleRate, rate);
        ts += frame.samples.length;
      }
      assert.deepEqual(sink.samples(), samples.subarray(0, expectedFrames));
      ticker.shutdown();
      assert.equal(reader.closed, true);
    });
  }

  it('emits eof once, in the first tick with nothing to output, and then nothing', () => {
    const path = join(dir, 'eof.wav');
    writeWavFile(path, new Int16Array(1234).fill(5), 8000, 1);
    const reader = new WavReader({ path });
    const sink = new CollectSink();
    const eofTicks: number[] = [];
    const ticker = new Ticker({ clock: 'virtual' });
    reader.on('eof', () => eofTicks.push(ticker.stats.ticks));
    ticker.attach(new Graph().chain(reader, sink));
    ticker.runTicks(100);
    assert.deepEqual(eofTicks, [16]); // 15 × 80 + 34 frames in ticks 0–15; eof in tick 16
    assert.equal(sink.frames.length, 16);
    assert.equal(sink.frames.at(-1)!.frame.samples.length, 34);
    assert.equal(sink.sampleFrames(), 1234);
    assert.equal(reader.ended, true);
    ticker.shutdown();
  });

  it('eof comes in the next tick when the file ends on a tick boundary', () => {
    const path = join(dir, 'eof-exact.wav');
    writeWavFile(path, new Int16Array(800), 8000, 1);
    const reader = new WavReader({ path });
    const sink = new CollectSink();
    let eof = -1;
    const ticker = new Ticker({ clock: 'virtual' });
    reader.on('eof', () => (eof = ticker.stats.ticks));
    ticker.attach(new Graph().chain(reader, sink));
    ticker.runTicks(20);
    assert.equal(eof, 10);
    assert.equal(sink.frames.length, 10);
    ticker.shutdown();
  });

  it('an empty file ends at once', () => {
    const path = join(dir, 'empty.wav');
    writeWavFile(path, new Int16Array(0), 16000, 2);
    const reader = new WavReader({ path, loop: true });
    assert.equal(reader.durationMs, 0);
    const sink = new CollectSink();
    let eofs = 0;
    reader.on('eof', () => eofs++);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(reader, sink));
    ticker.runTicks(5);
    assert.equal(eofs, 1);
    assert.equal(sink.frames.length, 0);
    ticker.shutdown();
  });

  it('loops with a pause of silence, never emitting eof, timestamps continuous', () => {
    const path = join(dir, 'loop.wav');
    const data = Int16Array.from({ length: 200 }, (_, i) => i + 1);
    writeWavFile(path, data, 8000, 1);
    const reader = new WavReader({ path, loop: true, loopPauseMs: 5 });
    const sink = new CollectSink();
    const loops: number[] = [];
    let eofs = 0;
    reader.on('loop', (n) => loops.push(n));
    reader.on('eof', () => eofs++);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(reader, sink));
    ticker.runTicks(10);
    const pause = new Int16Array(40);
    const expected = new Int16Array([...data, ...pause, ...data, ...pause, ...data, ...pause, ...data.subarray(0, 80)]);
    assert.deepEqual(sink.samples(), expected);
    assert.deepEqual(loops, [1, 2, 3]);
    assert.equal(eofs, 0);
    assert.equal(reader.loops, 3);
    assert.deepEqual(sink.frames.map((f) => f.frame.timestamp), [0, 80, 160, 240, 320, 400, 480, 560, 640, 720]);
    assert.equal(reader.samplesOutput, 800);
    ticker.runTicks(10_000); // still going
    assert.equal(eofs, 0);
    assert.equal(sink.sampleFrames(), 800 + 10_000 * 80);
    ticker.shutdown();
  });

  it('loops without a pause, a file shorter than a tick several times in one tick', () => {
    const path = join(dir, 'loop-short.wav');
    writeWavFile(path, Int16Array.from([1, -1, 2, -2, 3, -3]), 8000, 2); // 3 stereo frames
    const reader = new WavReader({ path, loop: true });
    const sink = new CollectSink();
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(reader, sink));
    ticker.runTicks(2);
    const s = sink.samples();
    assert.equal(s.length, 160 * 2);
    for (let i = 0; i < 160; i++) assert.deepEqual([s[2 * i], s[2 * i + 1]], [(i % 3) + 1, -((i % 3) + 1)]);
    assert.equal(reader.loops, 53); // wraps after frames 3, 6 … 159
    ticker.shutdown();
  });

  it('a file that shrinks while playing ends early with eof', () => {
    const path = join(dir, 'shrink.wav');
    writeWavFile(path, new Int16Array(8000).fill(3), 8000, 1);
    const reader = new WavReader({ path });
    truncateSync(path, 44 + 1001); // 500 whole frames and a half
    const sink = new CollectSink();
    let eofs = 0;
    reader.on('eof', () => eofs++);
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(reader, sink));
    ticker.runTicks(200);
    assert.equal(sink.sampleFrames(), 500);
    assert.equal(eofs, 1);
    ticker.shutdown();
  });

  it('streams: a 1-hour 48 kHz stereo file (sparse, 691 MB) plays with bounded memory', () => {
    const path = join(dir, 'hour.wav');
    const dataBytes = 3600 * 48000 * 4;
    writeFileSync(path, buildPcmHeader(48000, 2, dataBytes));
    truncateSync(path, 44 + dataBytes); // sparse: no disk used, reads give zeros
    const reader = new WavReader({ path });
    assert.equal(reader.durationMs, 3_600_000);
    assert.equal(reader.format.description, '16-bit PCM, 48000 Hz, stereo');
    const sink = new CollectSink();
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(new Graph().chain(reader, sink));
    const before = process.memoryUsage().arrayBuffers;
    ticker.runFor(5000);
    sink.frames.length = 0;
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 16 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
    ticker.shutdown();
  });
});

describe('WavReader lifecycle and errors', () => {
  it('getters describe the file', () => {
    const path = join(dir, 'getters.wav');
    writeWavFile(path, new Int16Array(2 * 11025), 11025, 2);
    const r = new WavReader({ path, name: 'player' });
    assert.equal(r.name, 'player');
    assert.equal(r.type, 'wav-reader');
    assert.equal(r.sampleRate, 11025);
    assert.equal(r.channels, 2);
    assert.equal(r.frames, 11025);
    assert.equal(r.durationMs, 1000);
    assert.equal(r.format.description, '16-bit PCM, 11025 Hz, stereo');
    assert.equal(r.inputCount, 0);
    assert.equal(r.outputCount, 1);
    r.close();
    r.close(); // idempotent
    assert.equal(r.closed, true);
  });

  it('a closed reader cannot be attached again', () => {
    const path = join(dir, 'closed.wav');
    writeWavFile(path, new Int16Array(80), 8000, 1);
    const r = new WavReader({ path });
    const ticker = new Ticker({ clock: 'virtual' });
    const g = new Graph().chain(r, new CollectSink());
    ticker.attach(g);
    ticker.detach(g);
    assert.throws(() => ticker.attach(g), (e: unknown) => e instanceof StateError && /was closed; create a new WavReader/.test(e.message));
  });

  const bad = (name: string, bytes: number[]): string => {
    const p = join(dir, name);
    writeFileSync(p, Uint8Array.from(bytes));
    return p;
  };
  const riffOf = (...chunks: number[][]): number[] => {
    const body = chunks.flat();
    return [...ascii4('RIFF'), ...le(body.length + 4, 4), ...ascii4('WAVE'), ...body];
  };
  const fmt16 = (channels: number, rate: number, bits: number, align = channels * Math.ceil(bits / 8)): number[] =>
    [...le(1, 2), ...le(channels, 2), ...le(rate, 4), ...le(rate * align, 4), ...le(align, 2), ...le(bits, 2)];

  const cases: [string, () => string, (p: string) => RegExp][] = [
    ['missing file', () => join(dir, 'nope', 'in.wav'), (p) => new RegExp(`^${esc(p)}: cannot open for reading: no such file or directory \\(ENOENT\\)$`)],
    ['directory', () => { const p = join(dir, 'a-dir.wav'); mkdirSync(p); return p; }, (p) => new RegExp(`^${esc(p)}: not a regular file`)],
    ['empty file', () => bad('zero.wav', []), (p) => new RegExp(`^${esc(p)}: file is 0 bytes, too short for a RIFF/WAVE header`)],
    ['text file', () => bad('text.wav', ascii4('hello world, not audio')), (p) => new RegExp(`^${esc(p)}: not a RIFF file \\(starts with 'hell'`)],
    ['short fmt', () => bad('in.wav', riffOf(chunk('fmt ', new Array(12).fill(0)), chunk('data', [0, 0]))), (p) => new RegExp(`^${esc(p)}: fmt chunk is 12 bytes, expected ≥ 16$`)],
    ['12-bit PCM', () => bad('12bit.wav', riffOf(chunk('fmt ', fmt16(1, 8000, 12)), chunk('data', [0, 0]))), (p) => new RegExp(`^${esc(p)}: 12-bit PCM is not supported \\(8, 16, 24, 32-bit PCM, 32/64-bit float, µ-law, A-law are\\)$`)],
    ['5.1', () => bad('51.wav', riffOf(chunk('fmt ', fmt16(6, 48000, 16)), chunk('data', [0, 0]))), (p) => new RegExp(`^${esc(p)}: 6 channels are not supported \\(mono and stereo are\\)`)],
    ['truncated in header', () => bad('trunc.wav', riffOf(chunk('fmt ', fmt16(1, 8000, 16))).slice(0, 28)), (p) => new RegExp(`^${esc(p)}: fmt chunk is truncated: 8 of its 16 bytes`)],
    ['no data chunk', () => bad('nodata.wav', riffOf(chunk('fmt ', fmt16(1, 8000, 16)), chunk('LIST', [1, 2, 3, 4]))), (p) => new RegExp(`^${esc(p)}: no data chunk before the end of the file \\(last: 'LIST' chunk at byte 36`)],
  ];
  for (const [what, make, re] of cases) {
    it(`${what} → FileFormatError naming the file and the reason`, () => {
      const p = make();
      for (const open of [() => new WavReader({ path: p }), () => readWavFile(p)]) {
        assert.throws(open, (e: unknown) => {
          assert.ok(e instanceof FileFormatError, String(e));
          assert.equal(e.file, p);
          assert.match(e.message, re(p));
          return true;
        });
      }
    });
  }

  it('registerFileFilters registers a source and a sink', () => {
    const reg = new Registry();
    registerFileFilters(reg);
    assert.deepEqual(reg.listFilters().map((d) => [d.type, d.category]), [['wav-reader', 'source'], ['wav-writer', 'sink']]);
    const path = join(dir, 'reg.wav');
    writeWavFile(path, new Int16Array(10), 8000, 1);
    const r = reg.createFilter('wav-reader', { path });
    assert.ok(r instanceof WavReader);
    (r as WavReader).close();
    const w = reg.createFilter('wav-writer', { path: join(dir, 'reg-out.wav') });
    assert.ok(w instanceof WavWriter);
    (w as WavWriter).close();
    assert.throws(() => reg.createFilter('wav-reader'), /needs options/);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('cross-check with sox', () => {
  let sox = false;
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    sox = true;
  } catch {
    sox = false;
  }
  // sox -D: no dither, so sox reduces to 16 bits by rounding to nearest like we do.
  const cases: [string, string[], number][] = [
    ['24-bit stereo 44100 (extensible)', ['-r', '44100', '-c', '2', '-b', '24'], 0],
    ['16-bit mono 8000', ['-r', '8000', '-c', '1', '-b', '16'], 0],
    ['8-bit unsigned 11025', ['-r', '11025', '-c', '1', '-b', '8', '-e', 'unsigned-integer'], 0],
    ['32-bit int stereo 48000', ['-r', '48000', '-c', '2', '-b', '32', '-e', 'signed-integer'], 0],
    ['32-bit float 22050', ['-r', '22050', '-c', '1', '-b', '32', '-e', 'floating-point'], 1],
    ['64-bit float 16000 stereo', ['-r', '16000', '-c', '2', '-b', '64', '-e', 'floating-point'], 1],
    ['µ-law 8000', ['-r', '8000', '-c', '1', '-e', 'u-law'], 0],
    ['A-law 8000 stereo', ['-r', '8000', '-c', '2', '-e', 'a-law'], 0],
  ];
  for (const [what, args, tolerance] of cases) {
    it(`a ${what} WAV made by sox reads as sox converts it to 16 bits${tolerance ? ` (±${tolerance}: sox truncates float before rounding)` : ''}`, (t) => {
      if (!sox) {
        const msg = 'SKIP: sox is not installed (apt-get install sox): WAV cross-check against sox not run';
        console.error(msg);
        t.skip(msg);
        return;
      }
      const path = join(dir, `sox-${what.replace(/\W+/g, '-')}.wav`);
      execFileSync('sox', ['-n', ...args, path, 'synth', '0.5', 'sine', '440', 'gain', '-0.5']);
      const raw = execFileSync('sox', ['-D', path, '-b', '16', '-e', 'signed-integer', '-L', '-t', 'raw', '-'], { maxBuffer: 1 << 26 });
      const ref = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const ours = readWavFile(path).samples;
      assert.equal(ours.length, ref.length);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
      assert.ok(worst <= tolerance, `worst difference ${worst} > ${tolerance}`);
      assert.ok(ref.some((x) => Math.abs(x) > 10000), 'the signal is not silent');
    });
  }
});
