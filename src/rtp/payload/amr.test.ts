import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import {
  AMR_MAX_FRAMES_PER_PAYLOAD,
  AMR_NB,
  AMR_STORAGE_STRIDE,
  AMR_WB,
  amrFrameBytes,
  amrModeForBitrate,
  amrModeWithin,
  amrPayloadDuration,
  amrStepMode,
  createAmrFrames,
  isAmrQuietPayload,
  packAmrPayload,
  parseAmrFmtp,
  parseAmrPayload,
  type AmrVariantInfo,
} from './amr.js';

/** Deterministic pseudo-random octets. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  };
}

/** Storage-format frames (header 0 FT Q 00 + speech bits, zero-padded) of the given types, random bits. */
function storageFrames(info: AmrVariantInfo, fts: number[], q: number[] = [], seed = 1): Uint8Array {
  const rnd = prng(seed);
  const st = new Uint8Array(fts.length * AMR_STORAGE_STRIDE);
  fts.forEach((ft, i) => {
    const base = i * AMR_STORAGE_STRIDE;
    st[base] = (ft << 3) | ((q[i] ?? 1) << 2);
    const bits = info.frameBits[ft]!;
    for (let b = 0; b < bits; b++) if (rnd() & 1) st[base + 1 + (b >> 3)]! |= 0x80 >> (b & 7);
  });
  return st;
}

/** A bit string ("0101…") as octets, zero-padded: an independent writer for the expected layouts. */
function bitsToBytes(bits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

function frameBitString(info: AmrVariantInfo, storage: Uint8Array, i: number): string {
  const ft = (storage[i * AMR_STORAGE_STRIDE]! >> 3) & 15;
  let s = '';
  for (let b = 0; b < info.frameBits[ft]!; b++) s += (storage[i * AMR_STORAGE_STRIDE + 1 + (b >> 3)]! >> (7 - (b & 7))) & 1;
  return s;
}

const bin = (v: number, n: number): string => v.toString(2).padStart(n, '0');

test('frame sizes per mode: AMR (TS 26.101 Table 1a) and AMR-WB (TS 26.201 Table 1a), octet-aligned', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((ft) => amrFrameBytes(AMR_NB, ft)), [12, 13, 15, 17, 19, 20, 26, 31, 5]);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((ft) => amrFrameBytes(AMR_WB, ft)), [17, 23, 32, 36, 40, 46, 50, 58, 60, 5]);
  assert.equal(amrFrameBytes(AMR_NB, 15), 0, 'NO_DATA carries no bits');
  assert.equal(amrFrameBytes(AMR_WB, 14), 0, 'SPEECH_LOST carries no bits');
  for (const ft of [9, 10, 11, 12, 13, 14]) assert.equal(amrFrameBytes(AMR_NB, ft), -1, `AMR FT ${ft} must not be sent`);
  for (const ft of [10, 11, 12, 13]) assert.equal(amrFrameBytes(AMR_WB, ft), -1, `AMR-WB FT ${ft} must not be sent`);
  // Bit rates: speech bits per 20 ms.
  AMR_NB.bitrates.forEach((r, m) => assert.equal(AMR_NB.frameBits[m]! * 50, r, `AMR mode ${m}`));
  AMR_WB.bitrates.forEach((r, m) => assert.equal(AMR_WB.frameBits[m]! * 50, r, `AMR-WB mode ${m}`));
});

test('octet-aligned: CMR nibble + 4 zero bits, one ToC octet per frame (F FT Q PP), frames padded to octets (RFC 4867 §4.4)', () => {
  const storage = storageFrames(AMR_NB, [7, 8, 15]);
  const p = packAmrPayload(AMR_NB, true, 5, storage, AMR_STORAGE_STRIDE, 3);
  assert.equal(p.length, 1 + 3 + 31 + 5 + 0);
  assert.equal(p[0], 0x50, 'CMR 5 in the high nibble, reserved bits 0');
  assert.equal(p[1], 0x80 | (7 << 3) | 0x04, 'F=1 FT=7 Q=1');
  assert.equal(p[2], 0x80 | (8 << 3) | 0x04, 'F=1 FT=8 Q=1');
  assert.equal(p[3], (15 << 3) | 0x04, 'last ToC: F=0 FT=15 Q=1');
  assert.deepEqual(p.subarray(4, 35), storage.subarray(1, 32), 'the 12.2 frame follows the ToC');
  assert.deepEqual(p.subarray(35, 40), storage.subarray(AMR_STORAGE_STRIDE + 1, AMR_STORAGE_STRIDE + 6), 'then the SID');
  const f = createAmrFrames();
  assert.equal(parseAmrPayload(AMR_NB, true, p, f), undefined);
  assert.equal(f.cmr, 5);
  assert.equal(f.count, 3);
  assert.deepEqual([...f.ft.subarray(0, 3)], [7, 8, 15]);
  assert.deepEqual([...f.q.subarray(0, 3)], [1, 1, 1]);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(f.storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE), storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE), `frame ${i} back in storage format`);
  }
});

test('single frame octet-aligned payload = CMR octet + the storage-format frame (header octet = ToC with F = 0)', () => {
  for (const info of [AMR_NB, AMR_WB]) {
    for (let ft = 0; ft <= info.sidFt; ft++) {
      const storage = storageFrames(info, [ft], [], ft + 7);
      const p = packAmrPayload(info, true, 15, storage, AMR_STORAGE_STRIDE, 1);
      const bytes = amrFrameBytes(info, ft);
      assert.equal(p[0], 0xf0, 'CMR 15 = no request');
      assert.deepEqual(p.subarray(1), storage.subarray(0, 1 + bytes), `${info.mime} FT ${ft}`);
    }
  }
});

test('bandwidth-efficient: CMR(4), ToC entries F FT Q (6 bits each), speech bits back to back, zero padding (RFC 4867 §4.3)', () => {
  for (const info of [AMR_NB, AMR_WB]) {
    const fts = info === AMR_NB ? [7, 0, 8, 15, 4] : [8, 2, 9, 14, 15, 0];
    const q = fts.map((_, i) => (i === 1 ? 0 : 1));
    const storage = storageFrames(info, fts, q, 99);
    const p = packAmrPayload(info, false, 3, storage, AMR_STORAGE_STRIDE, fts.length);
    let expect = bin(3, 4);
    fts.forEach((ft, i) => (expect += (i < fts.length - 1 ? '1' : '0') + bin(ft, 4) + String(q[i])));
    fts.forEach((_, i) => (expect += frameBitString(info, storage, i)));
    assert.deepEqual(p, bitsToBytes(expect), `${info.mime}: packed bits as RFC 4867 §4.3 lays them out`);
    const f = createAmrFrames();
    assert.equal(parseAmrPayload(info, false, p, f), undefined);
    assert.equal(f.cmr, 3);
    assert.deepEqual([...f.ft.subarray(0, f.count)], fts);
    assert.deepEqual([...f.q.subarray(0, f.count)], q);
    fts.forEach((_, i) =>
      assert.deepEqual(f.storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE), storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE), `${info.mime} frame ${i}`),
    );
  }
});

test('RFC 4867 §4.3.5.1 example: one AMR 12.2 frame, bandwidth-efficient, is 32 octets (4 + 6 + 244 bits + 2 padding)', () => {
  const storage = storageFrames(AMR_NB, [7]);
  const p = packAmrPayload(AMR_NB, false, 1, storage, AMR_STORAGE_STRIDE, 1);
  assert.equal(p.length, 32);
  assert.equal(p[0]! >> 4, 1, 'CMR = 1');
  assert.equal((p[0]! >> 3) & 1, 0, 'F = 0');
  assert.equal(((p[0]! & 7) << 1) | (p[1]! >> 7), 7, 'FT = 7');
  assert.equal((p[1]! >> 6) & 1, 1, 'Q = 1');
  assert.equal(p[31]! & 3, 0, 'padding bits are zero');
});

test('round trip in both modes, all frame types, 1–8 frames per payload', () => {
  const f = createAmrFrames();
  for (const info of [AMR_NB, AMR_WB]) {
    const types = [...Array(info.sidFt + 1).keys(), 15, ...(info === AMR_WB ? [14] : [])];
    for (const oa of [true, false]) {
      for (let n = 1; n <= 8; n++) {
        const fts = Array.from({ length: n }, (_, i) => types[(i * 7 + n) % types.length]!);
        const storage = storageFrames(info, fts, [], n * 31);
        const p = packAmrPayload(info, oa, n % 9, storage, AMR_STORAGE_STRIDE, n);
        assert.equal(parseAmrPayload(info, oa, p, f), undefined, `${info.mime} ${oa ? 'octet' : 'be'} ${n} frames parses`);
        assert.equal(f.count, n);
        assert.equal(f.cmr, n % 9);
        for (let i = 0; i < n; i++) {
          assert.deepEqual(f.storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE), storage.subarray(i * AMR_STORAGE_STRIDE, (i + 1) * AMR_STORAGE_STRIDE), `frame ${i}`);
        }
        assert.equal(amrPayloadDuration(info, p) ?? n * info.frameSamples, n * info.frameSamples, 'duration: 20 ms a frame (or unknown when ambiguous)');
      }
    }
  }
});

test('invalid payloads are refused with a reason: truncated, too long, reserved FT, unterminated ToC, too many frames', () => {
  const f = createAmrFrames();
  const one = packAmrPayload(AMR_NB, true, 15, storageFrames(AMR_NB, [7]), AMR_STORAGE_STRIDE, 1);
  assert.match(parseAmrPayload(AMR_NB, true, one.subarray(0, 20), f) ?? '', /octets/);
  const longer = new Uint8Array(one.length + 1);
  longer.set(one);
  assert.match(parseAmrPayload(AMR_NB, true, longer, f) ?? '', /octets/);
  assert.match(parseAmrPayload(AMR_NB, true, new Uint8Array(0), f) ?? '', /shorter/);
  assert.match(parseAmrPayload(AMR_NB, true, new Uint8Array([0xf0]), f) ?? '', /shorter/);
  for (const ft of [9, 10, 11, 12, 13, 14]) {
    assert.match(parseAmrPayload(AMR_NB, true, new Uint8Array([0xf0, (ft << 3) | 4, 0, 0, 0, 0, 0, 0]), f) ?? '', /not allowed/, `AMR FT ${ft}`);
  }
  for (const ft of [10, 11, 12, 13]) {
    assert.match(parseAmrPayload(AMR_WB, true, new Uint8Array([0xf0, (ft << 3) | 4, 0, 0, 0, 0, 0, 0]), f) ?? '', /not allowed/, `AMR-WB FT ${ft}`);
  }
  // Every ToC says "more follows".
  assert.match(parseAmrPayload(AMR_NB, true, new Uint8Array([0xf0, 0xfc, 0xfc, 0xfc]), f) ?? '', /ToC runs past/);
  assert.match(parseAmrPayload(AMR_NB, false, new Uint8Array([0xff, 0xff, 0xff]), f) ?? '', /ToC runs past|not allowed/);
  const many = new Uint8Array(2 + AMR_MAX_FRAMES_PER_PAYLOAD);
  many[0] = 0xf0;
  many.fill(0x80 | (15 << 3) | 4, 1);
  many[many.length - 1] = (15 << 3) | 4;
  assert.match(parseAmrPayload(AMR_NB, true, many, f) ?? '', /more than/);
  // A bandwidth-efficient payload with a whole spare octet is refused (only 0–7 padding bits).
  const be = packAmrPayload(AMR_NB, false, 15, storageFrames(AMR_NB, [7]), AMR_STORAGE_STRIDE, 1);
  const bePlus = new Uint8Array(be.length + 1);
  bePlus.set(be);
  assert.match(parseAmrPayload(AMR_NB, false, bePlus, f) ?? '', /octets/);
});

test('the other mode\'s payload does not parse: an octet-aligned packet read as bandwidth-efficient and back', () => {
  const f = createAmrFrames();
  for (const info of [AMR_NB, AMR_WB]) {
    for (let ft = 0; ft < info.modes; ft++) {
      const st = storageFrames(info, [ft], [], ft);
      const oa = packAmrPayload(info, true, 15, st, AMR_STORAGE_STRIDE, 1);
      if (info === AMR_NB && ft === 0) {
        // Read as bandwidth-efficient, an octet-aligned payload is always one FT 0 frame (its
        // zero reserved bits and F = 0 fall where FT goes): 4 + 6 + 95 bits = 14 octets, the
        // size of an octet-aligned 4.75 frame. Both readings then agree on the duration.
        assert.equal(parseAmrPayload(info, false, oa, f), undefined, 'AMR 4.75 octet-aligned is also valid bandwidth-efficient');
        assert.equal(amrPayloadDuration(info, oa), 160, 'and both readings give 20 ms');
        assert.notEqual(parseAmrPayload(info, true, packAmrPayload(info, false, 15, st, AMR_STORAGE_STRIDE, 1), f), undefined, 'AMR mode 0 BE read as OA');
        continue;
      }
      assert.notEqual(parseAmrPayload(info, false, oa, f), undefined, `${info.mime} mode ${ft} OA read as BE`);
      assert.notEqual(parseAmrPayload(info, true, packAmrPayload(info, false, 15, st, AMR_STORAGE_STRIDE, 1), f), undefined, `${info.mime} mode ${ft} BE read as OA`);
    }
  }
});

test('quiet payloads: only SID / NO_DATA frames', () => {
  const speech = packAmrPayload(AMR_NB, true, 15, storageFrames(AMR_NB, [7]), AMR_STORAGE_STRIDE, 1);
  const sid = packAmrPayload(AMR_NB, true, 15, storageFrames(AMR_NB, [8]), AMR_STORAGE_STRIDE, 1);
  const sidWb = packAmrPayload(AMR_WB, false, 15, storageFrames(AMR_WB, [9, 15]), AMR_STORAGE_STRIDE, 2);
  assert.equal(isAmrQuietPayload(AMR_NB, speech), false);
  assert.equal(isAmrQuietPayload(AMR_NB, sid), true);
  assert.equal(isAmrQuietPayload(AMR_WB, sidWb), true);
  assert.equal(amrPayloadDuration(AMR_WB, sidWb), 640);
  assert.equal(isAmrQuietPayload(AMR_NB, new Uint8Array([1, 2, 3])), false, 'garbage is not quiet');
  assert.equal(amrPayloadDuration(AMR_NB, new Uint8Array([1, 2, 3])), undefined);
});

test('fmtp: defaults (octet-aligned without SDP, all modes), values, errors naming the parameter (RFC 4867 §8.1)', () => {
  const d = parseAmrFmtp(AMR_NB, undefined);
  assert.equal(d.octetAlign, true, 'octet-align absent = octet-aligned (as Mediastreamer2; see parseAmrFmtp)');
  assert.equal(parseAmrFmtp(AMR_NB, { 'octet-align': '0' }).octetAlign, false, 'octet-align=0 = bandwidth-efficient');
  assert.deepEqual(d.modeSet, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(parseAmrFmtp(AMR_WB, {}).modeSet, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const f = parseAmrFmtp(AMR_NB, {
    'octet-align': '1', 'mode-set': '7, 0,2,5', 'mode-change-period': '2', 'mode-change-neighbor': '1', 'mode-change-capability': '2',
    'max-red': '0', crc: '0', 'robust-sorting': '0', 'unknown-thing': 'x', ptime: '20',
  });
  assert.equal(f.octetAlign, true);
  assert.deepEqual(f.modeSet, [0, 2, 5, 7]);
  assert.equal(f.modeChangePeriod, 2);
  assert.equal(f.modeChangeNeighbor, true);
  assert.equal(f.modeChangeCapability, 2);
  assert.equal(f.maxRed, 0);
  const rejects: [Record<string, string>, RegExp][] = [
    [{ 'octet-align': 'yes' }, /octet-align must be 0 or 1/],
    [{ 'mode-set': '0,8' }, /mode-set .* 0–7/],
    [{ 'mode-set': '' }, /mode-set/],
    [{ 'mode-change-period': '3' }, /mode-change-period must be 1 or 2/],
    [{ 'max-red': '-1' }, /max-red/],
    [{ crc: '1' }, /crc=1 .* not supported/],
    [{ 'robust-sorting': '1' }, /robust-sorting=1 .* not supported/],
    [{ interleaving: '4' }, /interleaving .* not supported/],
    [{ channels: '2' }, /channels must be 1/],
  ];
  for (const [fmtp, re] of rejects) {
    assert.throws(() => parseAmrFmtp(AMR_NB, fmtp), (e: unknown) => e instanceof ConfigError && re.test(e.message), `${JSON.stringify(fmtp)} → ${re}`);
  }
  assert.throws(() => parseAmrFmtp(AMR_WB, { 'mode-set': '9' }), (e: unknown) => e instanceof ConfigError && /0–8/.test(e.message), 'AMR-WB modes are 0–8');
});

test('mode choices: within the mode-set, by bit rate, one neighbour at a time', () => {
  const set = [0, 2, 5, 7];
  assert.equal(amrModeWithin(6, set), 5, 'highest mode of the set not above the request');
  assert.equal(amrModeWithin(7, set), 7);
  assert.equal(amrModeWithin(1, set), 0);
  assert.equal(amrModeWithin(0, [3, 4]), 3, 'below the whole set: its lowest mode');
  assert.equal(amrModeForBitrate(AMR_NB, 12200, [0, 1, 2, 3, 4, 5, 6, 7]), 7);
  assert.equal(amrModeForBitrate(AMR_NB, 8000, [0, 1, 2, 3, 4, 5, 6, 7]), 5);
  assert.equal(amrModeForBitrate(AMR_WB, 12650, [0, 1, 2, 3, 4, 5, 6, 7, 8]), 2);
  assert.equal(amrModeForBitrate(AMR_WB, 1000, [4, 8]), 4);
  assert.equal(amrStepMode(7, 0, set, false), 0);
  assert.equal(amrStepMode(7, 0, set, true), 5);
  assert.equal(amrStepMode(0, 7, set, true), 2);
  assert.equal(amrStepMode(5, 5, set, true), 5);
});
