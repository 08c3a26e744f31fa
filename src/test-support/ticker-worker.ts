/** Worker entry for the ticker test: builds a graph, runs a virtual-time ticker, posts figures. */
import { parentPort, workerData } from 'node:worker_threads';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { Collector, CounterSource } from './test-filters.js';

const { seconds } = workerData as { seconds: number };
const sink = new Collector();
const t = new Ticker({ clock: 'virtual' }).attach(new Graph().link(new CounterSource(), 0, sink, 0));
t.runFor(seconds * 1000);
parentPort!.postMessage({ ticks: t.stats.ticks, frames: sink.frames.length });
