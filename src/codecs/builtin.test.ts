import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../core/registry.js';
import { PCMA_CODEC, PCMU_CODEC, registerBuiltinCodecs } from './builtin.js';
import { G711Decoder, G711Encoder } from './g711-filters.js';

test('registerBuiltinCodecs registers PCMU (PT 0) and PCMA (PT 8) with their RFC 3551 parameters', () => {
  const r = new Registry();
  registerBuiltinCodecs(r);
  for (const [mime, pt, law] of [
    ['PCMU', 0, 'ulaw'],
    ['PCMA', 8, 'alaw'],
  ] as const) {
    const e = r.findCodec(mime.toLowerCase(), 8000, 1);
    assert.ok(e, mime);
    assert.equal(e.available, true);
    const c = e.codec;
    assert.deepEqual(
      [c.mime, c.clockRate, c.channels, c.sampleRate, c.staticPayloadType, c.frameMs, c.defaultPtimeMs, c.bitrates],
      [mime, 8000, 1, 8000, pt, 10, 20, '64 kbit/s'],
    );
    assert.equal(r.findCodecByPayloadType(pt)?.codec, c);
    const enc = r.createEncoder(mime, 8000, 1, { payloadType: pt, ptimeMs: 30 });
    assert.ok(enc instanceof G711Encoder);
    assert.equal(enc.law, law);
    assert.equal(enc.payloadType, pt);
    assert.equal(enc.ptimeMs, 30);
    const dec = r.createDecoder(mime, 8000, 1, { payloadType: pt });
    assert.ok(dec instanceof G711Decoder);
    assert.equal(dec.law, law);
  }
  // Listed by payload type; library-backed codecs are there, available or not (with the reason).
  const listed = r.listCodecs().map((e) => e.codec.mime);
  assert.equal(listed[0], 'PCMU');
  assert.ok(listed.includes('PCMA') && listed.includes('GSM') && listed.includes('G722'), listed.join(', '));
  assert.ok(r.findCodec('opus', 48000, 2), 'opus registered (available or not)');
});

test('registerBuiltinCodecs is idempotent and keeps a codec registered before it', () => {
  const r = new Registry();
  const mine = { ...PCMA_CODEC, description: 'my own A-law' };
  r.registerCodec(mine);
  registerBuiltinCodecs(r);
  registerBuiltinCodecs(r);
  const n = r.listCodecs().length;
  registerBuiltinCodecs(r);
  assert.equal(r.listCodecs().length, n);
  assert.equal(r.findCodec('PCMA', 8000)?.codec, mine);
  assert.equal(r.findCodec('PCMU', 8000)?.codec, PCMU_CODEC);
});
