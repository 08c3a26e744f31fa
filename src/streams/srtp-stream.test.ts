/**
 * SRTP on a real AudioStream call, in virtual time over in-memory transports (test only: this
 * file imports streams/, which srtp/ code never does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { VirtualClock } from '../core/clock.js';
import { Filter } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';
import { LoopbackPair } from '../net/impaired-transport.js';
import { CallbackFilter } from './callback-filter.js';
import { AudioStream } from './audio-stream.js';
import { readWavFile } from '../files/wav-reader.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';
import { generateKeySalt, keyMaterial } from '../srtp/sdes.js';
import { SrtpTransform } from '../srtp/srtp-transform.js';
import type { SrtpSuiteName } from '../srtp/suites.js';

class Recorder extends Filter {
  readonly type = 'srtp-test-recorder';
  readonly chunks: Int16Array[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.chunks.push((f as AudioFrame).samples);
  }
  all(): Int16Array {
    const n = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Int16Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

async function srtpCall(infile: string, suite: SrtpSuiteName, wrongKeyAtB: boolean, ms: number) {
  const clock = new VirtualClock(0);
  const ticker = new Ticker({ clock });
  const rtp = new LoopbackPair({ clock });
  ticker.attach(new Graph().add(new CallbackFilter(() => rtp.poll(clock.now()))));
  const keyA = generateKeySalt(suite);
  const keyB = generateKeySalt(suite);
  const recA = new Recorder();
  const recB = new Recorder();
  const common = { codec: { mime: 'PCMU', clockRate: 8000 }, ticker, rtcp: { mux: true } } as const;
  const a = new AudioStream({ ...common, transports: { rtp: rtp.a }, remote: rtp.b.localAddress, input: { kind: 'file', path: infile }, output: { kind: 'filter', filter: recA } });
  const b = new AudioStream({ ...common, transports: { rtp: rtp.b }, remote: rtp.a.localAddress, input: { kind: 'file', path: infile }, output: { kind: 'filter', filter: recB } });
  const ta = new SrtpTransform({ local: keyMaterial(suite, keyA), remote: keyMaterial(suite, keyB) });
  const tb = new SrtpTransform({ local: keyMaterial(suite, keyB), remote: keyMaterial(suite, wrongKeyAtB ? generateKeySalt(suite) : keyA) });
  a.addPacketTransform(ta);
  b.addPacketTransform(tb);
  a.addReportSection('srtp', () => ({ suite, authFailed: ta.stats.authFailed, replayed: ta.stats.replayed }));
  b.addReportSection('srtp', () => ({ suite, authFailed: tb.stats.authFailed, replayed: tb.stats.replayed }));
  await a.start();
  await b.start();
  ticker.runFor(ms);
  await a.stop();
  await b.stop();
  return { a, b, ta, tb, recA, recB };
}

test('SRTP both ways on an AudioStream call (AES-CM-128-80 and GCM): speech intact, RTCP protected, report section', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const ref = readWavFile(hello);
  const refMono = toMono8k(ref.samples, ref.sampleRate, ref.channels);
  const ms = Math.ceil((ref.samples.length / ref.channels / ref.sampleRate) * 1000) + 12_000;
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'] as const) {
    const c = await srtpCall(hello, suite, false, ms);
    const simB = speechSimilarity(refMono, toMono8k(c.recB.all(), 8000, 1));
    const simA = speechSimilarity(refMono, toMono8k(c.recA.all(), 8000, 1));
    const rb = c.b.report() as ReturnType<AudioStream['report']> & { srtp?: { authFailed: number } };
    console.log(`SRTP ${suite}: similarity A→B ${simB.score.toFixed(4)}, B→A ${simA.score.toFixed(4)}; transform A ${JSON.stringify(c.ta.stats)}`);
    assert.ok(simB.score > 0.99, `${suite} A→B similarity ${simB.score}`);
    assert.ok(simA.score > 0.99, `${suite} B→A similarity ${simA.score}`);
    for (const tr of [c.ta, c.tb]) {
      assert.equal(tr.stats.authFailed + tr.stats.replayed + tr.stats.badIndex + tr.stats.malformed, 0, `${suite}: no failures ${JSON.stringify(tr.stats)}`);
    }
    assert.ok(rb.details.rtcp.received >= 1, `${suite}: SRTCP reports arrived (${rb.details.rtcp.received})`);
    assert.equal(rb.received.packets, c.a.report().sent.packets, `${suite}: every packet unprotected`);
    assert.deepEqual(rb.srtp, { suite, authFailed: 0, replayed: 0 }, `${suite}: report section`);
  }
});

test('SRTP with a wrong remote key: silence on that side, authFailed counted, no crash, the other direction fine', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const c = await srtpCall(hello, 'AES_CM_128_HMAC_SHA1_80', true, 5000);
  const rb = c.b.report() as ReturnType<AudioStream['report']> & { srtp?: { authFailed: number } };
  const outB = c.recB.all();
  const energy = outB.reduce((s, v) => s + Math.abs(v), 0) / Math.max(1, outB.length);
  console.log(`wrong key: B authFailed ${c.tb.stats.authFailed}, received ${rb.received.packets}, mean |sample| ${energy.toFixed(2)}`);
  assert.ok(c.tb.stats.authFailed > 200, `authFailed ${c.tb.stats.authFailed}`);
  assert.equal(rb.received.packets, 0, 'nothing decrypted with a wrong key');
  assert.equal(rb.srtp?.authFailed, c.tb.stats.authFailed, 'report section');
  assert.ok(energy < 1, `B plays silence (mean |sample| ${energy})`);
  assert.ok(c.ta.stats.unprotected > 200, `A still receives B (${c.ta.stats.unprotected})`);
  assert.equal(c.ta.stats.authFailed, 0, 'A has the right key');
});

test('mandatory mode drops clear packets while a key is missing; optional mode passes them', () => {
  const clear = new Uint8Array(40);
  clear.set([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3]);
  const m = new SrtpTransform();
  assert.equal(m.incoming(clear, 'rtp'), null);
  assert.equal(m.outgoing(clear, 'rtp'), null);
  assert.equal(m.stats.clearDropped, 2);
  const o = new SrtpTransform({ mandatory: false });
  assert.equal(o.incoming(clear, 'rtp'), clear);
  // A key arriving later (e.g. from ZRTP) switches the direction to SRTP.
  const k = keyMaterial('AES_CM_128_HMAC_SHA1_80', generateKeySalt('AES_CM_128_HMAC_SHA1_80'));
  o.setRemoteKey(k);
  assert.equal(o.incoming(clear, 'rtp'), null, 'clear packet is not authentic');
  assert.equal(o.stats.authFailed, 1);
  const peer = new SrtpTransform({ local: k });
  assert.ok(o.incoming(peer.outgoing(clear, 'rtp')!, 'rtp'), 'protected packet passes');
  assert.equal(o.incoming(new Uint8Array(3), 'rtcp'), null, 'garbage counted');
  assert.equal(o.stats.malformed, 1);
});
