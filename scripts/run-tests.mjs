#!/usr/bin/env node
// Test runner (DESIGN §6). On Node 20 a bare `node --test` finds no .ts files and passes with 0
// tests, so this script lists the test files itself, runs them with tsx, and fails when no test
// ran. `unit` = src/**/*.test.ts + test/quick/**/*.test.ts (npm test);
// `interop` = test/interop/**/*.test.ts (npm run test:interop).
// Extra arguments are file filters (substring match), e.g. `npm test -- jitter`.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const suite = process.argv[2] ?? 'unit';
const filters = process.argv.slice(3);

function walk(dir, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const dirs = suite === 'interop' ? ['test/interop'] : ['src', 'test/quick'];
let files = dirs.flatMap((d) => walk(join(root, d))).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`run-tests: no test files found for suite "${suite}"${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

// Tests against real peers in real time run one file at a time, after the rest: sharing the
// CPU with unit tests makes their senders bursty and their figures noisy.
const realTime = (f) => suite === 'interop' || /[\\/]interop[^\\/]*\.test\.ts$/.test(f);
const phases = [
  { name: 'unit', files: files.filter((f) => !realTime(f)), concurrency: process.env.MW_TEST_CONCURRENCY ?? '2' },
  { name: 'real time', files: files.filter(realTime), concurrency: '1' },
].filter((p) => p.files.length > 0);

// A per-test timeout: a hung test must fail, not eat the CI budget.
const timeout = process.env.MW_TEST_TIMEOUT_MS ?? (suite === 'interop' ? '240000' : '120000');

function runPhase(phase) {
  console.error(`run-tests: ${suite}/${phase.name}: ${phase.files.length} files, concurrency ${phase.concurrency}`);
  const args = ['--import', 'tsx', '--test', `--test-concurrency=${phase.concurrency}`, `--test-timeout=${timeout}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout', ...phase.files.map((f) => relative(root, f))];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (b) => { process.stdout.write(b); tail = (tail + b.toString()).slice(-4000); });
    child.on('close', (code) => {
      resolve({
        code: code ?? 1,
        pass: Number(/ℹ pass (\d+)/.exec(tail)?.[1] ?? 0),
        fail: Number(/ℹ fail (\d+)/.exec(tail)?.[1] ?? 0),
        skipped: Number(/ℹ skipped (\d+)/.exec(tail)?.[1] ?? 0),
      });
    });
  });
}

let pass = 0, fail = 0, skipped = 0, code = 0;
for (const phase of phases) {
  const r = await runPhase(phase);
  pass += r.pass; fail += r.fail; skipped += r.skipped;
  if (r.code !== 0) code = r.code;
}
console.log(`${suite}: ${pass} passed, ${fail} failed, ${skipped} skipped`);
if (pass === 0) { console.error('run-tests: no test ran'); process.exit(1); }
// DESIGN §6: CI has every peer and all the material, so nothing may skip there.
if (skipped > 0 && process.env.CI) {
  console.error(`run-tests: ${skipped} tests skipped on CI, where nothing may skip; see the SKIP lines above`);
  process.exit(code || 1);
}
process.exit(code);
