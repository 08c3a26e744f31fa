import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzRtpRtcp } from './fuzz.js';
import { type PionCase, hex, loadVectorFile } from './test-helpers.js';

test('fuzz: random and mutated RTP/RTCP never throw anything but ParseError, never hang (~1.5 s)', (t) => {
  // The vector packets join the built-in corpus when the shared material is there.
  const extra: Uint8Array[] = [];
  const rtcp = loadVectorFile<Record<string, PionCase[]>>(t, 'pion_rtcp_cases.json');
  const rtpCases = loadVectorFile<{ cases: { hex: string }[] }>(t, 'pion_rtp_packet_cases.json');
  const curated = loadVectorFile<Record<string, { hex?: string }>>(t, 'pion_rtcp_curated.json');
  if (rtcp) for (const cases of Object.values(rtcp)) for (const c of cases) extra.push(hex(c.hex));
  if (rtpCases) for (const c of rtpCases.cases) extra.push(hex(c.hex));
  if (curated) for (const v of Object.values(curated)) if (typeof v === 'object' && v.hex) extra.push(hex(v.hex));
  const r = fuzzRtpRtcp(1500, 20240601, extra);
  assert.deepStrictEqual(r.failures, []);
  assert.ok(r.iterations > 1000, `only ${r.iterations} iterations`);
  assert.ok(r.rejected > 0 && r.rejected < r.iterations, `${r.rejected} of ${r.iterations} rejected`);
});

test('fuzz: deterministic for a seed and usable without the vectors', () => {
  const r = fuzzRtpRtcp(200, 1);
  assert.deepStrictEqual(r.failures, []);
  assert.ok(r.iterations > 0);
});
