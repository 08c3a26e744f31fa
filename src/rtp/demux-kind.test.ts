import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDatagram, isRtpOrRtcp } from './demux-kind.js';
import { hex } from './test-helpers.js';

const pad = (h: string, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  b.set(hex(h));
  return b;
};

test('RFC 7983 first-byte ranges', () => {
  // STUN binding request (type 0x0001, magic cookie).
  assert.equal(classifyDatagram(pad('000100002112a442', 20)), 'stun');
  assert.equal(classifyDatagram(pad('0101', 20)), 'stun');
  assert.equal(classifyDatagram(pad('0001', 19)), 'unknown');
  // ZRTP (RFC 6189 §5): 0x10, then the 'ZRTP' cookie at offset 4.
  assert.equal(classifyDatagram(pad('100000015a525450', 12)), 'zrtp');
  assert.equal(classifyDatagram(pad('100000015a525451', 12)), 'unknown');
  assert.equal(classifyDatagram(pad('10000001', 12)), 'unknown');
  // DTLS handshake record.
  assert.equal(classifyDatagram(pad('16fefd', 13)), 'dtls');
  assert.equal(classifyDatagram(pad('17fefd', 12)), 'unknown');
  assert.equal(classifyDatagram(pad('40000004', 8)), 'turn-channel');
  // 64..127 beyond TURN and 192..255 are unassigned.
  assert.equal(classifyDatagram(pad('50', 20)), 'unknown');
  assert.equal(classifyDatagram(pad('c0', 20)), 'unknown');
  assert.equal(classifyDatagram(new Uint8Array(0)), 'unknown');
});

test('RFC 5761 §4: RTP vs RTCP by the second byte', () => {
  assert.equal(classifyDatagram(hex('90e0698fd9c293da1c64278200010001ffffffff9836be889e')), 'rtp');
  assert.equal(classifyDatagram(pad('8000', 12)), 'rtp');
  assert.equal(classifyDatagram(pad('80bf', 12)), 'rtp'); // M=1 PT 63
  assert.equal(classifyDatagram(pad('80e0', 12)), 'rtp'); // M=1 PT 96
  for (const pt of [192, 200, 201, 205, 206, 207, 223]) assert.equal(classifyDatagram(pad(`81${pt.toString(16)}0001`, 8)), 'rtcp', String(pt));
  assert.equal(classifyDatagram(hex('80cb0000')), 'rtcp'); // a 4-byte BYE
  assert.equal(classifyDatagram(pad('8060', 11)), 'unknown'); // too short for RTP
  assert.equal(isRtpOrRtcp(hex('bf')), true);
  assert.equal(isRtpOrRtcp(hex('7f')), false);
});
