import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateError } from '../core/errors.js';
import { DEMUX_KINDS, Demux, type DemuxKind, type RemoteAddress } from './demux.js';

const FROM: RemoteAddress = { address: '192.0.2.7', port: 5004, family: 'IPv4' };

/** RTP, RFC 3550 §5.1: V=2, PT 0 (PCMU), seq 1, ts 160, SSRC 0x11223344, 160 bytes of payload. */
function rtpPacket(): Uint8Array {
  const p = new Uint8Array(12 + 160);
  p.set([0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xa0, 0x11, 0x22, 0x33, 0x44]);
  return p;
}

/** RTCP SR, RFC 3550 §6.4.1: V=2, RC 0, PT 200, length 6 (28 bytes). */
function rtcpSr(): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0x80, 200, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44]);
  return p;
}

/** STUN Binding request, RFC 8489 §5: type 0x0001, length 0, magic cookie, 96-bit transaction id. */
function stunBindingRequest(): Uint8Array {
  const p = new Uint8Array(20);
  p.set([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]);
  for (let i = 8; i < 20; i++) p[i] = i;
  return p;
}

/**
 * ZRTP Hello-like packet, RFC 6189 §5: 0x10 0x00, sequence, 'ZRTP' magic cookie, source id, then
 * the message (preamble 0x505a, length, 'Hello   ') and a CRC.
 */
function zrtpHello(): Uint8Array {
  const p = new Uint8Array(12 + 88 + 4);
  p.set([0x10, 0x00, 0x00, 0x01, 0x5a, 0x52, 0x54, 0x50, 0xde, 0xad, 0xbe, 0xef]);
  p.set([0x50, 0x5a, 0x00, 22], 12);
  p.set(new TextEncoder().encode('Hello   1.10'), 16);
  return p;
}

/** DTLS 1.2 handshake record header, RFC 6347 §4.1: type 22, version 0xfefd, epoch, seq, length. */
function dtlsRecord(): Uint8Array {
  const p = new Uint8Array(13 + 12);
  p.set([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12]);
  return p;
}

/** TURN ChannelData, RFC 8656 §12.4: channel 0x4000, length 4. */
function channelData(): Uint8Array {
  return new Uint8Array([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]);
}

interface Seen {
  kind: DemuxKind;
  data: Uint8Array;
  from: RemoteAddress;
  at: number;
}

function recordingDemux(kinds: readonly DemuxKind[]): { demux: Demux; seen: Seen[] } {
  const demux = new Demux();
  const seen: Seen[] = [];
  for (const kind of kinds) demux.register(kind, (data, from, at) => seen.push({ kind, data, from, at }));
  return { demux, seen };
}

test('demux routes each RFC 7983 kind to its handler, with the sender and arrival time', () => {
  const { demux, seen } = recordingDemux(DEMUX_KINDS);
  const cases: Array<[DemuxKind, Uint8Array]> = [
    ['rtp', rtpPacket()],
    ['rtcp', rtcpSr()],
    ['stun', stunBindingRequest()],
    ['zrtp', zrtpHello()],
    ['dtls', dtlsRecord()],
    ['turn-channel', channelData()],
  ];
  let t = 1000;
  for (const [kind, data] of cases) assert.equal(demux.receive(data, FROM, t++), kind);
  assert.deepEqual(
    seen.map((s) => s.kind),
    cases.map(([k]) => k),
  );
  for (const [i, s] of seen.entries()) {
    assert.equal(s.data, cases[i][1], 'the same bytes, not a copy');
    assert.equal(s.from, FROM);
    assert.equal(s.at, 1000 + i);
  }
  const st = demux.stats;
  assert.equal(st.received, 6);
  assert.equal(st.invalid, 0);
  for (const k of DEMUX_KINDS) {
    assert.equal(st.handled[k], 1, k);
    assert.equal(st.unhandled[k], 0, k);
  }
});

test('demux counts junk as invalid and reports it on the unhandled event', () => {
  const { demux, seen } = recordingDemux(DEMUX_KINDS);
  const events: string[] = [];
  demux.on('unhandled', (kind) => events.push(kind));
  const junk = [
    new Uint8Array(0),
    new Uint8Array([0x55, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]), // first byte in no range
    new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // 192..255: nothing
    new Uint8Array([0x80, 0x00, 0x00]), // RTP first byte, shorter than an RTP header
    new Uint8Array([0x00, 0x01, 0x00, 0x00]), // STUN first byte, shorter than a STUN header
    new Uint8Array([0x10, 0, 0, 1, 0x41, 0x42, 0x43, 0x44, 0, 0, 0, 0]), // 0x10 without the ZRTP cookie
  ];
  for (const j of junk) assert.equal(demux.receive(j, FROM, 0), 'invalid');
  assert.equal(seen.length, 0);
  assert.equal(demux.stats.invalid, junk.length);
  assert.deepEqual(events, junk.map(() => 'invalid'));
});

test('demux: recognised kinds without a handler are counted per kind and reported, STUN silently', () => {
  const demux = new Demux();
  const events: Array<[string, number]> = [];
  demux.on('unhandled', (kind, data, from, at) => {
    assert.equal(from, FROM);
    events.push([kind, at]);
  });
  demux.receive(rtpPacket(), FROM, 1);
  demux.receive(rtcpSr(), FROM, 2);
  demux.receive(zrtpHello(), FROM, 3);
  demux.receive(dtlsRecord(), FROM, 4);
  // mediastream's STUN keep-alives to the RTP/RTCP ports: recognised, counted, not reported.
  demux.receive(stunBindingRequest(), FROM, 5);
  demux.receive(stunBindingRequest(), FROM, 6);
  const st = demux.stats;
  assert.deepEqual(st.unhandled, { stun: 2, zrtp: 1, dtls: 1, 'turn-channel': 0, rtp: 1, rtcp: 1 });
  assert.equal(st.invalid, 0, 'STUN keep-alives are not invalid');
  assert.deepEqual(events, [
    ['rtp', 1],
    ['rtcp', 2],
    ['zrtp', 3],
    ['dtls', 4],
  ]);
});

test('demux: unregister (by kind, by handler, by the returned function) and re-register', () => {
  const demux = new Demux();
  const got: string[] = [];
  const h1 = (): void => void got.push('h1');
  const h2 = (): void => void got.push('h2');
  const off = demux.register('rtp', h1);
  assert.equal(demux.has('rtp'), true);
  assert.throws(() => demux.register('rtp', h2), StateError, 'a second handler for a kind is refused');
  demux.receive(rtpPacket(), FROM, 0);
  off();
  assert.equal(demux.has('rtp'), false);
  demux.receive(rtpPacket(), FROM, 0);
  assert.equal(demux.stats.unhandled.rtp, 1);

  demux.register('rtp', h2);
  off(); // the old disposer must not remove its successor
  assert.equal(demux.unregister('rtp', h1), false);
  demux.receive(rtpPacket(), FROM, 0);
  assert.equal(demux.unregister('rtp'), true);
  assert.equal(demux.unregister('rtp'), false);
  assert.deepEqual(got, ['h1', 'h2']);

  // Later work (ZRTP, ICE) plugs in the same way; one function may take both RTP and RTCP.
  const both: string[] = [];
  const session = (d: Uint8Array): void => void both.push(d[1] === 200 ? 'rtcp' : 'rtp');
  demux.register('rtp', session);
  demux.register('rtcp', session);
  demux.receive(rtpPacket(), FROM, 0);
  demux.receive(rtcpSr(), FROM, 0);
  assert.deepEqual(both, ['rtp', 'rtcp']);
  assert.throws(() => demux.register('nope' as DemuxKind, session), TypeError);
});

test('demux: a throwing handler is caught and counted; later datagrams still flow', () => {
  const demux = new Demux();
  const errors: Array<[unknown, string]> = [];
  demux.on('handler-error', (err, kind) => errors.push([err, kind]));
  let n = 0;
  demux.register('rtp', () => {
    n++;
    if (n === 1) throw new Error('boom');
  });
  demux.receive(rtpPacket(), FROM, 0);
  demux.receive(rtpPacket(), FROM, 0);
  assert.equal(n, 2);
  assert.equal(demux.stats.handlerErrors, 1);
  assert.equal(demux.stats.handled.rtp, 2);
  assert.equal(errors.length, 1);
  assert.equal(errors[0][1], 'rtp');
});

test('demux: RTCP is told from RTP by the second byte, 192..223 (RFC 5761 §4)', () => {
  const { demux, seen } = recordingDemux(['rtp', 'rtcp']);
  // Second byte = RTCP packet type, or RTP marker bit + payload type: RTP with PT 64..95 and the
  // marker set would read as RTCP, which is why RFC 5761 §4 keeps those PTs out of muxed sessions.
  for (const pt of [192, 193, 200, 201, 202, 203, 204, 205, 206, 207, 223]) {
    const p = rtcpSr();
    p[1] = pt;
    demux.receive(p, FROM, 0);
  }
  for (const b1 of [0, 8, 96, 111, 127, 0x80 | 0, 0x80 | 8, 0x80 | 96, 0x80 | 127]) {
    const p = rtpPacket();
    p[1] = b1;
    demux.receive(p, FROM, 0);
  }
  assert.deepEqual(
    seen.map((s) => s.kind),
    [...Array<DemuxKind>(11).fill('rtcp'), ...Array<DemuxKind>(9).fill('rtp')],
  );
});

test('demux: stats are snapshots, resetStats zeroes them', () => {
  const demux = new Demux();
  demux.receive(rtpPacket(), FROM, 0);
  const before = demux.stats;
  demux.receive(rtpPacket(), FROM, 0);
  assert.equal(before.unhandled.rtp, 1, 'a snapshot does not change');
  assert.equal(demux.stats.unhandled.rtp, 2);
  demux.resetStats();
  assert.equal(demux.stats.received, 0);
  assert.equal(demux.stats.unhandled.rtp, 0);
});

test('demux.receive works detached (transports keep it as a plain function)', () => {
  const { demux, seen } = recordingDemux(['rtp']);
  const receive = demux.receive;
  receive(rtpPacket(), FROM, 5);
  assert.equal(seen.length, 1);
});
