/** `mediaweave tones <digits> --outfile x.wav`: DTMF digits rendered through a graph into a WAV file. */
import type { Command } from 'commander';
import { Graph } from '../../core/graph.js';
import { Ticker } from '../../core/ticker.js';
import { ToneGenerator } from '../../audio/tones.js';
import { WavWriter } from '../../files/wav-writer.js';
import type { CliCommand } from '../command.js';
import { numberArg } from '../errors.js';

interface TonesOptions {
  outfile: string;
  rate: number;
  toneMs: number;
  pauseMs: number;
  level: number;
}

export const tonesCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('tones')
      .description('write DTMF digits (0-9 * # A-D) to a WAV file')
      .argument('<digits>', 'the digits to play, e.g. 0123456789*#ABCD')
      .requiredOption('--outfile <x.wav>', 'the WAV file to write')
      .option('--rate <hz>', 'sample rate, 8000–48000', numberArg(8000, 48000), 8000)
      .option('--tone-ms <ms>', 'duration of each digit, 10–10000 ms', numberArg(10, 10000), 100)
      .option('--pause-ms <ms>', 'silence after each digit, 0–10000 ms', numberArg(0, 10000), 100)
      .option('--level <dBm0>', 'level of each of the two frequencies, −60..3 dBm0', numberArg(-60, 3, true), -10)
      .action(async (digits: string, opts: TonesOptions) => {
        const gen = new ToneGenerator({ sampleRate: opts.rate, toneMs: opts.toneMs, pauseMs: opts.pauseMs, dBm0: opts.level });
        gen.playDtmf(digits); // throws ConfigError (exit 2) naming a bad digit
        const writer = new WavWriter({ path: opts.outfile, sampleRate: opts.rate, channels: 1 });
        const ticker = new Ticker({ clock: 'virtual' }).attach(new Graph('tones').chain(gen, writer));
        try {
          await ticker.runUntil(() => !gen.busy);
        } finally {
          ticker.shutdown();
        }
        process.stdout.write(`wrote ${digits.length} digits to ${opts.outfile} (${opts.rate} Hz, ${(writer.durationMs / 1000).toFixed(2)} s)\n`);
      });
  },
};
