/**
 * Capture-file reader: classic pcap and pcapng, down to the UDP datagrams they hold.
 *
 * Used to replay recorded RTP flows (Mediastreamer2's test captures, field captures) into the
 * sans-IO protocol cores at their recorded timing. It reads a whole file held in memory and hands
 * out views (`subarray`) of it: nothing is copied.
 *
 * Formats (the file's first four bytes decide; the name's extension is never trusted, since
 * Wireshark saves pcapng into `.pcap` files and the reverse):
 * - classic pcap (draft-ietf-opsawg-pcap): magic 0xA1B2C3D4 (µs timestamps) or 0xA1B23C4D (ns),
 *   in either byte order (the writer's);
 * - pcapng (draft-ietf-opsawg-pcapng): Section Header (byte order per section, several sections
 *   may follow each other), Interface Description (link type, `if_tsresol`, `if_tsoffset`; one
 *   per interface, numbered in order within the section), Enhanced Packet, Simple Packet and the
 *   obsolete Packet block. Other blocks (name resolution, statistics, custom …) are skipped.
 *
 * Link types: Ethernet (with any number of 802.1Q / 802.1ad VLAN tags), Linux cooked capture v1
 * (SLL) and v2 (SLL2), raw IP (LINKTYPE_RAW and its aliases, IPv4-only and IPv6-only), BSD
 * loopback/null (address family in the capturing host's byte order) and OpenBSD loopback
 * (network byte order). Network layer: IPv4 and IPv6 (extension headers skipped). IP fragments
 * are not reassembled: a media flow does not fragment, so they are counted and ignored.
 *
 * Errors: a broken *container* (bad magic, a record or block running past the end of the file,
 * block lengths that disagree, an undeclared interface) throws a ParseError naming the byte
 * offset. A frame whose *contents* do not parse (garbage on the wire, a header cut by the snap
 * length) is counted in `stats` and skipped: a capture records whatever crossed the wire, and one
 * bad frame must not make the rest of the file unreadable.
 */
import { ParseError } from '../core/errors.js';

/** An IP address and UDP port. */
export interface UdpEndpoint {
  /** Dotted quad for IPv4; RFC 5952 text (lower case, longest zero run compressed) for IPv6. */
  address: string;
  port: number;
}

/** One UDP datagram found in a capture. */
export interface UdpDatagram {
  /**
   * Capture time in milliseconds since the Unix epoch (fractional: µs and ns survive as
   * fractions; a double keeps µs exactly at today's epoch values, ns to about 0.25 µs).
   */
  timeMs: number;
  /**
   * False only for pcapng Simple Packet Blocks, which carry no timestamp: `timeMs` then repeats
   * the previous packet's time (0 before any), so a replay keeps its order.
   */
  hasTimestamp: boolean;
  src: UdpEndpoint;
  dst: UdpEndpoint;
  /** The UDP payload: a view into the capture buffer (trimmed to the UDP length). */
  payload: Uint8Array;
  /** Interface number (pcapng: index of the IDB in its section; classic pcap: 0). */
  interfaceId: number;
  /** Index of the frame in the file (0-based, over all frames, UDP or not). */
  frameIndex: number;
}

/** What the reader saw while walking the file. */
export interface PcapStats {
  /** Frames (packet records / packet blocks) in the file. */
  frames: number;
  /** UDP datagrams yielded. */
  udp: number;
  /** IPv4 (and IPv6) fragments ignored: no reassembly. */
  ipFragmentsIgnored: number;
  /** Frames that are not IPv4/IPv6 UDP (ARP, TCP, ICMP, LLC …). */
  nonUdp: number;
  /** Frames whose link type this reader does not know. */
  unknownLinkType: number;
  /** Frames cut short by the snap length before the end of the UDP datagram. */
  truncated: number;
  /** Frames whose link, IP or UDP header is inconsistent. */
  invalid: number;
}

/** Capture container format. */
export type CaptureFormat = 'pcap' | 'pcapng';

// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
// DLT_RAW's historical numbers on some platforms, which some writers put in files as-is.
const DLT_RAW_ALIASES = new Set([12, 14]);

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = new Set([0x8100, 0x88a8, 0x9100]);

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 0x00000001;
const PCAPNG_PB = 0x00000002; // obsolete Packet Block
const PCAPNG_SPB = 0x00000003;
const PCAPNG_EPB = 0x00000006;
const PCAPNG_BOM = 0x1a2b3c4d;

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second: 10^n or 2^n (if_tsresol). */
  unitsPerSecond: bigint;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSeconds: bigint;
}

/** The format of a capture, from its first four bytes; undefined if neither. */
export function detectCaptureFormat(data: Uint8Array): CaptureFormat | undefined {
  if (data.length < 4) return undefined;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const be = dv.getUint32(0, false);
  if (be === PCAPNG_SHB) return 'pcapng';
  const le = dv.getUint32(0, true);
  for (const m of [be, le]) if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) return 'pcap';
  return undefined;
}

/**
 * Reads a capture held in memory. `name` (e.g. the file name) prefixes error messages.
 * Iterate `datagrams()` (lazily, once or many times); `stats` fills in as it goes.
 */
export class PcapReader {
  readonly format: CaptureFormat;
  readonly stats: PcapStats = emptyStats();
  private readonly data: Uint8Array;
  private readonly dv: DataView;
  private readonly name: string;

  constructor(data: Uint8Array, options: { name?: string } = {}) {
    this.data = data;
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.name = options.name ?? 'capture';
    const format = detectCaptureFormat(data);
    if (!format) {
      throw new ParseError(`${this.name} at offset 0`, 'not a pcap or pcapng file (unknown magic number)');
    }
    this.format = format;
  }

  /** Every UDP datagram in file order. Restarting the iteration resets `stats`. */
  *datagrams(): Generator<UdpDatagram> {
    Object.assign(this.stats, emptyStats());
    if (this.format === 'pcap') yield* this.readPcap();
    else yield* this.readPcapng();
  }

  private fail(offset: number, reason: string): never {
    throw new ParseError(`${this.name} at offset ${offset}`, reason);
  }

  private need(offset: number, length: number, what: string): void {
    if (offset + length > this.data.length) {
      this.fail(offset, `${what} needs ${length} bytes but the file ends after ${this.data.length - offset}`);
    }
  }

  // ---- classic pcap -------------------------------------------------------------------------

  private *readPcap(): Generator<UdpDatagram> {
    const dv = this.dv;
    this.need(0, 24, 'pcap file header');
    const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
    const magic = dv.getUint32(0, le);
    const nano = magic === 0xa1b23c4d;
    const major = dv.getUint16(4, le);
    if (major !== 2) this.fail(4, `unsupported pcap major version ${major} (expected 2)`);
    // The link-type field's upper bits may carry the FCS length (bits 28-31) and its flag (bit
    // 26); the link type itself is the low 16 bits. The header's time zone field is always 0 in
    // practice (the draft says so) and is ignored.
    const linkType = dv.getUint32(20, le) & 0xffff;
    let off = 24;
    let frame = 0;
    while (off < this.data.length) {
      this.need(off, 16, 'pcap record header');
      const sec = dv.getUint32(off, le);
      const frac = dv.getUint32(off + 4, le);
      const inclLen = dv.getUint32(off + 8, le);
      const origLen = dv.getUint32(off + 12, le);
      if (inclLen > 0x4000000) this.fail(off + 8, `captured length ${inclLen} is implausible (corrupt record)`);
      this.need(off + 16, inclLen, `pcap record of ${inclLen} bytes`);
      const timeMs = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
      const bytes = this.data.subarray(off + 16, off + 16 + inclLen);
      this.stats.frames++;
      const d = this.decodeFrame(linkType, bytes, inclLen < origLen);
      if (d) yield { ...d, timeMs, hasTimestamp: true, interfaceId: 0, frameIndex: frame };
      frame++;
      off += 16 + inclLen;
    }
  }

  // ---- pcapng -------------------------------------------------------------------------------

  private *readPcapng(): Generator<UdpDatagram> {
    const dv = this.dv;
    let off = 0;
    let le = true;
    let interfaces: Interface[] = [];
    let frame = 0;
    let lastTimeMs = 0;
    while (off < this.data.length) {
      this.need(off, 12, 'pcapng block header');
      // The SHB's type reads the same in both byte orders; its byte-order magic sets the order
      // for the whole section, so it is checked before the block length is read.
      if (dv.getUint32(off, false) === PCAPNG_SHB) {
        this.need(off, 16, 'pcapng section header');
        const bom = dv.getUint32(off + 8, true);
        if (bom === PCAPNG_BOM) le = true;
        else if (dv.getUint32(off + 8, false) === PCAPNG_BOM) le = false;
        else this.fail(off + 8, 'bad byte-order magic in pcapng section header');
        const major = dv.getUint16(off + 12, le);
        if (major !== 1) this.fail(off + 12, `unsupported pcapng major version ${major} (expected 1)`);
        interfaces = [];
      }
      const type = dv.getUint32(off, le);
      const len = dv.getUint32(off + 4, le);
      if (len < 12 || len % 4 !== 0) this.fail(off + 4, `bad pcapng block length ${len} (must be a multiple of 4, at least 12)`);
      this.need(off, len, `pcapng block of ${len} bytes`);
      const trailer = dv.getUint32(off + len - 4, le);
      if (trailer !== len) this.fail(off + len - 4, `pcapng block length ${len} and trailing length ${trailer} differ`);
      const body = off + 8;
      const bodyEnd = off + len - 4;
      switch (type) {
        case PCAPNG_SHB:
          break;
        case PCAPNG_IDB: {
          if (bodyEnd - body < 8) this.fail(off, 'pcapng interface description block too short');
          const iface: Interface = {
            linkType: dv.getUint16(body, le),
            snapLen: dv.getUint32(body + 4, le),
            unitsPerSecond: 1_000_000n,
            offsetSeconds: 0n,
          };
          this.readIdbOptions(body + 8, bodyEnd, le, iface);
          interfaces.push(iface);
          break;
        }
        case PCAPNG_EPB:
        case PCAPNG_PB: {
          if (bodyEnd - body < 20) this.fail(off, 'pcapng packet block too short');
          const ifId = type === PCAPNG_EPB ? dv.getUint32(body, le) : dv.getUint16(body, le);
          const iface = interfaces[ifId];
          if (!iface) this.fail(body, `packet block names interface ${ifId} but the section declares ${interfaces.length}`);
          const tsHigh = dv.getUint32(body + 4, le);
          const tsLow = dv.getUint32(body + 8, le);
          const capLen = dv.getUint32(body + 12, le);
          const origLen = dv.getUint32(body + 16, le);
          if (body + 20 + capLen > bodyEnd) this.fail(body + 12, `captured length ${capLen} runs past its block`);
          const ts = (BigInt(tsHigh) << 32n) | BigInt(tsLow);
          const timeMs = tsToMs(ts, iface);
          lastTimeMs = timeMs;
          const bytes = this.data.subarray(body + 20, body + 20 + capLen);
          this.stats.frames++;
          const d = this.decodeFrame(iface.linkType, bytes, capLen < origLen);
          if (d) yield { ...d, timeMs, hasTimestamp: true, interfaceId: ifId, frameIndex: frame };
          frame++;
          break;
        }
        case PCAPNG_SPB: {
          // Simple Packet Block: interface 0, no timestamp; captured length is the smaller of the
          // original length, the snap length and what the block holds.
          const iface = interfaces[0];
          if (!iface) this.fail(off, 'simple packet block before any interface description');
          if (bodyEnd - body < 4) this.fail(off, 'pcapng simple packet block too short');
          const origLen = dv.getUint32(body, le);
          let capLen = Math.min(origLen, bodyEnd - body - 4);
          if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
          const bytes = this.data.subarray(body + 4, body + 4 + capLen);
          this.stats.frames++;
          const d = this.decodeFrame(iface.linkType, bytes, capLen < origLen);
          if (d) yield { ...d, timeMs: lastTimeMs, hasTimestamp: false, interfaceId: 0, frameIndex: frame };
          frame++;
          break;
        }
        default:
          break; // NRB, ISB, DSB, custom blocks: nothing for us
      }
      off += len;
    }
  }

  private readIdbOptions(off: number, end: number, le: boolean, iface: Interface): void {
    const dv = this.dv;
    while (off + 4 <= end) {
      const code = dv.getUint16(off, le);
      const len = dv.getUint16(off + 2, le);
      if (code === 0) return; // opt_endofopt
      if (off + 4 + len > end) this.fail(off + 2, `interface option ${code} of ${len} bytes runs past its block`);
      if (code === 9 && len >= 1) {
        // if_tsresol: MSB clear → 10^-n s, MSB set → 2^-n s.
        const v = this.data[off + 4];
        const n = BigInt(v & 0x7f);
        iface.unitsPerSecond = v & 0x80 ? 1n << n : 10n ** n;
      } else if (code === 14 && len >= 8) {
        iface.offsetSeconds = dv.getBigInt64(off + 4, le);
      }
      off += 4 + ((len + 3) & ~3);
    }
  }

  // ---- link, network and transport layers ---------------------------------------------------

  /** Decodes one frame down to UDP; undefined (and a count) when it is not a usable datagram. */
  private decodeFrame(
    linkType: number,
    f: Uint8Array,
    cut: boolean,
  ): Pick<UdpDatagram, 'src' | 'dst' | 'payload'> | undefined {
    let proto: 'ipv4' | 'ipv6' | undefined;
    let p = 0;
    const u16 = (i: number): number => (f[i] << 8) | f[i + 1];
    switch (linkType) {
      case LINKTYPE_ETHERNET: {
        if (f.length < 14) return this.short(cut);
        let type = u16(12);
        p = 14;
        while (ETHERTYPE_VLAN.has(type)) {
          if (f.length < p + 4) return this.short(cut);
          type = u16(p + 2);
          p += 4;
        }
        proto = etherProto(type);
        break;
      }
      case LINKTYPE_LINUX_SLL: {
        if (f.length < 16) return this.short(cut);
        let type = u16(14);
        p = 16;
        while (ETHERTYPE_VLAN.has(type)) {
          if (f.length < p + 4) return this.short(cut);
          type = u16(p + 2);
          p += 4;
        }
        proto = etherProto(type);
        break;
      }
      case LINKTYPE_LINUX_SLL2: {
        if (f.length < 20) return this.short(cut);
        proto = etherProto(u16(0));
        p = 20;
        break;
      }
      case LINKTYPE_RAW:
      case LINKTYPE_IPV4:
      case LINKTYPE_IPV6:
        proto = ipVersion(f, 0);
        break;
      case LINKTYPE_NULL:
      case LINKTYPE_LOOP: {
        if (f.length < 4) return this.short(cut);
        // NULL: the family is in the capturing host's byte order, unknown to us; a family fits
        // in one byte, so whichever end holds it tells. LOOP: always network order.
        const be = ((f[0] << 24) | (f[1] << 16) | (f[2] << 8) | f[3]) >>> 0;
        const le = ((f[3] << 24) | (f[2] << 16) | (f[1] << 8) | f[0]) >>> 0;
        const af = linkType === LINKTYPE_LOOP ? be : be < 256 ? be : le;
        proto = af === 2 ? 'ipv4' : af === 24 || af === 28 || af === 30 || af === 10 ? 'ipv6' : undefined;
        p = 4;
        break;
      }
      default:
        if (DLT_RAW_ALIASES.has(linkType)) {
          proto = ipVersion(f, 0);
          break;
        }
        this.stats.unknownLinkType++;
        return undefined;
    }
    if (!proto) {
      this.stats.nonUdp++;
      return undefined;
    }
    return proto === 'ipv4' ? this.decodeIpv4(f, p, cut) : this.decodeIpv6(f, p, cut);
  }

  private decodeIpv4(f: Uint8Array, p: number, cut: boolean): Pick<UdpDatagram, 'src' | 'dst' | 'payload'> | undefined {
    if (f.length < p + 20) return this.short(cut);
    if (f[p] >> 4 !== 4) return this.bad();
    const ihl = (f[p] & 0x0f) * 4;
    const total = (f[p + 2] << 8) | f[p + 3];
    // total 0 happens with TCP segmentation offload captures; then the frame's end is the bound.
    if (ihl < 20 || (total !== 0 && total < ihl)) return this.bad();
    if (f.length < p + ihl) return this.short(cut);
    const fragField = (f[p + 6] << 8) | f[p + 7];
    const moreFragments = (fragField & 0x2000) !== 0;
    const fragOffset = fragField & 0x1fff;
    if (moreFragments || fragOffset !== 0) {
      this.stats.ipFragmentsIgnored++;
      return undefined;
    }
    if (f[p + 9] !== 17) {
      this.stats.nonUdp++;
      return undefined;
    }
    const src = `${f[p + 12]}.${f[p + 13]}.${f[p + 14]}.${f[p + 15]}`;
    const dst = `${f[p + 16]}.${f[p + 17]}.${f[p + 18]}.${f[p + 19]}`;
    const end = total === 0 ? f.length : p + total;
    return this.decodeUdp(f, p + ihl, end, src, dst, cut);
  }

  private decodeIpv6(f: Uint8Array, p: number, cut: boolean): Pick<UdpDatagram, 'src' | 'dst' | 'payload'> | undefined {
    if (f.length < p + 40) return this.short(cut);
    if (f[p] >> 4 !== 6) return this.bad();
    const payloadLen = (f[p + 4] << 8) | f[p + 5];
    let next = f[p + 6];
    const src = ipv6Text(f, p + 8);
    const dst = ipv6Text(f, p + 24);
    // Payload length 0 means a jumbogram (RFC 2675); bound by the frame then.
    const end = payloadLen === 0 ? f.length : p + 40 + payloadLen;
    let q = p + 40;
    // Walk the extension headers (RFC 8200 §4): hop-by-hop 0, routing 43, fragment 44,
    // destination options 60; AH 51 counts its length in 4-byte units.
    for (;;) {
      if (next === 17) break;
      if (next === 44) {
        this.stats.ipFragmentsIgnored++;
        return undefined;
      }
      if (next === 0 || next === 43 || next === 60 || next === 51) {
        if (f.length < q + 2) return this.short(cut);
        const len = next === 51 ? (f[q + 1] + 2) * 4 : (f[q + 1] + 1) * 8;
        next = f[q];
        q += len;
        if (q > end) return this.bad();
        continue;
      }
      this.stats.nonUdp++;
      return undefined;
    }
    return this.decodeUdp(f, q, end, src, dst, cut);
  }

  private decodeUdp(
    f: Uint8Array,
    q: number,
    ipEnd: number,
    src: string,
    dst: string,
    cut: boolean,
  ): Pick<UdpDatagram, 'src' | 'dst' | 'payload'> | undefined {
    if (f.length < q + 8) return this.short(cut || ipEnd > f.length);
    const udpLen = (f[q + 4] << 8) | f[q + 5];
    // UDP length 0 is legal only for IPv6 jumbograms (RFC 2675); take the IP bound then.
    const end = udpLen === 0 ? ipEnd : q + udpLen;
    if (udpLen !== 0 && (udpLen < 8 || end > ipEnd)) return this.bad();
    if (end > f.length) return this.short(true);
    this.stats.udp++;
    return {
      src: { address: src, port: (f[q] << 8) | f[q + 1] },
      dst: { address: dst, port: (f[q + 2] << 8) | f[q + 3] },
      payload: f.subarray(q + 8, end),
    };
  }

  /** A frame that ended early: cut by the snap length (counted as truncated) or broken. */
  private short(cut: boolean): undefined {
    if (cut) this.stats.truncated++;
    else this.stats.invalid++;
    return undefined;
  }

  private bad(): undefined {
    this.stats.invalid++;
    return undefined;
  }
}

/** Convenience: every UDP datagram of a capture, plus the reader's counts. */
export function readUdpDatagrams(
  data: Uint8Array,
  options: { name?: string } = {},
): { format: CaptureFormat; datagrams: UdpDatagram[]; stats: PcapStats } {
  const reader = new PcapReader(data, options);
  const datagrams = [...reader.datagrams()];
  return { format: reader.format, datagrams, stats: { ...reader.stats } };
}

function emptyStats(): PcapStats {
  return { frames: 0, udp: 0, ipFragmentsIgnored: 0, nonUdp: 0, unknownLinkType: 0, truncated: 0, invalid: 0 };
}

function etherProto(type: number): 'ipv4' | 'ipv6' | undefined {
  return type === ETHERTYPE_IPV4 ? 'ipv4' : type === ETHERTYPE_IPV6 ? 'ipv6' : undefined;
}

function ipVersion(f: Uint8Array, p: number): 'ipv4' | 'ipv6' | undefined {
  if (f.length <= p) return undefined;
  const v = f[p] >> 4;
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
}

function tsToMs(ts: bigint, iface: Interface): number {
  // Split into whole seconds and a remainder before going to floating point, so a 64-bit
  // nanosecond count does not lose its low bits in a double.
  const sec = ts / iface.unitsPerSecond + iface.offsetSeconds;
  const rem = ts % iface.unitsPerSecond;
  return Number(sec) * 1000 + (Number(rem) * 1000) / Number(iface.unitsPerSecond);
}

/** RFC 5952 text form of the 16 bytes at `p`. */
function ipv6Text(f: Uint8Array, p: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((f[p + 2 * i] << 8) | f[p + 2 * i + 1]);
  // Longest run of at least two zero words; the first one on a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 §5).
  if (bestStart === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${f[p + 12]}.${f[p + 13]}.${f[p + 14]}.${f[p + 15]}`;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}
