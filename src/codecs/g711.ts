/**
 * G.711 µ-law and A-law (ITU-T G.711, "Pulse code modulation (PCM) of voice frequencies"),
 * pure TypeScript, bit-exact with the ITU-T G.191 Software Tool Library (STL) `g711.c`.
 *
 * Scale. G.711 defines µ-law on 14-bit and A-law on 13-bit signed linear values. Like the STL,
 * these functions take and give 16-bit left-justified samples (the 14/13-bit value shifted left,
 * i.e. the Int16 PCM everyone uses): the STL encoder works on `x >> 2` (µ-law) and `x >> 4`
 * (A-law's 12-bit magnitude; its sign is kept apart), and its decoder returns the reconstruction
 * levels already in 16-bit units (µ-law ±0 … ±32124, A-law ±8 … ±32256). So no extra shift is
 * needed on either side: the G.191 sweep vectors (65 536 inputs −32768 … 32767) map straight
 * onto codes, and codes straight onto their 16-bit decodes (see g711.test.ts).
 *
 * Negative inputs. The STL forms the magnitude with a one's complement (`~x`, not `-x`) before
 * shifting, so x and −x−1 quantise to the same magnitude: the quantiser is symmetric about −½,
 * which is what G.711's decision tables (Tables 1a/2a) describe for a two's-complement input.
 * Because `~x >> n === ~(x >> n)`, the code depends on `x >> 2` (µ-law) / `x >> 4` (A-law)
 * alone, which is what makes small encode tables possible.
 *
 * Speed (measured when this was written, Node 20 on x86-64, 1 Mi-sample buffers):
 * - encode by a 65 536-entry table indexed by the raw sample, by a 16 384-entry (µ-law, 14-bit
 *   `x >> 2`) / 4 096-entry (A-law, `x >> 4`) table, and by computing the segment with
 *   `Math.clz32`: the two table forms are within run-to-run noise of each other
 *   (≈ 0.9–1.4 Gsample/s, close to a plain Int16Array copy loop at ≈ 1.5 Gsample/s), the
 *   computed form ≈ 0.35 Gsample/s. We use the smaller tables (16 KiB + 4 KiB): same speed,
 *   a quarter of the cache footprint next to the rest of a call's working set.
 * - decode: a 256-entry Int16Array per law.
 * `bench/g711.ts` measures the current figures.
 */

// ---------------------------------------------------------------------------------------------
// Reference algorithms (the STL's, sample by sample). Used once at load time to fill the tables,
// and exported for tests; the hot path never calls them.
// ---------------------------------------------------------------------------------------------

/** µ-law encode of one 16-bit sample, computed (ITU-T G.191 STL `ulaw_compress`). */
export function ulawEncodeReference(x: number): number {
  // 14-bit magnitude plus the µ-law bias of 33 (G.711 µ-law: segment ends at 2^n·33 − 33).
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff; // clip at the top of segment 8
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const highNibble = 0x08 - segno;
  const lowNibble = 0x0f - ((absno >> segno) & 0x0f);
  let code = (highNibble << 4) | lowNibble;
  if (x >= 0) code |= 0x80;
  return code;
}

/** µ-law decode of one code to a 16-bit sample, computed (STL `ulaw_expand`). */
export function ulawDecodeReference(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const inv = ~code; // µ-law codes are transmitted inverted (G.711 Table 2a)
  const exponent = (inv >> 4) & 0x07;
  const mantissa = inv & 0x0f;
  const step = 4 << (exponent + 1);
  // `| 0` turns the −0 of code 0x7F into 0.
  return (sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)) | 0;
}

/** A-law encode of one 16-bit sample, computed (STL `alaw_compress`). */
export function alawEncodeReference(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4; // 12-bit magnitude (13-bit signed A-law value without its LSB)
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16; // drop the implicit leading 1 of segments 2..8
    ix += iexp << 4;
  }
  if (x >= 0) ix |= 0x80;
  return ix ^ 0x55; // even bits inverted (G.711 Table 1a, note on character signals)
}

/** A-law decode of one code to a 16-bit sample, computed (STL `alaw_expand`). */
export function alawDecodeReference(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 0x0f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x08; // reconstruct at the middle of the interval
  if (iexp > 1) mant <<= iexp - 1;
  return code > 127 ? mant : -mant;
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/** µ-law code by 14-bit signed value (`x >> 2`), indexed `(x >> 2) & 0x3fff`. */
const ULAW_ENC = new Uint8Array(1 << 14);
/** A-law code by `x >> 4`, indexed `(x >> 4) & 0xfff`. */
const ALAW_ENC = new Uint8Array(1 << 12);
const ULAW_DEC = new Int16Array(256);
const ALAW_DEC = new Int16Array(256);

for (let v = -(1 << 13); v < 1 << 13; v++) ULAW_ENC[v & 0x3fff] = ulawEncodeReference(v << 2);
for (let v = -(1 << 11); v < 1 << 11; v++) ALAW_ENC[v & 0xfff] = alawEncodeReference(v << 4);
for (let c = 0; c < 256; c++) {
  ULAW_DEC[c] = ulawDecodeReference(c);
  ALAW_DEC[c] = alawDecodeReference(c);
}

/** Saturates to int16 (the single-sample functions accept any number; bulk input is Int16 already). */
function toInt16(x: number): number {
  if (x >= 32767) return 32767;
  if (x <= -32768) return -32768;
  return Math.floor(x) | 0; // fractions round down, as the quantiser's shifts do; NaN → 0
}

// ---------------------------------------------------------------------------------------------
// Single samples
// ---------------------------------------------------------------------------------------------

/** µ-law code (0–255) of a 16-bit linear sample (values outside int16 saturate). */
export function linearToUlaw(x: number): number {
  return ULAW_ENC[(toInt16(x) >> 2) & 0x3fff]!;
}

/** 16-bit linear sample of a µ-law code (only the low 8 bits are used). */
export function ulawToLinear(code: number): number {
  return ULAW_DEC[code & 0xff]!;
}

/** A-law code (0–255) of a 16-bit linear sample (values outside int16 saturate). */
export function linearToAlaw(x: number): number {
  return ALAW_ENC[(toInt16(x) >> 4) & 0xfff]!;
}

/** 16-bit linear sample of an A-law code (only the low 8 bits are used). */
export function alawToLinear(code: number): number {
  return ALAW_DEC[code & 0xff]!;
}

// ---------------------------------------------------------------------------------------------
// Bulk
// ---------------------------------------------------------------------------------------------

function checkDst(fn: string, srcLen: number, dstLen: number): void {
  if (dstLen < srcLen) throw new RangeError(`${fn}: destination holds ${dstLen} samples, source has ${srcLen}`);
}

/** Encodes `src` into `dst` (µ-law), one byte a sample; `dst` defaults to a new buffer. Returns `dst`. */
export function encodeUlaw(src: Int16Array, dst: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  checkDst('encodeUlaw', src.length, dst.length);
  const t = ULAW_ENC;
  for (let i = 0, n = src.length; i < n; i++) dst[i] = t[(src[i] >> 2) & 0x3fff];
  return dst;
}

/** Decodes µ-law bytes `src` into `dst`; `dst` defaults to a new buffer. Returns `dst`. */
export function decodeUlaw(src: Uint8Array, dst: Int16Array = new Int16Array(src.length)): Int16Array {
  checkDst('decodeUlaw', src.length, dst.length);
  const t = ULAW_DEC;
  for (let i = 0, n = src.length; i < n; i++) dst[i] = t[src[i]];
  return dst;
}

/** Encodes `src` into `dst` (A-law), one byte a sample; `dst` defaults to a new buffer. Returns `dst`. */
export function encodeAlaw(src: Int16Array, dst: Uint8Array = new Uint8Array(src.length)): Uint8Array {
  checkDst('encodeAlaw', src.length, dst.length);
  const t = ALAW_ENC;
  for (let i = 0, n = src.length; i < n; i++) dst[i] = t[(src[i] >> 4) & 0xfff];
  return dst;
}

/** Decodes A-law bytes `src` into `dst`; `dst` defaults to a new buffer. Returns `dst`. */
export function decodeAlaw(src: Uint8Array, dst: Int16Array = new Int16Array(src.length)): Int16Array {
  checkDst('decodeAlaw', src.length, dst.length);
  const t = ALAW_DEC;
  for (let i = 0, n = src.length; i < n; i++) dst[i] = t[src[i]];
  return dst;
}

/** The two laws, for code that handles both (filters, benches). */
export type G711Law = 'ulaw' | 'alaw';

/** Bulk encoder of a law. */
export function g711Encoder(law: G711Law): (src: Int16Array, dst?: Uint8Array) => Uint8Array {
  return law === 'ulaw' ? encodeUlaw : encodeAlaw;
}

/** Bulk decoder of a law. */
export function g711Decoder(law: G711Law): (src: Uint8Array, dst?: Int16Array) => Int16Array {
  return law === 'ulaw' ? decodeUlaw : decodeAlaw;
}
