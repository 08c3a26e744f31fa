/**
 * The quick interop subset `npm test` runs (issue "A real call"; the full matrix is
 * test/interop/, `npm run test:interop`): mediaweave → mediaweave PCMU on a clean link, and a
 * PCMU call with Mediastreamer2's `mediastream`, both at once (~15 s). Audio is judged by speech
 * similarity (DESIGN §6) to the reference (the first 6 s of hello8000.wav after 3.5 s of
 * silence). A missing peer skips loudly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fmtMediastream, fmtSim, mediastreamCall, mediaweaveCall, portRange, prepareReference, reportFigures, requireTool,
  tempDir,
} from '../interop/support.js';

const ports = portRange(35000);

/** G.711 on loopback: measured 1.000. */
// The issue asks ≥ 0.9 on a clean link; quiet machines measure 1.000.
const FLOOR = 0.9;

describe('quick interop', { concurrency: 2 }, () => {
  test('mediaweave → mediaweave, PCMU, clean: speech intact, nothing lost, RTCP both ways', async (t) => {
    const dir = tempDir(t, 'quick-mw');
    const audio = prepareReference(t, dir, { seconds: 6 });
    if (!audio) return;
    const c = await mediaweaveCall({ payload: 'pcmu', ports, dir, audio, label: 'quick' });
    console.log(`  mediaweave → mediaweave PCMU: ${fmtSim(c.received)}`);
    console.log(`    receiver: ${reportFigures(c.receiverReport)}`);
    assert.ok(c.received.score >= FLOOR, `similarity ${c.received.score.toFixed(3)} < ${FLOOR}`);
    assert.equal(c.receiverReport.received.lost, 0);
    assert.ok(c.receiverReport.details.rtcp.received > 0, 'receiver got no RTCP');
    assert.notEqual(c.senderReport.rttMs, null, 'sender has no RTT');
  });

  test('mediastream ↔ mediaweave, PCMU: speech both ways, RTCP received on both sides', async (t) => {
    if (!requireTool(t, 'mediastream')) return;
    const dir = tempDir(t, 'quick-ms');
    const audio = prepareReference(t, dir, { seconds: 6 });
    if (!audio) return;
    const r = await mediastreamCall({ payload: 'pcmu', msPayload: '0', ports, dir, audio, label: 'quick', seconds: audio.totalS + 1.5 });
    console.log(`  mediastream → mediaweave PCMU: ${fmtSim(r.atMediaweave)}`);
    console.log(`    mediaweave: ${reportFigures(r.report)}`);
    console.log(`  mediaweave → mediastream PCMU: ${fmtSim(r.atMediastream)}`);
    console.log(`    ${fmtMediastream(r.log)}`);
    assert.ok(r.atMediaweave.score >= FLOOR, `similarity at mediaweave ${r.atMediaweave.score.toFixed(3)} < ${FLOOR}`);
    assert.ok(r.atMediastream.score >= FLOOR, `similarity at mediastream ${r.atMediastream.score.toFixed(3)} < ${FLOOR}`);
    assert.equal(r.report.received.lost, 0);
    assert.ok(r.report.details.rtcp.received > 0, 'no RTCP from mediastream');
    assert.ok((r.log.rtcpReceived ?? 0) > 0, 'mediastream received no RTCP from us');
  });
});
