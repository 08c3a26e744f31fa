/**
 * Network impairment simulator (the counterpart of oRTP/Mediastreamer2's network simulator and of
 * Linux netem), sans-IO: it owns no socket and no timer. The caller pushes each datagram with the
 * current time and polls for the datagrams whose delivery time has come, arming its own timer
 * from {@link NetworkSimulator.nextDeliveryMs}. AudioStream places one simulator on each direction
 * between the RTP session and the UDP socket; the CLI maps `--netsim-*` onto these options.
 *
 * The path a packet takes, in this order (the order netem uses, and the one a real path has:
 * the bottleneck queue comes before the propagation delay):
 *   1. loss: uniform (`lossPct`) or bursty (`burstLoss`, a Gilbert–Elliott chain);
 *   2. duplication (`duplicatePct`): a surviving packet is sent twice, back to back;
 *   3. bottleneck link (`bandwidthBps`): each packet occupies the link for
 *      (bytes + overheadBytes) × 8 / bandwidthBps seconds behind the ones already queued; a packet
 *      that would overfill the queue (`queueLimitBytes` / `queueLimitMs`) is dropped (drop-tail);
 *   4. delay: `latencyMs` plus a uniform random `jitterMs`, kept in FIFO order unless
 *      `jitterReorders` is set;
 *   5. reordering (`reorderPct`): a packet is held back `reorderDelayMs` after its FIFO slot, so
 *      the following packets overtake it.
 *
 * Determinism: every random decision comes from a {@link Random} seeded by `seed`, split into one
 * independent stream per impairment (loss, duplication, jitter, reordering), so the same seed and
 * the same pushes/polls give the same output, and turning one impairment on does not change the
 * decisions of another (the packets lost with `lossPct: 5` are the same with or without jitter).
 */
import { ConfigError } from '../core/errors.js';
import { Random, cryptoRandomSeed } from '../core/random.js';

/**
 * Gilbert–Elliott loss: a two-state Markov chain advanced once per offered packet. In the Good
 * state a packet is lost with probability `lossInGood`, in the Bad state with `lossInBad`. All
 * four values are probabilities in [0, 1] (not percentages), the usual notation p, r, 1−h, 1−k.
 * The chain starts in Good (as netem's does). Long-run loss rate:
 *   πBad·lossInBad + πGood·lossInGood, with πBad = pGoodToBad / (pGoodToBad + pBadToGood).
 * With the defaults (lossInBad 1, lossInGood 0, the simple Gilbert model) the mean loss burst is
 * 1 / pBadToGood packets and the mean gap between bursts 1 / pGoodToBad packets.
 */
export interface GilbertElliottOptions {
  /** Probability in [0, 1] of moving Good → Bad after a packet. */
  pGoodToBad: number;
  /** Probability in [0, 1] of moving Bad → Good after a packet. */
  pBadToGood: number;
  /** Loss probability in [0, 1] in the Bad state. Default 1. */
  lossInBad?: number;
  /** Loss probability in [0, 1] in the Good state (background loss). Default 0. */
  lossInGood?: number;
}

/**
 * Bursty loss given as a mean loss rate (`lossPct`) and a mean burst length, the two numbers a
 * user usually knows (like oRTP's `consecutive_loss_probability`, which is 1 − 1/meanBurstLength).
 * It is turned into the simple Gilbert model: pBadToGood = 1 / meanBurstLength and
 * pGoodToBad = pBadToGood · L / (1 − L) with L = lossPct / 100, so that the long-run loss rate is
 * exactly L and losses come in runs of mean length `meanBurstLength`. Since the mean gap between
 * bursts (1 / pGoodToBad) cannot be shorter than one packet, L must not exceed
 * meanBurstLength / (1 + meanBurstLength).
 */
export interface BurstLengthOptions {
  /**
   * Mean number of consecutive lost packets, ≥ 1. 1 / (1 − L) gives the statistics of independent
   * loss; larger values bunch losses into bursts; 1 makes every loss isolated.
   */
  meanBurstLength: number;
}

export type BurstLossOptions = GilbertElliottOptions | BurstLengthOptions;

/** Options of {@link NetworkSimulator}. Every field is optional; `undefined` means the default. */
export interface NetworkSimulatorOptions {
  /**
   * Uniform (independent) packet loss, percent in [0, 100]. Default 0. With
   * `burstLoss: { meanBurstLength }` it is the mean loss rate of the bursty model instead; it must
   * be 0 with an explicit Gilbert–Elliott `burstLoss` (whose own probabilities set the rate).
   */
  lossPct?: number;
  /** Bursty loss; see {@link GilbertElliottOptions} and {@link BurstLengthOptions}. Default: none. */
  burstLoss?: BurstLossOptions;
  /** Fixed one-way delay, ms, ≥ 0. Default 0. */
  latencyMs?: number;
  /**
   * Random extra delay, ms, ≥ 0, drawn uniformly from [0, jitterMs] per packet. Default 0.
   * Uniform and bounded so that `latencyMs + jitterMs` is a hard upper bound on the delay after the
   * link, which jitter-buffer tests can rely on. Unless `jitterReorders` is set, a packet is never
   * delivered before the one pushed before it (delivery = max(own time, previous delivery)), as on
   * a real path where packets share queues: jittered packets then bunch up rather than swap.
   */
  jitterMs?: number;
  /** Let jitter reorder packets (netem's behaviour) instead of keeping FIFO order. Default false. */
  jitterReorders?: boolean;
  /**
   * Probability, percent in [0, 100], that a packet is held back `reorderDelayMs` after its FIFO
   * delivery time, so that the packets behind it overtake it. Default 0 (never reorder).
   */
  reorderPct?: number;
  /**
   * How long a reordered packet is held back, ms, ≥ 0. Default 40: two packets' worth at the usual
   * 20 ms ptime, so a held packet lands behind the next one or two.
   */
  reorderDelayMs?: number;
  /**
   * Probability, percent in [0, 100], that a packet that survived loss is delivered twice (the copy
   * right after the original, through the same link and delay). Default 0.
   */
  duplicatePct?: number;
  /**
   * Bottleneck bandwidth, bit/s, ≥ 0; 0 or absent means unlimited (as in Mediastreamer2). Each
   * packet occupies the link for (bytes + overheadBytes) × 8 / bandwidthBps seconds; packets
   * queue behind each other (a fluid, work-conserving FIFO link).
   */
  bandwidthBps?: number;
  /**
   * Bytes added to each datagram on the wire for the bandwidth model, integer ≥ 0. Default 28
   * (IPv4 20 + UDP 8); 48 for IPv6. Link-layer framing is not counted unless you add it here.
   */
  overheadBytes?: number;
  /**
   * Drop-tail limit of the link queue, bytes not yet transmitted including the arriving packet
   * (with its overhead), > 0 or Infinity. Needs `bandwidthBps`. A packet larger than the limit is
   * always dropped. Default: unlimited in bytes (but see `queueLimitMs`).
   */
  queueLimitBytes?: number;
  /**
   * Drop-tail limit of the link queue as time, ms, > 0 or Infinity: a packet is dropped when it
   * would finish transmitting more than this after its arrival (i.e. the bytes limit
   * bandwidthBps × queueLimitMs / 8000). Needs `bandwidthBps`. Default 1000 when `bandwidthBps` is
   * set and `queueLimitBytes` is not (a generously buffered router; it also bounds memory when a
   * sender far exceeds the cap); otherwise unlimited. When both limits are set the tighter applies.
   */
  queueLimitMs?: number;
  /**
   * Seed of the random decisions, any safe integer. Same seed + same pushes and polls ⇒ identical
   * output. Default: a random seed from node:crypto, readable as {@link NetworkSimulator.seed} so a
   * run can be replayed.
   */
  seed?: number;
}

/** The options after defaults and derivations, as the simulator uses them. */
export interface NetworkSimulatorConfig {
  readonly lossPct: number;
  /** The Gilbert–Elliott chain in use (explicit or derived from meanBurstLength), if any. */
  readonly gilbertElliott: Readonly<Required<GilbertElliottOptions>> | undefined;
  readonly latencyMs: number;
  readonly jitterMs: number;
  readonly jitterReorders: boolean;
  readonly reorderPct: number;
  readonly reorderDelayMs: number;
  readonly duplicatePct: number;
  /** 0 = unlimited. */
  readonly bandwidthBps: number;
  readonly overheadBytes: number;
  readonly queueLimitBytes: number;
  readonly queueLimitMs: number;
  readonly seed: number;
}

/** Counters. Invariant: offered + duplicated = droppedLoss + droppedQueue + delivered + inFlight. */
export interface NetworkSimulatorStats {
  /** Datagrams pushed. */
  offered: number;
  /** Their bytes (datagram payload, without overheadBytes). */
  offeredBytes: number;
  /** Dropped by the loss model (uniform or Gilbert–Elliott). */
  droppedLoss: number;
  /** Dropped because the link queue was full (drop-tail); copies from duplication included. */
  droppedQueue: number;
  /** Extra copies made by duplication. */
  duplicated: number;
  /**
   * Deliveries that came after a packet pushed later than them (RFC 4737's reordered packets),
   * counted as observed at delivery, whatever caused them (reorderPct or jitterReorders).
   */
  reordered: number;
  /** Datagrams delivered by poll (duplicates included). */
  delivered: number;
  /** Their bytes. */
  deliveredBytes: number;
}

/** One datagram handed back by {@link NetworkSimulator.poll}. */
export interface NetsimDelivery<T> {
  /** The datagram: the simulator's own copy, which the caller may keep or modify. */
  data: Uint8Array;
  /** What was passed to push (e.g. the remote address), the same object for a duplicate. */
  meta: T | undefined;
  /** The time it was pushed. */
  sentMs: number;
  /** The time it was due; poll may be later (the caller's timer), so use this as arrival time. */
  deliverMs: number;
}

interface InFlight<T> {
  deliverMs: number;
  /** Insertion order: breaks ties so equal times deliver in the order scheduled. */
  order: number;
  /** Push order (shared by a packet and its duplicate), for counting reordering. */
  seq: number;
  sentMs: number;
  data: Uint8Array;
  meta: T | undefined;
}

const OPTION_NAMES: ReadonlySet<string> = new Set([
  'lossPct',
  'burstLoss',
  'latencyMs',
  'jitterMs',
  'jitterReorders',
  'reorderPct',
  'reorderDelayMs',
  'duplicatePct',
  'bandwidthBps',
  'overheadBytes',
  'queueLimitBytes',
  'queueLimitMs',
  'seed',
]);

const DEFAULT_REORDER_DELAY_MS = 40;
const DEFAULT_OVERHEAD_BYTES = 28;
const DEFAULT_QUEUE_LIMIT_MS = 1000;
/** Slack for float comparisons of queue occupancy (a packet exactly at the limit is admitted). */
const EPSILON = 1e-9;

function fail(option: string, range: string, value: unknown): never {
  throw new ConfigError(`NetworkSimulator option ${option} must be ${range}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function numberIn(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  range: string,
  opts: { minExclusive?: boolean; allowInfinity?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) fail(option, range, value);
  if (value === Infinity && opts.allowInfinity) return value;
  if (!Number.isFinite(value) || value < min || value > max || (opts.minExclusive && value === min)) {
    fail(option, range, value);
  }
  return value;
}

function probability(option: string, value: unknown, fallback: number): number {
  return numberIn(option, value, fallback, 0, 1, 'a probability in [0, 1]');
}

function resolveOptions(options: NetworkSimulatorOptions): NetworkSimulatorConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`NetworkSimulator options must be an object, got ${describe(options)}`);
  }
  // A misspelt option (`loss` for `lossPct`) would otherwise silently simulate a perfect network.
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) {
      throw new ConfigError(
        `NetworkSimulator option ${key} is unknown; known options: ${[...OPTION_NAMES].join(', ')}`,
      );
    }
  }
  const pct = 'a percentage in [0, 100]';
  const nonNegMs = 'a finite number of ms ≥ 0';
  const lossPct = numberIn('lossPct', options.lossPct, 0, 0, 100, pct);
  const latencyMs = numberIn('latencyMs', options.latencyMs, 0, 0, Infinity, nonNegMs);
  const jitterMs = numberIn('jitterMs', options.jitterMs, 0, 0, Infinity, nonNegMs);
  const reorderPct = numberIn('reorderPct', options.reorderPct, 0, 0, 100, pct);
  const reorderDelayMs = numberIn(
    'reorderDelayMs',
    options.reorderDelayMs,
    DEFAULT_REORDER_DELAY_MS,
    0,
    Infinity,
    nonNegMs,
  );
  const duplicatePct = numberIn('duplicatePct', options.duplicatePct, 0, 0, 100, pct);
  const bandwidthBps = numberIn(
    'bandwidthBps',
    options.bandwidthBps,
    0,
    0,
    Infinity,
    'a finite number of bit/s ≥ 0 (0 = unlimited)',
  );
  const overheadBytes = numberIn(
    'overheadBytes',
    options.overheadBytes,
    DEFAULT_OVERHEAD_BYTES,
    0,
    65535,
    'an integer number of bytes in [0, 65535]',
  );
  if (!Number.isInteger(overheadBytes)) {
    fail('overheadBytes', 'an integer number of bytes in [0, 65535]', overheadBytes);
  }
  const jitterReorders = options.jitterReorders ?? false;
  if (typeof jitterReorders !== 'boolean') fail('jitterReorders', 'a boolean', jitterReorders);

  let queueLimitBytes = numberIn(
    'queueLimitBytes',
    options.queueLimitBytes,
    Infinity,
    0,
    Infinity,
    'a number of bytes > 0, or Infinity',
    { minExclusive: true, allowInfinity: true },
  );
  let queueLimitMs = numberIn(
    'queueLimitMs',
    options.queueLimitMs,
    Infinity,
    0,
    Infinity,
    'a number of ms > 0, or Infinity',
    { minExclusive: true, allowInfinity: true },
  );
  if (bandwidthBps === 0) {
    // A queue only builds behind a bottleneck; a limit without one is a configuration mistake.
    for (const name of ['queueLimitBytes', 'queueLimitMs'] as const) {
      if (options[name] !== undefined) {
        throw new ConfigError(`NetworkSimulator option ${name} needs bandwidthBps > 0 (no link queue without a bandwidth limit)`);
      }
    }
    queueLimitBytes = Infinity;
    queueLimitMs = Infinity;
  } else if (options.queueLimitBytes === undefined && options.queueLimitMs === undefined) {
    queueLimitMs = DEFAULT_QUEUE_LIMIT_MS;
  }

  let seed: number;
  if (options.seed === undefined) {
    seed = cryptoRandomSeed();
  } else {
    if (!Number.isSafeInteger(options.seed)) fail('seed', 'a safe integer', options.seed);
    seed = options.seed;
  }

  let gilbertElliott: Required<GilbertElliottOptions> | undefined;
  const burst: unknown = options.burstLoss;
  if (burst !== undefined) {
    if (typeof burst !== 'object' || burst === null) {
      fail('burstLoss', 'an object { meanBurstLength } or { pGoodToBad, pBadToGood, lossInBad?, lossInGood? }', burst);
    }
    const b = burst as Record<string, unknown>;
    if ('meanBurstLength' in b) {
      for (const key of Object.keys(b)) {
        if (key !== 'meanBurstLength') {
          throw new ConfigError(`NetworkSimulator option burstLoss.${key} cannot be combined with burstLoss.meanBurstLength`);
        }
      }
      const mean = numberIn('burstLoss.meanBurstLength', b.meanBurstLength, 1, 1, Infinity, 'a finite number of packets ≥ 1');
      const l = lossPct / 100;
      const maxPct = (100 * mean) / (1 + mean);
      if (lossPct > maxPct + EPSILON) {
        throw new ConfigError(
          `NetworkSimulator option lossPct must be ≤ ${maxPct.toFixed(3)} with burstLoss.meanBurstLength ${mean} (bursts of mean length ${mean} need gaps of at least one packet), got ${lossPct}`,
        );
      }
      const pBadToGood = 1 / mean;
      gilbertElliott = {
        pGoodToBad: l === 0 ? 0 : Math.min(1, (pBadToGood * l) / (1 - l)),
        pBadToGood,
        lossInBad: 1,
        lossInGood: 0,
      };
    } else {
      const known = new Set(['pGoodToBad', 'pBadToGood', 'lossInBad', 'lossInGood']);
      for (const key of Object.keys(b)) {
        if (!known.has(key)) {
          throw new ConfigError(
            `NetworkSimulator option burstLoss.${key} is unknown; use { meanBurstLength } or { pGoodToBad, pBadToGood, lossInBad?, lossInGood? }`,
          );
        }
      }
      for (const key of ['pGoodToBad', 'pBadToGood']) {
        if (b[key] === undefined) {
          throw new ConfigError(
            `NetworkSimulator option burstLoss.${key} is required (a probability in [0, 1]) unless burstLoss is { meanBurstLength }`,
          );
        }
      }
      if (lossPct !== 0) {
        throw new ConfigError(
          `NetworkSimulator option lossPct must be 0 with an explicit Gilbert–Elliott burstLoss (its probabilities set the loss rate; use burstLoss.lossInGood for background loss), got ${lossPct}`,
        );
      }
      gilbertElliott = {
        pGoodToBad: probability('burstLoss.pGoodToBad', b.pGoodToBad, 0),
        pBadToGood: probability('burstLoss.pBadToGood', b.pBadToGood, 0),
        lossInBad: probability('burstLoss.lossInBad', b.lossInBad, 1),
        lossInGood: probability('burstLoss.lossInGood', b.lossInGood, 0),
      };
    }
  }

  return Object.freeze({
    lossPct,
    gilbertElliott: gilbertElliott && Object.freeze(gilbertElliott),
    latencyMs,
    jitterMs,
    jitterReorders,
    reorderPct,
    reorderDelayMs,
    duplicatePct,
    bandwidthBps,
    overheadBytes,
    queueLimitBytes,
    queueLimitMs,
    seed,
  });
}

function emptyStats(): NetworkSimulatorStats {
  return {
    offered: 0,
    offeredBytes: 0,
    droppedLoss: 0,
    droppedQueue: 0,
    duplicated: 0,
    reordered: 0,
    delivered: 0,
    deliveredBytes: 0,
  };
}

/**
 * A one-way impaired path. Not thread-safe; use one per direction. Time is any monotonic ms clock
 * shared by push and poll (e.g. the ticker's); fractional ms are fine. A time earlier than one
 * already seen is treated as that time (the model cannot go back), so a caller's clock glitch
 * cannot schedule packets in the past.
 *
 * @typeParam T what travels with each datagram (e.g. the sender's address); opaque to the simulator.
 */
export class NetworkSimulator<T = undefined> {
  /** The options as used (defaults applied, burst model derived). */
  readonly config: NetworkSimulatorConfig;

  private lossRng!: Random;
  private duplicateRng!: Random;
  private jitterRng!: Random;
  private reorderRng!: Random;

  private readonly heap: InFlight<T>[] = [];
  private counters: NetworkSimulatorStats = emptyStats();
  private nowMs = -Infinity;
  private nextSeq = 0;
  private nextOrder = 0;
  private maxDeliveredSeq = -1;
  /** When the link finishes sending what is queued (bandwidth model). */
  private linkFreeMs = -Infinity;
  /** Delivery time of the last packet scheduled in FIFO order. */
  private lastFifoMs = -Infinity;
  private geBad = false;

  /** @throws ConfigError naming the option and its accepted range. */
  constructor(options: NetworkSimulatorOptions = {}) {
    this.config = resolveOptions(options);
    this.seedStreams();
  }

  /** The seed in use (the one given, or the random one drawn), to log for replaying a run. */
  get seed(): number {
    return this.config.seed;
  }

  /** A snapshot of the counters. */
  get stats(): NetworkSimulatorStats {
    return { ...this.counters };
  }

  /** Datagrams scheduled and not yet delivered (queued on the link or in flight). */
  get inFlight(): number {
    return this.heap.length;
  }

  /**
   * Offer a datagram to the path at time `nowMs`. The bytes are copied (callers reuse buffers);
   * a duplicate gets its own copy, so a receiver that decrypts in place cannot corrupt the other.
   * Never throws for packet-level reasons: losses and overflows are counted in {@link stats}.
   * @returns how many copies were scheduled: 0 (lost or dropped), 1, or 2 (duplicated).
   */
  push(packet: Uint8Array, nowMs: number, meta?: T): number {
    const now = this.advance(nowMs);
    const c = this.counters;
    c.offered++;
    c.offeredBytes += packet.byteLength;
    const seq = this.nextSeq++;

    if (this.isLost()) {
      c.droppedLoss++;
      return 0;
    }

    const cfg = this.config;
    const copies = cfg.duplicatePct > 0 && this.duplicateRng.nextFloat() * 100 < cfg.duplicatePct ? 2 : 1;
    let scheduled = 0;
    for (let i = 0; i < copies; i++) {
      if (i === 1) c.duplicated++;
      const departMs = this.transmit(packet.byteLength, now);
      if (departMs === undefined) {
        c.droppedQueue++;
        continue;
      }
      this.schedule(packet.slice(), meta, seq, now, departMs);
      scheduled++;
    }
    return scheduled;
  }

  /**
   * The datagrams due at or before `nowMs`, in delivery order (ties in the order they were
   * scheduled). An empty array when none is due.
   */
  poll(nowMs: number): NetsimDelivery<T>[] {
    const now = this.advance(nowMs);
    const out: NetsimDelivery<T>[] = [];
    const c = this.counters;
    while (this.heap.length > 0 && this.heap[0].deliverMs <= now) {
      const p = this.popMin();
      if (p.seq < this.maxDeliveredSeq) c.reordered++;
      else this.maxDeliveredSeq = p.seq;
      c.delivered++;
      c.deliveredBytes += p.data.byteLength;
      out.push({ data: p.data, meta: p.meta, sentMs: p.sentMs, deliverMs: p.deliverMs });
    }
    return out;
  }

  /** When the next datagram is due (arm a timer for it), or undefined when nothing is in flight. */
  nextDeliveryMs(): number | undefined {
    return this.heap.length > 0 ? this.heap[0].deliverMs : undefined;
  }

  /**
   * Back to the initial state: in-flight datagrams discarded, counters zeroed, link idle, loss
   * chain in Good, clock forgotten, and the random streams re-seeded from the same seed, so the
   * same inputs reproduce the same output again.
   */
  reset(): void {
    this.heap.length = 0;
    this.counters = emptyStats();
    this.nowMs = -Infinity;
    this.nextSeq = 0;
    this.nextOrder = 0;
    this.maxDeliveredSeq = -1;
    this.linkFreeMs = -Infinity;
    this.lastFifoMs = -Infinity;
    this.geBad = false;
    this.seedStreams();
  }

  private seedStreams(): void {
    // Always split in the same order, whatever is enabled, so each impairment's decisions depend
    // only on the seed and on the packets, not on which other impairments are on.
    const master = new Random(this.config.seed);
    this.lossRng = master.split();
    this.duplicateRng = master.split();
    this.jitterRng = master.split();
    this.reorderRng = master.split();
  }

  private advance(nowMs: number): number {
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
      // A programming error (not a packet-level fault): a NaN time would corrupt every schedule.
      throw new RangeError(`NetworkSimulator time must be a finite number of ms, got ${String(nowMs)}`);
    }
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    return this.nowMs;
  }

  private isLost(): boolean {
    const cfg = this.config;
    const ge = cfg.gilbertElliott;
    if (ge === undefined) {
      return cfg.lossPct > 0 && this.lossRng.nextFloat() * 100 < cfg.lossPct;
    }
    // Decide this packet's fate in the current state, then step the chain for the next packet;
    // two draws per packet always, so the sequence does not depend on the outcome.
    const lossDraw = this.lossRng.nextFloat();
    const stepDraw = this.lossRng.nextFloat();
    const lost = lossDraw < (this.geBad ? ge.lossInBad : ge.lossInGood);
    this.geBad = this.geBad ? stepDraw >= ge.pBadToGood : stepDraw < ge.pGoodToBad;
    return lost;
  }

  /**
   * Puts a datagram on the bottleneck link; returns when its last bit leaves, or undefined when
   * the queue is too full to take it (drop-tail).
   */
  private transmit(bytes: number, now: number): number | undefined {
    const cfg = this.config;
    if (cfg.bandwidthBps === 0) return now;
    const wireBits = (bytes + cfg.overheadBytes) * 8;
    const txMs = (wireBits * 1000) / cfg.bandwidthBps;
    const startMs = Math.max(now, this.linkFreeMs);
    const backlogMs = startMs - now;
    // The backlog is kept as time; in bytes it is what the link has still to send (fluid model).
    const backlogBytes = (backlogMs * cfg.bandwidthBps) / 8000;
    if (backlogMs + txMs > cfg.queueLimitMs + EPSILON) return undefined;
    if (backlogBytes + wireBits / 8 > cfg.queueLimitBytes + EPSILON) return undefined;
    this.linkFreeMs = startMs + txMs;
    return this.linkFreeMs;
  }

  private schedule(data: Uint8Array, meta: T | undefined, seq: number, sentMs: number, departMs: number): void {
    const cfg = this.config;
    let deliverMs = departMs + cfg.latencyMs;
    if (cfg.jitterMs > 0) deliverMs += this.jitterRng.nextFloat() * cfg.jitterMs;
    if (!cfg.jitterReorders) {
      // FIFO path: jitter may bunch packets but never swap them.
      if (deliverMs < this.lastFifoMs) deliverMs = this.lastFifoMs;
      this.lastFifoMs = deliverMs;
    }
    if (cfg.reorderPct > 0 && this.reorderRng.nextFloat() * 100 < cfg.reorderPct) {
      // Held back outside the FIFO chain, so the packets behind it are not delayed with it.
      deliverMs += cfg.reorderDelayMs;
    }
    this.pushHeap({ deliverMs, order: this.nextOrder++, seq, sentMs, data, meta });
  }

  // Binary min-heap on (deliverMs, order): O(log n) per packet whatever the reordering.

  private static before<U>(a: InFlight<U>, b: InFlight<U>): boolean {
    return a.deliverMs < b.deliverMs || (a.deliverMs === b.deliverMs && a.order < b.order);
  }

  private pushHeap(item: InFlight<T>): void {
    const h = this.heap;
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!NetworkSimulator.before(item, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = item;
  }

  private popMin(): InFlight<T> {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as InFlight<T>;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && NetworkSimulator.before(h[r], h[l]) ? r : l;
        if (!NetworkSimulator.before(h[child], last)) break;
        h[i] = h[child];
        i = child;
      }
      h[i] = last;
    }
    return top;
  }
}
