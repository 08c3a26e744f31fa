import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from './events.js';

class E extends TypedEmitter<{ dtmf: [digit: string]; n: [a: number, b: number] }> {
  override onListenerError(): void {
    this.caught++;
  }
  caught = 0;
}

test('typed events: on, once, off, listenerCount', () => {
  const e = new E();
  const got: string[] = [];
  const l = (d: string): void => void got.push(d);
  e.on('dtmf', l);
  e.once('dtmf', (d) => got.push(`once:${d}`));
  e.emit('dtmf', '1');
  e.emit('dtmf', '2');
  e.off('dtmf', l);
  e.emit('dtmf', '3');
  assert.deepEqual(got, ['1', 'once:1', '2']);
  assert.equal(e.listenerCount('dtmf'), 0);
});

test('a throwing listener does not stop the others nor the caller', () => {
  const e = new E();
  let sum = 0;
  e.on('n', () => {
    throw new Error('boom');
  });
  e.on('n', (a, b) => void (sum = a + b));
  assert.equal(e.emit('n', 2, 3), true);
  assert.equal(sum, 5);
  assert.equal(e.caught, 1);
});
