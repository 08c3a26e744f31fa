/**
 * Fuzzing of the RTP session: random datagrams and mutations of valid RTP/RTCP packets are fed
 * to `receiveRtp` and `receiveRtcp` of a session that is also sending and polling its RTCP
 * timer. Checks: nothing throws, no call hangs, every datagram that does not parse is counted in
 * `received.invalid` / `rtcp.invalid`, and the counters stay consistent.
 */
import { Random } from '../core/random.js';
import { ParseError } from '../core/errors.js';
import { builtInCorpus, type FuzzResult } from './fuzz.js';
import { parseRtpPacket } from './packet.js';
import { parseCompound } from './rtcp/compound.js';
import { RtpSession } from './session.js';

// Generous: a parser call takes microseconds; only a real hang (a loop on a length field) takes
// this long, while GC pauses and a loaded CI machine must not fail the run.
const HANG_MS = 1000;

function mutate(rng: Random, src: Uint8Array): Uint8Array {
  const b = src.slice();
  switch (rng.nextInt(5)) {
    case 0: // flip bits
      for (let i = 0, n = 1 + rng.nextInt(4); i < n && b.length; i++) b[rng.nextInt(b.length)]! ^= 1 << rng.nextInt(8);
      return b;
    case 1: // truncate
      return b.subarray(0, rng.nextInt(b.length + 1));
    case 2: // random byte values at random places
      for (let i = 0, n = 1 + rng.nextInt(6); i < n && b.length; i++) b[rng.nextInt(b.length)] = rng.nextInt(256);
      return b;
    case 3: // extend with junk
      return Uint8Array.from([...b, ...Array.from({ length: 1 + rng.nextInt(40) }, () => rng.nextInt(256))]);
    default: // pure random
      return Uint8Array.from({ length: rng.nextInt(200) }, () => rng.nextInt(256));
  }
}

function parses(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof ParseError) return false;
    throw e;
  }
}

export function fuzzSession(budgetMs: number, seed: number): FuzzResult {
  const rng = new Random(seed);
  const corpus = builtInCorpus();
  const session = new RtpSession({ clockRate: 8000, payloadType: 0, random: new Random(seed + 1), wallClockMs: (t) => 1.7e12 + t });
  const failures: string[] = [];
  let iterations = 0;
  let rejected = 0;
  let expectInvalidRtp = 0;
  let expectInvalidRtcp = 0;
  let now = 0;
  const end = performance.now() + budgetMs;
  const payload = new Uint8Array(160);
  while (performance.now() < end && failures.length < 20) {
    iterations++;
    now += rng.nextInt(20);
    const data = mutate(rng, corpus[rng.nextInt(corpus.length)]!);
    const asRtcp = rng.nextInt(2) === 0;
    const t0 = performance.now();
    try {
      if (asRtcp) {
        const ok = parses(() => parseCompound(data));
        const r = session.receiveRtcp(data, now);
        if (!ok) {
          expectInvalidRtcp++;
          rejected++;
          if (r !== undefined) failures.push(`receiveRtcp accepted a compound parseCompound rejects: ${Buffer.from(data).toString('hex')}`);
        }
      } else {
        const ok = parses(() => parseRtpPacket(data));
        session.receiveRtp(data, now);
        if (!ok) {
          expectInvalidRtp++;
          rejected++;
        }
      }
      if (iterations % 7 === 0) session.sendRtp({ payload, timestamp: iterations * 160 }, now);
      const next = session.nextRtcpMs();
      if (next !== undefined && now >= next) session.pollRtcp(now);
    } catch (e) {
      failures.push(`${asRtcp ? 'receiveRtcp' : 'receiveRtp'} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} on ${Buffer.from(data).toString('hex')}`);
    }
    const dt = performance.now() - t0;
    if (dt > HANG_MS) failures.push(`a call took ${dt.toFixed(0)} ms on ${Buffer.from(data).toString('hex')}`);
  }
  const s = session.stats;
  if (s.received.invalid !== expectInvalidRtp) failures.push(`received.invalid ${s.received.invalid} ≠ ${expectInvalidRtp} unparseable RTP datagrams`);
  if (s.rtcp.invalid < expectInvalidRtcp) failures.push(`rtcp.invalid ${s.rtcp.invalid} < ${expectInvalidRtcp} unparseable RTCP datagrams`);
  if (s.received.lost < 0) failures.push(`received.lost negative: ${s.received.lost}`);
  return { iterations, rejected, failures };
}
