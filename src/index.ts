/**
 * mediaweave's public API. Most users build streams (AudioStream); power users build their
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
export * from './streams/index.js';
export { RtpSession, type RtpSessionOptions, type RtpSessionStats } from './rtp/session.js';
export { JitterBuffer, type JitterBufferOptions, type JitterBufferStats } from './rtp/jitter-buffer.js';
export { parseRtpPacket, serializeRtpPacket, type RtpPacket } from './rtp/packet.js';
export * as rtcp from './rtp/rtcp/index.js';
export { parsePayloadArg, PayloadTypeMap } from './rtp/payload-types.js';
export { UdpTransport, bindRtpPair, type Transport, type SocketAddress } from './net/udp-transport.js';
export { Demux } from './net/demux.js';
export { ImpairedTransport, LoopbackPair } from './net/impaired-transport.js';
export { OpusEncoder, OpusDecoder, OPUS_CODEC, registerOpusCodecs } from './codecs/opus.js';
export { SpeexEncoderFilter, SpeexDecoderFilter, SPEEX_NB_CODEC, SPEEX_WB_CODEC, SPEEX_UWB_CODEC, registerSpeexCodecs } from './codecs/speex.js';
export { GsmEncoder, GsmDecoder, GSM_CODEC, registerGsmCodecs } from './codecs/gsm.js';
export { L16Encoder, L16Decoder, l16Codec, L16_CODECS, registerL16Codecs } from './codecs/l16.js';
export { G729Encoder, G729Decoder, G729_CODEC, registerG729Codecs } from './codecs/g729.js';
export { AmrEncoder, AmrDecoder, AMR_CODEC, AMR_WB_CODEC, registerAmrCodecs } from './codecs/amr.js';
export { G722Encoder, G722Decoder, G722_CODEC, registerG722Codecs } from './codecs/g722-filters.js';
export { CnAnalyzer, CnGenerator, VadGate, SidMerge, CnSplit, CnPlayer, CN_CODEC, registerCnCodecs } from './codecs/cn.js';
export { Vad } from './audio/vad.js';
