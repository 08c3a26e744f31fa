/**
 * GSM encoder/decoder filters: bit-exact with toast/untoast through the filters (packets of 1, 2
 * and 3 frames), speech similarity beside the reference's, timestamps/marker/duration, input
 * discontinuities, loss and undecodable payloads (concealed, counted, never thrown), options,
 * native state lifetime, the descriptor and registration, and a call through AudioStream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { GsmCodec, GSM_FRAME_PARAMETERS, probeGsm } from '../native/gsm.js';
import { unpackGsmFrame } from '../rtp/payload/gsm.js';
import { AudioStream } from '../streams/audio-stream.js';
import { CallbackFilter } from '../streams/callback-filter.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { GSM_CODEC, GsmDecoder, GsmEncoder, createGsmDecoder, createGsmEncoder, registerGsmCodecs } from './gsm.js';

const CTX: TickContext = { timeMs: 0, tick: 0, periodMs: 10 };

function requireLibgsm(t: TestContext): boolean {
  const a = probeGsm();
  if (a.available) return true;
  const msg = `SKIP: ${a.reason}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

function requireToast(t: TestContext): boolean {
  try {
    execFileSync('toast', ['-v'], { stdio: 'pipe' });
    return true;
  } catch {
    const msg = 'SKIP: toast/untoast missing on PATH (Debian package libgsm-tools; scripts/setup installs it)';
    console.error(msg);
    t.skip(msg);
    return false;
  }
}

/** Runs one process() of `f` over `frames` without a graph; returns what it pushed. */
function drive(f: Filter, frames: readonly Frame[]): Frame[] {
  const inq = (f.inputs[0] ??= new FrameQueue());
  const outq = (f.outputs[0] ??= new FrameQueue());
  for (const x of frames) inq.put(x);
  f.process(CTX);
  const out: Frame[] = [];
  for (let x = outq.get(); x !== undefined; x = outq.get()) out.push(x);
  return out;
}

function audio(samples: Int16Array, timestamp: number, sampleRate = 8000, channels = 1): AudioFrame {
  return { kind: 'audio', samples, sampleRate, channels, timestamp };
}

function encoded(data: Uint8Array, timestamp: number, extra: Partial<EncodedFrame> = {}): EncodedFrame {
  return { kind: 'encoded', data, timestamp, marker: false, payloadType: 3, ...extra };
}

/** 10 ms frames of `pcm` with timestamps from `t0`. */
function ticks(pcm: Int16Array, t0 = 0): AudioFrame[] {
  const out: AudioFrame[] = [];
  for (let o = 0; o < pcm.length; o += 80) out.push(audio(pcm.subarray(o, Math.min(pcm.length, o + 80)), t0 + o));
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

interface Reference {
  pcm: Int16Array;
  /** toast -l output for pcm: whole frames, the last completed with zeros. */
  toast: Uint8Array;
  /** untoast -l output for `toast`. */
  untoast: Int16Array;
}

let reference: Reference | undefined;

/** hello8000.wav, its toast encoding and untoast decoding (computed once). */
function loadReference(t: TestContext): Reference | undefined {
  if (reference) return reference;
  if (!requireLibgsm(t) || !requireToast(t)) return undefined;
  const wav = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!wav) return undefined;
  const w = readWavFile(wav);
  const dir = mkdtempSync(join(tmpdir(), 'mw-gsm-'));
  try {
    writeFileSync(join(dir, 'in.l'), w.samples);
    const toast = new Uint8Array(execFileSync('toast', ['-l', '-c', join(dir, 'in.l')], { maxBuffer: 1 << 26 }));
    writeFileSync(join(dir, 'x.gsm'), toast);
    const u = execFileSync('untoast', ['-l', '-c', join(dir, 'x.gsm')], { maxBuffer: 1 << 26 });
    reference = { pcm: w.samples, toast, untoast: new Int16Array(u.buffer, u.byteOffset, u.length / 2).slice() };
    return reference;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const ptimeMs of [20, 40, 60]) {
  test(`encoder filter, ptime ${ptimeMs}: packets are toast's frames, timestamps 160 per frame, marker on the first`, (t) => {
    const ref = loadReference(t);
    if (!ref) return;
    const enc = createGsmEncoder({ payloadType: 3, ptimeMs });
    enc.preprocess(CTX);
    const out = drive(enc, ticks(ref.pcm)) as EncodedFrame[];
    enc.postprocess(CTX);
    const fpp = ptimeMs / 20;
    const fullFrames = Math.floor(ref.pcm.length / 160);
    assert.equal(out.length, Math.floor(fullFrames / fpp), 'packets (a partial packet at the end is dropped)');
    out.forEach((p, k) => {
      assert.equal(p.data.length, 33 * fpp, `packet ${k} size`);
      assert.equal(p.timestamp, k * 160 * fpp, `packet ${k} timestamp`);
      assert.equal(p.duration, 160 * fpp, `packet ${k} duration`);
      assert.equal(p.marker, k === 0, `packet ${k} marker`);
      assert.equal(p.payloadType, 3);
    });
    const ours = Buffer.concat(out.map((p) => p.data));
    const diff = ours.findIndex((b, i) => b !== ref.toast[i]);
    assert.equal(diff, -1, `differs from toast at byte ${diff}`);
  });
}

test('decoder filter: toast frames in 3-frame payloads decode to exactly untoast’s samples; similarity beside the reference', (t) => {
  const ref = loadReference(t);
  if (!ref) return;
  const dec = createGsmDecoder({ payloadType: 3 });
  const payloads: EncodedFrame[] = [];
  for (let o = 0, ts = 0; o < ref.toast.length; o += 99, ts += 480) payloads.push(encoded(ref.toast.subarray(o, Math.min(ref.toast.length, o + 99)), ts));
  const out = drive(dec, payloads) as AudioFrame[];
  assert.equal(out.length, payloads.length);
  out.forEach((f, k) => {
    assert.equal(f.timestamp, k * 480, `frame ${k} timestamp`);
    assert.equal(f.sampleRate, 8000);
    assert.equal(f.concealed, undefined, 'decoded audio is not flagged concealed');
  });
  const pcm = concat(out.map((f) => f.samples));
  const diff = pcm.findIndex((s, i) => s !== ref.untoast[i]);
  assert.equal(pcm.length, ref.untoast.length);
  assert.equal(diff, -1, `differs from untoast at sample ${diff}`);
  assert.equal(dec.decodeErrors, 0);

  // Quality judged as DESIGN §6 does, ours beside the reference implementation's on the same input.
  const orig = toMono8k(ref.pcm, 8000, 1);
  const ours = speechSimilarity(orig, toMono8k(pcm, 8000, 1));
  const theirs = speechSimilarity(orig, toMono8k(ref.untoast, 8000, 1));
  console.log(`GSM decode of hello8000.wav: similarity ours ${ours.score.toFixed(4)}, toast/untoast ${theirs.score.toFixed(4)}`);
  assert.ok(ours.score >= theirs.score - 1e-9, `ours ${ours.score} below the reference's ${theirs.score}`);
  assert.ok(ours.score > 0.9, `GSM similarity ${ours.score} on clean speech`);
  dec.destroy();
});

test('libgsm’s gsm_explode and our RFC 3551 §4.5.8.1 parser agree on every frame of the speech', (t) => {
  const ref = loadReference(t);
  if (!ref) return;
  const c = new GsmCodec();
  const p = new Int16Array(GSM_FRAME_PARAMETERS);
  for (let o = 0; o < ref.toast.length; o += 33) {
    const frame = ref.toast.subarray(o, o + 33);
    assert.ok(c.explode(frame, p), 'explode');
    const u = unpackGsmFrame(frame);
    const flat = [...u.LARc, ...u.subframes.flatMap((s) => [s.Nc, s.bc, s.Mc, s.xmaxc, ...s.xMc])];
    assert.deepEqual(flat, [...p], `frame ${o / 33}`);
  }
  c.destroy();
});

test('encoder: a timestamp jump completes the partial frame with zeros, cuts the packet, marks the next', (t) => {
  if (!requireLibgsm(t)) return;
  const enc = createGsmEncoder({ payloadType: 3, ptimeMs: 60 });
  const tone = (n: number, t0: number): Int16Array => Int16Array.from({ length: n }, (_, i) => Math.round(5000 * Math.sin((t0 + i) * 0.3)));
  // Input timestamps start at 1000: output timestamps count from the first input sample.
  let out = drive(enc, [audio(tone(80, 0), 1000), audio(tone(80, 80), 1080), audio(tone(40, 160), 1160)]) as EncodedFrame[];
  assert.equal(out.length, 0, 'nothing before a packet is full');
  out = drive(enc, [audio(tone(480, 0), 5000)]) as EncodedFrame[];
  assert.equal(out.length, 2, 'the cut packet, then a full packet from the new position');
  assert.deepEqual(
    out.map((p) => [p.timestamp, p.duration, p.data.length, p.marker]),
    [
      [0, 320, 66, true],
      [4000, 480, 99, true],
    ],
  );
  // A jump that would overlap the zero-completed frame drops the partial frame instead.
  drive(enc, [audio(tone(100, 0), 5480)]);
  out = drive(enc, [audio(tone(480, 0), 5500)]) as EncodedFrame[];
  assert.deepEqual(
    out.map((p) => [p.timestamp, p.duration, p.marker]),
    [[4500, 480, true]],
  );
  assert.equal(enc.encoderStats.discontinuities, 2);
  enc.destroy();
});

test('decoder: a lost frame becomes zeros flagged concealed for the generic PLC', (t) => {
  if (!requireLibgsm(t)) return;
  const dec = createGsmDecoder({ payloadType: 3 });
  const out = drive(dec, [encoded(new Uint8Array(0), 960, { lost: true, duration: 320 })]) as AudioFrame[];
  assert.equal(out.length, 1);
  assert.equal(out[0]!.samples.length, 320);
  assert.equal(out[0]!.timestamp, 960);
  assert.equal(out[0]!.concealed, true);
  assert.ok(out[0]!.samples.every((s) => s === 0), 'a marker frame is all zeros');
  assert.equal(dec.decodeErrors, 0, 'a loss is not a decode error');
  assert.equal(dec.decoderStats.lostSamples, 320);
  dec.destroy();
});

test('decoder: empty, truncated, oversized and garbage payloads are concealed and counted, never thrown', (t) => {
  if (!requireLibgsm(t)) return;
  const dec = createGsmDecoder({ payloadType: 3 });
  const good = new Uint8Array(33);
  good[0] = 0xd0;
  const cases: [Uint8Array, number | undefined, number][] = [
    [new Uint8Array(0), 160, 160],
    [good.subarray(0, 20), undefined, 160], // unknown duration: one frame
    [new Uint8Array(51 * 33).fill(0xd0), 8160, 8160],
    [new Uint8Array(66).fill(0x11), 320, 320],
  ];
  for (const [data, duration, expect] of cases) {
    const out = drive(dec, [encoded(data, 0, duration === undefined ? {} : { duration })]) as AudioFrame[];
    assert.equal(out.length, 1, `${data.length} octets: one concealed frame`);
    assert.equal(out[0]!.concealed, true);
    assert.equal(out[0]!.samples.length, expect);
  }
  assert.equal(dec.decodeErrors, 4);
  // Random payloads: no throw; each either decodes or counts as an error.
  let seed = 7;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  let decoded = 0;
  for (let i = 0; i < 2000; i++) {
    const data = new Uint8Array(rnd() < 0.5 ? 33 * (1 + Math.floor(rnd() * 5)) : Math.floor(rnd() * 200));
    for (let j = 0; j < data.length; j++) data[j] = rnd() * 256;
    if (rnd() < 0.5) for (let j = 0; j + 33 <= data.length; j += 33) data[j] = 0xd0 | (data[j]! & 15);
    const before: number = dec.decodeErrors;
    const out = drive(dec, [encoded(data, i * 160, { duration: 160 })]) as AudioFrame[];
    assert.equal(out.length, 1, 'one output frame per payload');
    if (dec.decodeErrors === before) decoded++;
  }
  assert.ok(decoded > 200 && dec.decodeErrors > 1000, `decoded ${decoded}, errors ${dec.decodeErrors}`);
  dec.destroy();
});

test('isQuietPayload: the payloads it calls quiet are pauses (calibrated against G.711’s level rule)', (t) => {
  const ref = loadReference(t);
  if (!ref) return;
  const isQuiet = GSM_CODEC.isQuietPayload!;
  let levelQuiet = 0;
  let found = 0;
  let loudest = 0;
  for (let k = 0; (k + 1) * 33 <= ref.toast.length && (k + 1) * 160 <= ref.pcm.length; k++) {
    let sum = 0;
    for (let i = k * 160; i < (k + 1) * 160; i++) sum += Math.abs(ref.pcm[i]!);
    const mean = sum / 160;
    if (mean < 50) levelQuiet++;
    if (isQuiet(ref.toast.subarray(k * 33, (k + 1) * 33))) {
      if (mean < 50) found++;
      loudest = Math.max(loudest, mean);
    }
  }
  console.log(`GSM isQuietPayload on hello8000.wav: finds ${found} of the ${levelQuiet} frames with mean |x| < 50; loudest frame called quiet: mean |x| ${loudest.toFixed(1)}`);
  assert.ok(loudest < 80, `a frame of mean |x| ${loudest} was called quiet`);
  assert.ok(found >= levelQuiet * 0.5, `found ${found} of ${levelQuiet} quiet frames`);
  // A payload of several frames is quiet only when all are; garbage never is.
  const quietIdx: number[] = [];
  const loudIdx: number[] = [];
  for (let k = 0; k * 33 < ref.toast.length; k++) (isQuiet(ref.toast.subarray(k * 33, (k + 1) * 33)) ? quietIdx : loudIdx).push(k);
  const q = ref.toast.subarray(quietIdx[0]! * 33, quietIdx[0]! * 33 + 33);
  const l = ref.toast.subarray(loudIdx[0]! * 33, loudIdx[0]! * 33 + 33);
  assert.equal(isQuiet(Buffer.concat([q, q])), true);
  assert.equal(isQuiet(Buffer.concat([q, l])), false);
  assert.equal(isQuiet(new Uint8Array(33)), false, 'no signature');
  assert.equal(isQuiet(q.subarray(0, 32)), false, 'truncated');
});

test('options: ptime and PT checked (ConfigError), fmtp and bitrate ignored, input format enforced', (t) => {
  if (!requireLibgsm(t)) return;
  assert.throws(() => createGsmEncoder({ payloadType: 3, ptimeMs: 30 }), (e: unknown) => e instanceof ConfigError && /20–120 ms in steps of 20/.test(e.message));
  assert.throws(() => createGsmEncoder({ payloadType: 3, ptimeMs: 10 }), ConfigError);
  assert.throws(() => createGsmEncoder({ payloadType: 128 }), ConfigError);
  assert.throws(() => createGsmDecoder({ payloadType: -1 }), ConfigError);
  const enc = createGsmEncoder({ payloadType: 3, bitrate: 64000, fmtp: { foo: 'bar' } });
  assert.equal(enc.ptimeMs, 20);
  assert.throws(() => drive(enc, [audio(new Int16Array(160), 0, 16000)]), (e: unknown) => e instanceof ConfigError && /8000 Hz mono/.test(e.message));
  assert.throws(() => enc.setPtimeMs(50), ConfigError);
  enc.setPtimeMs(40);
  assert.equal(enc.ptimeMs, 40);
  enc.destroy();
  createGsmDecoder({ payloadType: 3, fmtp: { anything: '1' } }).destroy();
});

test('native state: one per filter, freed at postprocess, made afresh when used again', (t) => {
  if (!requireLibgsm(t)) return;
  const before = GsmCodec.liveCount;
  const enc = new GsmEncoder({ payloadType: 3 });
  const dec = new GsmDecoder({ payloadType: 3 });
  assert.equal(GsmCodec.liveCount, before + 2);
  const packets = drive(enc, ticks(new Int16Array(1600))) as EncodedFrame[];
  drive(dec, packets);
  assert.equal(GsmCodec.liveCount, before + 2, 'no state per packet');
  enc.postprocess(CTX);
  dec.postprocess(CTX);
  assert.equal(GsmCodec.liveCount, before);
  assert.equal(enc.hasNativeState || dec.hasNativeState, false, 'both freed');
  enc.preprocess(CTX);
  assert.equal(drive(enc, ticks(new Int16Array(160))).length, 1, 'works again after re-attach');
  assert.equal(GsmCodec.liveCount, before + 1);
  enc.destroy();
  dec.destroy();
  assert.equal(GsmCodec.liveCount, before);
});

test('descriptor and registration: PT 3, GSM/8000, payloadDuration, no own PLC', (t) => {
  const r = new Registry();
  registerGsmCodecs(r);
  registerGsmCodecs(r);
  const e = r.findCodecByPayloadType(3);
  assert.ok(e !== undefined, 'GSM registered under PT 3');
  assert.equal(e.codec, GSM_CODEC);
  assert.equal(e.codec.hasPlc, false);
  assert.equal(e.codec.library?.debianPackage, 'libgsm1');
  assert.equal(GSM_CODEC.payloadDuration?.(new Uint8Array(99)), 480);
  assert.equal(GSM_CODEC.payloadDuration?.(new Uint8Array(98)), undefined);
  if (!requireLibgsm(t)) {
    assert.equal(e.available, false);
    assert.match(e.reason ?? '', /libgsm1/);
    return;
  }
  assert.equal(e.available, true);
  assert.ok(r.createEncoder('gsm', 8000, 1, { payloadType: 3 }) instanceof GsmEncoder, 'encoder by name');
});

test('a GSM call through AudioStream in virtual time: clean, then with 10 % loss concealed by the generic PLC', async (t) => {
  const ref = loadReference(t);
  if (!ref) return;
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const results: { loss: number; score: number; errors: number; concealedMs: number; lost: number }[] = [];
  for (const loss of [0, 10]) {
    const clock = new VirtualClock(1000);
    const ticker = new Ticker({ clock });
    const rtp = new LoopbackPair({ a: { port: 40000 }, b: { port: 40002 }, clock, ...(loss ? { aToB: { lossPct: loss, seed: 3 } } : {}) });
    ticker.attach(new Graph('network').add(new CallbackFilter(() => rtp.poll(clock.now()))));
    const registry = new Registry();
    registerGsmCodecs(registry);
    const chunks: Int16Array[] = [];
    const recorder = new (class extends Filter {
      readonly type = 'rec';
      constructor() {
        super({ inputs: 1, outputs: 0 });
      }
      process(): void {
        for (let f = this.pull(0); f; f = this.pull(0)) chunks.push((f as AudioFrame).samples.slice());
      }
    })();
    const common = { codec: { mime: 'GSM', clockRate: 8000 }, ticker, registry, rtcp: { enabled: false } };
    const a = new AudioStream({ ...common, transports: { rtp: rtp.a }, remote: { address: '127.0.0.1', port: 40002 }, input: { kind: 'file', path: hello } });
    const b = new AudioStream({ ...common, transports: { rtp: rtp.b }, remote: { address: '127.0.0.1', port: 40000 }, input: { kind: 'none' }, output: { kind: 'filter', filter: recorder } });
    await a.start();
    await b.start();
    ticker.runFor(12_500);
    await a.stop();
    await b.stop();
    ticker.shutdown();
    const rep = b.report();
    const sim = speechSimilarity(toMono8k(ref.pcm, 8000, 1), toMono8k(concat(chunks), 8000, 1));
    results.push({ loss, score: sim.score, errors: rep.decoder.errors, concealedMs: rep.decoder.concealedMs, lost: rep.received.lost });
  }
  const orig = toMono8k(ref.pcm, 8000, 1);
  const refScore = speechSimilarity(orig, toMono8k(ref.untoast, 8000, 1)).score;
  for (const r of results) {
    console.log(`GSM call, ${r.loss} % loss: similarity ${r.score.toFixed(4)} (toast/untoast without loss ${refScore.toFixed(4)}), lost ${r.lost}, concealed ${r.concealedMs} ms, decoder errors ${r.errors}`);
  }
  const [clean, lossy] = results as [(typeof results)[0], (typeof results)[0]];
  assert.equal(clean.errors, 0);
  assert.equal(clean.lost, 0);
  // Not equal: the jitter buffer sheds its start-up excess by skipping one (quiet) packet, which
  // shifts the rest by 20 ms and puts the decoder's predictors briefly out of step (measured 0.007).
  assert.ok(Math.abs(clean.score - refScore) < 0.02, `clean call ${clean.score} vs the reference decode ${refScore}`);
  assert.ok(lossy.lost > 0 && lossy.concealedMs > 0, `loss was simulated and concealed (lost ${lossy.lost}, ${lossy.concealedMs} ms)`);
  assert.equal(lossy.errors, 0);
  assert.ok(lossy.score > clean.score - 0.15, `10 % loss: similarity ${lossy.score} against ${clean.score} clean`);
});
