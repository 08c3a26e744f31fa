/**
 * mediaweave ↔ ffmpeg 5.1, PCMU (issue "A real call"). ffmpeg is a plain RTP peer: as a sender
 * (`-re … -f rtp rtp://127.0.0.1:<our port>`) it sends RTCP SRs to port + 1 and stops with a
 * BYE; as a receiver it reads an SDP file we write and sends no reports we could receive (its
 * RRs go to the SDP's address, its own port). Each test judges the received audio by speech
 * similarity (DESIGN §6) to the reference (the first 6 s of hello8000.wav after 3.5 s of
 * silence). The three calls run at once (~15 s).
 *
 * ffmpeg's RTP muxer packs PCM as it comes from the demuxer: by default each 2048-sample WAV
 * packet goes out as one 1460-sample and one 588-sample RTP packet (182.5 ms + 73.5 ms), sent
 * together every 256 ms. The second sender test makes it send even 20 ms packets
 * (`-af asetnsamples=n=160 -packetsize 172`), which isolates packetisation from the rest.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fmtSim, portRange, prepareReference, readReport, reportFigures, requireTool,
  similarityOf, sleep, spawnPeer, startMediaweave, tempDir,
} from './support.js';

const ports = portRange(32000);

/** PCMU on loopback: measured 0.995–1.000 with even packets. */
const FLOOR = 0.9;

describe('ffmpeg ↔ mediaweave (PCMU)', { concurrency: 3 }, () => {
  for (const variant of [
    { name: "ffmpeg's default packetisation (1460 + 588 samples every 256 ms)", args: [] as string[], label: 'default' },
    { name: 'even 20 ms packets', args: ['-af', 'asetnsamples=n=160', '-packetsize', '172'], label: '20ms' },
  ]) {
    test(`ffmpeg → mediaweave, ${variant.name}: speech arrives, ffmpeg's SRs received`, async (t) => {
      if (!requireTool(t, 'ffmpeg')) return;
      const dir = tempDir(t, `ff-send-${variant.label}`);
      const audio = prepareReference(t, dir, { seconds: 6 });
      if (!audio) return;
      const port = await ports.pair();
      const out = join(dir, 'mediaweave.wav');
      const json = join(dir, 'mediaweave.json');
      // No --remote: mediaweave learns ffmpeg's address from its packets (it sends nothing before).
      const mw = await startMediaweave('mediaweave', [
        'stream', '--local', String(port), '--payload', 'pcmu', '--outfile', out, '--json', json,
        '--duration', '60', '--stats', '0', '--verbose',
      ], { timeoutMs: 90_000 });
      const ff = spawnPeer('ffmpeg sender', 'ffmpeg', [
        '-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-i', audio.send, ...variant.args,
        '-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1', '-f', 'rtp', `rtp://127.0.0.1:${port}`,
      ], { timeoutMs: (audio.totalS + 15) * 1000 });
      const ffr = await ff.done;
      await sleep(1000); // the jitter buffer plays out what it holds (ffmpeg's bursts need ~250 ms)
      const mwr = await mw.stop('SIGINT');
      const rep = readReport(json, mwr);
      const sim = similarityOf(out, audio.reference);
      console.log(`  ffmpeg → mediaweave, ${variant.label}: ${fmtSim(sim)}`);
      console.log(`    mediaweave: ${reportFigures(rep)}`);
      assert.equal(ffr.code, 0, `ffmpeg failed: ${ffr.stderr.slice(-1000)}`);
      assert.ok(sim.score >= FLOOR, `similarity ${sim.score.toFixed(3)} < ${FLOOR}`);
      assert.equal(rep.received.lost, 0);
      assert.equal(rep.decoder.errors, 0);
      assert.ok(rep.details.rtcp.received > 0, 'no RTCP SR received from ffmpeg');
      // Nothing should have been concealed but the end of the stream (the PLC's fade-out).
      assert.ok(rep.decoder.concealedMs <= 300, `concealed ${rep.decoder.concealedMs} ms of a clean stream`);
    });
  }

  test('mediaweave → ffmpeg (SDP file): speech arrives', async (t) => {
    if (!requireTool(t, 'ffmpeg')) return;
    const dir = tempDir(t, 'ff-recv');
    const audio = prepareReference(t, dir, { seconds: 6 });
    if (!audio) return;
    const ffPort = await ports.pair();
    const mwPort = await ports.pair();
    const sdp = join(dir, 'in.sdp');
    writeFileSync(sdp, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=mediaweave', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${ffPort} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', ''].join('\r\n'));
    const out = join(dir, 'ffmpeg.wav');
    const json = join(dir, 'mediaweave.json');
    const ff = spawnPeer('ffmpeg receiver', 'ffmpeg', [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp', '-i', sdp, '-y', out,
    ], { timeoutMs: (audio.totalS + 30) * 1000, stopSignal: 'SIGINT' });
    await sleep(300); // ffmpeg opens its socket once it has read the SDP; our lead-in silence covers the rest
    const mw = await startMediaweave('mediaweave', [
      'stream', '--local', String(mwPort), '--remote', `127.0.0.1:${ffPort}`, '--payload', 'pcmu', '--infile', audio.send,
      '--json', json, '--duration', (audio.totalS + 1).toFixed(2), '--stats', '0',
    ], { timeoutMs: (audio.totalS + 20) * 1000 });
    const mwr = await mw.done;
    // ffmpeg ends on our RTCP BYE; if it has not, one SIGINT makes it finish the WAV.
    await Promise.race([ff.done, sleep(1500)]);
    const ffr = await ff.stop('SIGINT');
    const rep = readReport(json, mwr);
    const sim = similarityOf(out, audio.reference);
    console.log(`  mediaweave → ffmpeg: ${fmtSim(sim)} (ffmpeg exit ${ffr.code ?? ffr.signal})`);
    console.log(`    mediaweave: ${reportFigures(rep)}`);
    assert.ok(sim.score >= FLOOR, `similarity ${sim.score.toFixed(3)} < ${FLOOR}; ffmpeg: ${ffr.stderr.slice(-1000)}`);
    assert.ok(sim.seconds >= audio.seconds, `ffmpeg wrote ${sim.seconds.toFixed(1)} s`);
  });
});
