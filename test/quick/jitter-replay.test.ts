/**
 * Replays Mediastreamer2's RTP captures into our jitter buffer (virtual clock, a receiver
 * pulling every 10 ms) and holds the figures against Mediastreamer2's (PROVENANCE.md in
 * ../shared/data/ms2/). Prints ours beside theirs for every capture; asserts the goals we meet,
 * and our own figures with a little margin so a regression fails. Never asserts wall-clock time.
 *
 * Goals (from the issue):
 * (a) with Mediastreamer2's test bounds (min 40 / nominal 80 / max 1000 ms): fewer late packets
 *     than its tester's bands (pcmu < 2, 534late < 190, opus-poor-quality < 200);
 * (b) with our defaults: against `mediastream`'s row, no more late packets and less mean delay.
 * Met: (a) on `late`; (b) on late for all five, on delay for four (not rtp-120late: see below).
 * Not met, reported: counting packets dropped to shed delay (`skipped`) as oRTP would
 * (`outoftime` = late + skipped), 534late sits at the top of the RLS band (190–240) rather
 * than below it, and pcmu at 2 (two packets shed coming down from nominal 80 to min 40).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedFile } from '../../src/test-support/shared.js';
import { MS2_TEST_BOUNDS, SCENARIOS, loadCapture, replay, runScenario } from '../../bench/jitter-replay.js';

interface Expect {
  received: number;
  lost: number;
  /** (a): the band's lower bound on late packets, strictly fewer required (no band: late must be 0). */
  ms2LateBelow: number;
  /** Regression guards on our own figures (value reached + margin). */
  maxNotPlayed: number;
  maxDelayMs: number;
  /** (b) mediastream's row, when the goal is met and asserted. */
  mediastreamDelayMet: boolean;
}

const EXPECT: Record<string, Expect> = {
  'pcmu_8k_no_jitter.pcap': { received: 2524, lost: 0, ms2LateBelow: 2, maxNotPlayed: 2, maxDelayMs: 45, mediastreamDelayMet: true },
  'rtp-60late-500total.pcapng': { received: 404, lost: 0, ms2LateBelow: 1, maxNotPlayed: 26, maxDelayMs: 455, mediastreamDelayMet: true },
  'rtp-120late-1000total.pcapng': { received: 904, lost: 0, ms2LateBelow: 1, maxNotPlayed: 70, maxDelayMs: 478, mediastreamDelayMet: true },
  'rtp-534late-24loss-7000total.pcapng': { received: 7108, lost: 24, ms2LateBelow: 190, maxNotPlayed: 350, maxDelayMs: 355, mediastreamDelayMet: true },
  'opus-poor-quality.pcapng': { received: 4228, lost: 1, ms2LateBelow: 200, maxNotPlayed: 305, maxDelayMs: 375, mediastreamDelayMet: true },
};

for (const scenario of SCENARIOS) {
  test(`jitter replay: ${scenario.file}`, (t) => {
    const path = sharedFile(t, 'data', 'ms2', 'scenarios', scenario.file);
    if (!path) return;
    const r = runScenario(scenario, path);
    const e = EXPECT[scenario.file];
    const a = r.ms2Bounds;
    const b = r.defaults;
    const ms = scenario.mediastream;
    const bands = scenario.ms2Bands;
    console.log(
      `${scenario.file}\n` +
        `  ms2 bounds: ours late ${a.late}, skipped ${a.skipped} (late+skipped ${a.late + a.skipped}), lost ${a.lost}, ` +
        `mean delay ${a.meanDelayMs.toFixed(0)} ms (queue span ${a.meanQueueSpanMs.toFixed(0)})` +
        (Number.isNaN(bands.basic[0]) ? '' : ` | ms2 tester late: basic ${bands.basic[0]}–${bands.basic[1]}, RLS ${bands.rls[0]}–${bands.rls[1]}`) +
        '\n' +
        `  defaults:   ours late ${b.late}, skipped ${b.skipped}, lost ${b.lost}, mean delay ${b.meanDelayMs.toFixed(0)} ms ` +
        `(queue span ${b.meanQueueSpanMs.toFixed(0)})` +
        (ms ? ` | mediastream late ${ms.late}, lost ${ms.lost}, mean jitter buffer ${ms.meanJitterBufferMs} ms` : ''),
    );

    // The replay sees the whole stream.
    assert.equal(a.received, e.received);
    assert.equal(b.received, e.received);
    assert.equal(a.duplicated, 0);
    assert.equal(a.lost, e.lost);
    assert.equal(b.lost, e.lost);

    // (a) fewer late packets than Mediastreamer2's tester bands, at its bounds.
    assert.ok(a.late < e.ms2LateBelow, `late ${a.late} not below ${e.ms2LateBelow}`);
    // Our own figures, so a regression fails.
    assert.ok(a.late + a.skipped <= e.maxNotPlayed, `late+skipped ${a.late + a.skipped} > ${e.maxNotPlayed}`);
    assert.equal(a.discarded, 0);

    // (b) our defaults against mediastream's row.
    if (ms) {
      assert.ok(b.late <= ms.late, `late ${b.late} > mediastream's ${ms.late}`);
      if (e.mediastreamDelayMet) {
        assert.ok(b.meanDelayMs < ms.meanJitterBufferMs, `mean delay ${b.meanDelayMs} not below mediastream's ${ms.meanJitterBufferMs}`);
      } else {
        console.error(
          `  NOT MET: mean delay ${b.meanDelayMs.toFixed(0)} ms is above mediastream's ${ms.meanJitterBufferMs} ms on this capture ` +
            '(a 1.1 s stall near its end; shedding it faster would drop more packets, see bench/jitter-replay.ts section C)',
        );
      }
    }
    assert.ok(b.meanDelayMs <= e.maxDelayMs, `mean delay ${b.meanDelayMs} > ${e.maxDelayMs}`);
    assert.ok(b.late + b.skipped <= e.maxNotPlayed);
  });
}

test('jitter replay: timestamps offset by 0x7ffffffc (as Mediastreamer2\'s tester does) change nothing', (t) => {
  const scenario = SCENARIOS.find((s) => s.file.startsWith('rtp-534late'));
  assert.ok(scenario);
  const path = sharedFile(t, 'data', 'ms2', 'scenarios', scenario.file);
  if (!path) return;
  const dgs = loadCapture(path);
  const opts = { clockRate: scenario.clockRate, ...MS2_TEST_BOUNDS };
  const plain = replay(dgs, scenario.payloadType, opts, { codec: scenario.codec });
  // The tester's offset moves the stream across 2^31; the second puts the 2^32 wrap about a
  // minute into the capture (its first timestamp is 230880).
  for (const tsOffset of [0x7ffffffc, 0x100000000 - 48_000 * 60]) {
    const shifted = replay(dgs, scenario.payloadType, opts, { codec: scenario.codec, tsOffset });
    assert.deepEqual(shifted, plain, `offset ${tsOffset}`);
  }
});
