import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection } from '../test-helpers.js';
import {
  type CcfbMetric,
  type CcfbReportBlock,
  type CongestionControlFeedback,
  Ecn,
  decodeCcfbMetric,
  encodeCcfbMetric,
  parseCcfb,
  parseCcfbReportBlock,
  serializeCcfb,
  serializeCcfbReportBlock,
} from './ccfb.js';

type Any = CcfbMetric | CcfbReportBlock | CongestionControlFeedback;

const metricParse = (b: Uint8Array): CcfbMetric => decodeCcfbMetric((b[0] << 8) | b[1]);
const metricSerialize = (m: CcfbMetric): Uint8Array => {
  const w = encodeCcfbMetric(m);
  return Uint8Array.of(w >> 8, w & 0xff);
};
const metric = (name: string, received: boolean, ecn: number, arrivalTimeOffset: number, canonical?: { hex: string; why: string }): Expect<Any> => ({
  name,
  kind: 'ok',
  want: { received, ecn, arrivalTimeOffset },
  parse: metricParse,
  serialize: (p) => metricSerialize(p as CcfbMetric),
  ...(canonical ? { canonical } : {}),
});
const block = (name: string, want: CcfbReportBlock): Expect<Any> => ({
  name,
  kind: 'ok',
  want,
  parse: parseCcfbReportBlock,
  serialize: (p) => serializeCcfbReportBlock(p as CcfbReportBlock),
});

const R = (ato: number): CcfbMetric => ({ received: true, ecn: 0, arrivalTimeOffset: ato });
const LOST: CcfbMetric = { received: false, ecn: 0, arrivalTimeOffset: 0 };
const rNotReceived = 'R=0: ECN and ATO only describe a received packet (RFC 8888 §3.1), so they read as 0 and are written as 0';

const EXPECT: Expect<Any>[] = [
  metric('NotReceived', false, 0, 0),
  metric('ReceivedNoOffset', true, 0, 0),
  metric('ReceivedOffset', true, 0, 8189),
  metric('ReceivedOverRangeOffset', true, 0, 8190),
  metric('ReceivedAfterReportTimestamp', true, 0, 8191),
  metric('ReceivedECNCE', true, Ecn.CE, 8184),
  metric('NotReceivedECNCE', false, Ecn.NOT_ECT, 0, { hex: '0000', why: rNotReceived }),
  metric('NotReceivedECNECT1', false, Ecn.NOT_ECT, 0, { hex: '0000', why: rNotReceived }),
  block('ZeroLengthBlock', { mediaSsrc: 0, beginSequence: 0, metrics: [] }),
  block('ReceivedTwoOFFourBlocks', { mediaSsrc: 1, beginSequence: 2, metrics: [R(8189), R(8188), LOST, LOST] }),
  block('ReceivedTwoOFThreeBlocksPadding', { mediaSsrc: 1, beginSequence: 2, metrics: [R(8189), R(8188), LOST] }),
  block('WrapAroundSequenceNumber', { mediaSsrc: 1, beginSequence: 65534, metrics: [R(8189), R(8188), LOST, LOST] }),
  { name: 'EmtpyReport', kind: 'ok', want: { type: 'ccfb', senderSsrc: 1, reports: [], reportTimestamp: 1 } },
  {
    name: 'Report',
    kind: 'ok',
    want: {
      type: 'ccfb',
      senderSsrc: 1,
      reports: [
        { mediaSsrc: 1, beginSequence: 2, metrics: [R(8189), R(8188), LOST, LOST] },
        { mediaSsrc: 2, beginSequence: 2, metrics: [R(8189), R(8188), LOST] },
      ],
      reportTimestamp: 1,
    },
  },
];

test('CCFB: every pion vector case (rfc8888_test.go)', (t) => {
  const cases = pionSection(t, 'rfc8888_test.go');
  if (!cases) return;
  assert.equal(runSection<Any>(cases, EXPECT, parseCcfb, (p) => serializeCcfb(p as CongestionControlFeedback)), cases.length);
});

test('CCFB: malformed report blocks and field limits', () => {
  // num_reports 3 needs 8 bytes of metrics (with padding), only 4 there.
  assertParseError(() => parseCcfb(hex('8bcd0004' + '00000001' + '00000001' + '00020003' + '9ffd9ffc' + '00000001').subarray(0, 20)), 'length mismatch');
  assertParseError(() => parseCcfb(hex('8bcd0004' + '00000001' + '00000001' + '00020003' + '00000001')), 'metrics overrun');
  assertParseError(() => parseCcfb(hex('8bcd0001' + '00000001')), 'no report timestamp');
  assertParseError(() => parseCcfbReportBlock(hex('0000000100020001')), 'block shorter than its metrics');
  assert.throws(() => encodeCcfbMetric({ received: true, ecn: 4, arrivalTimeOffset: 0 }), ConfigError);
  assert.throws(() => encodeCcfbMetric({ received: true, ecn: 0, arrivalTimeOffset: 8192 }), ConfigError);
});
