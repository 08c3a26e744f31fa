import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import {
  G729_MAX_FRAMES_PER_PAYLOAD,
  g729PayloadDuration,
  isG729SidOnly,
  parseG729Fmtp,
  parseG729Payload,
} from './g729.js';

test('G.729 payload layout: 10-octet frames, then at most one 2-octet SID (RFC 3551 §4.5.6)', () => {
  assert.deepEqual(parseG729Payload(new Uint8Array(10)), { speechFrames: 1, sid: false });
  assert.deepEqual(parseG729Payload(new Uint8Array(20)), { speechFrames: 2, sid: false });
  assert.deepEqual(parseG729Payload(new Uint8Array(2)), { speechFrames: 0, sid: true });
  assert.deepEqual(parseG729Payload(new Uint8Array(22)), { speechFrames: 2, sid: true });
  for (const bad of [0, 1, 3, 5, 9, 11, 13, 19, 21, 25]) {
    assert.equal(parseG729Payload(new Uint8Array(bad)), undefined, `a ${bad}-octet payload is invalid`);
  }
  assert.ok(parseG729Payload(new Uint8Array(G729_MAX_FRAMES_PER_PAYLOAD * 10)) !== undefined, '1 s of frames is accepted');
  assert.equal(parseG729Payload(new Uint8Array(G729_MAX_FRAMES_PER_PAYLOAD * 10 + 2)), undefined, 'more than 1 s is refused');
});

test('G.729 payload duration: 80 clock units per frame, SID included', () => {
  assert.equal(g729PayloadDuration(new Uint8Array(20)), 160);
  assert.equal(g729PayloadDuration(new Uint8Array(22)), 240);
  assert.equal(g729PayloadDuration(new Uint8Array(2)), 80);
  assert.equal(g729PayloadDuration(new Uint8Array(7)), undefined);
  assert.equal(isG729SidOnly(new Uint8Array(2)), true);
  assert.equal(isG729SidOnly(new Uint8Array(12)), false);
  assert.equal(isG729SidOnly(new Uint8Array(10)), false);
});

test('G.729 fmtp: annexb yes/no, yes when absent (RFC 4856 §2.1.9); bad values name the parameter; unknown ignored', () => {
  assert.deepEqual(parseG729Fmtp(undefined), { annexb: true });
  assert.deepEqual(parseG729Fmtp({}), { annexb: true });
  assert.deepEqual(parseG729Fmtp({ annexb: 'no' }), { annexb: false });
  assert.deepEqual(parseG729Fmtp({ annexb: 'YES' }), { annexb: true });
  assert.deepEqual(parseG729Fmtp({ AnnexB: ' No ' }), { annexb: false });
  assert.deepEqual(parseG729Fmtp({ bitrate: '8', foo: 'bar' }), { annexb: true });
  assert.throws(
    () => parseG729Fmtp({ annexb: '1' }),
    (e: unknown) => e instanceof ConfigError && /annexb/.test(e.message) && /"yes" or "no"/.test(e.message),
  );
});
