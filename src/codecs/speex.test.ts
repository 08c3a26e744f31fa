/**
 * Speex filters against the reference implementation: the `speex` package's speexenc/speexdec
 * (libspeex's own command-line tools) on the reference speech. The encoder is checked
 * bit-exact against speexenc (its Ogg packets), the decoder sample-exact against speexdec, and
 * both by speech similarity (DESIGN §6) to the original, ours printed beside the reference's.
 */
import { writeWavFile } from '../files/wav-writer.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { FrameQueue } from '../core/queue.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { VirtualClock } from '../core/clock.js';
import { readWavFile } from '../files/wav-reader.js';
import { SpeexDecoder, SpeexEncoder, speexModeInfo } from '../native/speex.js';
import { SpeexResampler } from '../native/speexdsp.js';
import { LoopbackPair } from '../net/impaired-transport.js';
import { scanSpeexPayload, SPEEX_NB_SUBMODE_BITS, SPEEX_UWB_LAYER_BITS, SPEEX_WB_LAYER_BITS } from '../rtp/payload/speex.js';
import { AudioStream } from '../streams/audio-stream.js';
import { CallbackFilter } from '../streams/callback-filter.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { registerBuiltinCodecs } from './builtin.js';
import {
  registerSpeexCodecs,
  SPEEX_NB_CODEC,
  SPEEX_UWB_CODEC,
  SPEEX_WB_CODEC,
  SpeexDecoderFilter,
  SpeexEncoderFilter,
  type SpeexBand,
  type SpeexEncoderOptions,
} from './speex.js';

const RATE: Record<SpeexBand, number> = { nb: 8000, wb: 16000, uwb: 32000 };
const FS: Record<SpeexBand, number> = { nb: 160, wb: 320, uwb: 640 };

// ─────────────────────────────────────────────────────────────────────────────── helpers ──

/** Runs frames through a filter's process() directly (no ticker), returning what it pushed. */
function drive(filter: Filter, frames: readonly Frame[], perCall = 1): Frame[] {
  const input = new FrameQueue<Frame>();
  const output = new FrameQueue<Frame>();
  filter.inputs[0] = input;
  filter.outputs[0] = output;
  const ctx: TickContext = { timeMs: 0, tick: 0, periodMs: 10 };
  const out: Frame[] = [];
  for (let i = 0; i < frames.length; i += perCall) {
    for (const f of frames.slice(i, i + perCall)) input.put(f);
    filter.process(ctx);
    for (let f = output.get(); f; f = output.get()) out.push(f);
  }
  return out;
}

/** 10 ms AudioFrames of a signal. */
function tenMs(pcm: Int16Array, rate: number, start = 0): AudioFrame[] {
  const step = rate / 100;
  const out: AudioFrame[] = [];
  for (let i = 0; i + step <= pcm.length; i += step) out.push({ kind: 'audio', samples: pcm.slice(i, i + step), sampleRate: rate, channels: 1, timestamp: start + i });
  return out;
}

function concat(frames: readonly Frame[]): Int16Array {
  const a = frames as AudioFrame[];
  const out = new Int16Array(a.reduce((n, f) => n + f.samples.length, 0));
  let o = 0;
  for (const f of a) {
    out.set(f.samples, o);
    o += f.samples.length;
  }
  return out;
}

/** Packets as the receive side hands them: a `lost` frame for every timestamp gap (DTX, loss). */
function withGaps(packets: readonly EncodedFrame[], pt: number): EncodedFrame[] {
  const out: EncodedFrame[] = [];
  let next = packets[0]?.timestamp ?? 0;
  for (const p of packets) {
    if (p.timestamp > next) out.push({ kind: 'encoded', data: new Uint8Array(0), timestamp: next, marker: false, payloadType: pt, duration: p.timestamp - next, lost: true });
    out.push(p);
    next = p.timestamp + p.duration!;
  }
  return out;
}

function encode(band: SpeexBand, pcm: Int16Array, options: Partial<SpeexEncoderOptions> = {}): { packets: EncodedFrame[]; enc: SpeexEncoderFilter } {
  const enc = new SpeexEncoderFilter(band, { payloadType: 97, ...options });
  const packets = drive(enc, tenMs(pcm, RATE[band])) as EncodedFrame[];
  return { packets, enc };
}

function decode(band: SpeexBand, packets: readonly EncodedFrame[], fmtp?: Record<string, string>): { pcm: Int16Array; dec: SpeexDecoderFilter; frames: AudioFrame[] } {
  const dec = new SpeexDecoderFilter(band, { payloadType: 97, ...(fmtp ? { fmtp } : {}) });
  const frames = drive(dec, withGaps(packets, 97)) as AudioFrame[];
  return { pcm: concat(frames), dec, frames };
}

function similarity(original: Int16Array, rate: number, decoded: Int16Array, decodedRate = rate, maxLagMs = 3000): number {
  return speechSimilarity(toMono8k(original, rate, 1), toMono8k(decoded, decodedRate, 1), maxLagMs).score;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when speexenc and speexdec are installed; otherwise skips loudly. */
function requireSpeexTools(t: TestContext): boolean {
  const missing = ['speexenc', 'speexdec'].filter((n) => !onPath(n));
  if (missing.length === 0) return true;
  const msg = `SKIP: reference tools missing on PATH: ${missing.join(', ')} (Debian package speex); install with scripts/setup`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** The packets of an Ogg file (RFC 3533: pages of lacing values; a value < 255 ends a packet). */
function oggPackets(bytes: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let cur: number[] = [];
  let pos = 0;
  while (pos + 27 <= bytes.length) {
    assert.equal(String.fromCharCode(...bytes.subarray(pos, pos + 4)), 'OggS', `Ogg page at ${pos}`);
    const nseg = bytes[pos + 26]!;
    let p = pos + 27 + nseg;
    for (const len of bytes.subarray(pos + 27, pos + 27 + nseg)) {
      for (let i = 0; i < len; i++) cur.push(bytes[p + i]!);
      p += len;
      if (len < 255) {
        packets.push(Uint8Array.from(cur));
        cur = [];
      }
    }
    pos = p;
  }
  return packets;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-speex-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeWav(path: string, pcm: Int16Array, rate: number): void {
  writeWavFile(path, pcm, rate, 1);
}

interface Reference {
  packets: Uint8Array[];
  pcm: Int16Array;
  rate: number;
}

/** speexenc (quality q, extra flags) then speexdec, on `pcm`. */
function reference(dir: string, band: SpeexBand, pcm: Int16Array, q: number, flags: string[] = []): Reference {
  const wav = join(dir, `in-${band}.wav`);
  const spx = join(dir, `ref-${band}.spx`);
  const out = join(dir, `ref-${band}.wav`);
  writeWav(wav, pcm, RATE[band]);
  execFileSync('speexenc', [band === 'nb' ? '-n' : band === 'wb' ? '-w' : '-u', '--quality', String(q), ...flags, wav, spx], { stdio: 'ignore' });
  execFileSync('speexdec', [spx, out], { stdio: 'ignore' });
  const w = readWavFile(out);
  // Packets 0 and 1 are the Speex header and the comments.
  return { packets: oggPackets(new Uint8Array(readFileSync(spx))).slice(2), pcm: w.samples, rate: w.sampleRate };
}

const speech = new Map<SpeexBand, Int16Array>();

/** The reference speech at the band's rate: hello8000 (nb), hello16000 (wb), hello16000 → 32 kHz (uwb). */
function speechFor(t: TestContext, band: SpeexBand): Int16Array | undefined {
  const cached = speech.get(band);
  if (cached) return cached;
  const file = sharedFile(t, 'data', 'ms2', 'sounds', band === 'nb' ? 'hello8000.wav' : 'hello16000.wav');
  if (!file) return undefined;
  let pcm = readWavFile(file).samples;
  if (band === 'uwb') {
    const r = new SpeexResampler({ channels: 1, inputRate: 16000, outputRate: 32000, quality: 8 });
    r.skipZeros();
    pcm = r.process(pcm).slice();
    r.destroy();
  }
  speech.set(band, pcm);
  return pcm;
}

// ───────────────────────────────────────────────────────────────────────────────── tests ──

test('registration: speex/8000, /16000, /32000 with PT 110, 111, 116, own PLC, libspeex1', () => {
  const r = new Registry();
  registerSpeexCodecs(r);
  registerSpeexCodecs(r); // idempotent
  const expected = [
    [SPEEX_NB_CODEC, 8000, 110],
    [SPEEX_WB_CODEC, 16000, 111],
    [SPEEX_UWB_CODEC, 32000, 116],
  ] as const;
  for (const [codec, rate, pt] of expected) {
    const e = r.findCodec('SPEEX', rate);
    assert.ok(e?.available, `speex/${rate} registered and available`);
    assert.equal(e.codec, codec);
    assert.equal(r.findCodecByPayloadType(pt)?.codec, codec);
    assert.equal(codec.sampleRate, rate);
    assert.equal(codec.hasPlc, true);
    assert.equal(codec.frameMs, 20);
    assert.deepEqual(codec.library, { name: 'libspeex', debianPackage: 'libspeex1' });
    assert.match(codec.bitrates, /^[\d.]+ kbit\/s/, 'the default bitrate first (AudioStream reads it for RTCP bandwidth)');
  }
  assert.equal(r.listCodecs().length, 3);
  const enc = r.createEncoder('speex', 16000, 1, { payloadType: 111 });
  const dec = r.createDecoder('speex', 16000, 1, { payloadType: 111 });
  assert.equal(enc.type, 'speex-encoder');
  assert.equal(dec.type, 'speex-decoder');
  (enc as SpeexEncoderFilter).destroy();
  (dec as SpeexDecoderFilter).destroy();
});

test("the payload format's bit tables are libspeex's (speex_mode_query)", () => {
  assert.deepEqual(speexModeInfo('nb').submodeBits, [...SPEEX_NB_SUBMODE_BITS]);
  assert.deepEqual(speexModeInfo('wb').submodeBits, [...SPEEX_WB_LAYER_BITS]);
  assert.deepEqual(speexModeInfo('uwb').submodeBits, [...SPEEX_UWB_LAYER_BITS]);
});

test("the frame scanner agrees with libspeex's decoder on every band, quality, VBR, VAD/DTX and frames per packet", (t) => {
  let checked = 0;
  for (const band of ['nb', 'wb', 'uwb'] as const) {
    const pcm = speechFor(t, band);
    if (!pcm) return;
    const clip = pcm.subarray(0, RATE[band] * 3);
    const dec = new SpeexDecoder(band);
    const out = new Int16Array(FS[band] * 8);
    for (const q of [0, 3, 6, 10]) {
      for (const [vbr, ptime] of [['off', 20], ['off', 60], ['on', 40], ['vad', 20]] as const) {
        const { packets, enc } = encode(band, clip, { quality: q, ptimeMs: ptime, fmtp: { vbr } });
        enc.destroy();
        for (const p of packets) {
          const n = scanSpeexPayload(p.data);
          assert.equal(n * FS[band], p.duration, `${band} q${q} ${vbr}: scanner frames × frame size = packet duration`);
          assert.equal(SPEEX_NB_CODEC.payloadDuration!(p.data), n * 160);
          const got = dec.decode(p.data, out);
          assert.equal(got, n, `${band} q${q} ${vbr} ptime ${ptime}: decoder decoded ${got} frames, scanner counted ${n}`);
          assert.equal(dec.lastStop, 'end');
          checked++;
        }
      }
    }
    dec.destroy();
  }
  assert.ok(checked > 2000, `${checked} packets checked`);
});

// At the defaults (RFC 5574's default modes: narrowband 3 = quality 3, wideband 8 = quality 8).
for (const [band, quality] of [['nb', 3], ['wb', 8], ['uwb', 8]] as const) {
  test(`${band}: bit-exact with speexenc, sample-exact with speexdec, similarity as the reference's (default mode, quality ${quality})`, (t) => {
    if (!requireSpeexTools(t)) return;
    const pcm = speechFor(t, band);
    if (!pcm) return;
    const dir = tempDir(t);
    const ref = reference(dir, band, pcm, quality);
    const { packets, enc } = encode(band, pcm);
    assert.equal(enc.quality, quality);
    assert.equal(enc.bitrate, { nb: 8000, wb: 27800, uwb: 29600 }[band]);
    // speexenc runs one frame more (it pads the end); every frame we made is the same.
    assert.ok(ref.packets.length >= packets.length && packets.length > 500, `${packets.length} packets vs speexenc's ${ref.packets.length}`);
    let same = 0;
    for (let i = 0; i < packets.length; i++) if (Buffer.from(packets[i]!.data).equals(ref.packets[i]!)) same++;
    assert.equal(same, packets.length, `${same} of ${packets.length} packets identical to speexenc's`);

    const { pcm: ours, dec } = decode(band, packets);
    assert.equal(dec.decodeErrors, 0);
    // speexdec drops the codec delay at the start: our output is its output shifted by that much.
    let shift = -1;
    for (let s = 0; s <= 1000 && shift < 0; s++) {
      let equal = true;
      for (let i = 4000; i < 6000 && equal; i++) equal = ours[i + s] === ref.pcm[i];
      if (equal) shift = s;
    }
    assert.ok(shift >= 0, 'our decoded audio is speexdec\'s, shifted by the codec delay');
    let diff = 0;
    for (let i = 0; i < ref.pcm.length && i + shift < ours.length; i++) if (ours[i + shift] !== ref.pcm[i]) diff++;
    assert.equal(diff, 0, `${diff} samples differ from speexdec's`);

    const simOurs = similarity(pcm, RATE[band], ours);
    const simRef = similarity(pcm, RATE[band], ref.pcm, ref.rate);
    console.log(`  speex ${band} quality ${quality}: similarity ours ${simOurs.toFixed(4)}, reference speexenc/speexdec ${simRef.toFixed(4)} (codec delay ${shift} samples)`);
    assert.ok(simOurs >= simRef - 0.01, `similarity ${simOurs.toFixed(4)} < reference ${simRef.toFixed(4)} − 0.01`);
  });
}

test('VBR (fmtp vbr=on): frame sizes vary, the rate drops, similarity as speexenc --vbr', (t) => {
  if (!requireSpeexTools(t)) return;
  const pcm = speechFor(t, 'wb');
  if (!pcm) return;
  const dir = tempDir(t);
  const { packets, enc } = encode('wb', pcm, { fmtp: { vbr: 'on' } });
  assert.equal(enc.vbr, 'on');
  assert.equal(enc.dtx, true, 'DTX comes with VBR, as Mediastreamer2 sets it');
  const sizes = new Set(packets.map((p) => p.data.length));
  const seconds = pcm.length / 16000;
  const kbps = (packets.reduce((n, p) => n + p.data.length, 0) * 8) / seconds / 1000;
  const { pcm: ours, dec } = decode('wb', packets);
  assert.equal(dec.decodeErrors, 0);
  const ref = reference(dir, 'wb', pcm, 8, ['--vbr']);
  const refKbps = (ref.packets.reduce((n, p) => n + p.length, 0) * 8) / seconds / 1000;
  const simOurs = similarity(pcm, 16000, ours);
  const simRef = similarity(pcm, 16000, ref.pcm, ref.rate);
  console.log(`  speex wb VBR quality 8: ${sizes.size} packet sizes, ${kbps.toFixed(1)} kbit/s (speexenc --vbr ${refKbps.toFixed(1)}); similarity ours ${simOurs.toFixed(4)}, reference ${simRef.toFixed(4)}`);
  assert.ok(sizes.size >= 4, `${sizes.size} distinct packet sizes`);
  assert.ok(kbps < 27.8, `VBR at ${kbps.toFixed(1)} kbit/s, CBR quality 8 is 27.8`);
  assert.ok(simOurs >= simRef - 0.01, `similarity ${simOurs.toFixed(4)} < reference ${simRef.toFixed(4)} − 0.01`);
});

test('VAD/DTX (fmtp vbr=vad): silent packets are not sent, talkspurts start with the marker, gaps are comfort noise', (t) => {
  if (!requireSpeexTools(t)) return;
  const pcm = speechFor(t, 'nb');
  if (!pcm) return;
  const dir = tempDir(t);
  // Two seconds of digital silence in the middle make a clear pause.
  const withPause = new Int16Array(pcm.length + 16000);
  withPause.set(pcm.subarray(0, 40000));
  withPause.set(pcm.subarray(40000), 56000);
  const { packets, enc } = encode('nb', withPause, { fmtp: { vbr: 'vad' } });
  const st = enc.encoderStats;
  assert.equal(st.framesEncoded, Math.floor(withPause.length / 160));
  assert.ok(st.dtxPackets >= 80, `${st.dtxPackets} packets not sent (the 2 s pause is 100)`);
  assert.equal(st.packetsOut + st.dtxPackets, st.framesEncoded);
  let expected = 0;
  for (const [i, p] of packets.entries()) {
    const gap = i === 0 || p.timestamp !== packets[i - 1]!.timestamp + 160;
    assert.equal(p.marker, gap, `packet ${i} at ${p.timestamp}: marker ${p.marker}, after a gap: ${gap}`);
    if (gap) expected++;
    assert.equal(p.timestamp % 160, 0);
  }
  assert.ok(expected >= 2, 'at least one talkspurt after the pause');
  const { pcm: ours, frames, dec } = decode('nb', packets);
  assert.equal(dec.decodeErrors, 0);
  assert.equal(ours.length, packets.at(-1)!.timestamp + 160, 'gaps filled: the output is continuous');
  assert.ok(frames.some((f) => f.concealed), 'gaps concealed');
  assert.equal(enc.quality, 3, 'RFC 5574 default narrowband mode 3 = quality 3');
  const ref = reference(dir, 'nb', withPause, enc.quality, ['--vad', '--dtx']);
  const simOurs = similarity(withPause, 8000, ours);
  const simRef = similarity(withPause, 8000, ref.pcm, ref.rate);
  console.log(`  speex nb VAD+DTX (mode 3): ${st.packetsOut} packets sent, ${st.dtxPackets} not; similarity ours ${simOurs.toFixed(4)}, reference speexenc --quality 3 --vad --dtx ${simRef.toFixed(4)}`);
  assert.ok(simOurs >= simRef - 0.01, `similarity ${simOurs.toFixed(4)} < reference ${simRef.toFixed(4)} − 0.01`);
});

test('several frames per packet: ptime 60 → 3 frames, durations, timestamps, same audio as 1 frame per packet', (t) => {
  const full = speechFor(t, 'wb');
  if (!full) return;
  const pcm = full.subarray(0, 16000 * 3);
  const one = encode('wb', pcm);
  const three = encode('wb', pcm, { ptimeMs: 60 });
  assert.equal(three.enc.framesPerPacket, 3);
  assert.equal(three.packets.length, Math.floor(one.packets.length / 3));
  for (const [i, p] of three.packets.entries()) {
    assert.equal(p.timestamp, i * 960);
    assert.equal(p.duration, 960);
    assert.equal(p.marker, i === 0);
    assert.equal(SPEEX_WB_CODEC.payloadDuration!(p.data), 960);
    // The bits of three frames are those of three 1-frame packets end to end (RFC 5574 §3.3).
    assert.ok(p.data.length <= one.packets[3 * i]!.data.length * 3, 'no per-frame padding');
  }
  const a = decode('wb', one.packets.slice(0, three.packets.length * 3)).pcm;
  const { pcm: b, frames } = decode('wb', three.packets);
  assert.ok(frames.every((f) => f.samples.length === 960));
  assert.deepEqual(b, a, 'decoding 3-frame packets gives the same audio as 1-frame packets');
  assert.equal(encode('nb', pcm.subarray(0, 8000), { ptimeMs: 30 }).enc.framesPerPacket, 2, 'ptime 30 → 40 ms');
  assert.equal(encode('nb', pcm.subarray(0, 8000), { fmtp: { ptime: '80' } }).enc.framesPerPacket, 4, 'fmtp ptime when no ptimeMs');
  assert.equal(encode('nb', pcm.subarray(0, 8000), { ptimeMs: 100, fmtp: { maxptime: '40' } }).enc.framesPerPacket, 2, 'capped by maxptime');
  assert.throws(() => new SpeexEncoderFilter('nb', { payloadType: 110, ptimeMs: 500 }), (e: unknown) => e instanceof ConfigError && /ptime.*1–200/.test(e.message));
});

test('bitrate, quality and fmtp mode choose the Speex mode; out of range is a ConfigError naming the range', (t) => {
  const full = speechFor(t, 'nb');
  if (!full) return;
  const pcm = full.subarray(0, 8000);
  const sizeOf = (band: SpeexBand, o: Partial<SpeexEncoderOptions>): [number, number] => {
    const { packets, enc } = encode(band, band === 'nb' ? pcm : new Int16Array(16000), o);
    const r = [enc.bitrate, packets[0]!.data.length] as [number, number];
    enc.destroy();
    return r;
  };
  assert.deepEqual(sizeOf('nb', {}), [8000, 20], 'RFC 5574 default mode="3,any": 160 bits');
  assert.equal(sizeOf('wb', {})[0], 27800, 'RFC 5574 default mode="8,any" in wideband');
  assert.deepEqual(sizeOf('nb', { bitrate: 11000 }), [11000, 28]);
  assert.deepEqual(sizeOf('nb', { bitrate: 12999 }), [11000, 28], 'the highest mode at or below');
  assert.deepEqual(sizeOf('nb', { quality: 10 }), [24600, 62]);
  assert.deepEqual(sizeOf('nb', { fmtp: { mode: '3' } }), [8000, 20], 'RFC 5574 mode 3');
  assert.deepEqual(sizeOf('nb', { fmtp: { mode: '"1,any"' } }), [2150, 6]);
  assert.deepEqual(sizeOf('nb', { fmtp: { mode: 'any' } }), [8000, 20]);
  assert.deepEqual(sizeOf('nb', { fmtp: { mode: '"5,any"' } }), [15000, 38]);
  assert.deepEqual(sizeOf('nb', { bitrate: 2150, fmtp: { mode: '7' } }), [2150, 6], '--bitrate wins over fmtp mode');
  assert.equal(sizeOf('wb', { fmtp: { mode: '6' } })[0], 20600, 'wideband mode = quality, as Mediastreamer2 reads it');
  assert.equal(sizeOf('wb', { bitrate: 9800 })[0], 9800);
  const bad: [SpeexBand, Partial<SpeexEncoderOptions>, RegExp][] = [
    ['nb', { bitrate: 2000 }, /bitrate must be a whole number 2150–24600 bit\/s/],
    ['nb', { bitrate: 64000 }, /2150–24600/],
    ['wb', { bitrate: 50000 }, /3950–42200/],
    ['uwb', { bitrate: 1 }, /4150–44000/],
    ['nb', { quality: 11 }, /quality must be a whole number 0–10/],
    ['nb', { complexity: 0 }, /complexity must be a whole number 1–10/],
    ['nb', { fmtp: { mode: '9' } }, /mode must be 1–8 or any/],
    ['nb', { fmtp: { vbr: 'yes' } }, /vbr must be on, off or vad/],
    ['nb', { payloadType: 128 }, /payloadType must be a whole number 0–127/],
  ];
  for (const [band, o, re] of bad) {
    assert.throws(() => new SpeexEncoderFilter(band, { payloadType: 97, ...o }), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(o));
  }
  const enc = new SpeexEncoderFilter('nb', { payloadType: 110 });
  enc.setBitrate(8000);
  assert.equal(enc.bitrate, 8000);
  enc.setQuality(2);
  assert.equal(enc.bitrate, 5950);
  assert.throws(() => enc.setBitrate(30000), ConfigError);
  enc.setPtimeMs(40);
  assert.equal(enc.ptimeMs, 40);
  enc.destroy();
});

test('bad payloads never throw: counted in decodeErrors, their span concealed; good ones still decode', (t) => {
  const full = speechFor(t, 'nb');
  if (!full) return;
  const { packets } = encode('nb', full.subarray(0, 8000), { ptimeMs: 40 });
  const good = packets.slice(0, 10);
  const pkt = (data: Uint8Array, i: number, duration: number | undefined = 320): EncodedFrame => ({
    kind: 'encoded', data, timestamp: 100_000 + i * 320, marker: false, payloadType: 97, ...(duration !== undefined ? { duration } : {}),
  });
  const nullFrames = new Uint8Array(Math.ceil((33 * 5) / 8)).fill(0); // 33 null frames and a 3-bit tail
  const bad: [string, EncodedFrame][] = [
    ['empty', pkt(new Uint8Array(0), 0)],
    ['oversized (2000 bytes)', pkt(new Uint8Array(2000).fill(0x11), 1)],
    ['truncated', pkt(good[0]!.data.subarray(0, 30), 2)],
    ['invalid mode 9', pkt(Uint8Array.of(0x48, 0, 0, 0, 0, 0, 0, 0), 3)],
    ['a layer with no frame', pkt(Uint8Array.of(0x90, 0, 0, 0, 0, 0), 4)],
    ['too many frames (33 null frames)', pkt(nullFrames, 5)],
    ['only padding', pkt(Uint8Array.of(0x7f), 6)],
    ['no duration given', pkt(Uint8Array.of(0xff, 0xff), 7, undefined)],
  ];
  const dec = new SpeexDecoderFilter('nb', { payloadType: 97 });
  const warm = drive(dec, good.slice(0, 5));
  assert.equal(warm.length, 5);
  for (const [name, f] of bad) {
    const out = drive(dec, [f]) as AudioFrame[];
    assert.equal(out.length, 1, `${name}: one concealed frame`);
    assert.equal(out[0]!.concealed, true, `${name}: flagged concealed`);
    assert.equal(out[0]!.samples.length, f.duration ?? 160, `${name}: its span concealed`);
    assert.equal(out[0]!.timestamp, f.timestamp);
  }
  assert.equal(dec.decodeErrors, bad.length);
  const after = drive(dec, good.slice(5)) as AudioFrame[];
  assert.equal(after.length, 5);
  assert.ok(after.every((f) => !f.concealed && f.samples.length === 320), 'good packets decode after the bad ones');
  assert.equal(dec.decoderStats.packets, 10);

  // Random bytes: never a throw; each payload is either decoded or counted.
  let seed = 99;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 0xff;
  const fuzz = new SpeexDecoderFilter('wb', { payloadType: 97 });
  const n = 1500;
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(rnd() % 160);
    for (let j = 0; j < data.length; j++) data[j] = rnd();
    const out = drive(fuzz, [pkt(data, i, 640)]) as AudioFrame[];
    assert.ok(out.length >= 1 && out.every((f) => f.sampleRate === 16000), `payload ${i}: audio out`);
  }
  const s = fuzz.decoderStats;
  assert.equal(s.packets + fuzz.decodeErrors, n, `${s.packets} decoded + ${fuzz.decodeErrors} errors = ${n}`);
  console.log(`  random payloads: ${s.packets} decoded as Speex (no checksum), ${fuzz.decodeErrors} rejected`);
  dec.destroy();
  fuzz.destroy();
});

test('lost frames: Speex concealment of exactly the lost duration, flagged concealed', (t) => {
  const full = speechFor(t, 'nb');
  if (!full) return;
  const { packets } = encode('nb', full.subarray(8000, 16000));
  const dec = new SpeexDecoderFilter('nb', { payloadType: 97 });
  drive(dec, packets.slice(0, 20));
  const lost = (ts: number, duration: number): EncodedFrame => ({ kind: 'encoded', data: new Uint8Array(0), timestamp: ts, marker: false, payloadType: 97, duration, lost: true });
  const out = drive(dec, [lost(3200, 480), lost(3680, 80), lost(3760, 80), lost(3840, 0)]) as AudioFrame[];
  assert.deepEqual(out.map((f) => [f.timestamp, f.samples.length, f.concealed]), [[3200, 480, true], [3680, 80, true], [3760, 80, true]]);
  assert.ok(out[0]!.samples.some((v) => v !== 0), 'concealment is not silence');
  assert.equal(dec.decoderStats.lostFrames, 4);
  assert.equal(dec.decoderStats.concealedSamples, 640);
  assert.equal(dec.decodeErrors, 0, 'a loss is not a decode error');
  const next = drive(dec, packets.slice(24, 25)) as AudioFrame[];
  assert.equal(next[0]!.concealed, undefined);
  dec.destroy();
});

test('fmtp cng=on: the encoder codes silence with the short noise mode (VAD), and still sends it', () => {
  const sizes = (fmtp?: Record<string, string>): number[] => {
    const enc = new SpeexEncoderFilter('nb', { payloadType: 97, ...(fmtp ? { fmtp } : {}) });
    const out = drive(enc, tenMs(new Int16Array(8000), 8000)) as EncodedFrame[];
    enc.destroy();
    return [out.length, ...new Set(out.slice(10).map((p) => p.data.length))];
  };
  assert.deepEqual(sizes(), [50, 20], 'default: 160-bit frames (mode 3) for silence too');
  assert.deepEqual(sizes({ cng: 'on' }), [50, 6], 'cng=on: 43-bit noise frames (mode 1), every packet sent');
  assert.deepEqual(sizes({ cng: 'off' }), [50, 20]);
  // The decoder accepts the parameters (and rejects bad values) but they concern the encoder.
  new SpeexDecoderFilter('nb', { payloadType: 97, fmtp: { cng: 'on', vbr: 'vad', mode: '"3,any"' } }).destroy();
  assert.throws(() => new SpeexDecoderFilter('nb', { payloadType: 97, fmtp: { cng: 'loud' } }), ConfigError);
});

test('encoder: input timestamp jump → partial frame completed with silence and sent, marker on the next packet', () => {
  const enc = new SpeexEncoderFilter('nb', { payloadType: 110, ptimeMs: 40 });
  const sig = (n: number): Int16Array => Int16Array.from({ length: n }, (_, i) => Math.round(5000 * Math.sin(i * 0.3)));
  const frames: AudioFrame[] = [
    ...tenMs(sig(240), 8000, 0), // 30 ms: one frame + half of the next
    ...tenMs(sig(400), 8000, 8000), // jump to 1 s
  ];
  const out = drive(enc, frames.map((f) => ({ ...f, timestamp: f.timestamp + 555 }))) as EncodedFrame[];
  // Timestamps count from the first input sample (555 here).
  assert.deepEqual(out.map((p) => [p.timestamp, p.duration, p.marker]), [[0, 320, true], [8000, 320, true]]);
  assert.equal(scanSpeexPayload(out[0]!.data), 2);
  assert.equal(enc.encoderStats.discontinuities, 1);
  assert.throws(() => drive(enc, [{ kind: 'audio', samples: new Int16Array(160), sampleRate: 16000, channels: 1, timestamp: 0 }]), (e: unknown) => e instanceof ConfigError && /8000 Hz mono/.test(e.message));
  assert.throws(() => drive(new SpeexDecoderFilter('nb', { payloadType: 110 }), frames.slice(0, 1)), ConfigError);
  enc.destroy();
});

class Source extends Filter {
  readonly type = 'test-source';
  constructor(private readonly frames: AudioFrame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    const f = this.frames[ctx.tick];
    if (f) this.push(0, f);
  }
}

class Sink extends Filter {
  readonly type = 'test-sink';
  readonly frames: AudioFrame[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.frames.push(f as AudioFrame);
  }
}

test('in a graph: native states are created once and freed at postprocess; the filters work again after', (t) => {
  const full = speechFor(t, 'uwb');
  if (!full) return;
  const pcm = full.subarray(0, 32000);
  const before = SpeexEncoder.liveCount;
  const enc = new SpeexEncoderFilter('uwb', { payloadType: 116, ptimeMs: 40 });
  const dec = new SpeexDecoderFilter('uwb', { payloadType: 116 });
  assert.equal(SpeexEncoder.liveCount, before + 2);
  const sink = new Sink();
  const g = new Graph();
  g.chain(new Source(tenMs(pcm, 32000)), enc, dec, sink);
  for (let round = 0; round < 2; round++) {
    sink.frames.length = 0;
    const ticker = new Ticker({ clock: 'virtual' });
    ticker.attach(g);
    ticker.runFor(1000);
    ticker.detach(g);
    assert.equal(SpeexEncoder.liveCount, before, `round ${round}: freed at postprocess`);
    const got = concat(sink.frames);
    assert.equal(got.length, 32000, `round ${round}: 1 s of audio`);
    // A 1 s clip: the alignment search must stay well inside it.
    const sim = similarity(pcm, 32000, got, 32000, 200);
    assert.ok(sim > 0.6, `round ${round}: similarity ${sim}`);
    assert.equal(sink.frames[0]!.timestamp, 0);
  }
});

test('an AudioStream call in virtual time (speex/16000, 40 ms packets, VBR, 5 % loss): payload durations, own PLC, no errors', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello16000.wav');
  if (!hello) return;
  const registry = new Registry();
  registerBuiltinCodecs(registry);
  registerSpeexCodecs(registry);
  const clock = new VirtualClock(1000);
  const ticker = new Ticker({ clock });
  const rtp = new LoopbackPair({ a: { port: 40000 }, b: { port: 40002 }, clock, aToB: { lossPct: 5, seed: 7 } });
  const rtcp = new LoopbackPair({ a: { port: 40001 }, b: { port: 40003 }, clock });
  ticker.attach(new Graph('network').add(new CallbackFilter(() => {
    rtp.poll(clock.now());
    rtcp.poll(clock.now());
  })));
  const codec = { mime: 'speex', clockRate: 16000 };
  const common = { codec, ticker, registry, ptimeMs: 40, fmtp: { vbr: 'on' } };
  const sink = new Sink();
  const a = new AudioStream({ ...common, transports: { rtp: rtp.a, rtcp: rtcp.a }, remote: { address: '127.0.0.1', port: 40002 }, input: { kind: 'file', path: hello } });
  const b = new AudioStream({ ...common, transports: { rtp: rtp.b, rtcp: rtcp.b }, remote: { address: '127.0.0.1', port: 40000 }, input: { kind: 'silence' }, output: { kind: 'filter', filter: sink } });
  assert.equal(a.payloadType, 111);
  await a.start();
  await b.start();
  ticker.runFor(12_500);
  await a.stop();
  await b.stop();
  const rb = b.report();
  const ref = readWavFile(hello);
  const got = concat(sink.frames);
  const sim = similarity(ref.samples, 16000, got);
  console.log(`  AudioStream speex/16000 VBR 40 ms, 5 % loss: similarity ${sim.toFixed(4)}, received ${rb.received.packets}, lost ${rb.received.lost}, concealed ${rb.decoder.concealedMs} ms, errors ${rb.decoder.errors}`);
  assert.ok(rb.received.lost > 0, 'the link lost packets');
  assert.equal(rb.decoder.errors, 0);
  assert.ok(rb.decoder.concealedMs >= rb.received.lost * 40 * 0.5, `concealed ${rb.decoder.concealedMs} ms for ${rb.received.lost} lost 40 ms packets`);
  assert.ok(sink.frames.some((f) => f.concealed), 'Speex concealed the losses');
  // Clean, this call scores 0.839 (speexenc/speexdec: 0.839). Under loss the jitter buffer holds
  // before declaring a 40 ms packet lost (it may have been overtaken) and so steps the delay by
  // ~50 ms, beyond the metric's ±25 ms realignment; PCMU at 40 ms under the same loss drops from
  // 1.00 to 0.82 for the same reason. Measured here: 0.61.
  assert.ok(sim > 0.55, `similarity ${sim.toFixed(4)} under 5 % loss`);
});
