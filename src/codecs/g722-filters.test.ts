import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { readWavFile } from '../files/wav-reader.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { g722Decode, g722Encode } from './g722.js';
import { G722_CODEC, G722Decoder, G722Encoder, MAX_PAYLOAD_OCTETS, registerG722Codecs } from './g722-filters.js';

class ScriptSource extends Filter {
  readonly type = 'script-source';
  constructor(private readonly script: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    for (const f of this.script(ctx.tick)) this.push(0, f);
  }
}

class Capture<F extends Frame = Frame> extends Filter {
  readonly type = 'capture';
  readonly frames: F[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.frames.push(f as F);
  }
}

function signal(n: number, start: number): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(9000 * Math.sin((start + i) * 0.07) + 2500 * Math.sin((start + i) * 1.9));
  return a;
}

function audio(samples: Int16Array, timestamp: number, sampleRate = 16000): AudioFrame {
  return { kind: 'audio', samples, sampleRate, channels: 1, timestamp };
}

function encoded(data: Uint8Array, timestamp: number, extra: Partial<EncodedFrame> = {}): EncodedFrame {
  return { kind: 'encoded', data, timestamp, marker: false, payloadType: 9, ...extra };
}

function run(filters: Filter[], ms: number): Ticker {
  const g = new Graph();
  g.chain(...filters);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(ms);
  return t;
}

test('g722 encoder: 10 ms input → 20 ms packets of 160 octets, 8 kHz timestamps, marker on the first, codes as the core', () => {
  const e = new G722Encoder({ payloadType: 9 });
  const cap = new Capture<EncodedFrame>();
  run([new ScriptSource((k) => (k < 10 ? [audio(signal(160, k * 160), k * 160)] : [])), e, cap], 150);
  assert.equal(cap.frames.length, 5, `5 packets from 100 ms, got ${cap.frames.length}`);
  cap.frames.forEach((f, i) => {
    assert.equal(f.data.length, 160, `packet ${i} length`);
    assert.equal(f.timestamp, i * 160, `packet ${i} timestamp`);
    assert.equal(f.duration, 160, `packet ${i} duration`);
    assert.equal(f.payloadType, 9);
    assert.equal(f.marker, i === 0, `marker on packet ${i}`);
  });
  const all = new Uint8Array(800);
  cap.frames.forEach((f, i) => all.set(f.data, i * 160));
  assert.deepEqual(all, g722Encode(signal(1600, 0)), 'codes equal the one-shot core encode');
  assert.equal(e.encoderStats.packetsOut, 5);
});

test('g722 encoder: a timestamp jump sends the short packet, sets the marker, keeps the ADPCM state', () => {
  const e = new G722Encoder({ payloadType: 9, ptimeMs: 30 });
  const cap = new Capture<EncodedFrame>();
  const script = (k: number): Frame[] => (k === 0 ? [audio(signal(160, 0), 0)] : k === 1 ? [audio(signal(161, 160), 1600)] : k === 2 ? [audio(signal(160, 321), 1761)] : k === 3 ? [audio(signal(160, 0), 5000)] : []);
  run([new ScriptSource(script), e, cap], 50);
  assert.equal(e.encoderStats.discontinuities, 2);
  // 161 + 160 = 321 samples buffered when the second jump cuts the packet: the odd tail is
  // completed by repeating the last sample, 161 octets.
  assert.deepEqual(cap.frames.map((f) => [f.timestamp, f.data.length, f.marker]), [[0, 80, true], [800, 161, true]]);
});

test('g722 encoder: options are checked; fmtp is ignored', () => {
  assert.throws(() => new G722Encoder({ payloadType: 9, bitrate: 56000 }), (e: unknown) => e instanceof ConfigError && /bitrate must be 64000/.test(e.message));
  assert.throws(() => new G722Encoder({ payloadType: 9, ptimeMs: 25 }), /ptimeMs must be 10–120/);
  assert.throws(() => new G722Encoder({ payloadType: 300 }), /payloadType/);
  assert.doesNotThrow(() => new G722Encoder({ payloadType: 9, bitrate: 64000, fmtp: { foo: 'bar' } }));
  assert.throws(() => new G722Decoder({ payloadType: 9, mode: 4 as 1 }), /mode must be 1/);
});

test('g722 encoder refuses 8 kHz input (the graph counts the error)', () => {
  const e = new G722Encoder({ payloadType: 9 });
  const cap = new Capture();
  run([new ScriptSource((k) => (k === 0 ? [audio(new Int16Array(80), 0, 8000)] : [])), e, cap], 20);
  assert.equal(e.stats.errors, 1, 'one process() error');
  assert.equal(cap.frames.length, 0);
});

test('g722 decoder: payload → 16 kHz samples at timestamp × 2; lost → concealed zeros; bad payloads counted and concealed', () => {
  const codes = g722Encode(signal(640, 0));
  const d = new G722Decoder({ payloadType: 9 });
  const cap = new Capture<AudioFrame>();
  const script = (k: number): Frame[] =>
    k === 0
      ? [
          encoded(codes.subarray(0, 160), 1000),
          encoded(new Uint8Array(0), 1160, { lost: true, duration: 160 }),
          encoded(codes.subarray(160, 320), 1320, { payloadType: 10 }),
          encoded(new Uint8Array(0), 1480, { duration: 80 }),
          encoded(new Uint8Array(MAX_PAYLOAD_OCTETS + 1), 1560, { duration: 160 }),
        ]
      : [];
  run([new ScriptSource(script), d, cap], 10);
  const f = cap.frames;
  assert.equal(f.length, 5, `5 output frames, got ${f.length}`);
  assert.deepEqual(f.map((x) => [x.timestamp, x.samples.length, x.sampleRate, x.concealed === true]), [
    [2000, 320, 16000, false],
    [2320, 320, 16000, true],
    [2640, 320, 16000, false],
    [2960, 160, 16000, true],
    [3120, 320, 16000, true],
  ]);
  assert.deepEqual(f[0]!.samples, g722Decode(codes.subarray(0, 160)), 'first frame decodes as the core');
  assert.ok(f[1]!.samples.every((v) => v === 0), 'lost frame is all zero (for the generic PLC)');
  assert.equal(d.decodeErrors, 2, 'empty and oversized payloads counted');
  assert.equal(d.decoderStats.otherPayloadType, 1);
  assert.equal(d.decoderStats.lostFrames, 1);
});

test('G722 descriptor: PT 9, clock 8000, sampling 16000, registered; payloadDuration is the octet count', () => {
  const r = new Registry();
  registerG722Codecs(r);
  registerG722Codecs(r);
  const e = r.findCodecByPayloadType(9);
  assert.ok(e?.available, 'G722 registered and available');
  assert.equal(e.codec.clockRate, 8000);
  assert.equal(e.codec.sampleRate, 16000);
  assert.equal(G722_CODEC.payloadDuration?.(new Uint8Array(160)), 160);
  assert.equal(G722_CODEC.payloadDuration?.(new Uint8Array(0)), undefined);
  assert.ok(r.createEncoder('g722', 8000, 1, { payloadType: 9 }) instanceof G722Encoder, 'encoder by name');
  assert.ok(r.createDecoder('G722', 8000, 1, { payloadType: 9 }) instanceof G722Decoder, 'decoder by name');
});

test('g722 filters on speech (hello16000.wav): similarity to the input, beside the codec core (the reference decode)', (t) => {
  const p = sharedFile(t, 'data', 'ms2', 'sounds', 'hello16000.wav');
  if (!p) return;
  const w = readWavFile(p);
  const pcm = w.samples.subarray(0, w.samples.length - (w.samples.length % 160));
  const e = new G722Encoder({ payloadType: 9 });
  const d = new G722Decoder({ payloadType: 9 });
  const cap = new Capture<AudioFrame>();
  run([new ScriptSource((k) => (k * 160 < pcm.length ? [audio(pcm.slice(k * 160, k * 160 + 160), k * 160)] : [])), e, d, cap], (pcm.length / 16000) * 1000 + 40);
  const out = new Int16Array(pcm.length);
  for (const f of cap.frames) out.set(f.samples, f.timestamp);
  // The ITU algorithm applied in one call: what the filters must reproduce sample for sample.
  const reference = g722Decode(g722Encode(pcm));
  assert.deepEqual(out, reference, 'filters = core codec');
  const ref8 = toMono8k(pcm, 16000, 1);
  const ours = speechSimilarity(ref8, toMono8k(out, 16000, 1));
  const refScore = speechSimilarity(ref8, toMono8k(reference, 16000, 1));
  console.log(`  G.722 on hello16000.wav: similarity ours ${ours.score.toFixed(4)}, reference (ITU algorithm, one call) ${refScore.score.toFixed(4)}`);
  assert.ok(ours.score >= refScore.score - 1e-9 && ours.score > 0.98, `similarity ${ours.score}`);
});
