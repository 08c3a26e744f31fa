import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, type CodecDescriptor } from './registry.js';
import { CodecUnavailableError, ConfigError } from './errors.js';
import { Collector, CounterSource } from '../test-support/test-filters.js';

function codec(mime: string, pt: number | undefined, dyn?: number): CodecDescriptor {
  return {
    mime,
    clockRate: 8000,
    channels: 1,
    sampleRate: 8000,
    ...(pt !== undefined ? { staticPayloadType: pt } : {}),
    ...(dyn !== undefined ? { defaultPayloadType: dyn } : {}),
    frameMs: 10,
    defaultPtimeMs: 20,
    bitrates: '64 kbit/s',
    description: mime,
    createEncoder: () => new CounterSource(),
    createDecoder: () => new Collector(),
  };
}

test('filters by name: create, list, unknown and duplicate names', () => {
  const r = new Registry();
  r.registerFilter({ type: 'counter', category: 'source', description: 'test', create: () => new CounterSource() });
  assert.ok(r.createFilter('counter') instanceof CounterSource);
  assert.deepEqual(r.listFilters().map((d) => d.type), ['counter']);
  assert.throws(() => r.createFilter('nope'), (e: unknown) => e instanceof ConfigError && /nope/.test(e.message) && /counter/.test(e.message));
  assert.throws(() => r.registerFilter({ type: 'counter', category: 'source', description: 'x', create: () => new CounterSource() }), ConfigError);
});

test('codecs by MIME type (case-insensitive), by payload type, and unavailable ones with the reason', () => {
  const r = new Registry();
  r.registerCodec(codec('PCMU', 0));
  r.registerCodec(codec('speex', undefined, 110), 'native library libspeex is not available; install the Debian package libspeex1');
  assert.equal(r.requireCodec('pcmu', 8000).mime, 'PCMU');
  assert.ok(r.createEncoder('PCMU', 8000, 1, { payloadType: 0 }) instanceof CounterSource);
  assert.ok(r.createDecoder('PCMU', 8000, 1, { payloadType: 0 }) instanceof Collector);
  assert.equal(r.findCodecByPayloadType(0)?.codec.mime, 'PCMU');
  assert.equal(r.findCodecByPayloadType(110)?.codec.mime, 'speex');
  assert.equal(r.findCodecByPayloadType(99), undefined);
  assert.throws(() => r.requireCodec('speex', 8000), (e: unknown) => e instanceof CodecUnavailableError && /libspeex1/.test(e.message));
  assert.throws(() => r.requireCodec('opus', 48000, 2), (e: unknown) => e instanceof CodecUnavailableError && /opus\/48000\/2/.test(e.message) && /PCMU/.test(e.message));
  assert.deepEqual(r.listCodecs().map((e) => [e.codec.mime, e.available]), [
    ['PCMU', true],
    ['speex', false],
  ]);
});
