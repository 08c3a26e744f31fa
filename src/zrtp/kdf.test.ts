import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kdfContext, zrtpKdf } from './kdf.js';
import { hex, loadKdfCrc, toHex } from './test-vectors.js';

test('KDF (§4.5.1): the 9 GNU ZRTP C++ vectors', (t) => {
  const v = loadKdfCrc(t);
  if (!v) return;
  assert.equal(v.kdf.vectors.length, 9);
  for (const k of v.kdf.vectors) {
    assert.equal(toHex(zrtpKdf(hex(v.kdf.KI), k.label, hex(k.context), k.L_bytes * 8)), k.output, k.label);
  }
  const ctx = hex(v.kdf.vectors[0].context);
  assert.deepEqual(kdfContext(ctx.subarray(0, 12), ctx.subarray(12, 24), ctx.subarray(24)), ctx);
});

test('KDF rejects lengths that are not whole bytes or too long', () => {
  assert.throws(() => zrtpKdf(new Uint8Array(32), 'x', new Uint8Array(0), 12), RangeError);
  assert.throws(() => zrtpKdf(new Uint8Array(32), 'x', new Uint8Array(0), 264), RangeError);
  assert.equal(zrtpKdf(new Uint8Array(32), 'x', new Uint8Array(0), 384, 'sha384').length, 48);
});
