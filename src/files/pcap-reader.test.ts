import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ParseError } from '../core/errors.js';
import { sharedFile } from '../test-support/shared.js';
import { PcapReader, detectCaptureFormat, readUdpDatagrams } from './pcap-reader.js';

// ---- frame builders ------------------------------------------------------------------------

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return concat(be16(sport), be16(dport), be16(8 + payload.length), [0, 0], payload);
}

function ipv4(src: number[], dst: number[], proto: number, body: Uint8Array, frag = 0): Uint8Array {
  return concat([0x45, 0], be16(20 + body.length), [0, 1], be16(frag), [64, proto, 0, 0], src, dst, body);
}

function ipv6(src: number[], dst: number[], next: number, body: Uint8Array): Uint8Array {
  return concat([0x60, 0, 0, 0], be16(body.length), [next, 64], src, dst, body);
}

function ether(type: number, body: Uint8Array, vlans: number[] = []): Uint8Array {
  const tags = vlans.flatMap((tpid, i) => [...be16(tpid), ...be16(100 + i)]);
  // With VLAN tags, each tag's TPID replaces the type field, and the real type follows the tags.
  const head = vlans.length > 0 ? [...be16(vlans[0]), ...tags.slice(2), ...be16(type)] : be16(type);
  return concat([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], head, body);
}

const A4 = [10, 0, 0, 1];
const B4 = [192, 168, 1, 20];
const A6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const B6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55];
const RTP = Uint8Array.from([0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]);

function udp4(payload = RTP): Uint8Array {
  return ipv4(A4, B4, 17, udp(5004, 6000, payload));
}

// ---- file builders -------------------------------------------------------------------------

interface Rec {
  sec: number;
  frac: number;
  data: Uint8Array;
  origLen?: number;
}

function pcapFile(opts: { le: boolean; nano: boolean; linkType: number; snapLen?: number }, recs: Rec[]): Uint8Array {
  const hdr = new DataView(new ArrayBuffer(24));
  hdr.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, opts.le);
  hdr.setUint16(4, 2, opts.le);
  hdr.setUint16(6, 4, opts.le);
  hdr.setUint32(16, opts.snapLen ?? 65535, opts.le);
  hdr.setUint32(20, opts.linkType, opts.le);
  const parts: Uint8Array[] = [new Uint8Array(hdr.buffer)];
  for (const r of recs) {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, r.sec, opts.le);
    h.setUint32(4, r.frac, opts.le);
    h.setUint32(8, r.data.length, opts.le);
    h.setUint32(12, r.origLen ?? r.data.length, opts.le);
    parts.push(new Uint8Array(h.buffer), r.data);
  }
  return concat(...parts);
}

function block(le: boolean, type: number, body: Uint8Array): Uint8Array {
  const padded = concat(body, new Uint8Array((4 - (body.length % 4)) % 4));
  const len = 12 + padded.length;
  const head = new DataView(new ArrayBuffer(8));
  head.setUint32(0, type, le);
  head.setUint32(4, len, le);
  const tail = new DataView(new ArrayBuffer(4));
  tail.setUint32(0, len, le);
  return concat(new Uint8Array(head.buffer), padded, new Uint8Array(tail.buffer));
}

function option(le: boolean, code: number, value: Uint8Array): Uint8Array {
  const h = new DataView(new ArrayBuffer(4));
  h.setUint16(0, code, le);
  h.setUint16(2, value.length, le);
  return concat(new Uint8Array(h.buffer), value, new Uint8Array((4 - (value.length % 4)) % 4));
}

function shb(le: boolean): Uint8Array {
  const b = new DataView(new ArrayBuffer(16));
  b.setUint32(0, 0x1a2b3c4d, le);
  b.setUint16(4, 1, le);
  b.setUint16(6, 0, le);
  b.setBigInt64(8, -1n, le);
  return block(le, 0x0a0d0d0a, new Uint8Array(b.buffer));
}

function idb(le: boolean, linkType: number, opts: { tsresol?: number; tsoffset?: bigint } = {}): Uint8Array {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint16(0, linkType, le);
  b.setUint32(4, 0, le);
  const o: Uint8Array[] = [];
  if (opts.tsresol !== undefined) o.push(option(le, 9, Uint8Array.of(opts.tsresol)));
  if (opts.tsoffset !== undefined) {
    const v = new DataView(new ArrayBuffer(8));
    v.setBigInt64(0, opts.tsoffset, le);
    o.push(option(le, 14, new Uint8Array(v.buffer)));
  }
  if (o.length > 0) o.push(option(le, 0, new Uint8Array(0)));
  return block(le, 1, concat(new Uint8Array(b.buffer), ...o));
}

function epb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, origLen = data.length): Uint8Array {
  const b = new DataView(new ArrayBuffer(20));
  b.setUint32(0, ifId, le);
  b.setUint32(4, Number(ts >> 32n), le);
  b.setUint32(8, Number(ts & 0xffffffffn), le);
  b.setUint32(12, data.length, le);
  b.setUint32(16, origLen, le);
  return block(le, 6, concat(new Uint8Array(b.buffer), data));
}

function spb(le: boolean, data: Uint8Array): Uint8Array {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, data.length, le);
  return block(le, 3, concat(new Uint8Array(b.buffer), data));
}

// ---- tests ---------------------------------------------------------------------------------

test('format detection from the magic number, not the name', () => {
  assert.equal(detectCaptureFormat(pcapFile({ le: true, nano: false, linkType: 1 }, [])), 'pcap');
  assert.equal(detectCaptureFormat(pcapFile({ le: false, nano: true, linkType: 1 }, [])), 'pcap');
  assert.equal(detectCaptureFormat(concat(shb(true))), 'pcapng');
  assert.equal(detectCaptureFormat(Uint8Array.of(1, 2, 3, 4)), undefined);
});

for (const le of [true, false]) {
  for (const nano of [false, true]) {
    test(`classic pcap, ${le ? 'little' : 'big'}-endian, ${nano ? 'ns' : 'µs'} timestamps, Ethernet`, () => {
      const file = pcapFile({ le, nano, linkType: 1 }, [
        { sec: 1_700_000_000, frac: nano ? 123_456_789 : 123_456, data: ether(0x0800, udp4()) },
        { sec: 1_700_000_001, frac: 0, data: ether(0x0806, new Uint8Array(28)) }, // ARP
      ]);
      const { format, datagrams, stats } = readUdpDatagrams(file);
      assert.equal(format, 'pcap');
      assert.equal(datagrams.length, 1);
      const d = datagrams[0];
      assert.equal(d.timeMs, 1_700_000_000_000 + (nano ? 123.456789 : 123.456));
      assert.deepEqual(d.src, { address: '10.0.0.1', port: 5004 });
      assert.deepEqual(d.dst, { address: '192.168.1.20', port: 6000 });
      assert.deepEqual([...d.payload], [...RTP]);
      assert.equal(d.payload.buffer, file.buffer, 'payload is a view, not a copy');
      assert.deepEqual(stats, { frames: 2, udp: 1, ipFragmentsIgnored: 0, nonUdp: 1, unknownLinkType: 0, truncated: 0, invalid: 0 });
    });
  }
}

test('Ethernet with one and two VLAN tags (802.1Q, 802.1ad), and padding after a short datagram', () => {
  const short = udp4(Uint8Array.of(9));
  const padded = concat(ether(0x0800, short), new Uint8Array(20)); // Ethernet minimum-size padding
  const file = pcapFile({ le: true, nano: false, linkType: 1 }, [
    { sec: 1, frac: 0, data: ether(0x0800, udp4(), [0x8100]) },
    { sec: 2, frac: 0, data: ether(0x0800, udp4(), [0x88a8, 0x8100]) },
    { sec: 3, frac: 0, data: padded },
  ]);
  const { datagrams } = readUdpDatagrams(file);
  assert.equal(datagrams.length, 3);
  assert.deepEqual([...datagrams[2].payload], [9]);
});

test('Linux cooked captures SLL and SLL2, raw IPv4/IPv6, BSD null and OpenBSD loop', () => {
  const sll = concat([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], be16(0x0800), udp4());
  const sll2 = concat(be16(0x86dd), [0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], ipv6(A6, B6, 17, udp(1, 2, RTP)));
  const cases: [number, Uint8Array, string][] = [
    [113, sll, '10.0.0.1'],
    [276, sll2, '2001:db8::1'],
    [101, udp4(), '10.0.0.1'],
    [101, ipv6(A6, B6, 17, udp(1, 2, RTP)), '2001:db8::1'],
    [228, udp4(), '10.0.0.1'],
    [229, ipv6(A6, B6, 17, udp(1, 2, RTP)), '2001:db8::1'],
    [0, concat([2, 0, 0, 0], udp4()), '10.0.0.1'], // little-endian host, AF_INET
    [0, concat([0, 0, 0, 30], ipv6(A6, B6, 17, udp(1, 2, RTP))), '2001:db8::1'], // big-endian host, AF_INET6 (macOS)
    [108, concat([0, 0, 0, 2], udp4()), '10.0.0.1'],
  ];
  for (const [linkType, frame, src] of cases) {
    const { datagrams, stats } = readUdpDatagrams(pcapFile({ le: true, nano: false, linkType }, [{ sec: 1, frac: 0, data: frame }]));
    assert.equal(datagrams.length, 1, `link type ${linkType}: ${JSON.stringify(stats)}`);
    assert.equal(datagrams[0].src.address, src, `link type ${linkType}`);
    assert.deepEqual([...datagrams[0].payload], [...RTP]);
  }
  const { datagrams } = readUdpDatagrams(pcapFile({ le: true, nano: false, linkType: 229 }, [{ sec: 1, frac: 0, data: ipv6(A6, B6, 17, udp(1, 2, RTP)) }]));
  assert.equal(datagrams[0].dst.address, 'fe80::211:22ff:fe33:4455');
});

test('IPv4 fragments are ignored and counted; IPv6 extension headers are walked, its fragments counted', () => {
  const hopByHop = concat([17, 0, 1, 4, 0, 0, 0, 0], udp(7, 8, RTP)); // next header UDP, 8 bytes
  const frag6 = concat([17, 0, 0, 1, 0, 0, 0, 1], new Uint8Array(16));
  const file = pcapFile({ le: true, nano: false, linkType: 101 }, [
    { sec: 1, frac: 0, data: ipv4(A4, B4, 17, udp(1, 2, RTP), 0x2000) }, // more fragments
    { sec: 2, frac: 0, data: ipv4(A4, B4, 17, new Uint8Array(16), 0x0003) }, // offset 24
    { sec: 3, frac: 0, data: ipv6(A6, B6, 0, hopByHop) },
    { sec: 4, frac: 0, data: ipv6(A6, B6, 44, frag6) },
    { sec: 5, frac: 0, data: ipv4(A4, B4, 6, new Uint8Array(20)) }, // TCP
  ]);
  const { datagrams, stats } = readUdpDatagrams(file);
  assert.equal(datagrams.length, 1);
  assert.equal(datagrams[0].src.port, 7);
  assert.equal(stats.ipFragmentsIgnored, 3);
  assert.equal(stats.nonUdp, 1);
});

test('frames cut by the snap length are counted as truncated; broken headers as invalid', () => {
  const full = ether(0x0800, udp4());
  const file = pcapFile({ le: true, nano: false, linkType: 1, snapLen: 40 }, [
    { sec: 1, frac: 0, data: full.subarray(0, 40), origLen: full.length },
    { sec: 2, frac: 0, data: ether(0x0800, concat([0x41], new Uint8Array(30))) }, // IHL 1
    { sec: 3, frac: 0, data: ether(0x0800, ipv4(A4, B4, 17, concat(be16(1), be16(2), be16(200), [0, 0]))) }, // UDP length > IP
  ]);
  const { datagrams, stats } = readUdpDatagrams(file);
  assert.equal(datagrams.length, 0);
  assert.equal(stats.truncated, 1);
  assert.equal(stats.invalid, 2);
});

test('pcapng: two sections (both byte orders), interfaces with their own resolution and offset, EPB, SPB, other blocks skipped', () => {
  const le = true;
  const section1 = concat(
    shb(le),
    idb(le, 1, { tsresol: 9 }), // interface 0: Ethernet, ns
    idb(le, 101), // interface 1: raw IP, µs (default)
    block(le, 4, new Uint8Array(4)), // name resolution block: skipped
    epb(le, 0, 1_700_000_000_123_456_789n, ether(0x0800, udp4())),
    epb(le, 1, 1_700_000_000_500_000n, udp4(Uint8Array.of(7))),
    spb(le, ether(0x0800, udp4(Uint8Array.of(8)))), // no timestamp: keeps the previous one
    block(le, 5, new Uint8Array(12)), // interface statistics: skipped
  );
  const section2 = concat(
    shb(false),
    idb(false, 113, { tsresol: 0x80 | 10, tsoffset: 1_000_000n }), // 2^-10 s units, +10^6 s
    epb(false, 0, 1024n * 5n + 512n, concat([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], be16(0x0800), udp4(Uint8Array.of(9)))),
  );
  const file = concat(section1, section2);
  const reader = new PcapReader(file, { name: 'x.pcapng' });
  assert.equal(reader.format, 'pcapng');
  const d = [...reader.datagrams()];
  assert.equal(d.length, 4);
  assert.equal(d[0].timeMs, 1_700_000_000_123.456789);
  assert.equal(d[0].interfaceId, 0);
  assert.equal(d[1].timeMs, 1_700_000_000_500);
  assert.equal(d[1].interfaceId, 1);
  assert.deepEqual([...d[1].payload], [7]);
  assert.equal(d[2].hasTimestamp, false);
  assert.equal(d[2].timeMs, d[1].timeMs);
  assert.deepEqual([...d[2].payload], [8]);
  assert.equal(d[3].timeMs, (1_000_000 + 5.5) * 1000);
  assert.deepEqual([...d[3].payload], [9]);
  assert.equal(reader.stats.frames, 4);
  assert.deepEqual(d.map((x) => x.frameIndex), [0, 1, 2, 3]);
});

test('malformed files throw ParseError naming the offset', () => {
  const good = pcapFile({ le: true, nano: false, linkType: 1 }, [{ sec: 1, frac: 0, data: ether(0x0800, udp4()) }]);
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.of(0, 1, 2, 3, 4, 5), /offset 0: not a pcap or pcapng/],
    [good.subarray(0, 30), /offset 24: pcap record header/],
    [good.subarray(0, good.length - 3), /offset 40: pcap record of \d+ bytes/],
    [concat(shb(true), Uint8Array.of(6, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0)), /offset 56: pcapng block length 32 and trailing length 33/],
    [concat(shb(true), epb(true, 3, 0n, udp4())), /packet block names interface 3 but the section declares 0/],
    [concat(shb(true), Uint8Array.of(1, 0, 0, 0, 16, 0, 0, 0)), /offset 28: pcapng block header needs 12 bytes/],
    [concat(shb(true), Uint8Array.of(1, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0)), /offset 32: bad pcapng block length 13/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => [...new PcapReader(bytes, { name: 'f' }).datagrams()],
      (e: unknown) => e instanceof ParseError && re.test(e.message),
      re.source,
    );
  }
});

// ---- the real captures ---------------------------------------------------------------------

const REAL: { name: string; frames: number; udp: number; nonUdp: number; firstMs: number }[] = [
  { name: 'pcmu_8k_no_jitter.pcap', frames: 2528, udp: 2524, nonUdp: 4, firstMs: 1422628863009.609 },
  { name: 'rtp-534late-24loss-7000total.pcapng', frames: 7108, udp: 7108, nonUdp: 0, firstMs: 1420797657849.183 },
  { name: 'opus-poor-quality.pcapng', frames: 4240, udp: 4240, nonUdp: 0, firstMs: 1422884172809.387 },
];

for (const c of REAL) {
  test(`Mediastreamer2 capture ${c.name}: counts and first timestamp as tshark reads them`, (t) => {
    const path = sharedFile(t, 'data', 'ms2', 'scenarios', c.name);
    if (!path) return;
    const bytes = readFileSync(path);
    const { datagrams, stats } = readUdpDatagrams(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: c.name });
    assert.equal(stats.frames, c.frames);
    assert.equal(stats.udp, c.udp);
    assert.equal(stats.nonUdp, c.nonUdp);
    assert.ok(Math.abs(datagrams[0].timeMs - c.firstMs) < 0.001, `first ${datagrams[0].timeMs}`);
    for (let i = 1; i < datagrams.length; i++) assert.ok(datagrams[i].timeMs >= datagrams[i - 1].timeMs - 1000);
  });
}
