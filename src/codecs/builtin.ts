/**
 * The codecs built into mediaweave, registered into a Registry (Mediastreamer2's
 * ms_factory_init registering its built-in encoders/decoders). Pure TypeScript codecs are always
 * available; codecs over a native library (added by later work) register as unavailable with the
 * Debian package to install when the library is missing.
 */
import { defaultRegistry, type CodecDescriptor, type Registry } from '../core/registry.js';
import { createPcmaDecoder, createPcmaEncoder, createPcmuDecoder, createPcmuEncoder } from './g711-filters.js';
import { alawToLinear, ulawToLinear } from './g711.js';
import { registerOpusCodecs } from './opus.js';
import { registerG722Codecs } from './g722-filters.js';
import { registerCnCodecs } from './cn.js';
import { registerGsmCodecs } from './gsm.js';
import { registerL16Codecs } from './l16.js';
import { registerG729Codecs } from './g729.js';
import { registerAmrCodecs } from './amr.js';
import { registerSpeexCodecs } from './speex.js';
import { registerIlbcCodecs } from './ilbc-filters.js';

/** Mean absolute level below which a G.711 packet counts as quiet (≈ −56 dBFS, about twice the noise floor of a quiet room recording): a pause, not the soft end of a word. */
const QUIET_MEAN_ABS = 50;

function quiet(decode: (code: number) => number): (payload: Uint8Array) => boolean {
  return (payload) => {
    if (payload.length === 0) return true;
    let sum = 0;
    for (let i = 0; i < payload.length; i++) sum += Math.abs(decode(payload[i]!));
    return sum / payload.length < QUIET_MEAN_ABS;
  };
}

/** PCMU: G.711 µ-law, RFC 3551 static payload type 0. */
export const PCMU_CODEC: CodecDescriptor = {
  mime: 'PCMU',
  clockRate: 8000,
  channels: 1,
  sampleRate: 8000,
  staticPayloadType: 0,
  // G.711 codes sample by sample; 10 ms is the granularity the encoder packs by (one tick).
  frameMs: 10,
  defaultPtimeMs: 20,
  bitrates: '64 kbit/s',
  description: 'ITU-T G.711 µ-law (pure TypeScript, bit-exact with the ITU-T G.191 STL)',
  createEncoder: (options) => createPcmuEncoder(options),
  createDecoder: (options) => createPcmuDecoder(options),
  isQuietPayload: quiet(ulawToLinear),
  // One byte per sample (RFC 3551 §4.5.14): peers may send packets of mixed sizes (ffmpeg does).
  payloadDuration: (p) => p.length,
};

/** PCMA: G.711 A-law, RFC 3551 static payload type 8. */
export const PCMA_CODEC: CodecDescriptor = {
  mime: 'PCMA',
  clockRate: 8000,
  channels: 1,
  sampleRate: 8000,
  staticPayloadType: 8,
  frameMs: 10,
  defaultPtimeMs: 20,
  bitrates: '64 kbit/s',
  description: 'ITU-T G.711 A-law (pure TypeScript, bit-exact with the ITU-T G.191 STL)',
  createEncoder: (options) => createPcmaEncoder(options),
  createDecoder: (options) => createPcmaDecoder(options),
  isQuietPayload: quiet(alawToLinear),
  payloadDuration: (p) => p.length,
};

const BUILTIN: readonly CodecDescriptor[] = [PCMU_CODEC, PCMA_CODEC];

/**
 * Registers the built-in codecs. Idempotent: a codec already registered under the same
 * mime/clock rate/channels is left as it is (so calling twice is harmless, and an application
 * that registered its own PCMU first keeps it).
 */
const done = new WeakSet<Registry>();

export function registerBuiltinCodecs(registry: Registry = defaultRegistry): void {
  // Once per registry: the library-backed codecs probe their libraries when registering.
  if (done.has(registry)) return;
  done.add(registry);
  for (const c of BUILTIN) {
    if (registry.findCodec(c.mime, c.clockRate, c.channels) === undefined) registry.registerCodec(c);
  }
  // Codecs over native libraries: registered unavailable (with the Debian package to install)
  // when their library is missing.
  registerG722Codecs(registry);
  registerCnCodecs(registry);
  registerOpusCodecs(registry);
  registerGsmCodecs(registry);
  registerL16Codecs(registry);
  registerG729Codecs(registry);
  registerAmrCodecs(registry);
  registerSpeexCodecs(registry);
  registerIlbcCodecs(registry);
}
