/**
 * Clocks that drive a ticker (DESIGN §1). Real time for calls; virtual time for files and tests,
 * where the ticker sets the time itself and runs as fast as the CPU allows. Later a sound card's
 * clock may implement the same interface.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Monotonic time in milliseconds (fractional). */
  now(): number;
  /** True when the ticker advances this clock itself instead of waiting for it. */
  readonly virtual: boolean;
}

/** Monotonic wall clock (performance.now()). */
export class RealClock implements Clock {
  readonly virtual = false;
  now(): number {
    return performance.now();
  }
}

/** A clock that only moves when told: deterministic, instant. */
export class VirtualClock implements Clock {
  readonly virtual = true;
  #t: number;
  constructor(startMs = 0) {
    this.#t = startMs;
  }
  now(): number {
    return this.#t;
  }
  /** Moves time forward by `ms` (≥ 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance: ms must be ≥ 0, got ${ms}`);
    this.#t += ms;
  }
  /** Sets time to `t` if it is later than now (time never goes back). */
  advanceTo(t: number): void {
    if (t > this.#t) this.#t = t;
  }
}
