/**
 * G.722 throughput: the codec core (bulk calls, 20 ms packets), the encoder → decoder filters in
 * a virtual-time graph (the overhead of filters, frames and ticks over direct core calls), and,
 * for information, ffmpeg's G.722 on the same audio (`ffmpeg -benchmark`, user CPU time).
 *
 * Real-time factor (RTF here): seconds of 16 kHz audio processed per second of CPU (higher is
 * faster). Input: hello16000.wav repeated to 60 s (or a synthetic speech-like signal when the
 * shared material is missing).
 *
 * `runG722Bench()` returns the rows for bench/run.ts; run directly
 * (`node --import tsx bench/g722.ts`) it prints them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Filter, type TickContext } from '../src/core/filter.js';
import type { AudioFrame } from '../src/core/frames.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { G722DecoderState, G722EncoderState } from '../src/codecs/g722.js';
import { G722Decoder, G722Encoder } from '../src/codecs/g722-filters.js';
import { VoidSink } from '../src/audio/void.js';
import { readWavFile } from '../src/files/wav-reader.js';
import { writeWavFile } from '../src/files/wav-writer.js';
import { sharedPath } from '../src/test-support/shared.js';
import { printResults, type BenchResult } from './types.js';

const RATE = 16000;
const SECONDS = 60;
const PACKET = 320; // 20 ms

function input(): { pcm: Int16Array; what: string } {
  const p = sharedPath('data', 'ms2', 'sounds', 'hello16000.wav');
  const pcm = new Int16Array(RATE * SECONDS);
  if (existsSync(p)) {
    const w = readWavFile(p);
    for (let o = 0; o < pcm.length; o += w.samples.length) pcm.set(w.samples.subarray(0, Math.min(w.samples.length, pcm.length - o)), o);
    return { pcm, what: 'hello16000.wav looped to 60 s' };
  }
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / RATE) + 3000 * Math.sin((2 * Math.PI * 2300 * i) / RATE) + (((seed >>> 16) & 0x3ff) - 512));
  }
  return { pcm, what: 'synthetic signal (hello16000.wav missing)' };
}

/** Best of `rounds` timings of `fn`, seconds. */
function best(fn: () => void, rounds = 7): number {
  fn(); // warm-up
  let t = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

let sink = 0;

class PcmSource extends Filter<Record<never, never>> {
  readonly type = 'bench-pcm-source';
  #pos = 0;
  constructor(private readonly pcm: Int16Array) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    const n = (RATE * ctx.periodMs) / 1000;
    if (this.#pos + n > this.pcm.length) return;
    const f: AudioFrame = { kind: 'audio', samples: this.pcm.subarray(this.#pos, this.#pos + n), sampleRate: RATE, channels: 1, timestamp: this.#pos };
    this.#pos += n;
    this.push(0, f);
  }
}

/** user CPU seconds ffmpeg reports for `args` (its -benchmark line), or undefined without ffmpeg. */
function ffmpegUtime(args: string[]): number | undefined {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-benchmark', ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) return undefined;
  const m = /bench: utime=([\d.]+)s/.exec(r.stderr);
  return m ? Number(m[1]) : undefined;
}

export async function runG722Bench(): Promise<BenchResult[]> {
  const { pcm, what } = input();
  const rows: BenchResult[] = [];
  const audioS = pcm.length / RATE;
  const codes = new G722EncoderState().encode(pcm);

  const encBuf = new Uint8Array(PACKET / 2);
  const encS = best(() => {
    const e = new G722EncoderState();
    for (let o = 0; o < pcm.length; o += PACKET) e.encode(pcm.subarray(o, o + PACKET), encBuf);
    sink ^= encBuf[3]!;
  });
  const decBuf = new Int16Array(PACKET);
  const decS = best(() => {
    const d = new G722DecoderState();
    for (let o = 0; o < codes.length; o += PACKET / 2) d.decode(codes.subarray(o, o + PACKET / 2), decBuf);
    sink ^= decBuf[3]!;
  });
  rows.push({ name: 'G.722 encode, core (20 ms packets)', value: audioS / encS, unit: '× real time', note: what });
  rows.push({ name: 'G.722 decode mode 1, core (20 ms packets)', value: audioS / decS, unit: '× real time' });

  await new Promise<void>((r) => setImmediate(r));
  // Filters: source → encoder → decoder → void sink on a virtual 10 ms ticker.
  const graphS = best(() => {
    const g = new Graph().chain(new PcmSource(pcm), new G722Encoder({ payloadType: 9 }), new G722Decoder({ payloadType: 9 }), new VoidSink());
    const t = new Ticker({ clock: 'virtual' });
    t.attach(g);
    t.runFor(audioS * 1000);
    t.shutdown();
  }, 3);
  rows.push({ name: 'G.722 encoder → decoder filters in a graph (10 ms ticks)', value: audioS / graphS, unit: '× real time' });
  rows.push({
    name: 'G.722 filters in a graph / direct core calls',
    value: (encS + decS) / graphS,
    unit: 'ratio',
    note: '1.0 = no overhead; graph, ticks, frames and per-packet buffers included',
  });

  // ffmpeg on the same audio, for information.
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-g722-'));
  try {
    const wav = join(dir, 'in.wav');
    const g722 = join(dir, 'in.g722');
    writeWavFile(wav, pcm, RATE, 1);
    writeFileSync(g722, codes);
    const fe = ffmpegUtime(['-i', wav, '-c:a', 'g722', '-f', 'null', '-']);
    const fd = ffmpegUtime(['-f', 'g722', '-i', g722, '-f', 'null', '-']);
    if (fe === undefined || fd === undefined) {
      rows.push({ name: 'ffmpeg G.722', value: 0, unit: '-', note: 'ffmpeg not found (Debian package ffmpeg)' });
    } else {
      // Its utime includes process start and file I/O (tens of ms): a lower bound of its speed.
      rows.push({ name: 'ffmpeg G.722 encode (-benchmark utime, whole process)', value: audioS / Math.max(fe, 0.001), unit: '× real time' });
      rows.push({ name: 'ffmpeg G.722 decode (-benchmark utime, whole process)', value: audioS / Math.max(fd, 0.001), unit: '× real time' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (sink === 0x7fffffff) console.log('');
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults('g722', await runG722Bench());
}
