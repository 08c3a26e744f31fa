/**
 * AMR (AMR/8000, PT 113) and AMR-WB (AMR-WB/16000, PT 115), RFC 4867, against real peers:
 * - offline, through .amr / .awb storage files (RFC 4867 §5): our encoder's RTP payloads turned
 *   into a file and decoded by ffmpeg's own AMR decoders (independent of opencore) and by sox
 *   (opencore); and files encoded by sox (AMR-NB, opencore) and GStreamer (voamrwbenc) decoded by
 *   our decoder after packetisation. This ffmpeg build has no AMR encoder (`ffmpeg -encoders`
 *   lists none), so sox and GStreamer are the third-party encoders;
 * - over RTP, octet-aligned: GStreamer `amrnbenc|voamrwbenc ! rtpamrpay` → mediaweave, and
 *   mediaweave → `rtpamrdepay ! amrnbdec|amrwbdec` (one frame a packet, and three), and
 *   mediaweave → ffmpeg (SDP file; ffmpeg's own depacketiser and decoder; one frame a packet, as
 *   ffmpeg 5.1 decodes only the first frame of a multi-frame packet);
 * - mediaweave ↔ mediaweave in the bandwidth-efficient mode (octet-align=0; GStreamer and
 *   ffmpeg only speak octet-aligned), with a mode-set.
 * Mediastreamer2's mediastream on Debian 12 is built without AMR (PEERS.md), so it is not a peer.
 *
 * Our side runs in this process as an AudioStream over real UDP sockets on a registry of its own
 * (registerAmrCodecs), so the test does not depend on how the CLI is wired.
 *
 * Received audio is judged by speech similarity (DESIGN §6) to the reference (the first 6 s of
 * hello8000.wav / hello16000.wav), against the score of a reference chain on the same input,
 * printed beside ours: sox's AMR-NB encode → decode (opencore) for AMR, GStreamer's voamrwbenc →
 * sox's decode for AMR-WB; less 0.05 for what a real-time call adds (jitter-buffer start, the
 * peer's buffering and resampling, the end of the stream), and less 0.02 offline for a decoder
 * other than opencore (ffmpeg's).
 */
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmrDecoder, AmrEncoder, registerAmrCodecs } from '../../src/codecs/amr.js';
import { Filter, type TickContext } from '../../src/core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../../src/core/frames.js';
import { Graph } from '../../src/core/graph.js';
import { Registry } from '../../src/core/registry.js';
import { Ticker } from '../../src/core/ticker.js';
import { readWavFile } from '../../src/files/wav-reader.js';
import { probeOpencoreAmrNb, probeOpencoreAmrWb } from '../../src/native/opencore-amr.js';
import { probeVoAmrWbEnc } from '../../src/native/vo-amrwbenc.js';
import { AMR_NB, AMR_STORAGE_STRIDE, AMR_WB, amrFrameBytes, createAmrFrames, packAmrPayload, parseAmrPayload, type AmrVariantInfo } from '../../src/rtp/payload/amr.js';
import { AudioStream } from '../../src/streams/audio-stream.js';
import type { AudioStreamReport } from '../../src/streams/report.js';
import { sharedFile } from '../../src/test-support/shared.js';
import { speechSimilarity, toMono8k } from '../../src/test-support/similarity.js';
import { fmtSim, portRange, requireTool, similarityOf, sleep, spawnPeer, tempDir, writeWav16, type AudioFigures } from './support.js';

const ports = portRange(53000, 600);
/** What a real-time call may lose against the offline reference chain. */
const MARGIN = 0.05;
/** What another decoder (ffmpeg's) may differ from opencore's offline. */
const DECODER_MARGIN = 0.02;
const OA = { 'octet-align': '1' };

interface Variant {
  v: 'nb' | 'wb';
  info: AmrVariantInfo;
  rate: number;
  pt: number;
  file: string;
  /** .amr / .awb magic (RFC 4867 §5.1 / §5.3). */
  magic: string;
  mime: string;
  gstEnc: string[];
  gstDec: string;
}

const VARIANTS: Variant[] = [
  { v: 'nb', info: AMR_NB, rate: 8000, pt: 113, file: 'hello8000.wav', magic: '#!AMR\n', mime: 'AMR', gstEnc: ['amrnbenc', 'band-mode=7'], gstDec: 'amrnbdec' },
  { v: 'wb', info: AMR_WB, rate: 16000, pt: 115, file: 'hello16000.wav', magic: '#!AMR-WB\n', mime: 'AMR-WB', gstEnc: ['voamrwbenc', 'band-mode=8'], gstDec: 'amrwbdec' },
];

function requireLibs(t: TestContext, v: 'nb' | 'wb'): boolean {
  const probes = v === 'nb' ? [probeOpencoreAmrNb()] : [probeOpencoreAmrWb(), probeVoAmrWbEnc()];
  const missing = probes.flatMap((a) => (a.available ? [] : [a.reason]));
  if (missing.length === 0) return true;
  const msg = `SKIP: ${missing.join('; ')}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

function runSync(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr?.toString().slice(-1000)}`);
  return r.stdout;
}

function asInt16(b: Buffer): Int16Array {
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.length & ~1)));
}

// ── filters run offline (virtual time) ──

class PcmSource extends Filter {
  readonly type = 'pcm-source';
  #pos = 0;
  constructor(private readonly samples: Int16Array, private readonly rate: number) {
    super({ inputs: 0, outputs: 1 });
  }
  process(): void {
    const n = this.rate / 100;
    if (this.#pos + n > this.samples.length) return;
    this.push(0, { kind: 'audio', samples: this.samples.slice(this.#pos, this.#pos + n), sampleRate: this.rate, channels: 1, timestamp: this.#pos });
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
  const tk = new Ticker({ clock: 'virtual' });
  tk.attach(g);
  tk.runFor(ms);
  tk.detach(g);
}

/** Our encoder filter (octet-aligned payloads) over `pcm`. */
function encodeOurs(x: Variant, pcm: Int16Array): EncodedFrame[] {
  const enc = new AmrEncoder(x.v, { payloadType: x.pt, fmtp: OA });
  const cap = new Capture<EncodedFrame>();
  run([new PcmSource(pcm, x.rate), enc, cap], (pcm.length / x.rate) * 1000 + 50);
  return cap.frames;
}

/** RTP payloads → a storage file (magic, then each frame's header octet and speech octets). */
function payloadsToFile(x: Variant, payloads: EncodedFrame[]): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode(x.magic)];
  const f = createAmrFrames();
  for (const p of payloads) {
    const err = parseAmrPayload(x.info, true, p.data, f);
    assert.equal(err, undefined, `our payload parses: ${err}`);
    for (let i = 0; i < f.count; i++) {
      const base = i * AMR_STORAGE_STRIDE;
      parts.push(f.storage.slice(base, base + 1 + amrFrameBytes(x.info, f.ft[i]!)));
    }
  }
  return Buffer.concat(parts);
}

/** A storage file (with or without magic) → one octet-aligned payload per frame, timestamps 20 ms apart. */
function fileToPayloads(x: Variant, file: Uint8Array): EncodedFrame[] {
  let pos = Buffer.from(file.subarray(0, x.magic.length)).toString('latin1') === x.magic ? x.magic.length : 0;
  const out: EncodedFrame[] = [];
  const slot = new Uint8Array(AMR_STORAGE_STRIDE);
  while (pos < file.length) {
    const ft = (file[pos]! >> 3) & 15;
    const bytes = amrFrameBytes(x.info, ft);
    assert.ok(bytes >= 0, `frame type ${ft} at offset ${pos} of the file is valid`);
    slot.fill(0);
    slot.set(file.subarray(pos, pos + 1 + bytes));
    const ts = out.length * x.info.frameSamples;
    out.push({ kind: 'encoded', data: packAmrPayload(x.info, true, 15, slot, AMR_STORAGE_STRIDE, 1), timestamp: ts, marker: out.length === 0, payloadType: x.pt, duration: x.info.frameSamples });
    pos += 1 + bytes;
  }
  return out;
}

/** Our decoder filter over payloads; samples laid out at their timestamps. */
function decodeOurs(x: Variant, payloads: EncodedFrame[]): { pcm: Int16Array; errors: number } {
  const dec = new AmrDecoder(x.v, { payloadType: x.pt, fmtp: OA });
  const cap = new Capture<AudioFrame>();
  run([new ListSource(payloads), dec, cap], 20);
  const last = payloads[payloads.length - 1]!;
  const pcm = new Int16Array(last.timestamp + (last.duration ?? 0));
  for (const f of cap.frames) pcm.set(f.samples.subarray(0, Math.max(0, Math.min(f.samples.length, pcm.length - f.timestamp))), f.timestamp);
  return { pcm, errors: dec.decodeErrors };
}

interface Prepared {
  /** The reference speech (first 6 s) and the same after 3.5 s of silence, as WAV files. */
  reference: string;
  send: string;
  totalS: number;
  speech: Int16Array;
  /** The reference chain's score on the reference (sox / GStreamer encoder → sox decoder). */
  referenceScore: number;
  referenceLabel: string;
  /** The third-party encoder's storage file of the reference. */
  theirFile: Uint8Array;
}

function score(x: Variant, ref: Int16Array, pcm: Int16Array, rate = x.rate): number {
  return speechSimilarity(toMono8k(ref, x.rate, 1), toMono8k(pcm, rate, 1)).score;
}

function soxDecode(file: string): { pcm: Int16Array; rate: number } {
  const out = `${file}.sox.wav`;
  runSync('sox', [file, out]);
  const w = readWavFile(out);
  return { pcm: w.samples, rate: w.sampleRate };
}

function ffmpegDecode(file: string, x: Variant): Int16Array {
  return asInt16(runSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-ar', String(x.rate), '-']));
}

/**
 * The reference material of a variant, made once per file run in a folder of its own: the
 * encoders and decoders it runs (sox, gst-launch) are spawned synchronously, which would stall
 * the real-time tickers of the calls running beside it in this process.
 */
let sharedDir: string | undefined;
const prepared = new Map<string, Prepared>();
after(() => {
  if (!sharedDir) return;
  if (process.env.MW_INTEROP_KEEP) console.log(`  (kept ${sharedDir})`);
  else rmSync(sharedDir, { recursive: true, force: true });
});

function prepare(t: TestContext, x: Variant): Prepared | undefined {
  const src = sharedFile(t, 'data', 'ms2', 'sounds', x.file);
  if (!src) return undefined;
  const cached = prepared.get(x.v);
  if (cached) return cached;
  sharedDir ??= mkdtempSync(join(tmpdir(), 'mw-interop-amr-'));
  const dir = join(sharedDir, x.v);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const w = readWavFile(src);
  const speech = w.samples.slice(0, 6 * x.rate);
  const pad = 3.5 * x.rate;
  const padded = new Int16Array(pad + speech.length);
  padded.set(speech, pad);
  const reference = join(dir, 'reference.wav');
  const send = join(dir, 'send.wav');
  writeWav16(reference, speech, x.rate);
  writeWav16(send, padded, x.rate);
  // Third-party encoders: sox (opencore-amrnb, 12.2) for AMR; GStreamer voamrwbenc (23.85) for
  // AMR-WB (sox here cannot encode AMR-WB). Their files are decoded by sox (opencore).
  const theirs = join(dir, `theirs.${x.v === 'nb' ? 'amr' : 'awb'}`);
  if (x.v === 'nb') {
    runSync('sox', [reference, '-t', 'amr-nb', '-C', '7', theirs]);
  } else {
    const raw = join(dir, 'theirs.raw');
    runSync('gst-launch-1.0', ['-q', 'filesrc', `location=${reference}`, '!', 'wavparse', '!', 'audioconvert', '!', ...x.gstEnc, '!', 'filesink', `location=${raw}`]);
    writeFileSync(theirs, Buffer.concat([Buffer.from(x.magic, 'latin1'), readFileSync(raw)]));
  }
  const d = soxDecode(theirs);
  const p: Prepared = {
    reference, send, totalS: padded.length / x.rate, speech,
    referenceScore: score(x, speech, d.pcm, d.rate),
    referenceLabel: x.v === 'nb' ? 'sox encode → decode' : 'GStreamer voamrwbenc → sox decode',
    theirFile: new Uint8Array(readFileSync(theirs)),
  };
  prepared.set(x.v, p);
  return p;
}

function judge(what: string, sim: AudioFigures | number, p: Prepared, margin: number): void {
  const s = typeof sim === 'number' ? sim : sim.score;
  const floor = p.referenceScore - margin;
  console.log(`  ${what}: ${typeof sim === 'number' ? `similarity ${sim.toFixed(3)}` : fmtSim(sim)}; reference: ${p.referenceLabel} ${p.referenceScore.toFixed(3)}; floor ${floor.toFixed(3)}`);
  assert.ok(s >= floor, `${what}: similarity ${s.toFixed(3)} < ${floor.toFixed(3)}`);
}

function registry(): Registry {
  const r = new Registry();
  registerAmrCodecs(r);
  return r;
}

async function startStream(
  x: Variant,
  o: { port: number; remote?: number; infile?: string; outfile?: string; ptimeMs?: number; fmtp?: Record<string, string>; symmetric?: boolean; ticker?: Ticker },
): Promise<AudioStream> {
  const s = new AudioStream({
    codec: { mime: x.mime, clockRate: x.rate },
    localPort: o.port,
    localAddress: '127.0.0.1',
    ...(o.remote !== undefined ? { remote: { address: '127.0.0.1', port: o.remote } } : {}),
    // GStreamer's and ffmpeg's sockets send from other ports than they listen on: no symmetric RTP.
    symmetric: o.symmetric ?? false,
    input: o.infile ? { kind: 'file', path: o.infile } : { kind: 'silence' },
    output: o.outfile ? { kind: 'file', path: o.outfile } : { kind: 'none' },
    fmtp: o.fmtp ?? OA,
    ...(o.ptimeMs !== undefined ? { ptimeMs: o.ptimeMs } : {}),
    ...(o.ticker ? { ticker: o.ticker } : {}),
    registry: registry(),
  });
  s.on('warning', (m) => console.log(`    mediaweave warning: ${m}`));
  await s.start();
  return s;
}

function figures(rep: AudioStreamReport): string {
  return (
    `sent ${rep.sent.packets} pkt / ${rep.sent.bytes} B, received ${rep.received.packets} pkt / ${rep.received.bytes} B, lost ${rep.received.lost}, ` +
    `late ${rep.received.late}, decoder errors ${rep.decoder.errors}, jitter buffer target ${rep.details.jitterBuffer.targetMs} ms`
  );
}

function untilEof(s: AudioStream): Promise<void> {
  return new Promise<void>((r) => (s.inputEnded ? r() : s.once('eof', () => r())));
}

for (const x of VARIANTS) {
  test(`${x.mime} offline: our stream decoded by ffmpeg and sox; sox/GStreamer files decoded by us`, (t) => {
    if (!requireLibs(t, x.v) || !requireTool(t, 'ffmpeg', 'sox', 'gst-launch-1.0')) return;
    const dir = tempDir(t, `${x.v}-offline`);
    const p = prepare(t, x);
    if (!p) return;
    const ours = join(dir, `ours.${x.v === 'nb' ? 'amr' : 'awb'}`);
    const payloads = encodeOurs(x, p.speech);
    writeFileSync(ours, payloadsToFile(x, payloads));
    const ff = ffmpegDecode(ours, x);
    const sx = soxDecode(ours);
    assert.equal(ff.length, payloads.length * x.info.frameSamples, 'ffmpeg decodes every frame');
    judge(`${x.mime} ours → ffmpeg's decoder`, score(x, p.speech, ff), p, DECODER_MARGIN);
    judge(`${x.mime} ours → sox (opencore)`, score(x, p.speech, sx.pcm, sx.rate), p, 1e-9);
    const theirs = fileToPayloads(x, p.theirFile);
    const d = decodeOurs(x, theirs);
    assert.equal(d.errors, 0, 'their frames all decode');
    judge(`${x.mime} ${x.v === 'nb' ? 'sox' : 'GStreamer'} → our decoder`, score(x, p.speech, d.pcm), p, 1e-9);
  });
}

describe('AMR / AMR-WB over RTP with real peers', { concurrency: 1 }, () => {
  // One call at a time: our side runs in this process, and another test's spawnSync (sox, ffmpeg
  // offline) would block its ticker mid-call (seen: AMR-WB similarity 0.45 instead of 0.87).
  // Reference material first, before any call runs (see prepare()).
  for (const x of VARIANTS) {
    test(`${x.mime}: reference material`, (t) => {
      if (!requireLibs(t, x.v) || !requireTool(t, 'gst-launch-1.0', 'sox')) return;
      prepare(t, x);
    });
  }
  for (const x of VARIANTS) {

    test(`GStreamer ${x.gstEnc[0]} ! rtpamrpay → mediaweave (${x.mime}, octet-aligned)`, async (t) => {
      if (!requireLibs(t, x.v) || !requireTool(t, 'gst-launch-1.0', 'sox')) return;
      const dir = tempDir(t, `${x.v}-gst-send`);
      const p = prepare(t, x);
      if (!p) return;
      const port = await ports.pair();
      const out = join(dir, 'mediaweave.wav');
      const mw = await startStream(x, { port, outfile: out });
      try {
        const gst = spawnPeer('gst sender', 'gst-launch-1.0', [
          '-q', 'filesrc', `location=${p.send}`, '!', 'wavparse', '!', 'audioconvert', '!', 'audioresample', '!',
          `audio/x-raw,rate=${x.rate},channels=1`, '!', ...x.gstEnc, '!', 'rtpamrpay', `pt=${x.pt}`, '!',
          'udpsink', 'host=127.0.0.1', `port=${port}`, 'sync=true',
        ], { timeoutMs: (p.totalS + 15) * 1000 });
        const gr = await gst.done;
        await sleep(1000);
        const rep = mw.report();
        await mw.stop();
        assert.equal(gr.code, 0, `gst-launch failed: ${gr.stderr.slice(-1000)}`);
        console.log(`    mediaweave: ${figures(rep)}`);
        judge(`GStreamer → mediaweave (${x.mime})`, similarityOf(out, p.reference), p, MARGIN);
        assert.equal(rep.decoder.errors, 0, 'every GStreamer payload decodes');
        assert.equal(rep.received.lost, 0, 'nothing lost on loopback');
      } finally {
        await mw.stop();
      }
    });

    for (const ptimeMs of [20, 60]) {
      test(`mediaweave (${x.mime}, ptime ${ptimeMs}: ${ptimeMs / 20} frame(s) a packet) → GStreamer rtpamrdepay ! ${x.gstDec}`, async (t) => {
        if (!requireLibs(t, x.v) || !requireTool(t, 'gst-launch-1.0', 'sox')) return;
        const dir = tempDir(t, `${x.v}-gst-recv-${ptimeMs}`);
        const p = prepare(t, x);
        if (!p) return;
        const gstPort = await ports.pair();
        const mwPort = await ports.pair();
        const out = join(dir, 'gst.wav');
        const caps = `application/x-rtp,media=audio,clock-rate=${x.rate},encoding-name=${x.mime},encoding-params=(string)1,octet-align=(string)1,payload=${x.pt}`;
        const gst = spawnPeer('gst receiver', 'gst-launch-1.0', [
          '-e', 'udpsrc', `port=${gstPort}`, `caps=${caps}`, '!', 'rtpjitterbuffer', 'latency=100', '!', 'rtpamrdepay', '!', x.gstDec, '!',
          'audioconvert', '!', 'wavenc', '!', 'filesink', `location=${out}`,
        ], { timeoutMs: (p.totalS + 20) * 1000 });
        await sleep(1000);
        const mw = await startStream(x, { port: mwPort, remote: gstPort, infile: p.send, ptimeMs });
        try {
          await untilEof(mw);
          await sleep(1000);
          const sent = mw.report().sent;
          await mw.stop();
          const gr = await gst.stop('SIGINT');
          const perPacket = 1 + (ptimeMs / 20) * (1 + amrFrameBytes(x.info, x.info.modes - 1));
          console.log(`    mediaweave sent ${sent.packets} packets, ${sent.bytes} bytes (${(sent.bytes / sent.packets).toFixed(0)} a packet); gst-launch exit ${gr.code ?? gr.signal}`);
          assert.equal(sent.bytes / sent.packets, perPacket, 'payload size: CMR, a ToC octet and the frame, per frame');
          judge(`mediaweave → GStreamer (${x.mime}, ${ptimeMs} ms)`, similarityOf(out, p.reference), p, MARGIN);
        } finally {
          await mw.stop();
          await gst.stop('SIGKILL');
        }
      });
    }

    test(`mediaweave → ffmpeg (${x.mime}, SDP file, octet-align=1): ffmpeg's own depacketiser and decoder`, async (t) => {
      if (!requireLibs(t, x.v) || !requireTool(t, 'ffmpeg', 'sox', 'gst-launch-1.0')) return;
      const dir = tempDir(t, `${x.v}-ffmpeg-recv`);
      const p = prepare(t, x);
      if (!p) return;
      const ffPort = await ports.pair();
      const mwPort = await ports.pair();
      const sdp = join(dir, 'in.sdp');
      writeFileSync(sdp, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=mediaweave', 'c=IN IP4 127.0.0.1', 't=0 0',
        `m=audio ${ffPort} RTP/AVP ${x.pt}`, `a=rtpmap:${x.pt} ${x.mime}/${x.rate}/1`, `a=fmtp:${x.pt} octet-align=1`, ''].join('\r\n'));
      const out = join(dir, 'ffmpeg.wav');
      const ff = spawnPeer('ffmpeg receiver', 'ffmpeg', [
        '-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-y', out,
      ], { timeoutMs: (p.totalS + 20) * 1000 });
      await sleep(500);
      // One frame a packet: measured, ffmpeg 5.1 decodes only the first frame of a multi-frame AMR
      // packet (its AMR decoders take one frame per packet); GStreamer checks our 60 ms packets.
      const mw = await startStream(x, { port: mwPort, remote: ffPort, infile: p.send, ptimeMs: 20 });
      try {
        await untilEof(mw);
        await sleep(500);
        await mw.stop();
        const fr = await ff.stop('SIGINT');
        console.log(`    ffmpeg exit ${fr.code ?? fr.signal}${fr.stderr ? `: ${fr.stderr.trim().slice(-300)}` : ''}`);
        judge(`mediaweave → ffmpeg (${x.mime})`, similarityOf(out, p.reference), p, MARGIN + DECODER_MARGIN);
      } finally {
        await mw.stop();
        await ff.stop('SIGKILL');
      }
    });

  }
});

// After the calls with other peers, one at a time: two of our streams in this process share its
// event loop, and calls running beside them would stall their tickers (the jitter buffers then
// rightly grow, which the similarity measure would count against the codec).
describe('AMR / AMR-WB mediaweave ↔ mediaweave, bandwidth-efficient', { concurrency: 1 }, () => {
  for (const x of VARIANTS) {
    test(`mediaweave ↔ mediaweave (${x.mime}, bandwidth-efficient (octet-align=0): no other peer here speaks it; 40 ms packets)`, async (t) => {
      if (!requireLibs(t, x.v) || !requireTool(t, 'gst-launch-1.0', 'sox')) return;
      const dir = tempDir(t, `${x.v}-mw-be`);
      const p = prepare(t, x);
      if (!p) return;
      const pa = await ports.pair();
      const pb = await ports.pair();
      const outA = join(dir, 'a.wav');
      const outB = join(dir, 'b.wav');
      // octet-align=0: bandwidth-efficient (without the parameter we default to octet-aligned, as
      // Mediastreamer2 does, since the CLI has no SDP to say which).
      const be = { 'octet-align': '0', 'mode-set': x.v === 'nb' ? '0,2,4,7' : '0,2,8' };
      // One ticker drives both streams, as an application running several calls would.
      const ticker = new Ticker({ name: `amr-${x.v}-be` });
      const a = await startStream(x, { port: pa, remote: pb, infile: p.send, outfile: outA, ptimeMs: 40, fmtp: be, symmetric: true, ticker });
      const b = await startStream(x, { port: pb, remote: pa, infile: p.send, outfile: outB, ptimeMs: 40, fmtp: be, symmetric: true, ticker });
      ticker.start();
      try {
        await Promise.all([untilEof(a), untilEof(b)]);
        await sleep(500);
        const ra = a.report();
        const rb = b.report();
        await Promise.all([a.stop(), b.stop()]);
        console.log(`    A: ${figures(ra)}`);
        console.log(`    B: ${figures(rb)}`);
        judge(`mediaweave A → B (${x.mime}, bandwidth-efficient)`, similarityOf(outB, p.reference), p, MARGIN);
        judge(`mediaweave B → A (${x.mime}, bandwidth-efficient)`, similarityOf(outA, p.reference), p, MARGIN);
        const bits = x.info.frameBits[x.info.modes - 1]!;
        assert.equal(ra.sent.bytes / ra.sent.packets, Math.ceil((4 + 2 * 6 + 2 * bits) / 8), 'bandwidth-efficient payload: 4 + 2 × (6 + speech) bits, padded');
        assert.equal(ra.decoder.errors + rb.decoder.errors, 0, 'no undecodable payloads');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        ticker.stop();
      }
    });
  }
});
