import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { type Expect, type PionCase, assertParseError, hex, loadVectorFile, pionSection, runSection, toHex } from '../test-helpers.js';
import { type RtcpPacket, compoundCname, parseCompound, parseRtcpPacket, serializeCompound, serializeRtcpPacket, validateCompound } from './compound.js';
import type { ReceiverReport } from './receiver-report.js';
import { type SourceDescription, cnameSdes } from './sdes.js';
import type { SenderReport } from './sender-report.js';

interface Curated {
  compound_real_packet: { hex: string; parts: string[] };
  xr_extended_report: unknown;
  remb: unknown;
  compound_packet_test_go: string;
}

/** Which test file checks each section of pion_rtcp_cases.json (each asserts its own case count). */
const SECTIONS: Record<string, string> = {
  'application_defined_test.go': 'app.test.ts',
  'full_intra_request_test.go': 'fir.test.ts',
  'goodbye_test.go': 'bye.test.ts',
  'header_test.go': 'header.test.ts',
  'packet_test.go': 'compound.test.ts',
  'picture_loss_indication_test.go': 'pli.test.ts',
  'rapid_resynchronization_request_test.go': 'rrr.test.ts',
  'receiver_report_test.go': 'receiver-report.test.ts',
  'rfc8888_test.go': 'ccfb.test.ts',
  'sender_report_test.go': 'sender-report.test.ts',
  'slice_loss_indication_test.go': 'sli.test.ts',
  'source_description_test.go': 'sdes.test.ts',
  'transport_layer_cc_test.go': 'twcc.test.ts',
  'transport_layer_nack_test.go': 'nack.test.ts',
};
const CURATED: Record<string, string> = {
  compound_real_packet: 'compound.test.ts',
  compound_packet_test_go: 'compound.test.ts',
  xr_extended_report: 'xr.test.ts',
  remb: 'remb.test.ts',
};

test('vector files: every section has a test file that checks all its cases', (t) => {
  const all = loadVectorFile<Record<string, PionCase[]>>(t, 'pion_rtcp_cases.json');
  const curated = loadVectorFile<Record<string, unknown>>(t, 'pion_rtcp_curated.json');
  if (!all || !curated) return;
  assert.deepStrictEqual(Object.keys(all).sort(), Object.keys(SECTIONS).sort(), 'sections of pion_rtcp_cases.json');
  assert.deepStrictEqual(Object.keys(curated).sort(), Object.keys(CURATED).sort(), 'entries of pion_rtcp_curated.json');
  const total = Object.values(all).reduce((n, c) => n + c.length, 0);
  assert.equal(total, 101, 'pion_rtcp_cases.json case count (update the per-section tables if the file changes)');
});

const REPORT = { ssrc: 0xbc5e9a40, fractionLost: 0, cumulativeLost: 0, highestSequence: 0x46e1, jitter: 273, lsr: 0x9f36432, dlsr: 150137 };

/** pion TestUnmarshal's expectation for realPacket(). */
const REAL: RtcpPacket[] = [
  { type: 'rr', ssrc: 0x902f9e2e, reports: [REPORT], profileExtensions: new Uint8Array(0) },
  cnameSdes(0x902f9e2e, '{9c00eb92-1afb-9d49-a47d-91f64eee69f5}'),
  { type: 'bye', sources: [0x902f9e2e] },
  { type: 'pli', senderSsrc: 0x902f9e2e, mediaSsrc: 0x902f9e2e },
  { type: 'rrr', senderSsrc: 0x902f9e2e, mediaSsrc: 0x902f9e2e },
  { type: 'app', subtype: 0, ssrc: 0x4baae1ab, name: 'NAME', data: hex('41424344') },
];

test('compound: the curated real packet (RR+SDES+BYE+PLI+RRR+APP) parses and round-trips', (t) => {
  const v = loadVectorFile<Curated>(t, 'pion_rtcp_curated.json');
  if (!v) return;
  const b = hex(v.compound_real_packet.hex);
  assert.equal(b.length, 132);
  const list = parseCompound(b);
  assert.deepStrictEqual(list, REAL);
  assert.equal(list.length, v.compound_real_packet.parts.length);
  assert.equal(toHex(serializeCompound(list)), v.compound_real_packet.hex);
  // The offsets the vector lists.
  const offsets = v.compound_real_packet.parts.map((s) => Number(/offset=(\d+)/.exec(s)?.[1]));
  let off = 0;
  list.forEach((p, i) => {
    assert.equal(off, offsets[i]);
    off += serializeRtcpPacket(p).length;
  });
  assert.equal(compoundCname(list), '{9c00eb92-1afb-9d49-a47d-91f64eee69f5}');
  assert.equal(validateCompound(list), undefined);
});

test('compound: every pion vector case (packet_test.go)', (t) => {
  const cases = pionSection(t, 'packet_test.go');
  const v = loadVectorFile<Curated>(t, 'pion_rtcp_curated.json');
  if (!cases || !v) return;
  const app = parseCompound(hex(v.compound_real_packet.hex))[5];
  assert.ok(app.type === 'app');
  const expects: Expect<Uint8Array>[] = [
    { name: 'NAME', kind: 'other', why: 'the Data field of the APP in realPacket(), not a packet', check: (b) => assert.deepStrictEqual(app.data, b) },
  ];
  assert.equal(runSection(cases, expects, (b) => b, (b) => b), cases.length);
});

test('compound: pion TestReadEOF and TestBadCompound', (t) => {
  const v = loadVectorFile<Curated>(t, 'pion_rtcp_curated.json');
  if (!v) return;
  const real = hex(v.compound_real_packet.hex);
  assertParseError(() => parseCompound(hex('81c9')), 'short header');
  assertParseError(() => parseCompound(real.subarray(0, 34)), 'trailing data (truncated SDES)');
  const byePli = real.subarray(84, 104);
  assertParseError(() => parseCompound(byePli), 'first packet BYE');
  const list = parseCompound(byePli, { reducedSize: true });
  assert.deepStrictEqual(list, [REAL[2], REAL[3]]);
  assert.match(validateCompound(list) ?? '', /first packet is bye/);
});

const sr: SenderReport = { type: 'sr', ssrc: 0, ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: [], profileExtensions: new Uint8Array(0) };
const rr: ReceiverReport = { type: 'rr', ssrc: 0, reports: [], profileExtensions: new Uint8Array(0) };
const cname = cnameSdes(1234, 'cname');
const noChunks: SourceDescription = { type: 'sdes', chunks: [] };

test('compound: pion TestValidPacket / TestCNAME composition rules (RFC 3550 §6.1)', () => {
  const table: [string, RtcpPacket[], RegExp | undefined, string | undefined][] = [
    ['empty', [], /empty/, undefined],
    ['no cname', [sr], /no SDES CNAME/, undefined],
    ['just BYE', [{ type: 'bye', sources: [] }], /first packet is bye/, undefined],
    ['SDES / no cname', [sr, noChunks], /without a CNAME/, undefined],
    ['just SR', [sr, cname], undefined, 'cname'],
    ['multiple SRs', [sr, sr, cname], /sr packet before the SDES CNAME/, 'cname'],
    ['just RR', [rr, cname], undefined, 'cname'],
    ['multiple RRs', [rr, rr, cname], undefined, 'cname'],
    ['goodbye', [rr, cname, { type: 'bye', sources: [] }], undefined, 'cname'],
  ];
  for (const [name, list, err, text] of table) {
    const problem = validateCompound(list);
    if (err) assert.match(problem ?? '', err, name);
    else assert.equal(problem, undefined, name);
    assert.equal(compoundCname(list), text, name);
  }
  assert.equal(validateCompound([{ type: 'bye', sources: [] }], { reducedSize: true }), undefined);
});

test('compound: pion TestCompoundPacketRoundTrip', () => {
  const list: RtcpPacket[] = [rr, cname, { type: 'bye', sources: [1234] }];
  const data = serializeCompound(list);
  const back = parseCompound(data);
  assert.deepStrictEqual(back, list);
  assert.equal(toHex(serializeCompound(back)), toHex(data));
  assert.match(validateCompound([rr]) ?? '', /no SDES CNAME/);
});

test('compound: RFC 3550 A.2 validity checks', () => {
  const rrB = toHex(serializeRtcpPacket(rr));
  const pli = '81ce0002' + '00000001' + '00000002';
  const paddedPli = 'a1ce0003' + '00000001' + '00000002' + '00000004';
  assert.equal(parseCompound(hex(rrB + pli)).length, 2);
  assert.equal(parseCompound(hex(rrB + paddedPli)).length, 2, 'padding on the last packet');
  assertParseError(() => parseCompound(hex(paddedPli.replace('a1ce', 'a1c9') + pli)), 'padding on the first packet');
  assertParseError(() => parseCompound(hex(rrB + pli.replace('81ce', '41ce'))), 'version 1 in the second packet');
  assertParseError(() => parseCompound(hex(rrB + pli + '00')), 'trailing byte');
  assertParseError(() => parseCompound(hex(rrB + pli + '81ce0002')), 'lengths exceed the datagram');
  assertParseError(() => parseCompound(hex(rrB + pli).subarray(0, 16)), 'truncated last packet');
  assertParseError(() => parseCompound(new Uint8Array(0)), 'empty datagram');
  // Errors name the packet and offset.
  assert.throws(() => parseCompound(hex(rrB + '81ce0001' + '00000001')), /packet 2 at offset 8/);
  // A lone PLI is reduced-size RTCP (RFC 5506).
  assertParseError(() => parseCompound(hex(pli)), 'reduced-size not enabled');
  assert.equal(parseCompound(hex(pli), { reducedSize: true })[0].type, 'pli');
  assert.equal(parseRtcpPacket(hex(pli)).type, 'pli');
  assertParseError(() => parseRtcpPacket(hex(rrB + pli)), 'two packets given to parseRtcpPacket');
});

test('compound: a padded packet may only be serialised last', () => {
  const app: RtcpPacket = { type: 'app', subtype: 0, ssrc: 1, name: 'ABCD', data: hex('01') };
  const ok = serializeCompound([rr, cname, app]);
  assert.equal(parseCompound(ok).length, 3);
  assert.throws(() => serializeCompound([rr, app, cname]), ConfigError);
  const out = new Uint8Array(1500);
  const b = serializeCompound([rr, cname], out);
  assert.equal(b.buffer, out.buffer);
  assert.deepStrictEqual(parseCompound(b), [rr, cname]);
});
