import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../core/random.js';
import { MAX_DROPOUT, SeqStatus, SourceStats } from './source-stats.js';

const RATE = 8000;
const PTIME_TS = 160; // 20 ms at 8 kHz

/** Feeds in-sequence packets seq0.., 20 ms apart, timestamps in step. */
function feed(s: SourceStats, seq0: number, n: number, t0 = 0, ts0 = 1000): SeqStatus[] {
  const out: SeqStatus[] = [];
  for (let i = 0; i < n; i++) out.push(s.update((seq0 + i) & 0xffff, (ts0 + i * PTIME_TS) >>> 0, 100, t0 + i * 20));
  return out;
}

test('A.1 probation: a new source needs two packets in sequence; the run is then counted', () => {
  const s = new SourceStats(1, RATE);
  assert.equal(s.update(500, 0, 10, 0), SeqStatus.PROBATION);
  assert.equal(s.valid, false);
  assert.equal(s.packets, 0);
  assert.equal(s.expected, 0);
  assert.equal(s.update(501, 160, 10, 20), SeqStatus.VALID);
  assert.equal(s.valid, true);
  assert.equal(s.packets, 2);
  assert.equal(s.bytes, 20);
  assert.equal(s.expected, 2);
  assert.equal(s.lost, 0);
  assert.equal(s.extendedHighestSequence, 501);
  // Out of sequence during probation restarts the run at that packet.
  const t = new SourceStats(2, RATE);
  assert.equal(t.update(10, 0, 1, 0), SeqStatus.PROBATION);
  assert.equal(t.update(20, 0, 1, 20), SeqStatus.PROBATION);
  assert.equal(t.update(20, 0, 1, 20), SeqStatus.PROBATION, 'a repeat is not in sequence');
  assert.equal(t.update(21, 0, 1, 40), SeqStatus.VALID);
  assert.equal(t.packets, 2);
  assert.equal(t.expected, 2);
  // Without probation the first packet counts.
  const u = new SourceStats(3, RATE, { probation: false });
  assert.equal(u.update(7, 123456, 5, 5000), SeqStatus.VALID);
  assert.deepEqual([u.packets, u.expected, u.lost], [1, 1, 0]);
  u.update(8, 123456 + 160, 5, 5020);
  assert.equal(u.timestampSkew, 0, 'skew measured from the first packet');
  // A run across the wrap.
  const w = new SourceStats(4, RATE);
  feed(w, 65535, 3);
  assert.deepEqual([w.packets, w.expected, w.extendedHighestSequence], [3, 3, 65537]);
});

test('A.3: sequence wrap, expected, cumulative lost, fraction lost per interval', () => {
  const s = new SourceStats(1, RATE);
  // 65500 .. 65535, 0 .. 63 = 100 packets, every 10th lost.
  let n = 0;
  for (let i = 0; i < 100; i++) {
    if (i % 10 === 5) continue;
    s.update((65500 + i) & 0xffff, i * PTIME_TS, 50, i * 20);
    n++;
  }
  assert.equal(s.extendedHighestSequence, 65536 + 63);
  assert.equal(s.highestSequence, 63);
  assert.equal(s.expected, 100);
  assert.equal(s.packets, n);
  assert.equal(s.lost, 10);
  const rr = s.makeReceptionReport(2000);
  assert.equal(rr.ssrc, 1);
  assert.equal(rr.highestSequence, 0x1003f, 'cycle count in the high 16 bits');
  assert.equal(rr.cumulativeLost, 10);
  assert.equal(rr.fractionLost, Math.floor((10 * 256) / 100));
  assert.equal(rr.lsr, 0);
  assert.equal(rr.dlsr, 0);
  // Next interval: 20 packets, 5 lost.
  for (let i = 100; i < 120; i++) if (i % 4 !== 0) s.update((65500 + i) & 0xffff, i * PTIME_TS, 50, i * 20);
  const rr2 = s.makeReceptionReport(3000);
  assert.equal(rr2.fractionLost, Math.floor((5 * 256) / 20));
  assert.equal(rr2.cumulativeLost, 15);
  // An interval with nothing new: fraction 0.
  assert.equal(s.makeReceptionReport(4000).fractionLost, 0);
});

test('duplicates are detected and not counted as received; reordering is counted', () => {
  const s = new SourceStats(1, RATE);
  feed(s, 100, 10);
  assert.equal(s.update(109, 0, 100, 300), SeqStatus.DUPLICATE, 'repeat of the highest');
  assert.equal(s.update(105, 0, 100, 300), SeqStatus.DUPLICATE, 'repeat of an older one');
  assert.equal(s.duplicated, 2);
  assert.equal(s.packets, 10);
  // 112 before 110, 111: two reordered; the duplicate of 111 later is a duplicate.
  assert.equal(s.update(112, 0, 100, 320), SeqStatus.VALID);
  assert.equal(s.update(110, 0, 100, 330), SeqStatus.VALID);
  assert.equal(s.update(111, 0, 100, 340), SeqStatus.VALID);
  assert.equal(s.update(111, 0, 100, 350), SeqStatus.DUPLICATE);
  assert.equal(s.reordered, 2);
  assert.equal(s.duplicated, 3);
  assert.equal(s.packets, 13);
  assert.equal(s.expected, 13);
  assert.equal(s.lost, 0);
  assert.equal(s.cumulativeLost, 0);
  // Duplicates across the 16-bit wrap.
  const w = new SourceStats(2, RATE);
  feed(w, 65530, 12);
  assert.equal(w.update(65534, 0, 1, 500), SeqStatus.DUPLICATE);
  assert.equal(w.update(2, 0, 1, 500), SeqStatus.DUPLICATE);
  assert.equal(w.packets, 12);
});

test('a packet older than the first counted one widens the expected range', () => {
  const s = new SourceStats(1, RATE);
  // Sent 1, 2, 3; arrive 2, 3, 1.
  s.update(2, 160, 1, 0);
  s.update(3, 320, 1, 20);
  assert.equal(s.update(1, 0, 1, 25), SeqStatus.VALID);
  assert.deepEqual([s.packets, s.expected, s.lost, s.reordered], [3, 3, 0, 1]);
  assert.equal(s.update(1, 0, 1, 26), SeqStatus.DUPLICATE);
});

test('A.1 big jumps: dropped unless confirmed by the next packet, which re-synchronises', () => {
  const s = new SourceStats(1, RATE);
  feed(s, 1000, 50); // 1000..1049
  // Lose 1050..1054, then a stray far packet.
  assert.equal(s.update(1055, 0, 1, 2000), SeqStatus.VALID);
  assert.equal(s.lost, 5);
  assert.equal(s.update(40000, 0, 1, 2010), SeqStatus.BAD_SEQUENCE);
  assert.equal(s.update(1056, 0, 1, 2020), SeqStatus.VALID, 'the stray did not disturb the stream');
  assert.equal(s.badSequence, 1);
  // The sender restarts at 20000: the first packet is dropped, the second re-syncs.
  assert.equal(s.update(20000, 0, 1, 3000), SeqStatus.BAD_SEQUENCE);
  assert.equal(s.update(20001, 160, 1, 3020), SeqStatus.VALID);
  assert.equal(s.resyncs, 1);
  assert.equal(s.expected, 1, 'A.1: pretend this was the first packet');
  assert.equal(s.lost, 5, 'losses of the previous epoch kept');
  feed(s, 20002, 10, 3040, 320);
  assert.equal(s.extendedHighestSequence, 20011);
  assert.equal(s.packets, 50 + 2 + 1 + 10);
  // Ahead by less than MAX_DROPOUT is loss, not a jump.
  assert.equal(s.update(20011 + MAX_DROPOUT - 1, 0, 1, 4000), SeqStatus.VALID);
  assert.equal(s.lost, 5 + MAX_DROPOUT - 2);
  // Behind by more than MAX_MISORDER is a jump.
  assert.equal(s.update((20011 + MAX_DROPOUT - 1 - 101) & 0xffff, 0, 1, 4010), SeqStatus.BAD_SEQUENCE);
});

test('A.8 jitter matches a hand calculation', () => {
  const s = new SourceStats(1, RATE, { probation: false });
  // Timestamps every 160 (20 ms); arrivals at 0, 20, 45, 60, 80 ms → 0, 160, 360, 480, 640 in
  // timestamp units. Transit: 0, 0, 40, 0, 0; |D|: 0, 40, 40, 0.
  // J1 = 0; J2 = 0 + (40 − 0)/16 = 2.5; J3 = 2.5 + (40 − 2.5)/16 = 4.84375;
  // J4 = 4.84375 + (0 − 4.84375)/16 = 4.541015625.
  const arrivals = [0, 20, 45, 60, 80];
  const expected = [0, 0, 2.5, 4.84375, 4.541015625];
  for (let i = 0; i < arrivals.length; i++) {
    s.update(i, 0xfffffe00 + i * 160, 100, 1000 + arrivals[i]); // timestamps wrap at 2^32 on the way
    assert.equal(s.jitter, expected[i], `after packet ${i}`);
  }
  assert.equal(s.jitterMs, (4.541015625 * 1000) / RATE);
  assert.equal(s.makeReceptionReport(2000).jitter, 4, 'reported truncated to an integer');
  // Perfect timing gives zero jitter, across the timestamp wrap too.
  const p = new SourceStats(2, 48000);
  for (let i = 0; i < 200; i++) p.update(i, (0xffff0000 + i * 960) >>> 0, 100, i * 20);
  assert.equal(p.jitter, 0);
});

test('jitter of a random arrival pattern equals the direct formula', () => {
  const rnd = new Random(7);
  const s = new SourceStats(1, RATE, { probation: false });
  let j = 0;
  let prevTransit = 0;
  for (let i = 0; i < 500; i++) {
    const arrivalMs = i * 20 + rnd.nextFloat() * 30;
    s.update(i, i * 160, 100, arrivalMs);
    const transit = (arrivalMs * RATE) / 1000 - i * 160;
    if (i > 0) j += (Math.abs(transit - prevTransit) - j) / 16;
    prevTransit = transit;
  }
  assert.ok(Math.abs(s.jitter - j) < 1e-9, `${s.jitter} vs ${j}`);
});

test('LSR and DLSR (RFC 3550 §6.4.1)', () => {
  const s = new SourceStats(1, RATE);
  feed(s, 1, 5);
  s.onSenderReport({ ntpSeconds: 0x12345678, ntpFraction: 0x9abcdef0, rtpTimestamp: 1, packetCount: 5, octetCount: 500 }, 10_000);
  assert.equal(s.lastSr?.compact, 0x56789abc);
  const rr = s.makeReceptionReport(10_250);
  assert.equal(rr.lsr, 0x56789abc);
  assert.equal(rr.dlsr, Math.round(0.25 * 65536));
});

test('timestamp jumps are flagged and do not blow up the jitter', () => {
  const s = new SourceStats(1, RATE, { timestampJumpTs: RATE }); // 1 s
  feed(s, 0, 50);
  const before = s.jitter;
  // Next packet 20 ms later but its timestamp 10 s ahead.
  s.update(50, 1000 + 50 * 160 + 80000, 100, 50 * 20);
  assert.equal(s.timestampJumped, true);
  assert.equal(s.timestampSkew, 80000);
  assert.equal(s.jitter, before);
  s.update(51, 1000 + 51 * 160 + 80000, 100, 51 * 20);
  assert.equal(s.timestampJumped, false);
  assert.equal(s.jitter, before);
  // A pause in sending (DTX): timestamps and arrival both advance, no jump.
  s.update(52, 1000 + 52 * 160 + 80000 + 5 * RATE, 100, 52 * 20 + 5000);
  assert.equal(s.timestampJumped, false);
});
