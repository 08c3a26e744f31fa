import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, pionSection, runSection } from '../test-helpers.js';
import { type GenericNack, nackPairsToSequenceNumbers, parseNack, sequenceNumbersToNackPairs, serializeNack } from './nack.js';

const EXPECT: Expect<GenericNack>[] = [
  { name: 'valid', kind: 'ok', want: { type: 'nack', senderSsrc: 0x902f9e2e, mediaSsrc: 0x902f9e2e, pairs: [{ pid: 0xaaaa, blp: 0x5555 }] } },
  { name: 'short report', kind: 'error' },
  { name: 'bad length', kind: 'error' },
  { name: 'wrong type', kind: 'error' },
];

test('NACK: every pion vector case (transport_layer_nack_test.go)', (t) => {
  const cases = pionSection(t, 'transport_layer_nack_test.go');
  if (!cases) return;
  assert.equal(runSection(cases, EXPECT, parseNack, (p) => serializeNack(p)), cases.length);
});

test('NACK: PID/BLP ↔ sequence numbers (RFC 4585 §6.2.1)', () => {
  // 0x5555: bits 0,2,4,…,14 → PID+1, PID+3, …, PID+15.
  const seqs = nackPairsToSequenceNumbers([{ pid: 0xaaaa, blp: 0x5555 }]);
  assert.deepStrictEqual(seqs, [0xaaaa, 0xaaab, 0xaaad, 0xaaaf, 0xaab1, 0xaab3, 0xaab5, 0xaab7, 0xaab9]);
  assert.deepStrictEqual(sequenceNumbersToNackPairs(seqs), [{ pid: 0xaaaa, blp: 0x5555 }]);
  assert.deepStrictEqual(sequenceNumbersToNackPairs([]), []);
  assert.deepStrictEqual(sequenceNumbersToNackPairs([5]), [{ pid: 5, blp: 0 }]);
  // 17 apart: a second pair. Unordered and duplicated input is fine.
  assert.deepStrictEqual(sequenceNumbersToNackPairs([22, 5, 21, 5]), [{ pid: 5, blp: 1 << 15 }, { pid: 22, blp: 0 }]);
  // Across the wrap.
  const wrap = [65534, 65535, 0, 1, 20];
  const pairs = sequenceNumbersToNackPairs(wrap);
  assert.deepStrictEqual(pairs, [{ pid: 65534, blp: 0b111 }, { pid: 20, blp: 0 }]);
  assert.deepStrictEqual(nackPairsToSequenceNumbers(pairs), wrap);
  assert.deepStrictEqual(nackPairsToSequenceNumbers([{ pid: 65535, blp: 1 }]), [65535, 0]);
});

test('NACK: random loss lists survive pairs → bytes → pairs → list', () => {
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  for (let k = 0; k < 200; k++) {
    const base = Math.floor(rnd() * 65536);
    const set = new Set<number>();
    const n = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < n; i++) set.add((base + Math.floor(rnd() * 300)) & 0xffff);
    const list = [...set];
    const order = (s: number): number => (s - base) & 0xffff;
    const sorted = [...list].sort((a, b) => order(a) - order(b));
    const pkt: GenericNack = { type: 'nack', senderSsrc: 1, mediaSsrc: 2, pairs: sequenceNumbersToNackPairs(list) };
    const back = parseNack(serializeNack(pkt));
    assert.deepStrictEqual(nackPairsToSequenceNumbers(back.pairs), sorted);
  }
  assert.throws(() => serializeNack({ type: 'nack', senderSsrc: 1, mediaSsrc: 2, pairs: [] }), ConfigError);
});
