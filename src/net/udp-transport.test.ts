import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ConfigError, NetworkError } from '../core/errors.js';
import { Demux, type RemoteAddress } from './demux.js';
import { UdpTransport, bindRtpPair, formatAddress } from './udp-transport.js';

interface Got {
  data: Uint8Array;
  from: RemoteAddress;
  arrivalMs: number;
  handledAt: number;
}

function rtp(seq: number, size = 172): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = 0x80;
  p[1] = 0;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  for (let i = 12; i < size; i++) p[i] = (seq + i) & 0xff;
  return p;
}

function rtcpSr(): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0x80, 200, 0x00, 0x06]);
  return p;
}

/** Registers an RTP (or other) handler that records what arrives. */
function collect(demux: Demux, kind: 'rtp' | 'rtcp' = 'rtp'): Got[] {
  const got: Got[] = [];
  demux.register(kind, (data, from, arrivalMs) => got.push({ data, from, arrivalMs, handledAt: performance.now() }));
  return got;
}

/** The address fields only (a UDP transport may pass Node's rinfo, which also has `size`). */
function addr(from: RemoteAddress): RemoteAddress {
  return { address: from.address, port: from.port, family: from.family };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Whether ::1 can be bound here (containers often run without IPv6). */
async function ipv6LoopbackAvailable(): Promise<boolean> {
  const s = dgram.createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '::1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      s.close();
    } catch {
      // never bound
    }
  }
}

test('UDP over IPv4 loopback: bind an ephemeral port, send, receive through the demux', async () => {
  const a = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  const b = await UdpTransport.bind({ address: '127.0.0.1' });
  try {
    assert.equal(a.localAddress.address, '127.0.0.1');
    assert.equal(a.localAddress.family, 'IPv4');
    assert.ok(a.localAddress.port > 0 && a.localAddress.port !== b.localAddress.port);
    const got = collect(b.demux);
    const before = performance.now();
    for (let i = 0; i < 10; i++) a.send(rtp(i), b.localAddress);
    await waitFor('10 datagrams', () => got.length === 10);
    for (const [i, g] of got.entries()) {
      assert.deepEqual(g.data, rtp(i));
      assert.deepEqual(addr(g.from), { address: '127.0.0.1', port: a.localAddress.port, family: 'IPv4' });
      // Arrival time: performance.now() in the socket callback (the session's clock).
      assert.ok(g.arrivalMs >= before && g.arrivalMs <= g.handledAt, `arrival ${g.arrivalMs} in [${before}, ${g.handledAt}]`);
    }
    await waitFor('send completions', () => a.stats.sent.packets === 10);
    assert.deepEqual(a.stats, { sent: { packets: 10, bytes: 1720 }, received: { packets: 0, bytes: 0 }, sendErrors: 0 });
    assert.deepEqual(b.stats.received, { packets: 10, bytes: 1720 });
    assert.equal(b.demux.stats.handled.rtp, 10);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('UDP send: the caller may reuse its buffer as soon as send() returns; order is kept', async () => {
  const a = await UdpTransport.bind({ address: '127.0.0.1' });
  const b = await UdpTransport.bind({ address: '127.0.0.1' });
  try {
    const got = collect(b.demux);
    const buf = new Uint8Array(172);
    for (let i = 0; i < 200; i++) {
      buf.set(rtp(i));
      a.send(buf, b.localAddress);
      buf.fill(0xee, 12); // what a reusing serialiser does next
    }
    await waitFor('200 datagrams', () => got.length === 200);
    for (const [i, g] of got.entries()) assert.deepEqual(g.data, rtp(i), `datagram ${i} intact and in order`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('UDP over IPv6 loopback', async (t) => {
  if (!(await ipv6LoopbackAvailable())) {
    console.error('SKIP UDP over IPv6 loopback: ::1 cannot be bound on this machine (no IPv6 loopback)');
    t.skip('no IPv6 loopback (::1) on this machine');
    return;
  }
  const a = await UdpTransport.bind({ address: '::1' });
  const b = await UdpTransport.bind({ address: '::1' });
  try {
    assert.equal(a.localAddress.family, 'IPv6');
    assert.equal(a.localAddress.address, '::1');
    const got = collect(b.demux);
    a.send(rtp(7), { address: '::1', port: b.localAddress.port });
    await waitFor('a datagram over ::1', () => got.length === 1);
    assert.deepEqual(got[0].data, rtp(7));
    assert.equal(got[0].from.address, '::1');
    assert.equal(got[0].from.family, 'IPv6');
    assert.equal(got[0].from.port, a.localAddress.port);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test("UDP '::' is dual-stack: IPv4 peers are reported and reached in IPv4 form", async (t) => {
  if (!(await ipv6LoopbackAvailable())) {
    console.error("SKIP dual-stack '::' test: no IPv6 on this machine");
    t.skip('no IPv6 on this machine');
    return;
  }
  const dual = await UdpTransport.bind({ address: '::' });
  const v4 = await UdpTransport.bind({ address: '127.0.0.1' });
  try {
    assert.equal(dual.localAddress.address, '::');
    const gotDual = collect(dual.demux);
    const gotV4 = collect(v4.demux);
    v4.send(rtp(1), { address: '127.0.0.1', port: dual.localAddress.port });
    await waitFor('IPv4 → dual-stack', () => gotDual.length === 1);
    assert.deepEqual(addr(gotDual[0].from), { address: '127.0.0.1', port: v4.localAddress.port, family: 'IPv4' });
    // Answer the way a symmetric-RTP session does: to the address it came from.
    dual.send(rtp(2), gotDual[0].from);
    await waitFor('dual-stack → IPv4', () => gotV4.length === 1);
    assert.deepEqual(gotV4[0].data, rtp(2));
    assert.equal(dual.stats.sendErrors, 0);
  } finally {
    await Promise.all([dual.close(), v4.close()]);
  }
});

test('UDP ipv6Only refuses IPv4 destinations as a counted send error, not a throw', async (t) => {
  if (!(await ipv6LoopbackAvailable())) {
    console.error('SKIP ipv6Only test: no IPv6 on this machine');
    t.skip('no IPv6 on this machine');
    return;
  }
  const s = await UdpTransport.bind({ address: '::', ipv6Only: true });
  try {
    const errors: NetworkError[] = [];
    s.on('error', (e) => errors.push(e));
    s.send(rtp(1), { address: '127.0.0.1', port: 9 });
    assert.equal(s.stats.sendErrors, 1);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /IPv6-only socket cannot send to the IPv4 address 127\.0\.0\.1/);
  } finally {
    await s.close();
  }
});

test('UDP bind: a port in use gives a NetworkError naming the address, port and EADDRINUSE', async () => {
  const first = await UdpTransport.bind({ address: '0.0.0.0' });
  const port = first.localAddress.port;
  try {
    await assert.rejects(UdpTransport.bind({ address: '0.0.0.0', port }), (err: unknown) => {
      assert.ok(err instanceof NetworkError, `NetworkError, got ${String(err)}`);
      assert.equal(err.code, 'ERR_NETWORK');
      assert.equal(
        err.message,
        `cannot bind UDP 0.0.0.0:${port}: address already in use (EADDRINUSE) — another program uses this port, or choose another --local`,
      );
      return true;
    });
  } finally {
    await first.close();
  }
  // Released: the port can be bound again after close().
  const again = await UdpTransport.bind({ address: '0.0.0.0', port });
  assert.equal(again.localAddress.port, port);
  await again.close();
});

test('UDP bind: a bad address gives a NetworkError naming it', async () => {
  await assert.rejects(UdpTransport.bind({ address: 'not-an-address', port: 5004 }), (err: unknown) => {
    assert.ok(err instanceof NetworkError);
    assert.match(err.message, /^cannot bind UDP not-an-address:5004: "not-an-address" is not a numeric IP address/);
    return true;
  });
  await assert.rejects(UdpTransport.bind({ address: '999.1.2.3' }), (err: unknown) => {
    assert.ok(err instanceof NetworkError);
    assert.match(err.message, /999\.1\.2\.3/);
    return true;
  });
  // 192.0.2.1 (TEST-NET-1, RFC 5737) is numeric but not an address of this machine.
  await assert.rejects(UdpTransport.bind({ address: '192.0.2.1', port: 0 }), (err: unknown) => {
    assert.ok(err instanceof NetworkError);
    assert.match(err.message, /^cannot bind UDP 192\.0\.2\.1:0: address not available \(EADDRNOTAVAIL\) — 192\.0\.2\.1 is not an address of this machine/);
    return true;
  });
});

test('UDP bind: bad options are ConfigErrors naming the option', async () => {
  await assert.rejects(UdpTransport.bind({ port: 70000 }), (err: unknown) => err instanceof ConfigError && /port/.test(err.message));
  await assert.rejects(UdpTransport.bind({ port: 1.5 }), ConfigError);
  await assert.rejects(UdpTransport.bind({ recvBufferSize: -1 }), (err: unknown) => err instanceof ConfigError && /recvBufferSize/.test(err.message));
});

test('UDP socket buffers are enlarged (the kernel may cap them)', async () => {
  const s = await UdpTransport.bind({ address: '127.0.0.1', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  try {
    // Linux reports twice the granted size; the grant is capped at net.core.rmem_max (≥ 208 KiB).
    assert.ok(s.recvBufferSize >= 200 * 1024, `recv buffer ${s.recvBufferSize}`);
    assert.ok(s.sendBufferSize >= 200 * 1024, `send buffer ${s.sendBufferSize}`);
  } finally {
    await s.close();
  }
  assert.equal(s.recvBufferSize, 0);
});

test('UDP send never throws per packet: bad destinations and closed sockets are counted and reported', async () => {
  const s = await UdpTransport.bind({ address: '127.0.0.1' });
  const errors: NetworkError[] = [];
  s.on('error', (e) => errors.push(e));
  try {
    s.send(rtp(1), { address: '127.0.0.1', port: 0 });
    s.send(rtp(1), { address: '127.0.0.1', port: 65536 });
    s.send(rtp(1), { address: 'example.com', port: 5004 });
    s.send(rtp(1), { address: '::1', port: 5004 });
    s.send(new Uint8Array(70000), { address: '127.0.0.1', port: 9 }); // EMSGSIZE, reported by the OS
    await waitFor('5 send errors', () => s.stats.sendErrors === 5);
    assert.equal(errors.length, 5);
    assert.match(errors[0].message, /^UDP 127\.0\.0\.1:\d+: cannot send to 127\.0\.0\.1:0: port 0 is not in \[1, 65535\]$/);
    assert.match(errors[2].message, /cannot send to example\.com:5004: "example\.com" is not a numeric IP address/);
    assert.match(errors[3].message, /cannot send to \[::1\]:5004: an IPv4 socket cannot send to the IPv6 address ::1/);
    assert.match(errors[4].message, /cannot send to 127\.0\.0\.1:9: datagram too large \(EMSGSIZE\)/);
    for (const e of errors) assert.ok(e instanceof NetworkError);
  } finally {
    await s.close();
  }
  await s.close(); // idempotent
  assert.equal(s.closed, true);
  s.send(rtp(1), { address: '127.0.0.1', port: 9 });
  assert.equal(s.stats.sendErrors, 6);
  assert.match(errors[5].message, /the transport is closed/);
});

test('UDP transport feeds a demux given at creation; setReceiver redirects and restores', async () => {
  const demux = new Demux();
  const a = await UdpTransport.bind({ address: '127.0.0.1' });
  const b = await UdpTransport.bind({ address: '127.0.0.1', demux });
  try {
    assert.equal(b.demux, demux);
    const got = collect(demux);
    const tapped: number[] = [];
    b.setReceiver((data) => tapped.push(data.byteLength));
    a.send(rtp(1), b.localAddress);
    await waitFor('tap', () => tapped.length === 1);
    b.setReceiver(undefined);
    a.send(rtp(2), b.localAddress);
    await waitFor('demux', () => got.length === 1);
    assert.deepEqual(got[0].data, rtp(2));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('bindRtpPair with port 0: an even RTP port, RTCP on the next one, each with its demux', async () => {
  for (let i = 0; i < 5; i++) {
    const pair = await bindRtpPair({ address: '127.0.0.1' });
    try {
      const p = pair.rtp.localAddress.port;
      assert.equal(p % 2, 0, `RTP port ${p} is even (RFC 3550 §11)`);
      assert.equal(pair.rtcp.localAddress.port, p + 1);
      assert.equal(pair.rtcpMux, false);
      assert.notEqual(pair.rtp.demux, pair.rtcp.demux);
      if (i === 0) {
        const gotRtp = collect(pair.rtp.demux, 'rtp');
        const gotRtcp = collect(pair.rtcp.demux, 'rtcp');
        const peer = await UdpTransport.bind({ address: '127.0.0.1' });
        peer.send(rtp(1), pair.rtp.localAddress);
        peer.send(rtcpSr(), pair.rtcp.localAddress);
        await waitFor('RTP and RTCP', () => gotRtp.length === 1 && gotRtcp.length === 1);
        await peer.close();
      }
    } finally {
      await pair.close();
    }
  }
});

test('bindRtpPair with an explicit port, rtcp-mux, and an RTCP port in use', async () => {
  // Find a free pair, release it, and bind it explicitly (another process could take it in
  // between; on a test machine that does not happen).
  const probe = await bindRtpPair({ address: '127.0.0.1' });
  const port = probe.rtp.localAddress.port;
  await probe.close();

  const pair = await bindRtpPair({ address: '127.0.0.1', port });
  assert.equal(pair.rtp.localAddress.port, port);
  assert.equal(pair.rtcp.localAddress.port, port + 1);
  assert.equal(pair.rtcp.purpose, 'RTCP');
  await pair.close();

  const muxed = await bindRtpPair({ address: '127.0.0.1', port, rtcpMux: true });
  assert.equal(muxed.rtcp, muxed.rtp, 'rtcp-mux: one socket (RFC 5761)');
  assert.equal(muxed.rtp.localAddress.port, port);
  const gotRtp = collect(muxed.rtp.demux, 'rtp');
  const gotRtcp = collect(muxed.rtp.demux, 'rtcp');
  const peer = await UdpTransport.bind({ address: '127.0.0.1' });
  peer.send(rtp(1), muxed.rtp.localAddress);
  peer.send(rtcpSr(), muxed.rtp.localAddress);
  await waitFor('muxed RTP and RTCP', () => gotRtp.length === 1 && gotRtcp.length === 1);

  // The muxed socket holds `port`, so a pair at port − 1 (odd, accepted) fails on its RTCP half.
  await assert.rejects(bindRtpPair({ address: '127.0.0.1', port: port - 1 }), (err: unknown) => {
    assert.ok(err instanceof NetworkError);
    assert.equal(
      err.message,
      `cannot bind UDP 127.0.0.1:${port} (RTCP = RTP port + 1): address already in use (EADDRINUSE) — another program uses this port, or choose another --local`,
    );
    return true;
  });
  // The RTP half was released after the failure.
  const rtpAgain = await UdpTransport.bind({ address: '127.0.0.1', port: port - 1 });
  await Promise.all([rtpAgain.close(), muxed.close(), peer.close()]);

  await assert.rejects(bindRtpPair({ port: 65535 }), ConfigError);
});

test('formatAddress brackets IPv6', () => {
  assert.equal(formatAddress('::1', 5004), '[::1]:5004');
  assert.equal(formatAddress('10.0.0.1', 5004), '10.0.0.1:5004');
});
