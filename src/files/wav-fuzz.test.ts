import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzWavHeaders } from './wav-fuzz.js';

describe('fuzzWavHeaders', () => {
  it('for ~1.5 s of mutated and random files: only FileFormatError, no hang, consistent playback', () => {
    const r = fuzzWavHeaders({ budgetMs: 1500, seed: 20240601 });
    const summary = Object.entries(r.errors)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${String(v).padStart(6)}  ${k}`)
      .join('\n');
    assert.deepEqual(
      r.failures.map((f) => `#${f.iteration}: ${f.problem}\n  input (base64): ${f.inputBase64}`),
      [],
      `fuzz failures; outcomes:\n${summary}`,
    );
    assert.ok(r.iterations >= 200, `only ${r.iterations} iterations in 1.5 s`);
    // Both sides must be exercised: accepted files and a variety of rejections.
    assert.ok(r.accepted >= r.iterations / 20, `only ${r.accepted} of ${r.iterations} files accepted`);
    const rejectionKinds = Object.keys(r.errors).filter((k) => k.startsWith('FileFormatError: '));
    assert.ok(rejectionKinds.length >= 10, `only ${rejectionKinds.length} kinds of rejection:\n${summary}`);
  });

  it('is deterministic for a seed', () => {
    const a = fuzzWavHeaders({ budgetMs: 60_000, seed: 7, maxIterations: 150 });
    const b = fuzzWavHeaders({ budgetMs: 60_000, seed: 7, maxIterations: 150 });
    assert.equal(a.iterations, 150);
    assert.deepEqual(a.errors, b.errors);
    assert.equal(a.accepted, b.accepted);
  });
});
