import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../core/errors.js';
import { looksLikeZrtp, parseZrtpPacket, serializeZrtpPacket } from './packet.js';
import { hex, loadExchange, toHex } from './test-vectors.js';

test('packet: the 9 packets parse and serialise to identical bytes', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  for (const v of ex.packets) {
    const b = hex(v.hex);
    assert.ok(looksLikeZrtp(b), `${v.name} looks like ZRTP`);
    const p = parseZrtpPacket(b);
    assert.equal(p.sequence, v.seq, v.name);
    assert.equal(p.sourceId, Number(v.ssrc), v.name);
    assert.equal(toHex(p.message), v.message_hex, v.name);
    assert.equal(toHex(serializeZrtpPacket(p)), v.hex, v.name);
  }
});

test('packet: malformed input is a ParseError', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const good = hex(ex.packets[2].hex); // HelloACK, 28 bytes
  const bad = (f: (b: Uint8Array) => Uint8Array, why: string): void => {
    assert.throws(() => parseZrtpPacket(f(good.slice())), ParseError, why);
  };
  bad((b) => b.subarray(0, 24), 'too short');
  bad((b) => b.subarray(0, 27), 'not word aligned');
  bad((b) => ((b[0] = 0x80), b), 'RTP version bits');
  bad((b) => ((b[5] ^= 1), b), 'cookie');
  bad((b) => ((b[12] = 0), b), 'preamble');
  bad((b) => ((b[15] = 4), b), 'length field');
  bad((b) => ((b[20] ^= 1), b), 'CRC');
  bad((b) => ((b[27] ^= 0x80), b), 'CRC trailer');
  const flipped = good.slice();
  flipped[20] ^= 1;
  assert.equal(parseZrtpPacket(flipped, { verifyCrc: false }).message[8], good[20] ^ 1);
  assert.ok(!looksLikeZrtp(new Uint8Array(4)), 'short buffer is not ZRTP');
});

test('packet: serialise → parse round trip with a fresh CRC', () => {
  const message = hex('505a000348656c6c6f41434b');
  const b = serializeZrtpPacket({ sequence: 0x1_0005, sourceId: 0xdeadbeef, message });
  const p = parseZrtpPacket(b);
  assert.equal(p.sequence, 5);
  assert.equal(p.sourceId, 0xdeadbeef);
  assert.deepEqual(p.message, message);
});
