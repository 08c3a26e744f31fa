/**
 * Symmetric RTP (RFC 4961; issue "A real call"): mediaweave configured with a wrong --remote (a
 * port nobody listens on) still reaches a peer that sends to it first, because it answers where
 * the peer's packets come from. The peer's received audio must match what we sent (speech
 * similarity, DESIGN §6), and our --verbose log must show the switch ("sending RTP to … (symmetric
 * RTP)"); our RTCP follows to the peer's RTP port + 1. Peers: mediastream, and another mediaweave. Both calls run at
 * once (~14 s).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fmtMediastream, fmtSim, mediastreamCall, mediaweaveCall, portRange, prepareReference, reportFigures, requireTool,
  tempDir,
} from './support.js';

const ports = portRange(34000);

/** G.711 on loopback: measured 1.000 both ways. */
// The issue asks ≥ 0.9 on a clean link; quiet machines measure 1.000.
const FLOOR = 0.9;

/** The address the CLI logged it switched RTP (or RTCP) to, if it did. */
function switchedTo(stderr: string, kind: 'RTP' | 'RTCP'): number | undefined {
  const m = new RegExp(`sending ${kind} to 127\\.0\\.0\\.1:(\\d+) \\(symmetric RTP\\)`).exec(stderr);
  return m ? Number(m[1]) : undefined;
}

describe('symmetric RTP: a wrong --remote is corrected by the peer\'s packets', { concurrency: 2 }, () => {
  test('peer mediastream (PCMU): it hears us after it spoke first', async (t) => {
    if (!requireTool(t, 'mediastream')) return;
    const dir = tempDir(t, 'sym-ms');
    const audio = prepareReference(t, dir, { seconds: 6 });
    if (!audio) return;
    const r = await mediastreamCall({
      payload: 'pcmu', msPayload: '0', ports, dir, audio, label: 'sym', mediaweaveRemote: 'wrong', seconds: audio.totalS + 1.5,
    });
    const rtpTo = switchedTo(r.mediaweave.stderr, 'RTP');
    const rtcpTo = switchedTo(r.mediaweave.stderr, 'RTCP');
    console.log(`  mediaweave (wrong --remote) → mediastream: ${fmtSim(r.atMediastream)}; switched RTP to ${rtpTo ?? '-'}, RTCP to ${rtcpTo ?? '-'}`);
    console.log(`    mediaweave: ${reportFigures(r.report)}`);
    console.log(`    ${fmtMediastream(r.log)}`);
    assert.notEqual(rtpTo, undefined, `mediaweave did not log a switch of its RTP address:\n${r.mediaweave.stderr.slice(-1500)}`);
    assert.ok(r.atMediastream.score >= FLOOR, `similarity at mediastream ${r.atMediastream.score.toFixed(3)} < ${FLOOR}`);
    assert.ok(r.atMediaweave.score >= FLOOR, `similarity at mediaweave ${r.atMediaweave.score.toFixed(3)} < ${FLOOR}`);
    // Our RTCP goes to the RTP address + 1 unless RTCP comes from elsewhere (then it follows
    // that, and the CLI logs it): either way it must reach mediastream.
    if (rtcpTo !== undefined) assert.equal(rtcpTo, rtpTo! + 1);
    assert.ok((r.log.rtcpReceived ?? 0) > 0, 'mediastream received no RTCP from us');
  });

  test('peer mediaweave (PCMU): the receiver speaks first, the misaddressed sender finds it', async (t) => {
    const dir = tempDir(t, 'sym-mw');
    const audio = prepareReference(t, dir, { seconds: 6 });
    if (!audio) return;
    const c = await mediaweaveCall({ payload: 'pcmu', ports, dir, audio, label: 'sym', senderRemote: 'wrong' });
    const rtpTo = switchedTo(c.sender.stderr, 'RTP');
    const rtcpTo = switchedTo(c.sender.stderr, 'RTCP');
    console.log(`  mediaweave (wrong --remote) → mediaweave: ${fmtSim(c.received)}; switched RTP to ${rtpTo ?? '-'}, RTCP to ${rtcpTo ?? '-'}`);
    console.log(`    receiver: ${reportFigures(c.receiverReport)}`);
    console.log(`    sender:   ${reportFigures(c.senderReport)}`);
    assert.notEqual(rtpTo, undefined, `the sender did not log a switch of its RTP address:\n${c.sender.stderr.slice(-1500)}`);
    // RTCP follows the RTP address (port + 1) without a switch of its own, the receiver's RTCP
    // coming from there: the receiver gets the sender's reports, RTT included.
    if (rtcpTo !== undefined) assert.equal(rtcpTo, rtpTo! + 1);
    assert.ok(c.receiverReport.details.rtcp.received > 0, "the sender's RTCP did not reach the receiver");
    assert.notEqual(c.receiverReport.rttMs, null, 'the receiver has no RTT (no report blocks from the sender)');
    assert.ok(c.received.score >= FLOOR, `similarity ${c.received.score.toFixed(3)} < ${FLOOR}`);
    assert.equal(c.receiverReport.received.lost, 0);
    // The receiver was addressed right from the start: it must not have switched.
    assert.equal(switchedTo(c.receiver.stderr, 'RTP'), undefined, 'the receiver switched address');
  });
});
