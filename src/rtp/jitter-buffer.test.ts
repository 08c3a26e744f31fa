import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { JitterBuffer, type JitterBufferOptions, type JitterInput, type PlayoutPacket, type PullResult } from './jitter-buffer.js';

// ---- helpers -------------------------------------------------------------------------------

/** Deterministic PRNG (mulberry32) so every run sees the same "network". */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pkt(seq: number, ts: number, extra: Partial<JitterInput> = {}): JitterInput {
  return {
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    marker: false,
    ssrc: 0x1234,
    payloadType: 0,
    payload: new Uint8Array(4),
    ...extra,
  };
}

interface Arrival {
  t: number;
  p: JitterInput;
}

/** A steady sender: `n` packets of `frameMs`, sent from `t0`, each arriving after `delay(i)`. */
function stream(
  n: number,
  opts: { clockRate?: number; frameMs?: number; seq0?: number; ts0?: number; t0?: number; delay?: (i: number) => number; extra?: Partial<JitterInput> } = {},
): Arrival[] {
  const rate = opts.clockRate ?? 8000;
  const frameMs = opts.frameMs ?? 20;
  const step = (rate * frameMs) / 1000;
  const out: Arrival[] = [];
  for (let i = 0; i < n; i++) {
    const sent = (opts.t0 ?? 0) + i * frameMs;
    out.push({ t: sent + (opts.delay ? opts.delay(i) : 5), p: pkt((opts.seq0 ?? 1000) + i, (opts.ts0 ?? 50_000) + i * step, opts.extra) });
  }
  return out;
}

interface RunResult {
  jb: JitterBuffer;
  pulls: PullResult[];
  delivered: PlayoutPacket[];
  /** Decoder FIFO (clock units) after each pull: must never go negative. */
  minFifo: number;
  maxFifo: number;
}

/**
 * Replays arrivals (any order) and pulls every `tickMs` until `untilMs`, modelling the decoder
 * FIFO: each pull must hand over at least the elapsed time's worth of media or concealment.
 */
function run(opts: JitterBufferOptions, arrivals: Arrival[], untilMs: number, tickMs = 10): RunResult {
  const jb = new JitterBuffer(opts);
  const sorted = [...arrivals].sort((a, b) => a.t - b.t);
  const pulls: PullResult[] = [];
  const delivered: PlayoutPacket[] = [];
  let i = 0;
  let fifo = 0;
  let minFifo = Infinity;
  let maxFifo = -Infinity;
  let lastPull: number | undefined;
  const start = sorted.length > 0 ? Math.floor(sorted[0].t / tickMs) * tickMs : 0;
  for (let now = start + tickMs; now <= untilMs; now += tickMs) {
    while (i < sorted.length && sorted[i].t <= now) {
      jb.put(sorted[i].p, sorted[i].t);
      if (lastPull === undefined) lastPull = sorted[i].t;
      i++;
    }
    const r = jb.pull(now);
    pulls.push(r);
    for (const it of r.items) fifo += it.kind === 'packet' ? it.packet.durationTs : it.durationTs;
    if (lastPull !== undefined) {
      fifo -= ((now - lastPull) * opts.clockRate) / 1000;
      lastPull = now;
      minFifo = Math.min(minFifo, fifo);
      maxFifo = Math.max(maxFifo, fifo);
    }
    delivered.push(...r.packets);
  }
  return { jb, pulls, delivered, minFifo, maxFifo };
}

function seqs(r: RunResult): number[] {
  return r.delivered.map((d) => d.packet.sequenceNumber);
}

function assertIncreasing(values: number[], what: string): void {
  for (let k = 1; k < values.length; k++) assert.ok(values[k] > values[k - 1], `${what} not increasing at ${k}: ${values[k - 1]} then ${values[k]}`);
}

const PCMU: JitterBufferOptions = { clockRate: 8000 };

// ---- tests ---------------------------------------------------------------------------------

test('steady stream: everything played in order, delay settles near minMs, decoder never starves', () => {
  const r = run(PCMU, stream(500), 500 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.received, 500);
  assert.equal(s.late, 0);
  assert.equal(s.lost, 0);
  assert.equal(s.duplicated, 0);
  // Coming down from nominal 80 to min 40 in continuous speech costs at most two 20 ms packets.
  assert.ok(s.skipped <= 2, `skipped ${s.skipped}`);
  assert.equal(s.delivered + s.skipped, 500);
  assertIncreasing(r.delivered.map((d) => d.extendedSequence), 'sequence');
  assert.ok(r.minFifo > -1e-6, `decoder FIFO went negative: ${r.minFifo}`);
  assert.ok(r.maxFifo <= 160 + 1e-6, `decoder FIFO above one frame: ${r.maxFifo}`);
  assert.ok(s.targetDelayMs >= 40 && s.targetDelayMs < 45, `target ${s.targetDelayMs}`);
  const tail = r.delivered.slice(-100);
  const meanTail = tail.reduce((a, d) => a + d.playoutMs - d.arrivalMs, 0) / tail.length;
  assert.ok(meanTail >= 30 && meanTail <= 60, `steady-state delay ${meanTail}`);
});

test('first packet plays nominalMs after it arrived', () => {
  const r = run({ clockRate: 8000, nominalMs: 100, minMs: 100, maxMs: 500 }, stream(20), 2000);
  const first = r.delivered[0];
  assert.ok(Math.abs(first.playoutMs - first.arrivalMs - 100) <= 10, `first delay ${first.playoutMs - first.arrivalMs}`);
});

test('reordering: packets overtaken by their successors are put back in order', () => {
  // Every odd packet arrives 15 ms late, after its successor.
  const r = run(PCMU, stream(300, { delay: (i) => (i % 2 === 1 ? 20 : 5) }), 300 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.late, 0);
  assert.equal(s.lost, 0);
  assertIncreasing(seqs(r), 'sequence');
});

test('reordering at the very start: an older packet arriving second is still played', () => {
  const a = stream(50);
  a[0] = { ...a[0], t: a[1].t + 3 };
  const r = run(PCMU, a, 50 * 20 + 1500);
  assert.equal(r.jb.getStats().late, 0);
  assert.equal(seqs(r)[0], 1000);
  assertIncreasing(seqs(r), 'sequence');
});

test('duplicates are dropped and counted', () => {
  const a = stream(200);
  const dups = a.map((x) => ({ t: x.t + 3, p: { ...x.p } }));
  const r = run(PCMU, [...a, ...dups], 200 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.duplicated, 200);
  assert.equal(s.received, 200);
  assert.equal(new Set(seqs(r)).size, seqs(r).length);
});

test('loss: the missing span is concealed once, with the number of packets, then playback continues', () => {
  const a = stream(300).filter((x) => x.p.sequenceNumber !== 1250);
  const r = run(PCMU, a, 300 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.lost, 1);
  assert.equal(s.late, 0);
  const loss = r.pulls.flatMap((p) => p.items).filter((it) => it.kind === 'conceal' && it.reason === 'loss');
  const lossTs = loss.reduce((a, it) => a + (it.kind === 'conceal' ? it.durationTs : 0), 0);
  assert.equal(lossTs, 160, 'one 20 ms frame concealed');
  assert.equal(r.pulls.reduce((a, p) => a + p.lostPackets, 0), 1);
  // The loss item sits between 1049 and 1051 in playout order.
  const order = r.pulls.flatMap((p) => p.items).map((it) => (it.kind === 'packet' ? String(it.packet.packet.sequenceNumber) : it.reason));
  const k = order.indexOf('1249');
  assert.deepEqual(order.slice(k, k + 3), ['1249', 'loss', '1251']);
});

test('a packet arriving after its playout time is late, dropped, and no longer counted lost', () => {
  const a = stream(100).map((x) => (x.p.sequenceNumber === 1050 ? { ...x, t: x.t + 600 } : x));
  const r = run(PCMU, a, 100 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.late, 1);
  assert.equal(s.lost, 0);
  assert.ok(!seqs(r).includes(1050));
});

test('sequence number wrap 65535 → 0', () => {
  const r = run(PCMU, stream(300, { seq0: 65_400 }), 300 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.lost, 0);
  assert.equal(s.late, 0);
  assertIncreasing(r.delivered.map((d) => d.extendedSequence), 'extended sequence');
  assert.ok(seqs(r).includes(65_535) && seqs(r).includes(0));
});

test('timestamp wrap at 2^32', () => {
  const r = run(PCMU, stream(300, { ts0: 2 ** 32 - 160 * 100 }), 300 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.lost, 0);
  assert.equal(s.late, 0);
  assert.equal(s.silenceMs, 0);
  assert.equal(s.resyncs, 0);
  const ext = r.delivered.map((d) => d.extendedTimestamp);
  assertIncreasing(ext, 'extended timestamp');
  for (let k = 1; k < ext.length; k++) assert.ok(ext[k] - ext[k - 1] <= 320);
});

test('timestamp jump (sender clock restarted) is re-based: no silence, nothing late', () => {
  // Far forward, far backward, and 2 s backward (less than timestampJumpMs, but time runs back).
  for (const jump of [50_000_000, -30_000_000, -16_000]) {
    const a = stream(300).map((x, i) => (i >= 150 ? { ...x, p: { ...x.p, timestamp: (x.p.timestamp + jump) >>> 0 } } : x));
    const r = run(PCMU, a, 300 * 20 + 1500);
    const s = r.jb.getStats();
    assert.equal(s.resyncs, 1, `jump ${jump}`);
    assert.equal(s.late, 0);
    assert.equal(s.lost, 0);
    assert.ok(s.silenceMs < 50, `silence ${s.silenceMs} after jump ${jump}`);
    assert.ok(s.delivered + s.skipped === 300);
    assertIncreasing(r.delivered.map((d) => d.extendedTimestamp), 'extended timestamp');
  }
});

test('SSRC change resets the stream: the new source plays, the old queue is flushed', () => {
  const a = stream(100);
  const b = stream(100, { t0: 100 * 20, seq0: 7, ts0: 999_999, extra: { ssrc: 0xbeef } });
  const r = run(PCMU, [...a, ...b], 200 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.ssrcChanges, 1);
  assert.equal(s.late, 0);
  assert.equal(s.lost, 0);
  const newOnes = r.delivered.filter((d) => d.packet.ssrc === 0xbeef);
  assert.ok(newOnes.length >= 97, `new stream played: ${newOnes.length}`);
  assert.equal(newOnes[0].extendedTimestamp, 0);
  // Whatever of the old source was still queued is counted as discarded.
  assert.equal(s.delivered + s.skipped + s.discarded, 200);
  assert.ok(r.minFifo > -1e-6, `decoder FIFO went negative: ${r.minFifo}`);
});

test('sequence jump beyond MAX_DROPOUT restarts only when the next packet confirms it (RFC 3550 A.1)', () => {
  const a = stream(100);
  const stray = { t: 1001, p: pkt(40_000, 123) }; // one corrupt packet
  const b = stream(100, { t0: 100 * 20, seq0: 30_000, ts0: 77_000 });
  const r = run(PCMU, [...a, stray, ...b], 200 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.invalid, 2, 'the stray packet and the first of the new run are held back');
  assert.equal(s.resyncs, 1);
  assert.ok(r.delivered.some((d) => d.packet.sequenceNumber === 30_050));
});

test('marker bit after silence: the talkspurt starts at the target delay, not at the silence length', () => {
  const first = stream(50);
  // 3 s of silence: nothing sent. The next talkspurt's timestamps jump by the silence.
  const second = stream(50, { t0: 50 * 20 + 3000, seq0: 1050, ts0: 50_000 + (50 * 20 + 3000) * 8 }).map((x, i) =>
    i === 0 ? { ...x, p: { ...x.p, marker: true } } : x,
  );
  const r = run(PCMU, [...first, ...second], 100 * 20 + 3000 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.late, 0);
  assert.equal(s.lost, 0);
  const start = r.delivered.find((d) => d.packet.sequenceNumber === 1050);
  assert.ok(start, 'first packet of the talkspurt played');
  const d = start.playoutMs - start.arrivalMs;
  assert.ok(d >= 20 && d <= s.targetDelayMs + 30, `talkspurt start delay ${d} (target ${s.targetDelayMs})`);
  assert.equal(s.skipped, 0, 'the excess built while silent is shed in the silence, for free');
});

test('marker bit after a lost end of talkspurt: the missing packets are concealed, the rest is silence', () => {
  const first = stream(50).filter((x) => x.p.sequenceNumber < 1048); // 1048, 1049 lost
  // 400 ms of silence: shorter than what the buffer may hold while dry.
  const second = stream(50, { t0: 50 * 20 + 400, seq0: 1050, ts0: 50_000 + (50 * 20 + 400) * 8 }).map((x, i) =>
    i === 0 ? { ...x, p: { ...x.p, marker: true } } : x,
  );
  const r = run(PCMU, [...first, ...second], 100 * 20 + 400 + 1500);
  const items = r.pulls.flatMap((p) => p.items);
  const lossTs = items.reduce((a, it) => a + (it.kind === 'conceal' && it.reason === 'loss' ? it.durationTs : 0), 0);
  assert.equal(lossTs, 2 * 160);
  assert.equal(r.jb.getStats().lost, 2);
});

test('DTX: a sender that pauses is shed in its pauses, never by dropping speech', () => {
  // Talkspurts of 1 s separated by 600 ms pauses; the network adds a 300 ms spike once.
  const a: Arrival[] = [];
  let seq = 0;
  let t = 0;
  for (let spurt = 0; spurt < 20; spurt++) {
    for (let i = 0; i < 50; i++) {
      const delay = spurt === 3 && i < 10 ? 300 - i * 20 : 5;
      a.push({ t: t + delay, p: pkt(seq++, t * 8, { marker: i === 0 }) });
      t += 20;
    }
    t += 600;
  }
  const r = run(PCMU, a, t + 1500);
  const s = r.jb.getStats();
  assert.equal(s.late, 0);
  assert.equal(s.lost, 0);
  assert.equal(s.skipped, 0);
  assert.ok(s.silenceMs > 0);
  const tail = r.delivered.slice(-50);
  const meanTail = tail.reduce((x, d) => x + d.playoutMs - d.arrivalMs, 0) / tail.length;
  assert.ok(meanTail < 100, `delay back down after the spike: ${meanTail}`);
});

test('network stall then burst: the buffer holds instead of declaring the stalled packets late', () => {
  // 500 ms stall at t = 2 s: packets sent meanwhile arrive together when it ends.
  const a = stream(300, { delay: (i) => (i >= 100 && i < 125 ? 2000 + 500 - i * 20 + 5 : 5) });
  const r = run(PCMU, a, 300 * 20 + 2000);
  const s = r.jb.getStats();
  assert.equal(s.late, 0);
  assert.equal(s.lost, 0);
  assert.ok(s.underruns >= 1);
  assert.ok(s.concealedMs.underrun >= 400, `concealed during the stall: ${s.concealedMs.underrun}`);
  assertIncreasing(seqs(r), 'sequence');
  assert.ok(r.minFifo > -1e-6);
});

test('adaptive target: jumps up at once on a delay spike, comes down slowly', () => {
  const spikeAt = 300; // packet index (t = 6 s)
  const a = stream(3000, { delay: (i) => (i >= spikeAt && i < spikeAt + 15 ? 5 + 300 - (i - spikeAt) * 20 : 5) });
  const jb = new JitterBuffer(PCMU);
  const sorted = [...a].sort((x, y) => x.t - y.t);
  let k = 0;
  const targetAt = new Map<number, number>();
  for (let now = 10; now <= 3000 * 20 + 1000; now += 10) {
    while (k < sorted.length && sorted[k].t <= now) jb.put(sorted[k].p, sorted[k++].t);
    jb.pull(now);
    targetAt.set(now, jb.getStats().targetDelayMs);
  }
  const before = targetAt.get(spikeAt * 20) ?? NaN;
  const atSpike = targetAt.get(spikeAt * 20 + 320) ?? NaN;
  const after2s = targetAt.get(spikeAt * 20 + 2300) ?? NaN;
  const after30s = targetAt.get(spikeAt * 20 + 30_000) ?? NaN;
  assert.ok(before < 50, `before ${before}`);
  assert.ok(atSpike >= 290, `target right after the spike: ${atSpike}`);
  assert.ok(after2s > 200 && after2s < atSpike, `2 s later it is still high: ${after2s}`);
  assert.ok(after30s < 100, `30 s later it is back down: ${after30s}`);
  assert.equal(jb.getStats().late, 0);
});

test('random jitter with reordering: few late packets, bounded delay', () => {
  const rnd = prng(42);
  const a = stream(3000, { delay: () => 5 + rnd() * 80 });
  const r = run(PCMU, a, 3000 * 20 + 2000);
  const s = r.jb.getStats();
  assert.ok(s.late <= 15, `late ${s.late} of 3000`);
  assert.ok(s.meanDelayMs < 150, `mean delay ${s.meanDelayMs}`);
  assert.ok(s.skipped < 60, `skipped ${s.skipped}`);
  assertIncreasing(seqs(r), 'sequence');
  assert.ok(r.minFifo > -1e-6);
});

for (const drift of [0.01, -0.01]) {
  test(`sender clock drift ${drift > 0 ? '+' : ''}${drift * 100}%: the buffer neither grows nor empties over 5 minutes`, () => {
    const rnd = prng(7);
    // The sender's 20 ms frames take 20/(1+drift) ms of our time.
    const frameLocal = 20 / (1 + drift);
    const a: Arrival[] = [];
    const n = 15_000;
    for (let i = 0; i < n; i++) a.push({ t: i * frameLocal + 5 + rnd() * 20, p: pkt(i, i * 160) });
    const r = run(PCMU, a, n * frameLocal + 1500);
    const s = r.jb.getStats();
    assert.ok(Math.abs(s.clockRatio - (1 + drift)) < 0.002, `clock ratio ${s.clockRatio}`);
    assert.ok(s.late <= 10, `late ${s.late}`);
    // The delay at the end is as at the start: about the target, not minutes of backlog.
    const early = r.delivered.slice(500, 1000);
    const late = r.delivered.slice(-1000, -500);
    const mean = (xs: PlayoutPacket[]): number => xs.reduce((x, d) => x + d.playoutMs - d.arrivalMs, 0) / xs.length;
    assert.ok(mean(late) < 120 && mean(late) > 5, `delay at the end ${mean(late)}`);
    assert.ok(Math.abs(mean(late) - mean(early)) < 60, `delay drifted from ${mean(early)} to ${mean(late)}`);
    if (drift > 0) {
      // 1 % too much media: about 1 % of the packets must go.
      assert.ok(s.skipped > 0.005 * n && s.skipped < 0.02 * n, `skipped ${s.skipped}`);
    } else {
      // 1 % too little: about 1 % of the time is concealed.
      const concealed = s.concealedMs.underrun + s.concealedMs.loss;
      assert.ok(concealed > 0.005 * n * 20 && concealed < 0.03 * n * 20, `concealed ${concealed} ms`);
    }
  });
}

test('fixed buffer (adaptive false): keeps nominalMs, packets beyond it are late', () => {
  const a = stream(500, { delay: (i) => (i % 50 === 25 ? 200 : 5) });
  const r = run({ clockRate: 8000, adaptive: false, nominalMs: 60 }, a, 500 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.late, 10);
  assert.equal(s.targetDelayMs, 60);
  const tail = r.delivered.slice(-50);
  const meanTail = tail.reduce((x, d) => x + d.playoutMs - d.arrivalMs, 0) / tail.length;
  assert.ok(Math.abs(meanTail - 60) < 25, `delay ${meanTail}`);
});

test('overflow: a receiver that stops pulling loses the oldest packets, counted as discarded', () => {
  const jb = new JitterBuffer({ clockRate: 8000, maxPackets: 64 });
  for (const x of stream(400)) jb.put(x.p, x.t);
  assert.equal(jb.size, 64);
  assert.equal(jb.getStats().discarded, 336);
});

test('malformed input is counted, never thrown', () => {
  const jb = new JitterBuffer(PCMU);
  assert.equal(jb.put(pkt(1, 1), Number.NaN), 'invalid');
  assert.equal(jb.put({ ...pkt(1, 1), sequenceNumber: 70_000 }, 0), 'invalid');
  assert.equal(jb.put({ ...pkt(1, 1), timestamp: -1 }, 0), 'invalid');
  assert.equal(jb.getStats().invalid, 3);
  assert.deepEqual(jb.pull(100).items, []);
});

test('a sender that changes its ptime (20 → 60 ms) is followed within a few packets', () => {
  const a = [
    ...stream(100),
    ...stream(100, { t0: 100 * 20, frameMs: 60, seq0: 1100, ts0: 50_000 + 100 * 160 }),
  ];
  const r = run(PCMU, a, 100 * 20 + 100 * 60 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.lost, 0);
  assert.equal(s.late, 0);
  // Until four 60 ms steps have been seen, the buffer may take the extra 40 ms for silence.
  assert.ok(s.silenceMs <= 4 * 40 + 1, `silence ${s.silenceMs}`);
});

test('a packet stuck for seconds behind a hundred others is late, not a stream restart', () => {
  // Packets 1100 and 1101 arrive 4 s late, after 200 newer ones (beyond MAX_MISORDER).
  const a = stream(400).map((x) => (x.p.sequenceNumber === 1100 || x.p.sequenceNumber === 1101 ? { ...x, t: x.t + 4000 } : x));
  const r = run(PCMU, a, 400 * 20 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.late, 2);
  assert.equal(s.resyncs, 0);
  assert.equal(s.lost, 0);
  assert.equal(s.invalid, 0);
});

test('variable packet durations given by the caller are honoured', () => {
  // 20, 40, 60 ms packets in turn (as an Opus sender may do), no silence between.
  const a: Arrival[] = [];
  let ts = 0;
  for (let i = 0; i < 300; i++) {
    const dur = [960, 1920, 2880][i % 3];
    a.push({ t: (ts / 48) + 5, p: pkt(i, ts, { durationTs: dur }) });
    ts += dur;
  }
  const r = run({ clockRate: 48000 }, a, ts / 48 + 1500);
  const s = r.jb.getStats();
  assert.equal(s.silenceMs, 0);
  assert.equal(s.lost, 0);
  assert.equal(s.late, 0);
  assert.ok(r.minFifo > -1e-6);
});

test('options are checked, and errors name the option', () => {
  const bad: [Partial<JitterBufferOptions>, RegExp][] = [
    [{ clockRate: 0 }, /clockRate/],
    [{ clockRate: 8000.5 }, /clockRate/],
    [{ clockRate: 8000, nominalMs: 600, maxMs: 500 }, /nominalMs/],
    [{ clockRate: 8000, minMs: 90 }, /minMs/],
    [{ clockRate: 8000, maxMs: -1 }, /maxMs/],
    [{ clockRate: 8000, windowMs: 10 }, /windowMs/],
    [{ clockRate: 8000, rampDownMsPerSecond: Number.NaN }, /rampDownMsPerSecond/],
    [{ clockRate: 8000, rampDownTimeConstantMs: -5 }, /rampDownTimeConstantMs/],
    [{ clockRate: 8000, headroomMs: 1e6 }, /headroomMs/],
    [{ clockRate: 8000, maxPackets: 3.5 }, /maxPackets/],
    [{ clockRate: 8000, timestampJumpMs: 10 }, /timestampJumpMs/],
    [{ clockRate: 8000, maxClockDrift: 0.5 }, /maxClockDrift/],
  ];
  for (const [o, re] of bad) {
    assert.throws(
      () => new JitterBuffer(o as JitterBufferOptions),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
      JSON.stringify(o),
    );
  }
  const jb = new JitterBuffer({ clockRate: 48000, nominalMs: 20 });
  assert.equal(jb.minMs, 20, 'minMs defaults to min(40, nominalMs)');
  assert.equal(jb.maxMs, 1000);
});
