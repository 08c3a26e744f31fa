import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { Tee } from './tee.js';

class ScriptSource extends Filter {
  readonly type = 'script-source';
  constructor(private readonly script: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    for (const f of this.script(ctx.tick)) this.push(0, f);
  }
}

/** A consumer that modifies its frames in place, as frames.ts allows a sole consumer to. */
class InPlaceCapture extends Filter {
  readonly type = 'capture';
  readonly frames: Frame[] = [];
  constructor(private readonly scribble: boolean) {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) {
      if (this.scribble) {
        if (f.kind === 'audio') f.samples.fill(-1);
        else f.data.fill(0xee);
      }
      this.frames.push(f);
    }
  }
}

test('every output gets every frame; output 0 the frame itself, the others copies with their own buffers', () => {
  const tee = new Tee({ outputs: 3 });
  const caps = [new InPlaceCapture(false), new InPlaceCapture(false), new InPlaceCapture(false)];
  const audio: AudioFrame = { kind: 'audio', samples: Int16Array.of(1, 2, 3), sampleRate: 8000, channels: 1, timestamp: 7, concealed: true };
  const enc: EncodedFrame = { kind: 'encoded', data: Uint8Array.of(9, 8), timestamp: 160, marker: true, payloadType: 0, duration: 2 };
  const g = new Graph().link(new ScriptSource((k) => (k === 0 ? [audio, enc] : [])), 0, tee, 0);
  caps.forEach((c, i) => g.link(tee, i, c, 0));
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(10);
  assert.equal(caps[0]!.frames[0], audio);
  assert.equal(caps[0]!.frames[1], enc);
  for (const c of caps.slice(1)) {
    const [a, e] = c.frames as [AudioFrame, EncodedFrame];
    assert.notEqual(a, audio);
    assert.notEqual(a.samples.buffer, audio.samples.buffer);
    assert.deepEqual(a, audio);
    assert.notEqual(e.data.buffer, enc.data.buffer);
    assert.deepEqual(e, enc);
  }
});

test('a consumer modifying its frame in place does not change what the other outputs got', () => {
  // The scribbling consumer on output 0 (it gets the original), then on output 1 (a copy).
  for (const scribblerPin of [0, 1]) {
    const tee = new Tee();
    const scribbler = new InPlaceCapture(true);
    const reader = new InPlaceCapture(false);
    const src = new ScriptSource((k) => (k === 0 ? [{ kind: 'audio', samples: Int16Array.of(5, 6), sampleRate: 8000, channels: 1, timestamp: 0 }] : []));
    const g = new Graph().link(src, 0, tee, 0);
    g.link(tee, scribblerPin, scribbler, 0).link(tee, 1 - scribblerPin, reader, 0);
    const t = new Ticker({ clock: 'virtual' });
    t.attach(g);
    t.runFor(10);
    assert.deepEqual([...(reader.frames[0] as AudioFrame).samples], [5, 6], `scribbler on output ${scribblerPin}`);
    assert.deepEqual([...(scribbler.frames[0] as AudioFrame).samples], [-1, -1]);
  }
});

test('outputs option: default 2, 1–64', () => {
  assert.equal(new Tee().outputCount, 2);
  assert.equal(new Tee({ outputs: 1 }).outputCount, 1);
  for (const outputs of [0, 65, 2.5]) assert.throws(() => new Tee({ outputs }), ConfigError);
});
