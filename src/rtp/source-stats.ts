/**
 * Receive statistics of one RTP source (one SSRC), RFC 3550 appendix A:
 * - A.1 source validation (probation) and sequence number maintenance: MIN_SEQUENTIAL packets in
 *   sequence before a new source counts; jumps up to MAX_DROPOUT ahead are losses, up to
 *   MAX_MISORDER behind are reordering; a larger jump is believed only when the next packet
 *   follows it in sequence (the sender restarted), which re-synchronises.
 * - A.3 extended highest sequence number, expected, cumulative lost and fraction lost per
 *   reporting interval.
 * - A.8 interarrival jitter.
 * plus what the reception report block needs (LSR/DLSR, RFC 3550 §6.4.1) and what the JSON report
 * counts (DESIGN §4): duplicates (found with a bitmap of recent sequence numbers, and NOT counted
 * as received, so `lost` stays ≥ 0 where A.3 alone would let duplicates cancel losses), reordered
 * packets and payload bytes.
 *
 * Two deliberate refinements of A.1, both to keep `received + lost = expected` exact:
 * - when a source validates, the MIN_SEQUENTIAL packets of the probation run are counted
 *   (A.1's init_seq would start counting at the last one, leaving the first ones neither
 *   received nor expected, although the session delivers them);
 * - a packet older than the first counted one (reordered across the start) moves the base down
 *   instead of being received without being expected.
 *
 * Hot path: `update` allocates nothing; the duplicate window is a fixed Uint32Array bitmap.
 */
import { ntpCompact, msToCompactNtp } from './ntp.js';
import type { ReceptionReport } from './rtcp/reception-report.js';

/** RFC 3550 A.1. */
export const RTP_SEQ_MOD = 0x10000;
/** RFC 3550 A.1: packets in sequence before a new source is valid. */
export const MIN_SEQUENTIAL = 2;
/** RFC 3550 A.1: the largest forward jump taken as loss rather than a restart. */
export const MAX_DROPOUT = 3000;
/** RFC 3550 A.1: the largest backward step taken as reordering rather than a restart. */
export const MAX_MISORDER = 100;

/** What `update` made of a packet. */
export const SeqStatus = {
  /** In sequence, lost packets skipped, or reordered: counted as received. */
  VALID: 0,
  /** Seen before (within the duplicate window): counted in `duplicated` only. */
  DUPLICATE: 1,
  /** The source is still on probation (RFC 3550 A.1): not counted yet. */
  PROBATION: 2,
  /** A jump beyond MAX_DROPOUT/MAX_MISORDER not (yet) confirmed by a following packet: dropped. */
  BAD_SEQUENCE: 3,
} as const;
export type SeqStatus = (typeof SeqStatus)[keyof typeof SeqStatus];

export interface SourceStatsOptions {
  /**
   * Validate the source first (RFC 3550 A.1 probation, default true). False counts the first
   * packet at once: for a source already validated elsewhere (a session switching to it).
   */
  probation?: boolean;
  /** Default {@link MIN_SEQUENTIAL}. */
  minSequential?: number;
  /** Default {@link MAX_DROPOUT}. */
  maxDropout?: number;
  /** Default {@link MAX_MISORDER}. */
  maxMisorder?: number;
  /** Sequence numbers remembered for duplicate detection: a power of two ≥ 2 × maxMisorder (default 1024). */
  duplicateWindow?: number;
  /**
   * A packet ahead in sequence whose timestamp advanced more than this many timestamp units
   * beyond (or behind) what its arrival time predicts is a timestamp jump: `timestampJumped`
   * is set and the jitter estimator restarts from it instead of absorbing the jump (default
   * Infinity: never).
   */
  timestampJumpTs?: number;
}

/** The last sender report received from the source (for LSR/DLSR, RFC 3550 §6.4.1). */
export interface LastSenderReport {
  /** Middle 32 bits of its NTP timestamp (the LSR field). */
  compact: number;
  /** Local monotonic time it arrived, ms. */
  arrivalMs: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export class SourceStats {
  readonly ssrc: number;
  readonly clockRate: number;

  // RFC 3550 A.1 state. `cycles` is the count of wraps × 2^16; `base` is extended.
  #maxSeq = 0;
  #cycles = 0;
  #base = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #probation = 0;
  #started = false;
  #probationBytes = 0;
  // RFC 3550 A.3: counts since the last (re)synchronisation, and at the previous report.
  #receivedEpoch = 0;
  #receivedPrior = 0;
  #expectedPrior = 0;

  // RFC 3550 A.8.
  #jitter = 0;
  #hasTransit = false;
  #lastArrivalTs = 0;
  #lastTs = 0;
  // For timestamp-jump detection: the packet with the highest sequence number.
  #highTs = 0;
  #highArrivalMs = 0;

  readonly #minSequential: number;
  readonly #maxDropout: number;
  readonly #maxMisorder: number;
  readonly #jumpTs: number;
  readonly #window: Uint32Array;
  readonly #windowMask: number;

  /** Valid packets counted as received since creation (across re-synchronisations), duplicates excluded. */
  packets = 0;
  /** Their payload bytes. */
  bytes = 0;
  /** Packets seen before (within the duplicate window). */
  duplicated = 0;
  /** Packets that arrived after one with a higher sequence number (duplicates excluded). */
  reordered = 0;
  /** Packets dropped as an unconfirmed sequence jump (RFC 3550 A.1 bad_seq). */
  badSequence = 0;
  /** Re-synchronisations after a confirmed jump (the sender restarted its sequence). */
  resyncs = 0;
  /** Losses of the epochs before the last re-synchronisation (each ≥ 0). */
  #priorLost = 0;
  /** Set by `update` when the packet's timestamp jumped (see SourceStatsOptions.timestampJumpTs). */
  timestampJumped = false;
  /** Timestamp advance of the last forward packet beyond what its arrival time predicts, ts units. */
  timestampSkew = 0;
  /** Fraction lost computed by the last `makeReceptionReport` (0..255, RFC 3550 §6.4.1). */
  fractionLost = 0;
  /** Local time of the first and last packet of any kind from this source, ms (NaN before). */
  firstArrivalMs = Number.NaN;
  lastArrivalMs = Number.NaN;
  /** True when a packet arrived since the last `makeReceptionReport` (RFC 3550 §6.4: report sources heard since). */
  heardSinceReport = false;
  /** The last SR from this source, or undefined. */
  lastSr: LastSenderReport | undefined;

  constructor(ssrc: number, clockRate: number, options?: SourceStatsOptions) {
    this.ssrc = ssrc >>> 0;
    this.clockRate = clockRate;
    this.#minSequential = options?.minSequential ?? MIN_SEQUENTIAL;
    this.#maxDropout = options?.maxDropout ?? MAX_DROPOUT;
    this.#maxMisorder = options?.maxMisorder ?? MAX_MISORDER;
    this.#jumpTs = options?.timestampJumpTs ?? Number.POSITIVE_INFINITY;
    const w = options?.duplicateWindow ?? 1024;
    if (!Number.isInteger(w) || w < 32 || (w & (w - 1)) !== 0 || w < 2 * this.#maxMisorder) {
      throw new RangeError(`SourceStats: duplicateWindow ${w} must be a power of two ≥ 32 and ≥ 2 × maxMisorder`);
    }
    this.#window = new Uint32Array(w >>> 5);
    this.#windowMask = w - 1;
    if (options?.probation === false) this.#probation = -1; // marker: count the first packet at once
  }

  /** True once the source passed probation (RFC 3550 A.1). */
  get valid(): boolean {
    return this.#started && this.#probation === 0;
  }

  /** Extended highest sequence number received (RFC 3550 A.3), as a plain number. */
  get extendedHighestSequence(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** The highest sequence number received (16 bits). */
  get highestSequence(): number {
    return this.#maxSeq;
  }

  /** Packets expected since the last (re)synchronisation (RFC 3550 A.3). */
  get expected(): number {
    return this.valid ? this.#cycles + this.#maxSeq - this.#base + 1 : 0;
  }

  /** RFC 3550 A.3 cumulative lost since the last (re)synchronisation; may be negative. */
  get cumulativeLost(): number {
    return this.expected - this.#receivedEpoch;
  }

  /** Packets lost since creation, ≥ 0 (DESIGN §4 `received.lost`). */
  get lost(): number {
    return this.#priorLost + Math.max(0, this.cumulativeLost);
  }

  /** Interarrival jitter estimate, timestamp units (RFC 3550 A.8). */
  get jitter(): number {
    return this.#jitter;
  }

  /** Interarrival jitter in milliseconds. */
  get jitterMs(): number {
    return (this.#jitter * 1000) / this.clockRate;
  }

  #initSeq(seq: number): void {
    // RFC 3550 A.1 init_seq.
    this.#base = seq;
    this.#maxSeq = seq;
    this.#cycles = 0;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#receivedEpoch = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
    this.#window.fill(0);
  }

  #setBit(ext: number): void {
    const i = ext & this.#windowMask;
    this.#window[i >>> 5] |= 1 << (i & 31);
  }

  #testBit(ext: number): boolean {
    const i = ext & this.#windowMask;
    return (this.#window[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Clears the bits of (from, to], the sequence numbers skipped when the highest moves to `to`. */
  #clearRange(from: number, to: number): void {
    if (to - from > this.#windowMask) {
      this.#window.fill(0);
      return;
    }
    for (let e = from + 1; e <= to; e++) {
      const i = e & this.#windowMask;
      this.#window[i >>> 5] &= ~(1 << (i & 31));
    }
  }

  /** RFC 3550 A.8: J(i) = J(i−1) + (|D(i−1,i)| − J(i−1))/16, arrival converted to timestamp units. */
  #updateJitter(ts: number, arrivalMs: number): void {
    const arrivalTs = (arrivalMs * this.clockRate) / 1000;
    if (this.#hasTransit) {
      // D = (R_i − R_j) − (S_i − S_j); the timestamp difference is taken modulo 2^32 as a signed
      // 32-bit value so the wrap of the timestamp does not matter.
      const d = arrivalTs - this.#lastArrivalTs - ((ts - this.#lastTs) | 0);
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#hasTransit = true;
    this.#lastArrivalTs = arrivalTs;
    this.#lastTs = ts;
  }

  /**
   * Accounts one packet (RFC 3550 A.1 update_seq, A.3, A.8). `arrivalMs` is local monotonic time.
   * Returns a {@link SeqStatus}; only VALID packets are counted as received.
   */
  update(seq: number, ts: number, payloadBytes: number, arrivalMs: number): SeqStatus {
    seq &= 0xffff;
    ts >>>= 0;
    this.timestampJumped = false;
    this.heardSinceReport = true;
    if (Number.isNaN(this.firstArrivalMs)) this.firstArrivalMs = arrivalMs;
    this.lastArrivalMs = arrivalMs;

    if (!this.#started) {
      this.#started = true;
      this.#initSeq(seq);
      if (this.#probation < 0) {
        // Already validated elsewhere: count it now.
        this.#probation = 0;
        this.#highTs = ts;
        this.#highArrivalMs = arrivalMs;
        return this.#accept(this.#cycles + seq, ts, payloadBytes, arrivalMs);
      }
      // RFC 3550 A.1: a new source starts on probation, max_seq = seq − 1 so that this very
      // packet counts as the first in sequence.
      this.#maxSeq = (seq - 1) & 0xffff;
      this.#probation = this.#minSequential;
    }

    if (this.#probation > 0) {
      this.#updateJitter(ts, arrivalMs);
      if (seq === ((this.#maxSeq + 1) & 0xffff)) {
        this.#probation--;
        this.#maxSeq = seq;
        this.#probationBytes += payloadBytes;
        this.#highTs = ts;
        this.#highArrivalMs = arrivalMs;
        if (this.#probation === 0) {
          // Validated: count the whole run (see the file comment).
          const run = this.#minSequential;
          this.#initSeq(seq);
          if (seq >= run - 1) this.#base = seq - (run - 1);
          else {
            this.#cycles = RTP_SEQ_MOD;
            this.#base = RTP_SEQ_MOD + seq - (run - 1);
          }
          for (let e = this.#base; e <= this.#cycles + seq; e++) this.#setBit(e);
          this.#receivedEpoch = run;
          this.packets += run;
          this.bytes += this.#probationBytes;
          this.#probationBytes = 0;
          return SeqStatus.VALID;
        }
      } else {
        // Out of sequence: this packet starts a new run.
        this.#probation = this.#minSequential - 1;
        this.#maxSeq = seq;
        this.#probationBytes = payloadBytes;
        this.#highTs = ts;
        this.#highArrivalMs = arrivalMs;
      }
      return SeqStatus.PROBATION;
    }

    const udelta = (seq - this.#maxSeq) & 0xffff;
    const extMax = this.#cycles + this.#maxSeq;
    if (udelta === 0) {
      this.duplicated++;
      return SeqStatus.DUPLICATE;
    }
    if (udelta < this.#maxDropout) {
      // In order, with permissible gap. A wrap of the 16-bit number adds a cycle.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      this.#maxSeq = seq;
      const ext = extMax + udelta;
      this.#clearRange(extMax, ext);
      this.#checkJump(ts, arrivalMs);
      this.#highTs = ts;
      this.#highArrivalMs = arrivalMs;
      return this.#accept(ext, ts, payloadBytes, arrivalMs);
    }
    if (udelta <= RTP_SEQ_MOD - this.#maxMisorder) {
      // The sequence number made a very large jump.
      if (seq === this.#badSeq) {
        // Two sequential packets: assume the other side restarted without telling us, so
        // re-sync, i.e. pretend this was the first packet (RFC 3550 A.1).
        this.#priorLost += Math.max(0, this.cumulativeLost);
        this.resyncs++;
        this.#initSeq(seq);
        this.#hasTransit = false;
        this.#highTs = ts;
        this.#highArrivalMs = arrivalMs;
        return this.#accept(seq, ts, payloadBytes, arrivalMs);
      }
      this.#badSeq = (seq + 1) & 0xffff;
      this.badSequence++;
      return SeqStatus.BAD_SEQUENCE;
    }
    // Duplicate or reordered packet, at most maxMisorder behind.
    const ext = extMax - (RTP_SEQ_MOD - udelta);
    // The window (≥ 2 × maxMisorder wide) holds every sequence number this far back; bits
    // below the base were cleared when counting started.
    if (this.#testBit(ext)) {
      this.duplicated++;
      return SeqStatus.DUPLICATE;
    }
    this.reordered++;
    // Sent before the first packet counted: widen the expected range instead of letting
    // received exceed expected.
    if (ext < this.#base) this.#base = ext;
    return this.#accept(ext, ts, payloadBytes, arrivalMs);
  }

  #checkJump(ts: number, arrivalMs: number): void {
    // Timestamp advance not explained by the time that passed (RFC 3550 §5.1: the timestamp
    // reflects the sampling instant, so across in-sequence packets it tracks real time, pauses
    // in sending included). The predicted advance is the arrival-time difference.
    const skew = ((ts - this.#highTs) | 0) - ((arrivalMs - this.#highArrivalMs) * this.clockRate) / 1000;
    this.timestampSkew = skew;
    if (skew > this.#jumpTs || skew < -this.#jumpTs) {
      this.timestampJumped = true;
      this.#hasTransit = false; // restart A.8 from this packet rather than absorb the jump
    }
  }

  #accept(ext: number, ts: number, payloadBytes: number, arrivalMs: number): SeqStatus {
    this.#setBit(ext);
    this.#receivedEpoch++;
    this.packets++;
    this.bytes += payloadBytes;
    this.#updateJitter(ts, arrivalMs);
    return SeqStatus.VALID;
  }

  /** Remembers a sender report from this source (RFC 3550 §6.4.1 LSR, and the DLSR clock). */
  onSenderReport(sr: { ntpSeconds: number; ntpFraction: number; rtpTimestamp: number; packetCount: number; octetCount: number }, arrivalMs: number): void {
    this.lastSr = {
      compact: ntpCompact(sr.ntpSeconds, sr.ntpFraction),
      arrivalMs,
      ntpSeconds: sr.ntpSeconds,
      ntpFraction: sr.ntpFraction,
      rtpTimestamp: sr.rtpTimestamp,
      packetCount: sr.packetCount,
      octetCount: sr.octetCount,
    };
  }

  /**
   * The reception report block about this source (RFC 3550 §6.4.1), and the start of a new
   * reporting interval for the fraction lost (RFC 3550 A.3).
   */
  makeReceptionReport(nowMs: number): ReceptionReport {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    this.#expectedPrior = expected;
    const receivedInterval = this.#receivedEpoch - this.#receivedPrior;
    this.#receivedPrior = this.#receivedEpoch;
    const lostInterval = expectedInterval - receivedInterval;
    // RFC 3550 A.3: fraction = lost_interval / expected_interval as 8-bit fixed point; 0 when
    // duplicates (here: reordering across the interval boundary) make it negative.
    this.fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    this.heardSinceReport = false;
    const sr = this.lastSr;
    return {
      ssrc: this.ssrc,
      fractionLost: this.fractionLost,
      cumulativeLost: this.cumulativeLost,
      highestSequence: (this.#cycles + this.#maxSeq) % 0x100000000,
      jitter: Math.min(0xffffffff, Math.floor(this.#jitter)),
      lsr: sr ? sr.compact : 0,
      // RFC 3550 §6.4.1: DLSR in units of 1/65536 s, 0 when no SR has been received.
      dlsr: sr ? msToCompactNtp(nowMs - sr.arrivalMs) : 0,
    };
  }
}
