import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.js';
import { G711Decoder, G711Encoder, createPcmaDecoder, createPcmaEncoder, createPcmuDecoder, createPcmuEncoder } from './g711-filters.js';

/** Pushes a scripted list of frames per tick (tick index → frames). */
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

function ramp(n: number, start: number): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(12000 * Math.sin((start + i) * 0.05) + 300 * Math.cos((start + i) * 1.3));
  return a;
}

function audio(samples: Int16Array, timestamp: number, sampleRate = 8000, channels = 1): AudioFrame {
  return { kind: 'audio', samples, sampleRate, channels, timestamp };
}

function run(filters: Filter[], ms: number): Ticker {
  const g = new Graph();
  g.chain(...filters);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(ms);
  return t;
}

/** 10 ms (80-sample) frames of a continuous signal, one a tick. */
const tenMs = (tick: number): Frame[] => [audio(ramp(80, tick * 80), tick * 80)];

for (const [law, enc, makeEnc] of [
  ['ulaw', encodeUlaw, createPcmuEncoder],
  ['alaw', encodeAlaw, createPcmaEncoder],
] as const) {
  test(`${law} encoder: 10 ms input → 20 ms packets, timestamps in 8 kHz units, duration, PT, marker on the first`, () => {
    const e = makeEnc({ payloadType: 96 });
    const cap = new Capture<EncodedFrame>();
    run([new ScriptSource(tenMs), e, cap], 100);
    assert.equal(e.type, law === 'ulaw' ? 'pcmu-encoder' : 'pcma-encoder');
    assert.equal(cap.frames.length, 5);
    const whole = enc(ramp(800, 0));
    cap.frames.forEach((f, i) => {
      assert.equal(f.kind, 'encoded');
      assert.equal(f.timestamp, i * 160);
      assert.equal(f.duration, 160);
      assert.equal(f.payloadType, 96);
      assert.equal(f.marker, i === 0);
      assert.deepEqual(f.data, whole.subarray(i * 160, (i + 1) * 160));
    });
    assert.deepEqual(e.encoderStats, { framesIn: 10, samplesIn: 800, packetsOut: 5, bytesOut: 800, discontinuities: 0 });
  });
}

test('encoder ptime 10…120 ms in 10 ms steps; large input frames give several packets in one tick', () => {
  for (const ptime of [10, 30, 60, 120]) {
    const e = createPcmuEncoder({ payloadType: 0, ptimeMs: ptime });
    const cap = new Capture<EncodedFrame>();
    run([new ScriptSource(tenMs), e, cap], 240);
    assert.equal(e.ptimeMs, ptime);
    assert.equal(cap.frames.length, 240 / ptime, `ptime ${ptime}`);
    for (const f of cap.frames) assert.equal(f.data.length, ptime * 8);
  }
  // 100 ms in one frame at tick 0, then nothing: five 20 ms packets at once.
  const e = createPcmaEncoder({ payloadType: 8 });
  const cap = new Capture<EncodedFrame>();
  run([new ScriptSource((t) => (t === 0 ? [audio(ramp(800, 0), 1000)] : [])), e, cap], 30);
  assert.deepEqual(
    cap.frames.map((f) => f.timestamp),
    [1000, 1160, 1320, 1480, 1640],
  );
  assert.deepEqual(Buffer.concat(cap.frames.map((f) => f.data)), Buffer.from(encodeAlaw(ramp(800, 0))));
});

test('encoder options: bad ptime or payload type → ConfigError naming the option', () => {
  for (const ptimeMs of [0, 5, 25, 130, 20.5, Number.NaN]) {
    assert.throws(() => createPcmuEncoder({ payloadType: 0, ptimeMs }), (err: unknown) => err instanceof ConfigError && /ptimeMs must be 10–120 ms/.test(err.message));
  }
  for (const payloadType of [-1, 128, 1.5]) {
    assert.throws(() => createPcmaEncoder({ payloadType }), (err: unknown) => err instanceof ConfigError && /payloadType/.test(err.message));
    assert.throws(() => createPcmaDecoder({ payloadType }), ConfigError);
  }
  const e = createPcmuEncoder({ payloadType: 0 });
  assert.throws(() => e.setPtimeMs(15), ConfigError);
  e.setPtimeMs(40);
  assert.equal(e.ptimeMs, 40);
});

test('encoder refuses input that is not 8 kHz mono: error thrown from process(), counted by the graph', () => {
  const e = createPcmuEncoder({ payloadType: 0 });
  const cap = new Capture<EncodedFrame>();
  const errors: unknown[] = [];
  e.on('error', (err) => errors.push(err));
  const script = (tick: number): Frame[] =>
    tick === 0 ? [audio(new Int16Array(160), 0, 16000)] : tick === 1 ? [audio(new Int16Array(160), 80, 8000, 2)] : [];
  run([new ScriptSource(script), e, cap], 30);
  assert.equal(e.stats.errors, 2);
  assert.equal(errors.length, 2);
  assert.ok(errors[0] instanceof ConfigError);
  assert.match((errors[0] as Error).message, /pcmu-encoder#\d+: input 0 must be 8000 Hz mono, got 16000 Hz with 1 channel\(s\); put a resampler/);
  assert.match((errors[1] as Error).message, /got 8000 Hz with 2 channel\(s\)/);
  assert.equal(cap.frames.length, 0);
});

test('encoder: a timestamp jump flushes a short packet and marks the next one', () => {
  const e = createPcmuEncoder({ payloadType: 0 });
  const cap = new Capture<EncodedFrame>();
  const ts = [0, 80, 160, 400, 480];
  run([new ScriptSource((t) => (t < ts.length ? [audio(ramp(80, t * 80), ts[t]!)] : [])), e, cap], 60);
  assert.deepEqual(
    cap.frames.map((f) => [f.timestamp, f.data.length, f.duration, f.marker]),
    [
      [0, 160, 160, true],
      [160, 80, 80, false],
      [400, 160, 160, true],
    ],
  );
  assert.equal(e.encoderStats.discontinuities, 1);
});

for (const [law, dec, makeDec] of [
  ['ulaw', decodeUlaw, createPcmuDecoder],
  ['alaw', decodeAlaw, createPcmaDecoder],
] as const) {
  test(`${law} decoder: decodes, passes the timestamp, turns lost frames into concealment markers, decodes other PTs`, () => {
    const pt = law === 'ulaw' ? 0 : 8;
    const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed) & 0xff);
    const input: EncodedFrame[] = [
      { kind: 'encoded', data: bytes(160, 1), timestamp: 5000, marker: true, payloadType: pt, duration: 160 },
      { kind: 'encoded', data: new Uint8Array(0), timestamp: 5160, marker: false, payloadType: pt, duration: 160, lost: true },
      { kind: 'encoded', data: bytes(80, 2), timestamp: 5320, marker: false, payloadType: 99 },
    ];
    const d = makeDec({ payloadType: pt });
    const cap = new Capture<AudioFrame>();
    run([new ScriptSource((t) => (t === 0 ? input : [])), d, cap], 20);
    assert.equal(d.type, law === 'ulaw' ? 'pcmu-decoder' : 'pcma-decoder');
    assert.equal(cap.frames.length, 3);
    assert.deepEqual(
      cap.frames.map((f) => [f.kind, f.timestamp, f.sampleRate, f.channels, f.samples.length, f.concealed ?? false]),
      [
        ['audio', 5000, 8000, 1, 160, false],
        ['audio', 5160, 8000, 1, 160, true],
        ['audio', 5320, 8000, 1, 80, false],
      ],
    );
    assert.deepEqual(cap.frames[0]!.samples, dec(input[0]!.data));
    assert.ok(cap.frames[1]!.samples.every((v) => v === 0));
    assert.deepEqual(cap.frames[2]!.samples, dec(input[2]!.data));
    assert.deepEqual(d.decoderStats, { frames: 2, bytes: 240, samples: 240, lostFrames: 1, lostSamples: 160, otherPayloadType: 1, errors: 0 });
  });
}

test('decoder refuses audio frames on its input (a mis-linked graph), counted by the graph', () => {
  const d = new G711Decoder('ulaw', { payloadType: 0 });
  const cap = new Capture();
  run([new ScriptSource((t) => (t === 0 ? [audio(new Int16Array(80), 0)] : [])), d, cap], 20);
  assert.equal(d.stats.errors, 1);
});

test('encoder → decoder round trip equals decode(encode(x)); each output frame owns its samples', () => {
  for (const law of ['ulaw', 'alaw'] as const) {
    const e = new G711Encoder(law, { payloadType: 0, ptimeMs: 30 });
    const d = new G711Decoder(law, { payloadType: 0 });
    const cap = new Capture<AudioFrame>();
    run([new ScriptSource(tenMs), e, d, cap], 600);
    const got = Int16Array.from(cap.frames.flatMap((f) => [...f.samples]));
    const x = ramp(4800, 0);
    const want = law === 'ulaw' ? decodeUlaw(encodeUlaw(x)) : decodeAlaw(encodeAlaw(x));
    assert.deepEqual(got, want);
    assert.deepEqual(
      cap.frames.map((f) => f.timestamp),
      Array.from({ length: 20 }, (_, i) => i * 240),
    );
    const buffers = new Set(cap.frames.map((f) => f.samples.buffer));
    assert.equal(buffers.size, cap.frames.length);
  }
});

test('a detached and re-attached encoder starts a fresh stream (marker again, partial packet dropped)', () => {
  const e = createPcmuEncoder({ payloadType: 0 });
  const cap = new Capture<EncodedFrame>();
  const g = new Graph().chain(new ScriptSource((t) => [audio(ramp(80, t * 80), t * 80)]), e, cap);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(30); // 1.5 packets
  t.detach(g);
  t.attach(g);
  t.runFor(20);
  assert.deepEqual(
    cap.frames.map((f) => [f.timestamp, f.marker]),
    [
      [0, true],
      [240, true],
    ],
  );
});
