/**
 * Jitter buffer throughput on one core (`npm run bench -- jitter-buffer`, or
 * `node --import tsx bench/jitter-buffer.ts`): packets/s through `put` + `pull` of
 * rtp/jitter-buffer.ts, PCMU-shaped (20 ms packets, 8 kHz), pulled every 10 ms as a receiving
 * ticker does, in virtual time.
 *
 * - steady: packets arrive exactly every 20 ms;
 * - jittered: each packet arrives 0–60 ms late (seeded, uniform; packets overtake each other), so
 *   the adaptive target, reordering and holds are exercised.
 *
 * Baseline, measured in the same run by the same harness: an array used as a FIFO (push on
 * arrival, shift what is due on every pull) of the same packet objects. The packet objects come
 * from a pool and are rewritten before each put, so neither side measures allocation of input
 * packets; what the buffer allocates itself (results, entries) is part of its cost.
 */
import { pathToFileURL } from 'node:url';
import { JitterBuffer, type JitterInput } from '../src/rtp/jitter-buffer.js';
import { type BenchResult, opsPerSecond, printResults } from './types.js';

const PACKET_MS = 20;
const TICK_MS = 10;
const TS_PER_PACKET = 160;
/** Packets scheduled per run; a run then starts again with a fresh buffer. */
const SCHEDULE_PACKETS = 1 << 17;
/** Packets per measured call (opsPerSecond counts calls). */
const BATCH = 1000;
const POOL = 256; // > anything a buffer holds at 60 ms jitter; a packet object is rewritten only after it left

interface Sink {
  put(p: JitterInput, arrivalMs: number): void;
  /** Returns packets handed out. */
  pull(nowMs: number): number;
  reset(): void;
}

/** Arrival order: packet index and arrival time, sorted by arrival. */
function schedule(jitterMs: number, seed = 12345): { index: Int32Array; arrival: Float64Array } {
  let s = seed >>> 0;
  const rnd = (): number => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
  const items: { i: number; t: number }[] = [];
  for (let i = 0; i < SCHEDULE_PACKETS; i++) items.push({ i, t: i * PACKET_MS + rnd() * jitterMs });
  items.sort((a, b) => a.t - b.t || a.i - b.i);
  return { index: Int32Array.from(items, (x) => x.i), arrival: Float64Array.from(items, (x) => x.t) };
}

/** A resumable run: each call of step() moves BATCH packets through the sink. */
function harness(sink: Sink, jitterMs: number): { step: () => void; delivered: () => number; put: () => number } {
  const { index, arrival } = schedule(jitterMs);
  const pool: JitterInput[] = [];
  for (let i = 0; i < POOL; i++) pool.push({ sequenceNumber: 0, timestamp: 0, marker: false, ssrc: 0x1234abcd, payloadType: 0, payload: new Uint8Array(160).fill(0xff) });
  let k = 0; // next entry of the schedule
  let tick = 0; // next pull at tick × TICK_MS
  let delivered = 0;
  let put = 0;
  const step = (): void => {
    const end = Math.min(k + BATCH, SCHEDULE_PACKETS);
    while (k < end) {
      const now = tick * TICK_MS;
      // Everything that has arrived by now goes in, then the tick pulls.
      while (k < end && arrival[k]! <= now) {
        const i = index[k]!;
        const p = pool[i % POOL]!;
        p.sequenceNumber = i & 0xffff;
        p.timestamp = (i * TS_PER_PACKET) >>> 0;
        p.marker = i === 0;
        sink.put(p, arrival[k]!);
        put++;
        k++;
      }
      delivered += sink.pull(now);
      tick++;
    }
    if (k >= SCHEDULE_PACKETS) {
      sink.reset();
      k = 0;
      tick = 0;
    }
  };
  return { step, delivered: () => delivered, put: () => put };
}

function jitterBufferSink(): Sink {
  let jb = new JitterBuffer<JitterInput>({ clockRate: 8000 });
  return {
    put: (p, t) => {
      jb.put(p, t);
    },
    pull: (t) => jb.pull(t).packets.length,
    reset: () => {
      jb = new JitterBuffer<JitterInput>({ clockRate: 8000 });
    },
  };
}

/** The baseline: a plain FIFO holding ~80 ms (the buffer's nominal delay) of the same objects. */
function arraySink(): Sink {
  let q: { p: JitterInput; t: number }[] = [];
  return {
    put: (p, t) => {
      q.push({ p, t });
    },
    pull: (now) => {
      let n = 0;
      while (q.length > 0 && q[0]!.t + 80 <= now) {
        q.shift();
        n++;
      }
      return n;
    },
    reset: () => {
      q = [];
    },
  };
}

function measure(sink: Sink, jitterMs: number): { pps: number; deliveredPct: number } {
  const h = harness(sink, jitterMs);
  const calls = opsPerSecond(h.step, 1000);
  return { pps: calls * BATCH, deliveredPct: (100 * h.delivered()) / Math.max(1, h.put()) };
}

export async function runJitterBufferBench(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [label, jitterMs] of [
    ['steady 20 ms', 0],
    ['0–60 ms jitter', 60],
  ] as const) {
    const base = measure(arraySink(), jitterMs);
    const jb = measure(jitterBufferSink(), jitterMs);
    out.push({
      name: `jitter buffer put+pull, ${label}`,
      value: jb.pps,
      unit: 'packets/s',
      note: `${(1e9 / jb.pps).toFixed(0)} ns/packet incl. 2 pulls; ${((jb.pps / 50) | 0).toString()} legs of 50 pkt/s per core; ${jb.deliveredPct.toFixed(1)} % delivered`,
    });
    out.push({
      name: `  baseline array push/shift, ${label}`,
      value: base.pps,
      unit: 'packets/s',
      note: `same harness and objects; jitter buffer ×${(base.pps / jb.pps).toFixed(1)} slower`,
    });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) printResults('jitter-buffer', await runJitterBufferBench());
