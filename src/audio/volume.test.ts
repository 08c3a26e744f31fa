import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { Volume } from './volume.js';

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

/** Volume between a source of `make(tick)` frames and a capture; `run(ms)` may repeat. */
function harness(vol: Volume, make: (tick: number) => AudioFrame) {
  const cap = new Capture();
  const t = new Ticker({ clock: 'virtual' });
  t.attach(new Graph().chain(new ScriptSource((k) => [make(k)]), vol, cap));
  return { cap, run: (ms: number) => void t.runFor(ms) };
}

const dc = (v: number, n = 80, channels = 1) => (): AudioFrame => ({
  kind: 'audio',
  samples: new Int16Array(n * channels).fill(v),
  sampleRate: 8000,
  channels,
  timestamp: 0,
});

const sine = (amp: number) => (tick: number): AudioFrame => ({
  kind: 'audio',
  samples: Int16Array.from({ length: 80 }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * 1000 * (tick * 80 + i)) / 8000))),
  sampleRate: 8000,
  channels: 1,
  timestamp: tick * 80,
});

test('0 dB: frames pass untouched (same object); the input level is measured (RMS and peak dBFS)', () => {
  const vol = new Volume();
  let last: AudioFrame | undefined;
  const make = sine(32767);
  const { cap, run } = harness(vol, (k) => (last = make(k)));
  run(30);
  assert.equal(cap.frames[2], last);
  assert.ok(Math.abs(vol.inputRmsDbfs - -3.01) < 0.05, `rms ${vol.inputRmsDbfs}`);
  assert.ok(vol.inputPeakDbfs <= 0 && vol.inputPeakDbfs > -0.1, `peak ${vol.inputPeakDbfs}`);
  assert.equal(vol.getGainDb(), 0);
});

test('digital silence reads −Infinity dBFS', () => {
  const vol = new Volume();
  harness(vol, dc(0)).run(10);
  assert.equal(vol.inputRmsDbfs, Number.NEGATIVE_INFINITY);
  assert.equal(vol.inputPeakDbfs, Number.NEGATIVE_INFINITY);
  assert.equal(vol.inputPeak, 0);
});

test('gain change ramps linearly over the next frame, then holds', () => {
  const vol = new Volume();
  const { cap, run } = harness(vol, dc(10000));
  run(10);
  vol.setGainDb(-40);
  assert.equal(vol.getGainDb(), -40);
  run(20);
  const ramp = cap.frames[1]!.samples;
  const g = 10 ** (-40 / 20);
  // Monotonic, no step larger than one ramp increment, ends on the new gain.
  for (let i = 1; i < ramp.length; i++) {
    assert.ok(ramp[i]! <= ramp[i - 1]!);
    assert.ok(ramp[i - 1]! - ramp[i]! <= Math.ceil((10000 * (1 - g)) / 80) + 1);
  }
  assert.ok(10000 - ramp[0]! <= Math.ceil((10000 * (1 - g)) / 80) + 1);
  assert.equal(ramp[79], Math.round(10000 * g));
  assert.ok(cap.frames[2]!.samples.every((v) => v === Math.round(10000 * g)));
  // The input level is measured before the gain.
  assert.ok(Math.abs(vol.inputRmsDbfs - 20 * Math.log10(10000 / 32768)) < 1e-9);
});

test('initial gain applies from the first frame without a ramp; output saturates at int16', () => {
  const vol = new Volume({ gainDb: 20 });
  const { cap, run } = harness(vol, (k) => ({ kind: 'audio', samples: Int16Array.of(5000, -5000, 100, -100), sampleRate: 8000, channels: 1, timestamp: k * 4 }));
  run(10);
  assert.deepEqual([...cap.frames[0]!.samples], [32767, -32768, 1000, -1000]);
});

test('stereo: both channels of a sample instant get the same gain during a ramp', () => {
  const vol = new Volume();
  const { cap, run } = harness(vol, dc(8000, 80, 2));
  run(10);
  vol.setGainDb(-20);
  run(10);
  const x = cap.frames[1]!.samples;
  for (let i = 0; i < x.length; i += 2) assert.equal(x[i], x[i + 1]);
  assert.equal(x[x.length - 1], 800);
});

test('mute ramps to silence over one frame and back; level still measured while muted', () => {
  const vol = new Volume({ gainDb: -6 });
  const { cap, run } = harness(vol, dc(12000));
  run(10);
  vol.mute = true;
  assert.equal(vol.mute, true);
  run(20);
  const down = cap.frames[1]!.samples;
  assert.ok(down[0]! > 5500 && down[79] === 0);
  assert.ok(cap.frames[2]!.samples.every((v) => v === 0));
  assert.ok(Math.abs(vol.inputRmsDbfs - 20 * Math.log10(12000 / 32768)) < 1e-9);
  vol.mute = false;
  run(20);
  const up = cap.frames[3]!.samples;
  const g = 10 ** (-6 / 20);
  assert.ok(up[0]! < 200 && up[79] === Math.round(12000 * g));
  assert.ok(cap.frames[4]!.samples.every((v) => v === Math.round(12000 * g)));
});

test('gain range −60 … +40 dB, else ConfigError; encoded input is an error counted by the graph', () => {
  const vol = new Volume();
  for (const db of [-60.5, 40.1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => vol.setGainDb(db), ConfigError);
  assert.throws(() => new Volume({ gainDb: 41 }), /gain must be -60 … \+40 dB, got 41/);
  vol.setGainDb(-60);
  vol.setGainDb(40);
  assert.equal(vol.getGainDb(), 40);
  const v2 = new Volume();
  const t = new Ticker({ clock: 'virtual' });
  const cap = new Capture();
  t.attach(new Graph().chain(new ScriptSource(() => [{ kind: 'encoded', data: new Uint8Array(2), timestamp: 0, marker: false, payloadType: 0 }]), v2, cap));
  t.runFor(20);
  assert.equal(v2.stats.errors, 2);
});
