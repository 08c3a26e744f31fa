/**
 * mediaweave ↔ mediaweave over loopback, as two `mediaweave stream` processes (issue "A real
 * call"): PCMU and PCMA, on a clean link and through the network simulator (5 % loss, 30 ms
 * jitter, fixed seed, on the receiver's input). The received audio is judged by speech
 * similarity to the reference (DESIGN §6), the reports by their loss and concealment counts.
 * The reference is the first 6 s of hello8000.wav after 3.5 s of silence (see
 * prepareReference); RTCP every 1 s so both sides measure RTT within the call. Two calls run at
 * once (~30 s in all).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fmtSim, lossPercent, mediaweaveCall, portRange, prepareReference, reportFigures, tempDir, type MwCallResult,
} from './support.js';

const ports = portRange(30000);

/**
 * Floors, measured (see the figures each test prints) with margin. Clean: 1.000 every run.
 * Lossy: 0.75–0.99 (PCMU), 0.88–0.97 (PCMA) over ~15 runs each. What spreads the lossy score is
 * alignment, not the PLC: to follow the 30 ms jitter the adaptive buffer sometimes holds ~30 ms
 * mid-call (and sheds it later), and the chunks on the far side of such a move drop to ~0.6 in
 * DESIGN §6's ±25 ms alignment window although the audio is intact.
 */
// The issue asks ≥ 0.9 on a clean link; quiet machines measure 1.000 (a loaded one has dipped to 0.85).
const CLEAN_FLOOR = 0.9;
const LOSSY_FLOOR = 0.6;

function print(label: string, c: MwCallResult): void {
  console.log(`  ${label}: ${fmtSim(c.received)}`);
  console.log(`    receiver: ${reportFigures(c.receiverReport)}`);
  console.log(`    sender:   ${reportFigures(c.senderReport)}`);
}

describe('mediaweave → mediaweave', { concurrency: 2 }, () => {
  for (const payload of ['pcmu', 'pcma']) {
    test(`${payload.toUpperCase()}, clean link: speech arrives intact, nothing lost, RTT on both sides`, async (t) => {
      const dir = tempDir(t, `mw-${payload}-clean`);
      const audio = prepareReference(t, dir, { seconds: 6 });
      if (!audio) return;
      const c = await mediaweaveCall({ payload, ports, dir, audio, label: `${payload}-clean` });
      print(`${payload.toUpperCase()} clean`, c);
      const rx = c.receiverReport;
      assert.ok(c.received.score >= CLEAN_FLOOR, `similarity ${c.received.score.toFixed(3)} < ${CLEAN_FLOOR}`);
      assert.equal(rx.received.lost, 0, 'no loss on loopback');
      assert.equal(rx.received.invalid, 0);
      assert.equal(rx.received.unknownPt, 0);
      assert.equal(rx.decoder.errors, 0);
      // The sender's audio lasts audio.totalS at 50 packets/s; all of it must arrive.
      assert.ok(rx.received.packets >= Math.floor(audio.totalS * 50), `received ${rx.received.packets} packets`);
      for (const [side, r] of [['receiver', rx], ['sender', c.senderReport]] as const) {
        assert.ok(r.details.rtcp.received > 0, `${side} received no RTCP`);
        assert.notEqual(r.rttMs, null, `${side} has no RTT`);
        assert.ok(r.rttMs !== null && r.rttMs >= 0 && r.rttMs < 50, `${side} RTT ${r.rttMs} ms on loopback`);
      }
    });

    test(`${payload.toUpperCase()}, 5 % loss and 30 ms jitter: counted, concealed, speech still understood`, async (t) => {
      const dir = tempDir(t, `mw-${payload}-lossy`);
      const audio = prepareReference(t, dir, { seconds: 6 });
      if (!audio) return;
      const c = await mediaweaveCall({
        payload, ports, dir, audio, label: `${payload}-lossy`,
        receiverArgs: ['--netsim-loss', '5', '--netsim-jitter', '30', '--netsim-seed', payload === 'pcmu' ? '7' : '8'],
      });
      print(`${payload.toUpperCase()} 5 % loss / 30 ms jitter`, c);
      const rx = c.receiverReport;
      const pct = lossPercent(rx);
      assert.ok(c.received.score >= LOSSY_FLOOR, `similarity ${c.received.score.toFixed(3)} < ${LOSSY_FLOOR}`);
      assert.ok(pct >= 2 && pct <= 9, `loss counted ${pct.toFixed(1)} %, expected ≈ 5 %`);
      // Every lost packet is 20 ms the PLC has to make up (late ones too, when the buffer misses them).
      assert.ok(rx.decoder.concealedMs > 0, 'nothing concealed');
      assert.ok(rx.decoder.concealedMs >= 0.8 * 20 * rx.received.lost, `concealed ${rx.decoder.concealedMs} ms for ${rx.received.lost} lost packets`);
      assert.ok(rx.jitterMs !== null && rx.jitterMs > 2, `interarrival jitter ${rx.jitterMs} ms with 30 ms simulated`);
      assert.ok(rx.details.rtcp.received > 0, 'receiver received no RTCP');
      assert.notEqual(c.senderReport.rttMs, null, 'sender has no RTT');
    });
  }
});
