/**
 * `npm run bench [-- name …]`: runs the benchmarks and prints figures with ratios against
 * baselines measured in the same run (these machines are noisy: compare within a run).
 * Figures are recorded in docs/benchmarks.md.
 */
import { printResults, type BenchResult } from './types.js';

type Bench = { name: string; load: () => Promise<() => Promise<BenchResult[]>> };

const benches: Bench[] = [
  { name: 'ticker', load: async () => (await import('./ticker.js')).runTickerBench },
  { name: 'g711', load: async () => (await import('./g711.js')).runG711Bench },
  { name: 'resampler', load: async () => (await import('./resampler.js')).runResamplerBench },
  { name: 'plc', load: async () => (await import('./plc.js')).runPlcBench },
  { name: 'rtp', load: async () => (await import('./rtp.js')).runRtpBench },
  { name: 'g722', load: async () => (await import('./g722.js')).runG722Bench },
  { name: 'gsm', load: async () => (await import('./gsm.js')).runGsmBench },
  { name: 'g729-amr', load: async () => (await import('./g729-amr.js')).runG729AmrBench },
  { name: 'speex', load: async () => (await import('./speex.js')).runSpeexBench },
  { name: 'ilbc', load: async () => { const { runIlbcBench } = await import('./ilbc.js'); return async () => runIlbcBench(); } },
  { name: 'opus', load: async () => (await import('./opus.js')).runOpusBench },
  { name: 'srtp', load: async () => (await import('./srtp.js')).runSrtpBench },
  { name: 'jitter-buffer', load: async () => (await import('./jitter-buffer.js')).runJitterBufferBench },
  { name: 'capacity', load: async () => (await import('./capacity.js')).runCapacityBench },
];

const only = process.argv.slice(2);
let failed = 0;
for (const b of benches) {
  if (only.length && !only.includes(b.name)) continue;
  try {
    const run = await b.load();
    printResults(b.name, await run());
  } catch (err) {
    failed++;
    console.error(`bench ${b.name} failed:`, err);
  }
}
process.exitCode = failed ? 1 : 0;
