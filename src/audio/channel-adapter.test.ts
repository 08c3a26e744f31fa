import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { ChannelAdapter, monoToStereo, stereoToMono } from './channel-adapter.js';

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

function through(adapter: ChannelAdapter, frames: Frame[]): Capture {
  const cap = new Capture();
  const t = new Ticker({ clock: 'virtual' });
  t.attach(new Graph().chain(new ScriptSource((k) => (k === 0 ? frames : [])), adapter, cap));
  t.runFor(10);
  return cap;
}

const frame = (samples: number[], channels: number, sampleRate = 16000): AudioFrame => ({
  kind: 'audio',
  samples: Int16Array.from(samples),
  sampleRate,
  channels,
  timestamp: 320,
});

test('mono → stereo duplicates each sample; rate and timestamp kept', () => {
  const cap = through(new ChannelAdapter({ channels: 2 }), [frame([1, -2, 32767, -32768], 1)]);
  const f = cap.frames[0]!;
  assert.deepEqual([...f.samples], [1, 1, -2, -2, 32767, 32767, -32768, -32768]);
  assert.equal(f.channels, 2);
  assert.equal(f.sampleRate, 16000);
  assert.equal(f.timestamp, 320);
});

test('stereo → mono averages (no overflow at full scale), and mono → stereo → mono is exact', () => {
  const cap = through(new ChannelAdapter({ channels: 1 }), [frame([100, 200, 32767, 32767, -32768, -32768, 32767, -32768, 3, 4], 2)]);
  const f = cap.frames[0]!;
  assert.deepEqual([...f.samples], [150, 32767, -32768, -1, 3]);
  assert.equal(f.channels, 1);
  const x = Int16Array.from({ length: 1000 }, (_, i) => (i * 7919) % 65536 - 32768);
  assert.deepEqual(stereoToMono(monoToStereo(x)), x);
});

test('pass-through when the channel count already matches (same frame object)', () => {
  const m = frame([1, 2, 3], 1);
  const s = frame([1, 2, 3, 4], 2);
  assert.equal(through(new ChannelAdapter({ channels: 1 }), [m]).frames[0], m);
  assert.equal(through(new ChannelAdapter({ channels: 2 }), [s]).frames[0], s);
  assert.equal(through(new ChannelAdapter(), [m]).frames[0], m); // default: mono
});

test('options and input checks: channels 1|2 only; >2-channel input and encoded frames are errors counted by the graph', () => {
  assert.throws(() => new ChannelAdapter({ channels: 3 as 1 }), ConfigError);
  const a = new ChannelAdapter({ channels: 2 });
  assert.throws(() => a.setChannels(0 as 1), ConfigError);
  a.setChannels(1);
  assert.equal(a.channels, 1);
  const b = new ChannelAdapter({ channels: 1 });
  through(b, [frame([1, 2, 3, 4, 5, 6], 3)]);
  assert.equal(b.stats.errors, 1);
  const c = new ChannelAdapter({ channels: 1 });
  through(c, [{ kind: 'encoded', data: new Uint8Array(4), timestamp: 0, marker: false, payloadType: 0 }]);
  assert.equal(c.stats.errors, 1);
});
