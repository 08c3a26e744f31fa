/**
 * AudioStream calls in virtual time over in-memory transports (no sockets): deterministic, and a
 * one-hour call runs in seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../core/graph.js';
import { Ticker } from '../core/ticker.js';
import { VirtualClock } from '../core/clock.js';
import { LoopbackPair } from '../net/impaired-transport.js';
import type { NetworkSimulatorOptions } from '../net/netsim.js';
import { CallbackFilter } from './callback-filter.js';
import { AudioStream } from './audio-stream.js';
import { Filter } from '../core/filter.js';
import type { AudioFrame } from '../core/frames.js';
import { readWavFile } from '../files/wav-reader.js';
import { sharedFile } from '../test-support/shared.js';
import { speechSimilarity, toMono8k } from '../test-support/similarity.js';

/** Collects received audio in memory. */
class Recorder extends Filter {
  readonly type = 'test-recorder';
  readonly chunks: Int16Array[] = [];
  samples = 0;
  keep: boolean;
  constructor(keep = true) {
    super({ inputs: 1, outputs: 0 });
    this.keep = keep;
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) {
      const a = f as AudioFrame;
      this.samples += a.samples.length;
      if (this.keep) this.chunks.push(a.samples);
    }
  }
  all(): Int16Array {
    const out = new Int16Array(this.samples);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

interface Call {
  ticker: Ticker;
  a: AudioStream;
  b: AudioStream;
  rtp: LoopbackPair;
  rtcp: LoopbackPair;
  recorder: Recorder;
}

async function makeCall(opts: { infile: string; loop?: boolean; aToB?: NetworkSimulatorOptions; keep?: boolean; mime?: string; pt?: number }): Promise<Call> {
  const clock = new VirtualClock(1000);
  const ticker = new Ticker({ clock });
  const rtp = new LoopbackPair({ a: { port: 40000 }, b: { port: 40002 }, clock, ...(opts.aToB ? { aToB: opts.aToB } : {}) });
  const rtcp = new LoopbackPair({ a: { port: 40001 }, b: { port: 40003 }, clock });
  // The network is polled first in every tick, at the tick's time.
  ticker.attach(
    new Graph('network').add(
      new CallbackFilter(() => {
        const now = clock.now();
        rtp.poll(now);
        rtcp.poll(now);
      }),
    ),
  );
  const codec = { mime: opts.mime ?? 'PCMU', clockRate: 8000 };
  const recorder = new Recorder(opts.keep ?? true);
  const a = new AudioStream({
    codec,
    ticker,
    transports: { rtp: rtp.a, rtcp: rtcp.a },
    remote: { address: '127.0.0.1', port: 40002 },
    input: { kind: 'file', path: opts.infile, ...(opts.loop ? { loop: true } : {}) },
    cname: 'a@test',
  });
  const b = new AudioStream({
    codec,
    ticker,
    transports: { rtp: rtp.b, rtcp: rtcp.b },
    remote: { address: '127.0.0.1', port: 40000 },
    input: { kind: 'silence' },
    output: { kind: 'filter', filter: recorder },
    cname: 'b@test',
  });
  await a.start();
  await b.start();
  return { ticker, a, b, rtp, rtcp, recorder };
}

test('a clean PCMU call in virtual time: speech arrives intact, RTCP both ways, report fields', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const call = await makeCall({ infile: hello });
  call.ticker.runFor(20_000); // two RTCP rounds each way whatever the random intervals
  await call.a.stop();
  await call.b.stop();
  const ra = call.a.report();
  const rb = call.b.report();
  const ref = readWavFile(hello);
  const sim = speechSimilarity(toMono8k(ref.samples, ref.sampleRate, ref.channels), toMono8k(call.recorder.all(), 8000, 1));
  console.log(`clean call: similarity ${sim.score.toFixed(4)} (lag ${sim.lag} samples), B received ${rb.received.packets}, RTT A ${ra.rttMs} B ${rb.rttMs}`);
  assert.ok(sim.score > 0.99, `similarity ${sim.score}`);
  assert.equal(rb.received.packets, ra.sent.packets);
  assert.equal(rb.received.lost, 0);
  assert.equal(rb.received.late, 0);
  assert.equal(rb.received.invalid, 0);
  assert.equal(rb.decoder.errors, 0);
  assert.ok(rb.details.rtcp.received >= 2 && ra.details.rtcp.received >= 2);
  // Loopback in virtual time: the RTT is the time the report waited for the next tick, < 1 tick.
  assert.ok(ra.rttMs !== null && ra.rttMs >= 0 && ra.rttMs <= 10, `A rtt ${ra.rttMs}`);
  assert.ok(rb.rttMs !== null && rb.rttMs >= 0 && rb.rttMs <= 10, `B rtt ${rb.rttMs}`);
  assert.ok(rb.quality !== null && rb.quality > 4.9);
  assert.equal(rb.details.remoteCname, 'a@test');
  // Every DESIGN §4 field is present.
  for (const k of ['sent', 'received', 'decoder', 'jitterMs', 'rttMs', 'jitterBufferMs', 'bitrateKbps', 'quality']) assert.ok(k in rb, k);
  for (const k of ['packets', 'bytes', 'lost', 'late', 'duplicated', 'invalid', 'unknownPt']) assert.ok(k in rb.received, k);
  // On the wire: 160 bytes of payload + 40 of IP/UDP/RTP headers per packet, over the call.
  const expectKbps = (rb.received.packets * 200 * 8) / rb.details.durationS / 1000;
  assert.ok(Math.abs(rb.bitrateKbps.recv! - expectKbps) < 1, `recv bitrate ${rb.bitrateKbps.recv} vs ${expectKbps}`);
});

test('silence suppression: SIDs instead of packets in pauses, comfort noise played back', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'test_silence_voice_8000.wav');
  if (!hello) return;
  const clock = new VirtualClock(0);
  const ticker = new Ticker({ clock });
  const rtp = new LoopbackPair({ clock });
  ticker.attach(new Graph().add(new CallbackFilter(() => rtp.poll(clock.now()))));
  const recorder = new Recorder();
  const a = new AudioStream({ codec: { mime: 'PCMU', clockRate: 8000 }, ticker, transports: { rtp: rtp.a }, rtcp: { mux: true }, remote: rtp.b.localAddress, input: { kind: 'file', path: hello }, vad: true });
  const b = new AudioStream({ codec: { mime: 'PCMU', clockRate: 8000 }, ticker, transports: { rtp: rtp.b }, rtcp: { mux: true }, remote: rtp.a.localAddress, input: { kind: 'none' }, output: { kind: 'filter', filter: recorder } });
  await a.start();
  await b.start();
  const ref = readWavFile(hello);
  const ms = (ref.samples.length / 8) | 0;
  ticker.runFor(ms + 500);
  const ra = a.report();
  const rb = b.report();
  const cnA = a.cnStats();
  const cnB = b.cnStats();
  const fullPackets = Math.floor(ms / 20);
  console.log(`VAD: ${ra.sent.packets} media+SID packets for ${fullPackets} without VAD; SIDs sent ${cnA.sidsSent}, received ${cnB.sidsReceived}; comfort noise ${cnB.noiseMs.toFixed(0)} ms; lost ${rb.received.lost}`);
  assert.ok(ra.sent.packets < fullPackets * 0.8, `sent ${ra.sent.packets} of ${fullPackets}`);
  assert.ok(cnA.sidsSent > 5, `SIDs sent ${cnA.sidsSent}`);
  assert.equal(cnB.sidsReceived, cnA.sidsSent);
  assert.equal(rb.received.lost, 0, 'SIDs share the sequence numbers: nothing counted lost');
  assert.ok(cnB.noiseMs > 1000, `comfort noise ${cnB.noiseMs} ms`);
  // The pauses are filled with noise, not digital silence.
  const out = recorder.all();
  let zeroRuns = 0;
  for (let i = 0; i + 800 <= out.length; i += 800) if (out.subarray(i, i + 800).every((v) => v === 0)) zeroRuns++;
  assert.ok(zeroRuns < 3, `${zeroRuns} blocks of 100 ms of digital silence`);
  const sim = speechSimilarity(toMono8k(ref.samples, 8000, 1), toMono8k(out, 8000, 1));
  console.log(`VAD call similarity ${sim.score.toFixed(3)}`);
  // The VAD clips word onsets and noise replaces the background: 0.78 measured.
  assert.ok(sim.score > 0.7, `similarity ${sim.score}`);
});

test('PCMA with a peer sending an unexpected payload type: counted as unknownPt, not played', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const clock = new VirtualClock(0);
  const ticker = new Ticker({ clock });
  const rtp = new LoopbackPair({ clock });
  ticker.attach(new Graph().add(new CallbackFilter(() => rtp.poll(clock.now()))));
  const a = new AudioStream({ codec: { mime: 'PCMA', clockRate: 8000 }, payloadType: 8, ticker, transports: { rtp: rtp.a }, rtcp: { mux: true }, remote: rtp.b.localAddress, input: { kind: 'file', path: hello } });
  const b = new AudioStream({ codec: { mime: 'PCMU', clockRate: 8000 }, ticker, transports: { rtp: rtp.b }, rtcp: { mux: true }, remote: rtp.a.localAddress });
  await a.start();
  await b.start();
  ticker.runFor(3000);
  const rb = b.report();
  assert.ok(rb.received.unknownPt > 100, `unknownPt ${rb.received.unknownPt}`);
  assert.equal(rb.received.unknownPt, rb.received.packets);
  assert.equal(rb.decoder.concealedMs, 0);
});

test('one hour under 10 % loss, 40 ms jitter, reordering and duplication: counters add up, memory stays flat, fast', async (t) => {
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const impair: NetworkSimulatorOptions = { lossPct: 10, jitterMs: 40, reorderPct: 2, duplicatePct: 1, latencyMs: 20, seed: 1234 };
  const call = await makeCall({ infile: hello, loop: true, aToB: impair, keep: false });
  const started = performance.now();
  const heap: number[] = [];
  for (let minute = 1; minute <= 60; minute++) {
    await call.ticker.runUntil(() => false, 60_000);
    if (minute === 10 || minute === 60) {
      (globalThis as { gc?: () => void }).gc?.();
      heap.push(process.memoryUsage().heapUsed);
    }
  }
  const elapsed = performance.now() - started;
  const ra = call.a.report();
  const rb = call.b.report();
  const sim = call.rtp.aToB.stats;
  const inFlight = call.rtp.aToB.inFlight;
  const jb = call.b.jitterBuffer.getStats();
  console.log(
    `1 h call in ${(elapsed / 1000).toFixed(1)} s: sent ${ra.sent.packets}, received ${rb.received.packets}, lost ${rb.received.lost}, ` +
      `duplicated ${rb.received.duplicated} (netsim ${sim.duplicated}), late ${rb.received.late}, in flight ${inFlight}, ` +
      `concealed ${rb.decoder.concealedMs} ms, jitter buffer ${rb.jitterBufferMs} ms, quality ${rb.quality}, heap ${heap.map((h) => (h / 1e6).toFixed(1)).join(' → ')} MB`,
  );
  assert.equal(ra.sent.packets, 180_000); // 1 h of 20 ms packets
  // RFC 3550 A.3: expected = received + lost; the sender's count also holds what is still in flight
  // (and packets sent after the last one received, which A.3 cannot count as lost yet).
  const gap = ra.sent.packets - (rb.received.packets + rb.received.lost);
  assert.ok(gap >= 0 && gap <= inFlight + 20, `sent − (received + lost) = ${gap}, in flight ${inFlight}`);
  assert.equal(rb.received.duplicated, sim.duplicated);
  const lossRate = rb.received.lost / ra.sent.packets;
  assert.ok(Math.abs(lossRate - 0.1) < 0.005, `loss rate ${lossRate}`);
  assert.equal(jb.received, rb.received.packets);
  assert.ok(rb.decoder.concealedMs > 0.09 * 3_600_000 * 0.5, `concealed ${rb.decoder.concealedMs}`);
  assert.ok(heap[1]! < heap[0]! * 1.5 + 20e6, `heap ${heap[0]} → ${heap[1]}`);
  await call.a.stop();
  await call.b.stop();
});
