export * from './audio-stream.js';
export * from './report.js';
export * from './quality-indicator.js';
export * from './rtp-send-filter.js';
export * from './rtp-recv-filter.js';
export * from './callback-filter.js';
