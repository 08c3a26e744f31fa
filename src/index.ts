/**
 * mediaweave's public API. Most users build streams (later: AudioStream); power users build their
 * own graphs from filters and run them on a ticker.
 */
export * from './core/index.js';
export { loadLibrary, probeLibrary, type NativeLibrarySpec } from './native/loader.js';
export * from './audio/index.js';
export * from './files/index.js';
export { G711Encoder, G711Decoder, createPcmuEncoder, createPcmuDecoder, createPcmaEncoder, createPcmaDecoder } from './codecs/g711-filters.js';
export { encodeUlaw, decodeUlaw, encodeAlaw, decodeAlaw } from './codecs/g711.js';
export { registerBuiltinCodecs, PCMU_CODEC, PCMA_CODEC } from './codecs/builtin.js';
export { NetworkSimulator, type NetworkSimulatorOptions } from './net/netsim.js';
