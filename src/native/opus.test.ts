import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, StateError } from '../core/errors.js';
import {
  OPUS_INVALID_PACKET,
  OPUS_MAX_PACKET_BYTES,
  OpusDecoderState,
  OpusEncoderState,
  OpusError,
  opusPacketBandwidth,
  opusPacketChannels,
  opusPacketFrames,
  opusPacketSamples,
  opusStrerror,
  opusVersion,
  probeOpus,
  LIBOPUS,
} from './opus.js';

/** A voiced-like test signal: two harmonics and a little noise, `n` samples at `rate`. */
function tone(n: number, rate: number, channels = 1, seed = 7): Int16Array {
  const out = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const v = 7000 * Math.sin((2 * Math.PI * 220 * i) / rate) + 3000 * Math.sin((2 * Math.PI * 660 * i) / rate) + (((seed >>> 16) & 255) - 128);
    for (let c = 0; c < channels; c++) out[i * channels + c] = Math.round(c === 0 ? v : -v / 2);
  }
  return out;
}

test('libopus loads: probe, version, names the Debian package', () => {
  const a = probeOpus();
  assert.ok(a.available, `libopus should load here: ${a.available ? '' : a.reason}`);
  assert.match(opusVersion(), /^libopus \d+\.\d+/);
  assert.equal(LIBOPUS.debianPackage, 'libopus0');
  assert.match(opusStrerror(OPUS_INVALID_PACKET), /corrupted/i);
});

test('encode → decode round trip at 48 kHz mono: one packet per 20 ms, the same final range on both sides', () => {
  const enc = new OpusEncoderState({ sampleRate: 48000, channels: 1 });
  const dec = new OpusDecoderState({ sampleRate: 48000, channels: 1 });
  enc.setBitrate(32000);
  const pcm = tone(960 * 10, 48000);
  const out = new Uint8Array(OPUS_MAX_PACKET_BYTES);
  const dst = new Int16Array(5760);
  let energy = 0;
  for (let k = 0; k < 10; k++) {
    const n = enc.encode(pcm.subarray(k * 960, (k + 1) * 960), out);
    assert.ok(n > 2 && n < 400, `packet ${k}: ${n} bytes`);
    const pkt = out.subarray(0, n);
    assert.equal(opusPacketSamples(pkt), 960);
    assert.equal(opusPacketSamples(pkt, 16000), 320);
    assert.equal(opusPacketFrames(pkt), 1);
    assert.equal(opusPacketChannels(pkt), 1);
    assert.ok(opusPacketBandwidth(pkt) >= 1101 && opusPacketBandwidth(pkt) <= 1105, 'a bandwidth code');
    const got = dec.decode(pkt, dst, 5760);
    assert.equal(got, 960);
    // Bit-exactness check of RFC 6716 §4.1: the range coder's final state matches on both sides.
    assert.equal(dec.finalRange, enc.finalRange, `final range of packet ${k}`);
    if (k > 2) for (let i = 0; i < got; i++) energy += dst[i]! * dst[i]!;
  }
  assert.ok(energy > 1e9, `decoded audio has energy (${energy.toExponential(2)})`);
  assert.equal(dec.lastPacketDuration, 960);
  enc.destroy();
  dec.destroy();
});

test('encoder CTLs: set and read back; bad values are ConfigErrors', () => {
  const enc = new OpusEncoderState({ sampleRate: 16000, channels: 2, application: 'audio' });
  assert.equal(enc.application, 'audio');
  enc.setBitrate(24000);
  assert.equal(enc.bitrate, 24000);
  enc.setComplexity(3);
  assert.equal(enc.complexity, 3);
  enc.setVbr(false);
  assert.equal(enc.vbr, false);
  enc.setVbrConstraint(false);
  assert.equal(enc.vbrConstraint, false);
  enc.setInbandFec(true);
  assert.equal(enc.inbandFec, true);
  enc.setPacketLossPercent(15);
  assert.equal(enc.packetLossPercent, 15);
  enc.setDtx(true);
  assert.equal(enc.dtx, true);
  assert.equal(enc.inDtx, false);
  enc.setMaxBandwidth('wb');
  assert.equal(enc.maxBandwidth, 'wb');
  enc.setSignal('voice');
  enc.setForceChannels(1);
  assert.ok(enc.lookahead > 0, `lookahead ${enc.lookahead}`);
  enc.reset();
  assert.throws(() => enc.setComplexity(11), ConfigError);
  assert.throws(() => enc.setPacketLossPercent(101), ConfigError);
  assert.throws(() => enc.setBitrate(100), ConfigError);
  // CBR: every packet the same size.
  const out = new Uint8Array(OPUS_MAX_PACKET_BYTES);
  const pcm = tone(320 * 6, 16000, 2);
  const sizes = new Set<number>();
  for (let k = 0; k < 6; k++) sizes.add(enc.encode(pcm.subarray(k * 640, (k + 1) * 640), out));
  assert.deepEqual([...sizes], [60], 'CBR 24 kbit/s × 20 ms = 60 bytes a packet');
  enc.destroy();
});

test('bad arguments: rates, channels, application, frame sizes', () => {
  assert.throws(() => new OpusEncoderState({ sampleRate: 44100, channels: 1 }), /sampleRate must be one of 8000, 12000, 16000, 24000, 48000/);
  assert.throws(() => new OpusEncoderState({ sampleRate: 48000, channels: 3 }), /channels must be 1 or 2/);
  assert.throws(() => new OpusEncoderState({ sampleRate: 48000, channels: 1, application: 'x' as never }), /application must be one of/);
  assert.throws(() => new OpusDecoderState({ sampleRate: 22050, channels: 1 }), ConfigError);
  const enc = new OpusEncoderState({ sampleRate: 48000, channels: 1 });
  // 15 ms is not an Opus frame size: libopus says OPUS_BAD_ARG, we throw OpusError.
  assert.throws(() => enc.encode(new Int16Array(720), new Uint8Array(4000)), (e: unknown) => e instanceof OpusError && e.opusCode === -1);
  enc.destroy();
});

test('decoder: garbage returns a negative code (no throw), null data conceals, FEC of a packet without LBRR still fills the span', () => {
  const dec = new OpusDecoderState({ sampleRate: 24000, channels: 2 });
  const pcm = new Int16Array(2880 * 2);
  // Code 3 with M = 0 breaks RFC 6716 R5.
  assert.equal(dec.decode(new Uint8Array([0xfb, 0x00]), pcm, 2880), OPUS_INVALID_PACKET);
  assert.equal(dec.decode(null, pcm, 480), 480, 'PLC of 20 ms at 24 kHz');
  assert.equal(dec.decode(new Uint8Array(0), pcm, 240), 240, 'an empty payload is concealment too');
  assert.equal(dec.decode(null, new Int16Array(10), 480), -2, 'a buffer too small is refused before C sees it');
  const enc = new OpusEncoderState({ sampleRate: 24000, channels: 2 });
  const out = new Uint8Array(4000);
  const n = enc.encode(tone(480, 24000, 2), out);
  assert.equal(dec.decode(out.subarray(0, n), pcm, 480, true), 480, 'decode_fec gives exactly the missing duration');
  // Into a view at an offset: the pointer arrives at the view's start.
  const big = new Int16Array(8000).fill(1234);
  assert.equal(dec.decode(out.subarray(0, n), big.subarray(1000), 2880), 480);
  assert.equal(big[999], 1234, 'nothing written before the view');
  assert.equal(big[1000 + 960], 1234, 'nothing written after the decoded samples');
  dec.setGain(256);
  dec.reset();
  assert.ok(['nb', 'mb', 'wb', 'swb', 'fb'].includes(dec.bandwidth), 'a bandwidth name');
  enc.destroy();
  dec.destroy();
});

test('destroy: idempotent, counted, later use is a StateError', () => {
  const e0 = OpusEncoderState.liveCount;
  const d0 = OpusDecoderState.liveCount;
  const enc = new OpusEncoderState({ sampleRate: 8000, channels: 1 });
  const dec = new OpusDecoderState({ sampleRate: 8000, channels: 1 });
  assert.equal(OpusEncoderState.liveCount, e0 + 1);
  assert.equal(OpusDecoderState.liveCount, d0 + 1);
  enc.destroy();
  enc.destroy();
  dec.destroy();
  dec.destroy();
  assert.equal(enc.destroyed, true);
  assert.equal(OpusEncoderState.liveCount, e0);
  assert.equal(OpusDecoderState.liveCount, d0);
  assert.throws(() => enc.encode(new Int16Array(160), new Uint8Array(100)), StateError);
  assert.throws(() => dec.decode(null, new Int16Array(160), 160), StateError);
});
