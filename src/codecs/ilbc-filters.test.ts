import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame, Frame } from '../core/frames.js';
import { Graph } from '../core/graph.js';
import { Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { ILBC_CODEC, IlbcDecoder, IlbcEncoder, registerIlbcCodecs } from './ilbc-filters.js';

class ScriptSource extends Filter {
  readonly type = 'script-source';
  constructor(private readonly script: (tick: number) => Frame[]) {
    super({ inputs: 0, outputs: 1 });
  }
  process(ctx: TickContext): void {
    for (const f of this.script(ctx.tick)) this.push(0, f);
  }
}

class Capture<F extends Frame = Frame> extends Filter {
  readonly type = 'capture';
  readonly frames: F[] = [];
  constructor() {
    super({ inputs: 1, outputs: 0 });
  }
  process(): void {
    for (let f = this.pull(0); f; f = this.pull(0)) this.frames.push(f as F);
  }
}

function signal(n: number, start: number): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(9000 * Math.sin((start + i) * 0.07) + 2500 * Math.sin((start + i) * 1.9));
  return a;
}

function run(filters: Filter[], ms: number): void {
  const g = new Graph();
  g.chain(...filters);
  const t = new Ticker({ clock: 'virtual' });
  t.attach(g);
  t.runFor(ms);
}

const audio = (samples: Int16Array, timestamp: number): AudioFrame => ({ kind: 'audio', samples, sampleRate: 8000, channels: 1, timestamp });

test('ilbc encoder: 10 ms input → 30 ms packets of 50 octets (default), 20 ms mode with ptime 40 → 76 octets', () => {
  const e = new IlbcEncoder({ payloadType: 112 });
  const cap = new Capture<EncodedFrame>();
  run([new ScriptSource((k) => (k < 12 ? [audio(signal(80, k * 80), k * 80)] : [])), e, cap], 150);
  assert.deepEqual(cap.frames.map((f) => [f.timestamp, f.data.length, f.duration, f.marker]), [[0, 50, 240, true], [240, 50, 240, false], [480, 50, 240, false], [720, 50, 240, false]]);
  const e20 = new IlbcEncoder({ payloadType: 112, fmtp: { mode: '20' }, ptimeMs: 40 });
  const cap20 = new Capture<EncodedFrame>();
  run([new ScriptSource((k) => (k < 8 ? [audio(signal(80, k * 80), k * 80)] : [])), e20, cap20], 100);
  assert.deepEqual(cap20.frames.map((f) => [f.timestamp, f.data.length]), [[0, 76], [320, 76]]);
  assert.throws(() => new IlbcEncoder({ payloadType: 112, fmtp: { mode: '25' } }), ConfigError);
  assert.throws(() => new IlbcEncoder({ payloadType: 112, ptimeMs: 40 }), /multiple of the 30 ms frame/);
  assert.throws(() => new IlbcEncoder({ payloadType: 112, bitrate: 8000 }), /bitrate must be 13333/);
});

test('ilbc decoder: frames, lost spans concealed with audio, garbage counted and concealed, mode from length', () => {
  const e = new IlbcEncoder({ payloadType: 112 });
  const cap = new Capture<EncodedFrame>();
  run([new ScriptSource((k) => (k < 12 ? [audio(signal(80, k * 80), k * 80)] : [])), e, cap], 150);
  const d = new IlbcDecoder({ payloadType: 112 });
  const out = new Capture<AudioFrame>();
  const p = cap.frames;
  const enc = (data: Uint8Array, timestamp: number, extra: Partial<EncodedFrame> = {}): EncodedFrame => ({ kind: 'encoded', data, timestamp, marker: false, payloadType: 112, ...extra });
  const script = (k: number): Frame[] =>
    k === 0
      ? [
          enc(p[0]!.data, 0),
          enc(p[1]!.data, 240),
          enc(new Uint8Array(0), 480, { lost: true, duration: 240 }),
          enc(new Uint8Array(37), 720, { duration: 240 }),
          enc(p[3]!.data, 960),
          enc(new Uint8Array(38).fill(0xff), 1200),
        ]
      : [];
  run([new ScriptSource(script), d, out], 10);
  const f = out.frames;
  assert.deepEqual(f.map((x) => [x.timestamp, x.samples.length, x.concealed === true]), [[0, 240, false], [240, 240, false], [480, 240, true], [720, 240, true], [960, 240, false], [1200, 160, true]]);
  assert.ok(f[2]!.samples.some((v) => v !== 0), 'own PLC: the lost frame is not silent');
  assert.equal(d.decodeErrors, 2, 'the 37-octet payload and the all-ones (empty-frame bit) 20 ms frame');
  assert.equal(d.mode, 20, 'switched to 20 ms from the 38-octet payload');
});

test('ilbc descriptor and registration', () => {
  const r = new Registry();
  registerIlbcCodecs(r);
  const c = r.findCodec('ilbc', 8000, 1);
  assert.ok(c !== undefined, 'registered');
  assert.equal(ILBC_CODEC.defaultPayloadType, 112);
  assert.equal(ILBC_CODEC.hasPlc, true);
  assert.equal(ILBC_CODEC.payloadDuration?.(new Uint8Array(100)), 480);
  registerIlbcCodecs(r);
});
