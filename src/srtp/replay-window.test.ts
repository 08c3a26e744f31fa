import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayWindow } from './replay-window.js';

test('replay window: new, replayed, too old at the edges (default 128)', () => {
  const w = new ReplayWindow();
  assert.equal(w.size, 128);
  assert.equal(w.check(0), 'new');
  w.accept(0);
  assert.equal(w.check(0), 'replayed');
  w.accept(200);
  assert.equal(w.check(200), 'replayed');
  assert.equal(w.check(73), 'new', '200 - 127 is the oldest index inside the window');
  assert.equal(w.check(72), 'too-old', '200 - 128 is outside');
  w.accept(73);
  assert.equal(w.check(73), 'replayed');
  assert.equal(w.check(199), 'new');
  w.accept(201);
  assert.equal(w.check(73), 'too-old', 'slides with the top');
  assert.equal(w.check(74), 'new');
  assert.equal(w.check(1_000_000), 'new');
});

test('replay window: configurable size, out-of-order within the window, reset', () => {
  const w = new ReplayWindow(4);
  for (const i of [10, 8, 9, 7]) {
    assert.equal(w.check(i), 'new', `${i}`);
    w.accept(i);
  }
  for (const i of [10, 8, 9, 7]) assert.equal(w.check(i), 'replayed', `${i}`);
  assert.equal(w.check(6), 'too-old');
  w.accept(14);
  for (const i of [11, 12, 13]) assert.equal(w.check(i), 'new', `${i} after slide`);
  assert.equal(w.check(10), 'too-old');
  w.reset();
  assert.equal(w.check(10), 'new');
  assert.throws(() => new ReplayWindow(0), RangeError);
});
