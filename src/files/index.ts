/**
 * Media files: the streaming WAV reader and writer filters, whole-file helpers, the sans-IO
 * RIFF/WAVE parser, and the header fuzzer (DESIGN §3: files/ imports core/ only).
 */
import { ConfigError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import { WavReader, type WavReaderOptions } from './wav-reader.js';
import { WavWriter, type WavWriterOptions } from './wav-writer.js';

export * from './wav-format.js';
export { WavReader, readWavFile, type WavReaderOptions, type WavReaderEvents, type WavData } from './wav-reader.js';
export { WavWriter, writeWavFile, type WavWriterOptions, type WavWriterEvents, type FormatMismatch } from './wav-writer.js';
export { fuzzWavHeaders, type WavFuzzOptions, type WavFuzzResult, type WavFuzzFailure } from './wav-fuzz.js';

/**
 * Registers 'wav-reader' (source) and 'wav-writer' (sink) in a registry. Not done on import:
 * the application (or the default set of built-ins) decides which registry gets them.
 */
export function registerFileFilters(registry: Registry): void {
  registry.registerFilter<WavReaderOptions>({
    type: 'wav-reader',
    category: 'source',
    description: 'Plays a WAV file (PCM 8/16/24/32-bit, float 32/64, µ-law, A-law; mono/stereo) as 16-bit audio frames, streaming',
    create(options) {
      if (!options) throw new ConfigError('wav-reader needs options { path, loop?, loopPauseMs? }');
      return new WavReader(options);
    },
  });
  registry.registerFilter<WavWriterOptions>({
    type: 'wav-writer',
    category: 'sink',
    description: 'Records audio frames to a 16-bit PCM WAV file, keeping its header valid while recording',
    create(options) {
      if (!options) throw new ConfigError('wav-writer needs options { path, sampleRate?, channels?, headerUpdateIntervalMs? }');
      return new WavWriter(options);
    },
  });
}
