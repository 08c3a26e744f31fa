import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import {
  DEFAULT_DYNAMIC_PAYLOAD_TYPES,
  PayloadTypeMap,
  STATIC_PAYLOAD_TYPES,
  defaultPayloadType,
  formatName,
  isReservedPayloadType,
  parsePayloadArg,
  staticPayloadType,
} from './payload-types.js';

test('RFC 3551 static table', () => {
  const expect: Array<[number, string, number, number]> = [
    [0, 'PCMU', 8000, 1],
    [3, 'GSM', 8000, 1],
    [4, 'G723', 8000, 1],
    [5, 'DVI4', 8000, 1],
    [6, 'DVI4', 16000, 1],
    [7, 'LPC', 8000, 1],
    [8, 'PCMA', 8000, 1],
    [9, 'G722', 8000, 1],
    [10, 'L16', 44100, 2],
    [11, 'L16', 44100, 1],
    [12, 'QCELP', 8000, 1],
    [13, 'CN', 8000, 1],
    [14, 'MPA', 90000, 1],
    [15, 'G728', 8000, 1],
    [16, 'DVI4', 11025, 1],
    [17, 'DVI4', 22050, 1],
    [18, 'G729', 8000, 1],
    [25, 'CelB', 90000, 1],
    [26, 'JPEG', 90000, 1],
    [28, 'nv', 90000, 1],
    [31, 'H261', 90000, 1],
    [32, 'MPV', 90000, 1],
    [33, 'MP2T', 90000, 1],
    [34, 'H263', 90000, 1],
  ];
  assert.equal(STATIC_PAYLOAD_TYPES.length, expect.length);
  for (const [pt, name, rate, ch] of expect) {
    const e = staticPayloadType(pt);
    assert.ok(e, `PT ${pt}`);
    assert.deepEqual([e.name, e.clockRate, e.channels, e.isStatic], [name, rate, ch, true], `PT ${pt}`);
  }
  for (const pt of [1, 2, 19, 20, 24, 27, 29, 30, 35, 96, 127, -1, 128, 1.5]) assert.equal(staticPayloadType(pt), undefined, `PT ${pt}`);
  // RFC 3551 §4.5.2: G.722's RTP clock is 8000 although it samples at 16 kHz.
  assert.equal(staticPayloadType(9)?.sampleRate, 16000);
  assert.equal(staticPayloadType(26)?.media, 'video');
  assert.equal(staticPayloadType(33)?.media, 'audio/video');
});

test('default dynamic bindings (DESIGN §4)', () => {
  const want: Record<number, string> = {
    101: 'telephone-event/8000',
    110: 'speex/8000',
    111: 'speex/16000',
    112: 'iLBC/8000',
    113: 'AMR/8000',
    114: 'opus/48000/2',
    115: 'AMR-WB/16000',
    116: 'speex/32000',
  };
  assert.equal(DEFAULT_DYNAMIC_PAYLOAD_TYPES.length, Object.keys(want).length);
  for (const [pt, name] of Object.entries(want)) {
    const e = defaultPayloadType(Number(pt));
    assert.ok(e, 'e');
    assert.equal(formatName(e), name);
    assert.equal(e.isStatic, false);
  }
  assert.equal(defaultPayloadType(0)?.name, 'PCMU');
  assert.equal(defaultPayloadType(96), undefined);
});

test('parsePayloadArg: numbers and names', () => {
  const cases: Array<[string, number, string]> = [
    ['0', 0, 'PCMU/8000'],
    ['8', 8, 'PCMA/8000'],
    ['9', 9, 'G722/8000'],
    ['114', 114, 'opus/48000/2'],
    ['pcmu', 0, 'PCMU/8000'],
    ['PCMA/8000', 8, 'PCMA/8000'],
    ['opus', 114, 'opus/48000/2'],
    ['opus/48000', 114, 'opus/48000/2'],
    ['OPUS/48000/2', 114, 'opus/48000/2'],
    ['speex', 110, 'speex/8000'],
    ['speex/16000', 111, 'speex/16000'],
    ['Speex/32000', 116, 'speex/32000'],
    ['g722', 9, 'G722/8000'],
    ['G722/16000', 9, 'G722/8000'], // the sampling rate users write
    ['gsm', 3, 'GSM/8000'],
    ['g729', 18, 'G729/8000'],
    ['l16', 11, 'L16/44100'],
    ['L16/44100/2', 10, 'L16/44100/2'],
    ['dvi4', 5, 'DVI4/8000'],
    ['dvi4/16000', 6, 'DVI4/16000'],
    ['cn', 13, 'CN/8000'],
    ['ilbc', 112, 'iLBC/8000'],
    ['amr-wb', 115, 'AMR-WB/16000'],
    ['telephone-event', 101, 'telephone-event/8000'],
    [' pcmu ', 0, 'PCMU/8000'],
  ];
  for (const [arg, pt, name] of cases) {
    const e = parsePayloadArg(arg);
    assert.equal(e.payloadType, pt, arg);
    assert.equal(formatName(e), name, arg);
  }
});

test('parsePayloadArg: --pt overrides, unknown encodings need --pt and a rate', () => {
  const o = parsePayloadArg('opus/48000/2', { pt: 96 });
  assert.equal(o.payloadType, 96);
  assert.equal(o.name, 'opus');
  const v = parsePayloadArg('vp8/90000', { pt: 97 });
  assert.deepEqual([v.payloadType, v.name, v.clockRate, v.channels], [97, 'vp8', 90000, 1]);
  for (const [arg, pt] of [
    ['vp8/90000', undefined],
    ['vp8', 97],
    ['96', undefined],
    ['128', undefined],
    ['opus/44100', undefined],
    ['pcmu/8000/2', undefined],
    ['', undefined],
    ['pcmu/x', undefined],
    ['pcmu/0', undefined],
    ['a/b/c/d', undefined],
    ['pcmu', 73], // RFC 3551 §6 reserved
    ['pcmu', 128],
  ] as Array<[string, number | undefined]>) {
    assert.throws(() => parsePayloadArg(arg, { pt }), ConfigError, `${arg} --pt ${pt}`);
  }
  assert.throws(() => parsePayloadArg('96'), /--payload "96".*--pt 96/);
  assert.throws(() => parsePayloadArg('speex/12345'), /known: speex\/8000, speex\/16000, speex\/32000/);
});

test('PayloadTypeMap: bind, unbind, lookup, conflicts', () => {
  const m = new PayloadTypeMap();
  assert.equal(m.lookup(0)?.name, 'PCMU');
  assert.equal(m.lookup(114), undefined, 'statics only without withDefaults');
  const op = m.bind(96, { name: 'OPUS', clockRate: 48000, channels: 2 });
  assert.equal(op.name, 'opus', 'canonical spelling from the table');
  assert.equal(op.bitrateBps, 32000);
  assert.equal(m.lookupByName('opus')?.payloadType, 96);
  // Same encoding again: fine. Another encoding on a bound PT: conflict.
  m.bind(96, { name: 'opus', clockRate: 48000, channels: 2 });
  assert.throws(() => m.bind(96, { name: 'speex', clockRate: 16000 }), (e: unknown) => e instanceof ConfigError && /already bound to opus\/48000\/2/.test(e.message));
  assert.throws(() => m.bind(0, { name: 'speex', clockRate: 8000 }), ConfigError);
  m.bind(0, { name: 'speex', clockRate: 8000 }, { replace: true });
  assert.equal(m.lookup(0)?.name, 'speex');
  assert.equal(m.lookup(0)?.isStatic, false);
  // The same encoding under two PTs: lookup by name gives the lowest.
  m.bind(100, { name: 'speex', clockRate: 8000 });
  assert.equal(m.lookupByName('SPEEX', 8000)?.payloadType, 0);
  assert.equal(m.unbind(0), true);
  assert.equal(m.unbind(0), false);
  assert.equal(m.lookupByName('speex', 8000)?.payloadType, 100);
  for (const pt of [-1, 128, 72, 76, 1.5]) assert.throws(() => m.bind(pt, { name: 'x', clockRate: 8000 }), ConfigError, `PT ${pt}`);
  assert.throws(() => m.bind(99, { name: 'x', clockRate: 0 }), ConfigError);
  assert.throws(() => m.bind(99, { name: 'a/b', clockRate: 8000 }), ConfigError);
  assert.throws(() => m.bind(99, { name: 'x', clockRate: 8000, channels: 0 }), ConfigError);
  const d = PayloadTypeMap.withDefaults();
  assert.equal(d.lookup(101)?.name, 'telephone-event');
  assert.deepEqual(
    d.entries().map((e) => e.payloadType),
    [...STATIC_PAYLOAD_TYPES, ...DEFAULT_DYNAMIC_PAYLOAD_TYPES].map((e) => e.payloadType).sort((a, b) => a - b),
  );
  assert.equal(new PayloadTypeMap({ statics: false }).entries().length, 0);
  // parsePayloadArg consults the given map.
  assert.equal(parsePayloadArg('opus', { map: m }).payloadType, 96);
  assert.ok(isReservedPayloadType(72) && isReservedPayloadType(76) && !isReservedPayloadType(77) && !isReservedPayloadType(71), 'isReservedPayloadType(72) && isReservedPayloadType(76) && !isReserv...');
});
