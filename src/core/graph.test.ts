import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from './graph.js';
import { Ticker } from './ticker.js';
import { GraphError, StateError } from './errors.js';
import { Adder, Collector, CounterSource, Splitter, Summer, Thrower } from '../test-support/test-filters.js';

function vticker(): Ticker {
  return new Ticker({ clock: 'virtual' });
}

test('chain: a frame crosses the whole chain in the tick it was made', () => {
  const log: string[] = [];
  const src = new CounterSource();
  const a = new Adder(100, log, 'a');
  const b = new Adder(1000, log, 'b');
  const sink = new Collector();
  // Link in reverse order: the run order comes from the links, not the insertion order.
  const g = new Graph().link(b, 0, sink, 0).link(a, 0, b, 0).link(src, 0, a, 0);
  const t = vticker().attach(g);
  t.runTicks(5);
  assert.deepEqual(sink.firstSamples(), [1100, 1101, 1102, 1103, 1104]);
  assert.deepEqual(sink.frames.map((x) => x.tick), [0, 1, 2, 3, 4]);
  assert.deepEqual(log.slice(0, 2), ['a', 'b']);
});

test('fan-out through a tee: every branch gets every frame in the same tick', () => {
  const src = new CounterSource();
  const tee = new Splitter(3);
  const sinks = [new Collector(), new Collector(), new Collector()];
  const g = new Graph().link(src, 0, tee, 0);
  sinks.forEach((s, i) => g.link(tee, i, s, 0));
  vticker().attach(g).runTicks(4);
  for (const s of sinks) assert.deepEqual(s.firstSamples(), [0, 1, 2, 3]);
});

test('fan-in: a mixer-like filter runs after all its inputs, once per tick', () => {
  const s1 = new CounterSource();
  const s2 = new CounterSource();
  const slow = new Adder(10); // s2 goes through one more filter than s1
  const mix = new Summer(2);
  const sink = new Collector();
  const g = new Graph().link(s1, 0, mix, 0).link(s2, 0, slow, 0).link(slow, 0, mix, 1).link(mix, 0, sink, 0);
  vticker().attach(g).runTicks(3);
  // tick n: n + (n + 10)
  assert.deepEqual(sink.firstSamples(), [10, 12, 14]);
  assert.deepEqual(sink.frames.map((x) => x.tick), [0, 1, 2]);
});

test('loop: a feedback link delivers one tick later; a loop without one is refused', () => {
  // src → mix(in0); mix → split; split out0 → sink, split out1 → delay(+0) → mix(in1) [feedback]
  const src = new CounterSource();
  const mix = new Summer(2);
  const split = new Splitter(2);
  const back = new Adder(0);
  const sink = new Collector();
  const g = new Graph()
    .link(src, 0, mix, 0)
    .link(mix, 0, split, 0)
    .link(split, 0, sink, 0)
    .link(split, 1, back, 0)
    .link(back, 0, mix, 1, { feedback: true });
  const t = vticker();
  // Prime the loop: the summer waits for both inputs, so put one frame on the feedback link.
  const fb = mix.inputs[1]!;
  fb.put({ kind: 'audio', samples: new Int16Array(80), sampleRate: 8000, channels: 1, timestamp: 0 });
  t.attach(g).runTicks(4);
  // y[n] = n + y[n-1], y[-1] = 0 → 0, 1, 3, 6
  assert.deepEqual(sink.firstSamples(), [0, 1, 3, 6]);

  const g2 = new Graph();
  const x = new Adder(1, undefined, 'x');
  const y = new Adder(1, undefined, 'y');
  g2.link(x, 0, y, 0).link(y, 0, x, 0);
  assert.throws(() => g2.validate(), (e: unknown) => e instanceof GraphError && /x.*y|y.*x/.test(e.message) && /feedback/.test(e.message));
});

test('link errors name the filter and pin', () => {
  const src = new CounterSource('src');
  const a = new Adder(1, undefined, 'a');
  const b = new Adder(1, undefined, 'b');
  const g = new Graph().link(src, 0, a, 0);
  assert.throws(() => g.link(src, 0, b, 0), /src output 0 is already linked/);
  assert.throws(() => g.link(b, 0, a, 0), /a input 0 is already linked/);
  assert.throws(() => g.link(src, 1, b, 0), /src output 1: it has 1 output/);
  // a's output is not linked: refused at attach time, naming filter and pin.
  assert.throws(() => vticker().attach(g), (e: unknown) => e instanceof GraphError && /a output 0 is not linked/.test(e.message));
});

test('a graph cannot be changed while attached; unlink drops queued frames', () => {
  const src = new CounterSource();
  const sink = new Collector();
  const g = new Graph().link(src, 0, sink, 0);
  const t = vticker().attach(g);
  assert.throws(() => g.link(src, 0, sink, 0), StateError);
  t.detach(g);
  g.unlink(src, 0, sink, 0);
  assert.equal(src.outputs[0], null);
  assert.equal(g.filters.length, 0);
});

test('a filter that throws is counted and reported, and the graph keeps running', () => {
  const src = new CounterSource();
  const thrower = new Thrower(new Set([2, 5]));
  const sink = new Collector();
  const g = new Graph().chain(src, thrower, sink);
  const t = vticker();
  const errors: string[] = [];
  t.on('filter-error', (_g, f, e) => errors.push(`${f.type}: ${(e as Error).message}`));
  let filterEvents = 0;
  thrower.on('error', () => filterEvents++);
  t.attach(g).runTicks(8);
  assert.deepEqual(sink.firstSamples(), [0, 1, 3, 4, 6, 7]);
  assert.equal(thrower.stats.errors, 2);
  assert.equal(filterEvents, 2);
  assert.deepEqual(errors, ['test-thrower: bad frame 2', 'test-thrower: bad frame 5']);
  assert.equal(t.stats.ticks, 8);
});

test('preprocess failure rolls back and throws at attach', () => {
  const calls: string[] = [];
  class P extends CounterSource {
    override preprocess(): void {
      calls.push('pre-src');
    }
    override postprocess(): void {
      calls.push('post-src');
    }
  }
  class Bad extends Collector {
    override preprocess(): void {
      throw new Error('cannot open device');
    }
  }
  const g = new Graph().link(new P(), 0, new Bad(), 0);
  assert.throws(() => vticker().attach(g), /cannot open device/);
  assert.deepEqual(calls, ['pre-src', 'post-src']);
  assert.equal(g.attached, false);
});
