/**
 * `npm run fuzz -- [--budget <seconds>] [--seed <n>] [target …]`: long fuzz runs of the parsers
 * (tests run the same fuzzers with a short budget). Exits 1 when any target found a failure,
 * printing the input (base64) that caused it.
 */
import { fuzzWavHeaders } from '../src/files/wav-fuzz.js';

interface Outcome {
  iterations: number;
  failures: string[];
  summary: string;
}

type Target = (budgetMs: number, seed: number) => Promise<Outcome> | Outcome;

const targets: Record<string, Target> = {
  wav: (budgetMs, seed) => {
    const r = fuzzWavHeaders({ budgetMs, seed });
    return {
      iterations: r.iterations,
      failures: r.failures.map((f) => `#${f.iteration}: ${f.problem}\n  input: ${f.inputBase64}`),
      summary: `${r.accepted} accepted, ${Object.keys(r.errors).length} kinds of rejection, slowest ${r.slowestMs.toFixed(1)} ms`,
    };
  },
};

// Targets of later layers register themselves here when their module exists.
async function loadOptionalTargets(): Promise<void> {
  const { fuzzZrtp } = await import('../src/zrtp/fuzz.js');
  targets.zrtp = (budgetMs, seed) => {
    const r = fuzzZrtp(budgetMs, seed);
    return { iterations: r.iterations, failures: r.failures, summary: `${r.rejected} rejected` };
  };
  const { fuzzSession } = await import('../src/rtp/session-fuzz.js');
  targets.session = (budgetMs, seed) => {
    const r = fuzzSession(budgetMs, seed);
    return { iterations: r.iterations, failures: r.failures, summary: `${r.rejected} unparseable datagrams counted` };
  };
  try {
    const m = (await import('../src/rtp/fuzz.js')) as {
      fuzzRtpRtcp?: (budgetMs: number, seed: number) => { iterations: number; rejected?: number; failures?: string[] };
    };
    if (m.fuzzRtpRtcp) {
      const f = m.fuzzRtpRtcp;
      targets.rtp = (budgetMs, seed) => {
        const r = f(budgetMs, seed);
        return { iterations: r.iterations, failures: r.failures ?? [], summary: `${r.rejected ?? 0} rejected` };
      };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`fuzz: ${name} needs a positive number, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return v;
}

await loadOptionalTargets();
const budget = arg('--budget', 30);
const seed = arg('--seed', Date.now() % 1_000_000);
const names = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const selected = names.length ? names : Object.keys(targets);
let failed = 0;
for (const name of selected) {
  const t = targets[name];
  if (!t) {
    console.error(`fuzz: unknown target "${name}"; targets: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
  const r = await t((budget * 1000) / selected.length, seed);
  console.log(`${name}: ${r.iterations} inputs in ${(budget / selected.length).toFixed(1)} s (seed ${seed}), ${r.failures.length} failures; ${r.summary}`);
  for (const f of r.failures.slice(0, 20)) console.log(`  ${f}`);
  if (r.failures.length) failed++;
}
process.exitCode = failed ? 1 : 0;
