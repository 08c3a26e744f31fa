/**
 * iLBC throughput (our TypeScript RFC 3951 codec): encode and decode real-time factors (seconds
 * of 8 kHz audio per CPU second) of the codec core in both modes, and the encoder → decoder
 * filters in a virtual-time graph vs the direct core calls (filter/frame/tick overhead).
 * Input: hello8000.wav looped to 20 s (a synthetic signal when the shared material is missing).
 *
 * `runIlbcBench()` returns the rows for bench/run.ts; run directly it prints them.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Filter, type TickContext } from '../src/core/filter.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { IlbcDecoderState } from '../src/codecs/ilbc/decoder.js';
import { IlbcEncoderState } from '../src/codecs/ilbc/encoder.js';
import { wavPcm } from '../src/codecs/ilbc/test-wav.js';
import { IlbcDecoder, IlbcEncoder } from '../src/codecs/ilbc-filters.js';
import { sharedPath } from '../src/test-support/shared.js';
import { printResults, type BenchResult } from './types.js';

const SECONDS = 20;

function input(): Int16Array {
  const pcm = new Int16Array(8000 * SECONDS);
  const p = sharedPath('data', 'ms2', 'sounds', 'hello8000.wav');
  if (existsSync(p)) {
    const w = wavPcm(p);
    for (let o = 0; o < pcm.length; o += w.length) pcm.set(w.subarray(0, Math.min(w.length, pcm.length - o)), o);
  } else for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(6000 * Math.sin(i * 0.09) * Math.sin(i * 0.001));
  return pcm;
}

class Source extends Filter {
  readonly type = 'bench-source';
  #pos = 0;
  constructor(private readonly pcm: Int16Array) {
    super({ inputs: 0, outputs: 1 });
  }
  process(_ctx: TickContext): void {
    if (this.#pos >= this.pcm.length) return;
    this.push(0, { kind: 'audio', samples: this.pcm.subarray(this.#pos, this.#pos + 80), sampleRate: 8000, channels: 1, timestamp: this.#pos });
    this.#pos += 80;
  }
}

class Sink extends Filter {
  readonly type = 'bench-sink';
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    while (this.pull(0)) {
      /* drop */
    }
  }
}

export function runIlbcBench(): BenchResult[] {
  const pcm = input();
  const rows: BenchResult[] = [];
  for (const mode of [30, 20] as const) {
    const enc = new IlbcEncoderState(mode);
    const dec = new IlbcDecoderState(mode);
    const n = enc.samplesPerFrame;
    const frames = Math.floor(pcm.length / n);
    const bits = new Uint8Array(frames * enc.cfg.bytes);
    const out = new Int16Array(n);
    let t0 = performance.now();
    for (let f = 0; f < frames; f++) enc.encode(pcm, f * n, bits, f * enc.cfg.bytes);
    const tEnc = performance.now() - t0;
    t0 = performance.now();
    for (let f = 0; f < frames; f++) dec.decode(bits, f * enc.cfg.bytes, out, 0);
    const tDec = performance.now() - t0;
    rows.push({ name: `ilbc${mode} encode RTF`, value: (SECONDS * 1000) / tEnc, unit: 'x real time', note: 'core, our TypeScript' });
    rows.push({ name: `ilbc${mode} decode RTF`, value: (SECONDS * 1000) / tDec, unit: 'x real time', note: 'core, no enhancer' });
    if (mode === 30) {
      const g = new Graph();
      g.chain(new Source(pcm), new IlbcEncoder({ payloadType: 112 }), new IlbcDecoder({ payloadType: 112 }), new Sink());
      const t = new Ticker({ clock: 'virtual' });
      t.attach(g);
      t0 = performance.now();
      t.runFor(SECONDS * 1000 + 100);
      const tGraph = performance.now() - t0;
      rows.push({ name: 'ilbc30 enc+dec filters RTF', value: (SECONDS * 1000) / tGraph, unit: 'x real time', note: `overhead ratio vs direct core calls ${(tGraph / (tEnc + tDec)).toFixed(3)}` });
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printResults('iLBC (RFC 3951, TypeScript)', runIlbcBench());
