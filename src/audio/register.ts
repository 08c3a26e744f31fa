/**
 * Registers the audio filters of this folder by name (Mediastreamer2's filter descriptors), so
 * graphs can be built from names (`registry.createFilter('volume', { gainDb: -6 })`).
 * Idempotent: a type already registered is left as it is.
 */
import { defaultRegistry, type FilterDescriptor, type Registry } from '../core/registry.js';
import { ChannelAdapter, type ChannelAdapterOptions } from './channel-adapter.js';
import { Tee, type TeeOptions } from './tee.js';
import { ToneGenerator, type ToneGeneratorOptions } from './tones.js';
import { VoidSink, VoidSource, type VoidSourceOptions } from './void.js';
import { Volume, type VolumeOptions } from './volume.js';
import { resamplerDescriptor } from './resampler.js';

const toneGenerator: FilterDescriptor<ToneGeneratorOptions> = {
  type: 'tone-generator',
  category: 'source',
  description: 'DTMF digits (ITU-T Q.23) and custom one/two-frequency tones, levels in dBm0',
  create: (o) => new ToneGenerator(o),
};

const channelAdapter: FilterDescriptor<ChannelAdapterOptions> = {
  type: 'channel-adapter',
  category: 'filter',
  description: 'mono ↔ stereo (duplicate / average); pass-through when the counts match',
  create: (o) => new ChannelAdapter(o),
};

const tee: FilterDescriptor<TeeOptions> = {
  type: 'tee',
  category: 'filter',
  description: 'one input to N outputs (output 0 the frame, the others copies)',
  create: (o) => new Tee(o),
};

const voidSource: FilterDescriptor<VoidSourceOptions> = {
  type: 'void-source',
  category: 'source',
  description: 'emits nothing, or silence frames of a given format',
  create: (o) => new VoidSource(o),
};

const voidSink: FilterDescriptor<undefined> = {
  type: 'void-sink',
  category: 'sink',
  description: 'discards frames, counting frames, samples and bytes',
  create: () => new VoidSink(),
};

const volume: FilterDescriptor<VolumeOptions> = {
  type: 'volume',
  category: 'filter',
  description: 'gain in dB (−60 … +40, smooth changes), mute, input level meter (dBFS)',
  create: (o) => new Volume(o),
};

function add<O>(registry: Registry, d: FilterDescriptor<O>): void {
  if (registry.getFilter(d.type) === undefined) registry.registerFilter(d);
}

/** Registers 'tone-generator', 'channel-adapter', 'tee', 'void-source', 'void-sink', 'volume', 'resampler'. */
export function registerAudioFilters(registry: Registry = defaultRegistry): void {
  add(registry, toneGenerator);
  add(registry, channelAdapter);
  add(registry, tee);
  add(registry, voidSource);
  add(registry, voidSink);
  add(registry, volume);
  add(registry, resamplerDescriptor);
}
