/**
 * Opus (opus/48000/2, PT 114, RFC 7587) against real peers: ffmpeg 5.1's libopus both ways
 * (its RTP muxer and an SDP file with `a=rtpmap:114 opus/48000/2`), and Mediastreamer2's
 * `mediastream` both ways in one call (`--payload audio/opus/48000/2 --bitrate 32000`, 48 kHz
 * files), with a mediastream ↔ mediastream call on the same input beside it.
 *
 * Our side runs in this process as an AudioStream over real UDP sockets on a registry of its own
 * (built-ins + registerOpusCodecs), so the test does not depend on how the CLI is wired.
 *
 * Each peer sends / receives the first 6 s of hello16000.wav, upsampled to 48 kHz, after 3.5 s
 * of silence. Received audio is judged by speech similarity (DESIGN §6) to that reference,
 * against floors from what the reference implementation achieves on the same input, printed
 * beside ours:
 * - ffmpeg: its own libopus round trip offline (encode at 32 kbit/s with the same application
 *   as the sender of the call, decode), less 0.05 for what a real-time call adds (jitter buffer
 *   start, the end of the stream, the peer's buffering);
 * - mediastream: also mediastream's score against itself in a call run at the same time, less
 *   0.03. Note: mediastream's `--bitrate 32000` is a *network* bitrate (IP/UDP/RTP headers
 *   included, Mediastreamer2's msopus.c), i.e. about 16 kbit/s of Opus at 20 ms; ours is the
 *   codec bitrate, so we send 32 kbit/s of Opus.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerBuiltinCodecs } from '../../src/codecs/builtin.js';
import { registerOpusCodecs } from '../../src/codecs/opus.js';
import { Registry } from '../../src/core/registry.js';
import { readWavFile } from '../../src/files/wav-reader.js';
import { probeOpus } from '../../src/native/opus.js';
import { SpeexResampler } from '../../src/native/speexdsp.js';
import { AudioStream } from '../../src/streams/audio-stream.js';
import type { AudioStreamReport } from '../../src/streams/report.js';
import { sharedFile } from '../../src/test-support/shared.js';
import {
  fmtMediastream, fmtSim, parseMediastreamLog, portRange, requireTool, similarityOf, sleep, spawnPeer, tempDir, writeWav16,
  type AudioFigures,
} from './support.js';

const ports = portRange(47000);
/** What a real-time call may lose against the offline round trip. */
const MARGIN = 0.05;
/** What mediaweave may lose against mediastream's own call on the same input. */
const MS_MARGIN = 0.03;
/** Our encoder's bitrate in these calls (codec bitrate, bit/s). */
const BITRATE = 32000;

/** libopus missing: skip loudly (scripts/setup installs libopus0; CI has it). */
function requireLibopus(t: TestContext): boolean {
  const a = probeOpus();
  if (a.available) return true;
  const msg = `SKIP: ${a.reason}`;
  console.error(msg);
  t.skip(msg);
  return false;
}

/** Runs a short offline tool to completion; throws with its stderr when it fails. */
function runSync(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr?.toString().slice(-1000)}`);
}

interface Prepared {
  /** 3.5 s of silence then the speech, 48 kHz mono: what every sender plays. */
  send: string;
  /** The speech alone, 48 kHz mono: what received audio is compared with. */
  reference: string;
  seconds: number;
  totalS: number;
}

function prepare(t: TestContext, dir: string): Prepared | undefined {
  const src = sharedFile(t, 'data', 'ms2', 'sounds', 'hello16000.wav');
  if (!src) return undefined;
  const w = readWavFile(src);
  const speech = w.samples.subarray(0, 6 * w.sampleRate);
  const r = new SpeexResampler({ channels: 1, inputRate: w.sampleRate, outputRate: 48000, quality: 8 });
  r.skipZeros();
  const up = r.process(Int16Array.from([...speech, ...new Int16Array(w.sampleRate / 10)])).slice(0, (speech.length * 48000) / w.sampleRate);
  r.destroy();
  const padS = 3.5;
  const padded = new Int16Array(padS * 48000 + up.length);
  padded.set(up, padS * 48000);
  const send = join(dir, 'send48.wav');
  const reference = join(dir, 'reference48.wav');
  writeWav16(send, padded, 48000);
  writeWav16(reference, up, 48000);
  const seconds = up.length / 48000;
  return { send, reference, seconds, totalS: seconds + padS };
}

/** ffmpeg's libopus round trip of the reference, offline: the floor of a call with ffmpeg. */
function ffmpegRoundTrip(p: Prepared, dir: string, application: 'voip' | 'audio'): number {
  const ogg = join(dir, `ff-${application}.ogg`);
  const wav = join(dir, `ff-${application}.wav`);
  runSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', p.reference, '-c:a', 'libopus', '-application', application, '-b:a', String(BITRATE), ogg]);
  runSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', '-i', ogg, '-ar', '48000', wav]);
  return similarityOf(wav, p.reference).score;
}

function registry(): Registry {
  const r = new Registry();
  registerBuiltinCodecs(r);
  registerOpusCodecs(r);
  return r;
}

async function startStream(o: { port: number; remote?: number; infile?: string; outfile?: string; symmetric?: boolean; fmtp?: Record<string, string> }): Promise<AudioStream> {
  const s = new AudioStream({
    codec: { mime: 'opus', clockRate: 48000, channels: 2 },
    localPort: o.port,
    localAddress: '127.0.0.1',
    bitrate: BITRATE,
    ...(o.remote !== undefined ? { remote: { address: '127.0.0.1', port: o.remote } } : {}),
    input: o.infile ? { kind: 'file', path: o.infile } : { kind: 'silence' },
    output: o.outfile ? { kind: 'file', path: o.outfile } : { kind: 'none' },
    ...(o.symmetric !== undefined ? { symmetric: o.symmetric } : {}),
    ...(o.fmtp ? { fmtp: o.fmtp } : {}),
    registry: registry(),
  });
  await s.start();
  return s;
}

function figures(rep: AudioStreamReport): string {
  const jb = rep.details.jitterBuffer;
  return (
    `sent ${rep.sent.packets} pkt, received ${rep.received.packets} pkt (${rep.received.bytes} bytes), lost ${rep.received.lost}, late ${rep.received.late}, ` +
    `decoder errors ${rep.decoder.errors}, concealed ${rep.decoder.concealedMs} ms, jitter buffer target ${jb.targetMs} ms, skipped ${jb.skipped}`
  );
}

function judge(what: string, sim: AudioFigures, reference: { label: string; score: number; margin: number }[]): void {
  const floor = Math.min(...reference.map((r) => r.score - r.margin));
  console.log(`  ${what}: ${fmtSim(sim)}; reference: ${reference.map((r) => `${r.label} ${r.score.toFixed(3)}`).join(', ')}; floor ${floor.toFixed(3)}`);
  assert.ok(sim.score >= floor, `${what}: similarity ${sim.score.toFixed(3)} < ${floor.toFixed(3)}`);
  assert.ok(sim.chunks >= 20, `${what}: ${sim.chunks} chunks of speech compared`);
}

function untilEof(s: AudioStream): Promise<void> {
  return new Promise<void>((r) => (s.inputEnded ? r() : s.once('eof', () => r())));
}

describe('Opus calls with real peers', { concurrency: 1 }, () => {
  // One call at a time: our side runs in this process, and another test's spawnSync (sox, ffmpeg
  // offline) would block its ticker mid-call (seen: AMR-WB similarity 0.45 instead of 0.87).
  test('mediaweave → ffmpeg (SDP a=rtpmap:114 opus/48000/2)', async (t) => {
    if (!requireLibopus(t) || !requireTool(t, 'ffmpeg')) return;
    const dir = tempDir(t, 'opus-ff-recv');
    const p = prepare(t, dir);
    if (!p) return;
    const refScore = ffmpegRoundTrip(p, dir, 'voip');
    const ffPort = await ports.pair();
    const mwPort = await ports.pair();
    const sdp = join(dir, 'in.sdp');
    writeFileSync(sdp, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=mediaweave', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${ffPort} RTP/AVP 114`, 'a=rtpmap:114 opus/48000/2', ''].join('\r\n'));
    const out = join(dir, 'ffmpeg.wav');
    const ff = spawnPeer('ffmpeg receiver', 'ffmpeg', [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-y', out,
    ], { timeoutMs: (p.totalS + 30) * 1000, stopSignal: 'SIGINT' });
    await sleep(500); // ffmpeg opens its socket once it has read the SDP; our lead-in silence covers the rest
    const mw = await startStream({ port: mwPort, remote: ffPort, infile: p.send, symmetric: false });
    let rep: AudioStreamReport;
    try {
      await untilEof(mw);
      await sleep(500);
      rep = mw.report();
    } finally {
      await mw.stop();
    }
    // ffmpeg ends on our RTCP BYE; if it has not, one SIGINT makes it finish the WAV.
    await Promise.race([ff.done, sleep(1500)]);
    const ffr = await ff.stop('SIGINT');
    console.log(`    mediaweave: ${figures(rep)}; ffmpeg exit ${ffr.code ?? ffr.signal}`);
    judge('mediaweave → ffmpeg', similarityOf(out, p.reference), [{ label: 'ffmpeg libopus voip round trip offline', score: refScore, margin: MARGIN }]);
  });

  test('ffmpeg → mediaweave (-c:a libopus -ar 48000 -b:a 32k -f rtp)', async (t) => {
    if (!requireLibopus(t) || !requireTool(t, 'ffmpeg')) return;
    const dir = tempDir(t, 'opus-ff-send');
    const p = prepare(t, dir);
    if (!p) return;
    const refScore = ffmpegRoundTrip(p, dir, 'audio');
    const port = await ports.pair();
    const out = join(dir, 'mediaweave.wav');
    const mw = await startStream({ port, outfile: out });
    let rep: AudioStreamReport;
    try {
      const ff = spawnPeer('ffmpeg sender', 'ffmpeg', [
        '-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-i', p.send,
        '-c:a', 'libopus', '-ar', '48000', '-b:a', '32k', '-payload_type', '114', '-f', 'rtp', `rtp://127.0.0.1:${port}`,
      ], { timeoutMs: (p.totalS + 15) * 1000 });
      const ffr = await ff.done;
      assert.equal(ffr.code, 0, `ffmpeg failed: ${ffr.stderr.slice(-1000)}`);
      await sleep(1000); // the jitter buffer plays out what it holds
      rep = mw.report();
    } finally {
      await mw.stop();
    }
    console.log(`    mediaweave: ${figures(rep)}`);
    judge('ffmpeg → mediaweave', similarityOf(out, p.reference), [{ label: 'ffmpeg libopus (audio) round trip offline', score: refScore, margin: MARGIN }]);
    assert.equal(rep.received.unknownPt, 0, 'every packet was PT 114');
    assert.equal(rep.received.lost, 0, 'nothing lost on loopback');
    assert.equal(rep.decoder.errors, 0, 'no undecodable payloads');
  });

  test('mediastream ↔ mediaweave (audio/opus/48000/2, --bitrate 32000): one call, speech both ways; mediastream ↔ mediastream beside it', async (t) => {
    if (!requireLibopus(t) || !requireTool(t, 'mediastream')) return;
    const dir = tempDir(t, 'opus-ms');
    const p = prepare(t, dir);
    if (!p) return;
    const pw = await ports.pair();
    const pm = await ports.pair();
    const r1 = await ports.pair();
    const r2 = await ports.pair();
    const mwOut = join(dir, 'mediaweave.wav');
    const msOut = join(dir, 'mediastream.wav');
    const ref1 = join(dir, 'ref1.wav');
    const ref2 = join(dir, 'ref2.wav');
    const ms = (name: string, local: number, remote: number, out: string) =>
      spawnPeer(name, 'mediastream', [
        '--local', String(local), '--remote', `127.0.0.1:${remote}`, '--payload', 'audio/opus/48000/2', '--bitrate', String(BITRATE),
        '--infile', p.send, '--outfile', out,
      ], { timeoutMs: (p.totalS + 2.5) * 1000, stopSignal: 'SIGINT' });
    // The reference call: mediastream against itself, same input, at the same time.
    const refA = ms('mediastream ref A', r1, r2, ref1);
    const refB = ms('mediastream ref B', r2, r1, ref2);
    const mw = await startStream({ port: pw, remote: pm, infile: p.send, outfile: mwOut });
    let rep: AudioStreamReport;
    try {
      const msr = await ms('mediastream', pm, pw, msOut).done;
      await Promise.all([refA.done, refB.done]);
      await sleep(300);
      rep = mw.report();
      console.log(`    ${fmtMediastream(parseMediastreamLog(msr.stdout + msr.stderr))}`);
    } finally {
      await mw.stop();
    }
    const refScores = [similarityOf(ref1, p.reference).score, similarityOf(ref2, p.reference).score];
    const msRef = { label: `mediastream ↔ mediastream ${refScores.map((s) => s.toFixed(3)).join('/')}`, score: Math.min(...refScores), margin: MS_MARGIN };
    console.log(`    mediaweave: ${figures(rep)}`);
    judge('mediastream → mediaweave', similarityOf(mwOut, p.reference), [msRef]);
    judge('mediaweave → mediastream', similarityOf(msOut, p.reference), [msRef]);
    assert.equal(rep.received.unknownPt, 0, 'every packet was PT 114');
    assert.equal(rep.decoder.errors, 0, 'no undecodable payloads');
    assert.equal(rep.received.lost, 0, 'nothing lost on loopback');
  });
});
