import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { type RtpHeaderExtension, RTP_EXTENSION_PROFILE_ONE_BYTE, RTP_EXTENSION_PROFILE_TWO_BYTE } from './header-extension.js';
import { type RtpPacket, type RtpPacketInit, newRtpHeaderPeek, parseRtpPacket, peekRtpHeader, rtpPacketSize, serializeRtpPacket } from './packet.js';
import { assertParseError, hex, loadVectorFile, toHex } from './test-helpers.js';

interface RtpCase {
  test_func: string;
  var: string;
  comment: string | null;
  hex: string;
  want_go: string | null;
}

/** The header most pion cases share: M=1, PT 96, seq 27023, ts 3653407706, SSRC 476325762. */
const pkt = (o: Partial<RtpPacket>): RtpPacket => ({
  marker: true,
  payloadType: 96,
  sequenceNumber: 27023,
  timestamp: 3653407706,
  ssrc: 476325762,
  csrc: [],
  extensionProfile: undefined,
  extensions: [],
  extensionData: undefined,
  payload: new Uint8Array(0),
  paddingSize: 0,
  ...o,
});
const ext = (id: number, data: string): RtpHeaderExtension => ({ id, data: hex(data) });
const BEDE = RTP_EXTENSION_PROFILE_ONE_BYTE;
const TWO = RTP_EXTENSION_PROFILE_TWO_BYTE;
const P1 = { extensionProfile: 1, extensionData: hex('ffffffff') }; // pion's "Extensions: {0, FF FF FF FF}" with profile 1
const withV2 = (b: Uint8Array): Uint8Array => {
  const c = Uint8Array.from(b);
  c[0] = (c[0] & 0x3f) | 0x80;
  return c;
};

type RtpExpect =
  /** Parses to `want`; serialises to the same bytes, or to `canonical` (with why). */
  | { kind: 'ok'; want: RtpPacket; canonical?: { hex: string; why: string } }
  /** Rejected with ParseError. */
  | { kind: 'error'; why: string }
  /**
   * Version 0 (pion does not check the version; RFC 3550 §5.1 requires 2, and a first byte of
   * 0x10 is ZRTP's, RFC 6189 §5): rejected; with the version set to 2, parses to `want`.
   */
  | { kind: 'v0'; want: RtpPacket; canonical?: { hex: string; why: string } }
  /** Not a packet: an extension value of an API test. */
  | { kind: 'other'; why: string; check: (b: Uint8Array) => void };

const paddingZeros = 'padding octets are written as zeros then the count (pion marshals this packet to the same bytes: its next case)';
const interPadding = "RFC 8285 padding between elements is not kept; re-encoding packs the elements (pion's rawPktReMarshal, the next case)";
const stopped = 'elements are dropped from the stop point on (RFC 8285 §4.2), so the re-encoded one-byte extension is empty';

/** One entry per case of pion_rtp_packet_cases.json, in file order. */
const EXPECT: RtpExpect[] = [
  /* 0 */ { kind: 'ok', want: pkt({ ...P1, payload: hex('9836be889e') }) },
  /* 1 */ { kind: 'ok', want: pkt({ ...P1, payload: hex('98'), paddingSize: 4 }), canonical: { hex: 'b0e0698fd9c293da1c64278200010001ffffffff9800000004', why: paddingZeros } },
  /* 2 */ { kind: 'ok', want: pkt({ ...P1, payload: hex('9836be889e') }) },
  /* 3 */ { kind: 'ok', want: pkt({ ...P1, paddingSize: 5 }), canonical: { hex: 'b0e0698fd9c293da1c64278200010001ffffffff0000000005', why: paddingZeros } },
  /* 4 */ { kind: 'error', why: 'P set with a padding count of 0 (the count includes itself, RFC 3550 §5.1)' },
  /* 5 */ { kind: 'error', why: 'padding count 6 > the 5 bytes after the header (pion asserts Unmarshal fails; its literal is unused)' },
  /* 6 */ { kind: 'ok', want: pkt({ ...P1, payload: hex('98'), paddingSize: 4 }) },
  /* 7 */ { kind: 'ok', want: pkt({ ...P1, paddingSize: 5 }) },
  /* 8 */ { kind: 'ok', want: pkt({ ...P1, paddingSize: 5 }) },
  /* 9 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(1, 'aa')], extensionData: hex('10aa0000'), payload: hex('98'), paddingSize: 4 }) },
  /* 10 */ { kind: 'ok', want: pkt({ payload: hex('98'), paddingSize: 4 }) },
  /* 11 */ { kind: 'error', why: 'X set but the packet ends at the fixed header' },
  /* 12 */ { kind: 'error', why: 'extension length 0x9999 words runs past the packet' },
  /* 13 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(5, 'aa')], extensionData: hex('50aa0000'), payload: hex('9836be889e') }) },
  /* 14 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(1, 'aa'), ext(2, 'bb')], extensionData: hex('10aa20bb'), payload: hex('9836be889e') }) },
  /* 15 */ {
    kind: 'ok',
    want: pkt({ extensionProfile: BEDE, extensions: [ext(1, 'aa'), ext(2, 'bbbb'), ext(3, 'cccccccc')], extensionData: hex('10aa21bbbb000033cccccccc'), payload: hex('9836be889e') }),
    canonical: { hex: '90e0698fd9c293da1c642782bede000310aa21bbbb33cccccccc00009836be889e', why: interPadding },
  },
  /* 16 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(1, 'aa'), ext(2, 'bbbb'), ext(3, 'cccccccc')], extensionData: hex('10aa21bbbb33cccccccc0000'), payload: hex('9836be889e') }) },
  /* 17 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(1, 'aa'), ext(2, 'bbbb'), ext(3, 'cccccccc')], extensionData: hex('10aa21bbbb33cccccccc0000'), payload: hex('9836be889e') }) },
  /* 18 */ { kind: 'ok', want: pkt({ extensionProfile: TWO, extensions: [ext(5, 'aa'.repeat(24))], extensionData: hex('0518' + 'aa'.repeat(24) + '0000'), payload: hex('9836be889e') }) },
  /* 19 */ {
    kind: 'ok',
    want: pkt({ extensionProfile: TWO, extensions: [ext(1, ''), ext(2, 'bb'), ext(3, 'cccccccc')], extensionData: hex('01000201bb000304cccccccc'), payload: hex('9836be889e') }),
    canonical: { hex: '90e0698fd9c293da1c6427821000000301000201bb0304cccccccc009836be889e', why: interPadding },
  },
  /* 20 */ { kind: 'ok', want: pkt({ extensionProfile: TWO, extensions: [ext(1, ''), ext(2, 'bb'), ext(3, 'cccccccc')], extensionData: hex('01000201bb0304cccccccc00'), payload: hex('9836be889e') }) },
  /* 21 */ {
    kind: 'ok',
    want: pkt({ extensionProfile: TWO, extensions: [ext(1, ''), ext(2, 'bb'), ext(3, 'cc'.repeat(17))], extensionData: hex('01000201bb0311' + 'cc'.repeat(17)), payload: hex('9836be889e') }),
  },
  /* 22 */ {
    kind: 'other',
    why: 'a 16-byte extension value: still fits the one-byte form (RFC 8285 §4.2: L+1 = 1..16)',
    check: (b) => {
      const out = serializeRtpPacket({ payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, extensions: [{ id: 1, data: b }], payload: hex('01') });
      const p = parseRtpPacket(out);
      assert.equal(p.extensionProfile, BEDE);
      assert.deepStrictEqual(p.extensions, [{ id: 1, data: b }]);
    },
  },
  /* 23 */ {
    kind: 'ok',
    want: pkt({ extensionProfile: BEDE, extensions: [], extensionData: hex('f0aa9836'), payload: hex('be889e') }),
    canonical: { hex: '90e0698fd9c293da1c642782bede0000be889e', why: `ID 15 stops processing; ${stopped}` },
  },
  /* 24 */ {
    kind: 'ok',
    want: pkt({ extensionProfile: BEDE, extensions: [], extensionData: hex('01aa9836'), payload: hex('be889e') }),
    canonical: { hex: '90e0698fd9c293da1c642782bede0000be889e', why: `ID 0 with a non-zero length is neither padding nor an element and stops processing; ${stopped}` },
  },
  /* 25 */ { kind: 'other', why: 'a 17-byte extension value: needs the two-byte form (RFC 8285 §4.3)', check: (b) => checkTwoByteValue(b) },
  /* 26 */ { kind: 'other', why: 'a 17-byte extension value: needs the two-byte form (RFC 8285 §4.3)', check: (b) => checkTwoByteValue(b) },
  /* 27 */ {
    kind: 'v0',
    want: pkt({ marker: false, payloadType: 100, sequenceNumber: 0x5749, timestamp: 0x190, ssrc: 0x1234abcd, extensionProfile: BEDE, extensions: [], extensionData: hex('02010203') }),
    canonical: { hex: '90645749000001901234abcdbede0000', why: `byte 0x02 is ID 0 with a length; ${stopped}` },
  },
  /* 28 */ {
    kind: 'v0',
    want: pkt({ marker: false, payloadType: 100, sequenceNumber: 0x5749, timestamp: 0x190, ssrc: 0x1234abcd, extensionProfile: TWO, extensions: [ext(2, '0203')], extensionData: hex('02020203') }),
  },
  /* 29 */ { kind: 'v0', want: pkt({ marker: false, payloadType: 100, sequenceNumber: 0x5749, timestamp: 0x190, ssrc: 0x1234abcd, extensionProfile: 0xaaaa, extensionData: hex('01020304') }) },
  /* 30 */ { kind: 'v0', want: pkt({ marker: false, payloadType: 100, sequenceNumber: 0x5749, timestamp: 0x190, ssrc: 0x1234abcd, extensionProfile: BEDE, extensionData: new Uint8Array(0) }) },
  /* 31 */ { kind: 'v0', want: pkt({ marker: false, payloadType: 100, sequenceNumber: 0x5749, timestamp: 0x190, ssrc: 0x1234abcd, extensionProfile: TWO, extensionData: new Uint8Array(0) }) },
  /* 32 */ { kind: 'v0', want: pkt({ marker: false, payloadType: 100, sequenceNumber: 0x5749, timestamp: 0x190, ssrc: 0x1234abcd, extensionProfile: 0xaaaa, extensionData: new Uint8Array(0) }) },
  /* 33 */ { kind: 'v0', want: pkt({ marker: false, payloadType: 0x10, sequenceNumber: 0x2345, timestamp: 0x12344567, ssrc: 0xccddeeff, payload: hex('0011223344556677') }) },
  /* 34 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(5, 'aa')], extensionData: hex('50aa0000'), payload: hex('9836be889e') }) },
  /* 35 */ { kind: 'ok', want: pkt({ ...P1, paddingSize: 5 }) },
  /* 36 */ { kind: 'ok', want: pkt({ ...P1, paddingSize: 5 }) },
  /* 37 */ { kind: 'ok', want: pkt({ marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 0x12345678, extensionProfile: TWO, extensions: [ext(1, '0001')], extensionData: hex('01020001') }) },
  /* 38 */ { kind: 'ok', want: pkt({ ...P1, marker: false, payload: hex('9836be889e') }) },
  /* 39 */ { kind: 'ok', want: pkt({ ...P1, marker: false, payload: hex('9836be889e') }) },
  /* 40 */ { kind: 'ok', want: pkt({ extensionProfile: BEDE, extensions: [ext(5, 'aa')], extensionData: hex('50aa0000'), payload: hex('9836be88') }) },
  /* 41 */ { kind: 'ok', want: pkt({ csrc: [0x1111, 0x2222], extensionProfile: BEDE, extensions: [ext(5, 'aa')], extensionData: hex('50aa0000'), payload: hex('9836be88') }) },
];

function checkTwoByteValue(b: Uint8Array): void {
  assert.equal(b.length, 17);
  const base: RtpPacketInit = { payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, extensions: [{ id: 1, data: b }], payload: new Uint8Array(0) };
  const p = parseRtpPacket(serializeRtpPacket(base));
  assert.equal(p.extensionProfile, TWO);
  assert.deepStrictEqual(p.extensions, [{ id: 1, data: b }]);
  assert.throws(() => serializeRtpPacket({ ...base, extensionProfile: BEDE }), ConfigError);
}

function checkOk(label: string, b: Uint8Array, want: RtpPacket, canonical: { hex: string; why: string } | undefined, original: string): void {
  const p = parseRtpPacket(b);
  assert.deepStrictEqual(p, want, `${label}: parsed fields`);
  // The payload is a view of the input, not a copy.
  assert.equal(p.payload.buffer, b.buffer, `${label}: payload is a view`);
  const out = serializeRtpPacket(p);
  assert.equal(rtpPacketSize(p), out.length, `${label}: size`);
  if (canonical) {
    assert.equal(toHex(out), canonical.hex, `${label}: canonical serialisation (${canonical.why})`);
    const q = parseRtpPacket(out);
    assert.deepStrictEqual({ ...q, extensionData: undefined }, { ...want, extensionData: undefined }, `${label}: canonical form parses to the same fields`);
  } else assert.equal(toHex(out), original, `${label}: byte-exact round trip`);
  // Serialising into a reused, larger buffer gives the same bytes.
  const reuse = new Uint8Array(1500).fill(0xee);
  assert.equal(toHex(serializeRtpPacket(p, reuse)), toHex(out), `${label}: into a caller buffer`);
}

test('RTP: every pion vector case (pion_rtp_packet_cases.json)', (t) => {
  const v = loadVectorFile<{ cases: RtpCase[] }>(t, 'pion_rtp_packet_cases.json');
  if (!v) return;
  assert.equal(EXPECT.length, v.cases.length, 'one expectation per vector case');
  let checked = 0;
  const kinds: Record<string, number> = {};
  v.cases.forEach((c, i) => {
    const e = EXPECT[i];
    const label = `case ${i} ${c.test_func}/${c.var}${c.comment && !c.comment.startsWith('+-') ? ` (${c.comment})` : ''}`;
    const b = hex(c.hex);
    switch (e.kind) {
      case 'ok':
        checkOk(label, b, e.want, e.canonical, c.hex);
        break;
      case 'error':
        assertParseError(() => parseRtpPacket(b), `${label}: ${e.why}`);
        break;
      case 'v0': {
        assert.equal(b[0] >> 6, 0, `${label}: the vector is version 0`);
        assertParseError(() => parseRtpPacket(b), `${label}: version 0`);
        const fixed = withV2(b);
        checkOk(`${label} (version set to 2)`, fixed, e.want, e.canonical, toHex(fixed));
        break;
      }
      case 'other':
        e.check(b);
        break;
    }
    kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    checked++;
  });
  assert.equal(checked, v.cases.length);
  assert.deepStrictEqual(kinds, { ok: 28, error: 4, v0: 7, other: 3 });
});

test('RTP: construction defaults, CSRCs, marker and padding', () => {
  const p: RtpPacketInit = { payloadType: 0, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 0, payload: hex('d5d5') };
  assert.equal(toHex(serializeRtpPacket(p)), '8000ffffffffffff00000000d5d5');
  const q: RtpPacketInit = { ...p, marker: true, payloadType: 127, csrc: [1, 0xffffffff], paddingSize: 3 };
  const b = serializeRtpPacket(q);
  assert.equal(toHex(b), 'a2ffffffffffffff00000000' + '00000001ffffffff' + 'd5d5' + '000003');
  const r = parseRtpPacket(b);
  assert.deepStrictEqual([r.marker, r.payloadType, r.csrc, r.paddingSize, toHex(r.payload)], [true, 127, [1, 0xffffffff], 3, 'd5d5']);
  // An extension profile with no elements writes an empty extension; no profile and no elements writes none.
  assert.equal(toHex(serializeRtpPacket({ ...p, extensionProfile: BEDE })), '9000ffffffffffff00000000bede0000d5d5');
});

test('RTP: serialiser refuses fields out of range', () => {
  const p: RtpPacketInit = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: new Uint8Array(0) };
  for (const bad of [
    { payloadType: 128 },
    { sequenceNumber: 65536 },
    { timestamp: -1 },
    { ssrc: 2 ** 32 },
    { paddingSize: 256 },
    { csrc: new Array<number>(16).fill(0) },
    { extensionProfile: 0x1234, extensionData: hex('01') },
    { extensionProfile: 0x1234, extensions: [ext(1, '01')] },
    { extensions: [ext(0, '01')] },
    { extensions: [ext(1, 'aa'.repeat(256))] },
  ]) {
    assert.throws(() => serializeRtpPacket({ ...p, ...bad }), ConfigError, JSON.stringify(Object.keys(bad)));
  }
  assert.throws(() => serializeRtpPacket(p, new Uint8Array(11)), ConfigError);
});

test('RTP: malformed input is always a ParseError', () => {
  assertParseError(() => parseRtpPacket(new Uint8Array(0)), 'empty');
  assertParseError(() => parseRtpPacket(hex('8000000000000000000000')), '11 bytes');
  assertParseError(() => parseRtpPacket(hex('4000000000000000000000000000')), 'version 1');
  assertParseError(() => parseRtpPacket(hex('81000000000000000000000000')), 'CSRC count past the end');
  assertParseError(() => parseRtpPacket(hex('80c8000000000000000000000000')), 'SR byte');
  assertParseError(() => parseRtpPacket(hex('a00000000000000000000000')), 'padding bit, nothing after the header');
  assertParseError(() => parseRtpPacket(hex('900000000000000000000000bede000115aa0000')), 'one-byte element overrun');
  assertParseError(() => parseRtpPacket(hex('9000000000000000000000001000000101050000')), 'two-byte element overrun');
  assertParseError(() => parseRtpPacket(hex('90000000000000000000000010000001000000' + '07')), 'two-byte element without length');
  // Padding exactly filling everything after the header is fine.
  assert.equal(parseRtpPacket(hex('a00000000000000000000000000003')).payload.length, 0);
});

test('RTP: peekRtpHeader reads the fixed header into a reused object', () => {
  const peek = newRtpHeaderPeek();
  assert.equal(peekRtpHeader(hex('90e0698fd9c293da1c64278200010001ffffffff9836be889e'), peek), true);
  assert.deepStrictEqual(peek, { marker: true, payloadType: 96, sequenceNumber: 27023, timestamp: 3653407706, ssrc: 476325762 });
  assert.equal(peekRtpHeader(hex('10e0698fd9c293da1c642782'), peek), false);
  assert.equal(peekRtpHeader(hex('80e0698f'), peek), false);
  assert.equal(peek.sequenceNumber, 27023, 'left untouched');
});

test('RTP: parse → serialise round-trips random well-formed packets', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return Math.floor(((seed >>> 8) / 0x1000000) * n);
  };
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rnd(256));
  for (let k = 0; k < 500; k++) {
    const form = rnd(4);
    const elements: RtpHeaderExtension[] = [];
    const count = rnd(4);
    for (let i = 0; i < count; i++) elements.push(form === 1 ? { id: 1 + rnd(14), data: bytes(1 + rnd(16)) } : { id: 1 + rnd(255), data: bytes(rnd(40)) });
    const p: RtpPacketInit = {
      marker: rnd(2) === 1,
      payloadType: rnd(128),
      sequenceNumber: rnd(65536),
      timestamp: rnd(2 ** 32),
      ssrc: rnd(2 ** 32),
      csrc: Array.from({ length: rnd(16) }, () => rnd(2 ** 32)),
      ...(form === 0 ? {} : form === 3 ? { extensionProfile: 0x0001 + rnd(0xbedd), extensionData: bytes(4 * rnd(5)) } : { extensionProfile: form === 1 ? BEDE : TWO + rnd(16), extensions: elements }),
      payload: bytes(rnd(200)),
      paddingSize: rnd(3) === 0 ? 1 + rnd(255) : 0,
    };
    if (p.payloadType === 72 || p.payloadType === 73) p.marker = false; // would read as RTCP SR/RR
    const b = serializeRtpPacket(p);
    const q = parseRtpPacket(b);
    assert.equal(toHex(serializeRtpPacket(q)), toHex(b));
    assert.deepStrictEqual(q.payload, p.payload);
    assert.deepStrictEqual(q.csrc, p.csrc);
  }
});
