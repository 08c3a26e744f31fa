/**
 * L16 filters and descriptors: network byte order on the wire, bit-exact round trips at every
 * registered rate and channel count, packetisation (timestamps, marker, duration, MTU-sized
 * defaults), discontinuities, loss and undecodable payloads, options, registration, and calls
 * through AudioStream (L16/16000 on a dynamic PT, and PT 10 stereo fed from a 48 kHz mono file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { VirtualClock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { FrameQueue } from '../core/queue.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { readWavFile } from '../files/wav-reader.js';
import { LoopbackPair } from '../net/impaired-transport.js';
import { AudioStream } from '../streams/audio-stream.js';
import { CallbackFilter } from '../streams/callback-filter.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { L16_CODECS, L16Decoder, L16Encoder, createL16Decoder, createL16Encoder, l16Codec, registerL16Codecs } from './l16.js';

const CTX: TickContext = { timeMs: 0, tick: 0, periodMs: 10 };

function drive(f: Filter, frames: readonly Frame[]): Frame[] {
  const inq = (f.inputs[0] ??= new FrameQueue());
  const outq = (f.outputs[0] ??= new FrameQueue());
  for (const x of frames) inq.put(x);
  f.process(CTX);
  const out: Frame[] = [];
  for (let x = outq.get(); x !== undefined; x = outq.get()) out.push(x);
  return out;
}

function audio(samples: Int16Array, timestamp: number, sampleRate: number, channels: number): AudioFrame {
  return { kind: 'audio', samples, sampleRate, channels, timestamp };
}

function encoded(data: Uint8Array, timestamp: number, extra: Partial<EncodedFrame> = {}): EncodedFrame {
  return { kind: 'encoded', data, timestamp, marker: false, payloadType: 96, ...extra };
}

/** A pseudo-random signal covering the whole int16 range (every byte pattern on the wire). */
function noise(n: number, seed: number): Int16Array {
  const a = new Int16Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s >>> 16;
  }
  return a;
}

/** 10 ms frames (rounded per tick so timestamps stay exact at 44.1 kHz) of an interleaved signal. */
function ticks(pcm: Int16Array, rate: number, channels: number): AudioFrame[] {
  const out: AudioFrame[] = [];
  const total = pcm.length / channels;
  for (let k = 0, at = 0; at < total; k++) {
    const end = Math.min(total, Math.round(((k + 1) * rate) / 100));
    out.push(audio(pcm.subarray(at * channels, end * channels), at, rate, channels));
    at = end;
  }
  return out;
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

test('encoder: 16 kHz mono, 20 ms packets in network byte order, timestamps from the first input sample, marker on the first', () => {
  const enc = createL16Encoder(16000, 1, { payloadType: 96 });
  const pcm = Int16Array.from({ length: 1600 }, (_, i) => (i * 41 - 30000) | 0);
  // Input timestamps start at 7000: output timestamps count from the first input sample.
  const frames = ticks(pcm, 16000, 1).map((f) => ({ ...f, timestamp: f.timestamp + 7000 }));
  const out = drive(enc, frames) as EncodedFrame[];
  assert.equal(out.length, 5);
  out.forEach((p, k) => {
    assert.equal(p.data.length, 640, `packet ${k} size`);
    assert.equal(p.timestamp, 320 * k, `packet ${k} timestamp`);
    assert.equal(p.duration, 320);
    assert.equal(p.marker, k === 0);
    assert.equal(p.payloadType, 96);
    const first = pcm[320 * k]!;
    assert.equal((p.data[0]! << 8) | p.data[1]!, first & 0xffff, `packet ${k} starts with its first sample, MSB first`);
  });
});

for (const c of L16_CODECS) {
  test(`round trip L16/${c.clockRate}/${c.channels}: bit-exact, default packets of 20 or 10 ms`, () => {
    const enc = c.createEncoder({ payloadType: c.staticPayloadType ?? 96 }) as L16Encoder;
    const dec = c.createDecoder({ payloadType: c.staticPayloadType ?? 96 }) as L16Decoder;
    const pcm = noise(Math.round(c.clockRate * 0.2) * c.channels, c.clockRate + c.channels);
    const packets = drive(enc, ticks(pcm, c.clockRate, c.channels)) as EncodedFrame[];
    assert.ok(packets.length >= 4, `${packets.length} packets`);
    assert.equal(enc.ptimeMs, c.defaultPtimeMs);
    for (const p of packets) assert.equal(p.data.length, (c.clockRate * c.defaultPtimeMs * 2 * c.channels) / 1000, 'payload octets');
    assert.equal(packets[0]!.duration, enc.packetFrames);
    const out = drive(dec, packets) as AudioFrame[];
    const got = concat(out.map((f) => f.samples));
    const sent = packets.reduce((n, p) => n + p.duration!, 0) * c.channels;
    assert.equal(got.length, sent);
    const diff = got.findIndex((v, i) => v !== pcm[i]);
    assert.equal(diff, -1, `differs at sample ${diff}`);
    for (const f of out) {
      assert.equal(f.sampleRate, c.clockRate);
      assert.equal(f.channels, c.channels);
    }
    assert.deepEqual(
      out.map((f) => f.timestamp),
      packets.map((p) => p.timestamp),
    );
    assert.equal(dec.decodeErrors, 0);
  });
}

test('encoder: a timestamp jump sends what is buffered as a short packet and marks the next', () => {
  const enc = createL16Encoder(8000, 2, { payloadType: 97, ptimeMs: 20 });
  let out = drive(enc, [audio(noise(160, 1), 0, 8000, 2)]) as EncodedFrame[];
  assert.equal(out.length, 0);
  out = drive(enc, [audio(noise(320, 2), 500, 8000, 2)]) as EncodedFrame[];
  assert.deepEqual(
    out.map((p) => [p.timestamp, p.duration, p.data.length, p.marker]),
    [
      [0, 80, 320, true],
      [500, 160, 640, true],
    ],
  );
  assert.equal(enc.encoderStats.discontinuities, 1);
});

test('decoder: loss → zeros flagged concealed (all channels); undecodable payloads concealed and counted, never thrown', () => {
  const dec = createL16Decoder(48000, 2, { payloadType: 96 });
  let out = drive(dec, [encoded(new Uint8Array(0), 4800, { lost: true, duration: 480 })]) as AudioFrame[];
  assert.equal(out.length, 1);
  assert.equal(out[0]!.samples.length, 960);
  assert.equal(out[0]!.concealed, true);
  assert.ok(out[0]!.samples.every((s) => s === 0), 'marker frame is zeros');
  assert.equal(dec.decodeErrors, 0);
  // Odd length, a length that splits a stereo frame, empty: concealed for their duration (or one default packet).
  const bad: [Uint8Array, number | undefined, number][] = [
    [new Uint8Array(7), 480, 960],
    [new Uint8Array(6), undefined, 2 * 480], // one default packet: 10 ms
    [new Uint8Array(0), 240, 480],
  ];
  for (const [data, duration, samples] of bad) {
    out = drive(dec, [encoded(data, 0, duration === undefined ? {} : { duration })]) as AudioFrame[];
    assert.equal(out.length, 1, `${data.length} octets: one frame`);
    assert.equal(out[0]!.concealed, true);
    assert.equal(out[0]!.samples.length, samples);
  }
  assert.equal(dec.decodeErrors, 3);
  let seed = 11;
  for (let i = 0; i < 1000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const out2 = drive(dec, [encoded(new Uint8Array(seed % 2000), i * 480, { duration: 480 })]) as AudioFrame[];
    assert.equal(out2.length, 1, 'one frame per payload');
    assert.equal(out2[0]!.samples.length % 2, 0, 'whole stereo frames');
  }
});

test('options: ConfigError for bad ptime, PT, rate, channels; fmtp and bitrate ignored; input format enforced', () => {
  assert.throws(() => createL16Encoder(8000, 1, { payloadType: 96, ptimeMs: 0 }), (e: unknown) => e instanceof ConfigError && /ptimeMs must be a whole number of ms, 1–120/.test(e.message));
  assert.throws(() => createL16Encoder(8000, 1, { payloadType: 200 }), ConfigError);
  assert.throws(() => createL16Encoder(500, 1, { payloadType: 96 }), (e: unknown) => e instanceof ConfigError && /rate must be/.test(e.message));
  assert.throws(() => createL16Decoder(8000, 9, { payloadType: 96 }), (e: unknown) => e instanceof ConfigError && /channels must be 1–8/.test(e.message));
  const enc = createL16Encoder(44100, 1, { payloadType: 11, bitrate: 1, fmtp: { emphasis: '50-15', foo: 'bar' } });
  assert.equal(enc.ptimeMs, 10, '44.1 kHz mono defaults to 10 ms');
  assert.equal(enc.packetFrames, 441);
  assert.throws(() => drive(enc, [audio(new Int16Array(441), 0, 48000, 1)]), (e: unknown) => e instanceof ConfigError && /44100 Hz with 1 channel/.test(e.message));
  enc.setPtimeMs(5);
  assert.equal(enc.packetFrames, 221, '220.5 samples round up');
  assert.throws(() => enc.setPtimeMs(500), ConfigError);
});

test('descriptors: PT 11 = L16/44100/1, PT 10 = L16/44100/2, others dynamic; quiet and duration hints', () => {
  const r = new Registry();
  registerL16Codecs(r);
  registerL16Codecs(r);
  assert.equal(r.findCodecByPayloadType(11)?.codec.channels, 1);
  assert.equal(r.findCodecByPayloadType(10)?.codec.channels, 2);
  assert.equal(r.findCodecByPayloadType(10)?.codec.clockRate, 44100);
  for (const rate of [8000, 16000, 32000, 44100, 48000]) {
    for (const ch of [1, 2]) {
      const e = r.findCodec('l16', rate, ch);
      assert.ok(e?.available, `L16/${rate}/${ch} registered`);
      assert.equal(e.codec.defaultPayloadType, undefined);
      assert.equal(e.codec.hasPlc, false);
    }
  }
  const c = r.requireCodec('L16', 16000, 1);
  assert.equal(c.staticPayloadType, undefined);
  assert.equal(c.bitrates, '256 kbit/s');
  assert.equal(r.requireCodec('L16', 44100, 2).bitrates, '1411.2 kbit/s');
  assert.equal(c.payloadDuration?.(new Uint8Array(640)), 320);
  assert.equal(r.requireCodec('L16', 48000, 2).payloadDuration?.(new Uint8Array(642)), undefined);
  assert.equal(c.isQuietPayload?.(new Uint8Array(640)), true);
  const loud = new Uint8Array(640);
  for (let i = 0; i < 640; i += 2) loud[i] = 0x10; // 4096
  assert.equal(c.isQuietPayload?.(loud), false);
  const odd = l16Codec(22050, 1);
  assert.equal(odd.clockRate, 22050);
  assert.equal(odd.defaultPtimeMs, 20);
  assert.throws(() => l16Codec(22050, 0), ConfigError);
});

/** Collects received audio. */
class Recorder extends Filter {
  readonly type = 'rec';
  readonly chunks: AudioFrame[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.chunks.push(f as AudioFrame);
  }
}

async function call(t: TestContext, file: string, codec: { mime: string; clockRate: number; channels: number }, payloadType?: number) {
  const path = sharedFile(t, 'data', 'ms2', 'sounds', file);
  if (!path) return undefined;
  const clock = new VirtualClock(1000);
  const ticker = new Ticker({ clock });
  const rtp = new LoopbackPair({ a: { port: 40000 }, b: { port: 40002 }, clock });
  ticker.attach(new Graph('network').add(new CallbackFilter(() => rtp.poll(clock.now()))));
  const registry = new Registry();
  registerL16Codecs(registry);
  const rec = new Recorder();
  const common = { codec, ticker, registry, rtcp: { enabled: false }, ...(payloadType !== undefined ? { payloadType } : {}) };
  const a = new AudioStream({ ...common, transports: { rtp: rtp.a }, remote: { address: '127.0.0.1', port: 40002 }, input: { kind: 'file', path } });
  const b = new AudioStream({ ...common, transports: { rtp: rtp.b }, remote: { address: '127.0.0.1', port: 40000 }, input: { kind: 'none' }, output: { kind: 'filter', filter: rec } });
  await a.start();
  await b.start();
  const w = readWavFile(path);
  ticker.runFor((w.samples.length / w.channels / w.sampleRate) * 1000 + 500);
  await a.stop();
  await b.stop();
  ticker.shutdown();
  return { wav: w, rec, a, b };
}

test('a call on L16/16000 with dynamic PT 96 (hello16000.wav): the received samples are the sent ones', async (t) => {
  const r = await call(t, 'hello16000.wav', { mime: 'L16', clockRate: 16000, channels: 1 }, 96);
  if (!r) return;
  assert.equal(r.a.payloadType, 96);
  const rep = r.b.report();
  assert.equal(rep.decoder.errors, 0);
  assert.equal(rep.received.lost, 0);
  const got = concat(r.rec.chunks.filter((f) => !f.concealed).map((f) => f.samples));
  // No resampling anywhere (16 kHz file, codec and output): the decoded audio is the file's,
  // sample for sample, between the jitter buffer's skips of quiet packets.
  const src = r.wav.samples;
  let matched = 0;
  for (let i = 0, j = 0; i < got.length && j < src.length; ) {
    if (got[i] === src[j]) {
      matched++;
      i++;
      j++;
    } else {
      // Find where the received run resumes in the source (after a skipped packet).
      const k = src.indexOf(got[i]!, j + 1);
      if (k < 0 || k - j > 3200) i++;
      else j = k;
    }
  }
  const sim = speechSimilarity(toMono8k(src, 16000, 1), toMono8k(got, 16000, 1));
  console.log(`L16/16000 call: ${matched} of ${src.length} samples received verbatim, similarity ${sim.score.toFixed(4)}, jitter buffer skipped ${rep.details.jitterBuffer.skipped}`);
  assert.ok(matched >= src.length * 0.97, `only ${matched} of ${src.length} samples verbatim`);
  assert.ok(sim.score > 0.99, `similarity ${sim.score}`);
});

test('a call on PT 10 (L16/44100/2) fed from a 48 kHz mono file: resampled and upmixed, music arrives', async (t) => {
  const r = await call(t, 'nylon_48000_mono.wav', { mime: 'L16', clockRate: 44100, channels: 2 });
  if (!r) return;
  assert.equal(r.a.payloadType, 10);
  const rep = r.b.report();
  assert.equal(rep.decoder.errors, 0);
  for (const f of r.rec.chunks) assert.ok(f.channels === 2, 'stereo output');
  const got = concat(r.rec.chunks.map((f) => f.samples));
  let lr = 0;
  for (let i = 0; i < got.length; i += 2) if (got[i] !== got[i + 1]) lr++;
  assert.equal(lr, 0, 'both channels carry the same (upmixed) signal');
  const sim = speechSimilarity(toMono8k(r.wav.samples, 48000, 1), toMono8k(got, r.rec.chunks[0]!.sampleRate, 2));
  console.log(`L16/44100/2 call from a 48 kHz mono file: similarity ${sim.score.toFixed(4)}, packets ${rep.received.packets}, output ${r.rec.chunks[0]!.sampleRate} Hz`);
  assert.ok(sim.score > 0.98, `similarity ${sim.score}`);
});
