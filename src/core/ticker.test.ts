import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from './graph.js';
import { Ticker } from './ticker.js';
import type { Clock } from './clock.js';
import { ConfigError, StateError } from './errors.js';
import { spawnWorker } from './worker.js';
import { Collector, CounterSource } from '../test-support/test-filters.js';

/** A clock the test moves by hand, that the ticker treats as real time (it waits for it). */
class ManualClock implements Clock {
  readonly virtual = false;
  t = 1000;
  now(): number {
    return this.t;
  }
}

function counterGraph(): { g: Graph; src: CounterSource; sink: Collector } {
  const src = new CounterSource();
  const sink = new Collector();
  return { g: new Graph().link(src, 0, sink, 0), src, sink };
}

test('virtual time: exact tick counts and theoretical time', () => {
  const { g, sink } = counterGraph();
  const t = new Ticker({ clock: 'virtual' }).attach(g);
  t.runFor(60_000);
  assert.equal(t.stats.ticks, 6000);
  assert.equal(sink.frames.length, 6000);
  assert.equal(t.timeMs, 60_000);
  assert.equal(t.clock.now(), 59_990); // time of the last tick run
  assert.equal(t.stats.lateTicks, 0);
});

test('virtual time: a started ticker runs as fast as possible and stops on request', async () => {
  const { g, sink } = counterGraph();
  const t = new Ticker({ clock: 'virtual', periodMs: 20 }).attach(g);
  const ticks = await t.runUntil(() => sink.frames.length >= 3000);
  assert.equal(ticks, 3000);
  assert.equal(t.timeMs, 60_000);

  const { g: g2, sink: sink2 } = counterGraph();
  const t2 = new Ticker({ clock: 'virtual' }).attach(g2);
  await new Promise<void>((resolve) => {
    t2.on('stopped', resolve);
    t2.start();
    const check = setInterval(() => {
      if (sink2.frames.length > 1000) {
        clearInterval(check);
        t2.stop();
      }
    }, 1);
  });
  assert.ok(sink2.frames.length > 1000);
  t2.runTicks(1); // stopped: synchronous runs are allowed again
  t2.start();
  assert.throws(() => t2.start(), StateError);
  assert.throws(() => t2.runTicks(1), StateError);
  t2.stop();
});

test('catch-up after a stall: missed ticks run back to back and late ticks are counted', () => {
  const clock = new ManualClock();
  const { g, sink } = counterGraph();
  const t = new Ticker({ clock, lateThresholdMs: 5 }).attach(g);
  const lateness: number[] = [];
  t.on('late', (ms) => lateness.push(ms));
  t.start();
  assert.equal(t.stats.ticks, 0); // the first tick runs from the timer
  assert.equal(t.poll(), 1); // deadline 0 reached at start
  clock.t += 10;
  assert.equal(t.poll(), 1);
  clock.t += 2; // not yet at the next deadline
  assert.equal(t.poll(), 0);
  clock.t += 8 + 45; // a 45 ms stall past the deadline of tick 2
  assert.equal(t.poll(), 5); // ticks 2..6 (deadlines 20..60 ≤ 65)
  assert.equal(sink.frames.length, 7);
  // lateness of ticks 2..6: 45, 35, 25, 15, 5 → four above 5 ms
  assert.deepEqual(lateness, [45, 35, 25, 15]);
  assert.equal(t.stats.lateTicks, 4);
  assert.equal(t.stats.worstLatenessMs, 45);
  t.stop();
});

test('a stall longer than maxCatchUpMs skips the excess ticks and says so', () => {
  const clock = new ManualClock();
  const { g } = counterGraph();
  const t = new Ticker({ clock, maxCatchUpMs: 100 }).attach(g).start();
  t.poll();
  clock.t += 1000; // 1 s stall
  const ran = t.poll();
  assert.equal(t.stats.skippedTicks, 89); // ticks 1..100 were due; 11 run (the last 100 ms + now)
  assert.equal(ran, 11);
  assert.equal(t.timeMs, 1010);
  t.stop();
});

test('options are validated', () => {
  assert.throws(() => new Ticker({ periodMs: 0 }), ConfigError);
  assert.throws(() => new Ticker({ periodMs: 10, maxCatchUpMs: 5 }), /maxCatchUpMs/);
  assert.throws(() => new Ticker({ clock: 'real' }).runTicks(1), StateError);
});

test('several tickers run at once', () => {
  const a = counterGraph();
  const b = counterGraph();
  const ta = new Ticker({ clock: 'virtual', periodMs: 10 }).attach(a.g);
  const tb = new Ticker({ clock: 'virtual', periodMs: 20 }).attach(b.g);
  for (let i = 0; i < 10; i++) {
    ta.runTicks(2);
    tb.runTicks(1);
  }
  assert.equal(a.sink.frames.length, 20);
  assert.equal(b.sink.frames.length, 10);
});

test('real time: the average period holds over 0.6 s (no drift)', async () => {
  const { g, sink } = counterGraph();
  const t = new Ticker({ periodMs: 10 }).attach(g);
  const t0 = performance.now();
  t.start();
  await new Promise((r) => setTimeout(r, 600));
  t.stop();
  const elapsed = performance.now() - t0;
  // Deadline-based: ticks run = floor(elapsed / 10) + 1, give or take the last timer.
  const expected = elapsed / 10;
  assert.ok(Math.abs(sink.frames.length - expected) <= 3, `ran ${sink.frames.length} ticks in ${elapsed.toFixed(1)} ms`);
  console.log(`real-time ticker: ${sink.frames.length} ticks in ${elapsed.toFixed(1)} ms, worst lateness ${t.stats.worstLatenessMs.toFixed(2)} ms`);
});

test('a ticker with its graph runs inside a worker thread', async () => {
  const url = new URL('../test-support/ticker-worker.ts', import.meta.url);
  const w = spawnWorker(url, { workerData: { seconds: 5 } });
  const result = await new Promise<{ ticks: number; frames: number }>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  assert.deepEqual(result, { ticks: 500, frames: 500 });
});
