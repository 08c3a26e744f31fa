/**
 * L16 (RFC 3551 §4.5.11) against real peers: GStreamer 1.22 both ways (`rtpL16pay`,
 * `rtpL16depay`) on the static PT 11 (L16/44100/1) and PT 10 (L16/44100/2) and on a dynamic
 * L16/16000 (PT 96), three streams at once; and ffmpeg 5.1 both ways on L16/16000 PT 96
 * (`-c:a pcm_s16be`, and an SDP file).
 *
 * Our side runs in this process as AudioStreams over real UDP sockets on a registry of its own
 * (built-ins + registerL16Codecs), so the test does not depend on how the CLI is wired.
 *
 * Each peer sends / receives the first 6 s of hello8000.wav after 3.5 s of silence, resampled to
 * the codec's rate (by the peer, or by our stream's resampler). Received audio is judged by
 * speech similarity (DESIGN §6) to that reference. L16 is lossless (its round trip is
 * bit-exact: src/codecs/l16.test.ts), so the reference implementation's score is 1.000 less
 * what resampling to the codec rate and back costs, measured here offline with the same
 * resampler our stream uses; the floor is that less 0.05 for what a real-time call adds (jitter
 * buffer start, the peer's buffering, the end of the stream).
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { registerBuiltinCodecs } from '../../src/codecs/builtin.js';
import { registerL16Codecs } from '../../src/codecs/l16.js';
import { Registry } from '../../src/core/registry.js';
import { readWavFile } from '../../src/files/wav-reader.js';
import { SpeexResampler } from '../../src/native/speexdsp.js';
import { AudioStream } from '../../src/streams/audio-stream.js';
import type { AudioStreamReport } from '../../src/streams/report.js';
import { speechSimilarity, toMono8k } from '../../src/test-support/similarity.js';
import {
  fmtSim, portRange, prepareReference, REALTIME_NICE, requireTool, similarityOf, sleep, spawnPeer, tempDir, type AudioFigures,
  type ReferenceAudio,
} from './support.js';

const ports = portRange(47000);
const MARGIN = 0.05;

// Our side of each call runs in this process: give it the priority the peers get (support.ts).
try {
  setPriority(REALTIME_NICE);
} catch {
  // not permitted (not root); the calls still run, less protected from load
}

interface Variant {
  label: string;
  rate: number;
  channels: 1 | 2;
  pt: number;
}

const VARIANTS: readonly Variant[] = [
  { label: 'PT 11 L16/44100/1', rate: 44100, channels: 1, pt: 11 },
  { label: 'PT 10 L16/44100/2', rate: 44100, channels: 2, pt: 10 },
  { label: 'PT 96 L16/16000/1', rate: 16000, channels: 1, pt: 96 },
];

/** Similarity of the reference after a trip to `rate` and back to 8 kHz (what lossless L16 can score there). */
function resampledReferenceScore(reference: string, rate: number): number {
  const ref = readWavFile(reference);
  const up = new SpeexResampler({ channels: 1, inputRate: ref.sampleRate, outputRate: rate, quality: 4 });
  const padded = new Int16Array(ref.samples.length + ref.sampleRate / 10);
  padded.set(ref.samples);
  const atRate = up.process(padded).slice();
  up.destroy();
  return speechSimilarity(toMono8k(ref.samples, ref.sampleRate, 1), toMono8k(atRate, rate, 1)).score;
}

function registry(): Registry {
  const r = new Registry();
  registerBuiltinCodecs(r);
  registerL16Codecs(r);
  return r;
}

async function startStream(v: Variant, o: { port: number; remote?: number; infile?: string; outfile?: string }): Promise<AudioStream> {
  const s = new AudioStream({
    codec: { mime: 'L16', clockRate: v.rate, channels: v.channels },
    payloadType: v.pt,
    localPort: o.port,
    localAddress: '127.0.0.1',
    ...(o.remote !== undefined ? { remote: { address: '127.0.0.1', port: o.remote } } : {}),
    input: o.infile ? { kind: 'file', path: o.infile } : { kind: 'silence' },
    output: o.outfile ? { kind: 'file', path: o.outfile } : { kind: 'none' },
    // The peers send from ports of their own (udpsink, ffmpeg): no symmetric RTP.
    symmetric: false,
    registry: registry(),
  });
  await s.start();
  return s;
}

function figures(rep: AudioStreamReport): string {
  const jb = rep.details.jitterBuffer;
  return (
    `received ${rep.received.packets} pkt (${(rep.received.bytes / Math.max(1, rep.received.packets)).toFixed(0)} B), lost ${rep.received.lost}, ` +
    `late ${rep.received.late}, decoder errors ${rep.decoder.errors}, concealed ${rep.decoder.concealedMs} ms, ` +
    `jitter buffer target ${jb.targetMs} ms, skipped ${jb.skipped}, underruns ${jb.underruns}`
  );
}

function judge(what: string, sim: AudioFigures, referenceScore: number): void {
  const floor = referenceScore - MARGIN;
  console.log(`  ${what}: ${fmtSim(sim)}; reference (lossless, resampled there and back) ${referenceScore.toFixed(3)}, floor ${floor.toFixed(3)}`);
  assert.ok(sim.score >= floor, `${what}: similarity ${sim.score.toFixed(3)} < ${floor.toFixed(3)}`);
}

function untilEof(s: AudioStream): Promise<void> {
  return new Promise<void>((r) => (s.inputEnded ? r() : s.once('eof', () => r())));
}

function prepare(t: TestContext, dir: string): ReferenceAudio | undefined {
  return prepareReference(t, dir, { seconds: 6, padS: 3.5 });
}

function rtpCaps(v: Variant): string {
  return `application/x-rtp,media=audio,clock-rate=${v.rate},encoding-name=L16,channels=${v.channels},encoding-params=(string)${v.channels},payload=${v.pt}`;
}

// One test at a time: our side runs in this process, and another test's offline work would
// stall its ticker. Within a test the streams run together (nothing heavy runs until they stop).
describe('L16 calls with real peers', { concurrency: 1 }, () => {
  test('GStreamer rtpL16pay → mediaweave: PT 11, PT 10 (stereo) and L16/16000 on PT 96 at once', async (t) => {
    if (!requireTool(t, 'gst-launch-1.0')) return;
    const dir = tempDir(t, 'l16-gst-send');
    const p = prepare(t, dir);
    if (!p) return;
    const streams: { v: Variant; s: AudioStream; out: string }[] = [];
    const pipeline: string[] = ['-q'];
    try {
      for (const v of VARIANTS) {
        const port = await ports.pair();
        const out = join(dir, `mediaweave-${v.pt}.wav`);
        streams.push({ v, s: await startStream(v, { port, outfile: out }), out });
        pipeline.push(
          'filesrc', `location=${p.send}`, '!', 'wavparse', '!', 'audioconvert', '!', 'audioresample', '!',
          `audio/x-raw,format=S16BE,rate=${v.rate},channels=${v.channels}`, '!', 'rtpL16pay', `pt=${v.pt}`, '!',
          'udpsink', 'host=127.0.0.1', `port=${port}`, 'sync=true',
        );
      }
      const gr = await spawnPeer('gst sender', 'gst-launch-1.0', pipeline, { timeoutMs: (p.totalS + 15) * 1000 }).done;
      await sleep(1000);
      const reps = streams.map((x) => x.s.report());
      for (const x of streams) await x.s.stop();
      assert.equal(gr.code, 0, `gst-launch failed: ${gr.stderr.slice(-1000)}`);
      streams.forEach((x, i) => {
        const rep = reps[i]!;
        console.log(`    ${x.v.label}: ${figures(rep)}`);
        judge(`GStreamer → mediaweave, ${x.v.label}`, similarityOf(x.out, p.reference), resampledReferenceScore(p.reference, x.v.rate));
        assert.equal(rep.received.lost, 0, `${x.v.label}: nothing lost on loopback`);
        assert.equal(rep.received.unknownPt, 0, `${x.v.label}: every packet had PT ${x.v.pt}`);
        assert.equal(rep.decoder.errors, 0, `${x.v.label}: no undecodable payloads`);
        if (x.v.channels === 2) {
          const w = readWavFile(x.out);
          assert.equal(w.channels, 2, 'stereo recording');
        }
      });
    } finally {
      for (const x of streams) await x.s.stop();
    }
  });

  test('mediaweave → GStreamer rtpL16depay: PT 11, PT 10 (stereo) and L16/16000 on PT 96 at once', async (t) => {
    if (!requireTool(t, 'gst-launch-1.0')) return;
    const dir = tempDir(t, 'l16-gst-recv');
    const p = prepare(t, dir);
    if (!p) return;
    const targets: { v: Variant; port: number; out: string }[] = [];
    const pipeline: string[] = ['-e'];
    for (const v of VARIANTS) {
      const port = await ports.pair();
      const out = join(dir, `gst-${v.pt}.wav`);
      targets.push({ v, port, out });
      pipeline.push(
        'udpsrc', `port=${port}`, `caps=${rtpCaps(v)}`, '!', 'rtpjitterbuffer', 'latency=100', '!', 'rtpL16depay', '!',
        'audioconvert', '!', 'wavenc', '!', 'filesink', `location=${out}`,
      );
    }
    const gst = spawnPeer('gst receiver', 'gst-launch-1.0', pipeline, { timeoutMs: (p.totalS + 20) * 1000 });
    await sleep(1000); // gst-launch builds its pipeline; our lead-in silence covers the rest
    const streams: AudioStream[] = [];
    try {
      for (const x of targets) streams.push(await startStream(x.v, { port: await ports.pair(), remote: x.port, infile: p.send }));
      await Promise.all(streams.map(untilEof));
      await sleep(1000);
      const sent = streams.map((s) => s.report().sent);
      for (const s of streams) await s.stop();
      const gr = await gst.stop('SIGINT');
      console.log(`    gst-launch exit ${gr.code ?? gr.signal}`);
      targets.forEach((x, i) => {
        const s = sent[i]!;
        console.log(`    ${x.v.label}: sent ${s.packets} packets of ${(s.bytes / s.packets).toFixed(0)} B`);
        judge(`mediaweave → GStreamer, ${x.v.label}`, similarityOf(x.out, p.reference), resampledReferenceScore(p.reference, x.v.rate));
        const w = readWavFile(x.out);
        assert.equal(w.sampleRate, x.v.rate, 'GStreamer decoded at the codec rate');
        assert.equal(w.channels, x.v.channels, 'GStreamer decoded the channels we sent');
      });
    } finally {
      for (const s of streams) await s.stop();
      await gst.stop('SIGKILL');
    }
  });

  test('ffmpeg ↔ mediaweave on L16/16000, PT 96 (-c:a pcm_s16be; SDP a=rtpmap:96 L16/16000)', async (t) => {
    if (!requireTool(t, 'ffmpeg')) return;
    const dir = tempDir(t, 'l16-ff');
    const p = prepare(t, dir);
    if (!p) return;
    const v = VARIANTS[2]!;
    const ffPort = await ports.pair();
    const rxPort = await ports.pair();
    const sdp = join(dir, 'in.sdp');
    writeFileSync(sdp, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=mediaweave', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${ffPort} RTP/AVP 96`, 'a=rtpmap:96 L16/16000/1', ''].join('\r\n'));
    const ffOut = join(dir, 'ffmpeg.wav');
    const mwOut = join(dir, 'mediaweave.wav');
    const ffRx = spawnPeer('ffmpeg receiver', 'ffmpeg', [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-y', ffOut,
    ], { timeoutMs: (p.totalS + 25) * 1000 });
    await sleep(700); // ffmpeg opens its socket
    const rx = await startStream(v, { port: rxPort, outfile: mwOut });
    const tx = await startStream(v, { port: await ports.pair(), remote: ffPort, infile: p.send });
    try {
      // -re paces ffmpeg by demuxer packets: 1280-byte reads of the 8 kHz file (80 ms), sent as
      // 20 ms packets (asetnsamples after the resampler).
      const ffTx = spawnPeer('ffmpeg sender', 'ffmpeg', [
        '-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-max_size', '1280', '-i', p.send, '-ar', '16000', '-ac', '1',
        '-af', 'aresample=16000,asetnsamples=n=320', '-c:a', 'pcm_s16be', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${rxPort}`,
      ], { timeoutMs: (p.totalS + 15) * 1000 });
      const [ffr] = await Promise.all([ffTx.done, untilEof(tx)]);
      await sleep(1000);
      const rep = rx.report();
      await rx.stop();
      await tx.stop();
      const ffrx = await ffRx.stop('SIGINT');
      assert.equal(ffr.code, 0, `ffmpeg sender failed: ${ffr.stderr.slice(-1000)}`);
      console.log(`    mediaweave: ${figures(rep)}; ffmpeg receiver exit ${ffrx.code ?? ffrx.signal}`);
      const refScore = resampledReferenceScore(p.reference, v.rate);
      judge('ffmpeg → mediaweave', similarityOf(mwOut, p.reference), refScore);
      judge('mediaweave → ffmpeg', similarityOf(ffOut, p.reference), refScore);
      assert.equal(rep.received.lost, 0, 'nothing lost on loopback');
      assert.equal(rep.received.unknownPt, 0, 'every packet had PT 96');
      assert.equal(rep.decoder.errors, 0, 'no undecodable payloads');
    } finally {
      await rx.stop();
      await tx.stop();
      await ffRx.stop('SIGKILL');
    }
  });
});
