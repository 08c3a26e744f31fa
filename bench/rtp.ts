/**
 * RTP throughput: packet parse + serialise, and an RtpSession pair (send → receive), against a
 * baseline measured in the same run (copying the same bytes with Uint8Array.set), so the ratios
 * compare across machines even when the absolute figures do not.
 *
 * `runRtpBench()` returns the rows for bench/run.ts; run directly
 * (`node --import tsx bench/rtp.ts`) it prints them with `printResults`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Random } from '../src/core/random.js';
import { newRtpHeaderPeek, parseRtpPacket, peekRtpHeader, serializeRtpPacket } from '../src/rtp/packet.js';
import { parseCompound } from '../src/rtp/rtcp/compound.js';
import { RtpSession } from '../src/rtp/session.js';
import { type BenchResult, printResults } from './types.js';

/** Packets per kernel call: amortises the call and timing overhead. */
const BATCH = 64;
/** A 20 ms G.711 payload: the typical voice packet (172 bytes on the wire). */
const PAYLOAD = new Uint8Array(160).map((_, i) => (i * 37) & 0xff);
const PACKETS: Uint8Array[] = [];
for (let i = 0; i < BATCH; i++) {
  PACKETS.push(serializeRtpPacket({ payloadType: 0, sequenceNumber: (65500 + i) & 0xffff, timestamp: (i * 160) >>> 0, ssrc: 0x12345678, marker: i === 0, payload: PAYLOAD }));
}
const OUT = new Uint8Array(1500);
const PEEK = newRtpHeaderPeek();
let sink = 0; // keeps results alive so the JIT cannot drop the work

function copyKernel(): void {
  for (let k = 0; k < BATCH; k++) {
    const p = PACKETS[k];
    OUT.set(p);
    sink ^= OUT[k];
  }
}

function parseSerializeKernel(): void {
  for (let k = 0; k < BATCH; k++) {
    const p = parseRtpPacket(PACKETS[k]);
    const b = serializeRtpPacket(p, OUT);
    sink ^= b[3];
  }
}

function parseKernel(): void {
  for (let k = 0; k < BATCH; k++) sink ^= parseRtpPacket(PACKETS[k]).sequenceNumber;
}

function peekKernel(): void {
  for (let k = 0; k < BATCH; k++) {
    peekRtpHeader(PACKETS[k], PEEK);
    sink ^= PEEK.sequenceNumber;
  }
}

// A pair of sessions: A sends, B receives, virtual time advancing 20 ms a packet. RTCP is on but
// with a 5 s minimum it does not fire inside a kernel call often enough to matter; the kernel polls
// it as a stream would (once a packet).
const sessionA = new RtpSession({ clockRate: 8000, payloadType: 0, ssrc: 1, cname: 'a', random: new Random(1), startMs: 0, wallClockMs: (t) => 1.7e12 + t });
const sessionB = new RtpSession({ clockRate: 8000, payloadType: 0, ssrc: 2, cname: 'b', random: new Random(2), startMs: 0, wallClockMs: (t) => 1.7e12 + t });
/** For the send-only figures (so that A's sequence stays continuous for B). */
const sessionS = new RtpSession({ clockRate: 8000, payloadType: 0, ssrc: 5, cname: 's', random: new Random(5), startMs: 0, wallClockMs: (t) => 1.7e12 + t });
let sendNow = 0;
let now = 0;
let mediaTs = 0;
const frame = { payload: PAYLOAD, timestamp: 0 };
const sendFrame = { payload: PAYLOAD, timestamp: 0 };

function sessionKernel(): void {
  for (let k = 0; k < BATCH; k++) {
    now += 20;
    frame.timestamp = mediaTs;
    mediaTs += 160;
    const bytes = sessionA.sendRtp(frame, now);
    const p = sessionB.receiveRtp(bytes, now + 30);
    if (p !== undefined) sink ^= p.sequenceNumber;
    if (sessionB.nextRtcpMs()! <= now) {
      const r = sessionB.pollRtcp(now);
      if (r) sessionA.receiveRtcp(r, now + 30);
    }
    if (sessionA.nextRtcpMs()! <= now) {
      const r = sessionA.pollRtcp(now);
      if (r) sessionB.receiveRtcp(r, now + 30);
    }
  }
}

function sessionSendFreshKernel(): void {
  for (let k = 0; k < BATCH; k++) {
    sendNow += 20;
    sink ^= sessionS.sendRtp(sendFrame, sendNow)[3];
  }
}

function sessionSendOutKernel(): void {
  for (let k = 0; k < BATCH; k++) {
    sendNow += 20;
    sink ^= sessionS.sendRtp(sendFrame, sendNow, OUT)[3];
  }
}

const COMPOUND = (() => {
  const s = new RtpSession({ clockRate: 8000, payloadType: 0, ssrc: 3, cname: 'mediaweave@0123456789abcdef', random: new Random(3), startMs: 0 });
  const peer = new RtpSession({ clockRate: 8000, payloadType: 0, ssrc: 4, random: new Random(4), startMs: 0 });
  for (let i = 0; i < 10; i++) s.receiveRtp(peer.sendRtp({ payload: PAYLOAD, timestamp: i * 160 }, i * 20), i * 20);
  s.sendRtp({ payload: PAYLOAD, timestamp: 0 }, 200);
  let out: Uint8Array | undefined;
  for (let t = 200; out === undefined; t += 10) out = s.pollRtcp(t);
  return out;
})();

function rtcpParseKernel(): void {
  for (let k = 0; k < BATCH; k++) sink ^= parseCompound(COMPOUND).length;
}

/** Packets per second of `work` (BATCH packets a call) over about `ms`. */
function rateOver(work: () => void, ms: number): number {
  let calls = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < ms) {
    work();
    calls++;
    t1 = performance.now();
  }
  return (calls * BATCH) / ((t1 - t0) / 1000);
}

interface Measured {
  rate: number;
  ratio: number;
}

/**
 * Rate of `work` and its ratio to the copy baseline, measured alternately in 7 rounds after a
 * warm-up; medians of both (alternating keeps the ratio meaningful on a loaded machine).
 */
function measure(work: () => void): Measured {
  rateOver(work, 100);
  rateOver(copyKernel, 50);
  const rates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < 7; r++) {
    const base = rateOver(copyKernel, 40);
    const rate = rateOver(work, 80);
    const base2 = rateOver(copyKernel, 40);
    rates.push(rate);
    ratios.push(rate / ((base + base2) / 2));
  }
  const median = (a: number[]): number => a.sort((x, y) => x - y)[a.length >> 1];
  return { rate: median(rates), ratio: median(ratios) };
}

export async function runRtpBench(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const base = measure(copyKernel);
  rows.push({ name: 'baseline: Uint8Array.set copy of a 172-byte RTP packet', value: base.rate, unit: 'packets/s' });
  const kernels: Array<[string, () => void, string]> = [
    ['RTP peekRtpHeader', peekKernel, 'fixed header into a reused object, no allocation'],
    ['RTP parseRtpPacket', parseKernel, 'payload as a view'],
    ['RTP parse + serialise (into a reused buffer)', parseSerializeKernel, ''],
    ['RtpSession send (into a caller buffer)', sessionSendOutKernel, 'sequence, timestamp, counters, loop ring'],
    ['RtpSession send (fresh buffer)', sessionSendFreshKernel, 'the default: new bytes a packet (pooled slab views), safe for async sends'],
    ['RtpSession send + receive (A.1/A.3/A.8, fresh buffer)', sessionKernel, 'a packet through both sessions, RTCP polled'],
    ['RTCP parseCompound (SR + 1 block + SDES)', rtcpParseKernel, `${COMPOUND.length}-byte compound`],
  ];
  for (const [name, fn, note] of kernels) {
    await new Promise<void>((r) => setImmediate(r));
    const m = measure(fn);
    rows.push({ name, value: m.rate, unit: 'packets/s', note: note || undefined });
    rows.push({ name: `${name} / copy baseline`, value: m.ratio, unit: 'ratio', note: 'median of 7 rounds alternating with the copy' });
  }
  const s = sessionB.stats;
  if (s.received.lost !== 0 || s.received.invalid !== 0 || s.received.packets === 0) {
    throw new Error(`bench session pair: ${s.received.packets} received, ${s.received.lost} lost, ${s.received.invalid} invalid`);
  }
  rows.push({ name: 'RtpSession send + receive: real-time 50 packet/s streams per core', value: measure(sessionKernel).rate / 50, unit: 'streams' });
  if (sink === 0x7fffffff) console.log(''); // never true; reads `sink`
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults('rtp', await runRtpBench());
}
