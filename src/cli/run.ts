/**
 * `mediaweave` entry point: parses the command line and maps failures to exit codes
 * (DESIGN §4): 2 for bad usage (commander would exit 1: overridden), 1 for runtime failures.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../core/errors.js';
import { EXIT_RUNTIME, EXIT_USAGE, UsageError } from './errors.js';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version "errors" are normal exits (code 0); commander printed the message.
      if (err.exitCode === 0) return 0;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`mediaweave: ${err.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mediaweave: ${msg}\n`);
    if (process.env.MEDIAWEAVE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT_RUNTIME;
  }
}
