/**
 * Running a ticker and its graphs in a worker thread (DESIGN §7: one ticker per core). The worker
 * module builds its graphs and ticker itself (filters hold native state and cannot be sent
 * between threads); the parent talks to it with messages.
 *
 * `spawnWorker()` starts a worker from a module URL. For a `.ts` module (sources run through tsx,
 * as in this repository's tests) it first registers tsx's loader inside the worker: on Node 20 an
 * `--import tsx` in execArgv does not apply to the worker's entry module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
