import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { Vad } from '../audio/vad.js';
import { PlcFilter } from '../audio/plc.js';
import { readWavFile } from '../files/wav-reader.js';
import { levelToRms, parseCnPayload, rmsToLevel, writeCnPayload } from '../rtp/payload/cn.js';
import { sharedFile } from '../test-support/shared.js';
import { G711Decoder, G711Encoder } from './g711-filters.js';
import {
  CN_CODEC, CnAnalyzer, CnDecoder, CnEncoder, CnGenerator, CnPlayer, CnSplit, registerCnCodecs, SidMerge, SidScheduler, VadGate,
} from './cn.js';

function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
}

function db(a: number, b: number): number {
  return 20 * Math.log10(a / b);
}

/** Normalised lag-1 autocorrelation (a cheap measure of spectral tilt). */
function r1(x: ArrayLike<number>): number {
  let s0 = 0;
  let s1 = 0;
  for (let i = 1; i < x.length; i++) {
    s0 += x[i]! * x[i]!;
    s1 += x[i]! * x[i - 1]!;
  }
  return s1 / s0;
}

/** Deterministic noise: white, or low-passed by a one-pole filter (coefficient `pole`). */
function noise(n: number, amp: number, pole = 0, seed = 3): Int16Array {
  const out = new Int16Array(n);
  let s = seed;
  let y = 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = (s >>> 8) / 16777216 - 0.5;
    y = pole * y + u;
    out[i] = Math.round(amp * y);
  }
  return out;
}

test('CN level round trip: generated noise RMS matches the signalled level within 1 dB (white and shaped)', () => {
  for (const level of [15, 30, 45, 60, 75]) {
    for (const k of [[], [-0.9, 0.3, -0.1], [0.7, 0.2]]) {
      const g = new CnGenerator({ sampleRate: 8000, seed: 5 });
      g.update({ level, reflection: Float64Array.from(k) });
      const out = g.generate(new Int16Array(16000));
      const got = rmsToLevel(rms(out, 800));
      const err = db(rms(out, 800), levelToRms(level));
      assert.ok(Math.abs(err) <= 1, `level ${level}, k=[${k}]: RMS off by ${err.toFixed(2)} dB (got level ${got})`);
    }
  }
  const g = new CnGenerator({ sampleRate: 8000 });
  assert.ok(g.generate(new Int16Array(80)).every((v) => v === 0), 'silence before the first SID');
});

test('CN analysis → SID → synthesis: level within 1 dB of the input noise, spectral tilt kept', () => {
  for (const [amp, pole] of [[3000, 0], [800, 0.9], [200, -0.5]] as const) {
    const x = noise(8000, amp, pole);
    // A long average (smoothing 0.05) so the estimate's own scatter is small.
    const a = new CnAnalyzer({ sampleRate: 8000, smoothing: 0.05 });
    for (let o = 0; o < x.length; o += 160) a.add(x.subarray(o, o + 160));
    const sid = parseCnPayload(a.payload());
    assert.ok(sid && sid.reflection.length === 10, 'a 10th-order SID');
    const g = new CnGenerator({ sampleRate: 8000, seed: 9 });
    g.update(sid);
    const y = g.generate(new Int16Array(16000));
    const err = db(rms(y, 800), rms(x));
    console.log(`  noise RMS ${rms(x).toFixed(0)}, r1 ${r1(x).toFixed(2)} → SID level ${sid.level}, k1 ${sid.reflection[0]!.toFixed(2)} → CN RMS ${rms(y, 800).toFixed(0)} (${err.toFixed(2)} dB), r1 ${r1(y).toFixed(2)}`);
    assert.ok(Math.abs(err) <= 1, `level error ${err.toFixed(2)} dB`);
    assert.ok(Math.abs(r1(y) - r1(x)) < 0.1, `lag-1 correlation ${r1(y).toFixed(2)} vs ${r1(x).toFixed(2)}`);
    // RFC 3389 sign convention (A(z) = 1 + Σ a z^−i): k1 = −r1/r0.
    assert.ok(Math.abs(sid.reflection[0]! + r1(x)) < 0.05, `k1 ${sid.reflection[0]} ≈ −r1 ${-r1(x)}`);
  }
});

test('CN generator glides halfway per 10 ms to a new SID', () => {
  const g = new CnGenerator({ sampleRate: 8000 });
  g.update({ level: 40, reflection: new Float64Array(0) });
  g.generate(new Int16Array(800));
  g.update({ level: 20, reflection: new Float64Array(0) });
  const y = g.generate(new Int16Array(8000));
  assert.ok(rms(y, 0, 80) < levelToRms(20) * 0.7, 'the first 10 ms is still on the way');
  assert.ok(Math.abs(db(rms(y, 800), levelToRms(20))) < 1, 'there after 100 ms');
});

test('SID scheduler: first SID at the silence start, level changes ≥ 3 dB after ≥ 200 ms, refresh every 500 ms', () => {
  const s = new SidScheduler();
  const sent: number[] = [];
  const levels = [50, 50, 51, 50, 50, ...new Array<number>(35).fill(47)];
  levels.forEach((l, i) => {
    if (s.due(i * 20, l)) sent.push(i * 20);
  });
  assert.deepEqual(sent, [0, 200, 700], 'SIDs at 0 (start), 200 (the 3 dB change at 100 ms, held to 200 ms), 700 (refresh)');
  s.speech();
  assert.ok(s.due(720, 47), 'a new silence starts with a SID');
});

class ScriptSource extends Filter {
  readonly type = 'script-source';
  constructor(private readonly script: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    for (const f of this.script(ctx.tick)) this.push(0, f);
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

/** What a jitter buffer does across a DTX gap: `lost` frames for the spans no packet covers. */
class GapFiller extends Filter {
  readonly type = 'gap-filler';
  #next: number | null = null;
  constructor() {
    super({ inputs: 1, outputs: 1 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) {
      const e = f as EncodedFrame;
      if (this.#next !== null && e.timestamp > this.#next) {
        this.push(0, { kind: 'encoded', data: new Uint8Array(0), timestamp: this.#next, marker: false, payloadType: 0, duration: e.timestamp - this.#next, lost: true });
      }
      this.#next = e.timestamp + (e.duration ?? 0);
      this.push(0, e);
    }
  }
}

test('DTX end to end on test_silence_voice_8000.wav: VadGate → G.711 + SIDs → CnSplit → decoder → PLC → CnPlayer', (t) => {
  const p = sharedFile(t, 'data', 'ms2', 'sounds', 'test_silence_voice_8000.wav');
  if (!p) return;
  const w = readWavFile(p);
  const pcm = w.samples.subarray(0, w.samples.length - (w.samples.length % 80));
  const gate = new VadGate({ sampleRate: 8000, clockRate: 8000, vad: new Vad({ sampleRate: 8000 }) });
  const enc = new G711Encoder('ulaw', { payloadType: 0 });
  const merge = new SidMerge();
  const wire = new Capture<EncodedFrame>();
  const g = new Graph();
  const src = new ScriptSource((k) => (k * 80 < pcm.length ? [{ kind: 'audio', samples: pcm.slice(k * 80, k * 80 + 80), sampleRate: 8000, channels: 1, timestamp: k * 80 }] : []));
  g.chain(src, gate, enc, merge, wire);
  g.link(gate, 1, merge, 1);
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor((pcm.length / 8000) * 1000 + 40);
  tk.detach(g);

  const sent = wire.frames;
  const media = sent.filter((f) => f.payloadType === 0);
  const sids = sent.filter((f) => f.payloadType === 13);
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i]!.timestamp > sent[i - 1]!.timestamp, `packets in timestamp order at ${i}`);
  const st = gate.gateStats;
  console.log(`  DTX: ${media.length} media packets, ${sids.length} SIDs for ${sent.length ? (pcm.length / 160).toFixed(0) : 0} blocks; ${st.talkspurts} talkspurts`);
  assert.ok(media.length < 0.45 * (pcm.length / 160), `silence suppressed: ${media.length} media packets`);
  assert.ok(sids.length >= st.talkspurts && sids.length < 80, `${sids.length} SIDs`);
  // The first packet of each talkspurt has the marker (the encoder saw the timestamp jump). The
  // file starts in silence, so its first packet starts a talkspurt too.
  const markers = media.filter((f) => f.marker).length;
  assert.equal(markers, st.talkspurts, 'a marker per talkspurt');
  const level = parseCnPayload(sids[sids.length - 1]!.data)!.level;
  console.log(`  background level in the last SID: −${level} dBov (file background ≈ −57 dBov)`);
  assert.ok(level >= 53 && level <= 61, `SID level −${level} dBov`);

  // Receive.
  const split = new CnSplit();
  const dec = new G711Decoder('ulaw', { payloadType: 0 });
  const plc = new PlcFilter({ sampleRate: 8000, channels: 1 });
  const player = new CnPlayer({ sampleRate: 8000, clockRate: 8000 });
  const out = new Capture<AudioFrame>();
  const g2 = new Graph();
  let i = 0;
  const src2 = new ScriptSource(() => (i < sent.length ? [sent[i++]!, ...(i < sent.length && sent[i]!.timestamp === sent[i - 1]!.timestamp + 160 ? [sent[i++]!] : [])] : []));
  g2.chain(src2, new GapFiller(), split, dec, plc, player, out);
  g2.link(split, 1, player, 1);
  const tk2 = new Ticker({ clock: 'virtual' });
  tk2.attach(g2);
  tk2.runFor((pcm.length / 8000) * 1000 * 2);
  const y = new Int16Array(pcm.length);
  let pos = 0;
  for (const f of out.frames) {
    assert.equal(f.timestamp, pos, `contiguous output at ${pos}`);
    y.set(f.samples.subarray(0, Math.max(0, Math.min(f.samples.length, y.length - pos))), pos);
    pos += f.samples.length;
  }
  const last = sent[sent.length - 1]!;
  assert.equal(pos, last.timestamp + last.duration!, 'output covers everything up to the last packet (the tail after it is the jitter buffer\'s)');
  assert.ok(player.playerStats.sids > 0 && player.playerStats.noiseSamples > 8000 * 5, `comfort noise played: ${player.playerStats.noiseSamples} samples`);
  // Background stretches: comfort noise within 3 dB of the original background's level.
  for (const [a, b] of [[3, 5.5], [11.4, 12.4], [23, 25]] as const) {
    const e = db(rms(y, a * 8000, b * 8000), rms(pcm, a * 8000, b * 8000));
    console.log(`  ${a}–${b} s: comfort noise ${e >= 0 ? '+' : ''}${e.toFixed(1)} dB against the original background`);
    assert.ok(Math.abs(e) < 3, `${a}–${b} s: level off by ${e.toFixed(1)} dB`);
  }
  // Speech passes as G.711.
  const e = db(rms(y, 8.5 * 8000, 9.4 * 8000), rms(pcm, 8.5 * 8000, 9.4 * 8000));
  assert.ok(Math.abs(e) < 0.5, `speech level kept (${e.toFixed(2)} dB)`);
});

test('CnSplit / CnPlayer: SID span handed to the decoder as lost; noise only on concealed frames after a SID, until audio resumes', () => {
  const split = new CnSplit();
  const player = new CnPlayer({ sampleRate: 16000, clockRate: 8000 });
  const toDec = new Capture<EncodedFrame>();
  const out = new Capture<AudioFrame>();
  const sid: EncodedFrame = { kind: 'encoded', data: writeCnPayload(30), timestamp: 160, marker: false, payloadType: 13, duration: 160 };
  const media: EncodedFrame = { kind: 'encoded', data: new Uint8Array(160), timestamp: 0, marker: false, payloadType: 9, duration: 160 };
  const g = new Graph();
  g.chain(new ScriptSource((k) => (k === 0 ? [media, sid] : [])), split, toDec);
  const audio = (ts: number, concealed: boolean): AudioFrame => ({ kind: 'audio', samples: new Int16Array(320), sampleRate: 16000, channels: 1, timestamp: ts, ...(concealed ? { concealed } : {}) });
  const pin1 = new ScriptSource((k) => (k === 0 ? [sid] : []));
  const pin0 = new ScriptSource((k) => (k === 0 ? [audio(0, true), audio(320, true), audio(640, true), audio(960, false), audio(1280, true)] : []));
  g.chain(pin0, player, out);
  g.link(pin1, 0, player, 1);
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor(10);
  assert.deepEqual(toDec.frames.map((f) => [f.timestamp, f.lost === true, f.duration]), [[0, false, 160], [160, true, 160]]);
  assert.equal(split.sids, 1);
  const f = out.frames;
  assert.equal(f.length, 5);
  assert.ok(f[0]!.samples.every((v) => v === 0), 'concealment before the SID is left to PLC');
  const r = rms(f[1]!.samples);
  assert.ok(Math.abs(db(r, levelToRms(30))) < 1.5, `noise at the SID's level (−30 dBov): RMS ${r.toFixed(0)}`);
  assert.ok(rms(f[2]!.samples) > 0, 'noise continues over the DTX gap');
  assert.ok(f[3]!.samples.every((v) => v === 0), 'received audio passes untouched');
  assert.ok(f[4]!.samples.every((v) => v === 0), 'after audio resumed, a loss is PLC\'s again');
  assert.equal(player.playing, false);
});

test('CN as a codec (PT 13): registered; encoder sends SIDs, decoder plays noise at their level, counts empty SIDs', () => {
  const r = new Registry();
  registerCnCodecs(r);
  const e = r.findCodecByPayloadType(13);
  assert.ok(e?.available && e.codec === CN_CODEC, 'CN/8000 registered at PT 13');
  assert.equal(CN_CODEC.hasPlc, true);
  const x = noise(16000, 1500, 0.5);
  const enc = r.createEncoder('CN', 8000, 1, { payloadType: 13 }) as CnEncoder;
  const dec = r.createDecoder('cn', 8000, 1, { payloadType: 13 }) as CnDecoder;
  const cap = new Capture<EncodedFrame>();
  const g = new Graph();
  g.chain(new ScriptSource((k) => (k < 200 ? [{ kind: 'audio', samples: x.slice(k * 80, k * 80 + 80), sampleRate: 8000, channels: 1, timestamp: k * 80 }] : [])), enc, cap);
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor(2100);
  assert.ok(cap.frames.length >= 4 && cap.frames.length <= 20, `${cap.frames.length} SIDs in 2 s`);
  assert.equal(cap.frames[0]!.marker, true);
  const out = new Capture<AudioFrame>();
  const g2 = new Graph();
  const frames: EncodedFrame[] = [cap.frames[0]!, { kind: 'encoded', data: new Uint8Array(0), timestamp: 160, marker: false, payloadType: 13, duration: 7840, lost: true }, { kind: 'encoded', data: new Uint8Array(0), timestamp: 8000, marker: false, payloadType: 13, duration: 160 }];
  g2.chain(new ScriptSource((k) => (k === 0 ? frames : [])), dec, out);
  const tk2 = new Ticker({ clock: 'virtual' });
  tk2.attach(g2);
  tk2.runFor(10);
  assert.equal(out.frames.length, 3);
  assert.equal(out.frames[1]!.concealed, true);
  const err = db(rms(out.frames[1]!.samples), rms(x));
  assert.ok(Math.abs(err) < 1.5, `CN decoder level ${err.toFixed(2)} dB from the input`);
  assert.equal(dec.decodeErrors, 1, 'the empty SID is an error');
});
