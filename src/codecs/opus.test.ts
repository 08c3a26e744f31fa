/**
 * Opus filters: packetisation and timestamps, the fmtp parameters, quality against the reference
 * tools (opusenc/opusdec and ffmpeg's libopus, same libopus, same bitrate), in-band FEC under a
 * seeded 10 % loss (filter level and through a whole AudioStream call), DTX, bad payloads.
 */
import { writeWavFile } from '../files/wav-writer.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { VirtualClock } from '../core/clock.js';
import { readWavFile } from '../files/wav-reader.js';
import { LoopbackPair } from '../net/impaired-transport.js';
import { OpusDecoderState, OpusEncoderState, opusPacketSamples } from '../native/opus.js';
import { SpeexResampler } from '../native/speexdsp.js';
import { isOpusPacketError, opusPayloadDuration, opusPayloadHasFec, parseOpusPacket, parseOpusToc } from '../rtp/payload/opus.js';
import { AudioStream } from '../streams/audio-stream.js';
import { CallbackFilter } from '../streams/callback-filter.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import {
  createOpusDecoder,
  createOpusEncoder,
  OPUS_CODEC,
  OpusDecoder,
  OpusEncoder,
  registerOpusCodecs,
  type OpusDecoderOptions,
  type OpusEncoderOptions,
} from './opus.js';

// ─────────────────────────────────────────────────────────────────────────────── helpers ──

/** Pushes audio in 10 ms frames, one a tick. */
class PcmSource extends Filter {
  readonly type = 'test-pcm-source';
  #pos = 0;
  constructor(
    private readonly pcm: Int16Array,
    private readonly rate: number,
    private readonly channels = 1,
    private readonly tsJump: (pos: number) => number = () => 0,
  ) {
    super({ inputs: 0, outputs: 1 });
  }
  process(): void {
    const n = this.rate / 100;
    if (this.#pos * this.channels >= this.pcm.length) return;
    const s = this.pcm.slice(this.#pos * this.channels, (this.#pos + n) * this.channels);
    this.push(0, { kind: 'audio', samples: s, sampleRate: this.rate, channels: this.channels, timestamp: this.#pos + this.tsJump(this.#pos) });
    this.#pos += n;
  }
}

/** Pushes a list of items per tick (tick index → frames). */
class ScriptSource extends Filter {
  readonly type = 'test-script-source';
  constructor(private readonly script: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    for (const f of this.script(ctx.tick)) this.push(0, f);
  }
}

class Capture<F extends Frame = Frame> extends Filter {
  readonly type = 'test-capture';
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

/** Encodes PCM (10 ms frames a tick) and returns the packets. */
function encode(options: OpusEncoderOptions, pcm: Int16Array, rate = 48000, channels = 1, tsJump?: (pos: number) => number): { packets: EncodedFrame[]; enc: OpusEncoder } {
  const enc = createOpusEncoder(options);
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(pcm, rate, channels, tsJump), enc, cap], (pcm.length / channels / rate) * 1000 + 50);
  return { packets: cap.frames, enc };
}

/** Decodes items (`lost` frames included), `perTick` items a tick; returns the decoder and what it output. */
function decode(options: OpusDecoderOptions, items: EncodedFrame[], perTick = 1): { dec: OpusDecoder; frames: AudioFrame[]; pcm: Int16Array } {
  const dec = createOpusDecoder(options);
  const cap = new Capture<AudioFrame>();
  run([new ScriptSource((t) => items.slice(t * perTick, (t + 1) * perTick)), dec, cap], (items.length / perTick) * 10 + 30);
  let n = 0;
  for (const f of cap.frames) n += f.samples.length;
  const pcm = new Int16Array(n);
  let o = 0;
  for (const f of cap.frames) {
    pcm.set(f.samples, o);
    o += f.samples.length;
  }
  return { dec, frames: cap.frames, pcm };
}

function lost(timestamp: number, duration: number): EncodedFrame {
  return { kind: 'encoded', data: new Uint8Array(0), timestamp, marker: false, payloadType: 114, duration, lost: true };
}

function pkt(data: Uint8Array, timestamp: number, duration?: number): EncodedFrame {
  return { kind: 'encoded', data, timestamp, marker: false, payloadType: 114, ...(duration !== undefined ? { duration } : {}) };
}

/** A voiced-like test signal (two harmonics with a slow vibrato). */
function tone(n: number, rate: number, channels = 1, amp = 8000): Int16Array {
  const out = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const f0 = 180 + 20 * Math.sin(2 * Math.PI * 3 * t);
    const v = amp * Math.sin(2 * Math.PI * f0 * t) + (amp / 3) * Math.sin(2 * Math.PI * 3 * f0 * t);
    for (let c = 0; c < channels; c++) out[i * channels + c] = Math.round(c === 0 ? v : -v);
  }
  return out;
}

/** xorshift32, for seeded loss and fuzz. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** The reference speech at 48 kHz mono (hello16000.wav upsampled), with its 8 kHz mono copy for similarity. */
function speech48k(t: TestContext): { pcm: Int16Array; ref8k: Float64Array; path16k: string } | undefined {
  const p = sharedFile(t, 'data', 'ms2', 'sounds', 'hello16000.wav');
  if (!p) return undefined;
  const w = readWavFile(p);
  const r = new SpeexResampler({ channels: 1, inputRate: w.sampleRate, outputRate: 48000, quality: 8 });
  r.skipZeros();
  const pcm = r.process(Int16Array.from([...w.samples, ...new Int16Array(w.sampleRate / 10)])).slice(0, w.samples.length * (48000 / w.sampleRate));
  r.destroy();
  return { pcm, ref8k: toMono8k(w.samples, w.sampleRate, 1), path16k: p };
}

function haveTool(t: TestContext, tool: string, pkg: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    return true;
  } catch {
    const msg = `SKIP: reference tool missing on PATH: ${tool} (Debian package ${pkg}); install with scripts/setup`;
    console.error(msg);
    t.skip(msg);
    return false;
  }
}

function writeWav(path: string, pcm: Int16Array, rate: number): void {
  writeWavFile(path, pcm, rate, 1);
}

// ─────────────────────────────────────────────────────────────────────────── descriptor ──

test('descriptor: opus/48000/2, PT 114, own PLC, durations from the TOC; registration is idempotent', () => {
  assert.equal(OPUS_CODEC.mime, 'opus');
  assert.equal(OPUS_CODEC.clockRate, 48000);
  assert.equal(OPUS_CODEC.channels, 2);
  assert.equal(OPUS_CODEC.sampleRate, 48000);
  assert.equal(OPUS_CODEC.defaultPayloadType, 114);
  assert.equal(OPUS_CODEC.hasPlc, true);
  assert.equal(OPUS_CODEC.library?.debianPackage, 'libopus0');
  assert.equal(OPUS_CODEC.payloadDuration?.(new Uint8Array([(3 << 3) | 0, 1, 2])), 2880);
  assert.equal(OPUS_CODEC.isQuietPayload?.(new Uint8Array([9 << 3])), true);
  const reg = new Registry();
  registerOpusCodecs(reg);
  const e = reg.findCodec('OPUS', 48000, 2);
  assert.ok(e?.available, 'opus/48000/2 registered and available');
  assert.equal(reg.findCodecByPayloadType(114)?.codec, OPUS_CODEC);
  registerOpusCodecs(reg);
  assert.equal(reg.listCodecs().length, 1);
  assert.ok(reg.createEncoder('opus', 48000, 2, { payloadType: 114 }) instanceof OpusEncoder, 'creates the encoder');
  assert.ok(reg.createDecoder('opus', 48000, 2, { payloadType: 114 }) instanceof OpusDecoder, 'creates the decoder');
});

// ────────────────────────────────────────────────────────────────────────────── encoder ──

test('encoder: 10 ms input → 20 ms packets; timestamps and durations in 48 kHz units; marker on the first; PT', () => {
  const { packets, enc } = encode({ payloadType: 101 }, tone(4800, 48000));
  assert.equal(packets.length, 5);
  packets.forEach((p, i) => {
    assert.equal(p.timestamp, i * 960);
    assert.equal(p.duration, 960);
    assert.equal(p.marker, i === 0);
    assert.equal(p.payloadType, 101);
    assert.equal(opusPayloadDuration(p.data), 960);
    assert.equal(parseOpusToc(p.data[0]!).stereo, false, 'mono by default (stereo=0)');
  });
  assert.equal(enc.bitrate, 32000);
  assert.deepEqual(enc.encoderStats, { framesIn: 10, samplesIn: 4800, encoded: 5, packetsOut: 5, bytesOut: packets.reduce((a, p) => a + p.data.length, 0), dtxFrames: 0, discontinuities: 0 });
  assert.equal(OPUS_CODEC.createEncoder({ payloadType: 114 }).type, 'opus-encoder');
});

test('encoder: ptime 10/40/60/120 ms (each one packet whose TOC says so); other rates scale timestamps to 48 kHz', () => {
  for (const ptime of [10, 40, 60, 120]) {
    const { packets } = encode({ payloadType: 114, ptimeMs: ptime }, tone(48 * 240, 48000));
    assert.equal(packets.length, 240 / ptime, `ptime ${ptime}`);
    for (const [i, p] of packets.entries()) {
      assert.equal(p.duration, ptime * 48);
      assert.equal(p.timestamp, i * ptime * 48);
      assert.equal(opusPacketSamples(p.data), ptime * 48, `libopus agrees on ptime ${ptime}`);
    }
  }
  // setPtimeMs: from the next packet on.
  const enc = createOpusEncoder({ payloadType: 114 });
  const cap = new Capture<EncodedFrame>();
  const src = new PcmSource(tone(48 * 200, 48000), 48000);
  const g = new Graph();
  g.chain(src, enc, cap);
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor(30); // 30 ms in: one 20 ms packet out, 10 ms buffered
  enc.setPtimeMs(40);
  assert.equal(enc.ptimeMs, 40);
  tk.runFor(200);
  tk.detach(g);
  assert.deepEqual(cap.frames.map((p) => p.duration), [960, 960, 1920, 1920, 1920, 1920], 'the packet in progress keeps 20 ms, then 40 ms');
  assert.deepEqual(cap.frames.map((p) => p.timestamp), [0, 960, 1920, 3840, 5760, 7680]);
  for (const rate of [8000, 12000, 16000, 24000]) {
    const { packets } = encode({ payloadType: 114 }, tone(rate / 10, rate), rate);
    assert.deepEqual(packets.map((p) => p.timestamp), [0, 960, 1920, 2880, 3840], `RFC 7587 §4.1: 48 kHz timestamps at ${rate} Hz`);
  }
});

test('encoder: stereo input is downmixed unless the receiver says stereo=1; maxplaybackrate caps the bandwidth; cbr=1', () => {
  const st = tone(9600, 48000, 2);
  const mono = encode({ payloadType: 114 }, st, 48000, 2);
  assert.equal(mono.enc.codedChannels, 1);
  assert.ok(mono.packets.every((p) => !parseOpusToc(p.data[0]!).stereo), 'stereo=0 (default): mono packets (RFC 7587 §7.1)');
  const stereo = encode({ payloadType: 114, fmtp: { stereo: '1' } }, st, 48000, 2);
  assert.equal(stereo.enc.codedChannels, 2);
  assert.equal(stereo.enc.bitrate, 64000, 'stereo default: 64 kbit/s');
  assert.ok(stereo.packets.every((p) => parseOpusToc(p.data[0]!).stereo), 'stereo=1: stereo packets');
  const wb = encode({ payloadType: 114, fmtp: { maxplaybackrate: '16000' } }, tone(9600, 48000));
  assert.ok(wb.packets.every((p) => ['nb', 'mb', 'wb'].includes(parseOpusToc(p.data[0]!).bandwidth)), 'maxplaybackrate=16000: at most wideband');
  const nb = encode({ payloadType: 114, fmtp: { maxplaybackrate: '8000' } }, tone(9600, 48000));
  assert.ok(nb.packets.every((p) => parseOpusToc(p.data[0]!).bandwidth === 'nb'), 'maxplaybackrate=8000: narrowband');
  const cbr = encode({ payloadType: 114, bitrate: 24000, fmtp: { cbr: '1' } }, tone(9600, 48000));
  assert.deepEqual([...new Set(cbr.packets.map((p) => p.data.length))], [60], 'cbr=1: 24 kbit/s × 20 ms = 60 bytes every packet');
  assert.equal(cbr.enc.config.vbr, false);
});

test('encoder: fmtp limits (maxaveragebitrate, maxptime, minptime, ptime, useinbandfec, usedtx) and option validation', () => {
  const capped = new OpusEncoder({ payloadType: 114, bitrate: 64000, fmtp: { maxaveragebitrate: '20000' } });
  assert.equal(capped.bitrate, 20000, 'maxaveragebitrate caps an explicit bitrate (RFC 7587 §7.1)');
  capped.setBitrate(12000);
  assert.equal(capped.bitrate, 12000);
  assert.equal(new OpusEncoder({ payloadType: 114, ptimeMs: 60, fmtp: { maxptime: '40' } }).ptimeMs, 40);
  assert.equal(new OpusEncoder({ payloadType: 114, fmtp: { ptime: '40' } }).ptimeMs, 40);
  assert.equal(new OpusEncoder({ payloadType: 114, fmtp: { ptime: '30' } }).ptimeMs, 20, 'an fmtp ptime of 30 ms rounds down to an Opus duration');
  assert.equal(new OpusEncoder({ payloadType: 114, ptimeMs: 10, fmtp: { minptime: '20' } }).ptimeMs, 20);
  const c = new OpusEncoder({ payloadType: 114, fmtp: { useinbandfec: '1', usedtx: '1', 'a-new-one': 'x' } }).config;
  assert.deepEqual([c.fec, c.packetLossPercent, c.dtx], [true, 10, true]);
  const explicit = new OpusEncoder({ payloadType: 114, fec: false, dtx: false, fmtp: { useinbandfec: '1', usedtx: '1' } }).config;
  assert.deepEqual([explicit.fec, explicit.packetLossPercent, explicit.dtx], [false, 0, false], 'options win over preferences');
  const bad: [OpusEncoderOptions, RegExp][] = [
    [{ payloadType: 114, bitrate: 5000 }, /bitrate must be a whole number 6000–510000 bit\/s/],
    [{ payloadType: 114, bitrate: 600000 }, /bitrate must be a whole number 6000–510000/],
    [{ payloadType: 114, ptimeMs: 30 }, /ptimeMs must be one of 10, 20, 40, 60, 80, 100, 120 ms/],
    [{ payloadType: 114, complexity: 11 }, /complexity must be a whole number 0–10/],
    [{ payloadType: 114, packetLossPercent: 120 }, /packetLossPercent must be a whole number 0–100/],
    [{ payloadType: 200 }, /payloadType must be a whole number 0–127/],
    [{ payloadType: 114, fmtp: { maxplaybackrate: '4000' } }, /opus-encoder fmtp: maxplaybackrate must be a whole number of Hz 8000–48000/],
    [{ payloadType: 114, fmtp: { usedtx: 'on' } }, /usedtx must be 0 or 1/],
    [{ payloadType: 114, maxBandwidth: 'xx' as never }, /maxBandwidth must be one of/],
  ];
  for (const [o, re] of bad) assert.throws(() => new OpusEncoder(o), (e: unknown) => e instanceof ConfigError && re.test(e.message), String(re));
  assert.throws(() => new OpusDecoder({ payloadType: 114, fmtp: { 'sprop-stereo': '3' } }), /opus-decoder fmtp: sprop-stereo must be 0 or 1/);
  assert.throws(() => new OpusDecoder({ payloadType: 114, sampleRate: 44100 }), /sampleRate must be one of 8000, 12000, 16000, 24000, 48000/);
});

test('encoder: an input timestamp jump completes the frame with silence, sets the marker, restarts at the new position', () => {
  // 25 ms, then a jump of 1 s: the first frame (20 ms) goes, the next 5 ms are padded and sent.
  const pcm = tone(4800, 48000);
  const { packets, enc } = encode({ payloadType: 114 }, pcm, 48000, 1, (pos) => (pos >= 1440 ? 48000 : 0));
  assert.equal(enc.encoderStats.discontinuities, 1);
  assert.deepEqual(packets.slice(0, 3).map((p) => [p.timestamp, p.marker]), [[0, true], [960, false], [49440, true]]);
  // 44.1 kHz is not a libopus rate: process() throws a ConfigError, which the graph counts.
  const e441 = createOpusEncoder({ payloadType: 114 });
  const errors: unknown[] = [];
  e441.on('error', (err) => errors.push(err));
  run([new PcmSource(new Int16Array(441), 44100), e441, new Capture()], 10);
  assert.equal(e441.stats.errors, 1);
  assert.match(String(errors[0]), /must be 8000\/12000\/16000\/24000\/48000 Hz/);
});

test('encoder and decoder free their libopus states in postprocess (and make them again when reused)', () => {
  const e0 = OpusEncoderState.liveCount;
  const d0 = OpusDecoderState.liveCount;
  const { packets } = encode({ payloadType: 114 }, tone(960, 48000));
  assert.equal(OpusEncoderState.liveCount, e0, 'encoder state freed when the graph detached');
  const { frames } = decode({ payloadType: 114 }, packets);
  assert.equal(frames.length, 1);
  assert.equal(OpusDecoderState.liveCount, d0, 'decoder state freed when the graph detached');
});

// ────────────────────────────────────────────────────────────────────────────── quality ──

test('quality: speech through our filters vs opusenc/opusdec and ffmpeg libopus at the same bitrate', async (t) => {
  const s = speech48k(t);
  if (!s) return;
  if (!haveTool(t, 'opusenc', 'opus-tools') || !haveTool(t, 'opusdec', 'opus-tools') || !haveTool(t, 'ffmpeg', 'ffmpeg')) return;
  const dir = mkdtempSync(join(tmpdir(), 'mw-opus-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in48.wav');
  writeWav(input, s.pcm, 48000);
  const ours = (application: 'voip' | 'audio', bitrate: number): { score: number; kbps: number } => {
    const { packets } = encode({ payloadType: 114, bitrate, application }, s.pcm);
    const { pcm } = decode({ payloadType: 114, channels: 1 }, packets);
    const bytes = packets.reduce((a, p) => a + p.data.length, 0);
    return { score: speechSimilarity(s.ref8k, toMono8k(pcm, 48000, 1)).score, kbps: (bytes * 8) / (packets.length * 20) };
  };
  const fileScore = (path: string): number => {
    const w = readWavFile(path);
    return speechSimilarity(s.ref8k, toMono8k(w.samples, w.sampleRate, w.channels)).score;
  };
  const bitrate = 32000;
  // opusenc uses libopus's 'audio' application; ffmpeg is told 'voip' (our default, Mediastreamer2's).
  execFileSync('opusenc', ['--quiet', '--bitrate', String(bitrate / 1000), input, join(dir, 'x.opus')]);
  execFileSync('opusdec', ['--quiet', '--rate', '48000', join(dir, 'x.opus'), join(dir, 'x.wav')]);
  const opusTools = fileScore(join(dir, 'x.wav'));
  execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', input, '-c:a', 'libopus', '-application', 'voip', '-b:a', String(bitrate), join(dir, 'f.ogg')]);
  execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', join(dir, 'f.ogg'), '-ar', '48000', join(dir, 'f.wav')]);
  const ffmpeg = fileScore(join(dir, 'f.wav'));
  const voip = ours('voip', bitrate);
  const audio = ours('audio', bitrate);
  console.log(
    `opus ${bitrate / 1000} kbit/s speech similarity: ours voip ${voip.score.toFixed(3)} (${voip.kbps.toFixed(1)} kbit/s) vs ffmpeg libopus voip ${ffmpeg.toFixed(3)}; ` +
      `ours audio ${audio.score.toFixed(3)} (${audio.kbps.toFixed(1)} kbit/s) vs opusenc/opusdec ${opusTools.toFixed(3)}`,
  );
  // Same libopus, same settings: within 0.02 of the reference tools.
  assert.ok(voip.score >= ffmpeg - 0.02, `ours (voip) ${voip.score.toFixed(3)} < ffmpeg ${ffmpeg.toFixed(3)} − 0.02`);
  assert.ok(audio.score >= opusTools - 0.02, `ours (audio) ${audio.score.toFixed(3)} < opusenc/opusdec ${opusTools.toFixed(3)} − 0.02`);
  assert.ok(voip.kbps > 24 && voip.kbps < 36, `VBR average ${voip.kbps.toFixed(1)} kbit/s near 32`);
});

// ──────────────────────────────────────────────────────────────────────────────── FEC ──

/** Normalised cross-correlation of a and b. */
function ncc(a: Int16Array, b: Int16Array): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < a.length; i++) {
    xy += a[i]! * b[i]!;
    xx += a[i]! * a[i]!;
    yy += b[i]! * b[i]!;
  }
  return xx === 0 || yy === 0 ? 0 : xy / Math.sqrt(xx * yy);
}

test('FEC: 10 % seeded loss, the lost spans come out closer to the original with useinbandfec=1 than without', (t) => {
  const s = speech48k(t);
  if (!s) return;
  const random = rng(20240611);
  const count = Math.floor(s.pcm.length / 960);
  const lostSet = new Set<number>();
  for (let i = 5; i < count; i++) if (random() < 0.1) lostSet.add(i);
  const results: Record<string, { spans: number; sim: number; fec: number; plc: number }> = {};
  // The codec's delay (OPUS_GET_LOOKAHEAD of a voip encoder at 48 kHz): output n is input n − delay.
  const probe = new OpusEncoderState({ sampleRate: 48000, channels: 1, application: 'voip' });
  const delay = probe.lookahead;
  probe.destroy();
  for (const fec of [false, true]) {
    // The same expected-loss hint for both, so that only the LBRR differs.
    const { packets } = encode({ payloadType: 114, bitrate: 32000, packetLossPercent: 10, fmtp: fec ? { useinbandfec: '1' } : {} }, s.pcm);
    const items = packets.map((p, i) => (lostSet.has(i) ? lost(p.timestamp, p.duration!) : p));
    const { dec, pcm } = decode({ payloadType: 114, channels: 1, fmtp: fec ? { useinbandfec: '1' } : {} }, items);
    assert.equal(dec.fecLookahead, fec, 'useinbandfec=1 turns the one-frame lookahead on');
    // Each lost span against the original, shifted by the codec's delay; only spans with speech.
    let sum = 0;
    let spans = 0;
    for (const i of lostSet) {
      const ref = s.pcm.subarray(i * 960 - delay, i * 960 - delay + 960);
      let e = 0;
      for (const v of ref) e += v * v;
      if (e / 960 < 500 * 500) continue;
      sum += ncc(ref, pcm.subarray(i * 960, i * 960 + 960));
      spans++;
    }
    const st = dec.decoderStats;
    results[fec ? 'on' : 'off'] = { spans: sum / spans, sim: speechSimilarity(s.ref8k, toMono8k(pcm, 48000, 1)).score, fec: st.fecFrames, plc: st.plcFrames };
    assert.equal(st.lostFrames, lostSet.size);
    assert.equal(pcm.length, packets.length * 960 - (fec ? 960 : 0), 'every span output (the lookahead holds the last frame back)');
  }
  const { on, off } = results as Record<'on' | 'off', (typeof results)[string]>;
  console.log(
    `FEC at 10 % loss (${lostSet.size} packets): lost spans vs original NCC ${off.spans.toFixed(3)} without FEC → ${on.spans.toFixed(3)} with FEC ` +
      `(${on.fec} recovered, ${on.plc} PLC); whole-file similarity ${off.sim.toFixed(3)} → ${on.sim.toFixed(3)}`,
  );
  assert.equal(off.fec, 0);
  assert.ok(on.fec > lostSet.size * 0.5, `FEC recovered ${on.fec} of ${lostSet.size}`);
  assert.ok(on.spans > off.spans + 0.1, `FEC should bring lost spans measurably closer: ${on.spans.toFixed(3)} vs ${off.spans.toFixed(3)}`);
  assert.ok(on.sim > off.sim, `whole-file similarity ${on.sim.toFixed(3)} vs ${off.sim.toFixed(3)}`);
});

test('FEC without lookahead: used when the next packet comes in the same tick, and through a payload picker', () => {
  const { packets } = encode({ payloadType: 114, packetLossPercent: 20, fmtp: { useinbandfec: '1' } }, tone(48000, 48000));
  const withFec = packets.findIndex((p, i) => i > 3 && opusPayloadHasFec(p.data));
  assert.ok(withFec > 0, 'the encoder adds LBRR with FEC on and loss expected');
  const k = withFec - 1; // lose packet k; packet k + 1 carries its LBRR
  const items = packets.slice(0, k + 2).map((p, i) => (i === k ? lost(p.timestamp, 960) : p));
  // Two items a tick: the lost frame and the next packet arrive together when k is even.
  const batch = decode({ payloadType: 114, fecLookahead: false }, k % 2 === 0 ? items : [items[0]!, ...items], 2);
  assert.equal(batch.dec.decoderStats.fecFrames, 1, 'the next packet in the same batch is used');
  const oneByOne = decode({ payloadType: 114, fecLookahead: false }, items, 1);
  assert.equal(oneByOne.dec.decoderStats.fecFrames, 0, 'one item a tick and no lookahead: PLC');
  const picked: number[] = [];
  const dec = createOpusDecoder({ payloadType: 114 });
  dec.setPayloadPicker((ts) => {
    picked.push(ts);
    return packets.find((p) => p.timestamp === ts)?.data;
  });
  const cap = new Capture<AudioFrame>();
  run([new ScriptSource((tick) => (tick < items.length ? [items[tick]!] : [])), dec, cap], items.length * 10 + 20);
  assert.deepEqual(picked, [(k + 1) * 960], 'the picker is asked for the packet where the loss ends');
  assert.equal(dec.decoderStats.fecFrames, 1);
  assert.ok(cap.frames[k]!.concealed, 'the recovered span is flagged concealed');
});

test('FEC through a whole AudioStream call (jitter buffer, 10 % seeded loss): useinbandfec=1 vs 0', async (t) => {
  const s = speech48k(t);
  if (!s) return;
  const scores: number[] = [];
  const stats: string[] = [];
  for (const fec of ['0', '1']) {
    const registry = new Registry();
    registerOpusCodecs(registry);
    const clock = new VirtualClock(1000);
    const ticker = new Ticker({ clock });
    const rtp = new LoopbackPair({ a: { port: 40000 }, b: { port: 40002 }, clock, aToB: { lossPct: 10, seed: 77 } });
    ticker.attach(new Graph('network').add(new CallbackFilter(() => rtp.poll(clock.now()))));
    const recorder = new Capture<AudioFrame>();
    const common = { codec: { mime: 'opus', clockRate: 48000, channels: 2 }, ticker, registry, rtcp: { enabled: false }, fmtp: { useinbandfec: fec } };
    const a = new AudioStream({ ...common, transports: { rtp: rtp.a }, remote: { address: '127.0.0.1', port: 40002 }, input: { kind: 'file', path: s.path16k } });
    const b = new AudioStream({ ...common, transports: { rtp: rtp.b }, remote: { address: '127.0.0.1', port: 40000 }, input: { kind: 'none' }, output: { kind: 'filter', filter: recorder }, outputSampleRate: 16000 });
    await a.start();
    await b.start();
    ticker.runFor(12_000);
    await a.stop();
    await b.stop();
    const all = recorder.frames;
    const n = all.reduce((x, f) => x + f.samples.length, 0);
    const pcm = new Int16Array(n);
    let o = 0;
    for (const f of all) {
      pcm.set(f.samples, o);
      o += f.samples.length;
    }
    const ch = all[0]?.channels ?? 1;
    scores.push(speechSimilarity(s.ref8k, toMono8k(pcm, 16000, ch)).score);
    const rb = b.report();
    stats.push(`lost ${rb.received.lost}/${rb.received.packets + rb.received.lost}, decoder errors ${rb.decoder.errors}`);
    assert.equal(rb.decoder.errors, 0);
  }
  console.log(`AudioStream opus call, 10 % loss: similarity ${scores[0]!.toFixed(3)} without FEC (${stats[0]}) → ${scores[1]!.toFixed(3)} with useinbandfec=1 (${stats[1]})`);
  assert.ok(scores[1]! > scores[0]!, `FEC should help through the stream: ${scores[1]} vs ${scores[0]}`);
});

// ──────────────────────────────────────────────────────────────────────────────── DTX ──

test('DTX: with usedtx=1 packets really stop in silence (a refresh every 400 ms), the marker starts each talkspurt', () => {
  const rate = 48000;
  const speechPart = tone(rate * 1, rate);
  const pcm = new Int16Array(rate * 5);
  pcm.set(speechPart, 0);
  let seed = 5;
  for (let i = rate; i < rate * 4; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    pcm[i] = ((seed >>> 16) & 15) - 8; // −8…7: a quiet room
  }
  pcm.set(speechPart, rate * 4);
  const silentFrom = 1.5 * rate; // after libopus's 200 ms hangover
  const silentTo = 4 * rate;
  const silentFrames = (silentTo - silentFrom) / 960;
  const inSilence = (ps: EncodedFrame[]): number => ps.filter((p) => p.timestamp >= silentFrom && p.timestamp < silentTo).length;
  const off = encode({ payloadType: 114 }, pcm);
  const on = encode({ payloadType: 114, fmtp: { usedtx: '1' } }, pcm);
  const sentOn = inSilence(on.packets);
  console.log(`DTX: ${silentFrames} frames of silence → ${sentOn} packets sent with usedtx=1 (${inSilence(off.packets)} without); ${on.enc.encoderStats.dtxFrames} DTX frames not sent`);
  assert.equal(inSilence(off.packets), silentFrames, 'without DTX every frame is sent');
  assert.ok(sentOn <= silentFrames * 0.1, `with DTX most frames are not sent: ${sentOn} of ${silentFrames}`);
  assert.ok(sentOn >= 1, 'comfort-noise refresh packets still go out');
  for (let i = 1; i < on.packets.length; i++) {
    const p = on.packets[i]!;
    const gap = p.timestamp - on.packets[i - 1]!.timestamp;
    assert.equal(gap % 960, 0, 'whole frames only (RFC 7587 §3.1.3)');
    assert.equal(p.marker, gap > 960, `marker exactly after a DTX gap (packet ${i})`);
  }
  assert.ok(on.packets.every((p) => p.data.length > 2), 'no 1–2 byte DTX packet is emitted');
  // The receiving side: the gaps come as lost (silence) spans; the decoder fills them, no errors.
  const items: EncodedFrame[] = [];
  let pos = 0;
  for (const p of on.packets) {
    if (p.timestamp > pos) items.push(lost(pos, p.timestamp - pos));
    items.push(p);
    pos = p.timestamp + p.duration!;
  }
  const { dec, pcm: out } = decode({ payloadType: 114, channels: 1 }, items);
  assert.equal(out.length, pos, 'continuous output across DTX gaps');
  assert.equal(dec.decodeErrors, 0);
});

// ──────────────────────────────────────────────────────────────────────── decoder, PLC ──

test('decoder: packets → 48 kHz stereo by default; lost frames → concealed audio of exactly their span; other rates and mono', () => {
  const { packets } = encode({ payloadType: 114 }, tone(48000 / 2, 48000));
  const items = packets.map((p, i) => (i === 15 ? lost(p.timestamp, 960) : p));
  items.push(lost(packets.length * 960, 500)); // not a multiple of 2.5 ms
  const { dec, frames } = decode({ payloadType: 114 }, items);
  assert.equal(dec.channels, 2);
  assert.equal(frames.length, items.length);
  frames.forEach((f, i) => {
    assert.equal(f.sampleRate, 48000);
    assert.equal(f.channels, 2);
    assert.equal(f.timestamp, items[i]!.timestamp);
    assert.equal(f.samples.length, (items[i]!.duration ?? 960) * 2);
    assert.equal(f.concealed === true, items[i]!.lost === true);
  });
  const conc = frames[15]!.samples;
  let peak = 0;
  for (const v of conc) peak = Math.max(peak, Math.abs(v));
  assert.ok(peak > 1000, `libopus PLC continues the voice (peak ${peak}), it is not silence`);
  const st = dec.decoderStats;
  assert.deepEqual([st.packets, st.lostFrames, st.plcFrames, st.fecFrames, st.decodeErrors], [packets.length - 1, 2, 2, 0, 0]);
  // 16 kHz mono output; a span of 1000 at 48 kHz is 333⅓ samples: the fraction is carried over.
  const r = decode({ payloadType: 114, sampleRate: 16000, channels: 1 }, [...packets.slice(0, 3), lost(2880, 1000), lost(3880, 1000), lost(4880, 1000)]);
  assert.deepEqual(r.frames.map((f) => f.samples.length), [320, 320, 320, 333, 333, 334]);
  assert.deepEqual(r.frames.map((f) => f.timestamp), [0, 320, 640, 960, 1293, 1627]);
});

test('decoder: garbage, truncated and oversized payloads are counted in decodeErrors and concealed, never thrown', () => {
  const { packets } = encode({ payloadType: 114 }, tone(48000 / 5, 48000));
  const good = packets[3]!.data;
  const badPayloads = [
    new Uint8Array(0),
    new Uint8Array([(18 << 3) | 3, 0]), // code 3, M = 0
    new Uint8Array([(3 << 3) | 3, 3, 1, 2]), // 3 × 60 ms > 120 ms
    new Uint8Array([(9 << 3) | 2, 200, 1, 2]), // code 2, first frame longer than the payload
    new Uint8Array(5000).fill(0x55), // code 1 with 2 × 2499.5 bytes
    new Uint8Array([(31 << 3) | 0, ...new Uint8Array(1300)]), // code 0 frame > 1275 bytes
  ];
  const items: EncodedFrame[] = [...packets.slice(0, 3).map((p) => p)];
  let ts = 2880;
  for (const b of badPayloads) {
    items.push(pkt(b, ts, 960));
    ts += 960;
  }
  items.push(pkt(good, ts, 960));
  const { dec, frames } = decode({ payloadType: 114, channels: 1 }, items);
  assert.equal(dec.decodeErrors, badPayloads.length);
  assert.equal(frames.length, items.length, 'one output frame per input frame');
  for (let i = 3; i < 3 + badPayloads.length; i++) {
    assert.equal(frames[i]!.concealed, true, `bad payload ${i - 3} concealed`);
    assert.equal(frames[i]!.samples.length, 960, `bad payload ${i - 3} concealed over its span`);
  }
  // Fuzz: random payloads never throw; each gives output of its span; errors counted.
  const random = rng(99);
  const fuzz: EncodedFrame[] = [];
  for (let i = 0; i < 1500; i++) {
    const b = new Uint8Array(1 + Math.floor(random() * (random() < 0.1 ? 3000 : 200)));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(random() * 256);
    fuzz.push(pkt(b, i * 960, 960));
  }
  const fz = decode({ payloadType: 114, channels: 1 }, fuzz, 10);
  const invalid = fuzz.filter((f) => isOpusPacketError(parseOpusPacket(f.data))).length;
  console.log(`decoder fuzz: ${fuzz.length} random payloads, ${fz.dec.decodeErrors} decode errors (${invalid} invalid per RFC 6716 §3.4)`);
  assert.equal(fz.dec.decodeErrors, invalid, 'exactly the payloads breaking RFC 6716 R1–R7 are errors');
  assert.equal(fz.frames.length, fuzz.length);
});

test('payload parser vs libopus on random payloads: validity (opus_decode) and duration (opus_packet_get_nb_samples) agree', () => {
  const random = rng(4242);
  const dec = new OpusDecoderState({ sampleRate: 48000, channels: 2 });
  const pcm = new Int16Array(5760 * 2);
  let valid = 0;
  for (let i = 0; i < 3000; i++) {
    const len = 1 + Math.floor(random() * (random() < 0.2 ? 2600 : 40));
    const b = new Uint8Array(len);
    for (let j = 0; j < len; j++) b[j] = Math.floor(random() * 256);
    if (random() < 0.5) b[1] = b[1]! & 0x3f ? b[1]! : 1; // more code 3 counts that pass R5
    const p = parseOpusPacket(b);
    const got = dec.decode(b, pcm, 5760);
    if (isOpusPacketError(p)) {
      assert.ok(got < 0, `we reject ${Array.from(b.subarray(0, 4))}… (${len} bytes: ${p.error}) but libopus decoded it`);
    } else {
      valid++;
      assert.equal(got, p.samples, `libopus decodes ${p.samples} samples from ${Array.from(b.subarray(0, 4))}… (${len} bytes)`);
      assert.equal(opusPayloadDuration(b), p.samples);
      assert.equal(opusPacketSamples(b), p.samples);
    }
  }
  dec.destroy();
  assert.ok(valid > 500, `enough valid packets exercised (${valid})`);
});

test('LBRR flag read from the bitstream agrees with libopus: FEC decode differs from PLC exactly when the flag is set', () => {
  const { packets } = encode({ payloadType: 114, packetLossPercent: 15, fmtp: { useinbandfec: '1' } }, tone(48000, 48000));
  let flagged = 0;
  for (let k = 6; k < packets.length; k += 2) {
    const a = new OpusDecoderState({ sampleRate: 48000, channels: 1 });
    const b = new OpusDecoderState({ sampleRate: 48000, channels: 1 });
    const pa = new Int16Array(960);
    const pb = new Int16Array(960);
    for (let j = k - 6; j < k - 1; j++) {
      a.decode(packets[j]!.data, pa, 960);
      b.decode(packets[j]!.data, pb, 960);
    }
    a.decode(packets[k]!.data, pa, 960, true);
    b.decode(null, pb, 960);
    const same = pa.every((v, i) => v === pb[i]);
    const lbrr = opusPayloadHasFec(packets[k]!.data);
    if (lbrr) flagged++;
    assert.equal(lbrr, !same, `packet ${k}: LBRR flag ${lbrr}, FEC output ${same ? 'equals' : 'differs from'} PLC`);
    a.destroy();
    b.destroy();
  }
  assert.ok(flagged > 5, `packets with LBRR seen (${flagged})`);
});

test('isQuietPayload: pauses are quiet (VAD flags clear), speech is not', () => {
  const pcm = new Int16Array(48000);
  pcm.set(tone(24000, 48000), 24000); // 0.5 s silence, then 0.5 s voice
  const { packets } = encode({ payloadType: 114 }, pcm);
  const quiet = packets.map((p) => OPUS_CODEC.isQuietPayload!(p.data));
  assert.ok(quiet.slice(2, 23).every((q) => q), `silence is quiet: ${quiet.map(Number).join('')}`);
  assert.ok(quiet.slice(30).filter((q) => !q).length >= 18, `voice is not quiet: ${quiet.map(Number).join('')}`);
});
