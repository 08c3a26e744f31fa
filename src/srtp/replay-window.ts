/**
 * Replay protection (RFC 3711 §3.3.2): a sliding window of `size` indices below the highest index
 * authenticated so far. A slot ring stores, for each index mod size, the last index seen there:
 * O(1) per packet, no bit shifting, any window size (default 128, as libsrtp).
 * Call `check()` before authentication and `accept()` only after it succeeded (§3.3 step 5/6).
 */
export type ReplayVerdict = 'new' | 'replayed' | 'too-old';

export class ReplayWindow {
  readonly size: number;
  #top = -1;
  readonly #slots: Float64Array;

  constructor(size = 128) {
    if (!Number.isInteger(size) || size < 1 || size > 1 << 20) throw new RangeError(`replay window size ${size} is not 1..1048576`);
    this.size = size;
    this.#slots = new Float64Array(size).fill(-1);
  }

  /** Highest accepted index, or -1. */
  get top(): number {
    return this.#top;
  }

  check(index: number): ReplayVerdict {
    if (index > this.#top) return 'new';
    if (this.#top - index >= this.size) return 'too-old';
    return this.#slots[index % this.size] === index ? 'replayed' : 'new';
  }

  accept(index: number): void {
    if (index > this.#top) this.#top = index;
    this.#slots[index % this.size] = index;
  }

  reset(): void {
    this.#top = -1;
    this.#slots.fill(-1);
  }
}
