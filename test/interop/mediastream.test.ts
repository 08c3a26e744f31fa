/**
 * mediaweave ↔ Mediastreamer2's own `mediastream` (the original), PCMU and PCMA (issue "A real
 * call"). One call per codec, both directions at once: each side sends the reference (the first
 * 6 s of hello8000.wav after 3.5 s of silence) and records. Checked:
 * - audio both ways, by speech similarity (DESIGN §6) to the reference;
 * - RTCP both ways with RTT measured on both sides: ours from the --json report (`rttMs`,
 *   `details.rtcp.received`); mediastream's from its log ("received rtcp N packets" in its final
 *   oRTP stats, "RT propagation : X ms" in its "remote statistics available" block, which it
 *   prints on RTCP from us that carries a report block).
 * RTCP runs at the default 5 s interval on both sides, so a call lasts 13 s; the two codecs'
 * calls run at once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fmtMediastream, fmtSim, mediastreamCall, portRange, prepareReference, reportFigures, requireTool, tempDir,
} from './support.js';

const ports = portRange(31000);

/** G.711 both ways on loopback: measured 1.000 (DESIGN §6: mediastream against itself ≈ 1.00). */
// The issue asks ≥ 0.9 on a clean link; quiet machines measure 1.000.
const FLOOR = 0.9;

const CODECS = [
  { name: 'PCMU', payload: 'pcmu', msPayload: '0' },
  { name: 'PCMA', payload: 'pcma', msPayload: '8' },
] as const;

describe('mediaweave ↔ mediastream', { concurrency: 2 }, () => {
  for (const c of CODECS) {
    test(`${c.name}: one call, audio and RTCP both ways`, async (t) => {
      if (!requireTool(t, 'mediastream')) return;
      const dir = tempDir(t, `ms-${c.payload}`);
      const audio = prepareReference(t, dir, { seconds: 6 });
      if (!audio) return;
      const r = await mediastreamCall({ payload: c.payload, msPayload: c.msPayload, ports, dir, audio, label: c.payload });
      console.log(`  ${c.name} mediastream → mediaweave: ${fmtSim(r.atMediaweave)}`);
      console.log(`    mediaweave: ${reportFigures(r.report)}`);
      console.log(`  ${c.name} mediaweave → mediastream: ${fmtSim(r.atMediastream)}`);
      console.log(`    ${fmtMediastream(r.log)} (exit ${r.mediastream.code ?? r.mediastream.signal})`);

      await t.test('mediastream → mediaweave: speech arrives, nothing lost, RTCP received, RTT measured', () => {
        const rep = r.report;
        assert.ok(r.atMediaweave.score >= FLOOR, `similarity ${r.atMediaweave.score.toFixed(3)} < ${FLOOR}`);
        assert.equal(rep.received.lost, 0);
        assert.equal(rep.received.unknownPt, 0);
        assert.equal(rep.decoder.errors, 0);
        // mediastream's STUN keep-alives on both ports are tolerated, not counted as invalid RTP.
        assert.equal(rep.received.invalid, 0, 'invalid datagrams');
        assert.ok(rep.details.rtcp.received > 0, 'no RTCP received from mediastream');
        assert.notEqual(rep.rttMs, null, 'no RTT from mediastream\'s reports');
        assert.ok(rep.rttMs !== null && rep.rttMs >= 0 && rep.rttMs < 100, `RTT ${rep.rttMs} ms on loopback`);
      });

      await t.test('mediaweave → mediastream: speech arrives, our RTCP received, its RTT measured', () => {
        assert.ok(r.atMediastream.score >= FLOOR, `similarity ${r.atMediastream.score.toFixed(3)} < ${FLOOR}`);
        assert.ok((r.log.rtcpReceived ?? 0) > 0, `mediastream received no RTCP (log: received rtcp ${r.log.rtcpReceived})`);
        assert.ok(r.log.rtPropagationMs.length > 0, 'mediastream logged no "RT propagation" (no report block from us)');
        for (const v of r.log.rtPropagationMs) assert.ok(v >= 0 && v < 100, `mediastream RT propagation ${v} ms on loopback`);
        assert.equal(r.log.lost ?? 0, 0, 'mediastream counted losses');
      });
    });
  }
});
