/**
 * The RTP session (RFC 3550), sans-IO, as Mediastreamer2's RtpSession: one local SSRC sending one
 * stream, receiving one remote stream and tolerating others. Bytes and times go in, bytes,
 * timers and events come out:
 *
 *   send:     sendRtp(frame, now) → datagram for the RTP socket
 *   receive:  receiveRtp(datagram, now) → packet of the current remote source, or undefined
 *             receiveRtcp(datagram, now) → the compound's packets, or undefined if invalid
 *   timers:   nextRtcpMs() → when to call pollRtcp(now) → a compound RTCP datagram to send, or
 *             undefined (call again while it returns one); it also runs the inactivity timer
 *   leave:    bye(now, reason) → the BYE compound (RFC 3550 §6.6)
 *
 * Time is always passed in (`nowMs`, monotonic milliseconds); wall-clock time for the NTP
 * timestamps of sender reports comes from the `wallClockMs` option. Nothing here reads a clock,
 * opens a socket or sets a timer. Packet faults are counted in `stats`, never thrown (DESIGN §8).
 *
 * Receive side, in order:
 * 1. parse (invalid → `received.invalid`);
 * 2. our own SSRC: a packet we sent (same sequence number and timestamp as one of our last 1024)
 *    is a loop (RFC 3550 §8.2, `received.loops`), anything else a collision (RFC 3550 §8.2: we
 *    take a new SSRC, queue a BYE for the old one, event 'ssrc-collision'); sans-IO we have no
 *    transport addresses, so the packet contents tell loop from collision;
 * 3. source validation (RFC 3550 A.1): before a remote source is established, packets of sources
 *    on probation are delivered (a call's first packet is not thrown away) and the first source
 *    to validate becomes the remote one (event 'remote-ssrc'); afterwards packets of other SSRCs
 *    are counted (`received.otherSsrc`) and dropped, and a validated other source replaces the
 *    remote one once that has been silent for `sourceSwitchMs` or said BYE (event 'ssrc-changed');
 * 4. duplicates (`received.duplicated`) and unconfirmed sequence jumps (`received.badSequence`)
 *    are dropped; events 'payload-type-changed' and 'timestamp-jump'.
 */
import { StateError, ConfigError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { Random, cryptoRandomSeed, cryptoRandomU32 } from '../core/random.js';
import { ntpCompact, ntpFromUnixMs, rttMsFromReport } from './ntp.js';
import { type RtpPacket, type RtpPacketInit, parseRtpPacket, serializeRtpPacket } from './packet.js';
import type { RtpHeaderExtension } from './header-extension.js';
import { staticPayloadType } from './payload-types.js';
import { type RtcpPacket, parseCompound, serializeCompound } from './rtcp/compound.js';
import type { ReceptionReport } from './rtcp/reception-report.js';
import { SdesType, type SourceDescription, cnameSdes, sizeSdes } from './rtcp/sdes.js';
import {
  IPV4_UDP_OVERHEAD,
  RTCP_MEMBER_TIMEOUT_INTERVALS,
  RTCP_MIN_INTERVAL_MS,
  RtcpTimer,
  reducedMinimumIntervalMs,
  rtcpBandwidthOctets,
  sessionBandwidthBps,
} from './rtcp-interval.js';
import { SeqStatus, SourceStats } from './source-stats.js';

export interface RtcpSessionOptions {
  /** Send RTCP reports (default true). Received RTCP is processed either way. */
  enabled?: boolean;
  /** Minimum report interval, ms (RFC 3550 §6.2; default 5000, or the reduced minimum with `reducedMinimum`). */
  minIntervalMs?: number;
  /** Use RFC 3550 §6.2's reduced minimum, 360 / (session kbit/s) seconds, when `minIntervalMs` is not given. */
  reducedMinimum?: boolean;
  /** Accept reduced-size RTCP (RFC 5506: compounds not starting with SR/RR) on receive. */
  reducedSize?: boolean;
  /** Send a BYE when leaving (default true). */
  bye?: boolean;
}

export interface RtpSessionOptions {
  /** RTP clock rate of the stream, Hz (both directions). */
  clockRate: number;
  /** Payload type of what we send (each `sendRtp` may override it). */
  payloadType: number;
  /** Our SSRC (default: random from node:crypto, RFC 3550 §8.1). */
  ssrc?: number;
  /** First sequence number (default random, RFC 3550 §5.1). */
  initialSequence?: number;
  /** Offset added to media timestamps (default random, RFC 3550 §5.1). */
  initialTimestamp?: number;
  /** Our CNAME (default `mediaweave@<random hex>`, RFC 3550 §6.5.1). */
  cname?: string;
  /**
   * Session bandwidth, bit/s, on which the RTCP share (5 %) is computed (RFC 3550 §6.2). Default:
   * `codecBitrateBps` (or the static payload type's bitrate, or 64 kbit/s) plus 40 octets of
   * IP/UDP/RTP header per packet every `packetTimeMs`.
   */
  sessionBandwidthBps?: number;
  codecBitrateBps?: number;
  /** Packet duration, ms, for the default session bandwidth (default 20). */
  packetTimeMs?: number;
  rtcp?: RtcpSessionOptions;
  /** Emit 'inactivity' after this many ms without an RTP packet (default: never). */
  inactivityTimeoutMs?: number;
  /**
   * A timestamp that advances more than this many ms (in clock units) beyond what the arrival
   * time of an in-sequence packet predicts, or falls that far behind, is a 'timestamp-jump'
   * (default 1000).
   */
  timestampJumpMs?: number;
  /** Silence of the remote source after which a newly validated SSRC replaces it, ms (default 200). */
  sourceSwitchMs?: number;
  /** The session's start (monotonic ms); default: the first call that passes a time. */
  startMs?: number;
  /** Randomness for the RTCP interval (RFC 3550 §6.3.1); seed it for deterministic tests. Default from node:crypto. */
  random?: Random;
  /** Wall-clock Unix ms for a monotonic time (NTP timestamps of SRs). Default `performance.timeOrigin + nowMs`. */
  wallClockMs?: (nowMs: number) => number;
}

/** One frame to send (`sendRtp`). */
export interface RtpSendFrame {
  payload: Uint8Array;
  /** Media timestamp in clock units, starting from 0; the session adds its random offset (mod 2^32). */
  timestamp: number;
  marker?: boolean;
  /** Overrides the session's payload type for this packet (e.g. telephone-event, CN). */
  payloadType?: number;
  csrc?: readonly number[];
  extensions?: readonly RtpHeaderExtension[];
}

export interface RtpSessionStats {
  localSsrc: number;
  /** Packets and payload bytes (as the SR counts them, RFC 3550 §6.4.1), and whole RTP packet octets. */
  sent: { packets: number; bytes: number; octets: number };
  received: {
    /** Valid RTP packets of the remote source(s), duplicates excluded (DESIGN §4). */
    packets: number;
    /** Their payload bytes. */
    bytes: number;
    /** Octets of the RTP packets delivered (headers included). */
    octets: number;
    /** Expected − received (RFC 3550 A.3), ≥ 0. */
    lost: number;
    duplicated: number;
    /** Datagrams that are not valid RTP. */
    invalid: number;
    /** Packets of SSRCs other than the remote source's, dropped. */
    otherSsrc: number;
    /** Our own packets looped back (RFC 3550 §8.2). */
    loops: number;
    reordered: number;
    /** Dropped as an unconfirmed sequence jump (RFC 3550 A.1). */
    badSequence: number;
  };
  /** RFC 3550 A.8 interarrival jitter of the remote source, timestamp units (null before one). */
  jitter: number | null;
  jitterMs: number | null;
  /** Round-trip time from the last report block about us (RFC 3550 §6.4.1), ms; null until known. */
  rttMs: number | null;
  /** Smoothed RTT (7/8 old + 1/8 new), ms. */
  rttSmoothedMs: number | null;
  rtcp: {
    sent: number;
    received: number;
    invalid: number;
    /** Our own RTCP looped back. */
    loops: number;
    srReceived: number;
    rrReceived: number;
    byeReceived: number;
    /** APP, XR and feedback packets received, by packet type ('app', 'xr', 'nack', 'pli' …). */
    feedbackReceived: Record<string, number>;
  };
  remoteSsrc: number | null;
  remoteCname: string | null;
  /** Fraction lost in the last report block about us, 0–1 (the peer's view of our stream). */
  fractionLost: number | null;
  /** Interarrival jitter the peer reports about us, ms. */
  remoteJitterMs: number | null;
  /** Cumulative lost the peer reports about us. */
  remoteCumulativeLost: number | null;
  /** SSRC collisions we resolved (RFC 3550 §8.2). */
  collisions: number;
  /** Remote source switches ('ssrc-changed'). */
  ssrcChanges: number;
  timestampJumps: number;
  /** Session members as RFC 3550 §6.3 counts them, ourselves included. */
  members: number;
}

export type RtpSessionEvents = {
  /** The first remote source validated (RFC 3550 A.1). */
  'remote-ssrc': [ssrc: number];
  /** The remote source changed. */
  'ssrc-changed': [info: { previous: number; current: number }];
  /** Our SSRC collided with a remote one; we took `current` and queued a BYE for `previous` (RFC 3550 §8.2). */
  'ssrc-collision': [info: { previous: number; current: number }];
  /** The remote source's payload type differs from its previous packet's. */
  'payload-type-changed': [info: { previous: number; current: number; ssrc: number }];
  /** An in-sequence packet's timestamp jumped (see `timestampJumpMs`); `skew` in timestamp units. */
  'timestamp-jump': [info: { ssrc: number; sequenceNumber: number; skew: number; skewMs: number }];
  /** No RTP for `inactivityTimeoutMs` (emitted once per silence). */
  inactivity: [info: { silentMs: number }];
  /** A new round-trip time from a report block about us. */
  rtt: [info: { rttMs: number; smoothedMs: number }];
  /** A source left (RFC 3550 §6.6). */
  bye: [info: { ssrc: number; reason: string | undefined; isRemote: boolean }];
};

/** Sequence numbers remembered to recognise our own packets looped back. */
const LOOP_WINDOW = 1024;
/** Sources tracked besides the remote one (candidates), and members, at most. */
const MAX_CANDIDATES = 16;
const MAX_MEMBERS = 256;
/** Our last compound RTCP packets kept to recognise them looped back. */
const RTCP_LOOP_MEMORY = 4;
const TWO_32 = 0x100000000;

interface Member {
  lastRtcpMs: number;
  stats: SourceStats | undefined;
}

function checkU(value: number | undefined, bits: number, name: string): void {
  if (value === undefined) return;
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new ConfigError(`RtpSession: ${name} ${value} out of range 0..${max}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  readonly clockRate: number;
  readonly cname: string;
  #payloadType: number;
  #ssrc: number;
  #seq: number;
  readonly #tsOffset: number;
  readonly #wallClockMs: (nowMs: number) => number;
  readonly #rtcpEnabled: boolean;
  readonly #byeEnabled: boolean;
  readonly #reducedSize: boolean;
  readonly #inactivityMs: number | undefined;
  readonly #jumpTs: number;
  readonly #switchMs: number;
  readonly #timer: RtcpTimer;
  /** Reused for every sendRtp (no per-packet allocation of the init object). */
  readonly #init: RtpPacketInit = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: new Uint8Array(0), marker: false };
  #sdes: SourceDescription;

  #started = false;
  #startMs = 0;
  #lastNowMs = 0;
  #closed = false;

  // Send side.
  #sentPackets = 0;
  #sentBytes = 0;
  #sentOctets = 0;
  /** SR counts, per SSRC (RFC 3550 §6.4.1: reset when the SSRC changes). */
  #srPackets = 0;
  #srOctets = 0;
  #hasSentRtp = false;
  #lastSentTs = 0;
  #lastSentMs = 0;
  readonly #loopSeqTag = new Int32Array(LOOP_WINDOW);
  readonly #loopTs = new Uint32Array(LOOP_WINDOW);

  // Receive side.
  #remote: SourceStats | undefined;
  #remoteBye = false;
  /** CNAMEs from SDES, by SSRC (RFC 3550 §6.5.1). */
  readonly #memberCnames = new Map<number, string>();
  #lastPt = -1;
  readonly #candidates = new Map<number, SourceStats>();
  readonly #members = new Map<number, Member>();
  #retiredPackets = 0;
  #retiredBytes = 0;
  #retiredLost = 0;
  #retiredDuplicated = 0;
  #retiredReordered = 0;
  #retiredBadSequence = 0;
  #recvOctets = 0;
  #invalid = 0;
  #otherSsrc = 0;
  #loops = 0;
  #lastRtpArrivalMs = 0;
  #inactivityFired = false;
  #collisions = 0;
  #ssrcChanges = 0;
  #timestampJumps = 0;

  // RTCP.
  #rtcpSent = 0;
  #rtcpReceived = 0;
  #rtcpInvalid = 0;
  #rtcpLoops = 0;
  #srReceived = 0;
  #rrReceived = 0;
  #byeReceived = 0;
  readonly #feedbackReceived: Record<string, number> = {};
  #rttMs: number | undefined;
  #rttSmoothedMs: number | undefined;
  #fractionLost: number | undefined;
  #remoteJitterMs: number | undefined;
  #remoteCumulativeLost: number | undefined;
  /** Times of our last two reports (older, newer) for we_sent (RFC 3550 §6.3.8 / §6.4). */
  #reportOlderMs = Number.NEGATIVE_INFINITY;
  #reportNewerMs = Number.NEGATIVE_INFINITY;
  #lastRtpSentMs = Number.NEGATIVE_INFINITY;
  readonly #pending: Uint8Array[] = [];
  readonly #recentRtcp: Uint8Array[] = [];

  constructor(options: RtpSessionOptions) {
    super();
    const o = options;
    if (!Number.isInteger(o.clockRate) || o.clockRate <= 0) throw new ConfigError(`RtpSession: clockRate ${o.clockRate} must be a positive integer (Hz)`);
    checkU(o.payloadType, 7, 'payloadType');
    checkU(o.ssrc, 32, 'ssrc');
    checkU(o.initialSequence, 16, 'initialSequence');
    checkU(o.initialTimestamp, 32, 'initialTimestamp');
    this.clockRate = o.clockRate;
    this.#payloadType = o.payloadType;
    this.#ssrc = o.ssrc ?? cryptoRandomU32();
    this.#seq = o.initialSequence ?? cryptoRandomU32() & 0xffff;
    this.#tsOffset = o.initialTimestamp ?? cryptoRandomU32();
    this.cname = o.cname ?? `mediaweave@${cryptoRandomU32().toString(16).padStart(8, '0')}${cryptoRandomU32().toString(16).padStart(8, '0')}`;
    this.#sdes = cnameSdes(this.#ssrc, this.cname);
    sizeSdes(this.#sdes); // throws ConfigError now for a CNAME over 255 bytes, not at the first report
    const wallClockOrigin = performance.timeOrigin;
    this.#wallClockMs = o.wallClockMs ?? ((nowMs: number): number => wallClockOrigin + nowMs);
    this.#rtcpEnabled = o.rtcp?.enabled ?? true;
    this.#byeEnabled = o.rtcp?.bye ?? true;
    this.#reducedSize = o.rtcp?.reducedSize ?? false;
    if (o.inactivityTimeoutMs !== undefined && !(o.inactivityTimeoutMs > 0)) throw new ConfigError(`RtpSession: inactivityTimeoutMs ${o.inactivityTimeoutMs} must be > 0`);
    this.#inactivityMs = o.inactivityTimeoutMs;
    const jumpMs = o.timestampJumpMs ?? 1000;
    if (!(jumpMs > 0)) throw new ConfigError(`RtpSession: timestampJumpMs ${jumpMs} must be > 0`);
    this.#jumpTs = (jumpMs * o.clockRate) / 1000;
    this.#switchMs = o.sourceSwitchMs ?? 200;

    const bw =
      o.sessionBandwidthBps ??
      sessionBandwidthBps(o.codecBitrateBps ?? (staticPayloadType(o.payloadType)?.bitrateBps || 64000), o.packetTimeMs ?? 20);
    if (!(bw > 0)) throw new ConfigError(`RtpSession: session bandwidth ${bw} bit/s must be > 0`);
    const minIntervalMs = o.rtcp?.minIntervalMs ?? (o.rtcp?.reducedMinimum ? reducedMinimumIntervalMs(bw) : RTCP_MIN_INTERVAL_MS);
    if (!(minIntervalMs > 0)) throw new ConfigError(`RtpSession: rtcp.minIntervalMs ${minIntervalMs} must be > 0`);
    this.#timer = new RtcpTimer({
      rtcpBw: rtcpBandwidthOctets(bw),
      minIntervalMs,
      // RFC 3550 §6.3.2: avg_rtcp_size starts as the size of the first packet we will build:
      // SR with one report block, SDES CNAME, UDP/IP.
      initialAvgRtcpSize: IPV4_UDP_OVERHEAD + 28 + 24 + sizeSdes(this.#sdes),
      random: o.random ?? new Random(cryptoRandomSeed()),
    });
    if (o.startMs !== undefined) this.#start(o.startMs);
  }

  /** Our SSRC (changes after a collision). */
  get ssrc(): number {
    return this.#ssrc;
  }

  /** The remote source's SSRC, once one validated. */
  get remoteSsrc(): number | undefined {
    return this.#remote?.ssrc;
  }

  /** The next sequence number `sendRtp` will use. */
  get sequenceNumber(): number {
    return this.#seq;
  }

  /** The offset added to media timestamps. */
  get timestampOffset(): number {
    return this.#tsOffset;
  }

  get payloadType(): number {
    return this.#payloadType;
  }

  set payloadType(pt: number) {
    checkU(pt, 7, 'payloadType');
    this.#payloadType = pt;
  }

  /** Receive statistics of the remote source (undefined before one validated). */
  get remoteStats(): SourceStats | undefined {
    return this.#remote;
  }

  /** True after `bye()`. */
  get closed(): boolean {
    return this.#closed;
  }

  #start(nowMs: number): void {
    this.#started = true;
    this.#startMs = nowMs;
    this.#lastRtpArrivalMs = nowMs;
    if (this.#rtcpEnabled) this.#timer.start(nowMs);
  }

  // ---------------------------------------------------------------- send

  /**
   * Builds the next RTP packet (RFC 3550 §5.1): our SSRC, the next sequence number, the media
   * timestamp plus our random offset. Returns the datagram: written into `out` when given (the
   * returned view is `out`'s; e.g. a buffer with room for an SRTP tag), otherwise new bytes the
   * caller owns, never reused by the session (safe to hand to an asynchronous socket send or keep).
   * Those are a view into a shared pooled slab, as Node's `Buffer.allocUnsafe` does (allocating one
   * small Uint8Array per packet costs about eight times the whole send): respect `byteOffset` and
   * `byteLength` and do not use `.buffer` as if it held only this packet. Throws ConfigError for a
   * field out of range or an `out` too small (programming errors), StateError after `bye()`.
   */
  sendRtp(frame: RtpSendFrame, nowMs: number, out?: Uint8Array): Uint8Array {
    if (this.#closed) throw new StateError('RtpSession.sendRtp: the session has left (bye() was called)');
    if (!this.#started) this.#start(nowMs);
    this.#lastNowMs = nowMs;
    if (!Number.isFinite(frame.timestamp)) throw new ConfigError(`RtpSession.sendRtp: timestamp ${frame.timestamp} is not a finite number`);
    const seq = this.#seq;
    const ts = (this.#tsOffset + frame.timestamp) >>> 0;
    const init = this.#init;
    init.payloadType = frame.payloadType ?? this.#payloadType;
    init.sequenceNumber = seq;
    init.timestamp = ts;
    init.ssrc = this.#ssrc;
    init.marker = frame.marker ?? false;
    init.payload = frame.payload;
    init.csrc = frame.csrc;
    init.extensions = frame.extensions;
    let bytes: Uint8Array;
    if (out !== undefined) bytes = serializeRtpPacket(init, out);
    else {
      const n = serializeRtpPacket(init, scratch()).length;
      bytes = poolAlloc(n);
      bytes.set(SCRATCH.subarray(0, n));
    }
    init.payload = EMPTY; // do not keep the caller's payload alive
    this.#seq = (seq + 1) & 0xffff;
    this.#sentPackets++;
    this.#sentBytes += frame.payload.length;
    this.#sentOctets += bytes.length;
    this.#srPackets++;
    this.#srOctets += frame.payload.length;
    this.#hasSentRtp = true;
    this.#lastSentTs = ts;
    this.#lastSentMs = nowMs;
    this.#lastRtpSentMs = nowMs;
    const i = seq & (LOOP_WINDOW - 1);
    this.#loopSeqTag[i] = seq + 1;
    this.#loopTs[i] = ts;
    return bytes;
  }

  // ---------------------------------------------------------------- receive RTP

  /**
   * Accounts a received datagram and returns the packet when it belongs to the remote stream
   * (see the file comment for what is dropped and counted). Never throws for bad input.
   * The packet's payload is a view of `datagram`.
   */
  receiveRtp(datagram: Uint8Array, nowMs: number): RtpPacket | undefined {
    if (!this.#started) this.#start(nowMs);
    this.#lastNowMs = nowMs;
    let p: RtpPacket;
    try {
      p = parseRtpPacket(datagram);
    } catch {
      this.#invalid++;
      return undefined;
    }
    const ssrc = p.ssrc;
    if (ssrc === this.#ssrc) {
      const i = p.sequenceNumber & (LOOP_WINDOW - 1);
      if (this.#loopSeqTag[i] === p.sequenceNumber + 1 && this.#loopTs[i] === p.timestamp) {
        this.#loops++;
        return undefined;
      }
      this.#collision();
    }
    this.#lastRtpArrivalMs = nowMs;
    this.#inactivityFired = false;

    let st = this.#remote;
    if (st === undefined || st.ssrc !== ssrc) {
      st = this.#otherSource(p, nowMs);
      if (st === undefined) return undefined;
      if (st !== this.#remote) {
        // A source on probation before any remote source: delivered (see the file comment).
        this.#recvOctets += datagram.length;
        return p;
      }
    } else {
      const status = st.update(p.sequenceNumber, p.timestamp, p.payload.length, nowMs);
      if (status !== SeqStatus.VALID) return undefined;
    }
    this.#recvOctets += datagram.length;
    if (st.timestampJumped) {
      this.#timestampJumps++;
      const skew = st.timestampSkew;
      this.emit('timestamp-jump', { ssrc, sequenceNumber: p.sequenceNumber, skew, skewMs: (skew * 1000) / this.clockRate });
    }
    const pt = p.payloadType;
    if (pt !== this.#lastPt) {
      const previous = this.#lastPt;
      this.#lastPt = pt;
      if (previous >= 0) this.emit('payload-type-changed', { previous, current: pt, ssrc });
    }
    return p;
  }

  /**
   * A packet of an SSRC that is not the remote source's. Returns the stats to continue with: the
   * (new) remote source's when it is to be delivered as such, a candidate's when there is no
   * remote source yet and it is on probation, or undefined when it is dropped.
   */
  #otherSource(p: RtpPacket, nowMs: number): SourceStats | undefined {
    const ssrc = p.ssrc;
    const current = this.#remote;
    let cand = this.#candidates.get(ssrc);
    if (cand === undefined) {
      if (this.#candidates.size >= MAX_CANDIDATES) this.#evictCandidate();
      cand = new SourceStats(ssrc, this.clockRate, { timestampJumpTs: this.#jumpTs });
      this.#candidates.set(ssrc, cand);
    }
    const wasValid = cand.valid;
    const status = cand.update(p.sequenceNumber, p.timestamp, p.payload.length, nowMs);
    if (cand.valid && !wasValid) this.#addMember(ssrc, cand, nowMs);
    if (current === undefined) {
      if (cand.valid) {
        // RFC 3550 A.1: the first source to validate becomes the remote one.
        this.#candidates.delete(ssrc);
        this.#remote = cand;
        this.#remoteBye = false;
        this.emit('remote-ssrc', ssrc);
        return status === SeqStatus.VALID ? cand : undefined;
      }
      return status === SeqStatus.PROBATION ? cand : undefined;
    }
    if (cand.valid && (this.#remoteBye || nowMs - current.lastArrivalMs >= this.#switchMs)) {
      // Switch. The new source's statistics start at this packet, so that what it sent while
      // it was not ours (counted in otherSsrc) is not counted as received or lost.
      this.#candidates.delete(ssrc);
      this.#retire(current);
      const fresh = new SourceStats(ssrc, this.clockRate, { probation: false, timestampJumpTs: this.#jumpTs });
      fresh.lastSr = cand.lastSr;
      fresh.update(p.sequenceNumber, p.timestamp, p.payload.length, nowMs);
      this.#remote = fresh;
      this.#remoteBye = false;
      const m = this.#members.get(ssrc);
      if (m) m.stats = fresh;
      this.#ssrcChanges++;
      this.#lastPt = p.payloadType; // a new source: no 'payload-type-changed' for its first packet
      this.emit('ssrc-changed', { previous: current.ssrc, current: ssrc });
      return fresh;
    }
    this.#otherSsrc++;
    return undefined;
  }

  #evictCandidate(): void {
    let oldest: number | undefined;
    let oldestMs = Number.POSITIVE_INFINITY;
    for (const [ssrc, s] of this.#candidates) {
      if (s.lastArrivalMs < oldestMs) {
        oldestMs = s.lastArrivalMs;
        oldest = ssrc;
      }
    }
    if (oldest !== undefined) this.#candidates.delete(oldest);
  }

  /** Folds a source's counters into the session totals when it stops being the remote one. */
  #retire(s: SourceStats): void {
    this.#retiredPackets += s.packets;
    this.#retiredBytes += s.bytes;
    this.#retiredLost += s.lost;
    this.#retiredDuplicated += s.duplicated;
    this.#retiredReordered += s.reordered;
    this.#retiredBadSequence += s.badSequence;
  }

  #addMember(ssrc: number, stats: SourceStats | undefined, nowMs: number): void {
    if (ssrc === this.#ssrc) return;
    const m = this.#members.get(ssrc);
    if (m) {
      if (stats) m.stats = stats;
      return;
    }
    if (this.#members.size >= MAX_MEMBERS) return; // a flood of spoofed SSRCs must not grow this without bound
    this.#members.set(ssrc, { lastRtcpMs: stats ? Number.NEGATIVE_INFINITY : nowMs, stats });
  }

  /**
   * RFC 3550 §8.2: a remote participant uses our SSRC. Take a new one, and queue a BYE for the old
   * one (if we ever sent anything under it, RFC 3550 §6.3.7) for the next `pollRtcp`.
   */
  #collision(): void {
    const previous = this.#ssrc;
    if (this.#rtcpEnabled && this.#byeEnabled && (this.#hasSentRtp || this.#rtcpSent > 0)) {
      const bye: RtcpPacket[] = [
        { type: 'rr', ssrc: previous, reports: [], profileExtensions: EMPTY },
        this.#sdes,
        { type: 'bye', sources: [previous], reason: 'SSRC collision' },
      ];
      this.#pending.push(serializeCompound(bye));
    }
    let next = cryptoRandomU32();
    while (next === previous || this.#members.has(next) || this.#candidates.has(next) || next === this.#remote?.ssrc) next = cryptoRandomU32();
    this.#ssrc = next;
    this.#sdes = cnameSdes(next, this.cname);
    this.#srPackets = 0;
    this.#srOctets = 0;
    this.#hasSentRtp = false;
    this.#lastRtpSentMs = Number.NEGATIVE_INFINITY;
    this.#loopSeqTag.fill(0);
    this.#recentRtcp.length = 0;
    this.#collisions++;
    this.emit('ssrc-collision', { previous, current: next });
  }

  // ---------------------------------------------------------------- receive RTCP

  /**
   * Processes a compound RTCP datagram (RFC 3550 §6.4, §6.5, §6.6) and returns its packets (APP
   * and feedback for the caller to act on), or undefined when it is invalid (counted in
   * `rtcp.invalid`) or our own looped back (`rtcp.loops`). Never throws for bad input. Still
   * processed after `bye()` (statistics stay current while the stream drains).
   */
  receiveRtcp(datagram: Uint8Array, nowMs: number): RtcpPacket[] | undefined {
    if (!this.#started) this.#start(nowMs);
    this.#lastNowMs = nowMs;
    let packets: RtcpPacket[];
    try {
      packets = parseCompound(datagram, { reducedSize: this.#reducedSize });
    } catch {
      this.#rtcpInvalid++;
      return undefined;
    }
    if (packets.length === 0) {
      this.#rtcpInvalid++;
      return undefined;
    }
    const sender = senderOf(packets[0]);
    if (sender === this.#ssrc) {
      for (const r of this.#recentRtcp) {
        if (sameBytes(r, datagram)) {
          this.#rtcpLoops++;
          return undefined;
        }
      }
      this.#collision();
    }
    this.#rtcpReceived++;
    if (this.#rtcpEnabled) this.#timer.onReceived(datagram.length + IPV4_UDP_OVERHEAD);
    const membersBefore = this.#members.size;
    let arrivalCompact = -1;
    for (const p of packets) {
      switch (p.type) {
        case 'sr': {
          this.#srReceived++;
          this.#heardRtcp(p.ssrc, nowMs);
          const st = this.#statsOf(p.ssrc);
          // RFC 3550 §6.4.1: remember the SR's middle NTP bits and when it arrived (LSR, DLSR).
          if (st) st.onSenderReport(p, nowMs);
          arrivalCompact = this.#reportBlocks(p.reports, nowMs, arrivalCompact);
          break;
        }
        case 'rr':
          this.#rrReceived++;
          this.#heardRtcp(p.ssrc, nowMs);
          arrivalCompact = this.#reportBlocks(p.reports, nowMs, arrivalCompact);
          break;
        case 'sdes':
          for (const c of p.chunks) {
            for (const it of c.items) {
              if (it.type !== SdesType.CNAME) continue;
              if (c.source !== this.#ssrc && (this.#memberCnames.has(c.source) || this.#memberCnames.size < MAX_MEMBERS)) this.#memberCnames.set(c.source, it.text);
            }
          }
          break;
        case 'bye':
          this.#byeReceived++;
          for (const s of p.sources) {
            if (s === this.#ssrc) continue; // not about us: our SSRC in someone's BYE means nothing to us
            const isRemote = s === this.#remote?.ssrc;
            // RFC 3550 §6.2.1: a BYE removes the member.
            this.#members.delete(s);
            this.#candidates.delete(s);
            if (isRemote) this.#remoteBye = true;
            this.emit('bye', { ssrc: s, reason: p.reason, isRemote });
          }
          break;
        default:
          this.#feedbackReceived[p.type] = (this.#feedbackReceived[p.type] ?? 0) + 1;
      }
    }
    if (this.#members.size < membersBefore && this.#rtcpEnabled) {
      // RFC 3550 §6.3.4: reverse reconsideration after members left.
      this.#timer.members = 1 + this.#members.size;
      this.#timer.reverseReconsider(nowMs);
    }
    return packets;
  }

  #statsOf(ssrc: number): SourceStats | undefined {
    const r = this.#remote;
    if (r !== undefined && r.ssrc === ssrc) return r;
    return this.#candidates.get(ssrc);
  }

  #heardRtcp(ssrc: number, nowMs: number): void {
    if (ssrc === this.#ssrc) return;
    const m = this.#members.get(ssrc);
    if (m) m.lastRtcpMs = nowMs;
    else if (this.#members.size < MAX_MEMBERS) this.#members.set(ssrc, { lastRtcpMs: nowMs, stats: this.#statsOf(ssrc) });
  }

  /** Report blocks about us: the peer's loss and jitter, and the RTT (RFC 3550 §6.4.1). */
  #reportBlocks(reports: readonly ReceptionReport[], nowMs: number, arrivalCompact: number): number {
    for (const r of reports) {
      if (r.ssrc !== this.#ssrc) continue;
      this.#fractionLost = r.fractionLost / 256;
      this.#remoteJitterMs = (r.jitter * 1000) / this.clockRate;
      this.#remoteCumulativeLost = r.cumulativeLost;
      if (r.lsr === 0) continue;
      if (arrivalCompact < 0) {
        const ntp = ntpFromUnixMs(this.#wallClockMs(nowMs));
        arrivalCompact = ntpCompact(ntp.seconds, ntp.fraction);
      }
      // RTT = A − LSR − DLSR (RFC 3550 §6.4.1).
      const rtt = rttMsFromReport(arrivalCompact, r.lsr, r.dlsr);
      if (rtt === undefined) continue;
      this.#rttMs = rtt;
      this.#rttSmoothedMs = this.#rttSmoothedMs === undefined ? rtt : this.#rttSmoothedMs + (rtt - this.#rttSmoothedMs) / 8;
      this.emit('rtt', { rttMs: rtt, smoothedMs: this.#rttSmoothedMs });
    }
    return arrivalCompact;
  }

  // ---------------------------------------------------------------- timers, RTCP send

  /**
   * When `pollRtcp` must be called next (monotonic ms): the RTCP report timer, a queued packet
   * (collision BYE: now), or the inactivity deadline. Before the session has seen any time it
   * returns 0 (poll at once, which starts it). Undefined when nothing is scheduled (RTCP off
   * and no inactivity timeout, or after `bye()`).
   */
  nextRtcpMs(): number | undefined {
    if (this.#closed) return undefined;
    if (!this.#started) return 0;
    let next = Number.POSITIVE_INFINITY;
    if (this.#pending.length > 0) next = this.#lastNowMs;
    if (this.#rtcpEnabled && this.#timer.tn < next) next = this.#timer.tn;
    if (this.#inactivityMs !== undefined && !this.#inactivityFired) {
      const d = this.#lastRtpArrivalMs + this.#inactivityMs;
      if (d < next) next = d;
    }
    return next === Number.POSITIVE_INFINITY ? undefined : next;
  }

  /**
   * Runs the timers at `nowMs`: the inactivity check (event), member timeouts (RFC 3550
   * §6.3.5), and the RTCP timer with reconsideration (RFC 3550 §6.3.6). Returns a compound RTCP
   * datagram to send (a fresh buffer the caller owns), or undefined. Call again while it returns
   * one (a queued collision BYE comes before a due report).
   */
  pollRtcp(nowMs: number): Uint8Array | undefined {
    if (this.#closed) return undefined;
    if (!this.#started) this.#start(nowMs);
    this.#lastNowMs = nowMs;
    if (this.#inactivityMs !== undefined && !this.#inactivityFired && nowMs - this.#lastRtpArrivalMs >= this.#inactivityMs) {
      this.#inactivityFired = true;
      this.emit('inactivity', { silentMs: nowMs - this.#lastRtpArrivalMs });
    }
    const queued = this.#pending.shift();
    if (queued !== undefined) {
      this.#rtcpSent++;
      return queued;
    }
    if (!this.#rtcpEnabled || nowMs < this.#timer.tn) return undefined;
    this.#updateMembership(nowMs);
    // RFC 3550 §6.3.6: reconsider; if tp + T is still ahead, the timer was rescheduled.
    if (!this.#timer.onExpire(nowMs)) return undefined;
    const bytes = this.#buildCompound(nowMs, undefined);
    this.#timer.onSent(bytes.length + IPV4_UDP_OVERHEAD, nowMs);
    return bytes;
  }

  /**
   * Leaves the session: returns the compound SR/RR + SDES + BYE (RFC 3550 §6.6) to send, or
   * undefined when no BYE is due (disabled, or nothing was ever sent under this SSRC: RFC 3550
   * §6.3.7). The BYE goes at once (§6.3.7 allows it below 50 members). Afterwards the session
   * sends nothing and `nextRtcpMs()` is undefined. A reason over 255 UTF-8 bytes is cut.
   */
  bye(nowMs: number, reason?: string): Uint8Array | undefined {
    if (this.#closed) return undefined;
    if (!this.#started) this.#start(nowMs);
    this.#lastNowMs = nowMs;
    this.#closed = true;
    this.#pending.length = 0;
    if (!this.#rtcpEnabled || !this.#byeEnabled || (!this.#hasSentRtp && this.#rtcpSent === 0)) return undefined;
    return this.#buildCompound(nowMs, { type: 'bye', sources: [this.#ssrc], reason: reason === undefined ? undefined : truncateUtf8(reason, 255) });
  }

  /** RFC 3550 §6.3.5: time out members and senders, and refresh the counts the interval uses. */
  #updateMembership(nowMs: number): void {
    const td = this.#timer.timeoutBaseMs();
    const memberTimeout = RTCP_MEMBER_TIMEOUT_INTERVALS * td;
    // RFC 3550 §6.3.5: a sender that sent no RTP in the last two intervals is a sender no more.
    const senderWindow = 2 * td;
    const before = this.#members.size;
    let senders = 0;
    for (const [ssrc, m] of this.#members) {
      const lastRtp = m.stats?.lastArrivalMs ?? Number.NaN;
      const lastHeard = lastRtp > m.lastRtcpMs ? lastRtp : m.lastRtcpMs;
      if (nowMs - lastHeard > memberTimeout) {
        this.#members.delete(ssrc);
        continue;
      }
      if (nowMs - lastRtp <= senderWindow) senders++;
    }
    const weSent = this.#weSent();
    this.#timer.weSent = weSent;
    this.#timer.senders = senders + (weSent ? 1 : 0);
    this.#timer.members = 1 + this.#members.size;
    if (this.#members.size < before) this.#timer.reverseReconsider(nowMs);
  }

  /** RFC 3550 §6.4: we are a sender if we sent RTP since the second-to-last report. */
  #weSent(): boolean {
    return this.#hasSentRtp && this.#lastRtpSentMs >= this.#reportOlderMs;
  }

  #buildCompound(nowMs: number, bye: RtcpPacket | undefined): Uint8Array {
    // RFC 3550 §6.4: report blocks for the sources heard since the last report.
    const reports: ReceptionReport[] = [];
    const r = this.#remote;
    if (r !== undefined && r.heardSinceReport) reports.push(r.makeReceptionReport(nowMs));
    for (const c of this.#candidates.values()) {
      if (reports.length >= 31) break;
      if (c.valid && c.heardSinceReport) reports.push(c.makeReceptionReport(nowMs));
    }
    let head: RtcpPacket;
    if (this.#weSent()) {
      const ntp = ntpFromUnixMs(this.#wallClockMs(nowMs));
      // RFC 3550 §6.4.1: the SR's RTP timestamp is the same instant as its NTP timestamp,
      // extrapolated from the last packet sent with the clock rate.
      const rtpTimestamp = (this.#lastSentTs + Math.round(((nowMs - this.#lastSentMs) * this.clockRate) / 1000)) >>> 0;
      head = {
        type: 'sr',
        ssrc: this.#ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp,
        packetCount: this.#srPackets % TWO_32,
        octetCount: this.#srOctets % TWO_32,
        reports,
        profileExtensions: EMPTY,
      };
    } else {
      head = { type: 'rr', ssrc: this.#ssrc, reports, profileExtensions: EMPTY };
    }
    const packets: RtcpPacket[] = bye === undefined ? [head, this.#sdes] : [head, this.#sdes, bye];
    const bytes = serializeCompound(packets);
    this.#rtcpSent++;
    this.#reportOlderMs = this.#reportNewerMs;
    this.#reportNewerMs = nowMs;
    // Remember a copy (the caller may encrypt in place) to recognise it looped back.
    this.#recentRtcp.push(bytes.slice());
    if (this.#recentRtcp.length > RTCP_LOOP_MEMORY) this.#recentRtcp.shift();
    return bytes;
  }

  // ---------------------------------------------------------------- stats

  /** A snapshot of the counters (names as in the JSON report, DESIGN §4). */
  get stats(): RtpSessionStats {
    const r = this.#remote;
    return {
      localSsrc: this.#ssrc,
      sent: { packets: this.#sentPackets, bytes: this.#sentBytes, octets: this.#sentOctets },
      received: {
        packets: this.#retiredPackets + (r?.packets ?? 0),
        bytes: this.#retiredBytes + (r?.bytes ?? 0),
        octets: this.#recvOctets,
        lost: this.#retiredLost + (r?.lost ?? 0),
        duplicated: this.#retiredDuplicated + (r?.duplicated ?? 0),
        invalid: this.#invalid,
        otherSsrc: this.#otherSsrc,
        loops: this.#loops,
        reordered: this.#retiredReordered + (r?.reordered ?? 0),
        badSequence: this.#retiredBadSequence + (r?.badSequence ?? 0),
      },
      jitter: r ? r.jitter : null,
      jitterMs: r ? r.jitterMs : null,
      rttMs: this.#rttMs ?? null,
      rttSmoothedMs: this.#rttSmoothedMs ?? null,
      rtcp: {
        sent: this.#rtcpSent,
        received: this.#rtcpReceived,
        invalid: this.#rtcpInvalid,
        loops: this.#rtcpLoops,
        srReceived: this.#srReceived,
        rrReceived: this.#rrReceived,
        byeReceived: this.#byeReceived,
        feedbackReceived: { ...this.#feedbackReceived },
      },
      remoteSsrc: r?.ssrc ?? null,
      remoteCname: (r ? this.#memberCnames.get(r.ssrc) : undefined) ?? null,
      fractionLost: this.#fractionLost ?? null,
      remoteJitterMs: this.#remoteJitterMs ?? null,
      remoteCumulativeLost: this.#remoteCumulativeLost ?? null,
      collisions: this.#collisions,
      ssrcChanges: this.#ssrcChanges,
      timestampJumps: this.#timestampJumps,
      members: 1 + this.#members.size,
    };
  }

  /** The RTCP timer's state (RFC 3550 A.7 variables, for diagnostics and tests). */
  get rtcpTimerState(): { tp: number; tn: number; members: number; pmembers: number; senders: number; avgRtcpSize: number; initial: boolean; minIntervalMs: number; rtcpBw: number } {
    const t = this.#timer;
    return { tp: t.tp, tn: t.tn, members: t.members, pmembers: t.pmembers, senders: t.senders, avgRtcpSize: t.avgRtcpSize, initial: t.initial, minIntervalMs: t.minIntervalMs, rtcpBw: t.rtcpBw };
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Serialisation scratch shared by every session of this thread (serialising is synchronous, and
 * the bytes are copied out at once), as large as a UDP datagram can be; allocated on first use.
 */
let SCRATCH = EMPTY;
function scratch(): Uint8Array {
  if (SCRATCH.length === 0) SCRATCH = new Uint8Array(65536);
  return SCRATCH;
}

/** Slab for sent packets: views are handed out and never reused; a full slab is left to the GC. */
const POOL_SIZE = 16384;
let pool = EMPTY;
let poolOffset = 0;
function poolAlloc(n: number): Uint8Array {
  if (n > POOL_SIZE >>> 2) return new Uint8Array(n);
  if (poolOffset + n > pool.length) {
    pool = new Uint8Array(POOL_SIZE);
    poolOffset = 0;
  }
  const view = pool.subarray(poolOffset, poolOffset + n);
  // Keep views 8-byte aligned so that a consumer making a DataView or wider typed view is not slowed.
  poolOffset = (poolOffset + n + 7) & ~7;
  return view;
}

/** The SSRC of the sender of an RTCP packet, when the type has one. */
function senderOf(p: RtcpPacket): number | undefined {
  switch (p.type) {
    case 'sr':
    case 'rr':
    case 'app':
    case 'xr':
      return p.ssrc;
    case 'sdes':
      return p.chunks[0]?.source;
    case 'bye':
      return p.sources[0];
    case 'unknown':
      return undefined;
    default:
      return 'senderSsrc' in p ? p.senderSsrc : undefined;
  }
}

/** `s` cut to at most `max` UTF-8 bytes, on a character boundary. */
function truncateUtf8(s: string, max: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const len = enc.encode(ch).length;
    if (n + len > max) break;
    out += ch;
    n += len;
  }
  return out;
}
