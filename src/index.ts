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
