/**
 * Generic PLC cost: how many real-time channels one core could conceal, at 8 kHz mono and
 * 48 kHz stereo, for the two halves of the work — receiving audio (history upkeep, and the
 * cross-fade after a loss) and making up audio (pitch search once per loss, then the
 * interpolated loop). The workload is a voice-like signal with 20 ms lost every 100 ms, the
 * pattern the quality tests use, so the figures include one pitch search per 100 ms.
 *
 * `runPlcBench()` returns the rows for bench/run.ts; run directly (`node --import tsx bench/plc.ts`)
 * it prints a table.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { PacketLossConcealer } from '../src/audio/plc.js';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** One second of a voice-like signal (harmonics of a 120 Hz pitch with a slow glide), interleaved. */
function signal(rate: number, channels: number): Int16Array {
  const x = new Int16Array(rate * channels);
  let phase = 0;
  for (let i = 0; i < rate; i++) {
    phase += (2 * Math.PI * 120 * (1 + 0.04 * Math.sin((2 * Math.PI * 0.7 * i) / rate))) / rate;
    let v = 0;
    for (let k = 1; k * 120 < 4000; k++) v += Math.sin(k * phase) / (1 + Math.abs(k * 120 - 500) / 300);
    for (let c = 0; c < channels; c++) x[i * channels + c] = Math.round(v * 2500 * (c === 0 ? 1 : 0.7));
  }
  return x;
}

let sink = 0; // keeps results alive so the JIT cannot drop the work

/** Plays `seconds` of audio in 20 ms packets, one in five lost; returns the time spent in each half. */
function run(rate: number, channels: number, seconds: number): { goodMs: number; concealMs: number } {
  const x = signal(rate, channels);
  const per = (rate / 50) * channels;
  const plc = new PacketLossConcealer({ sampleRate: rate, channels });
  const lost = new Int16Array(per);
  const packets: Int16Array[] = [];
  for (let o = 0; o + per <= x.length; o += per) packets.push(x.slice(o, o + per));
  let goodMs = 0;
  let concealMs = 0;
  for (let k = 0; k < seconds * 50; k++) {
    if (k % 5 === 2) {
      const t0 = performance.now();
      plc.concealInto(lost);
      concealMs += performance.now() - t0;
      sink ^= lost[7];
    } else {
      const p = packets[k % packets.length].slice();
      const t0 = performance.now();
      plc.good(p);
      goodMs += performance.now() - t0;
      sink ^= p[3];
    }
  }
  return { goodMs, concealMs };
}

export async function runPlcBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [rate, channels] of [
    [8000, 1],
    [16000, 1],
    [48000, 2],
  ] as const) {
    run(rate, channels, 2); // warm-up
    const seconds = 20;
    const { goodMs, concealMs } = run(rate, channels, seconds);
    const label = `${rate / 1000} kHz ${channels === 1 ? 'mono' : 'stereo'}`;
    // Received audio is 4/5 of the time, concealed 1/5; scale each to one second of its kind.
    rows.push({ name: `PLC ${label}: received audio, real-time channels per core`, value: (seconds * 0.8 * 1000) / goodMs, unit: 'channels' });
    rows.push({
      name: `PLC ${label}: concealed audio, real-time channels per core`,
      value: (seconds * 0.2 * 1000) / concealMs,
      unit: 'channels',
      note: 'a pitch search per 20 ms loss included',
    });
    rows.push({ name: `PLC ${label}: 20 % loss, real-time channels per core`, value: (seconds * 1000) / (goodMs + concealMs), unit: 'channels' });
    await new Promise<void>((r) => setImmediate(r));
  }
  if (sink === 0x7fffffff) console.log(''); // never true; reads `sink`
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runPlcBench();
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}`);
}
