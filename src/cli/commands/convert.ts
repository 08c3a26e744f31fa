/** `mediaweave convert <in.wav> <out.wav> [--rate] [--channels]`: through a graph in virtual time. */
import type { Command } from 'commander';
import { Graph } from '../../core/graph.js';
import { Ticker } from '../../core/ticker.js';
import { Resampler } from '../../audio/resampler.js';
import { WavReader } from '../../files/wav-reader.js';
import { WavWriter } from '../../files/wav-writer.js';
import type { CliCommand } from '../command.js';
import { choiceArg, numberArg } from '../errors.js';

interface ConvertOptions {
  rate?: number;
  channels?: '1' | '2';
  quality?: number;
}

export const convertCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('convert')
      .description('convert a WAV file (any supported format) to 16-bit PCM at another rate and channel count')
      .argument('<in.wav>', 'input WAV file')
      .argument('<out.wav>', 'output WAV file (16-bit PCM)')
      .option('--rate <hz>', 'output sample rate, 8000–48000 (default: as the input)', numberArg(8000, 48000))
      .option('--channels <n>', 'output channels, 1 or 2 (default: as the input)', choiceArg(['1', '2'] as const))
      .option('--quality <q>', 'resampler quality 0–10 (default 6)', numberArg(0, 10))
      .action(async (input: string, output: string, opts: ConvertOptions) => {
        const started = performance.now();
        const reader = new WavReader({ path: input });
        const outRate = opts.rate ?? reader.sampleRate;
        const outChannels = opts.channels ? (Number(opts.channels) as 1 | 2) : (reader.channels as 1 | 2);
        const resampler = new Resampler({ outputRate: outRate, channels: outChannels, ...(opts.quality !== undefined ? { quality: opts.quality } : {}) });
        const writer = new WavWriter({ path: output, sampleRate: outRate, channels: outChannels });
        const ticker = new Ticker({ clock: 'virtual' });
        const graph = new Graph('convert').chain(reader, resampler, writer);
        let failure: unknown;
        ticker.on('filter-error', (_g, f, err) => {
          failure ??= new Error(`${f.name}: ${err instanceof Error ? err.message : String(err)}`);
        });
        ticker.attach(graph);
        try {
          await ticker.runUntil(() => reader.ended || failure !== undefined);
          ticker.runTicks(2); // let the last frame cross the graph
        } finally {
          ticker.shutdown(); // postprocess: the writer finalises its header
        }
        if (failure) throw failure;
        const secs = (performance.now() - started) / 1000;
        process.stdout.write(
          `converted ${input} (${reader.sampleRate} Hz, ${reader.channels} ch, ${(reader.durationMs / 1000).toFixed(2)} s) → ` +
            `${output} (${outRate} Hz, ${outChannels} ch, ${(writer.durationMs / 1000).toFixed(2)} s) in ${secs.toFixed(2)} s\n`,
        );
      });
  },
};
