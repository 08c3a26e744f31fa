import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { builtInCorpus } from './fuzz.js';
import { parseRtpPacket, serializeRtpPacket } from './packet.js';
import { type RtcpPacket, parseCompound, serializeCompound, validateCompound } from './rtcp/compound.js';
import { cnameSdes } from './rtcp/sdes.js';
import { RTCP_COMPENSATION } from './rtcp-interval.js';
import { type RtpSessionOptions, RtpSession } from './session.js';

const WALL_EPOCH = 1_700_000_000_000;
const wallClockMs = (t: number): number => WALL_EPOCH + t;
const PAYLOAD = new Uint8Array(160).fill(0xd5);

function session(ssrc: number, cname: string, seed: number, extra?: Partial<RtpSessionOptions>): RtpSession {
  return new RtpSession({
    clockRate: 8000,
    payloadType: 0,
    ssrc,
    initialSequence: 1000,
    initialTimestamp: 5000,
    cname,
    random: new Random(seed),
    wallClockMs,
    startMs: 0,
    ...extra,
  });
}

interface Impairments {
  delayMs: number;
  jitterMs?: number;
  loss?: number;
  duplicate?: number;
  reorder?: number;
  /** Packets (per direction, RTP only) sent before impairments start, and whether the last is spared. */
  sparedFirst?: number;
}

interface InFlight {
  at: number;
  order: number;
  to: RtpSession;
  rtcp: boolean;
  bytes: Uint8Array;
}

/**
 * Two sessions back to back through a hand-made impairment shuffle (rtp/ may not import net/'s
 * NetworkSimulator): integer delays so every session sees monotonic times, deterministic for a
 * seed. Keeps the ground truth to check counters against.
 */
class Wire {
  readonly queue: InFlight[] = [];
  order = 0;
  lost = 0;
  duplicated = 0;
  readonly rtcpSent = new Map<RtpSession, Uint8Array[]>();
  rtpCount = new Map<RtpSession, number>();
  delivered: Array<{ to: RtpSession; bytes: Uint8Array }> = [];
  spareAll = false;
  constructor(
    readonly rnd: Random,
    readonly paths: Map<RtpSession, { peer: RtpSession; imp: Impairments }>,
  ) {}

  send(from: RtpSession, bytes: Uint8Array, now: number, rtcp: boolean): void {
    const { peer, imp } = this.paths.get(from)!;
    if (rtcp) {
      const list = this.rtcpSent.get(from) ?? [];
      list.push(bytes);
      this.rtcpSent.set(from, list);
    }
    const n = (this.rtpCount.get(from) ?? 0) + (rtcp ? 0 : 1);
    this.rtpCount.set(from, n);
    const spared = this.spareAll || rtcp || n <= (imp.sparedFirst ?? 3);
    if (!spared && this.rnd.nextFloat() < (imp.loss ?? 0)) {
      this.lost++;
      return;
    }
    let at = now + imp.delayMs + (spared ? 0 : this.rnd.nextInt((imp.jitterMs ?? 0) + 1));
    if (!spared && this.rnd.nextFloat() < (imp.reorder ?? 0)) at += 45;
    this.queue.push({ at, order: this.order++, to: peer, rtcp, bytes });
    if (!spared && this.rnd.nextFloat() < (imp.duplicate ?? 0)) {
      this.duplicated++;
      this.queue.push({ at: at + 1 + this.rnd.nextInt(30), order: this.order++, to: peer, rtcp, bytes });
    }
  }

  deliver(now: number): void {
    this.queue.sort((x, y) => x.at - y.at || x.order - y.order);
    while (this.queue.length > 0 && this.queue[0].at <= now) {
      const d = this.queue.shift()!;
      if (d.rtcp) d.to.receiveRtcp(d.bytes, d.at);
      else if (d.to.receiveRtp(d.bytes, d.at)) this.delivered.push({ to: d.to, bytes: d.bytes });
    }
  }
}

function pollAll(s: RtpSession, now: number, wire: Wire): void {
  for (let guard = 0; guard < 10; guard++) {
    const next = s.nextRtcpMs();
    if (next === undefined || next > now) return;
    const out = s.pollRtcp(now);
    if (out) wire.send(s, out, now, true);
    else if (s.nextRtcpMs() === next) return;
  }
}

/**
 * Runs a call for `durationMs` in 1 ms steps: each sender sends a 20 ms packet while
 * `sending(session, t)` says so.
 */
function run(wire: Wire, sessions: RtpSession[], fromMs: number, durationMs: number, sending: (s: RtpSession, t: number) => boolean, mediaTs: Map<RtpSession, number>): void {
  for (let t = fromMs; t < fromMs + durationMs; t++) {
    wire.deliver(t);
    for (const s of sessions) {
      if (t % 20 === 0 && sending(s, t)) {
        const ts = mediaTs.get(s) ?? 0;
        mediaTs.set(s, ts + 160);
        wire.send(s, s.sendRtp({ payload: PAYLOAD, timestamp: ts }, t), t, false);
      }
      pollAll(s, t, wire);
    }
  }
}

test('back to back through loss, jitter, reordering and duplication: counters add up', () => {
  const a = session(0xaaaa0001, 'a@test', 1);
  const b = session(0xbbbb0002, 'b@test', 2);
  const imp: Impairments = { delayMs: 30, jitterMs: 15, loss: 0.05, duplicate: 0.03, reorder: 0.04 };
  const wire = new Wire(new Random(99), new Map([
    [a, { peer: b, imp }],
    [b, { peer: a, imp }],
  ]));
  const remoteEvents: number[] = [];
  b.on('remote-ssrc', (s) => remoteEvents.push(s));
  const ts = new Map<RtpSession, number>();
  // A sends for 60 s (the last packet spared so that the highest sequence number is known), B only listens.
  run(wire, [a, b], 0, 60_000 - 20, (s) => s === a, ts);
  wire.spareAll = true;
  run(wire, [a, b], 60_000 - 20, 20, (s) => s === a, ts);
  run(wire, [a, b], 60_000, 12_000, () => false, ts);

  const as = a.stats;
  const bs = b.stats;
  assert.equal(as.sent.packets, 3000);
  assert.equal(as.sent.bytes, 3000 * 160);
  assert.equal(as.sent.octets, 3000 * 172);
  assert.ok(wire.lost > 100 && wire.duplicated > 50, `lost ${wire.lost}, duplicated ${wire.duplicated}`);
  // The invariant: every packet sent is either received once or lost.
  assert.equal(bs.received.packets + bs.received.lost, as.sent.packets);
  assert.equal(bs.received.lost, wire.lost - countLostRtcp(wire));
  assert.equal(bs.received.duplicated, wire.duplicated);
  assert.equal(bs.received.bytes, bs.received.packets * 160);
  assert.ok(bs.received.reordered > 50, `reordered ${bs.received.reordered}`);
  assert.equal(bs.received.invalid, 0);
  assert.equal(bs.received.otherSsrc, 0);
  assert.equal(wire.delivered.length, bs.received.packets, 'what was returned is what was counted');
  assert.deepEqual(remoteEvents, [a.ssrc]);
  assert.equal(bs.remoteSsrc, a.ssrc);
  assert.equal(bs.remoteCname, 'a@test');
  assert.equal(as.remoteCname, null, 'B sent no RTP: no remote source at A');
  assert.ok(bs.jitterMs !== null && bs.jitterMs > 1 && bs.jitterMs < 15, `jitter ${bs.jitterMs} ms`);
  // RTCP both ways: A sends SRs (it sends RTP), B RRs; A learns its loss and the RTT.
  assert.ok(as.rtcp.sent >= 10 && bs.rtcp.sent >= 10, `${as.rtcp.sent} / ${bs.rtcp.sent}`);
  assert.ok(bs.rtcp.srReceived >= 10, 'bs.rtcp.srReceived >= 10');
  assert.equal(bs.rtcp.srReceived + bs.rtcp.rrReceived, bs.rtcp.received, 'RRs once A stopped sending');
  assert.equal(as.rtcp.rrReceived, as.rtcp.received);
  assert.equal(as.rtcp.srReceived, 0);
  assert.ok(as.fractionLost !== null && as.remoteJitterMs !== null, 'as.fractionLost !== null && as.remoteJitterMs !== null');
  assert.ok(as.rttMs !== null && Math.abs(as.rttMs - 60) <= 1, `rtt ${as.rttMs}`);
  assert.equal(bs.rttMs, null, 'B never sent an SR');
  assert.equal(as.members, 2);
  assert.equal(bs.members, 2);
  for (const sent of wire.rtcpSent.values()) {
    for (const bytes of sent) assert.equal(validateCompound(parseCompound(bytes)), undefined);
  }
});

function countLostRtcp(_wire: Wire): number {
  return 0; // RTCP is spared by the Wire
}

test('RTT from SR/RR equals the sum of the one-way delays (RFC 3550 §6.4.1)', () => {
  for (const [ab, ba] of [
    [37, 55],
    [5, 180],
    [250, 1],
  ]) {
    const a = session(0x01, 'a', 3);
    const b = session(0x02, 'b', 4);
    const wire = new Wire(new Random(1), new Map([
      [a, { peer: b, imp: { delayMs: ab } }],
      [b, { peer: a, imp: { delayMs: ba } }],
    ]));
    const rtts: number[] = [];
    a.on('rtt', (r) => rtts.push(r.rttMs));
    run(wire, [a, b], 0, 40_000, () => true, new Map());
    assert.ok(rtts.length >= 3, `${rtts.length} RTT samples`);
    for (const r of rtts) assert.ok(Math.abs(r - (ab + ba)) <= 1, `RTT ${r} for ${ab} + ${ba}`);
    const bRtt = b.stats.rttMs;
    assert.ok(bRtt !== null && Math.abs(bRtt - (ab + ba)) <= 1, 'bRtt !== null && Math.abs(bRtt - (ab + ba)) <= 1');
    assert.ok(Math.abs(a.stats.rttSmoothedMs! - (ab + ba)) <= 1, 'Math.abs(a.stats.rttSmoothedMs! - (ab + ba)) <= 1');
    // Both send: both send SRs.
    assert.equal(a.stats.rtcp.srReceived, a.stats.rtcp.received);
  }
});

test('SR while sending, RR when not (RFC 3550 §6.4); SR contents', () => {
  const a = session(0x0a, 'a', 5);
  const reports: RtcpPacket[][] = [];
  let lastSendAt = 0;
  // Send 20 ms packets for 12 s, then stay silent for 40 s.
  let tsMedia = 0;
  for (let t = 0; t < 52_000; t++) {
    if (t % 20 === 0 && t < 12_000) {
      a.sendRtp({ payload: PAYLOAD, timestamp: tsMedia }, t);
      tsMedia += 160;
      lastSendAt = t;
    }
    const next = a.nextRtcpMs();
    if (next !== undefined && next <= t) {
      const out = a.pollRtcp(t);
      if (out) {
        const pk = parseCompound(out);
        reports.push(pk);
        assert.equal(validateCompound(pk), undefined);
        const sdes = pk[1];
        assert.ok(sdes.type === 'sdes' && sdes.chunks[0].items[0].text === 'a', 'sdes.type === \'sdes\' && sdes.chunks[0].items[0].text === \'a\'');
        if (pk[0].type === 'sr') {
          const sr = pk[0];
          const sent = Math.min(600, Math.floor(t / 20) + 1);
          assert.equal(sr.packetCount, sent);
          assert.equal(sr.octetCount, sent * 160);
          // RTP timestamp extrapolated to the SR's instant.
          const lastTs = (5000 + (sent - 1) * 160) >>> 0;
          assert.equal(sr.rtpTimestamp, (lastTs + Math.round(((t - lastSendAt) * 8000) / 1000)) >>> 0);
          const ntpMs = (sr.ntpSeconds - 2208988800) * 1000 + (sr.ntpFraction / 2 ** 32) * 1000;
          assert.ok(Math.abs(ntpMs - wallClockMs(t)) < 0.001, 'Math.abs(ntpMs - wallClockMs(t)) < 0.001');
          assert.equal(sr.reports.length, 0, 'nothing received: no report blocks');
        }
      }
    }
  }
  const types = reports.map((r) => r[0].type);
  assert.ok(types.length >= 8, types.join());
  assert.equal(types[0], 'sr');
  // Once two reports have gone by without RTP, only RRs.
  const firstRr = types.indexOf('rr');
  assert.ok(firstRr > 0, 'firstRr > 0');
  assert.ok(types.slice(firstRr).every((x) => x === 'rr'), 'types.slice(firstRr).every((x) => x === \'rr\')');
});

test('RTCP timing through the session: initial interval halved, mean interval ≈ Td', () => {
  let firstSum = 0;
  const n = 300;
  for (let seed = 0; seed < n; seed++) {
    const s = session(0x10, 'x', seed);
    const st = s.rtcpTimerState;
    assert.equal(st.initial, true);
    firstSum += st.tn;
    assert.ok(st.tn >= 1250 / RTCP_COMPENSATION && st.tn <= 3750 / RTCP_COMPENSATION, `initial tn ${st.tn}`);
  }
  // The first draw alone has mean Td_initial / (e − 3/2) = 2500 / 1.218.
  assert.ok(Math.abs(firstSum / n - 2500 / RTCP_COMPENSATION) < 100, `mean initial draw ${firstSum / n}`);

  // Two members for an hour (20 ms steps): with reconsideration the mean interval is Td = 5 s.
  const a = session(0x20, 'a', 77);
  const b = session(0x21, 'b', 78);
  const wire = new Wire(new Random(1), new Map([
    [a, { peer: b, imp: { delayMs: 10 } }],
    [b, { peer: a, imp: { delayMs: 10 } }],
  ]));
  const times: number[] = [];
  for (let t = 0; t < 3_600_000; t += 20) {
    wire.deliver(t);
    wire.send(b, b.sendRtp({ payload: PAYLOAD, timestamp: t * 8 }, t), t, false);
    const next = a.nextRtcpMs()!;
    if (next <= t) {
      const out = a.pollRtcp(t);
      if (out) {
        times.push(t);
        wire.send(a, out, t, true);
      }
    }
    pollAll(b, t, wire);
  }
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
  assert.ok(Math.abs(mean - 5000) < 0.05 * 5000, `mean interval ${mean} ms over ${gaps.length}`);
  assert.ok(times[0] < 3750 / RTCP_COMPENSATION + 20, `first report at ${times[0]}`);
});

test('reduced minimum and minIntervalMs options shorten the interval', () => {
  const s = session(0x30, 'x', 1, { rtcp: { reducedMinimum: true }, sessionBandwidthBps: 360_000 });
  assert.equal(s.rtcpTimerState.minIntervalMs, 1000);
  const t = session(0x31, 'x', 1, { rtcp: { minIntervalMs: 500 } });
  assert.equal(t.rtcpTimerState.minIntervalMs, 500);
  assert.ok(t.nextRtcpMs()! <= (0.75 * 500) / RTCP_COMPENSATION, 't.nextRtcpMs()! <= (0.75 * 500) / RTCP_COMPENSATION');
  // Default bandwidth: PCMU 64 kbit/s + headers = 80 kbit/s → 500 octets/s of RTCP.
  assert.equal(session(0x32, 'x', 1).rtcpTimerState.rtcpBw, 500);
});

test('timer reconsideration in the session: a report is not sent early when the group grew', () => {
  const a = session(0x40, 'a', 11, { sessionBandwidthBps: 8000 }); // 50 octets/s of RTCP
  const first = a.nextRtcpMs()!;
  // Many members appear (RTCP RRs from 60 SSRCs) before the first report is due.
  for (let i = 0; i < 60; i++) {
    const rr = serializeCompound([{ type: 'rr', ssrc: 0x5000 + i, reports: [], profileExtensions: new Uint8Array(0) }, cnameSdes(0x5000 + i, `m${i}`)]);
    assert.ok(a.receiveRtcp(rr, 10), 'a.receiveRtcp(rr, 10)');
  }
  assert.equal(a.stats.members, 61);
  assert.equal(a.pollRtcp(first), undefined, 'reconsidered: rescheduled');
  assert.ok(a.nextRtcpMs()! > first, 'a.nextRtcpMs()! > first');
  assert.ok(a.rtcpTimerState.members === 61, 'a.rtcpTimerState.members === 61');
  // They all leave: reverse reconsideration brings the report closer.
  const before = a.nextRtcpMs()!;
  const now = first + 1;
  const bye = serializeCompound([
    { type: 'rr', ssrc: 0x5000, reports: [], profileExtensions: new Uint8Array(0) },
    cnameSdes(0x5000, 'm0'),
    { type: 'bye', sources: Array.from({ length: 30 }, (_, i) => 0x5000 + i) },
  ]);
  a.receiveRtcp(bye, now);
  assert.equal(a.stats.members, 31);
  const after = a.nextRtcpMs()!;
  assert.ok(Math.abs(after - (now + (31 / 61) * (before - now))) < 1e-6, `${after}`);
});

test('BYE: produced, received (event), reverse reconsideration, and the session closes', () => {
  const a = session(0x50, 'a', 21);
  const b = session(0x51, 'b', 22);
  assert.equal(session(0x52, 'c', 1).bye(0, 'never sent'), undefined, 'RFC 3550 §6.3.7: no BYE without having sent');
  // A talks to B until B has sent a report while knowing A (so B's tn was computed for 2 members).
  let t = 0;
  for (; b.stats.rtcp.sent === 0; t += 20) {
    b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: t * 8 }, t), t + 5);
    if (b.nextRtcpMs()! <= t + 5) b.pollRtcp(t + 5);
  }
  assert.equal(b.remoteSsrc, 0x50);
  const byes: Array<{ ssrc: number; reason: string | undefined; isRemote: boolean }> = [];
  b.on('bye', (e) => byes.push(e));
  const st = b.rtcpTimerState;
  assert.equal(st.pmembers, 2);
  const bytes = a.bye(t, 'call ended');
  assert.ok(bytes, 'bytes');
  const pk = parseCompound(bytes);
  assert.deepEqual(pk.map((p) => p.type), ['sr', 'sdes', 'bye']);
  assert.deepEqual(pk[2], { type: 'bye', sources: [0x50], reason: 'call ended' });
  assert.equal(a.closed, true);
  assert.equal(a.nextRtcpMs(), undefined);
  assert.equal(a.pollRtcp(100_000), undefined);
  assert.equal(a.bye(t + 1), undefined);
  assert.throws(() => a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, t + 2), StateError);
  const now = t + 10;
  const got = b.receiveRtcp(bytes, now);
  assert.ok(got, 'got');
  assert.deepEqual(byes, [{ ssrc: 0x50, reason: 'call ended', isRemote: true }]);
  assert.equal(b.stats.rtcp.byeReceived, 1);
  assert.equal(b.stats.members, 1);
  // RFC 3550 §6.3.4 with members 2 → 1: tn and tp move halfway to now.
  const after = b.rtcpTimerState;
  assert.ok(Math.abs(after.tn - (now + 0.5 * (st.tn - now))) < 1e-6, `tn ${after.tn}`);
  assert.ok(Math.abs(after.tp - (now - 0.5 * (now - st.tp))) < 1e-6, `tp ${after.tp}`);
  assert.equal(after.pmembers, 1);
  // A long reason is cut to 255 bytes rather than thrown.
  const c = session(0x53, 'c', 1);
  c.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0);
  const long = c.bye(10, 'é'.repeat(200))!;
  const reason = (parseCompound(long)[2] as { reason?: string }).reason!;
  assert.equal(reason, 'é'.repeat(127));
  // With bye disabled, nothing.
  const d = session(0x54, 'd', 1, { rtcp: { bye: false } });
  d.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0);
  assert.equal(d.bye(10), undefined);
});

test('SSRC collision: new SSRC, BYE for the old one, event (RFC 3550 §8.2)', () => {
  const a = session(0x1234, 'a', 31, { initialSequence: 7, initialTimestamp: 100 });
  const b = session(0x1234, 'b', 32, { initialSequence: 40000, initialTimestamp: 9999 });
  const sink: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) sink.push(b.sendRtp({ payload: PAYLOAD, timestamp: i * 160 }, i * 20));
  const events: Array<{ previous: number; current: number }> = [];
  b.on('ssrc-collision', (e) => events.push(e));
  const pkt = b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 100), 110);
  assert.ok(pkt, 'the colliding packet is the remote stream: delivered');
  assert.equal(events.length, 1);
  assert.equal(events[0].previous, 0x1234);
  assert.notEqual(b.ssrc, 0x1234);
  assert.equal(events[0].current, b.ssrc);
  assert.equal(b.stats.collisions, 1);
  assert.equal(b.stats.received.loops, 0);
  // The BYE for the old SSRC is due at once.
  assert.equal(b.nextRtcpMs(), 110);
  const bye = b.pollRtcp(110);
  assert.ok(bye, 'bye');
  const pk = parseCompound(bye);
  assert.deepEqual(pk.map((p) => p.type), ['rr', 'sdes', 'bye']);
  assert.deepEqual((pk[2] as { sources: number[] }).sources, [0x1234]);
  assert.equal(validateCompound(pk), undefined);
  // New packets carry the new SSRC; A accepts B's stream and B A's.
  const next = parseRtpPacket(b.sendRtp({ payload: PAYLOAD, timestamp: 480 }, 120));
  assert.equal(next.ssrc, b.ssrc);
  b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 160 }, 120), 130);
  assert.equal(b.remoteSsrc, 0x1234);
  // RTCP with our SSRC that is not ours is a collision too.
  const c = session(0x77, 'c', 33);
  const foreign = serializeCompound([{ type: 'rr', ssrc: 0x77, reports: [], profileExtensions: new Uint8Array(0) }, cnameSdes(0x77, 'other')]);
  assert.ok(c.receiveRtcp(foreign, 5), 'c.receiveRtcp(foreign, 5)');
  assert.notEqual(c.ssrc, 0x77);
  assert.equal(c.pollRtcp(5), undefined, 'nothing sent under the old SSRC: no BYE (RFC 3550 §6.3.7)');
});

test('loop detection: our own packets looped back are counted, not a collision', () => {
  const a = session(0x99, 'a', 41);
  const mine = a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0);
  a.sendRtp({ payload: PAYLOAD, timestamp: 160 }, 20);
  const collisions: unknown[] = [];
  a.on('ssrc-collision', (e) => collisions.push(e));
  assert.equal(a.receiveRtp(mine, 25), undefined);
  assert.equal(a.stats.received.loops, 1);
  assert.equal(a.ssrc, 0x99);
  assert.deepEqual(collisions, []);
  // Our RTCP looped back.
  let rtcp: Uint8Array | undefined;
  for (let t = 0; !rtcp && t < 10_000; t += 10) rtcp = a.pollRtcp(t);
  assert.ok(rtcp, 'rtcp');
  assert.equal(a.receiveRtcp(rtcp, 5000), undefined);
  assert.equal(a.stats.rtcp.loops, 1);
  assert.equal(a.ssrc, 0x99);
});

test('sequence number wraps at 65535 and timestamp at 2^32', () => {
  const a = session(0x61, 'a', 51, { initialSequence: 65530, initialTimestamp: 2 ** 32 - 500 });
  const b = session(0x62, 'b', 52);
  const seqs: number[] = [];
  const tss: number[] = [];
  for (let i = 0; i < 20; i++) {
    const p = b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: i * 160 }, i * 20), i * 20 + 30);
    assert.ok(p, `packet ${i}`);
    seqs.push(p.sequenceNumber);
    tss.push(p.timestamp);
  }
  assert.deepEqual(seqs.slice(4, 8), [65534, 65535, 0, 1]);
  assert.equal(tss[3], 2 ** 32 - 20);
  assert.equal(tss[4], 140);
  assert.equal(a.sequenceNumber, 14);
  const s = b.stats;
  assert.equal(s.received.packets, 20);
  assert.equal(s.received.lost, 0);
  assert.equal(s.jitter, 0);
  assert.equal(b.remoteStats?.extendedHighestSequence, 65536 + 13);
  // Media timestamps beyond 2^32 wrap too.
  const c = session(0x63, 'c', 1, { initialTimestamp: 10 });
  assert.equal(parseRtpPacket(c.sendRtp({ payload: PAYLOAD, timestamp: 2 ** 32 + 5 }, 0)).timestamp, 15);
});

/** A valid RTP packet of some other source. */
function foreign(ssrc: number, seq: number, ts: number, pt = 0): Uint8Array {
  return serializeRtpPacket({ payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc, payload: PAYLOAD });
}

test('A.1 probation: a stray packet does not switch; a validated source replaces a silent one', () => {
  const a = session(0x71, 'a', 61);
  const b = session(0x72, 'b', 62);
  const remote: number[] = [];
  const changed: Array<{ previous: number; current: number }> = [];
  b.on('remote-ssrc', (s) => remote.push(s));
  b.on('ssrc-changed', (e) => changed.push(e));
  // The very first packet is delivered although the source is on probation.
  assert.ok(b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0), 10), 'b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0), 10)');
  assert.deepEqual(remote, []);
  assert.ok(b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 160 }, 20), 30), 'b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 160 }, 20), 30)');
  assert.deepEqual(remote, [0x71]);
  for (let i = 2; i < 50; i++) b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: i * 160 }, i * 20), i * 20 + 10);
  // A stray packet of another SSRC, while A talks, and later after A went silent: not delivered.
  assert.equal(b.receiveRtp(foreign(0xdead, 5, 5), 1000), undefined);
  assert.equal(b.receiveRtp(foreign(0xbeef, 9, 9), 5000), undefined);
  assert.equal(b.remoteSsrc, 0x71);
  assert.equal(b.stats.received.otherSsrc, 2);
  // A new source validating while A is still active: no switch.
  b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 5000 * 8 }, 5000), 5010);
  assert.equal(b.receiveRtp(foreign(0xc0de, 100, 0), 5020), undefined);
  assert.equal(b.receiveRtp(foreign(0xc0de, 101, 160), 5040), undefined);
  assert.equal(b.remoteSsrc, 0x71);
  // A silent for more than sourceSwitchMs (200): the next packet of the validated source switches.
  const before = b.stats.received.packets;
  const p = b.receiveRtp(foreign(0xc0de, 102, 320), 5300);
  assert.ok(p, 'p');
  assert.equal(p.ssrc, 0xc0de);
  assert.deepEqual(changed, [{ previous: 0x71, current: 0xc0de }]);
  assert.equal(b.remoteSsrc, 0xc0de);
  assert.equal(b.stats.ssrcChanges, 1);
  assert.equal(b.stats.received.packets, before + 1, "the new source's statistics start at the switch");
  assert.equal(b.stats.received.otherSsrc, 4);
  assert.ok(b.receiveRtp(foreign(0xc0de, 103, 480), 5320), 'b.receiveRtp(foreign(0xc0de, 103, 480), 5320)');
  assert.equal(b.stats.received.lost, 0);
  assert.equal(b.stats.timestampJumps, 0, 'no jump measured against the previous source');
  // After a BYE from the remote, the switch is immediate.
  b.receiveRtcp(serializeCompound([{ type: 'rr', ssrc: 0xc0de, reports: [], profileExtensions: new Uint8Array(0) }, cnameSdes(0xc0de, 'x'), { type: 'bye', sources: [0xc0de] }]), 5330);
  b.receiveRtp(foreign(0xf00d, 1, 0), 5340);
  assert.ok(b.receiveRtp(foreign(0xf00d, 2, 160), 5341), 'b.receiveRtp(foreign(0xf00d, 2, 160), 5341)');
  assert.equal(b.remoteSsrc, 0xf00d);
});

test('invalid datagrams are counted and never thrown (fuzz corpus, random bytes, STUN)', () => {
  const s = session(0x81, 's', 71);
  const rnd = new Random(12345);
  const corpus = builtInCorpus();
  // A STUN binding request (RFC 5389): first byte 0, magic cookie at 4.
  const stun = Uint8Array.from(Buffer.from('000100002112a442b7e7a701bc34d686fa87dfae', 'hex'));
  const inputs: Uint8Array[] = [stun, new Uint8Array(0), Uint8Array.of(0x80), ...corpus];
  for (let i = 0; i < 3000; i++) {
    const base = corpus[rnd.nextInt(corpus.length)];
    const m = Uint8Array.from(base.subarray(0, rnd.nextInt(base.length + 1)));
    for (let k = rnd.nextInt(4); k > 0 && m.length > 0; k--) m[rnd.nextInt(m.length)] ^= 1 << rnd.nextInt(8);
    inputs.push(m);
    const r = new Uint8Array(rnd.nextInt(64));
    for (let j = 0; j < r.length; j++) r[j] = rnd.nextInt(256);
    if (r.length > 0 && rnd.nextInt(2)) r[0] = 0x80 | (r[0] & 0x3f);
    inputs.push(r);
  }
  let rtpInvalid = 0;
  let rtcpInvalid = 0;
  let t = 0;
  for (const d of inputs) {
    try {
      parseRtpPacket(d);
    } catch {
      rtpInvalid++;
    }
    try {
      if (parseCompound(d).length === 0) rtcpInvalid++;
    } catch {
      rtcpInvalid++;
    }
    t += 1;
    assert.doesNotThrow(() => s.receiveRtp(d, t));
    assert.doesNotThrow(() => s.receiveRtcp(d, t));
    assert.doesNotThrow(() => s.pollRtcp(t));
  }
  assert.equal(s.stats.received.invalid, rtpInvalid);
  assert.equal(s.stats.rtcp.invalid, rtcpInvalid);
  assert.ok(rtpInvalid > 1000 && rtcpInvalid > 1000, 'rtpInvalid > 1000 && rtcpInvalid > 1000');
  assert.equal(s.receiveRtp(stun, t + 1), undefined);
});

test("'inactivity' fires once per silence, also with RTCP off", () => {
  for (const enabled of [true, false]) {
    const a = session(0x91, 'a', 81);
    const b = session(0x92, 'b', 82, { inactivityTimeoutMs: 1000, rtcp: { enabled } });
    const events: number[] = [];
    b.on('inactivity', (e) => events.push(e.silentMs));
    for (let i = 0; i < 25; i++) b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: i * 160 }, i * 20), i * 20 + 10);
    // Last packet at 490: the deadline is 1490.
    const next = b.nextRtcpMs();
    assert.ok(next !== undefined && next <= 1490, 'next !== undefined && next <= 1490');
    let t = 490;
    while (events.length === 0 && t < 5000) {
      t = Math.max(t + 1, b.nextRtcpMs() ?? t + 1);
      b.pollRtcp(t);
    }
    assert.deepEqual(events, [1000], `rtcp ${enabled}`);
    assert.equal(t, 1490);
    b.pollRtcp(4000);
    assert.equal(events.length, 1);
    if (!enabled) assert.equal(b.nextRtcpMs(), undefined, 'nothing scheduled');
    // A packet re-arms it.
    b.receiveRtp(a.sendRtp({ payload: PAYLOAD, timestamp: 25 * 160 }, 4500), 4500);
    b.pollRtcp(5600);
    assert.deepEqual(events, [1000, 1100]);
  }
  // Without a packet at all, from the start.
  const c = session(0x93, 'c', 1, { inactivityTimeoutMs: 300, startMs: 1000 });
  let fired = 0;
  c.on('inactivity', () => fired++);
  c.pollRtcp(1299);
  assert.equal(fired, 0);
  c.pollRtcp(1300);
  assert.equal(fired, 1);
});

test("events: 'payload-type-changed' and 'timestamp-jump'", () => {
  const b = session(0xa2, 'b', 92);
  const pts: Array<{ previous: number; current: number }> = [];
  const jumps: Array<{ skew: number; skewMs: number; sequenceNumber: number }> = [];
  b.on('payload-type-changed', (e) => pts.push({ previous: e.previous, current: e.current }));
  b.on('timestamp-jump', (e) => jumps.push({ skew: e.skew, skewMs: e.skewMs, sequenceNumber: e.sequenceNumber }));
  let seq = 1;
  const at = (i: number): number => i * 20;
  for (let i = 0; i < 10; i++) b.receiveRtp(foreign(0xa1, seq++, i * 160, 0), at(i));
  b.receiveRtp(foreign(0xa1, seq++, 10 * 160, 101), at(10)); // DTMF event
  b.receiveRtp(foreign(0xa1, seq++, 11 * 160, 0), at(11));
  assert.deepEqual(pts, [
    { previous: 0, current: 101 },
    { previous: 101, current: 0 },
  ]);
  // 2 s of timestamp in 20 ms: a jump (default threshold 1 s).
  b.receiveRtp(foreign(0xa1, seq++, 12 * 160 + 16000, 0), at(12));
  assert.equal(jumps.length, 1);
  assert.equal(jumps[0].skew, 16000);
  assert.equal(jumps[0].skewMs, 2000);
  assert.equal(jumps[0].sequenceNumber, 13);
  // Silence suppression: 3 s without packets, timestamps moved on by 3 s: no jump.
  b.receiveRtp(foreign(0xa1, seq++, 13 * 160 + 16000 + 24000, 0), at(13) + 3000);
  assert.equal(jumps.length, 1);
  assert.equal(b.stats.timestampJumps, 1);
  assert.ok(b.stats.jitter! < 100, `jitter ${b.stats.jitter} not blown up by the jump`);
});

test('RTCP: invalid compounds counted, feedback counted by type and returned, reduced size opt-in', () => {
  const s = session(0xb1, 's', 101);
  assert.equal(s.receiveRtcp(Uint8Array.of(0x80, 0xc9, 0, 5), 0), undefined);
  assert.equal(s.stats.rtcp.invalid, 1);
  const rr = { type: 'rr' as const, ssrc: 0xb2, reports: [], profileExtensions: new Uint8Array(0) };
  const pkts: RtcpPacket[] = [
    rr,
    cnameSdes(0xb2, 'peer'),
    { type: 'pli', senderSsrc: 0xb2, mediaSsrc: 0xb1 },
    { type: 'nack', senderSsrc: 0xb2, mediaSsrc: 0xb1, pairs: [{ pid: 5, blp: 0 }] },
    { type: 'nack', senderSsrc: 0xb2, mediaSsrc: 0xb1, pairs: [{ pid: 9, blp: 0 }] },
    { type: 'app', subtype: 1, ssrc: 0xb2, name: 'TEST', data: new Uint8Array(4) },
  ];
  const got = s.receiveRtcp(serializeCompound(pkts), 1);
  assert.equal(got?.length, 6);
  assert.deepEqual(s.stats.rtcp.feedbackReceived, { pli: 1, nack: 2, app: 1 });
  assert.equal(s.stats.rtcp.rrReceived, 1);
  assert.equal(s.stats.rtcp.received, 1);
  // A lone PLI (RFC 5506) is invalid unless reduced size is on.
  const lone = serializeCompound([{ type: 'pli', senderSsrc: 0xb2, mediaSsrc: 0xb1 }]);
  assert.equal(s.receiveRtcp(lone, 2), undefined);
  assert.equal(s.stats.rtcp.invalid, 2);
  const r = session(0xb1, 's', 101, { rtcp: { reducedSize: true } });
  assert.equal(r.receiveRtcp(lone, 2)?.[0].type, 'pli');
  assert.deepEqual(r.stats.rtcp.feedbackReceived, { pli: 1 });
});

test('report blocks about us: fraction lost, remote jitter; RTCP off sends nothing', () => {
  const a = session(0xc1, 'a', 111);
  a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0);
  const rr = serializeCompound([
    {
      type: 'rr',
      ssrc: 0xc2,
      reports: [
        { ssrc: 0xc1, fractionLost: 64, cumulativeLost: 12, highestSequence: 1000, jitter: 80, lsr: 0, dlsr: 0 },
        { ssrc: 0x1, fractionLost: 255, cumulativeLost: 1, highestSequence: 1, jitter: 1, lsr: 0, dlsr: 0 },
      ],
      profileExtensions: new Uint8Array(0),
    },
    cnameSdes(0xc2, 'peer'),
  ]);
  a.receiveRtcp(rr, 100);
  const st = a.stats;
  assert.equal(st.fractionLost, 0.25);
  assert.equal(st.remoteJitterMs, 10);
  assert.equal(st.remoteCumulativeLost, 12);
  assert.equal(st.rttMs, null, 'no LSR: no RTT');
  const off = session(0xc3, 'x', 1, { rtcp: { enabled: false } });
  off.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 0);
  assert.equal(off.nextRtcpMs(), undefined);
  for (let t = 0; t < 60_000; t += 100) assert.equal(off.pollRtcp(t), undefined);
  assert.equal(off.bye(60_000), undefined);
  // Before any time was seen, nextRtcpMs asks for a poll at once.
  const lazy = new RtpSession({ clockRate: 8000, payloadType: 0, random: new Random(1) });
  assert.equal(lazy.nextRtcpMs(), 0);
  assert.equal(lazy.pollRtcp(123_456), undefined);
  assert.ok(lazy.nextRtcpMs()! > 123_456, 'lazy.nextRtcpMs()! > 123_456');
  assert.match(lazy.cname, /^mediaweave@[0-9a-f]{16}$/);
});

test('sendRtp: fresh buffer by default, caller buffer when given; options validated', () => {
  const a = session(0xd1, 'a', 1, { initialSequence: 10, initialTimestamp: 1000 });
  const p1 = a.sendRtp({ payload: PAYLOAD, timestamp: 0, marker: true }, 0);
  const p2 = a.sendRtp({ payload: PAYLOAD, timestamp: 160, payloadType: 13 }, 20);
  // Fresh bytes: a later packet does not overwrite an earlier one.
  const copy1 = Uint8Array.from(p1);
  for (let i = 0; i < 500; i++) a.sendRtp({ payload: new Uint8Array(200).fill(i & 0xff), timestamp: 0 }, 30);
  assert.deepEqual(Uint8Array.from(p1), copy1);
  assert.equal(p1.byteOffset % 8, 0);
  assert.equal(p1.length, 172);
  assert.equal(a.sendRtp({ payload: new Uint8Array(9000), timestamp: 0 }, 30).length, 9012, 'large packets get their own buffer');
  const h1 = parseRtpPacket(p1);
  assert.deepEqual([h1.sequenceNumber, h1.timestamp, h1.marker, h1.payloadType, h1.ssrc], [10, 1000, true, 0, 0xd1]);
  const h2 = parseRtpPacket(p2);
  assert.deepEqual([h2.sequenceNumber, h2.timestamp, h2.marker, h2.payloadType], [11, 1160, false, 13]);
  const seqAfter = a.sequenceNumber;
  const out = new Uint8Array(1500);
  const p3 = a.sendRtp({ payload: PAYLOAD, timestamp: 320, csrc: [7], extensions: [{ id: 1, data: Uint8Array.of(0x80) }] }, 40, out);
  assert.equal(p3.buffer, out.buffer);
  const h3 = parseRtpPacket(p3);
  assert.deepEqual(h3.csrc, [7]);
  assert.equal(h3.extensions[0].id, 1);
  assert.throws(() => a.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 60, new Uint8Array(10)));
  assert.equal(a.sequenceNumber, (seqAfter + 1) & 0xffff, 'a failed send does not use a sequence number');
  assert.throws(() => a.sendRtp({ payload: PAYLOAD, timestamp: Number.NaN }, 60));
  assert.throws(() => new RtpSession({ clockRate: 0, payloadType: 0 }));
  assert.throws(() => new RtpSession({ clockRate: 8000, payloadType: 128 }));
  assert.throws(() => new RtpSession({ clockRate: 8000, payloadType: 0, ssrc: 2 ** 32 }));
  assert.throws(() => new RtpSession({ clockRate: 8000, payloadType: 0, initialSequence: 65536 }));
  assert.throws(() => new RtpSession({ clockRate: 8000, payloadType: 0, cname: 'x'.repeat(256) }));
  assert.throws(() => new RtpSession({ clockRate: 8000, payloadType: 0, inactivityTimeoutMs: 0 }));
  const r = new RtpSession({ clockRate: 8000, payloadType: 0 });
  assert.ok(Number.isInteger(r.ssrc) && r.ssrc >= 0 && r.ssrc < 2 ** 32, 'Number.isInteger(r.ssrc) && r.ssrc >= 0 && r.ssrc < 2 ** 32');
});
