import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, assertParseError, hex, pionSection, runSection, toHex } from '../test-helpers.js';
import { parseCompound } from './compound.js';
import {
  TWCC_DELTA_UNIT_US,
  type TransportWideCc,
  type TwccChunk,
  TwccSymbol,
  buildTwcc,
  decodeTwccChunk,
  encodeTwccChunk,
  parseTwcc,
  readTwccDelta,
  serializeTwcc,
  twccChunksFromSymbols,
  twccSymbols,
} from './twcc.js';

const { NOT_RECEIVED: N, SMALL_DELTA: S, LARGE_DELTA: L, RESERVED: W } = TwccSymbol;

/** pion's deltas are in µs; ours in 250 µs units. */
const us = (v: number): number => {
  assert.equal(Math.abs(v) % TWCC_DELTA_UNIT_US, 0);
  return v / TWCC_DELTA_UNIT_US;
};

type Any = TwccChunk | TransportWideCc | number;

const chunk = (name: string, want: TwccChunk): Expect<Any> => ({
  name,
  kind: 'ok',
  want,
  parse: (b) => decodeTwccChunk((b[0] << 8) | b[1]),
  serialize: (c) => {
    const w = encodeTwccChunk(c as TwccChunk);
    return Uint8Array.of(w >> 8, w & 0xff);
  },
});
const delta = (name: string, symbol: number, wantUs: number): Expect<Any> => ({
  name,
  kind: 'ok',
  want: us(wantUs),
  parse: (b) => readTwccDelta(b, 0, symbol),
  serialize: (v) => {
    const d = v as number;
    return symbol === S ? Uint8Array.of(d) : Uint8Array.of((d >> 8) & 0xff, d & 0xff);
  },
});
const run = (symbol: number, runLength: number): TwccChunk => ({ kind: 'run', symbol, runLength });
const vec2 = (...symbols: number[]): TwccChunk => ({ kind: 'vector', symbolSize: 2, symbols });
const vec1 = (...symbols: number[]): TwccChunk => ({ kind: 'vector', symbolSize: 1, symbols });
const fb = (o: Partial<TransportWideCc>): TransportWideCc => ({
  type: 'twcc',
  senderSsrc: 4195875351,
  mediaSsrc: 423483579,
  baseSequenceNumber: 0,
  packetStatusCount: 0,
  referenceTime: 0,
  feedbackPacketCount: 0,
  chunks: [],
  recvDeltas: [],
  ...o,
});

const EXPECT: Expect<Any>[] = [
  chunk('example1', run(N, 221)),
  chunk('example2', run(W, 24)),
  chunk('example1', vec1(N, S, S, S, S, S, N, N, N, S, S, S, N, N)),
  chunk('example2', vec2(N, W, S, S, S, N, N)),
  delta('small delta 63.75ms', S, 63750),
  delta('big delta 8191.75ms', L, 8191750),
  delta('big delta -8192ms', L, -8192000),
  {
    name: 'example1',
    kind: 'ok',
    want: fb({ mediaSsrc: 1124282272, baseSequenceNumber: 153, packetStatusCount: 1, referenceTime: 4057090, feedbackPacketCount: 23, chunks: [run(S, 1)], recvDeltas: [us(37000)] }),
  },
  {
    name: 'example2',
    kind: 'ok',
    want: fb({ baseSequenceNumber: 372, packetStatusCount: 14, referenceTime: 4567386, feedbackPacketCount: 64, chunks: [vec2(S, L, N, N, N, N, N), vec2(W, N, N, W, W, W, W)], recvDeltas: [us(52000), 0] }),
    canonical: {
      hex: 'afcd0006fa17fa17193dd8bb0174000e45b15a40d800f0ffd0000001',
      why: 'the vector has 1 padding byte after the deltas but a padding count of 3; we write count 1',
    },
  },
  {
    name: 'example3',
    kind: 'ok',
    want: fb({ baseSequenceNumber: 372, packetStatusCount: 6, referenceTime: 4567386, feedbackPacketCount: 64, chunks: [run(L, 2), run(S, 4)], recvDeltas: [us(2047500), us(2022500), us(52000), 0, us(52000), 0] }),
    canonical: {
      hex: '8fcd0007fa17fa17193dd8bb0174000645b15a40400220041ffe1f9ad000d000',
      why: 'the vector sets P with a padding count of 0 and no room for padding; the content is word-aligned, so we clear P',
    },
  },
  {
    name: 'example4',
    kind: 'ok',
    want: fb({ baseSequenceNumber: 4, packetStatusCount: 7, referenceTime: 1074030, feedbackPacketCount: 1, chunks: [run(S, 7)], recvDeltas: [19000, 9000, 9000, 4000, 3000, 3000, 4000].map(us) }),
  },
  {
    name: 'example5',
    kind: 'ok',
    want: fb({ baseSequenceNumber: 1, packetStatusCount: 14, referenceTime: 1074029, feedbackPacketCount: 0, chunks: [vec1(S, S, S, N, S, N, N, N, N, N, N, N, N, N)], recvDeltas: [4000, 3000, 3000, 4000].map(us) }),
    canonical: {
      hex: 'afcd0006fa17fa17193dd8bb0001000e10636d00ba00100c0c100002',
      why: 'the vector has 2 padding bytes but a padding count of 3; we write count 2',
    },
  },
  {
    name: 'example6',
    kind: 'ok',
    want: fb({
      senderSsrc: 2608133663,
      mediaSsrc: 2473712828,
      baseSequenceNumber: 34108,
      packetStatusCount: 9,
      referenceTime: 6551830,
      feedbackPacketCount: 179,
      chunks: [vec2(S, S, S, S, S, N, L), run(N, 48)],
      recvDeltas: [38750, 42500, 26500, 42500, 30750, 66250].map(us),
    }),
  },
  { name: 'example7', kind: 'ok', want: fb({ senderSsrc: 2596996162, mediaSsrc: 0 }) },
  { name: 'example8', kind: 'error' },
  { name: 'example9', kind: 'error' },
];

test('TWCC: every pion vector case (transport_layer_cc_test.go)', (t) => {
  const cases = pionSection(t, 'transport_layer_cc_test.go');
  if (!cases) return;
  assert.equal(runSection<Any>(cases, EXPECT, parseTwcc, (p) => serializeTwcc(p as TransportWideCc)), cases.length);
});

test('TWCC: a padded feedback message parses inside a reduced-size datagram', () => {
  const b = hex('afcd0005fa17fa1743032fa0009900013de8021720019401');
  const [p] = parseCompound(b, { reducedSize: true });
  assert.equal(p.type, 'twcc');
  assertParseError(() => parseCompound(b), 'not starting with SR/RR');
});

test('TWCC: symbols → chunks → packet → symbols', () => {
  let seed = 99;
  const rnd = (): number => ((seed = (seed * 1664525 + 1013904223) >>> 0) >>> 8) / 0x1000000;
  for (let k = 0; k < 300; k++) {
    const n = Math.floor(rnd() * 200);
    const mode = rnd();
    const deltas: (number | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const r = rnd();
      if (mode < 0.3) deltas.push(r < 0.9 ? Math.floor(rnd() * 256) : undefined); // runs of small deltas
      else if (mode < 0.5) deltas.push(r < 0.8 ? undefined : 3); // mostly lost
      else deltas.push(r < 0.4 ? undefined : r < 0.8 ? Math.floor(rnd() * 256) : Math.floor(rnd() * 65536) - 32768);
    }
    const p = buildTwcc({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65500, referenceTime: 0xffffff, feedbackPacketCount: 255 }, deltas);
    const b = serializeTwcc(p);
    assert.equal(b.length % 4, 0);
    const q = parseTwcc(b);
    assert.deepStrictEqual(q, p);
    const syms = twccSymbols(q);
    assert.equal(syms.length, n);
    let d = 0;
    for (let i = 0; i < n; i++) {
      if (deltas[i] === undefined) assert.equal(syms[i], N);
      else {
        assert.notEqual(syms[i], N);
        assert.equal(q.recvDeltas[d++], deltas[i]);
      }
    }
  }
});

test('TWCC: chunk encoder prefers runs for long runs and one-bit vectors for mixed 0/1', () => {
  assert.deepStrictEqual(twccChunksFromSymbols(new Array<number>(20).fill(S)), [run(S, 20)]);
  assert.deepStrictEqual(twccChunksFromSymbols([S, N, S, N]), [vec1(S, N, S, N, N, N, N, N, N, N, N, N, N, N)]);
  assert.deepStrictEqual(twccChunksFromSymbols([L, N, S]), [vec2(L, N, S, N, N, N, N)]);
  assert.deepStrictEqual(twccChunksFromSymbols(new Array<number>(9000).fill(N)), [run(N, 8191), run(N, 809)]);
});

test('TWCC: inconsistent packets are refused', () => {
  const p = fb({ packetStatusCount: 2, chunks: [run(S, 2)], recvDeltas: [1] });
  assert.throws(() => serializeTwcc(p), ConfigError);
  assert.throws(() => serializeTwcc({ ...p, chunks: [run(S, 1)], recvDeltas: [1] }), ConfigError);
  assert.throws(() => serializeTwcc({ ...p, recvDeltas: [1, 256] }), ConfigError);
  assert.throws(() => encodeTwccChunk(vec2(S, S)), ConfigError);
  assert.throws(() => encodeTwccChunk(vec1(L, N, N, N, N, N, N, N, N, N, N, N, N, N)), ConfigError);
  // Status count with no chunks at all.
  assertParseError(() => parseTwcc(hex('8fcd0004fa17fa1743032fa000990001' + '3de80217')), 'status count without chunks');
  // Word-aligned content has no padding; otherwise zeros then the count, with P set.
  assert.equal(toHex(serializeTwcc({ ...p, recvDeltas: [1, 2] })).slice(0, 4), '8fcd');
  const padded = toHex(serializeTwcc({ ...p, packetStatusCount: 3, chunks: [run(S, 3)], recvDeltas: [1, 2, 3] }));
  assert.equal(padded.slice(0, 8), 'afcd0006');
  assert.equal(padded.slice(-8), '03000003');
});
