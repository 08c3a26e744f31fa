import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RealClock, VirtualClock } from '../core/clock.js';
import { ConfigError, NetworkError } from '../core/errors.js';
import type { RemoteAddress } from './demux.js';
import { ImpairedTransport, type LoopbackPair, type LoopbackPairOptions, LoopbackTransport } from './impaired-transport.js';
import { type Transport, UdpTransport } from './udp-transport.js';

/** An RTP-looking datagram (first byte 0x80, PT 0) carrying a sequence number and its send time. */
function stamped(seq: number, sentMs: number, size = 172): Uint8Array {
  const p = new Uint8Array(size);
  const dv = new DataView(p.buffer);
  p[0] = 0x80;
  dv.setUint32(4, seq);
  dv.setFloat64(12, sentMs);
  return p;
}

function readStamp(p: Uint8Array): { seq: number; sentMs: number } {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return { seq: dv.getUint32(4), sentMs: dv.getFloat64(12) };
}

interface Arrival {
  seq: number;
  sentMs: number;
  arrivalMs: number;
  handledAt: number;
  from: RemoteAddress;
}

/** Records the RTP datagrams reaching `t`'s demux; `now` stamps when the handler ran. */
function collect(t: Transport, now: () => number = () => performance.now()): Arrival[] {
  const out: Arrival[] = [];
  t.demux.register('rtp', (data, from, arrivalMs) => {
    const { seq, sentMs } = readStamp(data);
    out.push({ seq, sentMs, arrivalMs, handledAt: now(), from });
  });
  return out;
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('impaired UDP transport drops about the configured loss over 2000 packets', async () => {
  const sender = await ImpairedTransport.bind({ address: '127.0.0.1' }, { outgoing: { lossPct: 10, seed: 42 } });
  const receiver = await UdpTransport.bind({ address: '127.0.0.1' });
  try {
    const got = collect(receiver);
    const N = 2000;
    for (let i = 0; i < N; i++) {
      sender.send(stamped(i, performance.now()), receiver.localAddress);
      // Let the receiver drain now and then, so that the only losses are the simulated ones.
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    const sim = sender.outgoing;
    assert.ok(sim);
    await waitFor('all surviving packets', () => got.length === sim.stats.delivered);
    const lost = N - got.length;
    assert.equal(sim.stats.offered, N);
    assert.equal(sim.stats.droppedLoss, lost);
    // Binomial(2000, 0.1): σ ≈ 13.4 packets; ±4σ.
    assert.ok(lost >= 146 && lost <= 254, `lost ${lost} of ${N}, expected ~200`);
    // Loss only: no delay, so nothing waited for a timer, and the order is kept.
    assert.equal(sender.nextDeliveryMs(), undefined);
    for (let i = 1; i < got.length; i++) assert.ok(got[i].seq > got[i - 1].seq);
    assert.deepEqual(sender.stats.sent, { packets: N, bytes: N * 172 });
    await waitFor('send completions', () => sender.inner.stats.sent.packets === got.length);
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
  }
});

test('impaired UDP transport delays by the latency, both directions, in real time', async () => {
  const a = await ImpairedTransport.bind({ address: '127.0.0.1' }, { outgoing: { latencyMs: 30, seed: 1 } });
  const b = await ImpairedTransport.bind({ address: '127.0.0.1' }, { incoming: { latencyMs: 50, seed: 2 } });
  try {
    const atB = collect(b);
    const atA = collect(a);
    for (let i = 0; i < 10; i++) {
      a.send(stamped(i, performance.now()), b.localAddress);
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('10 delayed datagrams', () => atB.length === 10);
    for (const g of atB) {
      const delay = g.arrivalMs - g.sentMs;
      // 30 ms on a's way out + 50 ms on b's way in, plus the 30 ms timer's lateness (the incoming
      // simulator is pushed when the datagram actually reaches b's socket).
      // The upper bound only guards against gross errors: a loaded CI machine delays timers.
      assert.ok(delay >= 80 && delay < 80 + 250, `simulated one-way delay ${delay.toFixed(1)} ms, expected 80 plus timer lateness`);
      // The handler sees the simulated arrival time and runs at or after it.
      assert.ok(g.handledAt >= g.arrivalMs - 1, `handled at ${g.handledAt}, due ${g.arrivalMs}`);
      assert.equal(g.from.port, a.localAddress.port);
    }
    // And back: b's outgoing is not impaired, a's incoming neither.
    b.send(stamped(99, performance.now()), a.localAddress);
    assert.equal(b.nextDeliveryMs(), undefined, "b's outgoing side is not impaired: sent at once");
    await waitFor('the unimpaired way back', () => atA.length === 1);
    assert.equal(a.incoming, undefined);
    assert.equal(b.incoming?.stats.delivered, 10);
    assert.deepEqual(b.stats.received, { packets: 10, bytes: 1720 });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  assert.equal(a.closed, true);
  assert.equal(a.inner.closed, true, 'the wrapper owns and closes its transport');
});

test('impaired transport in virtual time, stacked on a loopback pair: nothing moves until polled', () => {
  const clock = new VirtualClock(0);
  const pair = LoopbackTransport.pair({ clock });
  const a = new ImpairedTransport(pair.a, { clock, outgoing: { latencyMs: 30, seed: 1 }, incoming: { latencyMs: 10, seed: 2 } });
  const atB = collect(pair.b, () => clock.now());
  const atA = collect(a, () => clock.now());
  assert.equal(a.demux, pair.a.demux, 'the wrapper feeds the demux of the transport it wraps');

  a.send(stamped(1, 0), pair.b.localAddress);
  pair.b.send(stamped(2, 0), pair.a.localAddress);
  const step = (t: number): void => {
    clock.advanceTo(t);
    a.poll();
    pair.poll();
  };
  step(0);
  assert.equal(atA.length + atB.length, 0, 'nothing due yet');
  // b's datagram crossed the (unimpaired) loopback at 0 and now waits in a.incoming until 10.
  assert.equal(a.nextDeliveryMs(), 10);
  step(9);
  assert.equal(atA.length, 0);
  step(10);
  assert.equal(atA.length, 1, 'b → a: loopback (0 ms) then a.incoming (10 ms)');
  assert.equal(atA[0].arrivalMs, 10);
  step(29.9);
  assert.equal(atB.length, 0);
  step(30);
  assert.equal(atB.length, 1, 'a → b: a.outgoing (30 ms), then the loopback at the next poll');
  assert.equal(atB[0].arrivalMs, 30);
  assert.deepEqual(atB[0].from, pair.a.localAddress);
});

/**
 * A call between the two ends of a loopback pair: both send a 172-byte packet every 20 ms for
 * `seconds`, polled every 20 ms (a virtual ticker would poll every 10 ms; the result is the same).
 */
interface CallRun {
  atA: Arrival[];
  atB: Arrival[];
  pollTimes: number[];
  pair: LoopbackPair;
}

function runCall(options: LoopbackPairOptions, seconds: number): CallRun {
  const clock = new VirtualClock(0);
  const pair = LoopbackTransport.pair({ ...options, clock });
  const atA = collect(pair.a, () => clock.now());
  const atB = collect(pair.b, () => clock.now());
  const pollTimes: number[] = [];
  // One reused buffer, as the RTP sender has: the link copies what it needs.
  const buf = stamped(0, 0);
  const dv = new DataView(buf.buffer);
  const packets = (seconds * 1000) / 20;
  for (let i = 0; i < packets; i++) {
    const t = i * 20;
    clock.advanceTo(t);
    pair.poll();
    pollTimes.push(t);
    dv.setUint32(4, i);
    dv.setFloat64(12, t);
    pair.a.send(buf, pair.b.localAddress);
    pair.b.send(buf, pair.a.localAddress);
  }
  const end = packets * 20 + 1000;
  clock.advanceTo(end);
  pair.poll();
  pollTimes.push(end);
  return { atA, atB, pollTimes, pair };
}

function digest(arrivals: Arrival[]): string {
  const h = createHash('sha256');
  for (const a of arrivals) h.update(`${a.seq}@${a.arrivalMs};`);
  return h.digest('hex');
}

test('loopback pair: a one-hour call under loss and jitter runs in seconds, deterministically', () => {
  const options: LoopbackPairOptions = {
    aToB: { lossPct: 5, latencyMs: 40, jitterMs: 10, seed: 7 },
    bToA: { lossPct: 2, latencyMs: 25, seed: 8 },
  };
  const t0 = performance.now();
  const run1 = runCall(options, 3600);
  const elapsed = performance.now() - t0;
  const N = 180_000;
  const { atA, atB, pair } = run1;
  const lastTickPoll = run1.pollTimes[run1.pollTimes.length - 2];

  assert.equal(atB.length, pair.aToB.stats.delivered);
  assert.equal(atA.length, pair.bToA.stats.delivered);
  const lossB = 1 - atB.length / N;
  const lossA = 1 - atA.length / N;
  assert.ok(Math.abs(lossB - 0.05) < 0.004, `a → b loss ${(lossB * 100).toFixed(2)} %, configured 5 %`);
  assert.ok(Math.abs(lossA - 0.02) < 0.003, `b → a loss ${(lossA * 100).toFixed(2)} %, configured 2 %`);

  // Checked with plain ifs: 170 000 assert calls with formatted messages would cost more than
  // the simulation.
  for (let i = 0; i < atB.length; i++) {
    const g = atB[i];
    const d = g.arrivalMs - g.sentMs;
    if (!(d >= 40 && d <= 50)) assert.fail(`a → b delay ${d} of #${g.seq} not in [40, 50]`);
    const firstPollAfter = g.arrivalMs <= lastTickPoll ? Math.ceil(g.arrivalMs / 20) * 20 : run1.pollTimes[run1.pollTimes.length - 1];
    if (g.handledAt !== firstPollAfter) {
      assert.fail(`#${g.seq} due at ${g.arrivalMs} was delivered at ${g.handledAt}, not at the first poll at or after it (${firstPollAfter})`);
    }
    if (i > 0 && g.seq <= atB[i - 1].seq) assert.fail(`#${g.seq} after #${atB[i - 1].seq}: jitter must not reorder by default`);
  }
  assert.deepEqual(atB[0].from, pair.a.localAddress);
  for (const g of atA) if (g.arrivalMs - g.sentMs !== 25) assert.fail(`b → a delay ${g.arrivalMs - g.sentMs}, expected 25`);

  const run2 = runCall(options, 3600);
  assert.equal(digest(run2.atB), digest(atB), 'same seeds, same packets at the same times');
  assert.equal(digest(run2.atA), digest(atA));
  console.error(`loopback: one hour of a two-way 50 pps call simulated in ${(elapsed / 1000).toFixed(2)} s`);
  assert.ok(elapsed < 30_000, `one simulated hour took ${elapsed.toFixed(0)} ms`);
});

test('loopback pair: delivery waits for a poll, and an answer sent by a handler leaves at the arrival time', () => {
  const pair = LoopbackTransport.pair({ aToB: { latencyMs: 10, seed: 1 }, bToA: { latencyMs: 15, seed: 2 } });
  // b echoes what it receives, at once.
  pair.b.demux.register('rtp', (data) => pair.b.send(data, pair.a.localAddress));
  const atA = collect(pair.a, () => -1);
  pair.poll(100);
  pair.a.send(stamped(1, 100), pair.b.localAddress);
  assert.equal(pair.b.demux.stats.received, 0, 'not delivered inside send()');
  assert.equal(pair.nextDeliveryMs(), 110);
  // One poll far enough ahead runs the whole exchange in order of simulated time.
  pair.poll(1000);
  assert.equal(atA.length, 1);
  assert.equal(atA[0].arrivalMs, 125, 'sent at 100, echoed on arrival at 110, back at 125');

  // Unimpaired by default: zero delay, still only at the next poll.
  const plain = LoopbackTransport.pair({ a: { address: '::1', port: 5004 }, b: { address: '::1', port: 6004 } });
  const got = collect(plain.b, () => -1);
  plain.poll(7);
  plain.a.send(stamped(5, 7), { address: '::1', port: 6004 });
  assert.equal(got.length, 0);
  plain.b.poll(7);
  assert.equal(got.length, 1);
  assert.equal(got[0].arrivalMs, 7);
  assert.deepEqual(got[0].from, { address: '::1', port: 5004, family: 'IPv6' });
});

test('loopback pair: wrong destinations and closed endpoints are send errors, never throws', async () => {
  const pair = LoopbackTransport.pair();
  const errors: NetworkError[] = [];
  pair.a.on('error', (e) => errors.push(e));
  pair.a.send(stamped(1, 0), { address: '127.0.0.1', port: 1 });
  assert.equal(pair.a.stats.sendErrors, 1);
  assert.match(errors[0].message, /^loopback 127\.0\.0\.1:40000: cannot send to 127\.0\.0\.1:1: no loopback endpoint has that address$/);
  pair.a.send(stamped(2, 0), pair.a.localAddress);
  assert.equal(pair.a.stats.sendErrors, 2, 'not to itself either');

  // In flight when the far end closes: dropped, as by a closed socket.
  const got = collect(pair.b, () => 0);
  pair.a.send(stamped(3, 0), pair.b.localAddress);
  await pair.b.close();
  pair.poll(1);
  assert.equal(got.length, 0);
  await pair.close();
  pair.a.send(stamped(4, 0), pair.b.localAddress);
  assert.match(errors[2].message, /the transport is closed/);
  assert.deepEqual(pair.a.stats.sent, { packets: 1, bytes: 172 });
});

test('loopback pair with a real clock delivers by timer at the simulated time', async () => {
  const pair = LoopbackTransport.pair({ clock: new RealClock(), aToB: { latencyMs: 20, seed: 1 } });
  try {
    const got = collect(pair.b);
    const t0 = performance.now();
    pair.a.send(stamped(1, t0), pair.b.localAddress);
    await waitFor('the timer', () => got.length === 1);
    assert.ok(Math.abs(got[0].arrivalMs - (t0 + 20)) < 1, `arrival ${got[0].arrivalMs - t0} ms after sending`);
    assert.ok(got[0].handledAt >= got[0].arrivalMs - 1);
  } finally {
    await pair.close();
  }
});

test('impaired and loopback options are checked before anything is bound', async () => {
  await assert.rejects(ImpairedTransport.bind({ address: '127.0.0.1' }, { outgoing: { lossPct: 150 } }), (err: unknown) => {
    return err instanceof ConfigError && /lossPct/.test(err.message);
  });
  assert.throws(() => LoopbackTransport.pair({ a: { port: 5000 }, b: { port: 5000 } }), ConfigError);
  assert.throws(() => LoopbackTransport.pair({ a: { address: 'localhost' } }), /numeric IP address/);
  assert.throws(() => LoopbackTransport.pair({ bToA: { latencyMs: -1 } }), ConfigError);
});
