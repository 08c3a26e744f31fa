import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzSession } from './session-fuzz.js';

test('session fuzz (short budget): nothing escapes, every bad datagram is counted', () => {
  for (const seed of [1, 2]) {
    const r = fuzzSession(700, seed);
    console.log(`session fuzz seed ${seed}: ${r.iterations} datagrams, ${r.rejected} unparseable`);
    assert.deepEqual(r.failures, [], r.failures.join('\n'));
    assert.ok(r.iterations > 500, `only ${r.iterations} iterations`);
  }
});
