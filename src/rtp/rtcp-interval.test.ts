import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../core/random.js';
import {
  RTCP_COMPENSATION,
  RtcpTimer,
  reducedMinimumIntervalMs,
  rtcpBandwidthOctets,
  rtcpDeterministicInterval,
  rtcpInterval,
  sessionBandwidthBps,
} from './rtcp-interval.js';

const small = { members: 2, senders: 2, rtcpBw: 500, weSent: true, avgRtcpSize: 100, initial: false };

test('deterministic interval: minimum, halved initially, sender/receiver split (RFC 3550 §6.2, A.7)', () => {
  assert.equal(rtcpDeterministicInterval(small), 5000);
  assert.equal(rtcpDeterministicInterval({ ...small, initial: true }), 2500);
  assert.equal(rtcpDeterministicInterval({ ...small, minIntervalMs: 1000 }), 1000);
  assert.equal(rtcpDeterministicInterval({ ...small, minIntervalMs: 1000, initial: true }), 500);
  // Everybody sends (senders > 25 %): all share the whole bandwidth: 100 × 2 / 500 = 0.4 s → the minimum.
  assert.equal(rtcpDeterministicInterval({ ...small, minIntervalMs: 100 }), 400);
  // A large group with 10 senders out of 1000: receivers share 75 %, senders 25 %.
  const big = { members: 1000, senders: 10, rtcpBw: 500, avgRtcpSize: 100, initial: false };
  assert.equal(rtcpDeterministicInterval({ ...big, weSent: false }), (100 * 990 * 1000) / 375);
  assert.equal(rtcpDeterministicInterval({ ...big, weSent: true }), (100 * 10 * 1000) / 125);
  // No RTCP bandwidth: never.
  assert.equal(rtcpDeterministicInterval({ ...small, rtcpBw: 0 }), Number.POSITIVE_INFINITY);
});

test('randomised interval: uniform over [0.5, 1.5] × Td / (e − 3/2), deterministic for a seed', () => {
  const a = new Random(1);
  const b = new Random(1);
  const td = rtcpDeterministicInterval(small);
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const t = rtcpInterval(small, a);
    assert.equal(t, rtcpInterval(small, b));
    sum += t;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  assert.ok(Math.abs(RTCP_COMPENSATION - 1.21828) < 1e-5, 'Math.abs(RTCP_COMPENSATION - 1.21828) < 1e-5');
  const mean = sum / n;
  assert.ok(Math.abs(mean - td / RTCP_COMPENSATION) < 0.005 * td, `mean ${mean}`);
  assert.ok(min >= (0.5 * td) / RTCP_COMPENSATION && min < (0.51 * td) / RTCP_COMPENSATION, `min ${min}`);
  assert.ok(max < (1.5 * td) / RTCP_COMPENSATION && max > (1.49 * td) / RTCP_COMPENSATION, `max ${max}`);
});

test('session and RTCP bandwidth, reduced minimum (RFC 3550 §6.2)', () => {
  assert.equal(sessionBandwidthBps(64000, 20), 80000); // PCMU: 64 kbit/s + 40 octets × 50/s
  assert.equal(sessionBandwidthBps(64000, 20, 60), 88000); // IPv6
  assert.equal(rtcpBandwidthOctets(80000), 500); // 5 %
  assert.equal(reducedMinimumIntervalMs(72000), 5000);
  assert.equal(reducedMinimumIntervalMs(80000), 4500);
  assert.equal(reducedMinimumIntervalMs(360000), 1000);
});

/** Drives a timer at its own deadlines; returns the send times. */
function runTimer(timer: RtcpTimer, untilMs: number, onTick?: (now: number) => void): number[] {
  const sends: number[] = [];
  let now = 0;
  timer.start(0);
  while (timer.tn <= untilMs) {
    now = timer.tn;
    onTick?.(now);
    if (timer.onExpire(now)) {
      sends.push(now);
      timer.onSent(100, now);
    }
  }
  return sends;
}

test('with timer reconsideration the mean interval converges to Td (the e − 3/2 compensation)', () => {
  // RFC 3550 §6.3.1: reconsideration ends on the last of an ascending run of draws, whose mean is
  // (e − 2 + 0.5) × Td; divided by e − 3/2 that is Td.
  const timer = new RtcpTimer({ rtcpBw: 500, initialAvgRtcpSize: 100, random: new Random(42) });
  timer.members = 2;
  const sends = runTimer(timer, 20_000_000);
  const gaps = sends.slice(1).map((t, i) => t - sends[i]);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(gaps.length > 3000, 'gaps.length > 3000');
  assert.ok(Math.abs(mean - 5000) < 0.02 * 5000, `mean interval ${mean} over ${gaps.length}`);
  for (const g of gaps) assert.ok(g >= 2500 / RTCP_COMPENSATION - 1e-9 && g <= 7500 / RTCP_COMPENSATION + 1e-9, `gap ${g}`);
});

test('the initial interval is halved', () => {
  let sum = 0;
  const n = 4000;
  for (let seed = 0; seed < n; seed++) {
    const timer = new RtcpTimer({ rtcpBw: 500, initialAvgRtcpSize: 100, random: new Random(seed) });
    timer.members = 2;
    sum += runTimer(timer, 8000)[0];
  }
  assert.ok(Math.abs(sum / n - 2500) < 0.03 * 2500, `mean first report at ${sum / n} ms`);
});

test('timer reconsideration reschedules when the group grew (RFC 3550 §6.3.6)', () => {
  const timer = new RtcpTimer({ rtcpBw: 500, initialAvgRtcpSize: 100, random: new Random(3) });
  timer.start(0);
  const first = timer.tn;
  assert.ok(first >= 1250 / RTCP_COMPENSATION && first <= 3750 / RTCP_COMPENSATION, 'first >= 1250 / RTCP_COMPENSATION && first <= 3750 / RTCP_COMPENSATION');
  // 500 receivers joined meanwhile: Td = 100 × 500 / 375 s ≈ 133 s.
  timer.members = 500;
  assert.equal(timer.onExpire(first), false);
  assert.ok(timer.tn > first, 'timer.tn > first');
  assert.ok(timer.tn >= (0.5 * 133_333) / RTCP_COMPENSATION && timer.tn <= (1.5 * 133_334) / RTCP_COMPENSATION, `rescheduled to ${timer.tn}`);
  // When it fires there, a recomputation below tn lets it send.
  const t2 = timer.tn;
  timer.members = 2;
  assert.equal(timer.onExpire(t2), true);
  timer.onSent(200, t2);
  assert.equal(timer.tp, t2);
  assert.equal(timer.initial, false);
  assert.equal(timer.avgRtcpSize, 200 / 16 + (15 / 16) * 100);
  timer.onReceived(100);
  assert.equal(timer.avgRtcpSize, 100 / 16 + (15 / 16) * (200 / 16 + (15 / 16) * 100));
});

test('reverse reconsideration pulls tn and tp towards now (RFC 3550 §6.3.4)', () => {
  const timer = new RtcpTimer({ rtcpBw: 500, initialAvgRtcpSize: 100, random: new Random(5) });
  timer.members = 10;
  timer.start(1000);
  timer.tp = 1000;
  timer.tn = 9000;
  timer.pmembers = 10;
  timer.members = 5;
  timer.reverseReconsider(3000);
  assert.equal(timer.tn, 3000 + 0.5 * 6000);
  assert.equal(timer.tp, 3000 - 0.5 * 2000);
  assert.equal(timer.pmembers, 5);
  // No change when members did not fall.
  timer.reverseReconsider(4000);
  assert.equal(timer.tn, 6000);
});

test('the member timeout base uses the fixed 5 s minimum even with a reduced one (RFC 3550 §6.3.5)', () => {
  const timer = new RtcpTimer({ rtcpBw: 500, minIntervalMs: 1000, initialAvgRtcpSize: 100, random: new Random(5) });
  timer.members = 2;
  assert.equal(timer.timeoutBaseMs(), 5000);
});
