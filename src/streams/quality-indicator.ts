/**
 * Call quality rating 0–5, computed the way Mediastreamer2's quality indicator does so that the
 * two can be compared:
 *
 *   rating = 5 × local × remote
 *   local  = loss(local loss rate) × loss(local late rate) × rtProp(RTT)      (our receive side)
 *   remote = loss(remote loss rate) × jitter(remote jitter) × rtProp(RTT)     (from their RTCP RR about us)
 *   loss(x)   = e^(−4x)                     (5 % → 0.82, 20 % → 0.45: loss hurts quickly)
 *   jitter(j) = 1 − 0.3 × min(1, j / 0.2 s)
 *   rtProp(r) = 1 − 0.7 × min(1, r / 5 s)
 *
 * The local part is updated from counters deltas (call `updateLocal` about once a second), the
 * remote part on each RTCP report block about our stream. `rating` is the latest value,
 * `average` the mean of every value computed (the figure the `--json` report gives as
 * `quality`). Before any update both are null.
 */

const WORST_JITTER_S = 0.2;
const WORST_RT_PROP_S = 5;

export function lossRating(rate: number): number {
  return Math.exp(-4 * Math.max(0, rate));
}

export function jitterRating(jitterS: number): number {
  return 1 - 0.3 * Math.min(1, Math.max(0, jitterS) / WORST_JITTER_S);
}

export function rtPropRating(rttS: number): number {
  return 1 - 0.7 * Math.min(1, Math.max(0, rttS) / WORST_RT_PROP_S);
}

/** Receive-side counters, cumulative since the start (the indicator takes deltas). */
export interface LocalCounters {
  /** Valid packets received (duplicates excluded). */
  received: number;
  /** Packets expected so far (extended highest sequence − first + 1). */
  expected: number;
  /** Packets that arrived after their playout time. */
  late: number;
}

export class QualityIndicator {
  #local = 1;
  #remote = 1;
  #rating: number | null = null;
  #sum = 0;
  #count = 0;
  #last: LocalCounters | null = null;
  #lossRate = 0;
  #lateRate = 0;

  /** Latest rating 0–5, or null before the first update. */
  get rating(): number | null {
    return this.#rating;
  }

  /** Mean of every rating computed, or null before the first. */
  get average(): number | null {
    return this.#count === 0 ? null : this.#sum / this.#count;
  }

  /** Local loss rate over the last update interval, 0–1. */
  get localLossRate(): number {
    return this.#lossRate;
  }

  /** Local late rate over the last update interval, 0–1. */
  get localLateRate(): number {
    return this.#lateRate;
  }

  /** Updates the local part from cumulative receive counters. No packet since last time: no update. */
  updateLocal(c: LocalCounters, rttMs: number | null): void {
    const prev = this.#last;
    this.#last = { ...c };
    if (!prev) {
      if (c.received === 0) return;
      this.#apply(c.received, c.expected, c.late, rttMs);
      return;
    }
    const received = c.received - prev.received;
    if (received <= 0) return; // nothing usable, as Mediastreamer2
    this.#apply(received, c.expected - prev.expected, c.late - prev.late, rttMs);
  }

  /** Updates the remote part from the peer's report block about our stream. */
  updateRemote(fractionLost: number, jitterMs: number, rttMs: number | null): void {
    this.#remote = lossRating(fractionLost) * jitterRating(jitterMs / 1000) * rtPropRating((rttMs ?? 0) / 1000);
    this.#update();
  }

  #apply(received: number, expected: number, late: number, rttMs: number | null): void {
    const lost = Math.max(0, expected - received);
    this.#lossRate = lost / received;
    this.#lateRate = Math.max(0, late) / received;
    this.#local = lossRating(this.#lossRate) * lossRating(this.#lateRate) * rtPropRating((rttMs ?? 0) / 1000);
    this.#update();
  }

  #update(): void {
    this.#rating = 5 * this.#local * this.#remote;
    this.#sum += this.#rating;
    this.#count++;
  }
}
