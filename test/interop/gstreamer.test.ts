/**
 * mediaweave ↔ GStreamer 1.22 `rtpbin`, PCMU, with RTCP both ways (issue "A real call").
 * One rtpbin session carries GStreamer's stream and ours, as a call does: it sends the reference
 * (wavparse → 8 kHz → mulawenc → rtppcmupay, 20 ms packets) with SRs, receives our RTP and RTCP,
 * and records what it gets (rtppcmudepay → mulawdec → wavenc). Its udpsinks send from ports of
 * their own, not from the udpsrc ports it receives on, so mediaweave runs with --no-symmetric
 * (symmetric RTP would follow GStreamer's packets to the udpsink's port, where nothing listens).
 * Binding the udpsinks to the udpsrc ports (`bind-port`) is no fix: two sockets then share a
 * port and which one gets our datagrams depends on the order they were bound in (seen both ways).
 *
 * What GStreamer did with our RTCP comes from its own debug log (GST_DEBUG=rtpsession:5,
 * rtpsource:5): "rtp_session_process_sr: got SR packet: SSRC <ours>" for each SR it received
 * from us, and, for each report block of ours about its stream, "got RB packet … LSR x:y" then
 * "round trip x:y" (16.16 fixed-point seconds): GStreamer's RTT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  fmtSim, portRange, prepareReference, readReport, reportFigures, requireTool, similarityOf, sleep, spawnPeer,
  startMediaweave, tempDir,
} from './support.js';

const ports = portRange(33000);

/** PCMU both ways on loopback: measured 1.000. */
// The issue asks ≥ 0.9 on a clean link; quiet machines measure 1.000.
const FLOOR = 0.9;

interface GstRtcpLog {
  /** SRs received from the network, by sender SSRC (hex, lower case). */
  srFrom: Map<string, number>;
  /** RTTs GStreamer computed from report blocks with an LSR, ms. */
  rttMs: number[];
}

function parseGstLog(text: string): GstRtcpLog {
  const srFrom = new Map<string, number>();
  for (const m of text.matchAll(/rtp_session_process_sr: got SR packet: SSRC ([0-9a-f]{8})/gi)) {
    const s = m[1]!.toLowerCase();
    srFrom.set(s, (srFrom.get(s) ?? 0) + 1);
  }
  const rttMs: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const rb = /got RB packet: .*LSR ([0-9a-f]{4}):([0-9a-f]{4})/i.exec(lines[i]!);
    if (!rb || (rb[1] === '0000' && rb[2] === '0000')) continue;
    for (let j = i + 1; j < Math.min(lines.length, i + 4); j++) {
      const rt = /round trip ([0-9a-f]{4}):([0-9a-f]{4})/i.exec(lines[j]!);
      if (rt) {
        rttMs.push(((parseInt(rt[1]!, 16) * 65536 + parseInt(rt[2]!, 16)) / 65536) * 1000);
        break;
      }
    }
  }
  return { srFrom, rttMs };
}

test('GStreamer rtpbin ↔ mediaweave, PCMU: audio both ways, RTCP both ways with RTT on both sides', async (t) => {
  if (!requireTool(t, 'gst-launch-1.0')) return;
  const dir = tempDir(t, 'gst');
  const audio = prepareReference(t, dir, { seconds: 6 });
  if (!audio) return;
  const g = await ports.pair(); // GStreamer: RTP g, RTCP g + 1
  const w = await ports.pair(); // mediaweave
  const mwOut = join(dir, 'mediaweave.wav');
  const gstOut = join(dir, 'gstreamer.wav');
  const json = join(dir, 'mediaweave.json');

  const mw = await startMediaweave('mediaweave', [
    'stream', '--local', String(w), '--remote', `127.0.0.1:${g}`, '--payload', 'pcmu', '--infile', audio.send,
    '--outfile', mwOut, '--json', json, '--duration', '60', '--stats', '0', '--verbose', '--no-symmetric',
  ], { timeoutMs: 90_000 });
  const caps = 'application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0';
  const pipeline = [
    'rtpbin', 'name=rtpbin',
    'filesrc', `location=${audio.send}`, '!', 'wavparse', '!', 'audioconvert', '!', 'audioresample', '!',
    'audio/x-raw,rate=8000,channels=1', '!', 'mulawenc', '!', 'rtppcmupay', 'min-ptime=20000000', 'max-ptime=20000000', '!',
    'rtpbin.send_rtp_sink_0',
    'rtpbin.send_rtp_src_0', '!', 'udpsink', 'host=127.0.0.1', `port=${w}`, 'sync=true', 'async=false',
    'rtpbin.send_rtcp_src_0', '!', 'udpsink', 'host=127.0.0.1', `port=${w + 1}`, 'sync=false', 'async=false',
    'udpsrc', `port=${g + 1}`, '!', 'rtpbin.recv_rtcp_sink_0',
    'udpsrc', `port=${g}`, `caps=${caps}`, '!', 'rtpbin.recv_rtp_sink_0',
    'rtpbin.', '!', 'rtppcmudepay', '!', 'mulawdec', '!', 'wavenc', '!', 'filesink', `location=${gstOut}`,
  ];
  // RTCP every 5 s (both defaults): 13 s gives each side reports from the other after its own SR.
  const gst = spawnPeer('gst-launch-1.0', 'gst-launch-1.0', ['-e', ...pipeline], {
    timeoutMs: 13_000, stopSignal: 'SIGINT',
    env: { ...process.env, GST_DEBUG: 'rtpsession:5,rtpsource:5', GST_DEBUG_NO_COLOR: '1' },
  });
  const gr = await gst.done;
  await sleep(200);
  const mwr = await mw.stop('SIGINT');
  const rep = readReport(json, mwr);
  const atMw = similarityOf(mwOut, audio.reference);
  const atGst = similarityOf(gstOut, audio.reference);
  const log = parseGstLog(gr.stdout + gr.stderr);
  const gstSsrc = rep.details.remoteSsrc === null ? undefined : rep.details.remoteSsrc.toString(16).padStart(8, '0');
  const fromUs = [...log.srFrom].filter(([s]) => s !== gstSsrc);
  const srFromUs = fromUs.reduce((n, [, c]) => n + c, 0);
  console.log(`  GStreamer → mediaweave: ${fmtSim(atMw)}`);
  console.log(`    mediaweave: ${reportFigures(rep)}`);
  console.log(`  mediaweave → GStreamer: ${fmtSim(atGst)} (gst-launch exit ${gr.code ?? gr.signal})`);
  console.log(`    GStreamer: SRs received from us ${srFromUs} (SSRC ${fromUs.map(([s]) => s).join(', ') || '-'}), RTT ${log.rttMs.map((x) => x.toFixed(1)).join('/') || '-'} ms`);

  await t.test('GStreamer → mediaweave: speech arrives, its RTCP received, RTT measured', () => {
    assert.ok(atMw.score >= FLOOR, `similarity ${atMw.score.toFixed(3)} < ${FLOOR}`);
    assert.equal(rep.received.lost, 0);
    assert.equal(rep.decoder.errors, 0);
    assert.equal(rep.received.invalid, 0);
    assert.ok(rep.details.rtcp.received > 0, 'no RTCP received from GStreamer');
    assert.notEqual(rep.rttMs, null, "no RTT: GStreamer's reports carried no block with our LSR");
    assert.ok(rep.rttMs !== null && rep.rttMs >= 0 && rep.rttMs < 100, `RTT ${rep.rttMs} ms on loopback`);
    assert.ok(!/symmetric RTP/.test(mwr.stderr), 'mediaweave switched address despite --no-symmetric');
  });

  await t.test('mediaweave → GStreamer: speech arrives, our SRs received, its RTT measured', () => {
    assert.ok(atGst.score >= FLOOR, `similarity ${atGst.score.toFixed(3)} < ${FLOOR}; gst-launch: ${gr.stdout.slice(-500)}`);
    assert.ok(srFromUs > 0, 'GStreamer logged no SR from us');
    assert.ok(log.rttMs.length > 0, 'GStreamer computed no round trip from our report blocks');
    for (const v of log.rttMs) assert.ok(v >= 0 && v < 100, `GStreamer RTT ${v} ms on loopback`);
  });
});
