/**
 * Transports over a simulated network, built on the sans-IO {@link NetworkSimulator} (netsim.ts):
 *
 * - {@link ImpairedTransport} wraps any {@link Transport} (normally a {@link UdpTransport}) with one
 *   simulator per direction: datagrams sent go through the outgoing simulator before the socket,
 *   datagrams received through the incoming one before the demux. This is where the CLI's
 *   `--netsim-*` options act (Mediastreamer2 impairs both ways on the RTP session the same way).
 * - {@link LoopbackTransport.pair} connects two endpoints in-process, through a simulator per
 *   direction and no socket at all, so whole calls run in virtual time: a one-hour call under loss
 *   and jitter runs in seconds and gives the same packets every run for the same seeds.
 *
 * Both implement the {@link Transport} interface, so AudioStream runs over either unchanged.
 *
 * Time. A simulator only moves when it is pushed to or polled (sans-IO), so something must poll
 * it when its next datagram is due:
 * - with a real clock (the default for ImpairedTransport), a timer armed for the earliest
 *   `nextDeliveryMs()` of the two directions, re-armed after every push and poll. The arrival time
 *   handed to the demux is the simulated one (`deliverMs`), not the moment the timer fired, so the
 *   jitter measured is the simulated jitter and not the timer's (Node timers fire ≥ 1 ms late);
 * - with a virtual clock (the default for the loopback pair), no timer at all: the owner calls
 *   `poll(nowMs)` as its virtual time advances (e.g. once per tick of a virtual ticker), and every
 *   datagram due by then is delivered in order of its simulated arrival time.
 * In virtual time a datagram is never delivered inside the send() that sent it, even with no
 * latency: delivery waits for the next poll, as on a real network, so a handler never runs in the
 * middle of its peer's tick.
 */
import { isIP } from 'node:net';
import { type Clock, RealClock, VirtualClock } from '../core/clock.js';
import { ConfigError, NetworkError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { Demux, type DatagramHandler, type RemoteAddress } from './demux.js';
import { type NetsimDelivery, NetworkSimulator, type NetworkSimulatorOptions } from './netsim.js';
import {
  type SocketAddress,
  type Transport,
  type TransportEvents,
  type TransportStats,
  type UdpBindOptions,
  UdpTransport,
  formatAddress,
} from './udp-transport.js';

/** Deliveries one poll may make before yielding (a zero-latency ping-pong would never end). */
const MAX_DELIVERIES_PER_POLL = 1_000_000;

/** One direction of a simulated path: its simulator and where its datagrams go. */
interface Lane {
  nextDeliveryMs(): number | undefined;
  /** Polls the simulator at `atMs` and delivers what is due, each at its own deliverMs. */
  deliverDue(atMs: number): number;
}

/**
 * Drives the lanes of one transport (or loopback pair) from a clock: a timer in real time, polls in
 * virtual time. Delivers across lanes in order of simulated arrival time.
 */
class LaneScheduler {
  readonly clock: Clock;
  readonly #lanes: Lane[] = [];
  /** Real time only: forward a datagram at once when it is due at once (no timer round trip). */
  readonly #flushOnPush: boolean;
  #timer: NodeJS.Timeout | undefined;
  #timerDueMs = Infinity;
  #lastPollMs = -Infinity;
  /** During a poll in virtual time: the arrival time of the datagram being delivered. */
  #eventMs: number | undefined;
  #polling = false;
  #closed = false;

  constructor(clock: Clock, flushOnPush: boolean) {
    this.clock = clock;
    this.#flushOnPush = flushOnPush && !clock.virtual;
  }

  addLane<M>(sim: NetworkSimulator<M>, deliver: (d: NetsimDelivery<M>) => void): void {
    this.#lanes.push({
      nextDeliveryMs: () => sim.nextDeliveryMs(),
      deliverDue: (atMs) => {
        const due = sim.poll(atMs);
        for (const d of due) {
          if (this.#closed) break;
          this.#eventMs = d.deliverMs;
          deliver(d);
        }
        return due.length;
      },
    });
  }

  /**
   * The time a datagram sent now is pushed at. Real time: the clock. Virtual time: while a
   * datagram is being delivered, its arrival time (a handler that answers at once answers at the
   * simulated instant it received); otherwise the later of the clock and the last poll, so a test
   * may drive everything through poll(t) without keeping a clock.
   */
  now(): number {
    if (!this.clock.virtual) return this.clock.now();
    if (this.#eventMs !== undefined) return this.#eventMs;
    return Math.max(this.clock.now(), this.#lastPollMs);
  }

  /** Call after pushing to a lane. */
  pushed(): void {
    if (this.#closed || this.clock.virtual) return;
    if (this.#flushOnPush) {
      const next = this.nextDeliveryMs();
      const now = this.clock.now();
      if (next !== undefined && next <= now) {
        this.poll(now);
        return;
      }
    }
    this.#arm();
  }

  nextDeliveryMs(): number | undefined {
    let best: number | undefined;
    for (const lane of this.#lanes) {
      const t = lane.nextDeliveryMs();
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    return best;
  }

  poll(nowMs: number): void {
    if (this.#closed) return;
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
      throw new RangeError(`poll: time must be a finite number of ms, got ${String(nowMs)}`);
    }
    if (nowMs > this.#lastPollMs) this.#lastPollMs = nowMs;
    // A handler that sends while we deliver pushes into a lane; the loop below picks that up.
    if (this.#polling) return;
    this.#polling = true;
    try {
      let delivered = 0;
      while (delivered < MAX_DELIVERIES_PER_POLL && !this.#closed) {
        let lane: Lane | undefined;
        let at = Infinity;
        for (const l of this.#lanes) {
          const t = l.nextDeliveryMs();
          if (t !== undefined && t <= nowMs && t < at) {
            at = t;
            lane = l;
          }
        }
        if (lane === undefined) break;
        delivered += lane.deliverDue(at);
      }
    } finally {
      this.#polling = false;
      this.#eventMs = undefined;
    }
    if (!this.clock.virtual) this.#arm();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#closed) return;
    const next = this.nextDeliveryMs();
    if (next === undefined) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerDueMs = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerDueMs <= next) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDueMs = next;
    this.#timer = setTimeout(this.#fire, Math.max(0, next - this.clock.now()));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
    // Node timers may fire a fraction of a ms before performance.now() reaches the due time;
    // poll then finds nothing and re-arms for the remainder.
    this.poll(this.clock.now());
  };
}

function makeSimulator<M>(given: NetworkSimulatorOptions | NetworkSimulator<M> | undefined, what: string): NetworkSimulator<M> | undefined {
  if (given === undefined) return undefined;
  if (given instanceof NetworkSimulator) return given as NetworkSimulator<M>;
  if (typeof given !== 'object' || given === null) {
    throw new ConfigError(`${what} must be NetworkSimulator options or a NetworkSimulator, got ${String(given)}`);
  }
  return new NetworkSimulator<M>(given);
}

export interface ImpairedTransportOptions {
  /** Impairments on what this endpoint sends (before the socket). Default: none (passed straight). */
  outgoing?: NetworkSimulatorOptions | NetworkSimulator<SocketAddress>;
  /** Impairments on what this endpoint receives (before the demux). Default: none. */
  incoming?: NetworkSimulatorOptions | NetworkSimulator<RemoteAddress>;
  /**
   * The clock the simulators run on, which must be the one the inner transport stamps arrival
   * times with (a UdpTransport: performance.now(), i.e. a RealClock; a virtual-time loopback: its
   * virtual clock). Default: a RealClock, with a timer delivering datagrams when due. With a
   * virtual clock nothing is delivered until {@link ImpairedTransport.poll}.
   */
  clock?: Clock;
}

/**
 * A transport seen through a simulated network. It owns the transport it wraps: it takes over
 * that transport's receive path (datagrams go through the incoming simulator, then to the shared
 * demux, `impaired.demux === inner.demux`) and closes it on close().
 */
export class ImpairedTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly inner: Transport;
  /** The outgoing simulator (its `stats` and `seed` are readable), or undefined when not impaired. */
  readonly outgoing: NetworkSimulator<SocketAddress> | undefined;
  /** The incoming simulator, or undefined when not impaired. */
  readonly incoming: NetworkSimulator<RemoteAddress> | undefined;
  readonly #scheduler: LaneScheduler;
  #receiver: DatagramHandler;
  #closing: Promise<void> | undefined;
  #stats: TransportStats = { sent: { packets: 0, bytes: 0 }, received: { packets: 0, bytes: 0 }, sendErrors: 0 };

  // `override`: shadows Function.prototype.bind on the static side, as UdpTransport.bind does.
  /**
   * Binds a UDP socket and wraps it.
   * @throws as {@link UdpTransport.bind}, and ConfigError for bad simulator options (before binding).
   */
  static override async bind(udp: UdpBindOptions, impairments: ImpairedTransportOptions = {}): Promise<ImpairedTransport> {
    // Build the simulators first, so a bad option fails without a socket to clean up.
    const outgoing = makeSimulator(impairments.outgoing, 'ImpairedTransport option outgoing');
    const incoming = makeSimulator(impairments.incoming, 'ImpairedTransport option incoming');
    const inner = await UdpTransport.bind(udp);
    return new ImpairedTransport(inner, { ...impairments, outgoing, incoming });
  }

  /** @throws ConfigError for bad simulator options. */
  constructor(inner: Transport, options: ImpairedTransportOptions = {}) {
    super();
    this.inner = inner;
    this.outgoing = makeSimulator(options.outgoing, 'ImpairedTransport option outgoing');
    this.incoming = makeSimulator(options.incoming, 'ImpairedTransport option incoming');
    const clock = options.clock ?? new RealClock();
    this.#scheduler = new LaneScheduler(clock, true);
    this.#receiver = inner.demux.receive;

    if (this.outgoing) {
      this.#scheduler.addLane(this.outgoing, (d) => {
        if (d.meta !== undefined) this.inner.send(d.data, d.meta);
      });
    }
    if (this.incoming) {
      const incoming = this.incoming;
      this.#scheduler.addLane(incoming, (d) => {
        if (d.meta !== undefined) this.#deliver(d.data, d.meta, d.deliverMs);
      });
      inner.setReceiver((data, from, arrivalMs) => {
        // The datagram enters the simulated path when it reached the inner transport.
        incoming.push(data, arrivalMs, from);
        this.#scheduler.pushed();
      });
    } else {
      inner.setReceiver((data, from, arrivalMs) => this.#deliver(data, from, arrivalMs));
    }
    inner.on('error', (err) => this.emit('error', err));
  }

  get demux(): Demux {
    return this.inner.demux;
  }

  get localAddress(): RemoteAddress {
    return this.inner.localAddress;
  }

  get closed(): boolean {
    return this.#closing !== undefined || this.inner.closed;
  }

  /** The clock the simulators run on. */
  get clock(): Clock {
    return this.#scheduler.clock;
  }

  /**
   * `sent`: datagrams given to send() (before the outgoing simulator); `received`: datagrams
   * handed to the demux (after the incoming simulator); `sendErrors`: this wrapper's and the inner
   * transport's. The wire-level counts are in `inner.stats`, the simulators' in their `stats`.
   */
  get stats(): TransportStats {
    const s = this.#stats;
    return { sent: { ...s.sent }, received: { ...s.received }, sendErrors: s.sendErrors + this.inner.stats.sendErrors };
  }

  setReceiver(receiver: DatagramHandler | undefined): void {
    this.#receiver = receiver ?? this.inner.demux.receive;
  }

  send(data: Uint8Array, to: SocketAddress): void {
    if (this.closed) {
      this.#stats.sendErrors++;
      const here = formatAddress(this.localAddress.address, this.localAddress.port);
      const dest = formatAddress(String(to.address), to.port);
      this.emit('error', new NetworkError(`impaired transport on ${here}: cannot send to ${dest}: the transport is closed`));
      return;
    }
    this.#stats.sent.packets++;
    this.#stats.sent.bytes += data.byteLength;
    if (!this.outgoing) {
      this.inner.send(data, to);
      return;
    }
    // The simulator copies the bytes; the destination is snapshotted too, so a caller that
    // retargets a reused address object (ICE switching pairs) does not redirect packets in flight.
    this.outgoing.push(data, this.#scheduler.now(), { address: to.address, port: to.port });
    this.#scheduler.pushed();
  }

  /**
   * Delivers every datagram due by `nowMs` (default: the clock's time), both directions, in order
   * of simulated arrival. Needed with a virtual clock; harmless in real time.
   */
  poll(nowMs: number = this.#scheduler.clock.now()): void {
    this.#scheduler.poll(nowMs);
  }

  /** When the next simulated datagram is due in either direction, or undefined. */
  nextDeliveryMs(): number | undefined {
    return this.#scheduler.nextDeliveryMs();
  }

  /** Closes the inner transport; datagrams still in the simulators are discarded. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#scheduler.close();
    this.#closing = this.inner.close().then(() => {
      this.emit('close');
    });
    return this.#closing;
  }

  #deliver(data: Uint8Array, from: RemoteAddress, arrivalMs: number): void {
    if (this.#closing) return;
    this.#stats.received.packets++;
    this.#stats.received.bytes += data.byteLength;
    this.#receiver(data, from, arrivalMs);
  }
}

/** One end of a {@link LoopbackPair}. */
export interface LoopbackEndpointOptions {
  /** Its address, numeric IPv4 or IPv6. Default '127.0.0.1'. */
  address?: string;
  /** Its port, 1–65535. Defaults: 40000 for `a`, 40002 for `b`. */
  port?: number;
}

export interface LoopbackPairOptions {
  a?: LoopbackEndpointOptions;
  b?: LoopbackEndpointOptions;
  /** The path from a to b. Default: no impairment (delivered at the next poll). */
  aToB?: NetworkSimulatorOptions | NetworkSimulator<RemoteAddress>;
  /** The path from b to a. Default: no impairment. */
  bToA?: NetworkSimulatorOptions | NetworkSimulator<RemoteAddress>;
  /**
   * Default: a new VirtualClock at 0; the owner calls {@link LoopbackPair.poll} as time advances.
   * With a real clock, a timer delivers datagrams when due (tests of real-time streams without
   * sockets).
   */
  clock?: Clock;
}

function endpointAddress(which: string, o: LoopbackEndpointOptions | undefined, defaultPort: number): RemoteAddress {
  const address = o?.address ?? '127.0.0.1';
  const port = o?.port ?? defaultPort;
  const fam = typeof address === 'string' ? isIP(address) : 0;
  if (fam === 0) throw new ConfigError(`LoopbackTransport option ${which}.address must be a numeric IP address, got ${JSON.stringify(address)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`LoopbackTransport option ${which}.port must be an integer in [1, 65535], got ${String(port)}`);
  }
  return Object.freeze({ address, port, family: fam === 6 ? 'IPv6' : 'IPv4' });
}

function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  return a.port === b.port && a.address === b.address;
}

/** Where a loopback endpoint sends into; implemented by {@link LoopbackPair}. */
export interface LoopbackMedium {
  /**
   * Carries `data` from `from` towards `to`. Returns false when no endpoint of the medium has the
   * address `to` (the datagram is dropped).
   */
  transmit(from: LoopbackTransport, data: Uint8Array, to: SocketAddress): boolean;
  poll(nowMs?: number): void;
  nextDeliveryMs(): number | undefined;
}

/**
 * Two {@link LoopbackTransport}s connected in-process. Each direction has its own simulator
 * (`aToB`, `bToA`, with stats and seed readable); datagrams reach the far end's demux with their
 * simulated arrival time, when {@link poll} is called with a time at or after it.
 */
export class LoopbackPair implements LoopbackMedium {
  readonly a: LoopbackTransport;
  readonly b: LoopbackTransport;
  readonly aToB: NetworkSimulator<RemoteAddress>;
  readonly bToA: NetworkSimulator<RemoteAddress>;
  readonly #scheduler: LaneScheduler;

  /** @throws ConfigError for bad addresses or simulator options. */
  constructor(options: LoopbackPairOptions = {}) {
    const aAddr = endpointAddress('a', options.a, 40000);
    const bAddr = endpointAddress('b', options.b, 40002);
    if (sameAddress(aAddr, bAddr)) {
      throw new ConfigError(`LoopbackTransport options a and b must differ, both are ${formatAddress(aAddr.address, aAddr.port)}`);
    }
    // Unimpaired by default, with a fixed seed: nothing random happens, and no crypto seed is drawn.
    this.aToB = makeSimulator(options.aToB, 'LoopbackTransport option aToB') ?? new NetworkSimulator<RemoteAddress>({ seed: 0 });
    this.bToA = makeSimulator(options.bToA, 'LoopbackTransport option bToA') ?? new NetworkSimulator<RemoteAddress>({ seed: 0 });
    this.#scheduler = new LaneScheduler(options.clock ?? new VirtualClock(0), false);
    this.a = new LoopbackTransport(aAddr, this);
    this.b = new LoopbackTransport(bAddr, this);
    this.#scheduler.addLane(this.aToB, (d) => {
      if (d.meta !== undefined) this.b.deliver(d.data, d.meta, d.deliverMs);
    });
    this.#scheduler.addLane(this.bToA, (d) => {
      if (d.meta !== undefined) this.a.deliver(d.data, d.meta, d.deliverMs);
    });
  }

  get clock(): Clock {
    return this.#scheduler.clock;
  }

  transmit(from: LoopbackTransport, data: Uint8Array, to: SocketAddress): boolean {
    let sim: NetworkSimulator<RemoteAddress>;
    if (from === this.a && sameAddress(to, this.b.localAddress)) sim = this.aToB;
    else if (from === this.b && sameAddress(to, this.a.localAddress)) sim = this.bToA;
    else return false;
    sim.push(data, this.#scheduler.now(), from.localAddress);
    this.#scheduler.pushed();
    return true;
  }

  /**
   * Delivers every datagram due by `nowMs` (default: the clock's time) in order of simulated
   * arrival, each to the far end's demux with that arrival time. Datagrams sent by handlers during
   * the poll are pushed at the arrival time of the datagram being handled and delivered in the
   * same poll when due by `nowMs`.
   */
  poll(nowMs: number = this.#scheduler.clock.now()): void {
    this.#scheduler.poll(nowMs);
  }

  /** When the next datagram is due in either direction, or undefined when none is in flight. */
  nextDeliveryMs(): number | undefined {
    return this.#scheduler.nextDeliveryMs();
  }

  /** Closes both endpoints; datagrams in flight are discarded. */
  async close(): Promise<void> {
    this.#scheduler.close();
    await Promise.all([this.a.close(), this.b.close()]);
  }
}

/**
 * One endpoint of an in-process link: a {@link Transport} with no socket. Create pairs with
 * {@link LoopbackTransport.pair}. Sending to any address but the far end's is a send error (a real
 * socket would lose the datagram silently; in a test it is a wiring bug worth reporting).
 */
export class LoopbackTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly demux = new Demux();
  readonly localAddress: RemoteAddress;
  readonly medium: LoopbackMedium;
  #receiver: DatagramHandler = this.demux.receive;
  #closed = false;
  #stats: TransportStats = { sent: { packets: 0, bytes: 0 }, received: { packets: 0, bytes: 0 }, sendErrors: 0 };

  /** Two connected endpoints; see {@link LoopbackPairOptions}. */
  static pair(options: LoopbackPairOptions = {}): LoopbackPair {
    return new LoopbackPair(options);
  }

  constructor(localAddress: RemoteAddress, medium: LoopbackMedium) {
    super();
    this.localAddress = localAddress;
    this.medium = medium;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): TransportStats {
    const s = this.#stats;
    return { sent: { ...s.sent }, received: { ...s.received }, sendErrors: s.sendErrors };
  }

  setReceiver(receiver: DatagramHandler | undefined): void {
    this.#receiver = receiver ?? this.demux.receive;
  }

  send(data: Uint8Array, to: SocketAddress): void {
    if (this.#closed) {
      this.#sendFailed(to, 'the transport is closed');
      return;
    }
    if (!this.medium.transmit(this, data, to)) {
      this.#sendFailed(to, 'no loopback endpoint has that address');
      return;
    }
    this.#stats.sent.packets++;
    this.#stats.sent.bytes += data.byteLength;
  }

  #sendFailed(to: SocketAddress, reason: string): void {
    this.#stats.sendErrors++;
    const here = formatAddress(this.localAddress.address, this.localAddress.port);
    this.emit('error', new NetworkError(`loopback ${here}: cannot send to ${formatAddress(String(to.address), to.port)}: ${reason}`));
  }

  /**
   * Hands a datagram to this endpoint as if it had arrived from the network (what the socket's
   * 'message' event is to a UdpTransport): the medium calls it; tests may too. Dropped when closed.
   */
  deliver(data: Uint8Array, from: RemoteAddress, arrivalMs: number): void {
    if (this.#closed) return;
    this.#stats.received.packets++;
    this.#stats.received.bytes += data.byteLength;
    this.#receiver(data, from, arrivalMs);
  }

  /** Polls the medium (both directions); see {@link LoopbackPair.poll}. */
  poll(nowMs?: number): void {
    this.medium.poll(nowMs);
  }

  nextDeliveryMs(): number | undefined {
    return this.medium.nextDeliveryMs();
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.emit('close');
    }
    return Promise.resolve();
  }
}
