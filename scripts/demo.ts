/**
 * `npm start`: a loopback call between two AudioStreams on this machine, in real time over UDP:
 * speech → PCMU → an impaired link (5 % loss, 30 ms jitter, seeded) → jitter buffer → PLC → WAV.
 * Prints live stats and, at the end, the report and the path of the recording.
 *
 *   npm start [-- <seconds> [<input.wav>]]
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AudioStream } from '../src/streams/audio-stream.js';
import { Ticker } from '../src/core/ticker.js';
import { sharedPath } from '../src/test-support/shared.js';

const seconds = Number(process.argv[2] ?? 12); // long enough for two RTCP rounds (RTT)
const speech = sharedPath('data', 'ms2', 'sounds', 'hello8000.wav');
const infile = process.argv[3] ?? (existsSync(speech) ? speech : undefined);
const outfile = join(tmpdir(), 'mediaweave-demo.wav');

const ticker = new Ticker({ name: 'demo' });
const caller = new AudioStream({
  codec: { mime: 'PCMU', clockRate: 8000 },
  ticker,
  input: infile ? { kind: 'file', path: infile, loop: true } : { kind: 'tones', digits: '0123456789*#'.repeat(10) },
  // Impair what the callee receives: 5 % loss, 30 ms jitter, 20 ms latency, seeded (repeatable).
  netsim: { outgoing: { lossPct: 5, jitterMs: 30, latencyMs: 20, seed: 42 } },
});
const callee = new AudioStream({
  codec: { mime: 'PCMU', clockRate: 8000 },
  ticker,
  input: { kind: 'silence' },
  output: { kind: 'file', path: outfile },
});
await caller.start();
await callee.start();
caller.setRemote({ address: '127.0.0.1', port: callee.localAddress!.port });
callee.setRemote({ address: '127.0.0.1', port: caller.localAddress!.port });
ticker.start();

console.log(`mediaweave demo: a ${seconds} s PCMU call over UDP on 127.0.0.1 (${caller.localAddress!.port} → ${callee.localAddress!.port}),`);
console.log(`sending ${infile ?? 'DTMF tones'} through 5 % loss and 30 ms jitter; recording to ${outfile}`);
const started = performance.now();
const timer = setInterval(() => {
  const r = callee.report();
  console.log(
    `[${((performance.now() - started) / 1000).toFixed(1).padStart(4)} s] received ${r.received.packets} packets, lost ${r.received.lost}, ` +
      `late ${r.received.late}, jitter ${r.jitterMs ?? '-'} ms, buffer ${r.details.jitterBuffer.currentMs} ms, ` +
      `concealed ${r.decoder.concealedMs} ms, RTT ${r.rttMs ?? '-'} ms, quality ${r.quality ?? '-'}`,
  );
}, 2000);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(timer);
await caller.stop();
await callee.stop();
ticker.stop();
const r = callee.report();
console.log(`\nreport of the receiving side (the --json format of \`mediaweave stream\`):\n${JSON.stringify({ ...r, rtcp: r.details.rtcp }, null, 2)}`);
console.log(`\nrecording: ${outfile} (play it with: aplay ${outfile})`);
