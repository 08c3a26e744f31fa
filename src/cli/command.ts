/**
 * Each `mediaweave` sub-command is a module exporting a `CliCommand`; `program.ts` registers the
 * list, so a new command is one new file plus one line in `commands/index.ts`.
 */
import type { Command } from 'commander';

export interface CliCommand {
  /** Adds the sub-command (with its options and action) to the program. */
  register(program: Command): void;
}
