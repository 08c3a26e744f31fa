/**
 * SRTP interop: mediaweave ↔ Mediastreamer2's `mediastream --srtp <local key> <remote key>`
 * (AES_CM_128_HMAC_SHA1_80; PEERS.md: the keys are the LAST options, 40 base64 characters each,
 * the peer gets them swapped). Both sides send the reference and record; judged by speech
 * similarity. Then a wrong key on our side: silence here, authFailed counted, no crash.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  fmtSim, parseMediastreamLog, portRange, prepareReference, readReport, reportFigures, requireTool, similarityOf, sleep, spawnPeer,
  startMediaweave, tempDir, type ReferenceAudio, type PortAllocator,
} from './support.js';

const ports = portRange(33500);
const FLOOR = 0.9;

function key(): string {
  return randomBytes(30).toString('base64');
}

async function srtpCall(o: { ports: PortAllocator; dir: string; audio: ReferenceAudio; label: string; ours: string; theirs: string; ourViewOfTheirs: string; seconds?: number }) {
  const pw = await o.ports.pair();
  const pm = await o.ports.pair();
  const f = (name: string): string => join(o.dir, `${o.label}-${name}`);
  const seconds = o.seconds ?? 11;
  const mw = await startMediaweave(`mediaweave (${o.label})`, [
    'stream', '--local', String(pw), '--remote', `127.0.0.1:${pm}`, '--payload', 'pcmu',
    '--infile', o.audio.send, '--outfile', f('mediaweave.wav'), '--json', f('mediaweave.json'),
    '--duration', String(seconds + 30), '--stats', '1', '--verbose',
    '--srtp-key', o.ours, '--srtp-remote-key', o.ourViewOfTheirs,
  ], { timeoutMs: (seconds + 40) * 1000 });
  const ms = spawnPeer(`mediastream (${o.label})`, 'mediastream', [
    '--local', String(pm), '--remote', `127.0.0.1:${pw}`, '--payload', '0',
    '--infile', o.audio.send, '--outfile', f('mediastream.wav'),
    '--srtp', o.theirs, o.ours, // last: its local key, then ours (its remote)
  ], { timeoutMs: seconds * 1000, stopSignal: 'SIGINT' });
  const msr = await ms.done;
  await sleep(200);
  const mwr = await mw.stop('SIGINT');
  return {
    mw: mwr,
    ms: msr,
    report: readReport(f('mediaweave.json'), mwr) as ReturnType<typeof readReport> & { srtp?: { suite: string; authFailed: number; replayed: number } },
    log: parseMediastreamLog(msr.stdout + msr.stderr),
    atMediaweave: similarityOf(f('mediaweave.wav'), o.audio.reference),
    atMediastream: similarityOf(f('mediastream.wav'), o.audio.reference),
  };
}

describe('SRTP: mediaweave ↔ mediastream', { concurrency: 2 }, () => {
  test('AES_CM_128_HMAC_SHA1_80 both directions', async (t) => {
    if (!requireTool(t, 'mediastream')) return;
    const dir = tempDir(t, 'srtp-ms');
    const audio = prepareReference(t, dir, { seconds: 5 });
    if (!audio) return;
    const ours = key();
    const theirs = key();
    const r = await srtpCall({ ports, dir, audio, label: 'srtp', ours, theirs, ourViewOfTheirs: theirs });
    console.log(`  mediastream → mediaweave (SRTP): ${fmtSim(r.atMediaweave)}; ${reportFigures(r.report)}; srtp ${JSON.stringify(r.report.srtp)}`);
    console.log(`  mediaweave → mediastream (SRTP): ${fmtSim(r.atMediastream)}`);
    assert.ok(r.atMediaweave.score >= FLOOR, `mediastream → mediaweave similarity ${r.atMediaweave.score.toFixed(3)} < ${FLOOR}`);
    assert.ok(r.atMediastream.score >= FLOOR, `mediaweave → mediastream similarity ${r.atMediastream.score.toFixed(3)} < ${FLOOR}`);
    assert.ok(r.report.srtp, 'srtp report section');
    assert.equal(r.report.srtp.suite, 'AES_CM_128_HMAC_SHA1_80');
    assert.equal(r.report.srtp.authFailed, 0, 'no authentication failures with the right keys');
    assert.ok(r.report.received.packets > 150, `received ${r.report.received.packets}`);
    assert.ok(r.report.details.rtcp.received > 0, 'SRTCP from mediastream unprotected');
  });

  test('a wrong remote key: silence on our side, authFailed counted, warning printed, no crash', async (t) => {
    if (!requireTool(t, 'mediastream')) return;
    const dir = tempDir(t, 'srtp-ms-wrong');
    const audio = prepareReference(t, dir, { seconds: 4 });
    if (!audio) return;
    const ours = key();
    const r = await srtpCall({ ports, dir, audio, label: 'srtp-wrong', ours, theirs: key(), ourViewOfTheirs: key(), seconds: 8 });
    console.log(`  wrong key: at mediaweave ${fmtSim(r.atMediaweave)}; srtp ${JSON.stringify(r.report.srtp)}; exit ${r.mw.code ?? r.mw.signal}`);
    assert.ok(r.report.srtp && r.report.srtp.authFailed > 100, `authFailed ${r.report.srtp?.authFailed}`);
    assert.equal(r.report.received.packets, 0, 'nothing accepted');
    assert.ok(r.atMediaweave.score < 0.3, `silence expected, similarity ${r.atMediaweave.score.toFixed(3)}`);
    assert.match(r.mw.stderr, /warning: SRTP: \d+ packets? failed authentication/, 'warning printed');
    assert.match(r.mw.stderr, /srtp authFailed [1-9]/, 'count in the live stats');
    assert.equal(r.mw.code, 0, `mediaweave exit ${r.mw.code ?? r.mw.signal}`);
    // mediastream (whose keys do match ours for our sending direction) still hears us.
    assert.ok(r.atMediastream.score >= FLOOR, `mediaweave → mediastream ${r.atMediastream.score.toFixed(3)}`);
  });
});
