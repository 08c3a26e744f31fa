import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { ChannelAdapter } from './channel-adapter.js';
import { registerAudioFilters } from './register.js';
import { Tee } from './tee.js';
import { ToneGenerator } from './tones.js';
import { VoidSink, VoidSource } from './void.js';
import { Volume } from './volume.js';

test('registerAudioFilters registers the seven filters by name, with categories; idempotent', () => {
  const r = new Registry();
  registerAudioFilters(r);
  registerAudioFilters(r);
  assert.deepEqual(
    r.listFilters().map((d) => [d.type, d.category]),
    [
      ['channel-adapter', 'filter'],
      ['resampler', 'filter'],
      ['tee', 'filter'],
      ['tone-generator', 'source'],
      ['void-sink', 'sink'],
      ['void-source', 'source'],
      ['volume', 'filter'],
    ],
  );
  assert.ok(r.createFilter('tone-generator', { sampleRate: 16000 }) instanceof ToneGenerator);
  assert.ok(r.createFilter('channel-adapter', { channels: 2 }) instanceof ChannelAdapter);
  assert.equal(r.createFilter('tee', { outputs: 3 }).outputCount, 3);
  assert.ok(r.createFilter('tee') instanceof Tee);
  assert.ok(r.createFilter('void-source') instanceof VoidSource);
  assert.ok(r.createFilter('void-sink') instanceof VoidSink);
  assert.ok(r.createFilter('volume', { gainDb: -6 }) instanceof Volume);
});

test('a graph built from registry names runs: tones → volume → tee → stereo adapter / sink', () => {
  const r = new Registry();
  registerAudioFilters(r);
  const gen = r.createFilter('tone-generator') as ToneGenerator;
  const vol = r.createFilter('volume', { gainDb: -6 });
  const tee = r.createFilter('tee');
  const adapter = r.createFilter('channel-adapter', { channels: 2 });
  const sinkA = r.createFilter('void-sink') as VoidSink;
  const sinkB = r.createFilter('void-sink') as VoidSink;
  const g = new Graph().chain(gen, vol, tee).link(tee, 0, adapter, 0).link(adapter, 0, sinkA, 0).link(tee, 1, sinkB, 0);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  gen.playDtmf('123');
  t.runFor(1000);
  assert.equal(sinkA.samples, 8000);
  assert.equal(sinkB.samples, 8000);
  assert.equal(sinkA.frames, 100);
});
