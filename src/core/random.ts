/**
 * Seeded pseudo-random numbers for simulation and tests, plus a cryptographic source for the
 * values a peer must not be able to predict (SSRC, RFC 3550 §8.1; initial RTP sequence number and
 * timestamp, RFC 3550 §5.1).
 *
 * The generator is xoshiro128** 1.1 (Blackman & Vigna, public domain reference algorithm,
 * implemented here from the published description): 128 bits of state, period 2^128 − 1, passes
 * BigCrush, and needs only 32-bit integer operations, which JavaScript does exactly with
 * `Math.imul` and `>>> 0`, so it is fast without BigInt on the hot path. Its state is filled by
 * splitmix64, as its authors recommend, so that nearby seeds (0, 1, 2 …) give unrelated streams
 * and the all-zero state (the one state xoshiro must never enter) cannot occur.
 *
 * Never use `Random` for anything security-relevant: its output reveals its state.
 */
import { randomBytes } from 'node:crypto';

const TWO_POW_32 = 4294967296;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;
const MASK_64 = 0xffffffffffffffffn;

/** One step of splitmix64 (Steele, Lea & Flood); BigInt is fine here: it only runs when seeding. */
function splitmix64(state: { x: bigint }): bigint {
  state.x = (state.x + GOLDEN_GAMMA) & MASK_64;
  let z = state.x;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

function rotl(v: number, k: number): number {
  return (v << k) | (v >>> (32 - k));
}

/**
 * A deterministic generator: the same seed always yields the same sequence, on every platform
 * and Node version (no floating-point in the core, only exact 32-bit integer arithmetic).
 * Not thread-shared; one instance per user (give each consumer its own via {@link Random.split}
 * so that adding draws in one place does not shift another's sequence).
 */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Second Box–Muller output, kept so each pair of uniforms yields two normals. */
  private spareGaussian: number | undefined;

  /**
   * @param seed any safe integer (negative ones are taken modulo 2^64). Seeds that differ by one
   *   give unrelated streams.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      // RangeError rather than ConfigError: seeds reach here from validated options; a bad one is
      // a programming error in the caller.
      throw new RangeError(`Random seed must be a safe integer, got ${String(seed)}`);
    }
    const sm = { x: BigInt.asUintN(64, BigInt(seed)) };
    const a = splitmix64(sm);
    const b = splitmix64(sm);
    this.setState(
      Number(a & 0xffffffffn),
      Number(a >> 32n),
      Number(b & 0xffffffffn),
      Number(b >> 32n),
    );
  }

  /** A generator seeded from the operating system's CSPRNG, for runs that need no replay. */
  static fromCrypto(): Random {
    return new Random(cryptoRandomSeed());
  }

  /**
   * A generator started from an explicit xoshiro128** state (four 32-bit words, not all zero).
   * Meant for checking against reference vectors and for resuming a saved state.
   */
  static fromState(state: readonly [number, number, number, number]): Random {
    const r = new Random(0);
    const [a, b, c, d] = state;
    for (const w of state) {
      if (!Number.isInteger(w) || w < 0 || w >= TWO_POW_32) {
        throw new RangeError(`Random state words must be integers in [0, 2^32), got ${String(w)}`);
      }
    }
    if ((a | b | c | d) === 0) throw new RangeError('Random state must not be all zero');
    r.setState(a, b, c, d);
    return r;
  }

  /** The current state, for {@link Random.fromState}. (A pending Gaussian spare is not included.) */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  private setState(a: number, b: number, c: number, d: number): void {
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
    this.spareGaussian = undefined;
  }

  /** A uniformly distributed integer in [0, 2^32). */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /**
   * A uniformly distributed number in [0, 1) with 32 bits of resolution (steps of 2^-32): ample
   * for probabilities and delays, and one generator step per call.
   */
  nextFloat(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /**
   * A uniformly distributed integer in [0, n), without modulo bias (draws above the largest
   * multiple of n are rejected; at worst half of them, on average far fewer).
   * @param n an integer in [1, 2^32]
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Random.nextInt bound must be an integer in [1, 2^32], got ${String(n)}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const r = this.nextU32();
      if (r < limit) return r % n;
    }
  }

  /**
   * A normally distributed number (Box–Muller transform). Each pair of uniform draws makes two
   * normals; the second is returned by the next call, so the cost is one draw per normal.
   */
  gaussian(mean = 0, stdDev = 1): number {
    let z: number;
    if (this.spareGaussian !== undefined) {
      z = this.spareGaussian;
      this.spareGaussian = undefined;
    } else {
      // 1 − u lies in (0, 1], so the logarithm is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
      const angle = 2 * Math.PI * this.nextFloat();
      z = radius * Math.cos(angle);
      this.spareGaussian = radius * Math.sin(angle);
    }
    return mean + stdDev * z;
  }

  /**
   * A new, independent generator seeded from 53 bits of this one's output. Deterministic: the
   * children of equal parents are equal. Use one child per consumer so their sequences do not
   * interfere.
   */
  split(): Random {
    const hi = this.nextU32() & 0x1fffff; // 21 bits, so hi * 2^32 + lo stays a safe integer
    const lo = this.nextU32();
    return new Random(hi * TWO_POW_32 + lo);
  }
}

/**
 * A uniformly distributed, unpredictable integer in [0, 2^32) from node:crypto, for SSRCs and
 * initial RTP sequence numbers and timestamps (RFC 3550 §5.1: they must be random so that
 * known-plaintext attacks on SRTP and SSRC collisions are unlikely).
 */
export function cryptoRandomU32(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** An unpredictable safe integer in [0, 2^53), for seeding a {@link Random} when no seed is given. */
export function cryptoRandomSeed(): number {
  const b = randomBytes(8);
  return (b.readUInt32BE(0) & 0x1fffff) * TWO_POW_32 + b.readUInt32BE(4);
}
