/**
 * iLBC bitstream (RFC 3951 §3.8 / §4.1): every parameter is split over three "unequal level of
 * protection" classes, most significant bits in the lowest class; the frame carries class 0
 * bits of all parameters, then class 1, then class 2, each class in the order LSF indices,
 * start block, state-first flag, scale index, state samples, the start-state extension's
 * codebook indices and gains, then the 40-sample blocks' codebook indices and then their gains.
 * Bits are packed MSB first; the frame's last bit is the "empty frame" indicator (1 = treat the
 * frame as lost).
 */

export type IlbcMode = 20 | 30;

export interface IlbcParams {
  lsf: Int32Array; // 3 (20 ms) or 6 (30 ms)
  start: number;
  stateFirst: number;
  idxForMax: number;
  idxVec: Int32Array; // stateShortLen
  extraCbIndex: Int32Array; // 3
  extraGainIndex: Int32Array; // 3
  cbIndex: Int32Array; // nasub·3, as sent (7-bit first-block indices not yet converted)
  gainIndex: Int32Array; // nasub·3
}

export interface ModeConfig {
  mode: IlbcMode;
  blockl: number;
  nsub: number;
  nasub: number;
  lpcN: number;
  stateShortLen: number;
  bytes: number;
  /** ULP class split [class0, class1, class2] of each field. */
  lsfBits: number[][];
  startBits: number[];
  extraCbIndex: number[][];
  extraCbGain: number[][];
  cbIndex: number[][][];
  cbGain: number[][][];
}

export const MODE20: ModeConfig = {
  mode: 20,
  blockl: 160,
  nsub: 4,
  nasub: 2,
  lpcN: 1,
  stateShortLen: 57,
  bytes: 38,
  lsfBits: [[6, 0, 0], [7, 0, 0], [7, 0, 0]],
  startBits: [2, 0, 0],
  extraCbIndex: [[6, 0, 1], [0, 0, 7], [0, 0, 7]],
  extraCbGain: [[2, 0, 3], [1, 1, 2], [0, 0, 3]],
  cbIndex: [
    [[7, 0, 1], [0, 0, 7], [0, 0, 7]],
    [[0, 0, 8], [0, 0, 8], [0, 0, 8]],
  ],
  cbGain: [
    [[1, 2, 2], [1, 1, 2], [0, 0, 3]],
    [[1, 1, 3], [0, 2, 2], [0, 0, 3]],
  ],
};

export const MODE30: ModeConfig = {
  mode: 30,
  blockl: 240,
  nsub: 6,
  nasub: 4,
  lpcN: 2,
  stateShortLen: 58,
  bytes: 50,
  lsfBits: [[6, 0, 0], [7, 0, 0], [7, 0, 0], [6, 0, 0], [7, 0, 0], [7, 0, 0]],
  startBits: [3, 0, 0],
  extraCbIndex: [[4, 2, 1], [0, 0, 7], [0, 0, 7]],
  extraCbGain: [[1, 1, 3], [1, 1, 2], [0, 0, 3]],
  cbIndex: [
    [[6, 1, 1], [0, 0, 7], [0, 0, 7]],
    [[0, 7, 1], [0, 0, 8], [0, 0, 8]],
    [[0, 7, 1], [0, 0, 8], [0, 0, 8]],
    [[0, 7, 1], [0, 0, 8], [0, 0, 8]],
  ],
  cbGain: [
    [[1, 2, 2], [1, 2, 1], [0, 0, 3]],
    [[0, 2, 3], [0, 2, 2], [0, 0, 3]],
    [[0, 1, 4], [0, 1, 3], [0, 0, 3]],
    [[0, 1, 4], [0, 1, 3], [0, 0, 3]],
  ],
};

const STATE_BITS = [0, 1, 2];
const FIRST_BITS = [1, 0, 0];
const SCALE_BITS = [6, 0, 0];

export function modeConfig(mode: IlbcMode): ModeConfig {
  return mode === 20 ? MODE20 : MODE30;
}

export function newParams(cfg: ModeConfig): IlbcParams {
  return {
    lsf: new Int32Array(3 * cfg.lpcN),
    start: 0,
    stateFirst: 0,
    idxForMax: 0,
    idxVec: new Int32Array(cfg.stateShortLen),
    extraCbIndex: new Int32Array(3),
    extraGainIndex: new Int32Array(3),
    cbIndex: new Int32Array(3 * cfg.nasub),
    gainIndex: new Int32Array(3 * cfg.nasub),
  };
}

/** Visits every field once per class, in §3.8 order: fn(bitsOfThisClass, bitsOfLaterClasses, get, set). */
function walk(cfg: ModeConfig, p: IlbcParams, ulp: number, fn: (bits: number, below: number, get: () => number, set: (v: number) => void) => void): void {
  const f = (split: readonly number[], get: () => number, set: (v: number) => void): void => {
    const bits = split[ulp]!;
    if (bits === 0) return;
    let below = 0;
    for (let u = ulp + 1; u < 3; u++) below += split[u]!;
    fn(bits, below, get, set);
  };
  for (let k = 0; k < p.lsf.length; k++) f(cfg.lsfBits[k]!, () => p.lsf[k]!, (v) => (p.lsf[k] = v));
  f(cfg.startBits, () => p.start, (v) => (p.start = v));
  f(FIRST_BITS, () => p.stateFirst, (v) => (p.stateFirst = v));
  f(SCALE_BITS, () => p.idxForMax, (v) => (p.idxForMax = v));
  for (let k = 0; k < p.idxVec.length; k++) f(STATE_BITS, () => p.idxVec[k]!, (v) => (p.idxVec[k] = v));
  for (let k = 0; k < 3; k++) f(cfg.extraCbIndex[k]!, () => p.extraCbIndex[k]!, (v) => (p.extraCbIndex[k] = v));
  for (let k = 0; k < 3; k++) f(cfg.extraCbGain[k]!, () => p.extraGainIndex[k]!, (v) => (p.extraGainIndex[k] = v));
  for (let i = 0; i < cfg.nasub; i++) for (let k = 0; k < 3; k++) f(cfg.cbIndex[i]![k]!, () => p.cbIndex[i * 3 + k]!, (v) => (p.cbIndex[i * 3 + k] = v));
  for (let i = 0; i < cfg.nasub; i++) for (let k = 0; k < 3; k++) f(cfg.cbGain[i]![k]!, () => p.gainIndex[i * 3 + k]!, (v) => (p.gainIndex[i * 3 + k] = v));
}

/** Packs one frame (cfg.bytes octets) into out[off…]; the empty-frame bit is 0. */
export function packFrame(cfg: ModeConfig, p: IlbcParams, out: Uint8Array, off: number): void {
  out.fill(0, off, off + cfg.bytes);
  let pos = 0;
  for (let ulp = 0; ulp < 3; ulp++) {
    walk(cfg, p, ulp, (bits, below, get) => {
      const v = (get() >>> below) & ((1 << bits) - 1);
      for (let b = bits - 1; b >= 0; b--) {
        if ((v >> b) & 1) out[off + (pos >> 3)]! |= 0x80 >> (pos & 7);
        pos++;
      }
    });
  }
}

/**
 * Unpacks one frame; returns false when the empty-frame bit is set (§4.1: the frame is then
 * treated as lost).
 */
export function unpackFrame(cfg: ModeConfig, data: Uint8Array, off: number, p: IlbcParams): boolean {
  p.lsf.fill(0);
  p.start = 0;
  p.stateFirst = 0;
  p.idxForMax = 0;
  p.idxVec.fill(0);
  p.extraCbIndex.fill(0);
  p.extraGainIndex.fill(0);
  p.cbIndex.fill(0);
  p.gainIndex.fill(0);
  let pos = 0;
  for (let ulp = 0; ulp < 3; ulp++) {
    walk(cfg, p, ulp, (bits, below, get, set) => {
      let v = 0;
      for (let b = 0; b < bits; b++) {
        v = (v << 1) | ((data[off + (pos >> 3)]! >> (7 - (pos & 7))) & 1);
        pos++;
      }
      set(get() | (v << below));
    });
  }
  const last = cfg.bytes * 8 - 1;
  return ((data[off + (last >> 3)]! >> (7 - (last & 7))) & 1) === 0;
}
