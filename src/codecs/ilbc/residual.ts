/**
 * iLBC residual reconstruction shared by the decoder (§4.2–4.4) and the encoder, which must keep
 * exactly the decoder's view of the residual as its codebook memory (§3.6.1).
 */
import { baseSize, filterMemory, gainDequant, getCbVec, indexConvDec } from './codebook.js';
import type { IlbcParams, ModeConfig } from './bitstream.js';
import { zeroPole } from './lpc.js';
import { CB_MEML, LPC_ORDER, STATE_FRGQ, STATE_LEN, STATE_SQ3, ST_MEM_L, SUBL } from './tables.js';

const P1 = LPC_ORDER + 1;

/** Scratch buffers for one codec instance (no allocation per frame). */
export class ResidualScratch {
  readonly mem = new Float64Array(CB_MEML);
  readonly filtered = new Float64Array(CB_MEML);
  readonly cbvec = new Float64Array(SUBL);
  readonly rev = new Float64Array(240);
  readonly tmp = new Float64Array(2 * STATE_LEN);
  readonly tmp2 = new Float64Array(2 * STATE_LEN);
  readonly num = new Float64Array(P1);
}

/**
 * Start-state reconstruction (§4.2): dequantised samples, time-reversed, filtered with the
 * all-pass Ã_r(z)/Ã(z) as a circular convolution (zero-padded to twice the length and folded),
 * then reversed back.
 */
export function stateConstruct(
  s: ResidualScratch,
  idxForMax: number,
  idxVec: ArrayLike<number>,
  a: Float64Array,
  aOff: number,
  out: Float64Array,
  oOff: number,
  len: number,
): void {
  const maxVal = 10 ** STATE_FRGQ[idxForMax]! / 4.5;
  for (let k = 0; k < LPC_ORDER; k++) s.num[k] = a[aOff + LPC_ORDER - k]!;
  s.num[LPC_ORDER] = a[aOff]!;
  const tmp = s.tmp;
  for (let k = 0; k < len; k++) tmp[k] = maxVal * STATE_SQ3[idxVec[len - 1 - k]!]!;
  tmp.fill(0, len, 2 * len);
  zeroPole(s.tmp2, tmp, 2 * len, s.num, a, aOff);
  for (let k = 0; k < len; k++) out[oOff + k] = s.tmp2[len - 1 - k]! + s.tmp2[2 * len - 1 - k]!;
}

/** Multistage codebook reconstruction of one vector (§4.3): Σ gain_k · cbvec(index_k). */
export function cbConstruct(
  s: ResidualScratch,
  out: Float64Array,
  oOff: number,
  index: ArrayLike<number>,
  gainIdx: ArrayLike<number>,
  iOff: number,
  mem: Float64Array,
  mOff: number,
  lMem: number,
  veclen: number,
): void {
  const g0 = gainDequant(gainIdx[iOff]!, 1, 0);
  const g1 = gainDequant(gainIdx[iOff + 1]!, g0, 1);
  const g2 = gainDequant(gainIdx[iOff + 2]!, g1, 2);
  const gains = [g0, g1, g2];
  const bs = baseSize(lMem, veclen);
  let haveFilt = false;
  for (let j = 0; j < veclen; j++) out[oOff + j] = 0;
  for (let k = 0; k < 3; k++) {
    const idx = index[iOff + k]!;
    if (idx >= bs && !haveFilt) {
      filterMemory(s.filtered, mem, mOff, lMem);
      haveFilt = true;
    }
    getCbVec(s.cbvec, mem, mOff, lMem, idx, veclen, haveFilt ? s.filtered : null, s.filtered);
    const g = gains[k]!;
    for (let j = 0; j < veclen; j++) out[oOff + j] = out[oOff + j]! + g * s.cbvec[j]!;
  }
}

/** True when every index of the frame addresses an existing codebook entry / position. */
export function paramsValid(cfg: ModeConfig, p: IlbcParams): boolean {
  if (p.start < 1 || p.start > cfg.nsub - 1) return false;
  const diff = STATE_LEN - cfg.stateShortLen;
  const extraSize = 2 * baseSize(ST_MEM_L, diff);
  for (let k = 0; k < 3; k++) if (p.extraCbIndex[k]! >= extraSize) return false;
  return true;
}

/** Converts the sent 7-bit first-block indices to codebook indices (§3.8), in place. */
export function convertIndices(p: IlbcParams): void {
  p.cbIndex[1] = indexConvDec(p.cbIndex[1]!);
  p.cbIndex[2] = indexConvDec(p.cbIndex[2]!);
}

/**
 * Decodes the whole residual of a frame (§4.4): the start state, its extension (forward after it
 * or backward before it), the forward blocks, then the backward blocks (coded time-reversed).
 * `syntdenum` holds the per-subframe LPC (nsub × 11); cbIndex must be converted already.
 */
export function decodeResidual(s: ResidualScratch, cfg: ModeConfig, p: IlbcParams, syntdenum: Float64Array, res: Float64Array): void {
  const ssl = cfg.stateShortLen;
  const diff = STATE_LEN - ssl;
  const start = p.start;
  const startPos = p.stateFirst ? (start - 1) * SUBL : (start - 1) * SUBL + diff;
  const mem = s.mem;
  stateConstruct(s, p.idxForMax, p.idxVec, syntdenum, (start - 1) * P1, res, startPos, ssl);
  if (p.stateFirst) {
    mem.fill(0, 0, CB_MEML - ssl);
    for (let k = 0; k < ssl; k++) mem[CB_MEML - ssl + k] = res[startPos + k]!;
    cbConstruct(s, res, startPos + ssl, p.extraCbIndex, p.extraGainIndex, 0, mem, CB_MEML - ST_MEM_L, ST_MEM_L, diff);
  } else {
    // The extension precedes the state: coded backward in time from the state (§3.5.4).
    for (let k = 0; k < ssl; k++) mem[CB_MEML - 1 - k] = res[startPos + k]!;
    mem.fill(0, 0, CB_MEML - ssl);
    cbConstruct(s, s.rev, 0, p.extraCbIndex, p.extraGainIndex, 0, mem, CB_MEML - ST_MEM_L, ST_MEM_L, diff);
    for (let k = 0; k < diff; k++) res[startPos - 1 - k] = s.rev[k]!;
  }
  let sub = 0;
  const nFor = cfg.nsub - start - 1;
  if (nFor > 0) {
    mem.fill(0, 0, CB_MEML - STATE_LEN);
    for (let k = 0; k < STATE_LEN; k++) mem[CB_MEML - STATE_LEN + k] = res[(start - 1) * SUBL + k]!;
    for (let f = 0; f < nFor; f++) {
      const o = (start + 1 + f) * SUBL;
      cbConstruct(s, res, o, p.cbIndex, p.gainIndex, sub * 3, mem, 0, CB_MEML, SUBL);
      mem.copyWithin(0, SUBL);
      for (let k = 0; k < SUBL; k++) mem[CB_MEML - SUBL + k] = res[o + k]!;
      sub++;
    }
  }
  const nBack = start - 1;
  if (nBack > 0) {
    let got = SUBL * (cfg.nsub + 1 - start);
    if (got > CB_MEML) got = CB_MEML;
    for (let k = 0; k < got; k++) mem[CB_MEML - 1 - k] = res[(start - 1) * SUBL + k]!;
    mem.fill(0, 0, CB_MEML - got);
    for (let b = 0; b < nBack; b++) {
      cbConstruct(s, s.rev, b * SUBL, p.cbIndex, p.gainIndex, sub * 3, mem, 0, CB_MEML, SUBL);
      mem.copyWithin(0, SUBL);
      for (let k = 0; k < SUBL; k++) mem[CB_MEML - SUBL + k] = s.rev[b * SUBL + k]!;
      sub++;
    }
    for (let i = 0; i < SUBL * nBack; i++) res[SUBL * nBack - 1 - i] = s.rev[i]!;
  }
}
