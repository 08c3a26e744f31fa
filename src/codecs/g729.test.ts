import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { readWavFile } from '../files/wav-reader.js';
import { Bcg729Decoder, Bcg729Encoder, probeBcg729 } from '../native/bcg729.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { G729_CODEC, G729Decoder, G729Encoder, registerG729Codecs } from './g729.js';

function requireLib(t: TestContext): boolean {
  const a = probeBcg729();
  if (a.available) return true;
  const msg = `SKIP: ${a.reason}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** Pushes `samples` as 10 ms frames, one per tick, timestamps counting samples (optionally jumping). */
class PcmSource extends Filter {
  readonly type = 'pcm-source';
  #pos = 0;
  constructor(
    private readonly samples: Int16Array,
    private readonly rate = 8000,
    private readonly tsOffset: (pos: number) => number = () => 0,
  ) {
    super({ inputs: 0, outputs: 1 });
  }
  process(): void {
    const n = this.rate / 100;
    if (this.#pos + n > this.samples.length) return;
    this.push(0, { kind: 'audio', samples: this.samples.slice(this.#pos, this.#pos + n), sampleRate: this.rate, channels: 1, timestamp: this.#pos + this.tsOffset(this.#pos) });
    this.#pos += n;
  }
}

/** Pushes a fixed list of frames on the first tick. */
class ListSource extends Filter {
  readonly type = 'list-source';
  #done = false;
  constructor(private readonly frames: Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(_ctx: TickContext): void {
    if (this.#done) return;
    this.#done = true;
    for (const f of this.frames) this.push(0, f);
  }
}

class Capture<F extends Frame = Frame> extends Filter {
  readonly type = 'capture';
  readonly frames: F[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.frames.push(f as F);
  }
}

/** Runs a chain on a virtual-time ticker for `ms`, then detaches (postprocess). */
function run(filters: Filter[], ms: number): void {
  const g = new Graph();
  g.chain(...filters);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(ms);
  t.detach(g);
}

/** Audio frames laid out at their timestamps (samples) in one array of `length`. */
function place(frames: AudioFrame[], length: number): Int16Array {
  const out = new Int16Array(length);
  for (const f of frames) {
    if (f.timestamp >= length) continue;
    out.set(f.samples.subarray(0, Math.min(f.samples.length, length - f.timestamp)), f.timestamp);
  }
  return out;
}

/** Speech-like test signal at 8 kHz: 140 Hz pulses through two resonances, syllable envelope. */
function voiced(n: number): Int16Array {
  const x = new Int16Array(n);
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < n; i++) {
    const a = (i % 57 === 0 ? 6000 : 0) + 1.6 * y1 - 0.9 * y2;
    y2 = y1;
    y1 = a;
    const b = a + 0.6 * z1 - 0.8 * z2;
    z2 = z1;
    z1 = b;
    const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 4000);
    x[i] = Math.max(-32768, Math.min(32767, Math.round(b * 0.25 * env)));
  }
  return x;
}

function encodeAll(input: Int16Array, options: ConstructorParameters<typeof G729Encoder>[0]): { enc: G729Encoder; packets: EncodedFrame[] } {
  const enc = new G729Encoder(options);
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(input), enc, cap], (input.length / 8000) * 1000 + 50);
  return { enc, packets: cap.frames };
}

test('encoder: ptime 20 → two 10-octet frames a packet, timestamps in 8 kHz units, duration, PT 18, marker on the first', (t) => {
  if (!requireLib(t)) return;
  const input = voiced(8000);
  const { enc, packets } = encodeAll(input, { payloadType: 18, fmtp: { annexb: 'no' } });
  assert.equal(packets.length, 50);
  packets.forEach((p, i) => {
    assert.equal(p.data.length, 20, `packet ${i}: 2 frames`);
    assert.equal(p.timestamp, i * 160, `packet ${i}: timestamp`);
    assert.equal(p.duration, 160);
    assert.equal(p.payloadType, 18);
    assert.equal(p.marker, i === 0, `packet ${i}: marker only on the first`);
  });
  assert.equal(enc.annexb, false);
  assert.equal(enc.encoderStats.speechFrames, 100);
  const { packets: p30 } = encodeAll(input, { payloadType: 18, ptimeMs: 30, fmtp: { annexb: 'no' } });
  assert.equal(p30[0]!.data.length, 30, 'ptime 30: 3 frames');
  assert.equal(p30[1]!.timestamp, 240);
});

test('encoder: setPtimeMs mid-stream sends the packet being filled, then packs the new count', (t) => {
  if (!requireLib(t)) return;
  const enc = new G729Encoder({ payloadType: 18, ptimeMs: 30, fmtp: { annexb: 'no' } });
  const cap = new Capture<EncodedFrame>();
  const g = new Graph();
  g.chain(new PcmSource(voiced(4000)), enc, cap);
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor(50); // 5 frames: one 30 ms packet sent, two frames waiting
  enc.setPtimeMs(40);
  tk.runFor(100);
  tk.detach(g);
  assert.equal(enc.stats.errors, 0, 'no error');
  assert.deepEqual(cap.frames.map((p) => [p.timestamp, p.data.length]).slice(0, 4), [[0, 30], [240, 20], [400, 40], [720, 40]]);
});

test('encoder and decoder filters are bit-exact with direct bcg729 calls', (t) => {
  if (!requireLib(t)) return;
  const input = voiced(4000);
  const { packets } = encodeAll(input, { payloadType: 18, fmtp: { annexb: 'no' } });
  const e = new Bcg729Encoder({ vad: false });
  const d = new Bcg729Decoder();
  const bits = new Uint8Array(10);
  const direct = new Int16Array(input.length);
  const stream: number[] = [];
  for (let i = 0; i < input.length; i += 80) {
    e.encode(input.subarray(i, i + 80), bits);
    stream.push(...bits);
    d.decode(bits, direct.subarray(i, i + 80));
  }
  e.destroy();
  d.destroy();
  assert.deepEqual([...packets.flatMap((p) => [...p.data])], stream, 'payload octets = bcg729Encoder output');
  const dec = new G729Decoder({ payloadType: 18 });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(packets), dec, cap], 20);
  assert.deepEqual(place(cap.frames, input.length), direct, 'decoded samples = bcg729Decoder output');
  assert.ok(cap.frames.every((f) => f.sampleRate === 8000 && f.channels === 1 && !f.concealed), 'decoded frames: 8 kHz mono, not concealed');
});

test('quality on hello8000.wav equals the reference decode (bcg729 = mediastream\'s G.729)', (t) => {
  if (!requireLib(t)) return;
  const path = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!path) return;
  const input = readWavFile(path).samples;
  const { packets } = encodeAll(input, { payloadType: 18, fmtp: { annexb: 'no' } });
  const dec = new G729Decoder({ payloadType: 18 });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(packets), dec, cap], 20);
  const ours = place(cap.frames, input.length);
  // Reference: bcg729 called directly, frame by frame (what Mediastreamer2's MSBCG729 filters do;
  // a mediastream → mediastream call over loopback scores the same, see test/interop/g729.test.ts).
  const e = new Bcg729Encoder({ vad: false });
  const d = new Bcg729Decoder();
  const bits = new Uint8Array(10);
  const ref = new Int16Array(input.length);
  for (let i = 0; i + 80 <= input.length; i += 80) {
    e.encode(input.subarray(i, i + 80), bits);
    d.decode(bits, ref.subarray(i, i + 80));
  }
  e.destroy();
  d.destroy();
  const r = toMono8k(input, 8000, 1);
  const sOurs = speechSimilarity(r, toMono8k(ours, 8000, 1), 500);
  const sRef = speechSimilarity(r, toMono8k(ref, 8000, 1), 500);
  console.log(`  G.729 hello8000: similarity ours ${sOurs.score.toFixed(3)}, reference (direct bcg729) ${sRef.score.toFixed(3)}`);
  assert.ok(sOurs.score >= sRef.score - 1e-9, `ours ${sOurs.score} ≥ reference ${sRef.score}`);
});

test('annexb=yes: pauses send SID packets (a SID ends its packet) then nothing; the talkspurt after has the marker', (t) => {
  if (!requireLib(t)) return;
  // 1 s speech, 1 s near-silence, 1 s speech.
  const input = new Int16Array(24000);
  input.set(voiced(8000), 0);
  let seed = 3;
  for (let i = 8000; i < 16000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    input[i] = ((seed >>> 16) % 21) - 10;
  }
  input.set(voiced(8000), 16000);
  const { enc, packets } = encodeAll(input, { payloadType: 18 });
  assert.equal(enc.annexb, true, 'annexb defaults to yes (RFC 4856)');
  const st = enc.encoderStats;
  assert.ok(st.sidFrames > 0 && st.untransmittedFrames > 50, `SID and untransmitted frames in the pause: ${JSON.stringify(st)}`);
  assert.ok(packets.length < 150, `fewer packets than without DTX (${packets.length})`);
  for (const p of packets) {
    assert.ok(p.data.length % 10 === 0 || p.data.length % 10 === 2, `payload of ${p.data.length} octets: frames then at most one SID`);
    assert.equal(p.duration, (Math.floor(p.data.length / 10) + (p.data.length % 10 === 2 ? 1 : 0)) * 80, 'duration counts the SID');
    assert.equal(p.timestamp % 80, 0, 'packets start on frame boundaries');
  }
  for (let i = 1; i < packets.length; i++) {
    assert.ok(packets[i]!.timestamp >= packets[i - 1]!.timestamp + packets[i - 1]!.duration!, 'timestamps increase by at least the previous duration');
  }
  const resumed = packets.find((p) => p.timestamp >= 16000 && p.data.length >= 10);
  assert.ok(resumed !== undefined, 'speech resumes after the pause');
  const firstSpeechAfterPause = packets.filter((p) => p.timestamp >= 12000 && p.data.length >= 10)[0]!;
  assert.equal(firstSpeechAfterPause.marker, true, 'the first speech packet after the pause starts a talkspurt (RFC 3551 §4.1)');
  assert.equal(packets.filter((p) => p.marker).length >= 2, true, 'marker on the first packet and after the pause');
  // And it decodes: comfort noise for SID, concealment for the gaps.
  const dec = new G729Decoder({ payloadType: 18 });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(packets), dec, cap], 20);
  assert.equal(dec.decodeErrors, 0);
  assert.ok(dec.decoderStats.sidFrames > 0, 'SID frames decoded');
});

test('decoder: a lost frame becomes bcg729 concealment of exactly its duration, flagged concealed', (t) => {
  if (!requireLib(t)) return;
  const { packets } = encodeAll(voiced(4000), { payloadType: 18, fmtp: { annexb: 'no' } });
  const lost = (ts: number, duration: number): EncodedFrame => ({ kind: 'encoded', data: new Uint8Array(0), timestamp: ts, marker: false, payloadType: 18, duration, lost: true });
  // Spans need not be whole frames, nor whole samples (the jitter buffer's arithmetic).
  const frames: Frame[] = [...packets.slice(0, 10), lost(1600, 100), lost(1700, 60), ...packets.slice(11, 20), lost(3200.4, 75.7), ...packets.slice(21)];
  const dec = new G729Decoder({ payloadType: 18 });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(frames), dec, cap], 20);
  const concealed = cap.frames.filter((f) => f.concealed);
  assert.deepEqual(concealed.map((f) => [f.timestamp, f.samples.length]), [[1600, 100], [1700, 60], [3200, 76]], 'exactly the lost spans, rounded to samples');
  assert.ok(concealed.every((f) => f.samples.some((v) => v !== 0)), 'concealment after speech is audio, not zeros');
  assert.equal(dec.decoderStats.lostFrames, 3);
  assert.equal(dec.decoderStats.concealedSamples, 236);
  assert.equal(dec.decodeErrors, 0);
  assert.equal(G729_CODEC.hasPlc, true, 'no generic PLC after this decoder');
});

test('decoder: garbage, truncated, empty and oversized payloads never throw; concealed and counted in decodeErrors', (t) => {
  if (!requireLib(t)) return;
  const { packets } = encodeAll(voiced(1600), { payloadType: 18, fmtp: { annexb: 'no' } });
  const bad = (len: number, ts: number, duration?: number): EncodedFrame => {
    const f: EncodedFrame = { kind: 'encoded', data: new Uint8Array(len).fill(0xa5), timestamp: ts, marker: false, payloadType: 18 };
    if (duration !== undefined) f.duration = duration;
    return f;
  };
  const frames: Frame[] = [packets[0]!, bad(7, 160, 160), bad(0, 320, 160), bad(1012, 480), bad(19, 640, 160), packets[5]!];
  const dec = new G729Decoder({ payloadType: 18 });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(frames), dec, cap], 20);
  assert.equal(dec.stats.errors, 0, 'process() never threw');
  assert.equal(dec.decodeErrors, 4);
  const concealed = cap.frames.filter((f) => f.concealed);
  assert.deepEqual(concealed.map((f) => [f.timestamp, f.samples.length]), [[160, 160], [320, 160], [480, 160], [640, 160]], 'each bad payload concealed for its span (the last good duration when unknown)');
  // Random payloads of valid lengths decode (any 80 bits are a G.729 frame) without harm.
  let seed = 11;
  const random: Frame[] = Array.from({ length: 50 }, (_, i) => {
    const d = new Uint8Array(20);
    for (let k = 0; k < d.length; k++) d[k] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    return { kind: 'encoded', data: d, timestamp: i * 160, marker: false, payloadType: 18, duration: 160 } as EncodedFrame;
  });
  const dec2 = new G729Decoder({ payloadType: 18 });
  const cap2 = new Capture<AudioFrame>();
  run([new ListSource(random), dec2, cap2], 20);
  assert.equal(dec2.decodeErrors, 0);
  assert.equal(cap2.frames.length, 50);
});

test('encoder: a jump in input timestamps sends what is ready, drops the partial frame and marks the next packet', (t) => {
  if (!requireLib(t)) return;
  const input = voiced(1600);
  // After 50 ms (400 samples), timestamps jump by 1000.
  const { enc, packets } = (() => {
    const e = new G729Encoder({ payloadType: 18, fmtp: { annexb: 'no' } });
    const cap = new Capture<EncodedFrame>();
    run([new PcmSource(input, 8000, (pos) => (pos >= 400 ? 1000 : 0)), e, cap], 250);
    return { enc: e, packets: cap.frames };
  })();
  assert.deepEqual(packets.map((p) => [p.timestamp, p.data.length, p.marker]).slice(0, 5), [
    [0, 20, true],
    [160, 20, false],
    [320, 10, false], // the short packet sent at the jump
    [1400, 20, true],
    [1560, 20, false],
  ]);
  assert.equal(enc.encoderStats.discontinuities, 1);
});

test('options: ptime and fmtp checked with ConfigErrors; wrong input rate is refused; native state freed at postprocess', (t) => {
  if (!requireLib(t)) return;
  assert.throws(() => new G729Encoder({ payloadType: 18, ptimeMs: 25 }), (e: unknown) => e instanceof ConfigError && /ptimeMs/.test(e.message));
  assert.throws(() => new G729Encoder({ payloadType: 18, fmtp: { annexb: 'maybe' } }), (e: unknown) => e instanceof ConfigError && /annexb/.test(e.message));
  assert.throws(() => new G729Decoder({ payloadType: 128 }), ConfigError);
  const before = [Bcg729Encoder.liveCount, Bcg729Decoder.liveCount];
  const enc = new G729Encoder({ payloadType: 18 });
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(new Int16Array(1600), 16000), enc, cap], 50);
  assert.ok(enc.stats.errors > 0, 'a 16 kHz input is refused (counted by the graph)');
  assert.equal(cap.frames.length, 0);
  const dec = new G729Decoder({ payloadType: 18 });
  run([new ListSource([]), dec, new Capture()], 10);
  assert.deepEqual([Bcg729Encoder.liveCount, Bcg729Decoder.liveCount], before, 'postprocess freed both native states');
});

test('registerG729Codecs: G729/8000, static PT 18, own PLC, payload duration, quiet SID', (t) => {
  if (!requireLib(t)) return;
  const reg = new Registry();
  registerG729Codecs(reg);
  const e = reg.findCodec('g729', 8000);
  assert.ok(e?.available, 'registered as available');
  assert.equal(reg.findCodecByPayloadType(18)?.codec, G729_CODEC);
  assert.equal(G729_CODEC.library?.debianPackage, 'libbcg729-0');
  assert.equal(G729_CODEC.payloadDuration?.(new Uint8Array(22)), 240);
  assert.equal(G729_CODEC.isQuietPayload?.(new Uint8Array(2)), true);
  assert.ok(reg.createEncoder('G729', 8000, 1, { payloadType: 18 }) instanceof G729Encoder, 'creates our encoder');
  assert.ok(reg.createDecoder('G729', 8000, 1, { payloadType: 18 }) instanceof G729Decoder, 'creates our decoder');
});
