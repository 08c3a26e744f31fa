/**
 * `npm start`: a first look at mediaweave. Plays a DTMF sequence through a graph —
 * tone generator → PCMU encoder → PCMU decoder → WAV writer — in virtual time, and prints what
 * it did. (With the RTP call of the next milestone this becomes a loopback call.)
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, Ticker } from '../src/core/index.js';
import { ToneGenerator } from '../src/audio/tones.js';
import { createPcmuDecoder, createPcmuEncoder } from '../src/codecs/g711-filters.js';
import { WavWriter } from '../src/files/wav-writer.js';

const digits = process.argv[2] ?? '0123456789*#';
const out = process.argv[3] ?? join(tmpdir(), 'mediaweave-demo.wav');

const tones = new ToneGenerator({ sampleRate: 8000 });
const encoder = createPcmuEncoder({ payloadType: 0, ptimeMs: 20 });
const decoder = createPcmuDecoder({ payloadType: 0 });
const writer = new WavWriter({ path: out, sampleRate: 8000, channels: 1 });
tones.on('tone-start', (d, ts) => process.stdout.write(`  ${(ts / 8).toFixed(0).padStart(5)} ms  digit ${d}\n`));

const graph = new Graph('demo').chain(tones, encoder, decoder, writer);
const ticker = new Ticker({ clock: 'virtual' }).attach(graph);
console.log(`mediaweave demo: DTMF "${digits}" → PCMU → WAV, in virtual time`);
tones.playDtmf(digits);
const t0 = performance.now();
await ticker.runUntil(() => !tones.busy);
ticker.runTicks(3);
ticker.shutdown();
console.log(
  `wrote ${out}: ${(writer.durationMs / 1000).toFixed(2)} s of audio in ${(performance.now() - t0).toFixed(0)} ms ` +
    `(${ticker.stats.ticks} ticks of ${ticker.periodMs} ms); play it with: aplay ${out}`,
);
