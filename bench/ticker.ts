/**
 * Ticker benchmarks: wake-up error (p50/p99/max) of the real-time ticker, idle and with a loaded
 * event loop, and the cost of one tick per filter.
 */
import { Filter } from '../src/core/filter.js';
import { Graph } from '../src/core/graph.js';
import { Ticker } from '../src/core/ticker.js';
import { type BenchResult, percentile, printResults } from './types.js';

class Nop extends Filter {
  readonly type = 'bench-nop';
  constructor(inputs: number, outputs: number) {
    super({ inputs, outputs, pump: true });
  }
  process(): void {}
}

async function wakeUpError(seconds: number, loadMs: number): Promise<number[]> {
  const lateness: number[] = [];
  // Measure lateness of each tick: ticker reports ticks over the threshold only, so use a 0 ms threshold.
  const t2 = new Ticker({ periodMs: 10, lateThresholdMs: 0 });
  t2.on('late', (ms) => lateness.push(ms));
  t2.attach(new Graph().add(new Nop(0, 0)));
  t2.start();
  let stop = false;
  // A loaded event loop: other work in the same thread, in slices of loadMs.
  const loader = async (): Promise<void> => {
    while (!stop) {
      const end = performance.now() + loadMs;
      while (performance.now() < end) {
        /* busy */
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  const l = loadMs > 0 ? loader() : Promise.resolve();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await l;
  t2.stop();
  const ticks = t2.stats.ticks;
  while (lateness.length < ticks) lateness.push(0); // ticks exactly on time did not fire 'late'
  return lateness.sort((a, b) => a - b);
}

function tickCost(filters: number): number {
  const g = new Graph();
  for (let i = 0; i < filters; i++) g.add(new Nop(0, 0));
  const t = new Ticker({ clock: 'virtual' }).attach(g);
  t.runTicks(2000);
  const ticks = 20000;
  const t0 = performance.now();
  t.runTicks(ticks);
  return ((performance.now() - t0) * 1e6) / ticks / filters; // ns per filter per tick
}

export async function runTickerBench(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [label, load] of [
    ['idle', 0],
    ['loaded loop (4 ms slices)', 4],
  ] as const) {
    const lat = await wakeUpError(3, load);
    out.push({ name: `wake-up error p50, ${label}`, value: percentile(lat, 50), unit: 'ms' });
    out.push({ name: `wake-up error p99, ${label}`, value: percentile(lat, 99), unit: 'ms' });
    out.push({ name: `wake-up error max, ${label}`, value: lat[lat.length - 1] ?? 0, unit: 'ms' });
  }
  // One filter: the fixed cost of a tick (timing, context) dominates; with many, the per-filter cost shows.
  const base = tickCost(1);
  out.push({ name: 'empty tick, 1 filter', value: base, unit: 'ns/tick' });
  for (const n of [10, 100]) {
    const c = tickCost(n);
    out.push({ name: `tick cost per filter (${n} filters)`, value: c, unit: 'ns', note: `a tick of ${n} filters costs ×${((c * n) / base).toFixed(2)} the 1-filter tick` });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) printResults('ticker', await runTickerBench());
