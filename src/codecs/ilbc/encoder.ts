/**
 * iLBC encoder (RFC 3951 §3): input high-pass (§3.1) → LPC analysis with one (20 ms) or two
 * (30 ms) windows, LSF split-VQ and interpolation (§3.2) → LPC residual (§3.3) → start-state
 * selection (§3.5.1) and scalar quantisation of the start state in the all-pass filtered domain
 * (§3.5.2–3.5.3) → three-stage adaptive-codebook coding of the rest of the residual, forward and
 * then backward in time (§3.6) → bit packing (§3.8).
 *
 * Simplifications (the bitstream is fully standard; only encoder choices differ from the RFC's
 * reference): the codebook search minimises the error in the residual domain instead of the
 * perceptually weighted domain (§3.6.4), and the start state is quantised without the noise
 * shaping of §3.5.3.
 */
import { type IlbcMode, type IlbcParams, type ModeConfig, modeConfig, newParams, packFrame } from './bitstream.js';
import { baseSize, filterMemory, gainTable, getCbVec, indexConvEnc, isConvReachable } from './codebook.js';
import { a2lsf, analysisFilter, autocorr, biquad, bwexpand, interpolateToA, levinson, lsfCheck, lsfQuant } from './lpc.js';
import { ResidualScratch, stateConstruct } from './residual.js';
import {
  CB_MEML,
  HPI_POLE,
  HPI_ZERO,
  LPC_ASYMWIN,
  LPC_CHIRP_SYNTDENUM,
  LPC_LAGWIN,
  LPC_LOOKBACK,
  LPC_ORDER,
  LPC_WIN,
  LSF_MEAN,
  LSF_WEIGHT_20MS,
  LSF_WEIGHT_30MS,
  STATE_FRGQ,
  STATE_LEN,
  STATE_SQ3,
  ST_MEM_L,
  SUBL,
} from './tables.js';

const P = LPC_ORDER;
const P1 = P + 1;
const BUF_LEN = LPC_LOOKBACK + 240;

function nearest(tbl: Float64Array, scale: number, v: number): number {
  let best = 0;
  let bd = Infinity;
  for (let i = 0; i < tbl.length; i++) {
    const d = Math.abs(tbl[i]! * scale - v);
    if (d < bd) {
      bd = d;
      best = i;
    }
  }
  return best;
}

export class IlbcEncoderState {
  readonly cfg: ModeConfig;
  readonly #p: IlbcParams;
  readonly #s = new ResidualScratch();
  readonly #hpMem = new Float64Array(4);
  readonly #lpcBuf = new Float64Array(BUF_LEN);
  readonly #anaMem = new Float64Array(P);
  readonly #lsf = new Float64Array(2 * P);
  readonly #lsfOld = new Float64Array(P);
  readonly #lsfq = new Float64Array(2 * P);
  readonly #lsfqOld = new Float64Array(P);
  readonly #sd: Float64Array;
  readonly #x: Float64Array;
  readonly #res: Float64Array;
  readonly #dec: Float64Array;
  readonly #target = new Float64Array(SUBL);
  readonly #win = new Float64Array(240);
  readonly #r = new Float64Array(P1);
  readonly #a = new Float64Array(P1);
  readonly #a2 = new Float64Array(P1);

  constructor(mode: IlbcMode) {
    this.cfg = modeConfig(mode);
    this.#p = newParams(this.cfg);
    this.#sd = new Float64Array(this.cfg.nsub * P1);
    this.#x = new Float64Array(this.cfg.blockl);
    this.#res = new Float64Array(this.cfg.blockl);
    this.#dec = new Float64Array(this.cfg.blockl);
    this.reset();
  }

  get samplesPerFrame(): number {
    return this.cfg.blockl;
  }

  reset(): void {
    this.#hpMem.fill(0);
    this.#lpcBuf.fill(0);
    this.#anaMem.fill(0);
    this.#lsfOld.set(LSF_MEAN);
    this.#lsfqOld.set(LSF_MEAN);
  }

  /** Encodes blockl samples pcm[pOff…] into cfg.bytes octets at out[oOff…]. */
  encode(pcm: Int16Array, pOff: number, out: Uint8Array, oOff: number): void {
    const cfg = this.cfg;
    const n = cfg.blockl;
    const p = this.#p;
    const x = this.#x;
    for (let i = 0; i < n; i++) x[i] = pcm[pOff + i]!;
    biquad(x, n, HPI_ZERO, HPI_POLE, this.#hpMem);

    // §3.2.1: LPC analysis over the look-back buffer.
    const buf = this.#lpcBuf;
    buf.copyWithin(0, n);
    buf.set(x, BUF_LEN - n);
    for (let k = 0; k < cfg.lpcN; k++) {
      const w = this.#win;
      if (k < cfg.lpcN - 1) for (let i = 0; i < 240; i++) w[i] = buf[i]! * LPC_WIN[i]!;
      else for (let i = 0; i < 240; i++) w[i] = buf[LPC_LOOKBACK + i]! * LPC_ASYMWIN[i]!;
      autocorr(this.#r, w, P);
      for (let i = 0; i <= P; i++) this.#r[i] = this.#r[i]! * LPC_LAGWIN[i]!;
      levinson(this.#a, this.#r, P);
      bwexpand(this.#a2, this.#a, LPC_CHIRP_SYNTDENUM);
      const lsfK = this.#lsf.subarray(k * P, (k + 1) * P);
      if (!a2lsf(lsfK, this.#a2)) lsfK.set(k === 0 ? this.#lsfOld : this.#lsf.subarray(0, P));
    }
    // §3.2.4–3.2.5: split VQ and the decoder's stability check.
    for (let k = 0; k < cfg.lpcN; k++) lsfQuant(p.lsf, 3 * k, this.#lsfq, k * P, this.#lsf, k * P);
    lsfCheck(this.#lsfq, cfg.lpcN);
    // §3.2.6: interpolation exactly as the decoder (§4.1) does it.
    const sd = this.#sd;
    const q = this.#lsfq;
    if (cfg.mode === 30) {
      interpolateToA(sd, this.#lsfqOld, 0, q, 0, LSF_WEIGHT_30MS[0]);
      for (let i = 1; i < 6; i++) interpolateToA(sd.subarray(i * P1), q, 0, q, P, LSF_WEIGHT_30MS[i]!);
      this.#lsfqOld.set(q.subarray(P, 2 * P));
      this.#lsfOld.set(this.#lsf.subarray(P, 2 * P));
    } else {
      for (let i = 0; i < 4; i++) interpolateToA(sd.subarray(i * P1), this.#lsfqOld, 0, q, 0, LSF_WEIGHT_20MS[i]!);
      this.#lsfqOld.set(q.subarray(0, P));
      this.#lsfOld.set(this.#lsf.subarray(0, P));
    }
    // §3.3: residual through the quantised analysis filters.
    const res = this.#res;
    for (let i = 0; i < cfg.nsub; i++) analysisFilter(res, i * SUBL, x, i * SUBL, SUBL, sd, i * P1, this.#anaMem);

    this.#codeResidual(res, sd);
    packFrame(cfg, p, out, oOff);
  }

  #codeResidual(res: Float64Array, sd: Float64Array): void {
    const cfg = this.cfg;
    const p = this.#p;
    const s = this.#s;
    const dec = this.#dec;
    const ssl = cfg.stateShortLen;
    const diff = STATE_LEN - ssl;
    // §3.5.1: the two consecutive subframes with the most (centre-weighted) energy.
    const weights = cfg.nsub === 6 ? [0.8, 0.9, 1.0, 0.9, 0.8] : [0.9, 1.0, 0.9];
    let start = 1;
    let bestE = -1;
    for (let st = 1; st < cfg.nsub; st++) {
      let e = 0;
      for (let i = (st - 1) * SUBL; i < (st + 1) * SUBL; i++) e += res[i]! * res[i]!;
      e *= weights[st - 1]!;
      if (e > bestE) {
        bestE = e;
        start = st;
      }
    }
    p.start = start;
    const base = (start - 1) * SUBL;
    let eFirst = 0;
    let eLast = 0;
    for (let i = 0; i < ssl; i++) {
      eFirst += res[base + i]! ** 2;
      eLast += res[base + diff + i]! ** 2;
    }
    p.stateFirst = eFirst > eLast ? 1 : 0;
    const startPos = p.stateFirst ? base : base + diff;
    this.#quantState(res, startPos, sd, (start - 1) * P1);
    stateConstruct(s, p.idxForMax, p.idxVec, sd, (start - 1) * P1, dec, startPos, ssl);

    const mem = s.mem;
    const tgt = this.#target;
    // §3.5.4: the remaining diff samples of the start block, from a memory holding the state.
    if (p.stateFirst) {
      mem.fill(0, 0, CB_MEML - ssl);
      for (let k = 0; k < ssl; k++) mem[CB_MEML - ssl + k] = dec[startPos + k]!;
      for (let k = 0; k < diff; k++) tgt[k] = res[startPos + ssl + k]!;
      this.#search(tgt, mem, CB_MEML - ST_MEM_L, ST_MEM_L, diff, false, p.extraCbIndex, p.extraGainIndex, 0, dec, startPos + ssl, false);
    } else {
      for (let k = 0; k < ssl; k++) mem[CB_MEML - 1 - k] = dec[startPos + k]!;
      mem.fill(0, 0, CB_MEML - ssl);
      for (let k = 0; k < diff; k++) tgt[k] = res[startPos - 1 - k]!;
      this.#search(tgt, mem, CB_MEML - ST_MEM_L, ST_MEM_L, diff, false, p.extraCbIndex, p.extraGainIndex, 0, dec, startPos - 1, true);
    }
    // §3.6: forward blocks, then backward blocks coded time-reversed.
    let sub = 0;
    const nFor = cfg.nsub - start - 1;
    if (nFor > 0) {
      mem.fill(0, 0, CB_MEML - STATE_LEN);
      for (let k = 0; k < STATE_LEN; k++) mem[CB_MEML - STATE_LEN + k] = dec[base + k]!;
      for (let f = 0; f < nFor; f++) {
        const o = (start + 1 + f) * SUBL;
        for (let k = 0; k < SUBL; k++) tgt[k] = res[o + k]!;
        this.#search(tgt, mem, 0, CB_MEML, SUBL, sub === 0, p.cbIndex, p.gainIndex, sub * 3, dec, o, false);
        mem.copyWithin(0, SUBL);
        for (let k = 0; k < SUBL; k++) mem[CB_MEML - SUBL + k] = dec[o + k]!;
        sub++;
      }
    }
    const nBack = start - 1;
    if (nBack > 0) {
      let got = SUBL * (cfg.nsub + 1 - start);
      if (got > CB_MEML) got = CB_MEML;
      for (let k = 0; k < got; k++) mem[CB_MEML - 1 - k] = dec[base + k]!;
      mem.fill(0, 0, CB_MEML - got);
      for (let b = 0; b < nBack; b++) {
        // Block b of the reversed residual = samples base−1−b·40 … backwards.
        const end = base - 1 - b * SUBL;
        for (let k = 0; k < SUBL; k++) tgt[k] = res[end - k]!;
        this.#search(tgt, mem, 0, CB_MEML, SUBL, sub === 0, p.cbIndex, p.gainIndex, sub * 3, dec, end, true);
        mem.copyWithin(0, SUBL);
        for (let k = 0; k < SUBL; k++) mem[CB_MEML - SUBL + k] = dec[end - k]!;
        sub++;
      }
    }
    // The first block's stage-2/3 indices travel on 7 bits (§3.8).
    p.cbIndex[1] = indexConvEnc(p.cbIndex[1]!);
    p.cbIndex[2] = indexConvEnc(p.cbIndex[2]!);
  }

  /** §3.5.2–3.5.3: circular all-pass filtering, scale index, 3-bit scalar quantisation. */
  #quantState(res: Float64Array, pos: number, sd: Float64Array, aOff: number): void {
    const p = this.#p;
    const s = this.#s;
    const len = this.cfg.stateShortLen;
    for (let k = 0; k < P; k++) s.num[k] = sd[aOff + P - k]!;
    s.num[P] = sd[aOff]!;
    const tmp = s.tmp;
    for (let k = 0; k < len; k++) tmp[k] = res[pos + k]!;
    tmp.fill(0, len, 2 * len);
    const y = s.tmp2;
    for (let i = 0; i < 2 * len; i++) {
      let acc = 0;
      for (let k = 0; k <= P && k <= i; k++) acc += s.num[k]! * tmp[i - k]!;
      for (let k = 1; k <= P && k <= i; k++) acc -= sd[aOff + k]! * y[i - k]!;
      y[i] = acc;
    }
    let maxAbs = 0;
    for (let k = 0; k < len; k++) {
      y[k] = y[k]! + y[k + len]!;
      maxAbs = Math.max(maxAbs, Math.abs(y[k]!));
    }
    if (maxAbs < 10) maxAbs = 10;
    p.idxForMax = nearest(STATE_FRGQ, 1, Math.log10(maxAbs));
    const scal = 4.5 / 10 ** STATE_FRGQ[p.idxForMax]!;
    for (let k = 0; k < len; k++) p.idxVec[k] = nearest(STATE_SQ3, 1, y[k]! * scal);
  }

  /**
   * Three-stage codebook search (§3.6.4) in the residual domain: per stage, the index and
   * quantised gain (relative to the previous stage's gain, §3.6.4.2) that remove the most error
   * energy. Writes the reconstruction to dec (forward from dOff, or backward when `reversed`).
   */
  #search(
    target: Float64Array,
    mem: Float64Array,
    mOff: number,
    lMem: number,
    veclen: number,
    firstBlock: boolean,
    idxOut: Int32Array,
    gainOut: Int32Array,
    iOff: number,
    dec: Float64Array,
    dOff: number,
    reversed: boolean,
  ): void {
    const s = this.#s;
    filterMemory(s.filtered, mem, mOff, lMem);
    const total = 2 * baseSize(lMem, veclen);
    const cb = s.cbvec;
    const rec = new Float64Array(veclen);
    const t = new Float64Array(veclen);
    for (let j = 0; j < veclen; j++) t[j] = target[j]!;
    let prevGain = 1;
    for (let stage = 0; stage < 3; stage++) {
      const tbl = gainTable(stage);
      const scale = Math.max(Math.abs(prevGain), 0.1);
      let bestIdx = 0;
      let bestG = stage === 0 ? 0 : nearest(tbl, scale, 0);
      let bestScore = -Infinity;
      for (let idx = 0; idx < total; idx++) {
        if (firstBlock && stage > 0 && !isConvReachable(idx)) continue;
        getCbVec(cb, mem, mOff, lMem, idx, veclen, s.filtered, s.filtered);
        let c = 0;
        let e = 0;
        for (let j = 0; j < veclen; j++) {
          c += t[j]! * cb[j]!;
          e += cb[j]! * cb[j]!;
        }
        if (e <= 1e-9) continue;
        const gi = nearest(tbl, scale, c / e);
        const g = tbl[gi]! * scale;
        const score = 2 * g * c - g * g * e;
        if (score > bestScore) {
          bestScore = score;
          bestIdx = idx;
          bestG = gi;
        }
      }
      idxOut[iOff + stage] = bestIdx;
      gainOut[iOff + stage] = bestG;
      const g = tbl[bestG]! * scale;
      getCbVec(cb, mem, mOff, lMem, bestIdx, veclen, s.filtered, s.filtered);
      for (let j = 0; j < veclen; j++) {
        rec[j] = rec[j]! + g * cb[j]!;
        t[j] = t[j]! - g * cb[j]!;
      }
      prevGain = g;
    }
    for (let j = 0; j < veclen; j++) dec[reversed ? dOff - j : dOff + j] = rec[j]!;
  }
}
