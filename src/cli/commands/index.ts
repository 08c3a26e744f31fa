/** The sub-commands of `mediaweave`, in help order. Add a command: one file and one line here. */
import type { CliCommand } from '../command.js';
import { codecsCommand } from './codecs.js';
import { convertCommand } from './convert.js';
import { tonesCommand } from './tones.js';
import { streamCommand } from './stream.js';

export const commands: CliCommand[] = [streamCommand, codecsCommand, convertCommand, tonesCommand];
