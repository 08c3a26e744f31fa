/**
 * The first-byte demultiplexer of a media port (RFC 7983, which updates RFC 5764 §5.1.2): one UDP
 * port may carry RTP, RTCP (RFC 5761 rtcp-mux), STUN (ICE connectivity checks and keep-alives),
 * ZRTP (RFC 6189), DTLS and TURN ChannelData. Each transport feeds every datagram it receives to
 * its Demux, which classifies it with the pure {@link classifyDatagram} (rtp/demux-kind.ts) and
 * hands it to the handler registered for that kind. Later work plugs in its handler without
 * touching this file: the SRTP/ZRTP session registers 'zrtp', the ICE agent 'stun' (and TURN
 * 'turn-channel'), the RTP session 'rtp' and 'rtcp'.
 *
 * Nothing here throws per packet (DESIGN §8): a datagram no handler wants is counted in
 * {@link DemuxStats.unhandled} under its kind, one that matches no kind in
 * {@link DemuxStats.invalid}, and both are offered to the optional `unhandled` event. A handler
 * that throws is caught and counted, so one bad packet cannot take the socket (and the process,
 * since the socket callback has no caller to catch it) down.
 *
 * STUN without a STUN handler is the one silent case: Mediastreamer2's `mediastream` and many SIP
 * phones send STUN binding requests to the RTP and RTCP ports as NAT keep-alives even without ICE
 * (RFC 5245 §10 / RFC 8445 §11 keep-alives), so they are expected traffic, not an anomaly worth an
 * event: they are counted in `unhandled.stun` and dropped.
 */
import { StateError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { classifyDatagram, type DatagramKind } from '../rtp/demux-kind.js';

/** Where a datagram came from (or, for a bound transport, where it is bound). */
export interface RemoteAddress {
  /**
   * Numeric IP address. IPv4-mapped IPv6 addresses that a dual-stack socket reports
   * ('::ffff:192.0.2.1') are given in their IPv4 form, so a peer compares equal to the
   * `--remote 192.0.2.1:…` it was configured with.
   */
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** The kinds a handler can be registered for (RFC 7983 §7 ranges; RTCP split off by RFC 5761 §4). */
export type DemuxKind = Exclude<DatagramKind, 'unknown'>;

/** Every {@link DemuxKind}, in first-byte order. */
export const DEMUX_KINDS: readonly DemuxKind[] = Object.freeze(['stun', 'zrtp', 'dtls', 'turn-channel', 'rtp', 'rtcp']);

/**
 * Receives one datagram. `data` is owned by the receiver from then on (transports hand over a
 * fresh buffer per datagram), so it may be kept, or decrypted in place. `arrivalMs` is the
 * transport's arrival time on the session's clock (performance.now() for a UDP socket; the
 * simulated arrival time under a network simulator or a virtual-time loopback).
 */
export type DatagramHandler = (data: Uint8Array, from: RemoteAddress, arrivalMs: number) => void;

/** Counters, all monotonic since creation (or {@link Demux.resetStats}). */
export interface DemuxStats {
  /** Datagrams offered to the demux. */
  received: number;
  /** Datagrams passed to a handler, per kind. */
  handled: Record<DemuxKind, number>;
  /** Datagrams recognised but with no handler registered for their kind (dropped), per kind. */
  unhandled: Record<DemuxKind, number>;
  /**
   * Datagrams that match no kind: a first byte in no RFC 7983 range, or too short for the header
   * of the kind its first byte announces. Maps onto the report's `received.invalid` (DESIGN §4).
   */
  invalid: number;
  /** Handler calls that threw (the datagram counts as handled; the exception is reported). */
  handlerErrors: number;
}

export type DemuxEvents = {
  /**
   * A datagram no handler took: its kind, or 'invalid' when it matched none. Not emitted for STUN
   * without a STUN handler (keep-alives, see the file comment). The data is the receiver's to keep.
   */
  unhandled: [kind: DemuxKind | 'invalid', data: Uint8Array, from: RemoteAddress, arrivalMs: number];
  /** A handler threw. With no listener, the first such error of this demux is printed to stderr. */
  'handler-error': [err: unknown, kind: DemuxKind];
};

function zeroPerKind(): Record<DemuxKind, number> {
  return { stun: 0, zrtp: 0, dtls: 0, 'turn-channel': 0, rtp: 0, rtcp: 0 };
}

function emptyStats(): DemuxStats {
  return { received: 0, handled: zeroPerKind(), unhandled: zeroPerKind(), invalid: 0, handlerErrors: 0 };
}

function isDemuxKind(kind: unknown): kind is DemuxKind {
  return typeof kind === 'string' && (DEMUX_KINDS as readonly string[]).includes(kind);
}

/**
 * One demultiplexer per receiving port (so one per transport; two when RTP and RTCP use separate
 * ports). One handler per kind: a kind has one owner (the RTP session, the ICE agent …), and a
 * second registration is almost always a wiring bug, so it is refused rather than silently
 * replacing or doubling the first. A component that wants RTP and RTCP through one function
 * registers it for both kinds.
 */
export class Demux extends TypedEmitter<DemuxEvents> {
  readonly #handlers: Record<DemuxKind, DatagramHandler | undefined> = {
    stun: undefined,
    zrtp: undefined,
    dtls: undefined,
    'turn-channel': undefined,
    rtp: undefined,
    rtcp: undefined,
  };
  #stats: DemuxStats = emptyStats();
  #printedHandlerError = false;

  constructor() {
    super();
    // Transports keep `demux.receive` as a plain function; bind it once here, not per datagram.
    this.receive = this.receive.bind(this);
  }

  /**
   * Routes datagrams of `kind` to `handler` from now on.
   * @returns a function that unregisters this handler (a no-op once it has been replaced).
   * @throws StateError when `kind` already has a handler; TypeError for an unknown kind.
   */
  register(kind: DemuxKind, handler: DatagramHandler): () => void {
    if (!isDemuxKind(kind)) {
      throw new TypeError(`Demux.register: unknown kind ${JSON.stringify(kind)}; expected one of ${DEMUX_KINDS.join(', ')}`);
    }
    if (typeof handler !== 'function') throw new TypeError(`Demux.register('${kind}'): handler must be a function`);
    if (this.#handlers[kind] !== undefined) {
      throw new StateError(`Demux: a '${kind}' handler is already registered; unregister it first`);
    }
    this.#handlers[kind] = handler;
    return () => {
      this.unregister(kind, handler);
    };
  }

  /**
   * Stops routing `kind` to a handler. With `handler`, only if it is the one registered (so a
   * component cannot remove its successor's).
   * @returns true when a handler was removed.
   */
  unregister(kind: DemuxKind, handler?: DatagramHandler): boolean {
    if (!isDemuxKind(kind)) return false;
    const current = this.#handlers[kind];
    if (current === undefined || (handler !== undefined && current !== handler)) return false;
    this.#handlers[kind] = undefined;
    return true;
  }

  /** True when `kind` has a handler. */
  has(kind: DemuxKind): boolean {
    return this.#handlers[kind] !== undefined;
  }

  /** A snapshot of the counters (the caller may keep it; it does not change afterwards). */
  get stats(): DemuxStats {
    const s = this.#stats;
    return { ...s, handled: { ...s.handled }, unhandled: { ...s.unhandled } };
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.#stats = emptyStats();
  }

  /**
   * Classifies one datagram and hands it to its handler (the transports' receive path; also
   * callable directly, e.g. by tests or by a TURN client unwrapping ChannelData). Never throws.
   * @returns the kind it was classified as, or 'invalid'.
   */
  receive(data: Uint8Array, from: RemoteAddress, arrivalMs: number): DemuxKind | 'invalid' {
    const s = this.#stats;
    s.received++;
    const kind = classifyDatagram(data);
    if (kind === 'unknown') {
      s.invalid++;
      if (this.listenerCount('unhandled') > 0) this.emit('unhandled', 'invalid', data, from, arrivalMs);
      return 'invalid';
    }
    const handler = this.#handlers[kind];
    if (handler === undefined) {
      s.unhandled[kind]++;
      // STUN keep-alives to a port without ICE are expected: counted, not reported.
      if (kind !== 'stun' && this.listenerCount('unhandled') > 0) this.emit('unhandled', kind, data, from, arrivalMs);
      return kind;
    }
    s.handled[kind]++;
    try {
      handler(data, from, arrivalMs);
    } catch (err) {
      s.handlerErrors++;
      this.#reportHandlerError(err, kind);
    }
    return kind;
  }

  #reportHandlerError(err: unknown, kind: DemuxKind): void {
    if (this.listenerCount('handler-error') > 0) {
      this.emit('handler-error', err, kind);
      return;
    }
    // A throwing handler is a bug; never silently swallow the first one.
    if (this.#printedHandlerError) return;
    this.#printedHandlerError = true;
    console.error(`mediaweave: a '${kind}' datagram handler threw (further handler errors of this demux are only counted):`, err);
  }
}
