import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QualityIndicator, jitterRating, lossRating, rtPropRating } from './quality-indicator.js';

test('component ratings match Mediastreamer2 formulas', () => {
  assert.ok(Math.abs(lossRating(0.05) - 0.8187) < 1e-3); // "5 % losses gives a rating of 4/5"
  assert.ok(Math.abs(5 * lossRating(0.2) - 2.25) < 0.01); // "20 % … 2.2/5"
  assert.equal(jitterRating(0), 1);
  assert.ok(Math.abs(jitterRating(0.1) - 0.85) < 1e-9);
  assert.ok(Math.abs(jitterRating(1) - 0.7) < 1e-9);
  assert.ok(Math.abs(rtPropRating(2.5) - 0.65) < 1e-9);
  assert.ok(Math.abs(rtPropRating(10) - 0.3) < 1e-9);
});

test('a clean call rates 5; loss, lateness, jitter and RTT lower it; average over updates', () => {
  const q = new QualityIndicator();
  assert.equal(q.rating, null);
  assert.equal(q.average, null);
  q.updateLocal({ received: 50, expected: 50, late: 0 }, 20);
  assert.ok(q.rating! > 4.98);
  q.updateLocal({ received: 50, expected: 50, late: 0 }, 20); // no new packet: no update
  assert.equal(q.average, q.rating);
  q.updateLocal({ received: 145, expected: 150, late: 0 }, 0); // 5 lost of 100 expected, 95 received
  assert.ok(Math.abs(q.localLossRate - 5 / 95) < 1e-9);
  assert.ok(Math.abs(q.rating! - 5 * lossRating(5 / 95)) < 1e-9);
  q.updateRemote(0.1, 100, 0);
  assert.ok(Math.abs(q.rating! - 5 * lossRating(5 / 95) * lossRating(0.1) * 0.85) < 1e-9);
  assert.ok(q.average! < 5 && q.average! > q.rating!);
});
