/**
 * iLBC LPC tools (RFC 3951 §3.2 analysis/quantisation, §4.1 decoder LSF handling) and the
 * filters shared by the encoder and decoder. Floating point, as the RFC's description.
 */
import { LPC_ORDER, LSF_CB, LSF_DIM, LSF_SIZE } from './tables.js';

const P = LPC_ORDER;

/** Autocorrelation r[0..order] of x. */
export function autocorr(r: Float64Array, x: Float64Array, order: number): void {
  for (let k = 0; k <= order; k++) {
    let s = 0;
    for (let n = k; n < x.length; n++) s += x[n]! * x[n - k]!;
    r[k] = s;
  }
}

/** Levinson-Durbin recursion: a[0] = 1, a[1..order] (A(z) = Σ a[k] z^-k). */
export function levinson(a: Float64Array, r: Float64Array, order: number): void {
  a.fill(0);
  a[0] = 1;
  if (r[0]! <= 0) return;
  let err = r[0]!;
  const tmp = new Float64Array(order + 1);
  for (let i = 1; i <= order; i++) {
    let acc = r[i]!;
    for (let j = 1; j < i; j++) acc += a[j]! * r[i - j]!;
    const k = -acc / err;
    tmp.set(a);
    for (let j = 1; j < i; j++) a[j] = tmp[j]! + k * tmp[i - j]!;
    a[i] = k;
    err *= 1 - k * k;
    if (err <= 0) break;
  }
}

/** Bandwidth expansion: out[k] = in[k]·chirp^k (§3.2.1). */
export function bwexpand(out: Float64Array, a: Float64Array, chirp: number): void {
  let c = 1;
  for (let k = 0; k < a.length; k++) {
    out[k] = a[k]! * c;
    c *= chirp;
  }
}

/** Value of the symmetric (sign +1) or antisymmetric-reduced polynomial at ω (length-11 coefficients, order 10 after removing the trivial root). */
function evalSym(c: Float64Array, w: number): number {
  // c has 11 coefficients, symmetric: e^{j5ω}C(e^{jω}) = c5 + 2 Σ_{k<5} c_k cos((5-k)ω)
  let s = c[5]!;
  for (let k = 0; k < 5; k++) s += 2 * c[k]! * Math.cos((5 - k) * w);
  return s;
}

const GRID = 512;

/**
 * LPC → LSF (radians, ascending), §3.2.3: the roots of P(z) = A(z)+z^-11A(1/z) and
 * Q(z) = A(z)−z^-11A(1/z) on the unit circle, after removing their trivial roots at z = −1 and
 * z = 1. Found by a grid search and bisection. Returns false when 10 roots were not found
 * (an unstable filter); `lsf` is then untouched.
 */
export function a2lsf(lsf: Float64Array, a: Float64Array): boolean {
  const p = new Float64Array(12);
  const q = new Float64Array(12);
  for (let k = 0; k <= 11; k++) {
    const ak = k <= P ? a[k]! : 0;
    const ar = 11 - k <= P ? a[11 - k]! : 0;
    p[k] = ak + ar;
    q[k] = ak - ar;
  }
  // Divide P by (1 + z^-1) and Q by (1 − z^-1).
  const p1 = new Float64Array(11);
  const q1 = new Float64Array(11);
  p1[0] = p[0]!;
  q1[0] = q[0]!;
  for (let k = 1; k <= 10; k++) {
    p1[k] = p[k]! - p1[k - 1]!;
    q1[k] = q[k]! + q1[k - 1]!;
  }
  const roots: number[] = [];
  let poly = p1;
  let prevW = 0;
  let prevV = evalSym(poly, 0);
  // Roots of P and Q interlace: search alternately.
  for (let g = 1; g <= GRID && roots.length < P; g++) {
    const w = (Math.PI * g) / GRID;
    const v = evalSym(poly, w);
    if (prevV === 0 || prevV * v < 0) {
      let lo = prevW;
      let hi = w;
      let vlo = prevV;
      for (let it = 0; it < 30; it++) {
        const mid = 0.5 * (lo + hi);
        const vm = evalSym(poly, mid);
        if (vlo * vm <= 0) hi = mid;
        else {
          lo = mid;
          vlo = vm;
        }
      }
      const root = 0.5 * (lo + hi);
      roots.push(root);
      poly = poly === p1 ? q1 : p1;
      prevW = root;
      prevV = evalSym(poly, root);
      if (prevV === 0) prevV = 1e-30;
      // Re-examine from the root on with the other polynomial.
      g = Math.floor((root * GRID) / Math.PI);
      continue;
    }
    prevW = w;
    prevV = v;
  }
  if (roots.length < P) return false;
  for (let k = 0; k < P; k++) lsf[k] = roots[k]!;
  return true;
}

/** LSF → LPC (§3.2.6 / §4.1): A = ((1+z^-1)ΠP + (1−z^-1)ΠQ)/2 with P over even-indexed LSFs. */
export function lsf2a(a: Float64Array, lsf: Float64Array): void {
  const f1 = new Float64Array(P + 2);
  const f2 = new Float64Array(P + 2);
  f1[0] = 1;
  f2[0] = 1;
  let len = 1;
  for (let i = 0; i < P; i += 2) {
    const c1 = -2 * Math.cos(lsf[i]!);
    const c2 = -2 * Math.cos(lsf[i + 1]!);
    for (let k = len + 1; k >= 1; k--) {
      f1[k] = f1[k]! + c1 * f1[k - 1]! + (k >= 2 ? f1[k - 2]! : 0);
      f2[k] = f2[k]! + c2 * f2[k - 1]! + (k >= 2 ? f2[k - 2]! : 0);
    }
    len += 2;
  }
  a[0] = 1;
  for (let k = 1; k <= P; k++) {
    const pk = f1[k]! + f1[k - 1]!;
    const qk = f2[k]! - f2[k - 1]!;
    a[k] = 0.5 * (pk + qk);
  }
}

/** Split-VQ dequantisation of one LSF vector (§4.1): concatenated codebook entries. */
export function lsfDequant(out: Float64Array, offset: number, idx: ArrayLike<number>, idxOff: number): void {
  let cbPos = 0;
  let pos = offset;
  for (let s = 0; s < 3; s++) {
    const dim = LSF_DIM[s]!;
    const base = cbPos + idx[idxOff + s]! * dim;
    for (let j = 0; j < dim; j++) out[pos + j] = LSF_CB[base + j]!;
    pos += dim;
    cbPos += LSF_SIZE[s]! * dim;
  }
}

/** Split VQ of one LSF vector (§3.2.4): nearest entry of each split by squared error. */
export function lsfQuant(idx: Int32Array, idxOff: number, q: Float64Array, qOff: number, lsf: Float64Array, lsfOff: number): void {
  let cbPos = 0;
  let pos = 0;
  for (let s = 0; s < 3; s++) {
    const dim = LSF_DIM[s]!;
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < LSF_SIZE[s]!; i++) {
      let d = 0;
      for (let j = 0; j < dim; j++) {
        const e = lsf[lsfOff + pos + j]! - LSF_CB[cbPos + i * dim + j]!;
        d += e * e;
      }
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    idx[idxOff + s] = best;
    for (let j = 0; j < dim; j++) q[qOff + pos + j] = LSF_CB[cbPos + best * dim + j]!;
    pos += dim;
    cbPos += LSF_SIZE[s]! * dim;
  }
}

/**
 * LSF stability check (§3.2.5 / §4.1): enforce a minimum distance of 0.039 rad (≈50 Hz) between
 * neighbours and keep them within [0.01, 3.14], in two passes.
 */
export function lsfCheck(lsf: Float64Array, nVec: number): void {
  const eps = 0.039;
  const eps2 = 0.0195;
  for (let it = 0; it < 2; it++) {
    for (let m = 0; m < nVec; m++) {
      for (let k = 0; k < P - 1; k++) {
        const i = m * P + k;
        if (lsf[i + 1]! - lsf[i]! < eps) {
          if (lsf[i + 1]! < lsf[i]!) {
            const t = lsf[i + 1]!;
            lsf[i + 1] = lsf[i]! + eps2;
            lsf[i] = t - eps2;
          } else {
            lsf[i] = lsf[i]! - eps2;
            lsf[i + 1] = lsf[i + 1]! + eps2;
          }
        }
        if (lsf[i]! < 0.01) lsf[i] = 0.01;
        if (lsf[i]! > 3.14) lsf[i] = 3.14;
      }
    }
  }
}

/** a = lsf2a(w·lsf1 + (1−w)·lsf2) (§3.2.6 / §4.1 interpolation). */
export function interpolateToA(a: Float64Array, lsf1: Float64Array, o1: number, lsf2: Float64Array, o2: number, w: number): void {
  const t = new Float64Array(P);
  for (let k = 0; k < P; k++) t[k] = w * lsf1[o1 + k]! + (1 - w) * lsf2[o2 + k]!;
  lsf2a(a, t);
}

/** All-pole synthesis 1/A(z) in place over x[off, off+n), `mem` = the last P outputs (most recent last). */
export function synthFilter(x: Float64Array, off: number, n: number, a: Float64Array, aOff: number, mem: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = x[off + i]!;
    for (let k = 1; k <= P; k++) {
      const j = i - k;
      s -= a[aOff + k]! * (j >= 0 ? x[off + j]! : mem[P + j]!);
    }
    x[off + i] = s;
  }
  // Update the memory with the last P outputs.
  if (n >= P) for (let k = 0; k < P; k++) mem[k] = x[off + n - P + k]!;
  else {
    mem.copyWithin(0, n);
    for (let k = 0; k < n; k++) mem[P - n + k] = x[off + k]!;
  }
}

/** FIR analysis A(z): out[i] = Σ a[k]·x[i−k], `mem` = the last P inputs (most recent last). */
export function analysisFilter(out: Float64Array, oOff: number, x: Float64Array, off: number, n: number, a: Float64Array, aOff: number, mem: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = x[off + i]!;
    for (let k = 1; k <= P; k++) {
      const j = i - k;
      s += a[aOff + k]! * (j >= 0 ? x[off + j]! : mem[P + j]!);
    }
    out[oOff + i] = s;
  }
  if (n >= P) for (let k = 0; k < P; k++) mem[k] = x[off + n - P + k]!;
  else {
    mem.copyWithin(0, n);
    for (let k = 0; k < n; k++) mem[P - n + k] = x[off + k]!;
  }
}

/** Zero-pole filter B(z)/A(z) with zero initial state over n samples (§3.5.2 / §4.2). */
export function zeroPole(out: Float64Array, x: Float64Array, n: number, b: Float64Array, a: Float64Array, aOff: number): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k <= P && k <= i; k++) s += b[k]! * x[i - k]!;
    for (let k = 1; k <= P && k <= i; k++) s -= a[aOff + k]! * out[i - k]!;
    out[i] = s;
  }
}

/** Second-order IIR (the §3.1 input and §4.8 output high-pass filters); mem = [x1, x2, y1, y2]. */
export function biquad(x: Float64Array, n: number, b: readonly number[], a: readonly number[], mem: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const y = b[0]! * xi + b[1]! * mem[0]! + b[2]! * mem[1]! - a[1]! * mem[2]! - a[2]! * mem[3]!;
    mem[1] = mem[0]!;
    mem[0] = xi;
    mem[3] = mem[2]!;
    mem[2] = y;
    x[i] = y;
  }
}
