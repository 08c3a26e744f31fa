import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { readWavFile } from '../files/wav-reader.js';
import type { Availability } from '../native/loader.js';
import { AmrNbDecoder, AmrNbEncoder, AmrWbDecoder, opencoreLiveStates, probeOpencoreAmrNb, probeOpencoreAmrWb } from '../native/opencore-amr.js';
import { AmrWbEncoder, probeVoAmrWbEnc } from '../native/vo-amrwbenc.js';
import { AMR_NB, AMR_STORAGE_STRIDE, AMR_WB, createAmrFrames, packAmrPayload, parseAmrPayload } from '../rtp/payload/amr.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { AMR_CODEC, AMR_WB_CODEC, AmrDecoder, AmrEncoder, registerAmrCodecs, type AmrEncoderOptions } from './amr.js';

function requireLibs(t: TestContext, wb = false): boolean {
  const probes: Availability[] = wb ? [probeOpencoreAmrWb(), probeVoAmrWbEnc()] : [probeOpencoreAmrNb()];
  const missing = probes.flatMap((a) => (a.available ? [] : [a.reason]));
  if (missing.length === 0) return true;
  const msg = `SKIP: ${missing.join('; ')}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

class PcmSource extends Filter {
  readonly type = 'pcm-source';
  #pos = 0;
  constructor(
    private readonly samples: Int16Array,
    private readonly rate: number,
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

function run(filters: Filter[], ms: number): void {
  const g = new Graph();
  g.chain(...filters);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(ms);
  t.detach(g);
}

function place(frames: AudioFrame[], length: number): Int16Array {
  const out = new Int16Array(length);
  for (const f of frames) {
    if (f.timestamp >= length) continue;
    out.set(f.samples.subarray(0, Math.min(f.samples.length, length - f.timestamp)), f.timestamp);
  }
  return out;
}

/** Speech-like signal at `rate`: 140 Hz pulses through two resonances, syllable envelope. */
function voiced(n: number, rate: number): Int16Array {
  const x = new Int16Array(n);
  const period = Math.round(rate / 140);
  const r1 = 2 * 0.95 * Math.cos((2 * Math.PI * 500) / rate);
  const r2 = 2 * 0.9 * Math.cos((2 * Math.PI * 1500) / rate);
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  for (let i = 0; i < n; i++) {
    const a = (i % period === 0 ? 3000 : 0) + r1 * y1 - 0.9025 * y2;
    y2 = y1;
    y1 = a;
    const b = a + r2 * z1 - 0.81 * z2;
    z2 = z1;
    z1 = b;
    const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (rate / 2));
    x[i] = Math.max(-32768, Math.min(32767, Math.round(b * 0.5 * env)));
  }
  return x;
}

const variants = [
  { v: 'nb' as const, info: AMR_NB, rate: 8000, pt: 113, fs: 160 },
  { v: 'wb' as const, info: AMR_WB, rate: 16000, pt: 115, fs: 320 },
];

function encodeAll(v: 'nb' | 'wb', input: Int16Array, options: AmrEncoderOptions, tsOffset?: (pos: number) => number): { enc: AmrEncoder; packets: EncodedFrame[] } {
  const rate = v === 'nb' ? 8000 : 16000;
  const enc = new AmrEncoder(v, options);
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(input, rate, tsOffset), enc, cap], (input.length / rate) * 1000 + 50);
  return { enc, packets: cap.frames };
}

function decodeAll(v: 'nb' | 'wb', frames: Frame[], fmtp?: Record<string, string>): { dec: AmrDecoder; out: AudioFrame[] } {
  const dec = new AmrDecoder(v, { payloadType: v === 'nb' ? 113 : 115, ...(fmtp ? { fmtp } : {}) });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(frames), dec, cap], 20);
  return { dec, out: cap.frames };
}

/** Frame types of a payload's ToC. */
function fts(v: 'nb' | 'wb', payload: Uint8Array, octetAligned: boolean): number[] {
  const f = createAmrFrames();
  const err = parseAmrPayload(v === 'nb' ? AMR_NB : AMR_WB, octetAligned, payload, f);
  assert.equal(err, undefined, `our payload parses: ${err}`);
  return [...f.ft.subarray(0, f.count)];
}

for (const { v, info, rate, pt, fs } of variants) {
  test(`${info.mime} encoder: one 20 ms frame a packet, timestamps in clock units, marker on the first, octet-aligned sizes`, (t) => {
    if (!requireLibs(t, v === 'wb')) return;
    const input = voiced(rate, rate);
    const { enc, packets } = encodeAll(v, input, { payloadType: pt, fmtp: { 'octet-align': '1' } });
    assert.equal(enc.mode, info.modes - 1, 'default: the highest mode of the mode-set');
    assert.equal(packets.length, 50);
    const size = 2 + Math.ceil(info.frameBits[info.modes - 1]! / 8);
    packets.forEach((p, i) => {
      assert.equal(p.data.length, size, `packet ${i}: CMR + ToC + frame`);
      assert.equal(p.data[0], 0xf0, 'CMR 15 (no request)');
      assert.equal(p.timestamp, i * fs);
      assert.equal(p.duration, fs);
      assert.equal(p.payloadType, pt);
      assert.equal(p.marker, i === 0, `packet ${i}: marker only on the first`);
    });
    const { packets: p60 } = encodeAll(v, input, { payloadType: pt, ptimeMs: 60, fmtp: { 'octet-align': '1' } });
    assert.deepEqual(fts(v, p60[0]!.data, true), [info.modes - 1, info.modes - 1, info.modes - 1], 'ptime 60: three frames a packet');
    assert.equal(p60[1]!.timestamp, 3 * fs);
    assert.equal(p60[1]!.duration, 3 * fs);
  });

  test(`${info.mime}: filters are bit-exact with direct library calls, in both payload modes`, (t) => {
    if (!requireLibs(t, v === 'wb')) return;
    const input = voiced(rate / 2, rate);
    const frame = new Uint8Array(64);
    const enc = v === 'nb' ? new AmrNbEncoder({ dtx: false }) : new AmrWbEncoder({ dtx: false });
    const dec = v === 'nb' ? new AmrNbDecoder() : new AmrWbDecoder();
    const mode = v === 'nb' ? 5 : 2;
    const direct = new Int16Array(input.length);
    const storage = new Uint8Array(25 * AMR_STORAGE_STRIDE);
    for (let i = 0, k = 0; i < input.length; i += fs, k++) {
      frame.fill(0);
      enc.encode(mode, input.subarray(i, i + fs), frame);
      storage.set(frame, k * AMR_STORAGE_STRIDE);
      dec.decode(frame, direct.subarray(i, i + fs), false);
    }
    enc.destroy();
    dec.destroy();
    for (const oa of [true, false]) {
      const fmtp = { 'octet-align': oa ? '1' : '0' };
      const { packets } = encodeAll(v, input, { payloadType: pt, mode, fmtp });
      packets.forEach((p, k) =>
        assert.deepEqual(p.data, packAmrPayload(info, oa, 15, storage.subarray(k * AMR_STORAGE_STRIDE), AMR_STORAGE_STRIDE, 1), `${oa ? 'OA' : 'BE'} packet ${k}`),
      );
      const { dec: d, out } = decodeAll(v, packets, fmtp);
      assert.equal(d.decodeErrors, 0);
      assert.deepEqual(place(out, input.length), direct, `${oa ? 'OA' : 'BE'}: decoded samples = direct decode`);
      // Three frames a packet: the same samples.
      const { packets: p60 } = encodeAll(v, input, { payloadType: pt, mode, fmtp, ptimeMs: 60 });
      const { out: out60 } = decodeAll(v, p60, fmtp);
      const n60 = Math.floor(input.length / (3 * fs)) * 3 * fs;
      assert.deepEqual(place(out60, input.length).subarray(0, n60), direct.subarray(0, n60), `${oa ? 'OA' : 'BE'}, 60 ms packets: decoded samples = direct decode`);
    }
  });

  test(`${info.mime}: a lost frame is concealed by the codec for exactly its duration; garbage is counted, never thrown`, (t) => {
    if (!requireLibs(t, v === 'wb')) return;
    const { packets } = encodeAll(v, voiced(rate / 2, rate), { payloadType: pt, fmtp: { 'octet-align': '1' } });
    const lost = (ts: number, duration: number): EncodedFrame => ({ kind: 'encoded', data: new Uint8Array(0), timestamp: ts, marker: false, payloadType: pt, duration, lost: true });
    const junk = (data: Uint8Array, ts: number): EncodedFrame => ({ kind: 'encoded', data, timestamp: ts, marker: false, payloadType: pt, duration: fs });
    const frames: Frame[] = [
      ...packets.slice(0, 5),
      lost(5 * fs, fs + 40),
      lost(6 * fs + 40, fs - 40),
      junk(new Uint8Array([0xf0, 0x4c]), 7 * fs), // ToC of a 12.2/12.65 frame, no data
      junk(new Uint8Array(0), 8 * fs),
      junk(new Uint8Array(3000).fill(0xff), 9 * fs),
      junk(new Uint8Array([0xf0, (12 << 3) | 4]), 10 * fs), // reserved FT
      ...packets.slice(11, 15),
      lost(15 * fs + 0.4, 99.6), // fractional spans are rounded to samples
      ...packets.slice(16),
    ];
    const { dec, out } = decodeAll(v, frames, { 'octet-align': '1' });
    assert.equal(dec.stats.errors, 0, 'process() never threw');
    assert.equal(dec.decodeErrors, 4);
    const concealed = out.filter((f) => f.concealed);
    assert.deepEqual(concealed.map((f) => [f.timestamp, f.samples.length]), [
      [5 * fs, fs + 40],
      [6 * fs + 40, fs - 40],
      [7 * fs, fs],
      [8 * fs, fs],
      [9 * fs, fs],
      [10 * fs, fs],
      [15 * fs, 100],
    ]);
    assert.ok(concealed[0]!.samples.some((x) => x !== 0), 'concealment after speech is audio');
    assert.equal(AMR_CODEC.hasPlc && AMR_WB_CODEC.hasPlc, true);
  });

  test(`${info.mime} CMR: the decoder emits the peer's request, the encoder follows it within the mode-set`, (t) => {
    if (!requireLibs(t, v === 'wb')) return;
    const input = voiced(rate, rate);
    // Our encoder, restricted to a mode-set; the peer asks for mode 4 (then 1) in its CMR.
    const fmtp = { 'octet-align': '1', 'mode-set': v === 'nb' ? '0,2,5,7' : '0,1,2,8' };
    const enc = new AmrEncoder(v, { payloadType: pt, fmtp });
    const dec = new AmrDecoder(v, { payloadType: pt, fmtp });
    const seen: number[] = [];
    dec.on('cmr', (m) => {
      seen.push(m);
      enc.setMode(m);
    });
    // Peer packets: CMR 4 in the first ten, 15 (no request) in the next ten, then CMR 1.
    const peer = encodeAll(v, input, { payloadType: pt, fmtp: { 'octet-align': '1' } }).packets.slice(0, 30);
    peer.forEach((p, i) => (p.data[0] = (i < 10 ? 4 : i < 20 ? 15 : 1) << 4));
    // Interleave: the peer's packets reach our decoder while our encoder runs (one per tick).
    class Feed extends Filter {
      readonly type = 'feed';
      constructor() {
        super({ inputs: 0, outputs: 1 });
      }
      process(ctx: TickContext): void {
        // From 100 ms on, one packet every 20 ms.
        const i = (ctx.tick - 10) / 2;
        if (Number.isInteger(i) && i >= 0 && i < peer.length) this.push(0, peer[i]!);
      }
    }
    const capDec = new Capture<AudioFrame>();
    const capEnc = new Capture<EncodedFrame>();
    const g = new Graph();
    g.chain(new Feed(), dec, capDec);
    g.chain(new PcmSource(input, rate), enc, capEnc);
    const tk = new Ticker({ clock: 'virtual' });
    tk.attach(g);
    tk.runFor(1000);
    tk.detach(g);
    assert.deepEqual(seen, [4, 1], 'one event per change of request; 15 (no request) is not one');
    assert.equal(dec.peerCmr, 1);
    const modes = capEnc.frames.map((p) => fts(v, p.data, true)[0]!);
    const expect4 = v === 'nb' ? 2 : 2; // mode 4 requested → the highest of the set ≤ 4
    const expect1 = v === 'nb' ? 0 : 1;
    assert.ok(modes.slice(0, 5).every((m) => m === info.modes - 1), `starts at the highest mode of the set (got ${modes.slice(0, 8).join(',')})`);
    assert.ok(modes.slice(7, 25).every((m) => m === expect4), `after CMR 4: mode ${expect4} (got ${modes.slice(0, 30).join(',')})`);
    assert.ok(modes.slice(28).every((m) => m === expect1), `after CMR 1: mode ${expect1} (got ${modes.slice(20).join(',')})`);
    assert.equal(enc.mode, expect1);
    assert.ok(enc.encoderStats.modeChanges >= 2, 'mode changes counted');
  });
}

test('fuzz: random payloads in both modes, AMR and AMR-WB, never throw; each gives its span of audio', (t) => {
  if (!requireLibs(t) || !requireLibs(t, true)) return;
  let seed = 2024;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  for (const { v, pt, fs } of variants) {
    for (const oa of ['1', '0']) {
      const frames: Frame[] = [];
      for (let i = 0; i < 600; i++) {
        const len = rnd() % 4 === 0 ? rnd() % 8 : rnd() % 130;
        const data = new Uint8Array(len);
        for (let k = 0; k < len; k++) data[k] = rnd() & 0xff;
        // Some with a plausible header: CMR 15 and a last ToC entry of a real mode.
        if (len > 1 && i % 3 === 0) {
          data[0] = oa === '1' ? 0xf0 : 0xf0 | (data[0]! & 0x07);
          if (oa === '1') data[1] = ((rnd() % 10) << 3) | 4;
        }
        frames.push({ kind: 'encoded', data, timestamp: i * fs, marker: false, payloadType: pt, duration: fs });
      }
      const { dec, out } = decodeAll(v, frames, { 'octet-align': oa });
      assert.equal(dec.stats.errors, 0, `${v} octet-align=${oa}: process() never threw`);
      assert.ok(dec.decodeErrors > 300, `${v} octet-align=${oa}: most random payloads refused (${dec.decodeErrors})`);
      assert.ok(out.every((f) => f.samples.length > 0 && f.samples.length % fs === 0), 'whole frames of audio for every payload');
      assert.equal(out.length, frames.length, 'one audio frame per payload, decoded or concealed');
    }
  }
});

test('mode-change-neighbor and mode-change-period: one step of the set every other frame (RFC 4867 §8.1)', (t) => {
  if (!requireLibs(t)) return;
  const input = voiced(8000, 8000);
  const enc = new AmrEncoder('nb', { payloadType: 113, fmtp: { 'octet-align': '1', 'mode-set': '0,2,5,7', 'mode-change-neighbor': '1', 'mode-change-period': '2' } });
  enc.setMode(0);
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(input, 8000), enc, cap], 200);
  const modes = cap.frames.map((p) => fts('nb', p.data, true)[0]!);
  assert.deepEqual(modes.slice(0, 8), [5, 5, 2, 2, 0, 0, 0, 0], 'steps 7 → 5 → 2 → 0, changing only on even frames');
});

test('setPtimeMs mid-stream sends the packet being filled, then packs the new count', (t) => {
  if (!requireLibs(t)) return;
  const enc = new AmrEncoder('nb', { payloadType: 113, ptimeMs: 60, fmtp: { 'octet-align': '1' } });
  const cap = new Capture<EncodedFrame>();
  const g = new Graph();
  g.chain(new PcmSource(voiced(8000, 8000), 8000), enc, cap);
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor(100); // 5 frames: one 60 ms packet sent, two frames waiting
  enc.setPtimeMs(40);
  tk.runFor(200);
  tk.detach(g);
  assert.equal(enc.stats.errors, 0, 'no error');
  assert.deepEqual(cap.frames.map((p) => [p.timestamp, fts('nb', p.data, true).length]).slice(0, 4), [[0, 3], [480, 2], [800, 2], [1120, 2]]);
});

test('setCmr: our packets carry the mode we ask the peer for; setBitrate picks the mode', (t) => {
  if (!requireLibs(t)) return;
  const input = voiced(1600, 8000);
  const enc = new AmrEncoder('nb', { payloadType: 113, bitrate: 8000, fmtp: { 'octet-align': '1' } });
  assert.equal(enc.mode, 5, '8000 bit/s → 7.95 kbit/s mode');
  assert.equal(enc.bitrate, 7950);
  enc.setCmr(3);
  assert.equal(enc.cmr, 3);
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(input, 8000), enc, cap], 250);
  assert.ok(cap.frames.every((p) => p.data[0] === 0x30), 'CMR 3 in every packet');
  assert.throws(() => enc.setCmr(9), ConfigError);
  enc.setBitrate(12200);
  assert.equal(enc.targetMode, 7);
  assert.throws(() => enc.setBitrate(100), (e: unknown) => e instanceof ConfigError && /4750/.test(e.message));
});

test('DTX: SID packets in pauses, NO_DATA-only packets not sent, marker on the talkspurt after; it decodes', (t) => {
  if (!requireLibs(t)) return;
  const input = new Int16Array(24000);
  input.set(voiced(8000, 8000), 0);
  input.set(voiced(8000, 8000), 16000);
  const { enc, packets } = encodeAll('nb', input, { payloadType: 113, dtx: true, fmtp: { 'octet-align': '1' } });
  const st = enc.encoderStats;
  assert.ok(st.sidFrames > 0 && st.packetsSuppressed > 20, `SID frames and suppressed packets: ${JSON.stringify(st)}`);
  assert.equal(st.packetsOut + st.packetsSuppressed, 150);
  const kinds = packets.map((p) => fts('nb', p.data, true)[0]!);
  assert.ok(kinds.includes(8), 'SID packets sent');
  assert.ok(!kinds.includes(15), 'no packet of NO_DATA alone');
  const resume = packets.findIndex((p, i) => p.timestamp >= 12000 && kinds[i]! < 8);
  assert.ok(resume > 0 && packets[resume]!.marker, 'the first speech packet after the pause has the marker (RFC 4867 §4.1)');
  assert.equal(packets.filter((p) => p.marker).length, 2, 'marker on the first packet and on the talkspurt only');
  const { dec } = decodeAll('nb', packets, { 'octet-align': '1' });
  assert.equal(dec.decodeErrors, 0);
  assert.ok(dec.decoderStats.sidFrames > 0, 'SID frames decoded');
});

test('damaged frames (Q = 0) are decoded as bad frames and counted', (t) => {
  if (!requireLibs(t)) return;
  const { packets } = encodeAll('nb', voiced(1600, 8000), { payloadType: 113, fmtp: { 'octet-align': '1' } });
  packets[3]!.data[1] = packets[3]!.data[1]! & ~0x04;
  const { dec, out } = decodeAll('nb', packets, { 'octet-align': '1' });
  assert.equal(dec.decoderStats.damagedFrames, 1);
  assert.equal(dec.decodeErrors, 0);
  assert.equal(out.length, packets.length);
});

test('quality on the reference speech equals the direct library decode (AMR 12.2 / AMR-WB 23.85)', (t) => {
  if (!requireLibs(t, true) || !requireLibs(t)) return;
  for (const { v, rate, pt, fs, file } of [
    { v: 'nb' as const, rate: 8000, pt: 113, fs: 160, file: 'hello8000.wav' },
    { v: 'wb' as const, rate: 16000, pt: 115, fs: 320, file: 'hello16000.wav' },
  ]) {
    const path = sharedFile(t, 'data', 'ms2', 'sounds', file);
    if (!path) return;
    const input = readWavFile(path).samples;
    const { packets } = encodeAll(v, input, { payloadType: pt, fmtp: { 'octet-align': '1' } });
    const { out } = decodeAll(v, packets, { 'octet-align': '1' });
    const ours = place(out, input.length);
    const enc = v === 'nb' ? new AmrNbEncoder({ dtx: false }) : new AmrWbEncoder({ dtx: false });
    const dec = v === 'nb' ? new AmrNbDecoder() : new AmrWbDecoder();
    const ref = new Int16Array(input.length);
    const frame = new Uint8Array(64);
    for (let i = 0; i + fs <= input.length; i += fs) {
      enc.encode(v === 'nb' ? 7 : 8, input.subarray(i, i + fs), frame);
      dec.decode(frame, ref.subarray(i, i + fs), false);
    }
    enc.destroy();
    dec.destroy();
    const r = toMono8k(input, rate, 1);
    const sOurs = speechSimilarity(r, toMono8k(ours, rate, 1), 500);
    const sRef = speechSimilarity(r, toMono8k(ref, rate, 1), 500);
    console.log(`  ${v === 'nb' ? 'AMR 12.2' : 'AMR-WB 23.85'} ${file}: similarity ours ${sOurs.score.toFixed(3)}, reference (direct opencore/vo-amrwbenc) ${sRef.score.toFixed(3)}`);
    assert.ok(sOurs.score >= sRef.score - 1e-9, `ours ${sOurs.score} ≥ reference ${sRef.score}`);
  }
});

test('options and fmtp: ConfigErrors for what is invalid or unsupported; postprocess frees native states', (t) => {
  if (!requireLibs(t)) return;
  assert.throws(() => new AmrEncoder('nb', { payloadType: 113, ptimeMs: 30 }), (e: unknown) => e instanceof ConfigError && /ptimeMs/.test(e.message));
  assert.throws(() => new AmrEncoder('nb', { payloadType: 113, fmtp: { crc: '1' } }), (e: unknown) => e instanceof ConfigError && /crc/.test(e.message));
  assert.throws(() => new AmrDecoder('nb', { payloadType: 113, fmtp: { 'octet-align': '2' } }), (e: unknown) => e instanceof ConfigError && /octet-align/.test(e.message));
  assert.throws(() => new AmrEncoder('nb', { payloadType: 113, mode: 8 }), (e: unknown) => e instanceof ConfigError && /0–7/.test(e.message));
  const before = opencoreLiveStates();
  const enc = new AmrEncoder('nb', { payloadType: 113 });
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(new Int16Array(1600), 16000), enc, cap], 50);
  assert.ok(enc.stats.errors > 0, 'a 16 kHz input to AMR-NB is refused');
  const dec = new AmrDecoder('nb', { payloadType: 113 });
  run([new ListSource([]), dec, new Capture()], 10);
  assert.deepEqual(opencoreLiveStates(), before, 'postprocess freed the native states');
});

test('registerAmrCodecs: AMR/8000 PT 113 and AMR-WB/16000 PT 115, own PLC', (t) => {
  if (!requireLibs(t, true) || !requireLibs(t)) return;
  const reg = new Registry();
  registerAmrCodecs(reg);
  assert.ok(reg.findCodec('amr', 8000)?.available, 'AMR available');
  assert.ok(reg.findCodec('AMR-WB', 16000)?.available, 'AMR-WB available');
  assert.equal(reg.findCodecByPayloadType(113)?.codec, AMR_CODEC);
  assert.equal(reg.findCodecByPayloadType(115)?.codec, AMR_WB_CODEC);
  assert.equal(AMR_WB_CODEC.sampleRate, 16000);
  assert.match(AMR_WB_CODEC.library?.debianPackage ?? '', /libvo-amrwbenc0/);
  const sid = packAmrPayload(AMR_NB, true, 15, new Uint8Array([(8 << 3) | 4, 1, 2, 3, 4, 5, ...new Array(58).fill(0)]), AMR_STORAGE_STRIDE, 1);
  assert.equal(AMR_CODEC.isQuietPayload?.(sid), true);
  assert.equal(AMR_CODEC.payloadDuration?.(sid), 160);
  assert.ok(reg.createEncoder('AMR', 8000, 1, { payloadType: 113 }) instanceof AmrEncoder, 'creates our encoder');
  assert.ok(reg.createDecoder('AMR-WB', 16000, 1, { payloadType: 115 }) instanceof AmrDecoder, 'creates our decoder');
});
