import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { sharedPath } from '../test-support/shared.js';
import { fuzzZrtp } from './fuzz.js';
import type { Exchange } from './test-vectors.js';

test('fuzz: random and mutated packets give nothing but ParseError', () => {
  const p = sharedPath('vectors', 'zrtp', 'bzrtp_exchange_dh3k.json');
  const extra = existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Exchange).packets.map((x) => new Uint8Array(Buffer.from(x.hex, 'hex'))) : [];
  const r = fuzzZrtp(400, 0x2b1d, extra);
  assert.deepEqual(r.failures, []);
  assert.ok(r.iterations > 100, `only ${r.iterations} iterations`);
  assert.ok(r.rejected > 0 && r.rejected < r.iterations, `rejected ${r.rejected} of ${r.iterations}`);
});
