import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { assertParseError, hex, loadVectorFile, toHex } from '../test-helpers.js';
import { type ExtendedReport, parseXr, serializeXr } from './xr.js';

interface Curated {
  xr_extended_report: { hex: string };
}

// Transcribed from the vector's expected_go (pion extended_report_test.go testPacket()).
const WANT: ExtendedReport = {
  type: 'xr',
  ssrc: 0x01020304,
  blocks: [
    { kind: 'loss-rle', thinning: 12, ssrc: 0x12345689, beginSeq: 5, endSeq: 12, chunks: [0x4006, 0x0006, 0x8765, 0x0000] },
    { kind: 'duplicate-rle', thinning: 6, ssrc: 0x12345689, beginSeq: 5, endSeq: 12, chunks: [0x4123, 0x3fff, 0xffff, 0x0000] },
    { kind: 'receipt-times', thinning: 3, ssrc: 0x98765432, beginSeq: 15432, endSeq: 15577, receiptTimes: [0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x55555555] },
    { kind: 'rrt', ntpSeconds: 0x01020304, ntpFraction: 0x05060708 },
    {
      kind: 'dlrr',
      entries: [
        { ssrc: 0x88888888, lastRr: 0x12345678, dlrr: 0x99999999 },
        { ssrc: 0x09090909, lastRr: 0x12345678, dlrr: 0x99999999 },
        { ssrc: 0x11223344, lastRr: 0x12345678, dlrr: 0x99999999 },
      ],
    },
    {
      kind: 'statistics-summary',
      lossReport: true,
      duplicateReport: true,
      jitterReport: true,
      ttlOrHopLimit: 1, // ToHIPv4
      ssrc: 0xfedcba98,
      beginSeq: 0x1234,
      endSeq: 0x5678,
      lostPackets: 0x11111111,
      dupPackets: 0x22222222,
      minJitter: 0x33333333,
      maxJitter: 0x44444444,
      meanJitter: 0x55555555,
      devJitter: 0x66666666,
      minTtlOrHl: 1,
      maxTtlOrHl: 2,
      meanTtlOrHl: 3,
      devTtlOrHl: 4,
    },
    {
      kind: 'voip-metrics',
      ssrc: 0x89abcdef,
      lossRate: 5,
      discardRate: 6,
      burstDensity: 7,
      gapDensity: 8,
      burstDuration: 0x1111,
      gapDuration: 0x2222,
      roundTripDelay: 0x3333,
      endSystemDelay: 0x4444,
      signalLevel: 0x11,
      noiseLevel: 0x22,
      rerl: 0x33,
      gmin: 0x44,
      rFactor: 0x55,
      extRFactor: 0x66,
      mosLq: 0x77,
      mosCq: 0x88,
      rxConfig: 0x99,
      jbNominal: 0x1122,
      jbMaximum: 0x3344,
      jbAbsMax: 0x5566,
    },
  ],
};

test('XR: the curated pion packet (every known block type, RFC 3611 §4.1–§4.7)', (t) => {
  const v = loadVectorFile<Curated>(t, 'pion_rtcp_curated.json');
  if (!v) return;
  const b = hex(v.xr_extended_report.hex);
  assert.equal(b.length, 208);
  assert.deepStrictEqual(parseXr(b), WANT);
  assert.equal(toHex(serializeXr(WANT)), v.xr_extended_report.hex);
});

test('XR: unknown blocks are kept raw; odd RLE chunk lists get a null chunk', () => {
  const p: ExtendedReport = {
    type: 'xr',
    ssrc: 9,
    blocks: [
      { kind: 'unknown', blockType: 42, typeSpecific: 0x5a, data: hex('0102030405060708') },
      { kind: 'loss-rle', thinning: 0, ssrc: 1, beginSeq: 0, endSeq: 3, chunks: [0xc00f] },
      { kind: 'dlrr', entries: [] },
      { kind: 'voip-metrics', ...(WANT.blocks[6] as object), signalLevel: -20, noiseLevel: 127 } as ExtendedReport['blocks'][number],
    ],
  };
  const b = serializeXr(p);
  const q = parseXr(b);
  assert.deepStrictEqual(q.blocks[0], p.blocks[0]);
  assert.deepStrictEqual(q.blocks[1], { ...p.blocks[1], chunks: [0xc00f, 0] });
  assert.deepStrictEqual(q.blocks[2], p.blocks[2]);
  assert.deepStrictEqual(q.blocks[3], p.blocks[3]);
  assert.throws(() => serializeXr({ type: 'xr', ssrc: 1, blocks: [{ kind: 'unknown', blockType: 1, typeSpecific: 0, data: hex('01') }] }), ConfigError);
});

test('XR: malformed blocks are ParseErrors', () => {
  assertParseError(() => parseXr(hex('80cf0002' + '00000001' + '04000003')), 'block overruns the packet');
  assertParseError(() => parseXr(hex('80cf0003' + '00000001' + '04000001' + '00000000')), 'RRT of the wrong length');
  assertParseError(() => parseXr(hex('80cf0003' + '00000001' + '05000001' + '00000000')), 'DLRR not a multiple of 3 words');
  assertParseError(() => parseXr(hex('80cf0003' + '00000001' + '01000001' + '00000000')), 'RLE shorter than 2 words');
  assertParseError(() => parseXr(hex('80cf0000')), 'no SSRC');
});
