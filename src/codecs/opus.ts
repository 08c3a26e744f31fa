/**
 * Opus (RFC 6716) encoder and decoder filters over libopus (native/opus.ts), carried in RTP as
 * RFC 7587 says (rtp/payload/opus.ts): one Opus packet per RTP payload, a 48 kHz RTP clock for
 * every bandwidth, `opus/48000/2` in SDP whatever is sent.
 *
 * ## Rates and channels (the descriptor says opus/48000/2, sampleRate 48000, channels 2)
 * - Encoder input: 8, 12, 16, 24 or 48 kHz (libopus resamples inside), mono or stereo. The
 *   stream resamples to the descriptor's 48 kHz stereo; a hand-built graph may feed any of
 *   those rates. It codes stereo only when the input is stereo *and* the receiver asked for it
 *   (fmtp `stereo=1`, or the `stereo` option): RFC 7587 §7.1 says a sender MUST NOT use stereo
 *   when `stereo` is 0, the default. Otherwise the input is downmixed (L+R)/2 here and coded by
 *   a mono libopus state, which costs less than a stereo state forced to one channel.
 * - Decoder output: 48 kHz stereo by default (the descriptor's, which the stream sizes its
 *   output chain from; a mono stream comes out duplicated), or any libopus rate and 1/2
 *   channels through the `sampleRate`/`channels` options.
 * - Audio bandwidth (the "8–48 kHz internal rates"): the encoder picks NB…FB by bitrate; the
 *   receiver's `maxplaybackrate` caps it (OPUS_SET_MAX_BANDWIDTH, RFC 7587 §7.1), as does the
 *   `maxBandwidth` option.
 *
 * ## fmtp (RFC 7587 §6.1), as the stream passes one line to both filters
 * The line is the peer's: its receive preferences bind our encoder (`maxplaybackrate`,
 * `maxaveragebitrate` caps the bitrate, `stereo`, `cbr`, `useinbandfec` turns FEC on, `usedtx`
 * turns DTX on, `ptime`/`minptime`/`maxptime` bound the packet duration); its `sprop-*` describe
 * what it sends and are only validated by our decoder (its output format is fixed by the
 * graph). Explicit options win over the fmtp, except the receiver's limits (`maxptime`,
 * `maxaveragebitrate`), which cap them. Invalid values throw ConfigError naming the parameter;
 * unknown ones are logged at debug level and ignored.
 *
 * ## Encoder packets
 * One libopus frame per packet: ptime 10, 20 (default), 40, 60 (80, 100, 120) ms. Timestamps
 * are the position of the packet's first sample in 48 kHz units from the first input sample
 * (input timestamp × 48000 / input rate); `duration` is the packet's span; `marker` is set on
 * the first packet, after an input discontinuity (the partial frame is completed with silence
 * and sent first) and on the first packet after DTX (RFC 3551 §4.1: start of a talkspurt).
 *
 * DTX (RFC 7587 §3.1.3: "parts of the encoded signal that correspond to periods of silence ...
 * are not transmitted"): with DTX on, libopus returns 1–2 byte packets for frames it need not
 * send, and a real packet about every 400 ms to refresh the receiver's comfort noise. The 1–2
 * byte ones are not emitted (whole frames only, so timestamps stay multiples of 120); the
 * refresh packets are. The receiver sees a timestamp jump with no sequence gap and its
 * decoder's PLC makes the comfort noise.
 *
 * In-band FEC (RFC 7587 §3.3): `useinbandfec=1` (or `fec: true`) makes libopus add LBRR, a
 * low-bitrate copy of the previous frame, to SILK/hybrid packets, but only while the expected
 * loss (OPUS_SET_PACKET_LOSS_PERC) is above zero: it defaults to 10 % with FEC on (0 without),
 * Mediastreamer2's figure; `setPacketLossPercent()` lets a rate controller feed RTCP's measure.
 *
 * ## Decoder: PLC and FEC
 * `hasPlc`: a `lost` frame becomes libopus's own concealment (opus_decode with no data) of
 * exactly its duration, flagged `concealed`. libopus conceals in multiples of 2.5 ms; a span
 * that is not one is concealed rounded up and cut. A garbage, truncated or oversized payload is
 * never thrown: it is counted in `decodeErrors` and its span concealed like a loss.
 *
 * FEC needs the packet *after* the lost one (RFC 7587 §3.3: "the jitter buffer needs to provide
 * access to payloads with the FEC data"). The decoder receives frames in order, one tick's worth
 * at a time, and the jitter buffer hands a 20 ms packet only every other 10 ms tick, so the
 * next packet is normally not there yet when the lost span is due. Three ways, cheapest first:
 * 1. In the same batch: when a lost frame is followed, in the same process() call, by the
 *    packet that starts where it ends, its LBRR is decoded for the lost span. Free; it happens
 *    in file replays and bursts.
 * 2. A payload picker (`setPayloadPicker`, Mediastreamer2's MSRtpPayloadPicker): a function the
 *    stream gives, returning the payload at a timestamp if its jitter buffer already holds it.
 *    No added delay; needs the stream to wire it.
 * 3. One frame of lookahead (`fecLookahead`, on by default when the fmtp says
 *    `useinbandfec=1`): the decoder holds every frame until the next has arrived, so the packet
 *    after a loss is always known. Costs one packet time of delay (20 ms), constant, on every
 *    frame (the frame still held when the graph stops is dropped). Measured through a whole
 *    AudioStream call at 10 % seeded loss (opus.test.ts): speech similarity 0.709 without FEC,
 *    0.766 with it; at the filter, the lost spans' correlation with the original goes from
 *    0.55 (PLC) to 0.80.
 * A packet whose first frame has no LBRR (CELT-only, or the encoder saw no need) gives PLC, as
 * libopus would itself; `fecFrames` / `plcFrames` count which was used.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { AudioFrame, EncodedFrame } from '../core/frames.js';
import { logger } from '../core/log.js';
import type { CodecDescriptor, DecodeErrorCounter, DecoderOptions, EncoderOptions, Registry } from '../core/registry.js';
import {
  LIBOPUS,
  OPUS_API_RATES,
  OPUS_MAX_PACKET_BYTES,
  OPUS_MAX_PACKET_SAMPLES_48K,
  OpusDecoderState,
  OpusEncoderState,
  probeOpus,
  type OpusApplication,
  type OpusBandwidthName,
  type OpusSignal,
} from '../native/opus.js';
import {
  chooseOpusPtime,
  isOpusDtxPacket,
  isOpusQuietPayload,
  opusBandwidthForRate,
  opusPayloadDuration,
  opusPayloadHasFec,
  OPUS_PTIMES_MS,
  OPUS_RTP_CLOCK_RATE,
  parseOpusFmtp,
  type OpusFmtp,
} from '../rtp/payload/opus.js';

const log = logger('opus');

/** Default dynamic payload type (Mediastreamer2's mediastream, DESIGN §4). */
export const OPUS_DEFAULT_PAYLOAD_TYPE = 114;
/** Default bitrate, bit/s: RFC 7587 §3.1.1's range for fullband speech (28–40 kbit/s); stereo twice that. */
export const OPUS_DEFAULT_BITRATE = 32000;
/** Expected loss told to libopus when FEC is on and nobody said (Mediastreamer2 uses 10 %). */
export const OPUS_DEFAULT_FEC_LOSS_PERCENT = 10;

function checkPayloadType(who: string, pt: unknown): number {
  if (typeof pt !== 'number' || !Number.isInteger(pt) || pt < 0 || pt > 127) {
    throw new ConfigError(`${who}: payloadType must be a whole number 0–127, got ${String(pt)}`);
  }
  return pt;
}

function checkWhole(who: string, name: string, v: unknown, lo: number, hi: number, unit = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ConfigError(`${who}: ${name} must be a whole number ${lo}–${hi}${unit}, got ${String(v)}`);
  }
  return v;
}

function checkPtime(who: string, ms: unknown): number {
  if (typeof ms !== 'number' || !OPUS_PTIMES_MS.includes(ms)) {
    throw new ConfigError(`${who}: ptimeMs must be one of ${OPUS_PTIMES_MS.join(', ')} ms (Opus frame durations), got ${String(ms)}`);
  }
  return ms;
}

function checkRate(who: string, rate: unknown, what: string): number {
  if (typeof rate !== 'number' || !OPUS_API_RATES.includes(rate)) {
    throw new ConfigError(`${who}: ${what} must be one of ${OPUS_API_RATES.join(', ')} Hz, got ${String(rate)}`);
  }
  return rate;
}

const BANDWIDTHS: readonly OpusBandwidthName[] = ['nb', 'mb', 'wb', 'swb', 'fb'];
const narrower = (a: OpusBandwidthName, b: OpusBandwidthName): OpusBandwidthName => (BANDWIDTHS.indexOf(a) <= BANDWIDTHS.indexOf(b) ? a : b);

// ──────────────────────────────────────────────────────────────────────────────── encoder ──

export interface OpusEncoderOptions extends EncoderOptions {
  /** 0 (fastest) … 10 (best); default: libopus's own (9 in 1.3). */
  complexity?: number;
  /** Default 'voip' (speech), as Mediastreamer2. */
  application?: OpusApplication;
  /** Variable bitrate; default: not fmtp `cbr=1`. */
  vbr?: boolean;
  /** Constrained VBR (libopus's default, true). */
  constrainedVbr?: boolean;
  /** In-band FEC; default: fmtp `useinbandfec=1`. */
  fec?: boolean;
  /** Expected loss 0–100 %; default 10 with FEC, else 0. */
  packetLossPercent?: number;
  /** DTX; default: fmtp `usedtx=1`. */
  dtx?: boolean;
  /** Code stereo when the input is stereo; default: fmtp `stereo=1`. */
  stereo?: boolean;
  /** Widest audio bandwidth; default: from fmtp `maxplaybackrate` (else fullband). */
  maxBandwidth?: OpusBandwidthName;
  /** A voice/music hint; default auto. */
  signal?: OpusSignal;
}

/** The encoder's settings once the options and the fmtp are reconciled. */
export interface OpusEncoderConfig {
  /** Explicit bitrate, or undefined for the default (32 kbit/s mono, 64 stereo), always capped by maxAverageBitrate. */
  bitrate: number | undefined;
  maxAverageBitrate: number | undefined;
  ptimeMs: number;
  complexity: number | undefined;
  application: OpusApplication;
  vbr: boolean;
  constrainedVbr: boolean | undefined;
  fec: boolean;
  packetLossPercent: number;
  dtx: boolean;
  stereo: boolean;
  maxBandwidth: OpusBandwidthName;
  signal: OpusSignal | undefined;
}

/** Reconciles encoder options with the receiver's fmtp (RFC 7587 §6.1, §7.1). Throws ConfigError. */
export function resolveOpusEncoderConfig(options: OpusEncoderOptions, who = 'opus-encoder'): OpusEncoderConfig {
  const fm: OpusFmtp = parseOpusFmtp(options.fmtp, `${who} fmtp`);
  const bitrate = options.bitrate === undefined ? undefined : checkWhole(who, 'bitrate', options.bitrate, 6000, 510000, ' bit/s');
  const wish = options.ptimeMs !== undefined ? checkPtime(who, options.ptimeMs) : (fm.ptime ?? 20);
  const limits = { ...(fm.minptime !== undefined ? { minptime: fm.minptime } : {}), ...(fm.maxptime !== undefined ? { maxptime: fm.maxptime } : {}) };
  const ptimeMs = chooseOpusPtime(wish, limits);
  if (ptimeMs !== wish) log.debug({ wish, ptimeMs, ...limits }, `${who}: ptime ${wish} ms → ${ptimeMs} ms (receiver's ptime limits)`);
  const complexity = options.complexity === undefined ? undefined : checkWhole(who, 'complexity', options.complexity, 0, 10);
  const application = options.application ?? 'voip';
  if (!['voip', 'audio', 'restricted-lowdelay'].includes(application)) {
    throw new ConfigError(`${who}: application must be voip, audio or restricted-lowdelay, got ${String(application)}`);
  }
  const fec = options.fec ?? fm.useinbandfec === 1;
  const packetLossPercent =
    options.packetLossPercent === undefined ? (fec ? OPUS_DEFAULT_FEC_LOSS_PERCENT : 0) : checkWhole(who, 'packetLossPercent', options.packetLossPercent, 0, 100, ' %');
  let maxBandwidth: OpusBandwidthName = fm.maxplaybackrate !== undefined ? opusBandwidthForRate(fm.maxplaybackrate) : 'fb';
  if (options.maxBandwidth !== undefined) {
    if (!BANDWIDTHS.includes(options.maxBandwidth)) throw new ConfigError(`${who}: maxBandwidth must be one of ${BANDWIDTHS.join(', ')}, got ${String(options.maxBandwidth)}`);
    // The receiver's maxplaybackrate still bounds it (RFC 7587 §7.1: a sender MUST NOT use more).
    maxBandwidth = narrower(options.maxBandwidth, maxBandwidth);
  }
  if (options.signal !== undefined && !['auto', 'voice', 'music'].includes(options.signal)) {
    throw new ConfigError(`${who}: signal must be auto, voice or music, got ${String(options.signal)}`);
  }
  return {
    bitrate,
    maxAverageBitrate: fm.maxaveragebitrate,
    ptimeMs,
    complexity,
    application,
    vbr: options.vbr ?? fm.cbr !== 1,
    constrainedVbr: options.constrainedVbr,
    fec,
    packetLossPercent,
    dtx: options.dtx ?? fm.usedtx === 1,
    stereo: options.stereo ?? fm.stereo === 1,
    maxBandwidth,
    signal: options.signal,
  };
}

export interface OpusEncoderStats {
  /** Audio frames taken. */
  framesIn: number;
  /** Samples (per channel) taken. */
  samplesIn: number;
  /** Opus frames encoded (sent or not). */
  encoded: number;
  /** Packets (EncodedFrames) sent. */
  packetsOut: number;
  /** Payload bytes sent. */
  bytesOut: number;
  /** Frames libopus coded as DTX (1–2 bytes) and that were not sent. */
  dtxFrames: number;
  /** Input timestamp jumps (the partial frame was completed with silence, the marker set). */
  discontinuities: number;
}

export class OpusEncoder extends Filter<Record<never, never>> {
  readonly type = 'opus-encoder';
  readonly payloadType: number;
  readonly #cfg: OpusEncoderConfig;
  #enc: OpusEncoderState | null = null;
  /** Input format the state was made for. */
  #rate = 0;
  #inChannels = 0;
  /** Channels coded (1 unless stereo input and stereo allowed). */
  #channels = 0;
  /** Samples per channel per packet at #rate. */
  #frameSamples = 0;
  #pendingPtime: number | null = null;
  #pcm = new Int16Array(0);
  #fill = 0;
  /** Input-rate timestamp of #pcm's first sample. */
  #pktTs = 0;
  #nextTs: number | null = null;
  #marker = true;
  readonly #out = new Uint8Array(OPUS_MAX_PACKET_BYTES);
  readonly #stats: OpusEncoderStats = { framesIn: 0, samplesIn: 0, encoded: 0, packetsOut: 0, bytesOut: 0, dtxFrames: 0, discontinuities: 0 };

  /** Throws ConfigError for bad options or fmtp values. The libopus state is made on the first frame (its rate and channels). */
  constructor(options: OpusEncoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    this.#cfg = resolveOpusEncoderConfig(options, this.type);
  }

  /** The settings in force (options reconciled with the fmtp). */
  get config(): Readonly<OpusEncoderConfig> {
    return { ...this.#cfg };
  }

  get ptimeMs(): number {
    return this.#pendingPtime ?? this.#cfg.ptimeMs;
  }

  /** Channels being coded (0 before the first frame). */
  get codedChannels(): number {
    return this.#channels;
  }

  /** The bitrate in use (explicit or default, capped by the receiver's maxaveragebitrate), bit/s. */
  get bitrate(): number {
    const ch = this.#channels || 1;
    const want = this.#cfg.bitrate ?? OPUS_DEFAULT_BITRATE * ch;
    return this.#cfg.maxAverageBitrate !== undefined ? Math.min(want, this.#cfg.maxAverageBitrate) : want;
  }

  get encoderStats(): Readonly<OpusEncoderStats> {
    return { ...this.#stats };
  }

  /** The libopus state (undefined before the first frame), e.g. to read its lookahead. */
  get native(): OpusEncoderState | undefined {
    return this.#enc ?? undefined;
  }

  /** Changes the target bitrate (6000–510000 bit/s; capped by the receiver's maxaveragebitrate). */
  setBitrate(bps: number): void {
    this.#cfg.bitrate = checkWhole(this.name, 'bitrate', bps, 6000, 510000, ' bit/s');
    this.#enc?.setBitrate(this.bitrate);
  }

  /** Tells libopus the loss expected (0–100 %), e.g. from RTCP; with FEC, LBRR needs > 0. */
  setPacketLossPercent(p: number): void {
    this.#cfg.packetLossPercent = checkWhole(this.name, 'packetLossPercent', p, 0, 100, ' %');
    this.#enc?.setPacketLossPercent(p);
  }

  /** 0–10. */
  setComplexity(c: number): void {
    this.#cfg.complexity = checkWhole(this.name, 'complexity', c, 0, 10);
    this.#enc?.setComplexity(c);
  }

  /** Turns in-band FEC on or off (the receiver must have said useinbandfec=1 for it to help). */
  setFec(on: boolean): void {
    this.#cfg.fec = on;
    this.#enc?.setInbandFec(on);
  }

  /** Changes the packet duration from the next packet on. */
  setPtimeMs(ms: number): void {
    this.#pendingPtime = checkPtime(this.name, ms);
    if (this.#fill === 0) this.#applyPtime();
  }

  override preprocess(_ctx: TickContext): void {
    this.#reset();
  }

  /** Frees the libopus state; a partial frame (< ptime) is dropped. */
  override postprocess(_ctx: TickContext): void {
    this.#reset();
    this.#enc?.destroy();
    this.#enc = null;
    this.#rate = 0;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'audio') throw new ConfigError(`${this.name}: input 0 takes audio frames, got an ${f.kind} frame`);
      if (!OPUS_API_RATES.includes(f.sampleRate) || (f.channels !== 1 && f.channels !== 2)) {
        throw new ConfigError(
          `${this.name}: input 0 must be ${OPUS_API_RATES.join('/')} Hz, mono or stereo; got ${f.sampleRate} Hz with ${f.channels} channel(s) ` +
            '(put a resampler in front of the encoder; AudioStream does this itself)',
        );
      }
      if (f.sampleRate !== this.#rate || f.channels !== this.#inChannels) this.#setup(f);
      this.#take(f);
    }
  }

  #setup(f: AudioFrame): void {
    if (this.#enc !== null) {
      // The input format changed: finish the frame in progress at the old format, start again.
      if (this.#fill > 0) this.#padAndEncode();
      log.debug(`${this.name}: input ${this.#rate} Hz × ${this.#inChannels} → ${f.sampleRate} Hz × ${f.channels}; new libopus state`);
      this.#enc.destroy();
      this.#enc = null;
      if (this.#nextTs !== null) this.#nextTs = Math.round((this.#nextTs * f.sampleRate) / this.#rate);
    }
    const c = this.#cfg;
    this.#rate = f.sampleRate;
    this.#inChannels = f.channels;
    this.#channels = f.channels === 2 && c.stereo ? 2 : 1;
    const enc = new OpusEncoderState({ sampleRate: this.#rate, channels: this.#channels, application: c.application });
    try {
      enc.setBitrate(this.bitrate);
      enc.setVbr(c.vbr);
      if (c.constrainedVbr !== undefined) enc.setVbrConstraint(c.constrainedVbr);
      if (c.complexity !== undefined) enc.setComplexity(c.complexity);
      enc.setInbandFec(c.fec);
      enc.setPacketLossPercent(c.packetLossPercent);
      enc.setDtx(c.dtx);
      enc.setMaxBandwidth(c.maxBandwidth);
      if (c.signal !== undefined) enc.setSignal(c.signal);
    } catch (err) {
      enc.destroy();
      throw err;
    }
    this.#enc = enc;
    this.#applyPtime();
  }

  #applyPtime(): void {
    if (this.#pendingPtime !== null) {
      this.#cfg.ptimeMs = this.#pendingPtime;
      this.#pendingPtime = null;
    }
    if (this.#rate === 0) return;
    this.#frameSamples = (this.#cfg.ptimeMs * this.#rate) / 1000;
    const need = this.#frameSamples * this.#channels;
    if (this.#pcm.length !== need) this.#pcm = new Int16Array(need);
  }

  #take(f: AudioFrame): void {
    const st = this.#stats;
    const src = f.samples;
    const inCh = f.channels;
    const n = src.length / inCh;
    st.framesIn++;
    st.samplesIn += n;
    if (this.#nextTs !== null && f.timestamp !== this.#nextTs) {
      st.discontinuities++;
      if (this.#fill > 0) this.#padAndEncode();
      this.#marker = true;
    }
    this.#nextTs = f.timestamp + n;
    const downmix = inCh === 2 && this.#channels === 1;
    let off = 0;
    while (off < n) {
      const fs = this.#frameSamples;
      if (this.#fill === 0) {
        this.#pktTs = f.timestamp + off;
        if (!downmix && n - off >= fs) {
          // A whole frame in the input: encode it where it is (no copy).
          this.#encode(src.subarray(off * inCh, (off + fs) * inCh));
          off += fs;
          continue;
        }
      }
      const k = Math.min(n - off, fs - this.#fill);
      const pcm = this.#pcm;
      if (downmix) {
        // (L + R) / 2 (RFC 7587 §7.1: no stereo to a receiver that asked for mono).
        for (let i = 0, o = this.#fill, s = off * 2; i < k; i++, o++, s += 2) pcm[o] = (src[s]! + src[s + 1]!) >> 1;
      } else {
        pcm.set(src.subarray(off * inCh, (off + k) * inCh), this.#fill * inCh);
      }
      this.#fill += k;
      off += k;
      if (this.#fill === fs) this.#encode(pcm);
    }
  }

  /** Completes the frame in progress with silence and encodes it. */
  #padAndEncode(): void {
    this.#pcm.fill(0, this.#fill * this.#channels);
    this.#encode(this.#pcm);
  }

  #encode(pcm: Int16Array): void {
    const enc = this.#enc!;
    const st = this.#stats;
    const len = enc.encode(pcm, this.#out);
    const scale = OPUS_RTP_CLOCK_RATE / this.#rate;
    const ts = this.#pktTs * scale;
    const duration = this.#frameSamples * scale;
    this.#fill = 0;
    st.encoded++;
    if (this.#pendingPtime !== null) this.#applyPtime();
    if (this.#cfg.dtx && isOpusDtxPacket(len)) {
      // RFC 7587 §3.1.3: DTX frames are not transmitted (whole frames only); the next packet
      // sent starts a talkspurt (RFC 3551 §4.1).
      st.dtxFrames++;
      this.#marker = true;
      return;
    }
    const frame: EncodedFrame = {
      kind: 'encoded',
      data: this.#out.slice(0, len),
      timestamp: ts,
      marker: this.#marker,
      payloadType: this.payloadType,
      duration,
    };
    this.#marker = false;
    st.packetsOut++;
    st.bytesOut += len;
    this.push(0, frame);
  }

  #reset(): void {
    this.#fill = 0;
    this.#nextTs = null;
    this.#marker = true;
  }
}

// ──────────────────────────────────────────────────────────────────────────────── decoder ──

export interface OpusDecoderOptions extends DecoderOptions {
  /** Output rate: 8000, 12000, 16000, 24000 or 48000 Hz (default 48000, the descriptor's). */
  sampleRate?: number;
  /** Output channels, 1 or 2 (default 2, the descriptor's). */
  channels?: 1 | 2;
  /** Hold one frame so FEC can use the next packet (+1 packet of delay); default: fmtp useinbandfec=1. */
  fecLookahead?: boolean;
}

export interface OpusDecoderStats {
  /** Payloads decoded. */
  packets: number;
  /** Their bytes. */
  bytes: number;
  /** Samples (per channel, at the output rate) produced, concealment included. */
  samples: number;
  /** `lost` frames received. */
  lostFrames: number;
  /** 48 kHz samples those stood for. */
  lostSamples: number;
  /** Spans concealed by libopus's PLC (lost frames and undecodable payloads). */
  plcFrames: number;
  /** Lost frames recovered from the next packet's in-band FEC. */
  fecFrames: number;
  /** Undecodable payloads (garbage, truncated, oversized), each concealed. */
  decodeErrors: number;
  /** Payloads decoded although their payload type is not the configured one. */
  otherPayloadType: number;
}

/**
 * Gives the payload of the packet starting at an extended RTP timestamp (48 kHz) if the jitter
 * buffer already holds it, without removing it (Mediastreamer2's MSRtpPayloadPicker).
 */
export type OpusPayloadPicker = (timestamp: number) => Uint8Array | undefined;

export class OpusDecoder extends Filter<Record<never, never>> implements DecodeErrorCounter {
  readonly type = 'opus-decoder';
  readonly payloadType: number;
  /** Output rate and channels. */
  readonly sampleRate: number;
  readonly channels: number;
  /** Whether frames are held one behind so FEC always sees the next packet. */
  readonly fecLookahead: boolean;
  #dec: OpusDecoderState | null = null;
  #picker: OpusPayloadPicker | undefined;
  #pending: EncodedFrame | null = null;
  readonly #batch: EncodedFrame[] = [];
  /** Span of the last packet decoded, 48 kHz samples (for a lost frame that does not say). */
  #lastSpan = 960;
  /** Fraction of an output sample owed by the 48 kHz → output rate conversion of spans. */
  #carry = 0;
  /** Output samples in 2.5 ms, libopus's concealment granularity. */
  readonly #unit: number;
  readonly #maxSamples: number;
  readonly #stats: OpusDecoderStats = {
    packets: 0, bytes: 0, samples: 0, lostFrames: 0, lostSamples: 0, plcFrames: 0, fecFrames: 0, decodeErrors: 0, otherPayloadType: 0,
  };

  /** Throws ConfigError for bad options or fmtp values; NativeLibraryError when libopus is missing. */
  constructor(options: OpusDecoderOptions) {
    super({ inputs: 1, outputs: 1 });
    this.payloadType = checkPayloadType(this.type, options?.payloadType);
    const fm = parseOpusFmtp(options.fmtp, `${this.type} fmtp`);
    this.sampleRate = checkRate(this.type, options.sampleRate ?? OPUS_RTP_CLOCK_RATE, 'sampleRate');
    const ch = options.channels ?? 2;
    if (ch !== 1 && ch !== 2) throw new ConfigError(`${this.type}: channels must be 1 or 2, got ${String(ch)}`);
    this.channels = ch;
    this.fecLookahead = options.fecLookahead ?? fm.useinbandfec === 1;
    this.#unit = this.sampleRate / 400;
    this.#maxSamples = (OPUS_MAX_PACKET_SAMPLES_48K * this.sampleRate) / OPUS_RTP_CLOCK_RATE;
    if (fm.spropStereo !== undefined || fm.spropMaxcapturerate !== undefined) {
      log.debug({ spropStereo: fm.spropStereo, spropMaxcapturerate: fm.spropMaxcapturerate }, `${this.type}: sender hints noted; output stays ${this.sampleRate} Hz × ${ch}`);
    }
    this.#state(); // fail now, not on the first packet, when libopus is missing
  }

  get decodeErrors(): number {
    return this.#stats.decodeErrors;
  }

  get decoderStats(): Readonly<OpusDecoderStats> {
    return { ...this.#stats };
  }

  /** Lets FEC look into the jitter buffer for the packet after a loss (see the file comment). */
  setPayloadPicker(picker: OpusPayloadPicker | undefined): void {
    this.#picker = picker;
  }

  override postprocess(_ctx: TickContext): void {
    this.#pending = null;
    this.#carry = 0;
    this.#dec?.destroy();
    this.#dec = null;
  }

  process(_ctx: TickContext): void {
    const batch = this.#batch;
    batch.length = 0;
    if (this.#pending !== null) {
      batch.push(this.#pending);
      this.#pending = null;
    }
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') {
        this.#pending = null;
        throw new ConfigError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      }
      batch.push(f);
    }
    const end = this.fecLookahead ? batch.length - 1 : batch.length;
    for (let i = 0; i < end; i++) this.#handle(batch[i]!, batch[i + 1]);
    if (this.fecLookahead && batch.length > 0) this.#pending = batch[batch.length - 1]!;
    batch.length = 0;
  }

  #state(): OpusDecoderState {
    return (this.#dec ??= new OpusDecoderState({ sampleRate: this.sampleRate, channels: this.channels }));
  }

  #handle(f: EncodedFrame, next: EncodedFrame | undefined): void {
    if (f.lost) {
      const span = f.duration !== undefined && f.duration > 0 ? f.duration : this.#lastSpan;
      this.#stats.lostFrames++;
      this.#stats.lostSamples += span;
      this.#conceal(f.timestamp, span, next);
      return;
    }
    if (f.payloadType !== this.payloadType) this.#stats.otherPayloadType++;
    const data = f.data;
    const span = opusPayloadDuration(data);
    const st = this.#stats;
    if (span !== undefined) {
      const n = (span * this.sampleRate) / OPUS_RTP_CLOCK_RATE;
      const pcm = new Int16Array(n * this.channels);
      const got = this.#state().decode(data, pcm, n);
      if (got === n) {
        st.packets++;
        st.bytes += data.length;
        st.samples += n;
        this.#lastSpan = span;
        this.#carry = 0;
        this.push(0, { kind: 'audio', samples: pcm, sampleRate: this.sampleRate, channels: this.channels, timestamp: this.#outTs(f.timestamp) });
        return;
      }
    }
    // Not an Opus packet (RFC 6716 §3.4), or libopus refused it: count it, conceal its span.
    st.decodeErrors++;
    this.#conceal(f.timestamp, f.duration !== undefined && f.duration > 0 ? f.duration : this.#lastSpan, undefined);
  }

  /** Makes up `span` (48 kHz samples) from timestamp `ts`: FEC from the next packet if it has some, else PLC. */
  #conceal(ts: number, span: number, next: EncodedFrame | undefined): void {
    const exact = (span * this.sampleRate) / OPUS_RTP_CLOCK_RATE + this.#carry;
    const n = Math.floor(exact + 1e-9);
    this.#carry = exact - n;
    if (n <= 0) return;
    const ch = this.channels;
    const dec = this.#state();
    let fecFrom: Uint8Array | undefined;
    const end = ts + span;
    if (next !== undefined) {
      if (!next.lost && Math.abs(next.timestamp - end) < 0.5) fecFrom = next.data;
    } else if (this.#picker !== undefined) {
      fecFrom = this.#picker(end);
    }
    // libopus decodes FEC for exactly the missing duration, a multiple of 2.5 ms (opus.h).
    if (fecFrom !== undefined && n % this.#unit === 0 && n <= this.#maxSamples && opusPayloadHasFec(fecFrom)) {
      const pcm = new Int16Array(n * ch);
      if (dec.decode(fecFrom, pcm, n, true) === n) {
        this.#stats.fecFrames++;
        this.#emitConcealed(pcm, n, ts);
        return;
      }
    }
    const whole = Math.ceil(n / this.#unit) * this.#unit;
    const pcm = new Int16Array(whole * ch);
    for (let done = 0; done < whole; ) {
      const chunk = Math.min(whole - done, this.#maxSamples);
      const got = dec.decode(null, pcm.subarray(done * ch), chunk);
      if (got <= 0) break; // cannot happen for a valid state; leave the rest silent
      done += got;
    }
    this.#stats.plcFrames++;
    this.#emitConcealed(whole === n ? pcm : pcm.subarray(0, n * ch), n, ts);
  }

  #emitConcealed(pcm: Int16Array, n: number, ts: number): void {
    this.#stats.samples += n;
    this.push(0, { kind: 'audio', samples: pcm, sampleRate: this.sampleRate, channels: this.channels, timestamp: this.#outTs(ts), concealed: true });
  }

  #outTs(ts48: number): number {
    return this.sampleRate === OPUS_RTP_CLOCK_RATE ? ts48 : Math.round((ts48 * this.sampleRate) / OPUS_RTP_CLOCK_RATE);
  }
}

// ───────────────────────────────────────────────────────────────────────────── descriptor ──

export function createOpusEncoder(options: OpusEncoderOptions): OpusEncoder {
  return new OpusEncoder(options);
}

export function createOpusDecoder(options: OpusDecoderOptions): OpusDecoder {
  return new OpusDecoder(options);
}

/**
 * Opus, opus/48000/2 (RFC 7587 §7: clock 48000 and 2 channels in SDP whatever is sent), default
 * dynamic PT 114 (mediastream's). The stream feeds the encoder 48 kHz stereo and reads 48 kHz
 * stereo from the decoder; the encoder sends mono unless the receiver's fmtp says stereo=1.
 */
export const OPUS_CODEC: CodecDescriptor = {
  mime: 'opus',
  clockRate: OPUS_RTP_CLOCK_RATE,
  channels: 2,
  sampleRate: OPUS_RTP_CLOCK_RATE,
  defaultPayloadType: OPUS_DEFAULT_PAYLOAD_TYPE,
  frameMs: 20,
  defaultPtimeMs: 20,
  bitrates: '32 kbit/s (6–510, VBR/CBR)',
  description: 'Opus (RFC 6716, RTP RFC 7587): SILK/CELT/hybrid, NB–FB, mono/stereo, in-band FEC, DTX, libopus PLC',
  library: { name: LIBOPUS.name, debianPackage: LIBOPUS.debianPackage },
  hasPlc: true,
  isQuietPayload: isOpusQuietPayload,
  payloadDuration: opusPayloadDuration,
  createEncoder: (options) => createOpusEncoder(options),
  createDecoder: (options) => createOpusDecoder(options),
};

/**
 * Registers opus/48000/2 (PT 114): available when libopus loads, else unavailable with the
 * reason (which names the Debian package, libopus0). Leaves an already registered one as it is.
 */
export function registerOpusCodecs(registry: Registry): void {
  if (registry.findCodec(OPUS_CODEC.mime, OPUS_CODEC.clockRate, OPUS_CODEC.channels) !== undefined) return;
  const a = probeOpus();
  registry.registerCodec(OPUS_CODEC, a.available ? true : a.reason);
}
