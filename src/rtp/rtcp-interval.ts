/**
 * The RTCP transmission interval (RFC 3550 §6.2, §6.3 and the reference code of A.7), and the
 * timer rules around it: reconsideration when the timer fires (§6.3.6), reverse reconsideration
 * when members leave (§6.3.4), and the member and sender timeouts (§6.3.5). Pure arithmetic on
 * times passed in: no timers here; the session asks `nextMs` and calls `onExpire(now)`.
 *
 * Units: times and intervals in milliseconds; `rtcpBw` in octets per second and packet sizes in
 * octets, as in A.7 (sizes include the UDP and IP headers, RFC 3550 §6.2).
 */
import type { Random } from '../core/random.js';

/** RFC 3550 §6.2: the recommended fixed minimum interval. */
export const RTCP_MIN_INTERVAL_MS = 5000;
/** RFC 3550 §6.2: the fraction of the session bandwidth given to RTCP. */
export const RTCP_BANDWIDTH_FRACTION = 0.05;
/** RFC 3550 §6.2: senders get a quarter of the RTCP bandwidth when they are at most a quarter of the members. */
export const RTCP_SENDER_BW_FRACTION = 0.25;
export const RTCP_RCVR_BW_FRACTION = 1 - RTCP_SENDER_BW_FRACTION;
/**
 * RFC 3550 §6.3.1 / A.7: e − 3/2, dividing the randomised interval by it compensates for the
 * timer reconsideration algorithm converging to a value below the average.
 */
export const RTCP_COMPENSATION = Math.E - 1.5;
/** RFC 3550 §6.3.5: a member not heard for this many deterministic intervals times out. */
export const RTCP_MEMBER_TIMEOUT_INTERVALS = 5;
/** IPv4 (20) + UDP (8) header octets, added to RTCP sizes for the average (RFC 3550 §6.2). */
export const IPV4_UDP_OVERHEAD = 28;
/** IPv4 + UDP + RTP fixed header octets per RTP packet. */
export const RTP_PACKET_OVERHEAD = 40;

export interface RtcpIntervalParams {
  /** Session members, ourselves included (RFC 3550 §6.3: members). */
  members: number;
  /** Members that sent RTP recently, ourselves included if we did (senders). */
  senders: number;
  /** Bandwidth for RTCP, octets per second (5 % of the session bandwidth, RFC 3550 §6.2). */
  rtcpBw: number;
  /** Whether we sent RTP since the second-to-last report (we_sent). */
  weSent: boolean;
  /** Average compound RTCP packet size, octets, UDP/IP headers included (avg_rtcp_size). */
  avgRtcpSize: number;
  /** Before our first RTCP packet: the minimum is halved (RFC 3550 §6.2). */
  initial: boolean;
  /** The minimum interval, ms (default 5000; see {@link reducedMinimumIntervalMs}). */
  minIntervalMs?: number;
}

/**
 * The deterministic calculated interval Td in ms (RFC 3550 §6.3.1 steps 1–3 / A.7 before
 * randomisation): members (or senders) × average size over the bandwidth share, at least the
 * minimum (halved for the initial packet).
 */
export function rtcpDeterministicInterval(p: RtcpIntervalParams): number {
  let minMs = p.minIntervalMs ?? RTCP_MIN_INTERVAL_MS;
  if (p.initial) minMs /= 2;
  let n = p.members;
  let bw = p.rtcpBw;
  // RFC 3550 §6.2: if senders are at most 25 % of the members, senders share 25 % of the RTCP
  // bandwidth and receivers the other 75 %; otherwise everybody shares all of it.
  if (p.senders <= p.members * RTCP_SENDER_BW_FRACTION) {
    if (p.weSent) {
      bw *= RTCP_SENDER_BW_FRACTION;
      n = p.senders;
    } else {
      bw *= RTCP_RCVR_BW_FRACTION;
      n -= p.senders;
    }
  }
  const t = bw > 0 ? (p.avgRtcpSize * Math.max(1, n) * 1000) / bw : Number.POSITIVE_INFINITY;
  return Math.max(t, minMs);
}

/**
 * The RTCP transmission interval in ms (RFC 3550 §6.3.1 / A.7 rtcp_interval): Td randomised
 * uniformly over [0.5, 1.5] × Td to avoid synchronisation of reports, divided by e − 3/2.
 * Deterministic for a seeded `random`.
 */
export function rtcpInterval(p: RtcpIntervalParams, random: Random): number {
  return (rtcpDeterministicInterval(p) * (random.nextFloat() + 0.5)) / RTCP_COMPENSATION;
}

/**
 * RFC 3550 §6.2's "reduced minimum": 360 divided by the session bandwidth in kbit/s, seconds
 * (below 5 s above 72 kbit/s). Returned in ms.
 */
export function reducedMinimumIntervalMs(sessionBandwidthBps: number): number {
  return 360 / (sessionBandwidthBps / 1000) * 1000;
}

/**
 * A default session bandwidth, bit/s, from the codec bitrate and the per-packet header overhead
 * (IP + UDP + RTP, 40 octets over IPv4) at the packet rate: what one sender puts on the wire,
 * the figure RFC 3550 §6.2 expects ("the nominal data bandwidth plus lower-layer overhead").
 */
export function sessionBandwidthBps(codecBitrateBps: number, packetTimeMs = 20, overheadOctets = RTP_PACKET_OVERHEAD): number {
  return codecBitrateBps + (overheadOctets * 8 * 1000) / packetTimeMs;
}

/** RTCP bandwidth in octets per second for a session bandwidth in bit/s (5 %, RFC 3550 §6.2). */
export function rtcpBandwidthOctets(sessionBandwidthBps: number, fraction = RTCP_BANDWIDTH_FRACTION): number {
  return (sessionBandwidthBps * fraction) / 8;
}

export interface RtcpTimerOptions {
  /** RTCP bandwidth, octets per second. */
  rtcpBw: number;
  /** Minimum interval, ms (default 5000). */
  minIntervalMs?: number;
  /** Size estimate of our first compound packet, octets with UDP/IP (avg_rtcp_size's start value). */
  initialAvgRtcpSize: number;
  random: Random;
}

/**
 * The state of A.7 for one participant: tp (last transmission), tn (next scheduled), pmembers,
 * members, senders, avg_rtcp_size, initial, we_sent. The owner keeps `members`, `senders` and
 * `weSent` current and calls {@link RtcpTimer.onExpire} when `nextMs` is reached.
 */
export class RtcpTimer {
  readonly #random: Random;
  rtcpBw: number;
  minIntervalMs: number;
  /** tp: when we last sent RTCP (the start time before the first). */
  tp = 0;
  /** tn: when the next RTCP is due (after reconsideration). */
  tn = 0;
  pmembers = 1;
  members = 1;
  senders = 0;
  weSent = false;
  avgRtcpSize: number;
  initial = true;
  #started = false;

  constructor(options: RtcpTimerOptions) {
    this.#random = options.random;
    this.rtcpBw = options.rtcpBw;
    this.minIntervalMs = options.minIntervalMs ?? RTCP_MIN_INTERVAL_MS;
    this.avgRtcpSize = options.initialAvgRtcpSize;
  }

  get started(): boolean {
    return this.#started;
  }

  #params(initial: boolean): RtcpIntervalParams {
    return {
      members: this.members,
      senders: this.senders,
      rtcpBw: this.rtcpBw,
      weSent: this.weSent,
      avgRtcpSize: this.avgRtcpSize,
      initial,
      minIntervalMs: this.minIntervalMs,
    };
  }

  /** A freshly randomised interval with the current state (ms). */
  interval(initial = this.initial): number {
    return rtcpInterval(this.#params(initial), this.#random);
  }

  /**
   * Td for the timeouts of RFC 3550 §6.3.5: computed as a receiver (we_sent false), not initial,
   * with the fixed 5 s minimum even when a reduced minimum is in use, so that a member is not
   * timed out early by participants that report less often.
   */
  timeoutBaseMs(): number {
    return rtcpDeterministicInterval({ ...this.#params(false), weSent: false, minIntervalMs: Math.max(this.minIntervalMs, RTCP_MIN_INTERVAL_MS) });
  }

  /** Joins the session at `nowMs` (RFC 3550 §6.3.2: tp = 0, tn = T with the initial minimum). */
  start(nowMs: number): void {
    this.#started = true;
    this.tp = nowMs;
    this.pmembers = this.members;
    this.tn = nowMs + this.interval(true);
  }

  /**
   * The timer fired at `nowMs` (RFC 3550 §6.3.6 / A.7 OnExpire, timer reconsideration): T is
   * recomputed with the current state; if tp + T is still in the future the timer is
   * rescheduled there and false returned; otherwise a report is due now (true): build it, send
   * it and call {@link RtcpTimer.onSent}.
   */
  onExpire(nowMs: number): boolean {
    const t = this.interval();
    const tn = this.tp + t;
    this.pmembers = this.members;
    if (tn > nowMs) {
      this.tn = tn;
      return false;
    }
    return true;
  }

  /**
   * We sent a compound packet of `sizeOctets` (UDP/IP included) at `nowMs`: A.7's update of
   * avg_rtcp_size (RFC 3550 §6.3.3 weights 1/16), tp = now, the next interval drawn as
   * non-initial.
   */
  onSent(sizeOctets: number, nowMs: number): void {
    this.avgRtcpSize = sizeOctets / 16 + (15 / 16) * this.avgRtcpSize;
    this.tp = nowMs;
    this.initial = false;
    this.pmembers = this.members;
    this.tn = nowMs + this.interval(false);
  }

  /** A compound packet of `sizeOctets` (UDP/IP included) was received (RFC 3550 §6.3.3). */
  onReceived(sizeOctets: number): void {
    this.avgRtcpSize = sizeOctets / 16 + (15 / 16) * this.avgRtcpSize;
  }

  /**
   * Members left (BYE or timeout) and `members` was lowered: reverse reconsideration
   * (RFC 3550 §6.3.4) pulls tn and tp towards now by members/pmembers, so the remaining members
   * do not under-report while their estimate of the group shrinks.
   */
  reverseReconsider(nowMs: number): void {
    if (!this.#started || this.members >= this.pmembers) return;
    const ratio = this.members / this.pmembers;
    this.tn = nowMs + ratio * (this.tn - nowMs);
    this.tp = nowMs - ratio * (nowMs - this.tp);
    this.pmembers = this.members;
  }
}
