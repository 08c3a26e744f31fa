/**
 * ITU-T G.722 "7 kHz audio-coding within 64 kbit/s" (sub-band ADPCM), pure TypeScript, written
 * from the Recommendation's block descriptions (G.722 §3–§6, blocks named as there) and
 * bit-exact with the ITU-T G.191 Software Tool Library's `g722demo` on its vectors
 * (g722.test.ts): encoder codes, and the decoder in all three modes.
 *
 * ## Structure (G.722 §1.4, Figures 3 and 4)
 * - Transmit QMF (§3.2, §6.1): a 24-tap quadrature mirror filter splits each pair of 16 kHz input
 *   samples into one lower and one higher sub-band sample (8 kHz each).
 * - Lower sub-band ADPCM encoder (§3.3, §6.2.1): 6-bit code IL (60 levels; adaptive quantiser
 *   QUANTL), but the predictor and scale factor are driven only by the 4 most significant bits
 *   (INVQAL, "embedded" ADPCM), so a decoder may drop 1 or 2 LSBs (modes 2 and 3) and stay in
 *   step with the encoder.
 * - Higher sub-band ADPCM encoder (§3.4, §6.2.2): 2-bit code IH.
 * - Both bands share the adaptive predictor (block 4, §6.2.1.4–§6.2.1.6 / §6.2.2.4): a 2-pole,
 *   6-zero predictor updated by the sign algorithm (UPPOL1, UPPOL2, UPZERO), FILTEP, FILTEZ,
 *   PREDIC.
 * - One octet per pair of input samples: I = IH·64 + IL (IH in the two MSBs, §1.4.2); this is
 *   also the RTP payload order (RFC 3551 §4.5.2).
 * - Decoder (§4, §6.3): mode 1 (64 kbit/s, QM6), 2 (56, QM5 on IL >> 1), 3 (48, QM4 on IL >> 2)
 *   for the output; the predictor always uses the 4-bit reconstruction. LIMIT clamps each band to
 *   15 bits, then the receive QMF (§4.4, §6.3.3) interleaves the two bands back to 16 kHz.
 *
 * ## Scaling (verified against the STL vectors)
 * G.722 is specified on 14-bit uniform PCM. The STL (and everyone's 16-bit PCM) feeds 16-bit
 * samples straight into the transmit QMF and takes XL = (XA + XB) >> 14, XH = (XA − XB) >> 14:
 * the sub-band signals are 15-bit (the range LIMIT enforces at the decoder). The receive QMF
 * outputs (Σ …) >> 11, i.e. 16-bit samples again. Those two shifts are the only ones that
 * reproduce `codspw.cod` and `outsp{1,2,3}.bin` (the test tries them). Arithmetic elsewhere is
 * the Recommendation's 16-bit fixed point: products are truncated with an arithmetic shift
 * (floor), sums saturate at ±32767/−32768 where the 16-bit registers would.
 *
 * ## State and allocation
 * `G722EncoderState` / `G722DecoderState` hold everything (two sub-band predictors, the QMF
 * delay lines) in typed arrays allocated once; encode/decode allocate nothing when given an
 * output buffer.
 */

/** G.722 samples at 16 kHz ... */
export const G722_SAMPLE_RATE = 16000;
/** ... but its RTP clock runs at 8 kHz (RFC 3551 §4.5.2, an error kept for compatibility with RFC 1890). */
export const G722_CLOCK_RATE = 8000;

/** Decoder mode (G.722 §1.3, Table 1): 1 = 64 kbit/s, 2 = 56 kbit/s, 3 = 48 kbit/s. */
export type G722Mode = 1 | 2 | 3;

/** Bit rate of each mode, bit/s. */
export const G722_MODE_BITRATE: Readonly<Record<G722Mode, number>> = { 1: 64000, 2: 56000, 3: 48000 };

// ---------------------------------------------------------------------------------------------
// Tables (G.722 §6, Tables 11–19 of the 11/88 edition; names as in the Recommendation).

/** QMF coefficients h0 … h23 (Table 11; scaled by 2^13, symmetric). */
const QMF_H = Int32Array.from([
  3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876,
  3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
]);
/** Even taps h(2i) and odd taps h(2i+1), i = 0 … 11: the two polyphase branches. */
const QMF_EVEN = Int32Array.from({ length: 12 }, (_, i) => QMF_H[2 * i]!);
const QMF_ODD = Int32Array.from({ length: 12 }, (_, i) => QMF_H[2 * i + 1]!);

/**
 * QUANTL decision levels Q6(1 … 29) (Table 12, lower limits of the 30 magnitude intervals,
 * scaled by 2^12 relative to DETL). Index 0 is unused; the last interval has no upper limit.
 */
const Q6 = Int32Array.from([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023,
  1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
]);
/** IL codes for magnitude interval MIL = 1 … 30, negative and positive difference (Table 12). */
const ILN = Uint8Array.from([
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
]);
const ILP = Uint8Array.from([
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32,
]);

/** 4-bit inverse quantiser outputs QQ4 with sign, indexed by IL >> 2 (Table 14; INVQAL, mode 3). */
const QM4 = Int32Array.from([0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0]);
/** 5-bit inverse quantiser outputs QQ5 with sign, indexed by IL >> 1 (Table 15; mode 2). */
const QM5 = Int32Array.from([
  -280, -280, -23352, -17560, -14120, -11664, -9752, -8184, -6864, -5712, -4696, -3784, -2960, -2208, -1520, -880,
  23352, 17560, 14120, 11664, 9752, 8184, 6864, 5712, 4696, 3784, 2960, 2208, 1520, 880, 280, -280,
]);
/** 6-bit inverse quantiser outputs QQ6 with sign, indexed by IL (Table 16; mode 1). */
const QM6 = Int32Array.from([
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
]);
/** IL >> 2 → magnitude index IL4 for the log scale factor (LOGSCL, Table 17). */
const RL42 = Uint8Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
/** Log scale factor multipliers WL (Table 17). */
const WL = Int32Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);
/** Higher band: IH → magnitude index (Table 18), multipliers WH, inverse quantiser QQ2 with sign (Table 13). */
const RH2 = Uint8Array.from([2, 1, 2, 1]);
const WH = Int32Array.from([0, -214, 798]);
const QM2 = Int32Array.from([-7408, -1616, 7408, 1616]);
/** IH for QUANTH: index MIH (1 = small, 2 = large), negative / positive difference. */
const IHN = Uint8Array.from([0, 1, 0]);
const IHP = Uint8Array.from([0, 3, 2]);
/** Inverse log base 2 table ILB (Table 19): 2048 · 2^(i/32), rounded. */
const ILB = Int32Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

/** QUANTH decision level (Table 13): 564 · DETH / 2^12. */
const Q2 = 564;
/** Scale factor limits: NBL ≤ 18432 (LOGSCL), NBH ≤ 22528 (LOGSCH). */
const NBL_MAX = 18432;
const NBH_MAX = 22528;
/** SCALEL / SCALEH shift bias: DET = ILB(NB) >> (8 − NB/2^11) (lower) or (10 − …) (higher). */
const SCALEL_BIAS = 8;
const SCALEH_BIAS = 10;
/** Reset values of the quantiser scale factors (§6.4: DETL = 32, DETH = 8). */
const DETL_RESET = 32;
const DETH_RESET = 8;

/** 16-bit saturation, as the Recommendation's 16-bit additions do. */
function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/**
 * One sub-band's adaptive predictor and quantiser scale factor (block 4 and the LOGSC/SCALE
 * blocks). Shared by both bands and by encoder and decoder: the decoder runs exactly the
 * encoder's local decoder, which is what keeps them in step.
 */
class SubbandState {
  /** Quantiser scale factor DET (DETL / DETH) and its log NB (NBL / NBH). */
  det: number;
  nb = 0;
  /** Signal estimate S (SL / SH) and its zero-section part SZ. */
  s = 0;
  sz = 0;
  /** Reconstructed signal R(n−1), R(n−2); partially reconstructed P(n−1), P(n−2). */
  r1 = 0;
  r2 = 0;
  p1 = 0;
  p2 = 0;
  /** Pole coefficients A1, A2. */
  a1 = 0;
  a2 = 0;
  /** Quantised differences D(n−1 … n−6) at [1 … 6] and zero coefficients B1 … B6 ([0] unused). */
  readonly d = new Int32Array(7);
  readonly b = new Int32Array(7);
  readonly #detReset: number;

  constructor(detReset: number) {
    this.det = detReset;
    this.#detReset = detReset;
  }

  reset(): void {
    this.det = this.#detReset;
    this.nb = this.s = this.sz = this.r1 = this.r2 = this.p1 = this.p2 = this.a1 = this.a2 = 0;
    this.d.fill(0);
    this.b.fill(0);
  }

  /**
   * LOGSCL/LOGSCH then SCALEL/SCALEH (§6.2.1.3, §6.2.2.3): NB ← NB·127/128 + W, limited to
   * [0, nbMax]; DET ← ILB(NB bits 6–10) shifted by NB's integer part, × 4.
   */
  scale(w: number, nbMax: number, bias: number): void {
    let nb = ((this.nb * 127) >> 7) + w;
    if (nb < 0) nb = 0;
    else if (nb > nbMax) nb = nbMax;
    this.nb = nb;
    const shift = bias - (nb >> 11);
    const m = ILB[(nb >> 6) & 31]!;
    this.det = (shift < 0 ? m << -shift : m >> shift) << 2;
  }

  /**
   * Block 4 (§6.2.1.4 onwards) for a quantised difference `dq` (DLT or DH): RECONS, PARREC,
   * UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC. Leaves the next sample's estimate in
   * `s`. Signs are the 16-bit sign bits (zero counts as positive).
   */
  adapt(dq: number): void {
    // RECONS and PARREC.
    const r = sat16(this.s + dq);
    const p = sat16(dq + this.sz);
    const sg0 = p >> 31;
    const sg1 = this.p1 >> 31;
    const sg2 = this.p2 >> 31;
    // UPPOL2: A2 ← A2·(1 − 2^−7) ± 2^−7·(…) with the A1 term; |A2| ≤ 0.75 (12288).
    const wa1 = sat16(this.a1 * 4);
    let w = sg0 === sg1 ? -wa1 : wa1;
    if (w > 32767) w = 32767;
    let a2 = (w >> 7) + (sg0 === sg2 ? 128 : -128) + ((this.a2 * 32512) >> 15);
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;
    // UPPOL1: A1 ← A1·(1 − 2^−8) ± 3·2^−8; |A1| ≤ 1 − 2^−4 − A2 (stability, 15360 − A2).
    let a1 = sat16((sg0 === sg1 ? 192 : -192) + ((this.a1 * 32640) >> 15));
    const lim = 15360 - a2;
    if (a1 > lim) a1 = lim;
    else if (a1 < -lim) a1 = -lim;
    // UPZERO: Bi ← Bi·(1 − 2^−8) ± 2^−7 (no step when DQ is zero).
    const d = this.d;
    const b = this.b;
    const step = dq === 0 ? 0 : 128;
    const sgd = dq >> 31;
    for (let i = 1; i <= 6; i++) {
      b[i] = sat16(((d[i]! >> 31) === sgd ? step : -step) + ((b[i]! * 32640) >> 15));
    }
    // DELAYA.
    d[6] = d[5]!;
    d[5] = d[4]!;
    d[4] = d[3]!;
    d[3] = d[2]!;
    d[2] = d[1]!;
    d[1] = dq;
    this.r2 = this.r1;
    this.r1 = r;
    this.p2 = this.p1;
    this.p1 = p;
    this.a1 = a1;
    this.a2 = a2;
    // FILTEP: pole section on the reconstructed signal (×2 then ×A >> 15, i.e. ×A/2^14).
    const sp = sat16(((a1 * sat16(r + r)) >> 15) + ((a2 * sat16(this.r2 + this.r2)) >> 15));
    // FILTEZ: zero section on the quantised differences.
    let sz = 0;
    for (let i = 1; i <= 6; i++) sz = sat16(sz + ((b[i]! * sat16(d[i]! + d[i]!)) >> 15));
    this.sz = sz;
    // PREDIC.
    this.s = sat16(sp + sz);
  }
}

/**
 * G.722 encoder (64 kbit/s; the 56 and 48 kbit/s modes are the same code stream with 1 or 2 LSBs
 * of IL dropped by the channel, §1.3). Sans-IO: PCM in, codes out; keeps its state between calls.
 */
export class G722EncoderState {
  readonly #low = new SubbandState(DETL_RESET);
  readonly #high = new SubbandState(DETH_RESET);
  /**
   * Transmit QMF delay line x(j) … x(j−23) as a ring stored twice (48 entries), so the 24 most
   * recent samples are always contiguous at [#p … #p + 23], newest first, without shifting.
   */
  readonly #x = new Int32Array(48);
  #p = 0;

  /** Back to the reset state of §6.4 (as at construction). */
  reset(): void {
    this.#low.reset();
    this.#high.reset();
    this.#x.fill(0);
    this.#p = 0;
  }

  /**
   * Encodes 16 kHz 16-bit PCM (an even number of samples) to one code per sample pair.
   * `out` receives the codes (it must hold at least `pcm.length / 2`); the returned array is the
   * written part (a view of `out`, or a new array when `out` is omitted).
   */
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
    if ((pcm.length & 1) !== 0) throw new RangeError(`G.722 encodes sample pairs: got ${pcm.length} samples (odd)`);
    const n = pcm.length >> 1;
    const dst = out ?? new Uint8Array(n);
    if (dst.length < n) throw new RangeError(`G.722 encode: output holds ${dst.length} codes, ${n} needed`);
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    let p = this.#p;
    for (let k = 0; k < n; k++) {
      // Transmit QMF (§6.1): two samples in, the newer at x[p].
      p = p >= 2 ? p - 2 : p + 22;
      x[p + 1] = x[p + 25] = pcm[2 * k]!;
      x[p] = x[p + 24] = pcm[2 * k + 1]!;
      let xa = 0;
      let xb = 0;
      for (let i = 0; i < 12; i++) {
        xa += QMF_EVEN[i]! * x[p + 2 * i]!;
        xb += QMF_ODD[i]! * x[p + 2 * i + 1]!;
      }
      const xl = sat16((xa + xb) >> 14);
      const xh = sat16((xa - xb) >> 14);

      // Lower sub-band. SUBTRA, then QUANTL: |EL| (one's complement for negatives) against
      // Q6(i)·DETL/2^12 for i = 1 … 29.
      const el = sat16(xl - low.s);
      const wd = el >= 0 ? el : -(el + 1);
      const detl = low.det;
      // The first interval whose upper limit exceeds WD (binary search over the monotonic
      // limits; 30 when WD is beyond all of them).
      let lo = 1;
      let hi = 30;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (wd < (Q6[mid]! * detl) >> 12) hi = mid;
        else lo = mid + 1;
      }
      const mil = lo;
      const il = el < 0 ? ILN[mil]! : ILP[mil]!;
      // INVQAL (4-bit), LOGSCL, SCALEL, block 4.
      const il4 = il >> 2;
      const dlt = (detl * QM4[il4]!) >> 15;
      low.scale(WL[RL42[il4]!]!, NBL_MAX, SCALEL_BIAS);
      low.adapt(dlt);

      // Higher sub-band: SUBTRA, QUANTH, INVQAH, LOGSCH, SCALEH, block 4.
      const eh = sat16(xh - high.s);
      const wh = eh >= 0 ? eh : -(eh + 1);
      const deth = high.det;
      const mih = wh >= (Q2 * deth) >> 12 ? 2 : 1;
      const ih = eh < 0 ? IHN[mih]! : IHP[mih]!;
      const dh = (deth * QM2[ih]!) >> 15;
      high.scale(WH[RH2[ih]!]!, NBH_MAX, SCALEH_BIAS);
      high.adapt(dh);

      dst[k] = (ih << 6) | il;
    }
    this.#p = p;
    return dst.length === n ? dst : dst.subarray(0, n);
  }
}

/** G.722 decoder in mode 1, 2 or 3 (§4). Sans-IO: codes in, 16 kHz PCM out. */
export class G722DecoderState {
  readonly #low = new SubbandState(DETL_RESET);
  readonly #high = new SubbandState(DETH_RESET);
  /** Receive QMF delay lines xd(j … j−11) and xs(j … j−11), rings stored twice (see the encoder). */
  readonly #xd = new Int32Array(24);
  readonly #xs = new Int32Array(24);
  #p = 0;
  #mode: G722Mode;

  constructor(mode: G722Mode = 1) {
    this.#mode = checkMode(mode);
  }

  get mode(): G722Mode {
    return this.#mode;
  }

  /** Changes the mode from the next code on (the bit rate may change at any octet, §1.3). */
  setMode(mode: G722Mode): void {
    this.#mode = checkMode(mode);
  }

  reset(): void {
    this.#low.reset();
    this.#high.reset();
    this.#xd.fill(0);
    this.#xs.fill(0);
    this.#p = 0;
  }

  /**
   * Decodes codes (one per sample pair) to 16 kHz 16-bit PCM, two samples per code. `out` must
   * hold at least `2 · codes.length`; the returned array is the written part.
   */
  decode(codes: Uint8Array, out?: Int16Array): Int16Array {
    const n = codes.length;
    const dst = out ?? new Int16Array(2 * n);
    if (dst.length < 2 * n) throw new RangeError(`G.722 decode: output holds ${dst.length} samples, ${2 * n} needed`);
    const low = this.#low;
    const high = this.#high;
    const xd = this.#xd;
    const xs = this.#xs;
    // Output inverse quantiser of the mode (INVQBL, §6.3.1): its table and the LSBs it ignores.
    const table = this.#mode === 1 ? QM6 : this.#mode === 2 ? QM5 : QM4;
    const drop = this.#mode - 1;
    let p = this.#p;
    for (let k = 0; k < n; k++) {
      const code = codes[k]!;
      const ilr = code & 63;
      const ih = code >> 6;

      // Lower sub-band: INVQBL → RECONS → LIMIT for the output ...
      const detl = low.det;
      let rl = sat16(low.s + ((detl * table[ilr >> drop]!) >> 15));
      if (rl > 16383) rl = 16383;
      else if (rl < -16384) rl = -16384;
      // ... and the 4-bit INVQAL for the predictor, exactly as the encoder's local decoder.
      const il4 = ilr >> 2;
      const dlt = (detl * QM4[il4]!) >> 15;
      low.scale(WL[RL42[il4]!]!, NBL_MAX, SCALEL_BIAS);
      low.adapt(dlt);

      // Higher sub-band: INVQAH → RECONS → LIMIT.
      const deth = high.det;
      const dh = (deth * QM2[ih]!) >> 15;
      let rh = sat16(high.s + dh);
      if (rh > 16383) rh = 16383;
      else if (rh < -16384) rh = -16384;
      high.scale(WH[RH2[ih]!]!, NBH_MAX, SCALEH_BIAS);
      high.adapt(dh);

      // Receive QMF (§6.3.3): xd = RL − RH feeds the even taps (first output sample), xs = RL + RH
      // the odd taps (second).
      p = p > 0 ? p - 1 : 11;
      xd[p] = xd[p + 12] = rl - rh;
      xs[p] = xs[p + 12] = rl + rh;
      let o1 = 0;
      let o2 = 0;
      for (let i = 0; i < 12; i++) {
        o1 += QMF_EVEN[i]! * xd[p + i]!;
        o2 += QMF_ODD[i]! * xs[p + i]!;
      }
      dst[2 * k] = sat16(o1 >> 11);
      dst[2 * k + 1] = sat16(o2 >> 11);
    }
    this.#p = p;
    return dst.length === 2 * n ? dst : dst.subarray(0, 2 * n);
  }
}

function checkMode(mode: number): G722Mode {
  if (mode !== 1 && mode !== 2 && mode !== 3) throw new RangeError(`G.722 decoder mode must be 1 (64 kbit/s), 2 (56) or 3 (48), got ${String(mode)}`);
  return mode;
}

/** One-shot encode of a whole 16 kHz signal from the reset state (tests, tools). */
export function g722Encode(pcm: Int16Array): Uint8Array {
  return new G722EncoderState().encode(pcm);
}

/** One-shot decode of a whole code stream from the reset state (tests, tools). */
export function g722Decode(codes: Uint8Array, mode: G722Mode = 1): Int16Array {
  return new G722DecoderState(mode).decode(codes);
}

/**
 * STL "packed" code files (`codsp.cod`): the codes of two consecutive sample pairs share a 16-bit
 * word written little-endian with the first code in the high byte, so each byte pair is swapped
 * relative to the stream order (verified against `codspw.cod`, one code per word).
 */
export function unpackStlCodes(packed: Uint8Array): Uint8Array {
  const out = new Uint8Array(packed.length);
  for (let i = 0; i + 1 < packed.length; i += 2) {
    out[i] = packed[i + 1]!;
    out[i + 1] = packed[i]!;
  }
  if (packed.length & 1) out[packed.length - 1] = packed[packed.length - 1]!;
  return out;
}
