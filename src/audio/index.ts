/** Audio processing filters (DESIGN §3 `audio/`). */
export * from './tones.js';
export * from './channel-adapter.js';
export * from './tee.js';
export * from './void.js';
export * from './volume.js';
export * from './register.js';
export * from './resampler.js';
export * from './plc.js';
