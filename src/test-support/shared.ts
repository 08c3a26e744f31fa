/**
 * Test material lives outside the repository (DESIGN §6): in $MEDIAWEAVE_SHARED, else ../shared/
 * beside the repository. Tests call `sharedFile()` and skip loudly when it is missing.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared folder: $MEDIAWEAVE_SHARED, else ../shared next to the repository. */
export function sharedDir(): string {
  return process.env.MEDIAWEAVE_SHARED ? resolve(process.env.MEDIAWEAVE_SHARED) : join(repoRoot, '..', 'shared');
}

/** Absolute path of a file of the shared material (may not exist). */
export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

/**
 * Path of a shared file, or undefined after marking the test skipped with a message naming what
 * is missing. Usage: `const p = sharedFile(t, 'vectors', 'rtp_rtcp', 'x.json'); if (!p) return;`
 */
export function sharedFile(t: TestContext, ...parts: string[]): string | undefined {
  const p = sharedPath(...parts);
  if (existsSync(p)) return p;
  const msg = `SKIP: test material missing: ${p} (set MEDIAWEAVE_SHARED or place shared/ beside the repository)`;
  console.error(msg);
  t.skip(msg);
  return undefined;
}

/** The repository's root folder. */
export function repoDir(): string {
  return repoRoot;
}
