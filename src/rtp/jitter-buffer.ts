/**
 * Adaptive jitter buffer, sans-IO: packets go in with their arrival time (`put`), and a receiver
 * ticker asks, every tick, for what is due now (`pull`). No timers, no sockets, no clock: every
 * method takes the time, so a 60 s call replays in milliseconds and deterministically.
 *
 * ## Time model
 * Every packet gets an extended sequence number (RFC 3550 §A.1: 16-bit wrap undone) and an
 * extended timestamp (32-bit wrap undone, counted from the stream's first packet). The buffer
 * keeps a *playout position* `pos` on that timestamp axis: the media instant the output is at.
 * Each pull advances it by the elapsed local time (in clock units) and hands over packets or
 * spans to conceal up to there: the decoder filter after us, running at the ticker's rate,
 * always has the tick's worth and never more than one packet beyond. Buffering delay is then
 * the *offset* between local time and `pos`: a packet stamped t is heard at local time
 * t + offset. (The ticker's clock is the output's: drift between it and the sender's shows as
 * a slowly moving offset, which the moves below correct like any other.)
 *
 * The offset moves in three ways only, each at a point where it costs least:
 * - **hold** (offset grows): when nothing is left to play and no later packet has arrived (the
 *   network stalls, or the sender is silent), the position waits instead of running past media
 *   that has not arrived. The decoder conceals meanwhile — it would have to anyway — and the
 *   stalled packets, when they come, are played instead of being declared late. Holds stop at
 *   `maxMs` of buffering. This is what keeps bursty networks (Wi-Fi, 3G) from producing the
 *   hundreds of "late" packets a fixed-schedule buffer drops. The same wait applies when the
 *   next packet is missing but hardly anything (< 100 ms, < half the target) has arrived past
 *   it: it was more likely overtaken than lost.
 * - **silence** (either way, for free): across a gap where the sender sent nothing (DTX, VAD;
 *   the sequence number is contiguous but the timestamp jumps, or the marker bit starts a
 *   talkspurt, RFC 3551 §4.1), the position jumps or waits to land on the target.
 * - **skip** (offset shrinks during speech): one whole packet is dropped, counted in `skipped`,
 *   when the delay exceeds the target by at least that packet, never two in a row, and not
 *   while the sender has been pausing lately (its next pause will do it for free). NetEQ would
 *   time-compress instead; that needs the decoded audio and belongs to the decoder side.
 *
 * Each of these is a decision only the buffer can take, at a packet boundary: the decoder gets
 * whole packets and spans to conceal, never a request to cut inside a frame.
 *
 * ## Target
 * As in Mediastreamer2/oRTP's RLS jitter control (oRTP jitterctl.c, `jitter_control_new_packet_rls`):
 * the sender clock is fitted against ours by recursive least squares (clock-drift.ts), so
 * drift is not mistaken for jitter; over a sliding window (`windowMs`; oRTP's `refresh_ms`
 * plays that part for its `ortp_extremum` of deviations) each packet's one-way transit, drift
 * compensated, gives a baseline (the fastest packet) and a spread (slowest − fastest). The
 * target is spread + headroom, within [minMs, maxMs]; it jumps up at once when the spread
 * grows and comes down slowly when it shrinks: at `rampDownMsPerSecond` at least, faster in
 * proportion to the excess (time constant `rampDownTimeConstantMs`). It starts at `nominalMs`.
 * With `adaptive: false` the target stays at `nominalMs`: packets beyond it are late, holds
 * only restore the nominal delay, and drift is still corrected (skips and holds).
 *
 * Defaults (window 1 s, ramp 20 ms/s + 4 s time constant, max 1000 ms) were chosen by
 * replaying Mediastreamer2's bursty captures (bench/jitter-replay.ts): a longer window or a
 * slower descent drops fewer packets but keeps more delay, a faster one the reverse; the
 * bench prints the trade-off. 4 s is the slowest descent whose mean delay stays below
 * `mediastream`'s on every capture with no more late packets (10 s kept 557 ms against its
 * 485 ms on the capture that ends after a 1.1 s stall); the price is more packets skipped
 * (dropped in time, counted apart from late ones).
 *
 * ## What counts as what (the stats)
 * - `late`: arrived after its playout instant had passed (its span was already concealed or
 *   played): dropped, as oRTP does with its `outoftime` packets. Delivering it anyway would only
 *   repeat audio the PLC already replaced.
 * - `lost`: RFC 3550 §A.3 style over what has been played: sequence numbers passed without the
 *   packet ever arriving. A lost packet that turns up later moves from `lost` to `late`.
 * - `duplicated`: the same sequence number again (within the last 4096), dropped.
 * - `skipped`: arrived in time, dropped to bring the delay down (see above). oRTP counts the
 *   equivalent drops (`rtp_getq` rejecting older due packets) in `outoftime`, so compare
 *   `late + skipped` with oRTP's figure.
 * - `discarded`: dropped because the buffer was over `maxPackets` (receiver not pulling), or
 *   flushed by an SSRC change or a sequence restart.
 * - delays: `meanDelayMs` averages, over played packets, (instant its first sample is output −
 *   arrival). `meanQueueSpanMs` is oRTP's "jitter buffer size" measure (newest − oldest
 *   timestamp in the queue, sampled at each enqueue), kept for comparison with its reports.
 *
 * Discontinuities: a sequence jump beyond RFC 3550's MAX_DROPOUT (3000), or back beyond
 * MAX_MISORDER (100) with a timestamp that is not older too, is believed when the next packet
 * follows it (A.1) and restarts the stream; a packet far behind in both is just very late. A
 * timestamp ahead of the arrival clock by more than `timestampJumpMs`, or behind its
 * predecessor's by more than 100 ms, while the sequence advances (a sender that restarted its
 * clock) is re-based so the timeline continues. A new SSRC resets the buffer; the stats go on.
 */
import { ConfigError } from '../core/errors.js';
import { ClockDriftEstimator } from './clock-drift.js';

/** The RTP fields the buffer needs (an `RtpPacket` from packet.ts has them all). */
export interface JitterInput {
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  ssrc: number;
  payloadType: number;
  payload: Uint8Array;
  /**
   * Media span of the packet in clock units, when the caller knows it (e.g. from the Opus TOC
   * byte). Optional: otherwise the distance to the next packet, or the usual frame, is used.
   */
  durationTs?: number;
}

export interface JitterBufferOptions {
  /** RTP clock rate of the payload, Hz (8000 for PCMU, 48000 for Opus). Integer in [1000, 1000000]. Required. */
  clockRate: number;
  /** Starting target delay, ms (the CLI's `--jitter`). In [minMs, maxMs]. Default 80 (oRTP's default). */
  nominalMs?: number;
  /** Smallest target delay, ms, in [0, nominalMs]. Default min(40, nominalMs). */
  minMs?: number;
  /** Largest buffering delay, ms, in [nominalMs, 10000]. Default 1000 (what Mediastreamer2's own tests use). */
  maxMs?: number;
  /** Follow the network's jitter (true) or keep `nominalMs` (false). Default true. */
  adaptive?: boolean;
  /** Sliding window over which jitter is measured, ms, in [200, 60000]. Default 1000 (chosen by replay: bench/jitter-replay.ts). */
  windowMs?: number;
  /** Slowest descent of the target, ms of delay per second, in [0, 1000]. Default 20. */
  rampDownMsPerSecond?: number;
  /** Descent in proportion to the excess: time constant, ms, in [0, 600000]; 0 = linear only. Default 4000. */
  rampDownTimeConstantMs?: number;
  /** Margin added to the measured spread, ms, in [0, 500]. Default 10 (one tick). */
  headroomMs?: number;
  /** Packets held at most; beyond, the oldest is discarded. Integer in [4, 100000]. Default max(64, 0.3 × maxMs). */
  maxPackets?: number;
  /** Timestamp/arrival disagreement that counts as a sender clock jump, ms, in [maxMs, 3600000]. Default max(5000, 2 × maxMs). */
  timestampJumpMs?: number;
  /** Largest sender clock rate error believed, as a fraction, in [0, 0.1]. Default 0.02. */
  maxClockDrift?: number;
  /**
   * Tells whether a packet carries quiet audio (the stream supplies it when its codec can tell
   * cheaply, e.g. G.711 by its decoded level). When given, delay is shed by skipping quiet packets
   * (pauses between words) and a loud one only when the delay is over the target by more than
   * `loudSkipExcessMs`: dropping 20 ms of a vowel is audible, of a pause not. Default: none (any
   * packet may be skipped).
   */
  isQuiet?: (packet: JitterInput) => boolean;
  /** With isQuiet: excess delay over the target beyond which loud packets are skipped too, ms, in [0, 2000]. Default 100. */
  loudSkipExcessMs?: number;
}

/** A packet handed to the decoder, with what the buffer knows about it. */
export interface PlayoutPacket<P extends JitterInput = JitterInput> {
  packet: P;
  /** Sequence number with wraps undone (RFC 3550 §A.1). */
  extendedSequence: number;
  /** Timestamp relative to the stream's first packet, wraps and jumps undone (clock units). */
  extendedTimestamp: number;
  /**
   * Media span the buffer scheduled for it (clock units): the caller's `durationTs`, else the
   * distance to the next packet, else the usual frame. The buffer's accounting assumes the
   * decoder outputs this much for it; only a sender changing its packetisation without the
   * caller giving durations makes it differ, for a few packets.
   */
  durationTs: number;
  arrivalMs: number;
  /** Local time its first sample is output (the pull's time plus the audio queued before it). */
  playoutMs: number;
}

/** Why the decoder must make audio up for a span. */
export type ConcealReason =
  /** Packets are missing (sequence gap): run the PLC. */
  | 'loss'
  /**
   * Nothing to play (stall, end of stream, or silence not yet known as such): run the PLC. It
   * goes on for as long as the sender is silent; a decoder fades its PLC to silence meanwhile.
   */
  | 'underrun'
  /** The sender sent nothing for this span (DTX/VAD gap): comfort noise or silence. */
  | 'silence';

export type PlayoutItem<P extends JitterInput = JitterInput> =
  | { kind: 'packet'; packet: PlayoutPacket<P> }
  | {
      kind: 'conceal';
      reason: ConcealReason;
      durationTs: number;
      /** 'loss' only: packets known missing, counted on the item that closes the gap (a gap is concealed one frame per item). */
      packets: number;
    };

/** What one pull hands to the decoder, in playout order. */
export interface PullResult<P extends JitterInput = JitterInput> {
  items: PlayoutItem<P>[];
  /** The packets among `items`, for decoders that only want those. */
  packets: PlayoutPacket<P>[];
  /** Packets newly known missing (their span is in a 'loss' item). */
  lostPackets: number;
  /** Clock units to conceal with PLC ('loss' + 'underrun'). */
  concealTs: number;
  /** Clock units of sender silence ('silence'). */
  silenceTs: number;
}

export type PutStatus = 'queued' | 'duplicate' | 'late' | 'discarded' | 'invalid';

export interface JitterBufferStats {
  /** Packets accepted (valid, not duplicates; late ones included, as RFC 3550 counts them). */
  received: number;
  /** Packets handed to the decoder. */
  delivered: number;
  late: number;
  lost: number;
  duplicated: number;
  /** Dropped in time to bring the delay down. */
  skipped: number;
  /** Dropped on overflow, or flushed by an SSRC change / sequence restart. */
  discarded: number;
  /** Malformed input (field out of range, sequence jump not confirmed). */
  invalid: number;
  ssrcChanges: number;
  /** Sequence restarts and timestamp jumps handled. */
  resyncs: number;
  /** Times the buffer ran dry while packets were expected (start of each hold or dry run). */
  underruns: number;
  /** Concealment asked of the decoder, ms, by reason. */
  concealedMs: { loss: number; underrun: number };
  /** Sender silence passed through, ms. */
  silenceMs: number;
  /** Current target delay, ms. */
  targetDelayMs: number;
  /** Current buffering delay (offset over the fastest recent path), ms. */
  currentDelayMs: number;
  /** Mean, over delivered packets, of output instant − arrival, ms (0 before any). */
  meanDelayMs: number;
  /** Media buffered ahead of the playout position, ms. */
  bufferedMs: number;
  /** oRTP's measure: newest − oldest timestamp queued, averaged at each enqueue, ms. */
  meanQueueSpanMs: number;
  /** Sender clock rate over ours, as estimated (1 = no drift). */
  clockRatio: number;
}

interface Entry<P> {
  packet: P;
  extSeq: number;
  extTs: number;
  arrivalMs: number;
}

interface TsRef {
  extSeq: number;
  ts32: number;
  extTs: number;
  arrivalMs: number;
}

const MAX_DROPOUT = 3000; // RFC 3550 §A.1
const MAX_MISORDER = 100; // RFC 3550 §A.1
const SEQ_RING = 4096; // duplicate detection memory, packets (power of two)
/** Skips are spread: at least this many frames of time between two (≥ 2 packets played). */
const SKIP_SPACING_FRAMES = 3;
/** A sender that paused this recently (DTX/VAD) will likely pause again: shed then, not in speech. */
const DEFER_SKIP_AFTER_SILENCE_MS = 2000;
/** A timestamp this far behind its predecessor's, with the sequence advancing, is a clock jump, ms. */
const BACKWARD_JUMP_MS = 100;
/** Longest wait for an overtaken packet when little is queued past it, ms. */
const WAIT_FOR_MISSING_MAX_MS = 100;

export class JitterBuffer<P extends JitterInput = JitterInput> {
  readonly clockRate: number;
  readonly nominalMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly adaptive: boolean;
  readonly windowMs: number;
  readonly rampDownMsPerSecond: number;
  readonly rampDownTimeConstantMs: number;
  readonly headroomMs: number;
  readonly maxPackets: number;
  readonly timestampJumpMs: number;
  readonly loudSkipExcessMs: number;
  private readonly isQuiet: ((packet: JitterInput) => boolean) | undefined;

  private readonly tsPerMs: number;
  private readonly drift: ClockDriftEstimator;
  private readonly seen = new Float64Array(SEQ_RING).fill(-1);

  // Stream state (reset on SSRC change / restart).
  private started = false;
  private ssrc = 0;
  private ref: TsRef = { extSeq: 0, ts32: 0, extTs: 0, arrivalMs: 0 };
  private prevRef: TsRef | undefined;
  private jumpSeq = -Infinity;
  private badSeq = -1;
  private queue: Entry<P>[] = [];
  // Playout position, clock units: the media instant the next pull's output starts with (it is
  // output, hence heard, from that pull's time on).
  private pos = 0;
  private covered = 0; // media handed to the decoder up to here (≥ pos)
  private lastPullMs: number | undefined;
  private startPending = false;
  private carryTs = 0; // decoder audio left from a previous stream, played before the new one
  private firstArrivalMs = 0;
  private lastDeliveredSeq: number | undefined;
  private deliveredEnd = 0; // media end of the last packet played or skipped
  private firstDeliveredSeq: number | undefined;
  private holding = false;
  private target: number; // ms
  private lastSkipMs = -Infinity;
  private lastSilenceMs = -Infinity;
  private frameSteps: number[] = [];
  private frameTs: number;
  // Transit window: arrival time and transit (arrival − sender time), ms.
  private winArrival: number[] = [];
  private winTransit: number[] = [];
  private winHead = 0;
  private baseline = 0;
  private lastDelay = 0;

  // Totals.
  private st = {
    received: 0,
    delivered: 0,
    late: 0,
    lost: 0,
    duplicated: 0,
    skipped: 0,
    discarded: 0,
    invalid: 0,
    ssrcChanges: 0,
    resyncs: 0,
    underruns: 0,
    concealLossTs: 0,
    concealUnderrunTs: 0,
    silenceTs: 0,
    delaySum: 0,
    spanSum: 0,
    spanCount: 0,
  };

  constructor(options: JitterBufferOptions) {
    if (options === null || typeof options !== 'object') throw new ConfigError('jitter buffer options must be an object with clockRate');
    const clockRate = options.clockRate;
    if (!Number.isInteger(clockRate) || clockRate < 1000 || clockRate > 1_000_000) {
      throw new ConfigError(`jitter buffer option clockRate must be an integer in [1000, 1000000] Hz, got ${String(clockRate)}`);
    }
    const nominalMs = options.nominalMs ?? 80;
    checkRange('nominalMs', nominalMs, 0, 10_000);
    const maxMs = options.maxMs ?? Math.max(1000, nominalMs);
    checkRange('maxMs', maxMs, 0, 10_000);
    if (nominalMs > maxMs) throw new ConfigError(`jitter buffer option nominalMs (${nominalMs}) must not exceed maxMs (${maxMs})`);
    const minMs = options.minMs ?? Math.min(40, nominalMs);
    checkRange('minMs', minMs, 0, 10_000);
    if (minMs > nominalMs) throw new ConfigError(`jitter buffer option minMs (${minMs}) must not exceed nominalMs (${nominalMs})`);
    const adaptive = options.adaptive ?? true;
    if (typeof adaptive !== 'boolean') throw new ConfigError(`jitter buffer option adaptive must be a boolean, got ${String(adaptive)}`);
    const windowMs = options.windowMs ?? 1000;
    checkRange('windowMs', windowMs, 200, 60_000);
    const ramp = options.rampDownMsPerSecond ?? 20;
    checkRange('rampDownMsPerSecond', ramp, 0, 1000);
    const tau = options.rampDownTimeConstantMs ?? 4_000;
    checkRange('rampDownTimeConstantMs', tau, 0, 600_000);
    const headroomMs = options.headroomMs ?? 10;
    checkRange('headroomMs', headroomMs, 0, 500);
    const maxPackets = options.maxPackets ?? Math.max(64, Math.ceil(0.3 * maxMs));
    if (!Number.isInteger(maxPackets) || maxPackets < 4 || maxPackets > 100_000) {
      throw new ConfigError(`jitter buffer option maxPackets must be an integer in [4, 100000], got ${String(maxPackets)}`);
    }
    const jumpMs = options.timestampJumpMs ?? Math.max(5000, 2 * maxMs);
    checkRange('timestampJumpMs', jumpMs, maxMs, 3_600_000);
    const maxDrift = options.maxClockDrift ?? 0.02;
    checkRange('maxClockDrift', maxDrift, 0, 0.1);

    const loudSkip = options.loudSkipExcessMs ?? 100;
    checkRange('loudSkipExcessMs', loudSkip, 0, 2000);
    this.isQuiet = options.isQuiet;
    this.loudSkipExcessMs = loudSkip;

    this.clockRate = clockRate;
    this.nominalMs = nominalMs;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.adaptive = adaptive;
    this.windowMs = windowMs;
    this.rampDownMsPerSecond = ramp;
    this.rampDownTimeConstantMs = tau;
    this.headroomMs = headroomMs;
    this.maxPackets = maxPackets;
    this.timestampJumpMs = jumpMs;
    this.tsPerMs = clockRate / 1000;
    this.drift = new ClockDriftEstimator({ maxDrift });
    this.target = nominalMs;
    this.frameTs = 20 * this.tsPerMs;
  }

  // ---------------------------------------------------------------------------------------
  // Input side
  // ---------------------------------------------------------------------------------------

  /** Adds a received packet. Never throws on packet contents: faults are counted. */
  put(pkt: P, arrivalMs: number): PutStatus {
    const seq = pkt.sequenceNumber;
    const ts = pkt.timestamp;
    if (
      !Number.isFinite(arrivalMs) ||
      !Number.isInteger(seq) || seq < 0 || seq > 0xffff ||
      !Number.isInteger(ts) || ts < 0 || ts > 0xffffffff ||
      !Number.isInteger(pkt.ssrc)
    ) {
      this.st.invalid++;
      return 'invalid';
    }
    const ssrc = pkt.ssrc >>> 0;
    if (!this.started || ssrc !== this.ssrc) {
      if (this.started) this.st.ssrcChanges++;
      this.startStream(pkt, ssrc, arrivalMs);
      return this.accept(pkt, this.ref.extSeq, 0, arrivalMs, true);
    }

    // Extended sequence number relative to the highest seen (RFC 3550 §A.1).
    const d = ((seq - (this.ref.extSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    // Far behind in both sequence and timestamp, within the duplicate memory: a very late
    // packet of this stream (a long stall), not a restart.
    const veryLate = d < -MAX_MISORDER && d > -SEQ_RING && ((ts - this.ref.ts32) | 0) < 0;
    if (d > MAX_DROPOUT || (d < -MAX_MISORDER && !veryLate)) {
      // A.1: a big jump is believed only when the next packet follows it.
      if (seq === this.badSeq) {
        this.st.resyncs++;
        this.startStream(pkt, ssrc, arrivalMs);
        return this.accept(pkt, this.ref.extSeq, 0, arrivalMs, true);
      }
      this.badSeq = (seq + 1) & 0xffff;
      this.st.invalid++;
      return 'invalid';
    }
    this.badSeq = -1;
    const extSeq = this.ref.extSeq + d;
    if (this.seen[extSeq & (SEQ_RING - 1)] === extSeq) {
      this.st.duplicated++;
      return 'duplicate';
    }

    let extTs: number;
    if (d > 0) {
      extTs = this.ref.extTs + ((ts - this.ref.ts32) | 0);
      const dTsMs = (extTs - this.ref.extTs) / this.tsPerMs;
      const dArrMs = arrivalMs - this.ref.arrivalMs;
      // A later packet stamped much later than the arrival clock explains, or stamped earlier
      // than its predecessor at all (never legitimate for audio): the sender's clock jumped.
      // (A smaller forward jump is indistinguishable from silence, and handled as such.)
      if (dTsMs - dArrMs > this.timestampJumpMs || dTsMs < -BACKWARD_JUMP_MS) {
        // Continue the timeline at the pace of arrivals, at least one frame per packet, so
        // nothing already buffered is disturbed.
        extTs = this.ref.extTs + Math.max(Math.round(dArrMs * this.tsPerMs), d * this.frameTs);
        this.prevRef = { ...this.ref };
        this.jumpSeq = extSeq;
        this.st.resyncs++;
      } else if (d === 1) {
        this.noteStep(extTs - this.ref.extTs);
      }
      this.ref = { extSeq, ts32: ts >>> 0, extTs, arrivalMs };
    } else {
      const r = extSeq < this.jumpSeq && this.prevRef ? this.prevRef : this.ref;
      extTs = r.extTs + ((ts - r.ts32) | 0);
    }
    return this.accept(pkt, extSeq, extTs, arrivalMs, false);
  }

  private startStream(pkt: P, ssrc: number, arrivalMs: number): void {
    // Whatever is queued belongs to the old stream: flushed. What the decoder already holds of
    // it is still played out before the new stream starts.
    this.st.discarded += this.queue.length;
    this.queue = [];
    this.carryTs = this.started && !this.startPending ? Math.max(0, this.covered - this.pos) : 0;
    this.covered = -Infinity; // nothing of the new stream is late until playout starts
    this.started = true;
    this.ssrc = ssrc;
    this.ref = { extSeq: pkt.sequenceNumber, ts32: pkt.timestamp >>> 0, extTs: 0, arrivalMs };
    this.prevRef = undefined;
    this.jumpSeq = -Infinity;
    this.badSeq = -1;
    this.seen.fill(-1);
    this.drift.reset();
    this.winArrival = [];
    this.winTransit = [];
    this.winHead = 0;
    this.frameSteps = [];
    this.frameTs = 20 * this.tsPerMs;
    this.lastDeliveredSeq = undefined;
    this.firstDeliveredSeq = undefined;
    this.holding = false;
    this.lastSkipMs = -Infinity;
    this.lastSilenceMs = -Infinity;
    this.target = this.nominalMs;
    this.baseline = arrivalMs; // its transit: arrival − sender time 0
    // The position is set at the first pull, so that this packet plays nominalMs after it arrived.
    this.startPending = true;
    this.firstArrivalMs = arrivalMs;
    this.lastDelay = this.nominalMs;
  }

  private accept(pkt: P, extSeq: number, extTs: number, arrivalMs: number, first: boolean): PutStatus {
    this.seen[extSeq & (SEQ_RING - 1)] = extSeq;
    this.st.received++;
    const senderMs = extTs / this.tsPerMs;
    this.drift.update(arrivalMs, senderMs);
    this.winArrival.push(arrivalMs);
    this.winTransit.push(arrivalMs - senderMs);
    if (first) return this.enqueue({ packet: pkt, extSeq, extTs, arrivalMs });

    // Its span has been played or concealed already, or a later packet has been played.
    const tooOld = extTs < this.covered - 0.5 || (this.lastDeliveredSeq !== undefined && extSeq < this.lastDeliveredSeq);
    if (tooOld) {
      this.st.late++;
      // Counted lost when the position passed it; it did arrive after all (RFC 3550 counts it).
      if (
        this.lastDeliveredSeq !== undefined &&
        this.firstDeliveredSeq !== undefined &&
        extSeq < this.lastDeliveredSeq &&
        extSeq > this.firstDeliveredSeq
      ) {
        this.st.lost--;
      }
      return 'late';
    }
    return this.enqueue({ packet: pkt, extSeq, extTs, arrivalMs });
  }

  private enqueue(e: Entry<P>): PutStatus {
    const q = this.queue;
    let i = q.length;
    while (i > 0 && q[i - 1].extSeq > e.extSeq) i--;
    if (i === q.length) q.push(e);
    else q.splice(i, 0, e);
    // Neighbours in sequence tell the frame duration (used when the next packet is unknown).
    if (i > 0 && q[i - 1].extSeq === e.extSeq - 1) this.noteStep(e.extTs - q[i - 1].extTs);
    let status: PutStatus = 'queued';
    if (q.length > this.maxPackets) {
      q.shift();
      this.st.discarded++;
      if (i === 0) status = 'discarded';
    }
    if (q.length > 0) {
      this.st.spanSum += (q[q.length - 1].extTs - q[0].extTs) / this.tsPerMs;
      this.st.spanCount++;
    }
    return status;
  }

  /** Keeps the usual frame duration: the smallest positive step between consecutive packets
   * lately (larger steps are silence gaps). Callers that know durations (Opus TOC) pass them
   * in `durationTs` and do not depend on this guess. */
  private noteStep(step: number): void {
    if (step <= 0 || step > 1000 * this.tsPerMs) return;
    const steps = this.frameSteps;
    steps.push(step);
    if (steps.length > 16) steps.shift();
    // The same longer step four times running is a new packet duration (the sender changed its
    // ptime), not silence: silences are of every length.
    const n = steps.length;
    if (n >= 4 && step > this.frameTs && steps[n - 2] === step && steps[n - 3] === step && steps[n - 4] === step) {
      steps.splice(0, n - 4);
    }
    this.frameTs = Math.min(...steps);
  }

  // ---------------------------------------------------------------------------------------
  // Output side
  // ---------------------------------------------------------------------------------------

  /**
   * What to play now. Call once per receiver tick with the current time (pulls before the first
   * packet are fine and teach the buffer the tick). The result covers the time elapsed since the
   * previous pull; what it hands over starts being heard at `nowMs`. Decode its items in order:
   * packets (whole: a decoder keeps what it does not output this tick for the next), and spans
   * to conceal. Over the pulls, items always amount to at least the elapsed time, so the
   * decoder never runs dry, and exceed it by less than one packet.
   */
  pull(nowMs: number): PullResult<P> {
    const out: PullResult<P> = { items: [], packets: [], lostPackets: 0, concealTs: 0, silenceTs: 0 };
    if (!Number.isFinite(nowMs)) return out;
    // The ticker's period is learnt from the pulls themselves, including those before the
    // stream starts; the very first pull of a stream covers the time since its first packet.
    const prevPull = this.lastPullMs ?? (this.started ? this.firstArrivalMs : nowMs);
    const elapsedMs = nowMs - prevPull;
    if (!this.started || elapsedMs <= 0) {
      if (this.lastPullMs === undefined || nowMs > this.lastPullMs) this.lastPullMs = nowMs;
      return out;
    }
    this.lastPullMs = nowMs;

    const tpm = this.tsPerMs;
    if (this.startPending) {
      // Media instant `pos` is heard at nowMs: put the first packet (timestamp 0) at
      // arrival + nominalMs.
      this.startPending = false;
      this.pos = (nowMs - this.firstArrivalMs - this.nominalMs) * tpm - this.carryTs;
      this.covered = this.pos + this.carryTs;
    }
    const leftover = this.covered - this.pos; // decoded audio still queued at the decoder
    let need = this.pos + elapsedMs * tpm; // media position to reach by the end of this pull
    let emitted = 0; // clock units queued before the next item

    this.updateTarget(nowMs, elapsedMs);
    // Offset between local time and media time: media instant `need − elapsed` is heard at
    // nowMs. Delay error: positive when the buffer holds more than the target.
    const offsetMs = (): number => nowMs + elapsedMs - need / tpm;
    let err = offsetMs() - (this.baseline + this.target);
    let delay = offsetMs() - this.baseline;

    const conceal = (reason: ConcealReason, span: number, packets: number): void => {
      if (span <= 0) return;
      out.items.push({ kind: 'conceal', reason, durationTs: span, packets });
      emitted += span;
      if (reason === 'silence') {
        out.silenceTs += span;
        // Before the first packet plays it is the pre-roll, not the sender's silence.
        if (this.firstDeliveredSeq !== undefined) this.st.silenceTs += span;
      } else {
        out.concealTs += span;
        if (reason === 'loss') this.st.concealLossTs += span;
        else this.st.concealUnderrunTs += span;
      }
    };

    // Holds the position while nothing is playable (the offset grows), within maxMs; beyond,
    // runs on, and whatever arrives for the span run over is late.
    // A fixed buffer (adaptive false) holds only back up to its target: that restores its delay
    // after the sender's clock, running slow, has drained it.
    const holdDry = (): void => {
      const gap = need - this.covered;
      const room = Math.max(0, ((this.adaptive ? this.maxMs : this.target) - delay) * tpm);
      const hold = Math.min(gap, room);
      conceal('underrun', gap, 0);
      need -= hold;
      delay += hold / tpm;
      err += hold / tpm;
      this.covered = need;
    };

    while (this.covered < need - 1e-9) {
      const q = this.queue;
      const h = q[0];
      if (h === undefined) {
        // Dry: a stall, sender silence or the end of the stream.
        if (!this.holding) this.st.underruns++;
        this.holding = true;
        holdDry();
        break;
      }
      const gapTs = h.extTs - this.covered;
      const seqGap = this.lastDeliveredSeq === undefined ? 0 : h.extSeq - this.lastDeliveredSeq - 1;
      const resuming = this.holding;

      if (gapTs <= 0.5 && seqGap <= 0) {
        // Continuous speech at a packet boundary: the only place to skip.
        this.holding = false;
        const dur = this.durationOf(0);
        const durMs = dur / tpm;
        const next = q[1];
        const overMax = delay - durMs > this.maxMs;
        if (
          !resuming &&
          next !== undefined &&
          next.extSeq === h.extSeq + 1 &&
          err >= durMs &&
          (overMax || this.isQuiet === undefined || err >= this.loudSkipExcessMs || this.isQuiet(h.packet)) &&
          (overMax ||
            (nowMs - this.lastSkipMs >= SKIP_SPACING_FRAMES * durMs &&
              // The sender has been pausing (DTX/VAD): the next silence sheds for free.
              (nowMs - this.lastSilenceMs > DEFER_SKIP_AFTER_SILENCE_MS || err >= 2 * this.target)))
        ) {
          q.shift();
          this.st.skipped++;
          this.lastDeliveredSeq = h.extSeq;
          if (this.firstDeliveredSeq === undefined) this.firstDeliveredSeq = h.extSeq;
          this.covered = h.extTs + dur;
          this.deliveredEnd = this.covered;
          need += dur;
          err -= durMs;
          delay -= durMs;
          this.lastSkipMs = nowMs;
          continue;
        }
        this.deliver(out, nowMs, leftover + emitted, dur);
        emitted += dur;
        continue;
      }

      if (seqGap > 0) {
        // Packets missing before h. If little has arrived past the gap, the missing ones are
        // more likely overtaken (reordered, or sent over a second path) than lost: wait for
        // them as for a stall. A loss in a steady stream has about the target's worth queued
        // behind it and is concealed at once.
        const queuedAfter = q[q.length - 1].extTs + this.frameTs - h.extTs;
        const waitLimit = Math.min(this.target / 2, WAIT_FOR_MISSING_MAX_MS) * tpm;
        if (this.adaptive && queuedAfter < waitLimit && delay < this.maxMs) {
          if (!resuming) this.st.underruns++;
          this.holding = true;
          holdDry();
          break;
        }
        this.holding = false;
        // A marker on h starts a talkspurt (RFC 3551 §4.1): the missing packets ended the
        // previous one, and the rest of the gap is silence, free to shorten or lengthen.
        const lossEnd = h.packet.marker
          ? Math.min(h.extTs, Math.max(this.covered, this.deliveredEnd + seqGap * this.frameTs))
          : h.extTs;
        // One frame at a time, as packets are handed over: a missing packet that turns up
        // before its slot is reached is still played.
        const chunkEnd = Math.min(lossEnd, this.covered + this.frameTs);
        if (chunkEnd >= lossEnd - 0.5) {
          const missing = this.countMissing(this.lastDeliveredSeq ?? h.extSeq, h.extSeq);
          this.st.lost += missing;
          out.lostPackets += missing;
          conceal('loss', lossEnd - this.covered, missing);
          this.covered = lossEnd;
          this.lastDeliveredSeq = h.extSeq - 1; // the gap is settled; silence (if any) follows
        } else {
          conceal('loss', chunkEnd - this.covered, 0);
          this.covered = chunkEnd;
        }
        continue;
      }

      // Sender silence before h (contiguous sequence, timestamp gap; DTX or VAD): the offset
      // may move here for free, toward the target.
      this.holding = false;
      if (this.lastDeliveredSeq !== undefined) this.lastSilenceMs = nowMs;
      if (err > 0) {
        const cut = Math.min(err * tpm, gapTs);
        this.covered += cut;
        need += cut;
        err -= cut / tpm;
        delay -= cut / tpm;
      } else if (err < 0) {
        const wait = Math.min(-err * tpm, need - this.covered);
        conceal('silence', wait, 0);
        need -= wait;
        err += wait / tpm;
        delay += wait / tpm;
      }
      const upTo = Math.min(h.extTs, need);
      conceal('silence', upTo - this.covered, 0);
      this.covered = Math.max(this.covered, upTo);
    }

    this.pos = need;
    this.lastDelay = delay;
    return out;
  }

  /** Hands the head packet to the decoder. */
  private deliver(out: PullResult<P>, nowMs: number, queuedTs: number, dur: number): void {
    const e = this.queue.shift();
    if (!e) return;
    const playoutMs = nowMs + queuedTs / this.tsPerMs;
    const p: PlayoutPacket<P> = {
      packet: e.packet,
      extendedSequence: e.extSeq,
      extendedTimestamp: e.extTs,
      durationTs: dur,
      arrivalMs: e.arrivalMs,
      playoutMs,
    };
    out.items.push({ kind: 'packet', packet: p });
    out.packets.push(p);
    this.st.delivered++;
    this.st.delaySum += playoutMs - e.arrivalMs;
    if (this.firstDeliveredSeq === undefined) this.firstDeliveredSeq = e.extSeq;
    this.lastDeliveredSeq = e.extSeq;
    this.covered = Math.max(this.covered, e.extTs + dur);
    this.deliveredEnd = e.extTs + dur;
  }

  /** Span of queue[i]: up to the next packet in sequence if known, else the usual frame. */
  private durationOf(i: number): number {
    const e = this.queue[i];
    const given = e.packet.durationTs;
    if (given !== undefined && Number.isFinite(given) && given >= 0) return given;
    const n = this.queue[i + 1];
    if (n !== undefined && n.extSeq === e.extSeq + 1) {
      const step = n.extTs - e.extTs;
      // A step longer than a frame is silence after this packet, not its duration.
      if (step >= 0 && step <= this.frameTs) return step;
    }
    return this.frameTs;
  }

  /** Sequence numbers strictly between a and b never received. */
  private countMissing(a: number, b: number): number {
    let n = 0;
    for (let s = a + 1; s < b; s++) if (this.seen[s & (SEQ_RING - 1)] !== s) n++;
    return n;
  }

  /** Baseline and target from the transit window (drift compensated), then the ramp. */
  private updateTarget(nowMs: number, elapsedMs: number): void {
    const from = nowMs - this.windowMs;
    while (this.winHead < this.winArrival.length && this.winArrival[this.winHead] < from) this.winHead++;
    if (this.winHead > 1024 && this.winHead * 2 > this.winArrival.length) {
      this.winArrival = this.winArrival.slice(this.winHead);
      this.winTransit = this.winTransit.slice(this.winHead);
      this.winHead = 0;
    }
    const n = this.winArrival.length - this.winHead;
    if (n === 0) return; // nothing heard lately: keep the last baseline and target
    const slope = this.drift.samples >= 50 ? this.drift.transitSlope : 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = this.winHead; i < this.winArrival.length; i++) {
      const v = this.winTransit[i] + slope * (nowMs - this.winArrival[i]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.baseline = lo;
    if (!this.adaptive) {
      this.target = this.nominalMs;
      return;
    }
    const want = Math.min(this.maxMs, Math.max(this.minMs, hi - lo + this.headroomMs));
    if (want >= this.target) this.target = want;
    else {
      // Down slowly: at least rampDownMsPerSecond, faster in proportion to the excess (time
      // constant rampDownTimeConstantMs), so a one-off spike of a second is shed in tens of
      // seconds, not minutes, and a small excess goes at the linear rate.
      let rate = this.rampDownMsPerSecond;
      if (this.rampDownTimeConstantMs > 0) rate = Math.max(rate, ((this.target - want) * 1000) / this.rampDownTimeConstantMs);
      this.target = Math.max(want, this.target - (rate * elapsedMs) / 1000);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Introspection
  // ---------------------------------------------------------------------------------------

  /** Packets waiting. */
  get size(): number {
    return this.queue.length;
  }

  getStats(): JitterBufferStats {
    const s = this.st;
    const last = this.queue[this.queue.length - 1];
    const bufferedTs = last ? Math.max(0, last.extTs + this.frameTs - this.pos) : Math.max(0, this.covered - this.pos);
    return {
      received: s.received,
      delivered: s.delivered,
      late: s.late,
      lost: s.lost,
      duplicated: s.duplicated,
      skipped: s.skipped,
      discarded: s.discarded,
      invalid: s.invalid,
      ssrcChanges: s.ssrcChanges,
      resyncs: s.resyncs,
      underruns: s.underruns,
      concealedMs: {
        loss: s.concealLossTs / this.tsPerMs,
        underrun: s.concealUnderrunTs / this.tsPerMs,
      },
      silenceMs: s.silenceTs / this.tsPerMs,
      targetDelayMs: this.target,
      currentDelayMs: this.lastDelay,
      meanDelayMs: s.delivered > 0 ? s.delaySum / s.delivered : 0,
      bufferedMs: bufferedTs / this.tsPerMs,
      meanQueueSpanMs: s.spanCount > 0 ? s.spanSum / s.spanCount : 0,
      clockRatio: this.drift.ratio,
    };
  }

  /** Drops everything queued and forgets the stream (the next packet starts afresh). Stats are kept. */
  reset(): void {
    this.st.discarded += this.queue.length;
    this.queue = [];
    this.started = false;
  }
}

function checkRange(name: string, v: number | undefined, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new ConfigError(`jitter buffer option ${name} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  }
}
