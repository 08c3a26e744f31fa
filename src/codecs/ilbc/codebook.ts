/**
 * iLBC adaptive codebook (RFC 3951 §3.6.3 construction, §4.3 decoding) and gain
 * (de)quantisation (§3.6.4.2).
 *
 * For a memory of lMem samples and vectors of cbveclen samples the codebook has two halves of
 * `baseSize` vectors each: the base half taken from the memory itself, the expanded half taken
 * the same way from the memory filtered by the 8-tap CB_FILTERS (centred: tap i applies to
 * mem[n + 4 − i]). Within a half: index i < lMem − cbveclen + 1 is the segment ending
 * cbveclen + i samples before the end of the memory; for 40-sample vectors 20 more "augmented"
 * vectors follow (lags 20–39: the last `lag` samples repeated to fill 40, with a 5-sample linear
 * cross-fade at the seam).
 */
import { CB_FILTERS, CB_HALFFILTERLEN, CB_FILTERLEN, GAIN_SQ3, GAIN_SQ4, GAIN_SQ5, SUBL } from './tables.js';

export function baseSize(lMem: number, cbveclen: number): number {
  return lMem - cbveclen + 1 + (cbveclen === SUBL ? SUBL / 2 : 0);
}

/** mem filtered by the expansion filter (§3.6.3), zero outside the memory. */
export function filterMemory(out: Float64Array, mem: Float64Array, mOff: number, lMem: number): void {
  for (let n = 0; n < lMem; n++) {
    let s = 0;
    for (let i = 0; i < CB_FILTERLEN; i++) {
      const j = n + CB_HALFFILTERLEN - i;
      if (j >= 0 && j < lMem) s += CB_FILTERS[i]! * mem[mOff + j]!;
    }
    out[n] = s;
  }
}

/** Vector `index` of one half, read from `src` (the memory or its filtered version). */
function halfVector(cbvec: Float64Array, src: Float64Array, sOff: number, lMem: number, index: number, cbveclen: number): void {
  const nBase = lMem - cbveclen + 1;
  if (index < nBase) {
    const start = sOff + lMem - cbveclen - index;
    for (let j = 0; j < cbveclen; j++) cbvec[j] = src[start + j]!;
    return;
  }
  // Augmented vector (§3.6.3): lag 20..39.
  const lag = index - nBase + SUBL / 2;
  const ilow = lag - 5;
  const end = sOff + lMem;
  for (let j = 0; j < ilow; j++) cbvec[j] = src[end - lag + j]!;
  let alfa = 0;
  for (let j = ilow; j < lag; j++) {
    cbvec[j] = (1 - alfa) * src[end - lag + j]! + alfa * src[end - 2 * lag + j]!;
    alfa += 0.2;
  }
  for (let j = lag; j < cbveclen; j++) cbvec[j] = src[end - 2 * lag + j]!;
}

/**
 * Codebook vector `index` (§4.3). `filtered` must hold filterMemory(mem) when the index is in the
 * expanded half (pass null to have it computed into `scratch`).
 */
export function getCbVec(
  cbvec: Float64Array,
  mem: Float64Array,
  mOff: number,
  lMem: number,
  index: number,
  cbveclen: number,
  filtered: Float64Array | null,
  scratch: Float64Array,
): void {
  const bs = baseSize(lMem, cbveclen);
  if (index < bs) halfVector(cbvec, mem, mOff, lMem, index, cbveclen);
  else {
    let f = filtered;
    if (!f) {
      filterMemory(scratch, mem, mOff, lMem);
      f = scratch;
    }
    halfVector(cbvec, f, 0, lMem, index - bs, cbveclen);
  }
}

/** Gain dequantisation (§4.3): stage 1 on 5 bits, stage 2 on 4, stage 3 on 3, each scaled by the previous |gain| (at least 0.1). */
export function gainDequant(index: number, maxIn: number, stage: number): number {
  const scale = Math.max(Math.abs(maxIn), 0.1);
  const tbl = stage === 0 ? GAIN_SQ5 : stage === 1 ? GAIN_SQ4 : GAIN_SQ3;
  return scale * tbl[index]!;
}

export function gainTable(stage: number): Float64Array {
  return stage === 0 ? GAIN_SQ5 : stage === 1 ? GAIN_SQ4 : GAIN_SQ3;
}

/**
 * The first codebook-coded 40-sample block sends its stage-2/3 indices on 7 bits (§3.8): the
 * sent value v maps to index v (v < 44), v + 64 (44 ≤ v < 108) or v + 128 (v ≥ 108).
 */
export function indexConvDec(v: number): number {
  if (v >= 44 && v < 108) return v + 64;
  if (v >= 108 && v < 128) return v + 128;
  return v;
}

export function indexConvEnc(i: number): number {
  if (i >= 108 && i < 172) return i - 64;
  if (i >= 236) return i - 128;
  return i;
}

/** Indices reachable on 7 bits after indexConvDec. */
export function isConvReachable(i: number): boolean {
  return i < 44 || (i >= 108 && i < 172) || i >= 236;
}
