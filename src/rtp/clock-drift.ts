/**
 * Sender clock drift estimator: recursive least squares (RLS) fit of the sender's media clock
 * against our local clock.
 *
 * Model (the one oRTP's jitter control uses, `ortp_kalman_rls_*` in oRTP's utils): every packet
 * gives a point (x = local arrival time, y = sender time = RTP timestamp / clock rate), and
 *     y ≈ m·x + b
 * where m is the ratio of the sender's clock to ours (1 when they agree; 1.001 when the sender
 * runs 0.1 % fast) and b the offset. Network jitter is the noise around that line. The fit is
 * updated one point at a time with the textbook RLS recursion (Haykin, "Adaptive Filter
 * Theory", ch. 9) with an exponential forgetting factor λ, so a clock whose rate wanders is
 * followed; 1/(1 − λ) is the memory in packets.
 *
 * Differences from oRTP, and why:
 * - Coordinates are kept relative to a moving origin (re-centred every 10 s of input) so the
 *   2×2 covariance stays well conditioned however long the call lasts; oRTP feeds raw 32-bit
 *   timestamps.
 * - The ratio is clamped to 1 ± maxDrift (default 2 %). Real crystals are within ±100 ppm;
 *   oRTP clamps to [0.5, 2] and its own tester notes the RLS "is lost by the chaotic start"
 *   of a bad capture for about 10 s. A tight clamp keeps one burst from tilting the line.
 */
import { ConfigError } from '../core/errors.js';

export interface ClockDriftOptions {
  /** RLS forgetting factor λ, in [0.9, 1]; memory ≈ 1/(1 − λ) samples. Default 0.999. */
  forgetting?: number;
  /** Largest |m − 1| believed, in [0, 0.5]. Default 0.02 (2 %). */
  maxDrift?: number;
}

/** Re-centre the coordinates when the newest sample is this far (ms) from the origin. */
const RECENTRE_MS = 10_000;

export class ClockDriftEstimator {
  private readonly lambda: number;
  private readonly maxDrift: number;
  // Parameters of y − y0 = m·(x − x0) + c, relative to the origin (x0, y0).
  private m = 1;
  private c = 0;
  private x0 = 0;
  private y0 = 0;
  // Covariance P (symmetric 2×2): [[p00, p01], [p01, p11]] for (m, c).
  private p00 = 0;
  private p01 = 0;
  private p11 = 0;
  private n = 0;

  constructor(options: ClockDriftOptions = {}) {
    const lambda = options.forgetting ?? 0.999;
    if (!(lambda >= 0.9 && lambda <= 1)) {
      throw new ConfigError(`clock drift option forgetting must be in [0.9, 1], got ${String(options.forgetting)}`);
    }
    const maxDrift = options.maxDrift ?? 0.02;
    if (!(maxDrift >= 0 && maxDrift <= 0.5)) {
      throw new ConfigError(`clock drift option maxDrift must be in [0, 0.5], got ${String(options.maxDrift)}`);
    }
    this.lambda = lambda;
    this.maxDrift = maxDrift;
  }

  /** Forgets everything (new stream, new SSRC). */
  reset(): void {
    this.m = 1;
    this.c = 0;
    this.n = 0;
  }

  /** Number of samples since the last reset. */
  get samples(): number {
    return this.n;
  }

  /** Adds one observation: local arrival time and sender time, both in milliseconds. */
  update(localMs: number, senderMs: number): void {
    if (this.n === 0) {
      this.x0 = localMs;
      this.y0 = senderMs;
      this.m = 1;
      this.c = 0;
      // Prior: slope known to about ±1 % (variance 1e-4), offset unknown (variance 1e4 ms²):
      // the first points move the offset freely and the slope only once time has passed.
      this.p00 = 1e-4;
      this.p01 = 0;
      this.p11 = 1e4;
      this.n = 1;
      return;
    }
    if (Math.abs(localMs - this.x0) > RECENTRE_MS) this.recentre(localMs, senderMs);
    const x = localMs - this.x0;
    const y = senderMs - this.y0;
    // Gain k = P·φ / (λ + φᵀ·P·φ), φ = (x, 1).
    const pp0 = this.p00 * x + this.p01;
    const pp1 = this.p01 * x + this.p11;
    const denom = this.lambda + x * pp0 + pp1;
    const k0 = pp0 / denom;
    const k1 = pp1 / denom;
    const err = y - (this.m * x + this.c);
    this.m += k0 * err;
    this.c += k1 * err;
    // P ← (P − k·φᵀ·P) / λ, kept symmetric.
    const inv = 1 / this.lambda;
    const n00 = (this.p00 - k0 * pp0) * inv;
    const n01 = (this.p01 - k0 * pp1) * inv;
    const n11 = (this.p11 - k1 * pp1) * inv;
    this.p00 = n00;
    this.p01 = n01;
    this.p11 = n11;
    this.n++;
  }

  /** Moves the origin to (x1, y1), transforming the parameters and covariance exactly. */
  private recentre(x1: number, y1: number): void {
    const dx = x1 - this.x0;
    const dy = y1 - this.y0;
    // y − y1 = m·(x − x1) + (c + m·dx − dy): θ' = T·θ with T = [[1, 0], [dx, 1]], P' = T·P·Tᵀ.
    this.c = this.c + this.m * dx - dy;
    const p00 = this.p00;
    const p01 = this.p01 + dx * this.p00;
    const p11 = this.p11 + 2 * dx * this.p01 + dx * dx * this.p00;
    this.p00 = p00;
    this.p01 = p01;
    this.p11 = p11;
    this.x0 = x1;
    this.y0 = y1;
  }

  /** Sender clock rate over ours (m), clamped to 1 ± maxDrift; 1 before two samples. */
  get ratio(): number {
    if (this.n < 2) return 1;
    return Math.min(1 + this.maxDrift, Math.max(1 - this.maxDrift, this.m));
  }

  /**
   * Rate at which one-way transit time (arrival − sender time) grows, in ms per ms: 1 − ratio.
   * Positive when the sender's clock is slow (its packets look later and later).
   */
  get transitSlope(): number {
    return 1 - this.ratio;
  }

  /** Sender time (ms) the fitted line gives for a local time (ms). */
  predictSenderMs(localMs: number): number {
    if (this.n === 0) return localMs;
    return this.y0 + this.ratio * (localMs - this.x0) + this.c;
  }
}
