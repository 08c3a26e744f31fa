import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { VoidSink, VoidSource } from './void.js';

class ScriptSource extends Filter {
  readonly type = 'script-source';
  constructor(private readonly script: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    for (const f of this.script(ctx.tick)) this.push(0, f);
  }
}

class Capture extends Filter {
  readonly type = 'capture';
  readonly frames: AudioFrame[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.frames.push(f as AudioFrame);
  }
}

function run(src: Filter, sink: Filter, ms: number): void {
  const t = new Ticker({ clock: 'virtual' });
  t.attach(new Graph().chain(src, sink));
  t.runFor(ms);
}

test('VoidSource emits nothing by default', () => {
  const cap = new Capture();
  run(new VoidSource(), cap, 100);
  assert.equal(cap.frames.length, 0);
});

test('VoidSource silence: one tick of zeros per tick, exact counts at 11 025 Hz, own buffers, timestamps', () => {
  const cap = new Capture();
  run(new VoidSource({ silence: { sampleRate: 11025, channels: 2 } }), cap, 1000);
  assert.equal(cap.frames.length, 100);
  assert.deepEqual(
    cap.frames.slice(0, 4).map((f) => f.samples.length / f.channels),
    [110, 110, 110, 111],
  );
  assert.equal(cap.frames.reduce((n, f) => n + f.samples.length / 2, 0), 11025);
  let ts = 0;
  for (const f of cap.frames) {
    assert.equal(f.timestamp, ts);
    assert.equal(f.channels, 2);
    assert.equal(f.sampleRate, 11025);
    assert.ok(f.samples.every((v) => v === 0));
    ts += f.samples.length / 2;
  }
  assert.equal(new Set(cap.frames.map((f) => f.samples.buffer)).size, 100);
});

test('VoidSource options are checked', () => {
  assert.throws(() => new VoidSource({ silence: { sampleRate: 8000.5, channels: 1 } }), ConfigError);
  assert.throws(() => new VoidSource({ silence: { sampleRate: 8000, channels: 0 } }), ConfigError);
});

test('VoidSink discards and counts frames, samples per channel and encoded bytes', () => {
  const sink = new VoidSink();
  const frames: Frame[] = [
    { kind: 'audio', samples: new Int16Array(320), sampleRate: 16000, channels: 2, timestamp: 0 },
    { kind: 'audio', samples: new Int16Array(80), sampleRate: 8000, channels: 1, timestamp: 0 },
    { kind: 'encoded', data: new Uint8Array(33), timestamp: 0, marker: false, payloadType: 3 },
  ];
  run(new ScriptSource((k) => (k < 2 ? frames : [])), sink, 50);
  assert.deepEqual(sink.sinkStats, { frames: 6, samples: 480, bytes: 66 });
  assert.equal(sink.frames, 6);
  assert.equal(sink.samples, 480);
  assert.equal(sink.bytes, 66);
});

test('VoidSource → VoidSink is a valid graph (silence counted)', () => {
  const sink = new VoidSink();
  run(new VoidSource({ silence: { sampleRate: 8000, channels: 1 } }), sink, 200);
  assert.equal(sink.samples, 1600);
});
