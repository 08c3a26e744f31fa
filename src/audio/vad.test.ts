import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readWavFile } from '../files/wav-reader.js';
import { sharedFile } from '../test-support/shared.js';
import { Vad } from './vad.js';

/**
 * Speech in test_silence_voice_8000.wav (25.7 s, background noise at about −57 dBov), read off
 * its 100 ms energy profile: the stretches above −35 dBov. Between them, besides the steady
 * background, a few short noises at −41 … −46 dBov (around 5.6–6.1 s, 14.2 s, 14.8 s, 16.3 s)
 * that a VAD may take for speech.
 */
const SPEECH: [number, number][] = [[0.5, 1.9], [8.4, 9.5], [10.5, 10.7], [12.6, 13.2], [20.2, 21.1], [21.8, 22.4]];
/** Background only (no noise events), starting past the 200 ms hangover. */
const SILENCE: [number, number][] = [[2.4, 5.5], [6.7, 8.2], [11.4, 12.4], [16.7, 19.5], [22.9, 25.6]];

function decisions(samples: Int16Array, rate: number, vad = new Vad({ sampleRate: rate })): boolean[] {
  const n = rate / 100;
  const out: boolean[] = [];
  for (let i = 0; i + n <= samples.length; i += n) out.push(vad.process(samples.subarray(i, i + n)));
  return out;
}

function fraction(d: boolean[], [a, b]: [number, number]): number {
  const from = Math.round(a * 100);
  const to = Math.min(d.length, Math.round(b * 100));
  let s = 0;
  for (let i = from; i < to; i++) if (d[i]) s++;
  return s / (to - from);
}

test('VAD on test_silence_voice_8000.wav: every speech region found, the background classed silence', (t) => {
  const p = sharedFile(t, 'data', 'ms2', 'sounds', 'test_silence_voice_8000.wav');
  if (!p) return;
  const w = readWavFile(p);
  const d = decisions(w.samples, w.sampleRate);
  const regions: string[] = [];
  for (let i = 0, start = -1; i <= d.length; i++) {
    if (d[i] && start < 0) start = i;
    else if (!d[i] && start >= 0) {
      regions.push(`${(start / 100).toFixed(2)}–${(i / 100).toFixed(2)}`);
      start = -1;
    }
  }
  console.log(`  VAD speech regions (s): ${regions.join(', ')}`);
  // The regions' bounds come from 100 ms blocks: a word may start up to 100 ms into the first.
  for (const r of SPEECH) assert.ok(fraction(d, r) >= 0.9, `speech ${r[0]}–${r[1]} s: only ${(100 * fraction(d, r)).toFixed(0)} % of frames speech`);
  for (const r of SILENCE) assert.ok(fraction(d, r) <= 0.05, `background ${r[0]}–${r[1]} s: ${(100 * fraction(d, r)).toFixed(0)} % of frames speech`);
  const total = d.filter(Boolean).length / d.length;
  console.log(`  VAD: ${(100 * total).toFixed(0)} % of the file is speech (speech regions are ${(100 * SPEECH.reduce((s, [a, b]) => s + b - a, 0) / 25.66).toFixed(0)} %)`);
  assert.ok(total < 0.4, `${(100 * total).toFixed(0)} % speech overall`);
});

test('VAD: a tone after silence is speech within 20 ms; the hangover holds exactly 200 ms; digital silence never is', () => {
  const rate = 16000;
  const x = new Int16Array(rate * 3);
  let seed = 7;
  for (let i = 0; i < x.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    x[i] = ((seed >>> 16) % 41) - 20; // ±20: background at about −67 dBov
  }
  for (let i = rate; i < 2 * rate; i++) x[i] = x[i]! + Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  const d = decisions(x, rate);
  assert.ok(d.slice(0, 100).every((v) => !v), 'background before the tone is silence');
  const first = d.indexOf(true);
  assert.ok(first >= 100 && first <= 102, `tone (at frame 100) detected at frame ${first}`);
  assert.ok(d.slice(100 + 2, 200).every(Boolean), 'the whole tone is speech');
  assert.ok(d.slice(200, 220).every(Boolean), 'hangover: 20 frames after the tone');
  assert.ok(d.slice(220).every((v) => !v), 'silence after the hangover');
  const z = decisions(new Int16Array(8000), 8000);
  assert.ok(z.every((v) => !v), 'digital silence');
  const v = new Vad({ sampleRate: 8000, hangoverMs: 0 });
  assert.equal(v.frameSamples, 80);
  assert.throws(() => v.process(new Int16Array(81)), /10 ms/);
  assert.throws(() => new Vad({ sampleRate: 8000, hangoverMs: 15 }), /multiple of 10/);
  assert.throws(() => new Vad({ sampleRate: 11025 }), /sampleRate/);
  assert.throws(() => new Vad({ sampleRate: 8000, thresholdDb: -1 }), /thresholdDb/);
});
