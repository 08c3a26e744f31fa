/**
 * AudioStream: one audio call leg (Mediastreamer2's AudioStream). It assembles the usual graphs
 * from an options object and owns the RTP session, the jitter buffer and the sockets:
 *
 *   send:    source (WAV file | tones | silence | your filter) → resampler → encoder → RtpSend
 *   receive: RtpRecv (jitter buffer) → decoder → generic PLC → resampler → sink (WAV | void | your filter)
 *
 * and wires the network side:
 *
 *   socket → demux ─rtp──→ packet transforms (in) → session.receiveRtp → jitter buffer
 *                  └rtcp─→ packet transforms (in) → session.receiveRtcp
 *   RtpSend → session.sendRtp → packet transforms (out) → socket
 *   every tick: session RTCP timer, quality indicator, inactivity
 *
 * Extension points (for SRTP/ZRTP, ICE and later features, without editing this file):
 * - `addPacketTransform()`: a stage on the packet path in both directions (SRTP protect/unprotect);
 * - `rtpTransport.demux.register('zrtp' | 'stun' | …)`: more protocols on the RTP socket;
 * - `setRemote()`: the peer's address, set late (ICE picks it);
 * - `on('rtcp', …)`, `on('tick', …)`, and `report()` sections added by `addReportSection()`.
 */
import { ConfigError, StateError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import type { EncodedFrame } from '../core/frames.js';
import { Graph, type AnyFilter } from '../core/graph.js';
import { defaultRegistry, type CodecDescriptor, type DecodeErrorCounter, type Registry } from '../core/registry.js';
import { Ticker } from '../core/ticker.js';
import { Resampler } from '../audio/resampler.js';
import { PlcFilter } from '../audio/plc.js';
import { ToneGenerator } from '../audio/tones.js';
import { VoidSink, VoidSource } from '../audio/void.js';
import { registerBuiltinCodecs } from '../codecs/builtin.js';
import { CN_PAYLOAD_TYPE, CnPlayer, CnSplit, SidMerge, VadGate } from '../codecs/cn.js';
import { Vad } from '../audio/vad.js';
import { WavReader } from '../files/wav-reader.js';
import { WavWriter } from '../files/wav-writer.js';
import { JitterBuffer, type JitterBufferOptions, type JitterInput } from '../rtp/jitter-buffer.js';
import type { RtpPacket } from '../rtp/packet.js';
import type { RtcpPacket } from '../rtp/rtcp/compound.js';
import { RtpSession } from '../rtp/session.js';
import type { NetworkSimulatorOptions } from '../net/netsim.js';
import type { RemoteAddress } from '../net/demux.js';
import { ImpairedTransport } from '../net/impaired-transport.js';
import { UdpTransport, formatAddress, type SocketAddress, type Transport } from '../net/udp-transport.js';
import { CallbackFilter } from './callback-filter.js';
import { QualityIndicator } from './quality-indicator.js';
import { RtpRecvFilter } from './rtp-recv-filter.js';
import { RtpSendFilter } from './rtp-send-filter.js';
import { buildReport, type AudioStreamReport, type StreamCounters } from './report.js';


export type AudioInput =
  | { kind: 'file'; path: string; loop?: boolean }
  | { kind: 'tones'; digits: string }
  | { kind: 'silence' }
  | { kind: 'filter'; filter: AnyFilter }
  | { kind: 'none' };

export type AudioOutput = { kind: 'file'; path: string } | { kind: 'filter'; filter: AnyFilter } | { kind: 'none' };

export interface AudioStreamOptions {
  /** The codec: MIME name, clock rate and channels as in SDP (e.g. { mime: 'PCMU', clockRate: 8000 }). */
  codec: { mime: string; clockRate: number; channels?: number };
  /** RTP payload type sent and expected. Default: the codec's static or default dynamic PT. */
  payloadType?: number;
  /** Encoder bitrate, bit/s. */
  bitrate?: number;
  /** Packet duration, ms. Default: the codec's (20 ms for G.711). */
  ptimeMs?: number;
  /** fmtp parameters for the encoder and decoder. */
  fmtp?: Readonly<Record<string, string>>;
  /** Local RTP port; 0 = any free even port. Default 0. */
  localPort?: number;
  /** Local address to bind. Default '0.0.0.0', or '::' when the remote is IPv6. */
  localAddress?: string;
  /** Where to send RTP. May be set later (setRemote) or learnt from the peer (symmetric RTP). */
  remote?: SocketAddress;
  /** Where to send RTCP. Default: remote port + 1, or the RTP address with rtcp-mux. */
  remoteRtcp?: SocketAddress;
  /** Send to the address the peer's packets come from (RFC 4961). Default true. */
  symmetric?: boolean;
  /** What to send. Default { kind: 'silence' }. */
  input?: AudioInput;
  /** Where received audio goes. Default { kind: 'none' }. */
  output?: AudioOutput;
  /** Sample rate of the output file/filter; default: the input file's rate, else the codec's. */
  outputSampleRate?: number;
  /** Jitter buffer: nominalMs (the CLI's --jitter, default 80), minMs, maxMs, adaptive … */
  jitter?: Partial<Omit<JitterBufferOptions, 'clockRate'>>;
  /** RTCP: off, multiplexed on the RTP port (RFC 5761), minimum interval (default 5000 ms). */
  rtcp?: { enabled?: boolean; mux?: boolean; minIntervalMs?: number };
  /** Impair the network in each direction (seeded simulator). */
  netsim?: { incoming?: NetworkSimulatorOptions; outgoing?: NetworkSimulatorOptions };
  /** Run on this ticker (shared by several streams); default: a real-time ticker of its own. */
  ticker?: Ticker;
  /** Use these transports instead of binding UDP sockets (e.g. an in-memory loopback). */
  transports?: { rtp: Transport; rtcp?: Transport };
  /**
   * Silence suppression: a VAD sends RFC 3389 comfort-noise SIDs (PT 13) instead of packets while
   * the input is silent. Codecs on an 8000 Hz RTP clock only. Default false. (Received SIDs are
   * always played back as comfort noise.)
   */
  vad?: boolean;
  /** Event 'inactivity' after this long without RTP. Default 0 (off). */
  inactivityTimeoutMs?: number;
  /** RTCP SDES CNAME. Default: generated. */
  cname?: string;
  /** Codec registry. Default: the process-wide one with the built-in codecs. */
  registry?: Registry;
}

/** A stage on the packet path (SRTP, …): returns the transformed datagram, or null to drop it. */
export interface PacketTransform {
  readonly name: string;
  outgoing?(data: Uint8Array, kind: 'rtp' | 'rtcp'): Uint8Array | null;
  incoming?(data: Uint8Array, kind: 'rtp' | 'rtcp'): Uint8Array | null;
}

export type AudioStreamEvents = {
  /** RTCP packets received (after the session processed them). */
  rtcp: [packets: RtcpPacket[]];
  /** The peer said BYE. */
  bye: [reason: string | undefined];
  /** The remote RTP (or RTCP) address changed through symmetric RTP. */
  'remote-changed': [kind: 'rtp' | 'rtcp', address: SocketAddress];
  /** No RTP for inactivityTimeoutMs. */
  inactivity: [silentMs: number];
  /** The input file ended. */
  eof: [];
  /** Something worth telling the user at once (e.g. a filter error). */
  warning: [message: string];
  /** Every tick, after the stream's housekeeping (for extensions). */
  tick: [nowMs: number];
};

export class AudioStream extends TypedEmitter<AudioStreamEvents> {
  readonly codec: CodecDescriptor;
  readonly payloadType: number;
  readonly session: RtpSession;
  readonly jitterBuffer: JitterBuffer<JitterInput>;
  readonly quality = new QualityIndicator();
  readonly #options: AudioStreamOptions;
  readonly #transforms: PacketTransform[] = [];
  readonly #reportSections = new Map<string, () => unknown>();
  readonly #counters: StreamCounters = { unknownPt: 0, transformDropped: 0, notSent: 0, cn: 0 };
  #ticker: Ticker | undefined;
  #ownTicker = false;
  #graph: Graph | undefined;
  #rtp: Transport | undefined;
  #rtcp: Transport | undefined;
  #ownTransports = false;
  #remote: SocketAddress | undefined;
  #remoteRtcp: SocketAddress | undefined;
  #rtcpFixed: boolean;
  #state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  #startMs = 0;
  #stopMs = 0;
  #lastQualityMs = 0;
  #lastRtpMs = 0;
  #inactive = false;
  #reader: WavReader | undefined;
  #writer: WavWriter | undefined;
  #plc: PlcFilter | undefined;
  #decoder: AnyFilter | undefined;
  #encoder: AnyFilter | undefined;
  #inputEnded = false;
  #recv: RtpRecvFilter | undefined;
  #vadGate: VadGate | undefined;
  #cnPlayer: CnPlayer | undefined;

  constructor(options: AudioStreamOptions) {
    super();
    this.#options = options;
    const registry = options.registry ?? defaultRegistry;
    if (!options.registry) registerBuiltinCodecs(registry);
    this.codec = registry.requireCodec(options.codec.mime, options.codec.clockRate, options.codec.channels ?? 1);
    const pt = options.payloadType ?? this.codec.staticPayloadType ?? this.codec.defaultPayloadType;
    if (pt === undefined || !Number.isInteger(pt) || pt < 0 || pt > 127) {
      throw new ConfigError(`payload type must be a whole number 0–127${pt === undefined ? ` (codec ${this.codec.mime} has no default; give one)` : `, got ${pt}`}`);
    }
    this.payloadType = pt;
    this.#remote = options.remote;
    this.#remoteRtcp = options.remoteRtcp;
    this.#rtcpFixed = options.remoteRtcp !== undefined;
    const ptime = options.ptimeMs ?? this.codec.defaultPtimeMs;
    // Session bandwidth for the RTCP interval (RFC 3550 §6.2): codec rate + IP/UDP/RTP headers.
    const codecBps = options.bitrate ?? parseBitrate(this.codec.bitrates) ?? 64000;
    const headerBps = ((20 + 8 + 12) * 8 * 1000) / ptime;
    const rtcp = options.rtcp ?? {};
    this.session = new RtpSession({
      clockRate: this.codec.clockRate,
      payloadType: pt,
      sessionBandwidthBps: codecBps + headerBps,
      rtcp: { enabled: rtcp.enabled ?? true, ...(rtcp.minIntervalMs !== undefined ? { minIntervalMs: rtcp.minIntervalMs } : {}) },
      ...(options.cname ? { cname: options.cname } : {}),
    });
    // The buffer sheds delay on quiet packets; a codec that cannot tell gets none called quiet,
    // so loud packets are dropped only when the delay is far over target (dropping a packet of a
    // predictive codec mid-word garbles the next ones too: G.722 takes ~0.4 s to recover).
    const isQuiet = this.codec.isQuietPayload?.bind(this.codec);
    this.jitterBuffer = new JitterBuffer<JitterInput>({
      clockRate: this.codec.clockRate,
      isQuiet: isQuiet ? (p: JitterInput) => isQuiet(p.payload) : () => false,
      ...(options.jitter ?? {}),
    });
    this.session.on('bye', (info) => {
      if (!info.isRemote) return;
      this.#recv?.endOfStream();
      this.emit('bye', info.reason);
    });
  }

  /** The stream's ticker (available after start). */
  get ticker(): Ticker | undefined {
    return this.#ticker;
  }

  get state(): 'new' | 'starting' | 'running' | 'stopped' {
    return this.#state;
  }

  /** The local RTP address and port (after start). */
  get localAddress(): RemoteAddress | undefined {
    return this.#rtp?.localAddress;
  }

  /** The RTP transport (after start): register more protocols on its demux. */
  get rtpTransport(): Transport | undefined {
    return this.#rtp;
  }

  get rtcpTransport(): Transport | undefined {
    return this.#rtcp;
  }

  get remote(): SocketAddress | undefined {
    return this.#remote;
  }

  get remoteRtcp(): SocketAddress | undefined {
    return this.#rtcpTarget();
  }

  /** True once the input file has been played to its end. */
  get inputEnded(): boolean {
    return this.#inputEnded;
  }

  /** Sets (or changes) where RTP and RTCP go. */
  setRemote(rtp: SocketAddress, rtcp?: SocketAddress): void {
    this.#remote = rtp;
    if (rtcp) {
      this.#remoteRtcp = rtcp;
      this.#rtcpFixed = true;
    }
  }

  addPacketTransform(t: PacketTransform): void {
    this.#transforms.push(t);
  }

  /** Adds a section to `report()` (e.g. 'srtp', 'zrtp', 'ice'). */
  addReportSection(name: string, fn: () => unknown): void {
    this.#reportSections.set(name, fn);
  }

  /** Binds the sockets (unless given), builds the graphs and starts media. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new StateError(`AudioStream: start() called twice`);
    this.#state = 'starting';
    const o = this.#options;
    try {
      await this.#openTransports();
      this.#ticker = o.ticker ?? new Ticker({ name: 'audio' });
      this.#ownTicker = o.ticker === undefined;
      this.#graph = this.#buildGraph();
      this.#ticker.on('filter-error', (_g, f, err) => {
        if (_g !== this.#graph) return;
        this.emit('warning', `${f.name}: ${err instanceof Error ? err.message : String(err)}`);
      });
      this.#startMs = this.#now();
      this.#lastRtpMs = this.#startMs;
      this.#lastQualityMs = this.#startMs;
      this.#ticker.attach(this.#graph);
      if (this.#ownTicker) this.#ticker.start();
      this.#state = 'running';
    } catch (err) {
      await this.#closeTransports();
      this.#state = 'stopped';
      throw err;
    }
  }

  /** Sends RTCP BYE, stops media, finalises the output file and releases the sockets. Idempotent. */
  async stop(reason?: string): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    const now = this.#now();
    this.#stopMs = now;
    if (this.#options.rtcp?.enabled ?? true) {
      const bye = this.session.bye(now, reason);
      if (bye) this.#sendRtcp(bye);
    }
    if (this.#ticker && this.#graph) {
      this.#ticker.detach(this.#graph);
      if (this.#ownTicker) this.#ticker.stop();
    }
    await this.#closeTransports();
  }

  /** The report of DESIGN §4 (`--json`), with sections added by extensions. */
  report(): AudioStreamReport {
    const end = this.#state === 'stopped' && this.#stopMs ? this.#stopMs : this.#now();
    const durationS = Math.max(0.001, (end - this.#startMs) / 1000);
    const sections: Record<string, unknown> = {};
    const cn = this.cnStats();
    if (this.#options.vad || cn.sidsReceived > 0) sections.cn = { sidsSent: cn.sidsSent, sidsReceived: cn.sidsReceived, comfortNoiseMs: Math.round(cn.noiseMs) };
    for (const [k, fn] of this.#reportSections) sections[k] = fn();
    const jitter = this.jitterBuffer.getStats();
    return buildReport({
      session: this.session.stats,
      jitter,
      counters: this.#counters,
      demuxInvalid: (this.#rtp?.demux.stats.invalid ?? 0) + (this.#rtcp && this.#rtcp !== this.#rtp ? this.#rtcp.demux.stats.invalid : 0),
      decoderErrors: (this.#decoder?.stats.errors ?? 0) + ((this.#decoder as Partial<DecodeErrorCounter> | undefined)?.decodeErrors ?? 0),
      concealedMs: this.#plc ? this.#plc.concealedMs : jitter.concealedMs.loss,
      quality: this.quality.average,
      durationS,
      sections,
    });
  }

  /** RFC 3389 PT 13 works on 8000 Hz RTP clocks; our CN filters on mono audio. */
  #cnCapable(): boolean {
    return this.codec.clockRate === 8000 && this.codec.channels === 1 && this.payloadType !== CN_PAYLOAD_TYPE;
  }

  /** Silence suppression and comfort noise figures (null when neither side used it). */
  cnStats(): { sidsSent: number; sidsReceived: number; noiseMs: number } {
    return {
      sidsSent: this.#vadGate?.gateStats.sidSent ?? 0,
      sidsReceived: this.#counters.cn,
      noiseMs: this.#cnPlayer ? (this.#cnPlayer.playerStats.noiseSamples / this.codec.sampleRate) * 1000 : 0,
    };
  }

  #now(): number {
    return this.#ticker ? this.#ticker.clock.now() : performance.now();
  }

  async #openTransports(): Promise<void> {
    const o = this.#options;
    const mux = o.rtcp?.mux ?? false;
    if (o.transports) {
      this.#rtp = o.transports.rtp;
      this.#rtcp = mux ? o.transports.rtp : (o.transports.rtcp ?? o.transports.rtp);
      this.#ownTransports = false;
    } else {
      const address = o.localAddress ?? (o.remote?.address.includes(':') ? '::' : '0.0.0.0');
      const pair = await UdpTransport.bindRtpPair({ address, port: o.localPort ?? 0, rtcpMux: mux });
      // The RTCP socket's simulators get their own seed (seed + 1): the same seed would make RTP
      // and RTCP lose packets in lockstep.
      const reseed = (n: NetworkSimulatorOptions | undefined, d: number): NetworkSimulatorOptions | undefined =>
        n && n.seed !== undefined ? { ...n, seed: n.seed + d } : n;
      const wrap = (t: Transport, d: number): Transport => {
        const incoming = reseed(o.netsim?.incoming, d);
        const outgoing = reseed(o.netsim?.outgoing, d);
        return incoming || outgoing ? new ImpairedTransport(t, { ...(incoming ? { incoming } : {}), ...(outgoing ? { outgoing } : {}) }) : t;
      };
      this.#rtp = wrap(pair.rtp, 0);
      this.#rtcp = mux ? this.#rtp : wrap(pair.rtcp, 1);
      this.#ownTransports = true;
    }
    const rtp = this.#rtp;
    rtp.demux.register('rtp', (d, from, at) => this.#onRtp(d, from, at));
    rtp.demux.register('rtcp', (d, from, at) => this.#onRtcp(d, from, at));
    if (this.#rtcp !== rtp) {
      this.#rtcp!.demux.register('rtcp', (d, from, at) => this.#onRtcp(d, from, at));
      // RTP arriving on the RTCP port is not ours to play; the demux counts it as unhandled.
    }
    for (const t of new Set([this.#rtp, this.#rtcp])) {
      t!.on('error', (err) => this.emit('warning', err.message));
    }
  }

  async #closeTransports(): Promise<void> {
    if (!this.#ownTransports) return;
    const ts = new Set([this.#rtp, this.#rtcp].filter((t): t is Transport => t !== undefined));
    await Promise.all([...ts].map((t) => t.close()));
  }

  #buildGraph(): Graph {
    const o = this.#options;
    const g = new Graph('audio-stream');
    const codec = this.codec;
    const now = (): number => this.#now();

    // Housekeeping runs first each tick.
    g.add(new CallbackFilter(() => this.#housekeeping(), 'stream-housekeeping'));

    // Send chain.
    const input = o.input ?? { kind: 'silence' };
    let source: AnyFilter | undefined;
    switch (input.kind) {
      case 'file': {
        const r = new WavReader({ path: input.path, ...(input.loop ? { loop: true } : {}) });
        r.on('eof', () => {
          this.#inputEnded = true;
          this.emit('eof');
        });
        this.#reader = r;
        source = r;
        break;
      }
      case 'tones': {
        const t = new ToneGenerator({ sampleRate: codec.sampleRate });
        t.playDtmf(input.digits);
        source = t;
        break;
      }
      case 'silence':
        source = new VoidSource({ silence: { sampleRate: codec.sampleRate, channels: codec.channels } });
        break;
      case 'filter':
        source = input.filter;
        break;
      case 'none':
        source = undefined;
    }
    if (source) {
      this.#encoder = codec.createEncoder({
        payloadType: this.payloadType,
        ...(o.bitrate !== undefined ? { bitrate: o.bitrate } : {}),
        ...(o.ptimeMs !== undefined ? { ptimeMs: o.ptimeMs } : {}),
        ...(o.fmtp ? { fmtp: o.fmtp } : {}),
      });
      const resampler = new Resampler({ outputRate: codec.sampleRate, channels: codec.channels as 1 | 2 });
      const send = new RtpSendFilter({ sendFrame: (f) => this.#sendFrame(f) });
      if (o.vad) {
        // source → resampler → VadGate ─speech→ encoder → SidMerge → RtpSend
        //                               └─SIDs (PT 13) ────→ SidMerge
        if (!this.#cnCapable()) throw new ConfigError(`vad: comfort noise (RFC 3389 PT 13) needs an 8000 Hz RTP clock and mono; ${codec.mime}/${codec.clockRate}/${codec.channels} has none`);
        const gate = new VadGate({
          sampleRate: codec.sampleRate,
          clockRate: codec.clockRate,
          vad: new Vad({ sampleRate: codec.sampleRate }),
          packetMs: o.ptimeMs ?? codec.defaultPtimeMs,
        });
        this.#vadGate = gate;
        const merge = new SidMerge();
        g.chain(source, resampler, gate, this.#encoder);
        g.link(this.#encoder, 0, merge, 0).link(gate, 1, merge, 1).link(merge, 0, send, 0);
      } else {
        g.chain(source, resampler, this.#encoder, send);
      }
    }

    // Receive chain.
    const recv = new RtpRecvFilter(this.jitterBuffer, now, this.payloadType);
    this.#recv = recv;
    this.#decoder = codec.createDecoder({ payloadType: this.payloadType, ...(o.fmtp ? { fmtp: o.fmtp } : {}) });
    // RFC 4867 §4.3.1: the peer's codec mode request (AMR, AMR-WB) steers our encoder.
    const enc = this.#encoder as (AnyFilter & { setMode?: (mode: number) => void }) | undefined;
    if (enc?.setMode) this.#decoder.on('cmr', (mode: number) => enc.setMode!(mode));
    const chain: AnyFilter[] = [recv];
    let cnSplit: CnSplit | undefined;
    if (this.#cnCapable()) {
      // RTP recv → CnSplit ─→ decoder → [PLC] → CnPlayer → …; SIDs from CnSplit to CnPlayer.
      cnSplit = new CnSplit();
      chain.push(cnSplit);
    }
    chain.push(this.#decoder);
    if (!codec.hasPlc) {
      this.#plc = new PlcFilter({ sampleRate: codec.sampleRate, channels: codec.channels });
      chain.push(this.#plc);
    }
    if (cnSplit) {
      const player = new CnPlayer({ sampleRate: codec.sampleRate, clockRate: codec.clockRate, channels: codec.channels });
      this.#cnPlayer = player;
      chain.push(player);
      g.link(cnSplit, 1, player, 1);
    }
    const output = o.output ?? { kind: 'none' };
    const outRate = o.outputSampleRate ?? (this.#reader ? this.#reader.sampleRate : codec.sampleRate);
    if (output.kind !== 'none') chain.push(new Resampler({ outputRate: outRate }));
    if (output.kind === 'file') {
      this.#writer = new WavWriter({ path: output.path, sampleRate: outRate, channels: codec.channels });
      chain.push(this.#writer);
    } else if (output.kind === 'filter') {
      chain.push(output.filter);
    } else {
      chain.push(new VoidSink());
    }
    g.chain(...chain);
    return g;
  }

  #housekeeping(): void {
    const now = this.#now();
    if (this.#state !== 'running') return;
    // RTCP timer (RFC 3550 §6.3): the session says when; the ticker's clock drives it.
    const next = this.session.nextRtcpMs();
    if (next !== undefined && now >= next) {
      const rtcp = this.session.pollRtcp(now);
      if (rtcp) this.#sendRtcp(rtcp);
    }
    // Quality indicator, once a second, like Mediastreamer2's audio_stream_iterate.
    if (now - this.#lastQualityMs >= 1000) {
      this.#lastQualityMs = now;
      const s = this.session.stats;
      const jb = this.jitterBuffer.getStats();
      this.quality.updateLocal({ received: s.received.packets, expected: s.received.packets + s.received.lost, late: jb.late }, s.rttMs);
    }
    const timeout = this.#options.inactivityTimeoutMs ?? 0;
    if (timeout > 0 && !this.#inactive && now - this.#lastRtpMs >= timeout) {
      this.#inactive = true;
      this.emit('inactivity', now - this.#lastRtpMs);
    }
    this.emit('tick', now);
  }

  #sendFrame(f: EncodedFrame): void {
    const now = this.#now();
    let data: Uint8Array | null = this.session.sendRtp({ payload: f.data, timestamp: f.timestamp, marker: f.marker, payloadType: f.payloadType }, now);
    for (const t of this.#transforms) {
      if (!data) break;
      if (t.outgoing) data = t.outgoing(data, 'rtp');
    }
    if (!data) {
      this.#counters.transformDropped++;
      return;
    }
    if (!this.#remote) {
      this.#counters.notSent++;
      return;
    }
    this.#rtp!.send(data, this.#remote);
  }

  #sendRtcp(packet: Uint8Array): void {
    let data: Uint8Array | null = packet;
    for (const t of this.#transforms) {
      if (!data) break;
      if (t.outgoing) data = t.outgoing(data, 'rtcp');
    }
    const to = this.#rtcpTarget();
    if (!data || !to) return;
    this.#rtcp!.send(data, to);
  }

  #rtcpTarget(): SocketAddress | undefined {
    if (this.#remoteRtcp) return this.#remoteRtcp;
    if (!this.#remote) return undefined;
    if (this.#rtcp === this.#rtp) return this.#remote;
    return { address: this.#remote.address, port: this.#remote.port + 1 };
  }

  #applyIncoming(data: Uint8Array, kind: 'rtp' | 'rtcp'): Uint8Array | null {
    let d: Uint8Array | null = data;
    for (const t of this.#transforms) {
      if (!d) break;
      if (t.incoming) d = t.incoming(d, kind);
    }
    if (!d) this.#counters.transformDropped++;
    return d;
  }

  #onRtp(raw: Uint8Array, from: RemoteAddress, arrivalMs: number): void {
    if (this.#state !== 'running') return;
    const data = this.#applyIncoming(raw, 'rtp');
    if (!data) return;
    const pkt: RtpPacket | undefined = this.session.receiveRtp(data, arrivalMs);
    if (!pkt) return;
    this.#lastRtpMs = arrivalMs;
    this.#inactive = false;
    // Symmetric RTP (RFC 4961): answer where the peer's media comes from.
    if ((this.#options.symmetric ?? true) && (!this.#remote || this.#remote.address !== from.address || this.#remote.port !== from.port)) {
      this.#remote = { address: from.address, port: from.port };
      this.emit('remote-changed', 'rtp', this.#remote);
    }
    if (pkt.payloadType !== this.payloadType) {
      if (pkt.payloadType === CN_PAYLOAD_TYPE) {
        this.#counters.cn++;
        // SIDs share the media's sequence numbers: they go through the jitter buffer (dropping
        // them would count as loss) to CnSplit/CnPlayer, which play comfort noise.
        if (this.#cnCapable()) this.jitterBuffer.put(pkt, arrivalMs);
        return;
      }
      this.#counters.unknownPt++;
      return;
    }
    const d = this.codec.payloadDuration?.(pkt.payload);
    if (d !== undefined && d > 0) (pkt as RtpPacket & { durationTs?: number }).durationTs = d;
    this.jitterBuffer.put(pkt, arrivalMs);
  }

  #onRtcp(raw: Uint8Array, from: RemoteAddress, arrivalMs: number): void {
    if (this.#state !== 'running') return;
    const data = this.#applyIncoming(raw, 'rtcp');
    if (!data) return;
    const packets = this.session.receiveRtcp(data, arrivalMs);
    if (!packets) return;
    if ((this.#options.symmetric ?? true) && !this.#rtcpFixed) {
      const cur = this.#rtcpTarget();
      if (!cur || cur.address !== from.address || cur.port !== from.port) {
        this.#remoteRtcp = { address: from.address, port: from.port };
        this.emit('remote-changed', 'rtcp', this.#remoteRtcp);
      }
    }
    // The peer's report about our stream feeds the remote half of the quality rating.
    const s = this.session.stats;
    if (s.fractionLost !== null && s.remoteJitterMs !== null) {
      for (const p of packets) {
        if ((p.type === 'sr' || p.type === 'rr') && p.reports.some((r) => r.ssrc === this.session.ssrc)) {
          this.quality.updateRemote(s.fractionLost, s.remoteJitterMs, s.rttMs);
        }
      }
    }
    this.emit('rtcp', packets);
  }

  /** Human-readable description of where the stream sends and listens. */
  describe(): string {
    const local = this.#rtp ? formatAddress(this.#rtp.localAddress.address, this.#rtp.localAddress.port) : '-';
    const remote = this.#remote ? formatAddress(this.#remote.address, this.#remote.port) : '(waiting for the peer)';
    return `${this.codec.mime}/${this.codec.clockRate} PT ${this.payloadType}, local ${local}, remote ${remote}`;
  }
}

function parseBitrate(s: string): number | undefined {
  const m = /([\d.]+)\s*kbit/.exec(s);
  return m ? Number(m[1]) * 1000 : undefined;
}
