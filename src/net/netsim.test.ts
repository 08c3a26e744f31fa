import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { NetworkSimulator, type NetsimDelivery, type NetworkSimulatorOptions } from './netsim.js';

interface Send {
  at: number;
  data: Uint8Array;
  meta: number;
}

/**
 * Drives a simulator the way a real caller does: before each send it polls at every due time
 * (its timer firing exactly at nextDeliveryMs), then pushes, then drains what is left. Each
 * delivery goes to `visit`; the long runs use it instead of keeping 100k deliveries alive, which
 * would cost more in GC than the simulation itself.
 */
function run(sim: NetworkSimulator<number>, sends: Iterable<Send>, visit: (d: NetsimDelivery<number>) => void): void {
  const flushUntil = (t: number): void => {
    for (let next = sim.nextDeliveryMs(); next !== undefined && next <= t; next = sim.nextDeliveryMs()) {
      for (const d of sim.poll(next)) visit(d);
    }
  };
  for (const s of sends) {
    flushUntil(s.at);
    sim.push(s.data, s.at, s.meta);
    for (const d of sim.poll(s.at)) visit(d);
  }
  flushUntil(Infinity);
}

/** {@link run}, collecting the deliveries. */
function drive(sim: NetworkSimulator<number>, sends: Iterable<Send>): NetsimDelivery<number>[] {
  const out: NetsimDelivery<number>[] = [];
  run(sim, sends, (d) => out.push(d));
  return out;
}

/**
 * `count` packets every `intervalMs`, each `size` bytes stamped with its index; the same buffer
 * is reused for every send, as real callers do, which also checks that push copies.
 */
function* periodic(count: number, intervalMs: number, size = 172): Generator<Send> {
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < count; i++) {
    view.setUint32(0, i);
    yield { at: i * intervalMs, data: buf, meta: i };
  }
}

function indexOf(d: NetsimDelivery<number>): number {
  return new DataView(d.data.buffer, d.data.byteOffset, d.data.byteLength).getUint32(0);
}

function countOutOfOrder(out: NetsimDelivery<number>[]): number {
  let max = -1;
  let n = 0;
  for (const d of out) {
    const m = d.meta ?? -1;
    if (m < max) n++;
    else max = m;
  }
  return n;
}

function assertInvariant(sim: NetworkSimulator<number>): void {
  const s = sim.stats;
  assert.equal(s.offered + s.duplicated, s.droppedLoss + s.droppedQueue + s.delivered + sim.inFlight);
}

const everything: NetworkSimulatorOptions = {
  lossPct: 5,
  burstLoss: { meanBurstLength: 2 },
  latencyMs: 40,
  jitterMs: 25,
  reorderPct: 3,
  reorderDelayMs: 30,
  duplicatePct: 2,
  bandwidthBps: 80_000,
  queueLimitMs: 150,
  seed: 1234,
};

function fingerprint(out: NetsimDelivery<number>[]): string {
  return out.map((d) => `${d.meta}@${d.deliverMs.toFixed(6)}:${indexOf(d)}`).join(' ');
}

test('same seed and inputs give identical output; another seed differs; reset replays', () => {
  const a = new NetworkSimulator<number>(everything);
  const b = new NetworkSimulator<number>(everything);
  const outA = drive(a, periodic(3000, 20));
  const outB = drive(b, periodic(3000, 20));
  assert.equal(fingerprint(outA), fingerprint(outB));
  assert.deepEqual(a.stats, b.stats);
  // every impairment actually happened in this run
  const s = a.stats;
  assert.ok(s.droppedLoss > 0 && s.droppedQueue > 0 && s.duplicated > 0 && s.reordered > 0, JSON.stringify(s));
  assertInvariant(a);

  const c = new NetworkSimulator<number>({ ...everything, seed: 1235 });
  assert.notEqual(fingerprint(drive(c, periodic(3000, 20))), fingerprint(outA));

  a.reset();
  assert.deepEqual(a.stats.offered, 0);
  assert.equal(fingerprint(drive(a, periodic(3000, 20))), fingerprint(outA));
});

test('without a seed a random one is drawn and exposed for replay', () => {
  const a = new NetworkSimulator<number>({ lossPct: 30 });
  assert.ok(Number.isSafeInteger(a.seed));
  const replay = new NetworkSimulator<number>({ lossPct: 30, seed: a.seed });
  assert.equal(fingerprint(drive(a, periodic(500, 20))), fingerprint(drive(replay, periodic(500, 20))));
});

test('each impairment has its own random stream: adding jitter does not change which packets are lost', () => {
  const lost = (opts: NetworkSimulatorOptions): number[] => {
    const got = new Set(drive(new NetworkSimulator<number>(opts), periodic(2000, 20)).map((d) => d.meta));
    return [...Array(2000).keys()].filter((i) => !got.has(i));
  };
  const base = lost({ lossPct: 10, seed: 7 });
  assert.ok(base.length > 100);
  assert.deepEqual(lost({ lossPct: 10, seed: 7, jitterMs: 50, reorderPct: 10, duplicatePct: 10 }), base);
});

test('uniform loss: measured rate within tolerance over 100k packets; 0 % and 100 %', () => {
  const n = 100_000;
  const sim = new NetworkSimulator<number>({ lossPct: 10, seed: 1 });
  let delivered = 0;
  run(sim, periodic(n, 1, 20), () => delivered++);
  const rate = sim.stats.droppedLoss / n;
  // binomial sd = sqrt(0.1 · 0.9 / 1e5) ≈ 0.00095; 0.005 is > 5 sd
  assert.ok(Math.abs(rate - 0.1) < 0.005, `loss rate ${rate}`);
  assert.equal(delivered, n - sim.stats.droppedLoss);
  assertInvariant(sim);

  const none = new NetworkSimulator<number>({ seed: 1 });
  assert.equal(drive(none, periodic(1000, 1)).length, 1000);
  const all = new NetworkSimulator<number>({ lossPct: 100, seed: 1 });
  assert.equal(drive(all, periodic(1000, 1)).length, 0);
  assert.equal(all.stats.droppedLoss, 1000);
});

/** Runs n packets through sim and measures the losses and the runs of consecutive losses. */
function lossRuns(sim: NetworkSimulator<number>, n: number): { lost: number; bursts: number; longest: number } {
  const got = new Uint8Array(n);
  run(sim, periodic(n, 1, 8), (d) => {
    got[d.meta ?? 0] = 1;
  });
  let lost = 0;
  let bursts = 0;
  let longest = 0;
  let current = 0;
  for (let i = 0; i < n; i++) {
    if (got[i] === 0) {
      lost++;
      current++;
      if (current === 1) bursts++;
      longest = Math.max(longest, current);
    } else {
      current = 0;
    }
  }
  return { lost, bursts, longest };
}

test('Gilbert loss from lossPct + meanBurstLength: rate and mean burst length', () => {
  const n = 100_000;
  const sim = new NetworkSimulator<number>({ lossPct: 10, burstLoss: { meanBurstLength: 4 }, seed: 2 });
  const ge = sim.config.gilbertElliott;
  assert.ok(ge);
  assert.equal(ge.pBadToGood, 0.25);
  assert.ok(Math.abs(ge.pGoodToBad - 0.25 / 9) < 1e-12);
  const { lost, bursts } = lossRuns(sim, n);
  assert.equal(lost, sim.stats.droppedLoss);
  // ~2500 bursts; correlated losses widen the rate's spread to ≈ 0.25 %
  assert.ok(Math.abs(lost / n - 0.1) < 0.012, `loss rate ${lost / n}`);
  // geometric burst lengths, sd ≈ 3.5, so the mean of ~2500 has sd ≈ 0.07
  assert.ok(Math.abs(lost / bursts - 4) < 0.35, `mean burst ${lost / bursts}`);

  // meanBurstLength 1: isolated losses only, at the requested rate
  const isolated = lossRuns(new NetworkSimulator<number>({ lossPct: 20, burstLoss: { meanBurstLength: 1 }, seed: 3 }), n);
  assert.ok(Math.abs(isolated.lost / n - 0.2) < 0.006, `loss rate ${isolated.lost / n}`);
  assert.equal(isolated.longest, 1);

  // meanBurstLength 1 / (1 − L) is the same statistics as independent loss
  const indep = lossRuns(new NetworkSimulator<number>({ lossPct: 20, burstLoss: { meanBurstLength: 1.25 }, seed: 3 }), n);
  const ge2 = new NetworkSimulator<number>({ lossPct: 20, burstLoss: { meanBurstLength: 1.25 } }).config.gilbertElliott;
  assert.ok(ge2 && Math.abs(ge2.pGoodToBad - 0.2) < 1e-12 && Math.abs(ge2.pBadToGood - 0.8) < 1e-12);
  assert.ok(Math.abs(indep.lost / n - 0.2) < 0.006, `loss rate ${indep.lost / n}`);
  assert.ok(Math.abs(indep.lost / indep.bursts - 1.25) < 0.05, `mean burst ${indep.lost / indep.bursts}`);
});

test('explicit Gilbert–Elliott model: stationary loss rate', () => {
  const n = 100_000;
  const opts = { pGoodToBad: 0.01, pBadToGood: 0.25, lossInBad: 0.5, lossInGood: 0.01 };
  const sim = new NetworkSimulator<number>({ burstLoss: opts, seed: 4 });
  run(sim, periodic(n, 1, 8), () => {});
  const piBad = opts.pGoodToBad / (opts.pGoodToBad + opts.pBadToGood);
  const expected = piBad * opts.lossInBad + (1 - piBad) * opts.lossInGood;
  const rate = sim.stats.droppedLoss / n;
  assert.ok(Math.abs(rate - expected) < 0.003, `loss rate ${rate}, expected ${expected}`);
});

test('latency and jitter: delays within [latency, latency + jitter], FIFO kept, spread used', () => {
  // 1 ms spacing with 30 ms of jitter: without the FIFO rule most packets would swap
  const sim = new NetworkSimulator<number>({ latencyMs: 50, jitterMs: 30, seed: 5 });
  const out = drive(sim, periodic(5000, 1));
  assert.equal(out.length, 5000);
  out.forEach((d, i) => {
    assert.equal(d.meta, i, 'delivered out of order');
    assert.equal(indexOf(d), i, 'payload does not match (push must copy)');
    const delay = d.deliverMs - d.sentMs;
    assert.ok(delay >= 50 && delay <= 80, `delay ${delay}`);
    if (i > 0) assert.ok(d.deliverMs >= out[i - 1].deliverMs);
  });
  assert.equal(sim.stats.reordered, 0);

  // packets further apart than the jitter are not held by the FIFO rule: their delay is uniform
  // on [50, 80]
  const sparse = drive(new NetworkSimulator<number>({ latencyMs: 50, jitterMs: 30, seed: 6 }), periodic(4000, 40));
  const delays = sparse.map((d) => d.deliverMs - d.sentMs);
  const mean = delays.reduce((acc, x) => acc + x, 0) / delays.length;
  // uniform sd = 30 / sqrt(12) ≈ 8.7; the mean of 4000 has sd ≈ 0.14
  assert.ok(Math.abs(mean - 65) < 0.7, `mean delay ${mean}`);
  assert.ok(Math.min(...delays) < 51 && Math.max(...delays) > 79, 'delays do not span the jitter');

  // fixed latency alone is exact
  for (const d of drive(new NetworkSimulator<number>({ latencyMs: 12.5, seed: 1 }), periodic(10, 20))) {
    assert.equal(d.deliverMs - d.sentMs, 12.5);
  }
});

test('jitterReorders lets jitter swap packets, and the swaps are counted', () => {
  const sim = new NetworkSimulator<number>({ latencyMs: 50, jitterMs: 30, jitterReorders: true, seed: 5 });
  const out = drive(sim, periodic(2000, 5));
  const observed = countOutOfOrder(out);
  assert.ok(observed > 100, `only ${observed} reordered`);
  assert.equal(sim.stats.reordered, observed);
  for (const d of out) {
    const delay = d.deliverMs - d.sentMs;
    assert.ok(delay >= 50 && delay <= 80);
  }
});

test('reordering happens only when enabled, and is counted as observed', () => {
  const off = new NetworkSimulator<number>({ latencyMs: 10, jitterMs: 15, seed: 8 });
  assert.equal(countOutOfOrder(drive(off, periodic(5000, 20))), 0);
  assert.equal(off.stats.reordered, 0);

  const n = 20_000;
  const on = new NetworkSimulator<number>({ latencyMs: 10, reorderPct: 10, reorderDelayMs: 45, seed: 8 });
  const out = drive(on, periodic(n, 20));
  assert.equal(out.length, n);
  const observed = countOutOfOrder(out);
  assert.equal(on.stats.reordered, observed);
  let held = 0;
  for (const d of out) {
    const delay = d.deliverMs - d.sentMs;
    assert.ok(delay === 10 || delay === 55, `delay ${delay}`);
    if (delay === 55) held++;
  }
  // ~10 % of packets are held back 45 ms, past the next two packets
  assert.ok(Math.abs(held / n - 0.1) < 0.01, `held ${held / n}`);
  // a held packet counts as reordered only when something overtook it: not when the packets
  // after it were held too (then it arrives first among them), so slightly fewer than held
  assert.ok(observed <= held && observed > 0.95 * held, `observed ${observed}, held ${held}`);
});

test('duplication rate, copies are independent buffers, invariant holds', () => {
  const n = 100_000;
  const sim = new NetworkSimulator<number>({ duplicatePct: 5, latencyMs: 1, seed: 9 });
  let delivered = 0;
  let pairs = 0;
  let last = -1;
  let maxSeen = -1;
  let outOfOrder = 0;
  let pair: [Uint8Array, Uint8Array] | undefined;
  let previous: Uint8Array | undefined;
  run(sim, periodic(n, 1, 12), (d) => {
    delivered++;
    const m = d.meta ?? -1;
    if (m === last) {
      pairs++;
      if (pair === undefined && previous !== undefined) pair = [previous, d.data];
    }
    if (m < maxSeen) outOfOrder++;
    maxSeen = Math.max(maxSeen, m);
    last = m;
    previous = d.data;
  });
  const s = sim.stats;
  assert.ok(Math.abs(s.duplicated / n - 0.05) < 0.004, `duplicate rate ${s.duplicated / n}`);
  assert.equal(delivered, n + s.duplicated);
  assert.equal(pairs, s.duplicated, 'a duplicate must follow its original');
  assert.equal(s.delivered, delivered);
  assert.equal(s.deliveredBytes, delivered * 12);
  assert.equal(s.offeredBytes, n * 12);
  assert.equal(outOfOrder, 0);
  assert.equal(s.reordered, 0);
  assertInvariant(sim);
  // the duplicate owns its bytes
  assert.ok(pair);
  assert.deepEqual(pair[0], pair[1]);
  pair[1][5] = 0xff;
  assert.equal(pair[0][5], 0);
});

test('bandwidth cap: throughput equals the cap, delay is the serialisation time when idle', () => {
  const bw = 64_000;
  // 172 + 28 bytes = 1600 bits = 25 ms on the link
  const idle = drive(new NetworkSimulator<number>({ bandwidthBps: bw, seed: 1 }), periodic(100, 50));
  for (const d of idle) assert.ok(Math.abs(d.deliverMs - d.sentMs - 25) < 1e-9);

  // offered at twice the cap for 10 s, with room to queue it all
  const sim = new NetworkSimulator<number>({ bandwidthBps: bw, queueLimitMs: Infinity, latencyMs: 30, seed: 1 });
  const out = drive(sim, periodic(800, 12.5));
  assert.equal(out.length, 800);
  assert.equal(sim.stats.droppedQueue, 0);
  const span = (out[out.length - 1].deliverMs - out[0].deliverMs) / 1000;
  const bps = ((out.length - 1) * (172 + 28) * 8) / span;
  assert.ok(Math.abs(bps / bw - 1) < 0.02, `throughput ${bps} bit/s`);
});

test('bandwidth cap: an overfull queue drops the tail, bounded by queueLimitMs / queueLimitBytes', () => {
  const bw = 64_000;
  const seconds = 10;
  const byMs = new NetworkSimulator<number>({ bandwidthBps: bw, queueLimitMs: 200, seed: 1 });
  const out = drive(byMs, periodic(seconds * 80, 12.5));
  const s = byMs.stats;
  assert.ok(s.droppedQueue > 300, `dropped ${s.droppedQueue}`);
  assertInvariant(byMs);
  // the link stays busy: delivered ≈ cap × duration (+ what was queued at the end)
  const capPackets = (bw * seconds) / 1600;
  assert.ok(Math.abs(out.length - capPackets) <= 10, `delivered ${out.length}, cap ${capPackets}`);
  for (const d of out) assert.ok(d.deliverMs - d.sentMs <= 200 + 1e-9);
  assert.equal(countOutOfOrder(out), 0);

  // 1000 bytes = 5 packets of 200 wire bytes = 125 ms of backlog at most
  const byBytes = new NetworkSimulator<number>({ bandwidthBps: bw, queueLimitBytes: 1000, seed: 1 });
  const out2 = drive(byBytes, periodic(seconds * 80, 12.5));
  assert.ok(byBytes.stats.droppedQueue > 300);
  for (const d of out2) assert.ok(d.deliverMs - d.sentMs <= 125 + 1e-9);

  // a packet larger than the byte limit never fits
  const tiny = new NetworkSimulator<number>({ bandwidthBps: bw, queueLimitBytes: 100, seed: 1 });
  assert.equal(tiny.push(new Uint8Array(100), 0, 0), 0);
  assert.equal(tiny.stats.droppedQueue, 1);

  // under the cap nothing is dropped; the default queue limit is 1 s
  const under = new NetworkSimulator<number>({ bandwidthBps: bw, seed: 1 });
  assert.equal(under.config.queueLimitMs, 1000);
  drive(under, periodic(400, 30));
  assert.equal(under.stats.droppedQueue, 0);
});

test('push copies the datagram and returns the number of copies scheduled', () => {
  const sim = new NetworkSimulator<string>({ latencyMs: 5, seed: 1 });
  const buf = new Uint8Array([1, 2, 3]);
  assert.equal(sim.push(buf, 0, 'from-a'), 1);
  buf.fill(9);
  assert.equal(sim.nextDeliveryMs(), 5);
  assert.deepEqual(sim.poll(4.999), []);
  const [d] = sim.poll(5);
  assert.deepEqual([...d.data], [1, 2, 3]);
  assert.equal(d.meta, 'from-a');
  assert.equal(d.sentMs, 0);
  assert.equal(d.deliverMs, 5);
  assert.equal(sim.nextDeliveryMs(), undefined);
  // a subarray view is copied, not its whole buffer
  const big = new Uint8Array(100);
  sim.push(big.subarray(10, 14), 10);
  assert.equal(sim.poll(100)[0].data.byteLength, 4);
});

test('time: a late poll returns the due packets with their due times; time never goes back', () => {
  const sim = new NetworkSimulator<number>({ latencyMs: 10, seed: 1 });
  sim.push(new Uint8Array(1), 0, 0);
  sim.push(new Uint8Array(1), 5, 1);
  const late = sim.poll(100);
  assert.deepEqual(late.map((d) => d.deliverMs), [10, 15]);
  // pushing "in the past" is treated as now (100), so delivery is at 110, not 60
  sim.push(new Uint8Array(1), 50, 2);
  assert.equal(sim.nextDeliveryMs(), 110);
  assert.throws(() => sim.push(new Uint8Array(1), Number.NaN), RangeError);
  assert.throws(() => sim.poll(Infinity), RangeError);
});

test('invalid options throw ConfigError naming the option', () => {
  const cases: Array<[string, unknown]> = [
    ['lossPct', { lossPct: 150 }],
    ['lossPct', { lossPct: -1 }],
    ['lossPct', { lossPct: Number.NaN }],
    ['lossPct', { lossPct: '5' }],
    ['latencyMs', { latencyMs: -1 }],
    ['latencyMs', { latencyMs: Infinity }],
    ['jitterMs', { jitterMs: Number.NaN }],
    ['jitterReorders', { jitterReorders: 'yes' }],
    ['reorderPct', { reorderPct: 101 }],
    ['reorderDelayMs', { reorderDelayMs: -5 }],
    ['duplicatePct', { duplicatePct: -0.1 }],
    ['bandwidthBps', { bandwidthBps: -5 }],
    ['overheadBytes', { overheadBytes: 1.5 }],
    ['overheadBytes', { overheadBytes: -1 }],
    ['queueLimitBytes', { bandwidthBps: 1000, queueLimitBytes: 0 }],
    ['queueLimitMs', { bandwidthBps: 1000, queueLimitMs: -1 }],
    ['queueLimitMs', { queueLimitMs: 100 }],
    ['queueLimitBytes', { queueLimitBytes: 1000 }],
    ['seed', { seed: 1.5 }],
    ['seed', { seed: 2 ** 60 }],
    ['burstLoss', { burstLoss: 3 }],
    ['burstLoss.pGoodToBad', { burstLoss: { pGoodToBad: 2, pBadToGood: 0.5 } }],
    ['burstLoss.pBadToGood', { burstLoss: { pGoodToBad: 0.1 } }],
    ['burstLoss.lossInBad', { burstLoss: { pGoodToBad: 0.1, pBadToGood: 0.5, lossInBad: -1 } }],
    ['burstLoss.meanBurstLength', { burstLoss: { meanBurstLength: 0.5 } }],
    ['burstLoss.pGoodToBad', { burstLoss: { meanBurstLength: 2, pGoodToBad: 0.1 } }],
    ['burstLoss.typo', { burstLoss: { pGoodToBad: 0.1, pBadToGood: 0.5, typo: 1 } }],
    // bursts of mean 1 need lossPct ≤ 50
    ['lossPct', { lossPct: 60, burstLoss: { meanBurstLength: 1 } }],
    // an explicit chain sets the rate itself
    ['lossPct', { lossPct: 5, burstLoss: { pGoodToBad: 0.1, pBadToGood: 0.5 } }],
    // a misspelt option must not silently simulate a perfect network
    ['loss', { loss: 5 }],
  ];
  for (const [name, opts] of cases) {
    assert.throws(
      () => new NetworkSimulator(opts as NetworkSimulatorOptions),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name),
      `${JSON.stringify(opts)} should be rejected naming ${name}`,
    );
  }
  // the edges of the ranges are accepted, and undefined means the default
  new NetworkSimulator({ lossPct: 0, latencyMs: 0, jitterMs: 0, duplicatePct: 100, reorderPct: 100, seed: -3 });
  new NetworkSimulator({ lossPct: 50, burstLoss: { meanBurstLength: 1 } });
  new NetworkSimulator({ bandwidthBps: 0, lossPct: undefined, queueLimitMs: undefined });
  new NetworkSimulator({ bandwidthBps: 1000, queueLimitBytes: Infinity, queueLimitMs: Infinity });
});
