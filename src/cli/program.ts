/** Builds the `mediaweave` commander program (DESIGN §4). */
import { Command } from 'commander';
import { commands } from './commands/index.js';
import { version } from './version.js';

export function buildProgram(): Command {
  const program = new Command('mediaweave')
    .description('Real-time voice and video media engine: calls, codecs and tools from a terminal')
    .version(version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .exitOverride();
  for (const c of commands) c.register(program);
  // Sub-commands inherit the override, so usage errors throw CommanderError instead of exiting 1.
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}
