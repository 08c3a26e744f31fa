import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, readCrcTrailer, writeCrcTrailer } from './crc32c.js';
import { hex, loadExchange, loadKdfCrc } from './test-vectors.js';

test('crc32c check value (RFC 3720 B.4 / "123456789")', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
});

test('crc32c: bzrtp vectors are the byte-swapped standard CRC', (t) => {
  const v = loadKdfCrc(t);
  if (!v) return;
  assert.equal(v.crc32c.vectors.length, 3);
  for (const c of v.crc32c.vectors) {
    const input = hex(c.input);
    const out = new Uint8Array(4);
    writeCrcTrailer(out, 0, crc32c(input));
    // bzrtp's value is the trailer read big-endian: i.e. our LSB-first trailer.
    assert.equal(new DataView(out.buffer).getUint32(0), Number(c.bzrtp_crc), c.input.slice(0, 32));
  }
});

test('crc32c: every packet of the DH3k exchange carries an LSB-first trailer', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  assert.equal(ex.packets.length, 9);
  for (const p of ex.packets) {
    const b = hex(p.hex);
    assert.equal(readCrcTrailer(b, b.length - 4), crc32c(b.subarray(0, b.length - 4)), p.name);
  }
});
