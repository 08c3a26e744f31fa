/**
 * iLBC decoder (RFC 3951 §4): bitstream → LSF dequantisation, stability check and interpolation
 * (§4.1) → residual reconstruction (§4.2–4.4) → LPC synthesis (§4.7) → output high-pass
 * (§4.8). Packet loss concealment per §4.5: the previous frame's residual is repeated at its
 * pitch period, mixed with noise according to its periodicity, attenuated over consecutive
 * losses, and synthesised with the previous frame's last LPC filter.
 *
 * The enhancer (§4.6) is not applied (it adds no delay-free gain here, and ffmpeg's decoder
 * leaves it off by default, so our output stays comparable to it).
 */
import { type IlbcMode, type IlbcParams, type ModeConfig, modeConfig, newParams, unpackFrame } from './bitstream.js';
import { biquad, interpolateToA, lsfCheck, lsfDequant, synthFilter } from './lpc.js';
import { convertIndices, decodeResidual, paramsValid, ResidualScratch } from './residual.js';
import { HPO_POLE, HPO_ZERO, LPC_ORDER, LSF_MEAN, LSF_WEIGHT_20MS, LSF_WEIGHT_30MS, SUBL } from './tables.js';

const P = LPC_ORDER;
const P1 = P + 1;

export class IlbcDecoderState {
  readonly cfg: ModeConfig;
  readonly #params: IlbcParams;
  readonly #scratch = new ResidualScratch();
  readonly #lsfdeq = new Float64Array(2 * P);
  readonly #lsfdeqOld = new Float64Array(P);
  readonly #syntdenum: Float64Array;
  readonly #res: Float64Array;
  readonly #syntMem = new Float64Array(P);
  readonly #hpMem = new Float64Array(4);
  readonly #prevLpc = new Float64Array(P1);
  readonly #prevRes: Float64Array;
  #consLost = 0;
  #prevLag = 0;
  #prevPer = 0;
  #seed = 777;
  #prevLost = false;

  constructor(mode: IlbcMode) {
    this.cfg = modeConfig(mode);
    this.#params = newParams(this.cfg);
    this.#syntdenum = new Float64Array(this.cfg.nsub * P1);
    this.#res = new Float64Array(this.cfg.blockl);
    this.#prevRes = new Float64Array(this.cfg.blockl);
    this.reset();
  }

  get samplesPerFrame(): number {
    return this.cfg.blockl;
  }

  reset(): void {
    this.#lsfdeqOld.set(LSF_MEAN);
    this.#syntMem.fill(0);
    this.#hpMem.fill(0);
    this.#prevLpc.fill(0);
    this.#prevLpc[0] = 1;
    this.#prevRes.fill(0);
    this.#consLost = 0;
    this.#prevLag = 0;
    this.#prevPer = 0;
    this.#prevLost = false;
  }

  /**
   * Decodes one frame of cfg.bytes octets at data[off…] into out[oOff…] (blockl samples).
   * Returns false when the frame was unusable (empty-frame bit or invalid indices): the span is
   * then concealed as a loss.
   */
  decode(data: Uint8Array, off: number, out: Int16Array, oOff: number): boolean {
    const cfg = this.cfg;
    const p = this.#params;
    const ok = unpackFrame(cfg, data, off, p) && paramsValid(cfg, p);
    if (!ok) {
      this.conceal(out, oOff);
      return false;
    }
    convertIndices(p);
    // §4.1: LSF dequantisation, stability, interpolation to per-subframe LPC.
    const lsf = this.#lsfdeq;
    lsfDequant(lsf, 0, p.lsf, 0);
    if (cfg.lpcN === 2) lsfDequant(lsf, P, p.lsf, 3);
    lsfCheck(lsf, cfg.lpcN);
    const sd = this.#syntdenum;
    if (cfg.mode === 30) {
      interpolateToA(sd, this.#lsfdeqOld, 0, lsf, 0, LSF_WEIGHT_30MS[0]);
      for (let i = 1; i < 6; i++) interpolateToA(sd.subarray(i * P1), lsf, 0, lsf, P, LSF_WEIGHT_30MS[i]!);
      this.#lsfdeqOld.set(lsf.subarray(P, 2 * P));
    } else {
      for (let i = 0; i < 4; i++) interpolateToA(sd.subarray(i * P1), this.#lsfdeqOld, 0, lsf, 0, LSF_WEIGHT_20MS[i]!);
      this.#lsfdeqOld.set(lsf.subarray(0, P));
    }
    const res = this.#res;
    decodeResidual(this.#scratch, cfg, p, sd, res);
    this.#prevRes.set(res);
    this.#prevLpc.set(sd.subarray((cfg.nsub - 1) * P1, cfg.nsub * P1));
    this.#consLost = 0;
    this.#prevLost = false;
    for (let i = 0; i < cfg.nsub; i++) synthFilter(res, i * SUBL, SUBL, sd, i * P1, this.#syntMem);
    this.#output(res, out, oOff);
    return true;
  }

  /** Conceals one frame (§4.5) into out[oOff…] (blockl samples). */
  conceal(out: Int16Array, oOff: number): void {
    const n = this.cfg.blockl;
    const prev = this.#prevRes;
    const res = this.#res;
    if (!this.#prevLost) {
      // Pitch of the previous residual: best normalised correlation of its last 60 samples.
      let bestLag = 20;
      let bestC = -Infinity;
      let bestPer = 0;
      const L = 60;
      for (let lag = 20; lag <= Math.min(120, n - L); lag++) {
        let c = 0;
        let e1 = 0;
        let e2 = 0;
        for (let i = n - L; i < n; i++) {
          c += prev[i]! * prev[i - lag]!;
          e1 += prev[i]! * prev[i]!;
          e2 += prev[i - lag]! * prev[i - lag]!;
        }
        const nc = e2 > 0 ? c / Math.sqrt(e2) : 0;
        if (nc > bestC) {
          bestC = nc;
          bestLag = lag;
          bestPer = e1 > 0 && e2 > 0 ? c / Math.sqrt(e1 * e2) : 0;
        }
      }
      this.#prevLag = bestLag;
      this.#prevPer = Math.max(0, bestPer);
    }
    this.#consLost++;
    const lag = this.#prevLag;
    // Voicing: fully periodic above 0.7, pure noise below 0.4 (§4.5).
    const pitchFact = Math.min(1, Math.max(0, (this.#prevPer - 0.4) / 0.3));
    // Attenuation over consecutive losses (§4.5): full level for 320 samples, then 0.9, 0.7, 0.5, 0.
    const lostSamples = this.#consLost * n;
    const gain = lostSamples <= 320 ? 1 : lostSamples <= 640 ? 0.9 : lostSamples <= 960 ? 0.7 : lostSamples <= 1280 ? 0.5 : 0;
    let energy = 0;
    for (let i = n - lag; i < n; i++) energy += prev[i]! * prev[i]!;
    const rms = Math.sqrt(energy / lag);
    for (let i = 0; i < n; i++) {
      const periodic = prev[n - lag + (i % lag)]!;
      this.#seed = (this.#seed * 69069 + 1) >>> 0;
      const noise = ((this.#seed >>> 16) / 32768 - 1) * rms * Math.sqrt(3);
      res[i] = gain * (pitchFact * periodic + (1 - pitchFact) * noise);
    }
    // The next lost frame continues the periodic extension from this one.
    prev.set(res);
    this.#prevLost = true;
    for (let i = 0; i < this.cfg.nsub; i++) synthFilter(res, i * SUBL, SUBL, this.#prevLpc, 0, this.#syntMem);
    this.#output(res, out, oOff);
  }

  #output(x: Float64Array, out: Int16Array, oOff: number): void {
    biquad(x, this.cfg.blockl, HPO_ZERO, HPO_POLE, this.#hpMem);
    for (let i = 0; i < this.cfg.blockl; i++) {
      const v = Math.round(x[i]!);
      out[oOff + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  }
}
