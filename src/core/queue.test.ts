import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameQueue } from './queue.js';

test('FrameQueue is FIFO across growth and wrap-around', () => {
  const q = new FrameQueue<number>(2);
  let next = 0;
  let expect = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round % 7; i++) q.put(next++);
    for (let i = 0; i < round % 5 && q.length > 0; i++) assert.equal(q.get(), expect++);
  }
  while (q.length > 0) assert.equal(q.get(), expect++);
  assert.equal(expect, next);
  assert.equal(q.get(), undefined);
});

test('FrameQueue peek, clear and iteration', () => {
  const q = new FrameQueue<string>();
  q.put('a');
  q.put('b');
  assert.equal(q.peek(), 'a');
  assert.deepEqual([...q], ['a', 'b']);
  assert.equal(q.clear(), 2);
  assert.equal(q.isEmpty(), true);
});
