/** One benchmark figure. `ratio` compares with a baseline measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Free text: the baseline and ratio, or what the figure means. */
  note?: string;
}

/** Runs `fn` repeatedly for at least `minMs`, returns iterations per second. */
export function opsPerSecond(fn: () => void, minMs = 300): number {
  // Warm up the JIT first so the measured part is steady state.
  const warm = performance.now();
  while (performance.now() - warm < minMs / 4) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function printResults(title: string, results: BenchResult[]): void {
  console.log(`\n## ${title}`);
  const w = Math.max(...results.map((r) => r.name.length), 10);
  for (const r of results) {
    const v = Math.abs(r.value) >= 1000 ? r.value.toExponential(3) : r.value.toFixed(r.value < 10 ? 3 : 1);
    console.log(`${r.name.padEnd(w)}  ${v.padStart(10)} ${r.unit}${r.note ? `   (${r.note})` : ''}`);
  }
}
