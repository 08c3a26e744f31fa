/**
 * UDP sockets for media (DESIGN §3: sockets live in net/ only). A {@link UdpTransport} is one bound
 * socket that sends datagrams and feeds every datagram it receives to its {@link Demux}
 * (RFC 7983), stamped with its arrival time. {@link bindRtpPair} binds the RTP socket and, unless
 * rtcp-mux (RFC 5761), the RTCP socket on the next port (RFC 3550 §11).
 *
 * Choices, and why:
 * - **Arrival time** is `performance.now()` read first thing in the socket's 'message' callback:
 *   the monotonic clock of the real-time ticker (core/clock.ts RealClock), so jitter (RFC 3550
 *   §6.4.1) and playout are computed on the session's own clock. It includes the event-loop delay
 *   before the callback ran, which is the delay the application actually sees.
 * - **send() never waits and never throws per packet** (DESIGN §8): invalid destinations and OS
 *   errors are counted in {@link TransportStats.sendErrors} and reported on the `error` event.
 *   Nothing is coalesced: one send() is one datagram (one sendmsg), in call order.
 * - **send() copies the bytes**, so the caller may reuse its buffer as soon as send() returns (the
 *   RTP sender serialises into one reusable buffer, DESIGN §2). Node's dgram does not read the
 *   bytes inside send(): with its default resolver it sends on a later tick (measured: a buffer
 *   rewritten right after send() corrupted every datagram), and when the kernel's send buffer is
 *   full libuv queues the request holding a reference to the caller's bytes. The copy (a pooled
 *   Buffer.from) measured ~0.5 µs on a ~6 µs send.
 * - **Addresses are numeric.** The socket's resolver accepts IP literals only and answers
 *   synchronously (no DNS round trip and no extra tick per packet); host names are resolved once,
 *   before the call, by the caller. On a dual-stack '::' socket IPv4 destinations are sent as
 *   IPv4-mapped addresses (RFC 4291 §2.5.5.2) and IPv4 sources are reported in IPv4 form.
 * - **Socket buffers** default to 1 MiB each way (the kernel doubles the figure for bookkeeping
 *   and caps it at net.core.rmem_max / wmem_max; root may raise those sysctls): a default 208 KiB
 *   receive buffer overflows after a few hundred datagrams when the event loop stalls for a
 *   moment with many calls on one ticker. The sizes obtained are readable from the transport.
 */
import dgram from 'node:dgram';
import { isIP, isIPv4 } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LookupOneOptions } from 'node:dns';
import { ConfigError, NetworkError } from '../core/errors.js';
import { type Listener, TypedEmitter } from '../core/events.js';
import { Demux, type DatagramHandler, type RemoteAddress } from './demux.js';

/** A destination: a numeric IPv4 or IPv6 address and a port. */
export interface SocketAddress {
  readonly address: string;
  readonly port: number;
}

export interface TransportStats {
  /** Datagrams the OS accepted (for a UDP socket; handed to the simulated path for the others). */
  sent: { packets: number; bytes: number };
  /** Datagrams received and passed on to the demux (or to the receiver set by a wrapper). */
  received: { packets: number; bytes: number };
  /** send() calls that failed: invalid destination, closed transport, or an OS error. */
  sendErrors: number;
}

export type TransportEvents = {
  /** A send failed or the socket reported an error; the transport goes on (it is not closed). */
  error: [err: NetworkError];
  /** The transport was closed. */
  close: [];
};

/**
 * What AudioStream needs from a transport, implemented by {@link UdpTransport}, the impaired
 * wrapper and the in-memory loopback (impaired-transport.ts), so a stream runs unchanged over a
 * socket, a simulated bad network or no network at all.
 */
export interface Transport {
  /** The demux that received datagrams go to; register handlers on it. */
  readonly demux: Demux;
  /** The bound local address and port (the actual port when 0 was asked for). */
  readonly localAddress: RemoteAddress;
  readonly closed: boolean;
  /** A snapshot of the counters. */
  readonly stats: TransportStats;
  /**
   * Sends one datagram. Returns at once; never throws for packet-level reasons (failures are
   * counted and emitted as `error`). The caller may reuse `data` as soon as send() returns.
   */
  send(data: Uint8Array, to: SocketAddress): void;
  /**
   * Sends received datagrams to `receiver` instead of {@link demux} (undefined restores the
   * demux). For wrappers that sit between the socket and the demux, such as the impaired transport.
   */
  setReceiver(receiver: DatagramHandler | undefined): void;
  /** Releases the port. Idempotent. Datagrams still queued (in a simulator) are discarded. */
  close(): Promise<void>;
  on<K extends keyof TransportEvents>(event: K, listener: Listener<TransportEvents[K]>): this;
  once<K extends keyof TransportEvents>(event: K, listener: Listener<TransportEvents[K]>): this;
  off<K extends keyof TransportEvents>(event: K, listener: Listener<TransportEvents[K]>): this;
}

export interface UdpBindOptions {
  /**
   * Numeric local address. Default '0.0.0.0' (all IPv4 interfaces); '::' means all interfaces,
   * IPv6 and (unless `ipv6Only`) IPv4 too.
   */
  address?: string;
  /** Local port, 0–65535; 0 (default) lets the OS choose a free (ephemeral) port. */
  port?: number;
  /** For an IPv6 address: refuse IPv4 (IPV6_V6ONLY). Default false (dual-stack). */
  ipv6Only?: boolean;
  /**
   * SO_REUSEADDR. Default false. On Linux it lets several sockets bind the same UDP port (each
   * datagram then reaches only one of them), which hides port clashes; leave it off for media.
   */
  reuseAddr?: boolean;
  /** Requested SO_RCVBUF, bytes. Default 1 MiB. */
  recvBufferSize?: number;
  /** Requested SO_SNDBUF, bytes. Default 1 MiB. */
  sendBufferSize?: number;
  /** The demux to feed. Default: a new one, readable as `transport.demux`. */
  demux?: Demux;
  /**
   * What this socket is for, named in error messages (e.g. 'RTCP = RTP port + 1'). Optional.
   */
  purpose?: string;
}

const DEFAULT_BUFFER_SIZE = 1 << 20;

/** errno code → words for messages. */
const ERRNO_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EAFNOSUPPORT: 'address family not supported',
  EINVAL: 'invalid argument',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  ECONNREFUSED: 'connection refused (ICMP port unreachable)',
  EMSGSIZE: 'datagram too large',
  ENOBUFS: 'no buffer space available',
  EAGAIN: 'socket buffer full',
};

/** What to do about a bind error, for the message. */
const BIND_HINT: Record<string, (addr: string) => string> = {
  EADDRINUSE: () => ' — another program uses this port, or choose another --local',
  EADDRNOTAVAIL: (addr) => ` — ${addr} is not an address of this machine; use one of its addresses, or 0.0.0.0 / ::`,
  EACCES: () => ' — ports below 1024 need root (or CAP_NET_BIND_SERVICE); choose a higher --local',
  EAFNOSUPPORT: (addr) => ` — this machine has no ${addr.includes(':') ? 'IPv6' : 'IPv4'} support`,
};

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describeErrno(err: unknown): string {
  const code = errnoCode(err);
  if (code !== undefined) return `${ERRNO_TEXT[code] ?? code.toLowerCase()} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** 'host:port', with IPv6 in brackets (RFC 3986 §3.2.2). */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** '::ffff:192.0.2.1' → '192.0.2.1' (dual-stack sockets report IPv4 peers that way). */
function unmapV4(address: string): string | undefined {
  if (address.length > 7 && (address.startsWith('::ffff:') || address.startsWith('::FFFF:'))) {
    const v4 = address.slice(7);
    if (isIPv4(v4)) return v4;
  }
  return undefined;
}

function checkBufferSize(name: string, value: number | undefined): number {
  if (value === undefined) return DEFAULT_BUFFER_SIZE;
  if (!Number.isInteger(value) || value < 1024 || value > 1 << 30) {
    throw new ConfigError(`UDP option ${name} must be an integer number of bytes in [1024, 2^30], got ${String(value)}`);
  }
  return value;
}

function checkPort(name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`UDP option ${name} must be an integer in [0, 65535] (0 = any free port), got ${String(value)}`);
  }
  return value;
}

/** A socket bound by {@link bindSocket}, not yet wrapped in a transport. */
interface BoundSocket {
  socket: dgram.Socket;
  family: 4 | 6;
  ipv6Only: boolean;
  recvBufferSize: number;
  sendBufferSize: number;
}

/**
 * Creates and binds a socket; the one place bind errors are turned into messages.
 * @throws ConfigError / NetworkError as {@link UdpTransport.bind}.
 */
async function bindSocket(options: Omit<UdpBindOptions, 'demux'>): Promise<BoundSocket> {
  const address = options.address ?? '0.0.0.0';
  const port = checkPort('port', options.port);
  const recvBufferSize = checkBufferSize('recvBufferSize', options.recvBufferSize);
  const sendBufferSize = checkBufferSize('sendBufferSize', options.sendBufferSize);
  const purpose = options.purpose;
  const where = `UDP ${formatAddress(String(address), port)}${purpose ? ` (${purpose})` : ''}`;
  if (typeof address !== 'string' || isIP(address) === 0) {
    throw new NetworkError(
      `cannot bind ${where}: ${JSON.stringify(address)} is not a numeric IP address (give an IPv4 or IPv6 address such as 0.0.0.0, ::, 127.0.0.1 or ::1)`,
    );
  }
  const family: 4 | 6 = isIP(address) === 6 ? 6 : 4;
  const ipv6Only = family === 6 && options.ipv6Only === true;

  // The resolver the socket uses for bind and for every send. Destinations are already numeric
  // and family-checked by send(), so it only has to answer at once (see the file comment).
  const lookup = (
    host: string,
    _opts: LookupOneOptions | number,
    callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void => {
    callback(null, host, family);
  };
  const socket = dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    ipv6Only,
    reuseAddr: options.reuseAddr === true,
    lookup: lookup as unknown as dgram.SocketOptions['lookup'],
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.off('listening', onListening);
      void closeSocket(socket);
      const code = errnoCode(err);
      const hint = code !== undefined ? (BIND_HINT[code]?.(address) ?? '') : '';
      reject(new NetworkError(`cannot bind ${where}: ${describeErrno(err)}${hint}`, { cause: err }));
    };
    const onListening = (): void => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    try {
      // exclusive: never share the handle with cluster workers; each worker owns its sockets.
      socket.bind({ port, address, exclusive: true });
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  });
  return { socket, family, ipv6Only, recvBufferSize, sendBufferSize };
}

/** Closes a socket, resolving when it is closed (or was already). */
function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      // ERR_SOCKET_DGRAM_NOT_RUNNING: already closed.
      resolve();
    }
  });
}

/** A bound UDP socket feeding a {@link Demux}. Create with {@link UdpTransport.bind}. */
export class UdpTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly demux: Demux;
  readonly localAddress: RemoteAddress;
  /** What the socket is for (from the bind options), for messages. */
  readonly purpose: string | undefined;

  readonly #socket: dgram.Socket;
  readonly #family: 4 | 6;
  readonly #ipv6Only: boolean;
  readonly #where: string;
  #receiver: DatagramHandler;
  #closed = false;
  #closing: Promise<void> | undefined;
  #stats: TransportStats = { sent: { packets: 0, bytes: 0 }, received: { packets: 0, bytes: 0 }, sendErrors: 0 };
  /** Last destination address checked, and what to give the socket for it (one-entry cache). */
  #lastTo: string | undefined;
  #lastToResolved: string | undefined;

  // `override`: the static side inherits Function.prototype.bind through the base class; this
  // shadows it on purpose (`UdpTransport.bind(options)` reads as what it does).
  /**
   * Binds a UDP socket.
   * @throws ConfigError for an option out of range; NetworkError naming the address and port when
   *   the address is not numeric, not on this machine, or the port is taken.
   */
  static override async bind(options: UdpBindOptions = {}): Promise<UdpTransport> {
    const bound = await bindSocket(options);
    return new UdpTransport(bound, options.demux ?? new Demux(), options.purpose);
  }

  /** {@link bindRtpPair}. */
  static async bindRtpPair(options: RtpPairOptions = {}): Promise<RtpTransportPair> {
    const { rtcpMux = false, rtpDemux, rtcpDemux, maxAttempts = 64, port: portOpt, ...common } = options;
    const port = checkPort('port', portOpt);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new ConfigError(`bindRtpPair option maxAttempts must be an integer ≥ 1, got ${String(maxAttempts)}`);
    }
    const make = (b: BoundSocket, demux: Demux | undefined, purpose: string): UdpTransport =>
      new UdpTransport(b, demux ?? new Demux(), purpose);

    if (rtcpMux) {
      const purpose = 'RTP and RTCP, rtcp-mux';
      const rtp = make(await bindSocket({ ...common, port, purpose }), rtpDemux, purpose);
      return makePair(rtp, rtp, true);
    }

    if (port !== 0) {
      if (port === 65535) {
        throw new ConfigError(
          'UDP option port 65535 leaves no port for RTCP (port + 1, RFC 3550 §11); choose an even port ≤ 65534 or use rtcp-mux',
        );
      }
      const rtpSocket = await bindSocket({ ...common, port, purpose: 'RTP' });
      let rtcpSocket: BoundSocket;
      try {
        rtcpSocket = await bindSocket({ ...common, port: port + 1, purpose: 'RTCP = RTP port + 1' });
      } catch (err) {
        await closeSocket(rtpSocket.socket);
        throw err;
      }
      return makePair(make(rtpSocket, rtpDemux, 'RTP'), make(rtcpSocket, rtcpDemux, 'RTCP'), false);
    }

    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const first = await bindSocket({ ...common, port: 0 });
      const p = first.socket.address().port;
      const even = p % 2 === 0;
      // p even: it is RTP and p + 1 is RTCP; p odd: it is RTCP and p − 1 is RTP.
      const otherPort = even ? p + 1 : p - 1;
      if (otherPort > 65535 || otherPort < 1024) {
        await closeSocket(first.socket);
        continue;
      }
      let other: BoundSocket;
      try {
        other = await bindSocket({ ...common, port: otherPort });
      } catch (err) {
        await closeSocket(first.socket);
        if (isAddressInUse(err)) continue;
        throw err;
      }
      const [rtp, rtcp] = even ? [first, other] : [other, first];
      return makePair(make(rtp, rtpDemux, 'RTP'), make(rtcp, rtcpDemux, 'RTCP'), false);
    }
    throw new NetworkError(
      `cannot bind an RTP/RTCP port pair on UDP ${common.address ?? '0.0.0.0'}: no free even port with a free successor ` +
        `after ${maxAttempts} attempts; choose another --local or use rtcp-mux`,
    );
  }

  private constructor(bound: BoundSocket, demux: Demux, purpose: string | undefined) {
    super();
    const { socket, family, ipv6Only } = bound;
    const buffers = { recv: bound.recvBufferSize, send: bound.sendBufferSize };
    this.#socket = socket;
    this.#family = family;
    this.#ipv6Only = ipv6Only;
    this.demux = demux;
    this.purpose = purpose;
    this.#receiver = demux.receive;
    const a = socket.address();
    this.localAddress = Object.freeze({ address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' });
    this.#where = `UDP ${formatAddress(a.address, a.port)}${purpose ? ` (${purpose})` : ''}`;

    // Set after bind: the kernel silently caps at rmem_max/wmem_max; a refusal (exotic kernels)
    // must not fail the call, the default buffers still work, so it is reported, not thrown.
    for (const [which, size] of [
      ['receive', buffers.recv],
      ['send', buffers.send],
    ] as const) {
      try {
        if (which === 'receive') socket.setRecvBufferSize(size);
        else socket.setSendBufferSize(size);
      } catch (err) {
        queueMicrotask(() =>
          this.emit('error', new NetworkError(`${this.#where}: cannot set the ${which} buffer to ${size} bytes: ${describeErrno(err)}`, { cause: err })),
        );
      }
    }

    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      // First thing: the arrival time (see the file comment).
      const arrivalMs = performance.now();
      const st = this.#stats.received;
      st.packets++;
      st.bytes += msg.byteLength;
      let from: RemoteAddress = rinfo;
      if (rinfo.family === 'IPv6') {
        const v4 = unmapV4(rinfo.address);
        if (v4 !== undefined) from = { address: v4, port: rinfo.port, family: 'IPv4' };
      }
      // Each 'message' gets its own Buffer, so receivers may keep it. Handed on as a plain
      // Uint8Array view (no copy): Buffer#slice returns a view where Uint8Array#slice copies, and
      // every transport must give handlers the same semantics.
      this.#receiver(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), from, arrivalMs);
    });
    socket.on('error', (err: Error) => {
      this.emit('error', new NetworkError(`${this.#where}: ${describeErrno(err)}`, { cause: err }));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): TransportStats {
    const s = this.#stats;
    return { sent: { ...s.sent }, received: { ...s.received }, sendErrors: s.sendErrors };
  }

  /** The SO_RCVBUF in effect, bytes, as the kernel reports it (Linux: twice the granted size). */
  get recvBufferSize(): number {
    return this.#closed ? 0 : this.#socket.getRecvBufferSize();
  }

  /** The SO_SNDBUF in effect, bytes, as the kernel reports it (Linux: twice the granted size). */
  get sendBufferSize(): number {
    return this.#closed ? 0 : this.#socket.getSendBufferSize();
  }

  setReceiver(receiver: DatagramHandler | undefined): void {
    this.#receiver = receiver ?? this.demux.receive;
  }

  send(data: Uint8Array, to: SocketAddress): void {
    if (this.#closed) {
      this.#sendFailed(to, 'the transport is closed');
      return;
    }
    const port = to.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      this.#sendFailed(to, `port ${String(port)} is not in [1, 65535]`);
      return;
    }
    let dest: string | undefined;
    if (to.address === this.#lastTo) {
      dest = this.#lastToResolved;
    } else {
      dest = this.#resolve(to);
      if (dest === undefined) return;
      this.#lastTo = to.address;
      this.#lastToResolved = dest;
    }
    try {
      // Copy: see the file comment (the caller may reuse `data` at once).
      this.#socket.send(Buffer.from(data), port, dest, this.#onSent);
    } catch (err) {
      this.#sendFailed(to, describeErrno(err), err);
    }
  }

  /**
   * The address to give the socket for `address`, or undefined (failure reported) when this
   * socket cannot send there. Runs once per new destination thanks to the cache in send().
   */
  #resolve(to: SocketAddress): string | undefined {
    const address = to.address;
    const fam = typeof address === 'string' ? isIP(address) : 0;
    if (fam === 0) {
      this.#sendFailed(to, `${JSON.stringify(address)} is not a numeric IP address (resolve host names before the call)`);
      return undefined;
    }
    if (this.#family === 4) {
      if (fam === 6) {
        this.#sendFailed(to, `an IPv4 socket cannot send to the IPv6 address ${address} (bind '::' for both families)`);
        return undefined;
      }
      return address;
    }
    if (fam === 4) {
      if (this.#ipv6Only) {
        this.#sendFailed(to, `an IPv6-only socket cannot send to the IPv4 address ${address}`);
        return undefined;
      }
      // RFC 4291 §2.5.5.2: a dual-stack socket reaches IPv4 peers through mapped addresses.
      return `::ffff:${address}`;
    }
    return address;
  }

  /** The one completion callback of every send (no closure per packet). */
  readonly #onSent = (err: Error | null, bytes?: number): void => {
    if (err) {
      const e = err as NodeJS.ErrnoException & { address?: unknown; port?: unknown };
      const address = typeof e.address === 'string' ? (unmapV4(e.address) ?? e.address) : '?';
      const port = typeof e.port === 'number' ? e.port : NaN;
      this.#sendFailed({ address, port }, describeErrno(err), err);
      return;
    }
    this.#stats.sent.packets++;
    this.#stats.sent.bytes += bytes ?? 0;
  };

  #sendFailed(to: SocketAddress, reason: string, cause?: unknown): void {
    this.#stats.sendErrors++;
    const dest = formatAddress(String(to.address), to.port);
    this.emit('error', new NetworkError(`${this.#where}: cannot send to ${dest}: ${reason}`, cause === undefined ? undefined : { cause }));
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = closeSocket(this.#socket).then(() => {
      this.emit('close');
    });
    return this.#closing;
  }
}

export interface RtpPairOptions extends Omit<UdpBindOptions, 'demux' | 'purpose' | 'port'> {
  /**
   * The RTP port; RTCP uses port + 1 unless `rtcpMux` (RFC 3550 §11). 0 (default): any free even
   * port whose successor is free too. An odd port is accepted (some peers use them) but RFC 3550
   * §11 asks for even ones.
   */
  port?: number;
  /** RTP and RTCP on one port (RFC 5761). Default false. */
  rtcpMux?: boolean;
  /** Demux of the RTP socket (also RTCP's when muxed). Default: a new one. */
  rtpDemux?: Demux;
  /** Demux of the RTCP socket (ignored with rtcp-mux). Default: a new one. */
  rtcpDemux?: Demux;
  /** Attempts to find a free even/odd pair when port is 0. Default 64. */
  maxAttempts?: number;
}

export interface RtpTransportPair {
  rtp: UdpTransport;
  /** The RTCP socket; the same object as `rtp` with rtcp-mux. */
  rtcp: UdpTransport;
  rtcpMux: boolean;
  /** Closes both sockets. */
  close(): Promise<void>;
}

function makePair(rtp: UdpTransport, rtcp: UdpTransport, rtcpMux: boolean): RtpTransportPair {
  return {
    rtp,
    rtcp,
    rtcpMux,
    close: async () => {
      await Promise.all([rtp.close(), rtcp.close()]);
    },
  };
}

function isAddressInUse(err: unknown): boolean {
  return err instanceof NetworkError && errnoCode(err.cause) === 'EADDRINUSE';
}

/**
 * Binds the sockets of one RTP session: RTP on `port`, RTCP on `port + 1` (RFC 3550 §11) unless
 * rtcp-mux (RFC 5761), where both share the RTP socket.
 *
 * With port 0 it looks for an even port whose successor is free, as Mediastreamer2 does: it lets
 * the OS pick an ephemeral port p, then takes (p, p + 1) when p is even, or (p − 1, p) when p is
 * odd, and tries again with another OS-picked port when the other half is taken.
 *
 * @throws ConfigError for bad options; NetworkError naming the port (and whether it is the RTCP
 *   one) when a socket cannot be bound; nothing stays bound after a failure.
 */
export function bindRtpPair(options: RtpPairOptions = {}): Promise<RtpTransportPair> {
  return UdpTransport.bindRtpPair(options);
}
