import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../core/errors.js';
import {
  chooseOpusPtime,
  formatOpusFmtp,
  isOpusDtxPacket,
  isOpusPacketError,
  isOpusQuietPayload,
  opusBandwidthForRate,
  opusPayloadDuration,
  opusPayloadHasFec,
  parseOpusFmtp,
  parseOpusPacket,
  parseOpusToc,
  type OpusPacket,
} from './opus.js';

const toc = (config: number, stereo: boolean, code: number): number => (config << 3) | (stereo ? 4 : 0) | code;

function ok(p: ReturnType<typeof parseOpusPacket>): OpusPacket {
  if (isOpusPacketError(p)) assert.fail(`expected a valid packet, got: ${p.error}`);
  return p;
}

function bad(p: ReturnType<typeof parseOpusPacket>, requirement: string): void {
  assert.ok(isOpusPacketError(p), `expected an invalid packet (${requirement})`);
  assert.match(p.error, new RegExp(requirement), `error should name ${requirement}: ${p.error}`);
}

test('TOC byte: RFC 6716 Table 2 (mode, bandwidth, frame size) and the s and c bits', () => {
  const expect: [number, string, string, number][] = [
    [0, 'silk', 'nb', 480], [1, 'silk', 'nb', 960], [2, 'silk', 'nb', 1920], [3, 'silk', 'nb', 2880],
    [4, 'silk', 'mb', 480], [7, 'silk', 'mb', 2880], [8, 'silk', 'wb', 480], [11, 'silk', 'wb', 2880],
    [12, 'hybrid', 'swb', 480], [13, 'hybrid', 'swb', 960], [14, 'hybrid', 'fb', 480], [15, 'hybrid', 'fb', 960],
    [16, 'celt', 'nb', 120], [17, 'celt', 'nb', 240], [18, 'celt', 'nb', 480], [19, 'celt', 'nb', 960],
    [20, 'celt', 'wb', 120], [24, 'celt', 'swb', 120], [28, 'celt', 'fb', 120], [31, 'celt', 'fb', 960],
  ];
  for (const [config, mode, bandwidth, frameSamples] of expect) {
    const t = parseOpusToc(toc(config, false, 0));
    assert.deepEqual({ config: t.config, mode: t.mode, bandwidth: t.bandwidth, frameSamples: t.frameSamples }, { config, mode, bandwidth, frameSamples });
  }
  const t = parseOpusToc(toc(15, true, 3));
  assert.equal(t.stereo, true);
  assert.equal(t.code, 3);
});

test('code 0: one frame of N−1 bytes (R2: ≤ 1275); a TOC alone is an empty (DTX) frame', () => {
  const p = ok(parseOpusPacket(new Uint8Array([toc(1, false, 0), 1, 2, 3])));
  assert.deepEqual([p.frameOffsets, p.frameLengths, p.samples], [[1], [3], 960]);
  const dtx = ok(parseOpusPacket(new Uint8Array([toc(1, false, 0)])));
  assert.deepEqual(dtx.frameLengths, [0]);
  ok(parseOpusPacket(new Uint8Array(1276).fill(0).map((_, i) => (i === 0 ? toc(31, false, 0) : 7))));
  bad(parseOpusPacket(new Uint8Array(1277)), 'R2');
  bad(parseOpusPacket(new Uint8Array(0)), 'R1');
});

test('code 1: two equal frames (R3: N−1 even)', () => {
  const p = ok(parseOpusPacket(new Uint8Array([toc(19, false, 1), 1, 2, 3, 4])));
  assert.deepEqual([p.frameOffsets, p.frameLengths, p.samples], [[1, 3], [2, 2], 1920]);
  bad(parseOpusPacket(new Uint8Array([toc(19, false, 1), 1, 2, 3])), 'R3');
  ok(parseOpusPacket(new Uint8Array([toc(19, false, 1)]))); // two empty frames
});

test('code 2: first frame length in 1 or 2 bytes (RFC 6716 §3.2.1), the rest is the second (R4)', () => {
  const p = ok(parseOpusPacket(new Uint8Array([toc(9, false, 2), 2, 10, 11, 20, 21, 22])));
  assert.deepEqual([p.frameOffsets, p.frameLengths], [[2, 4], [2, 3]]);
  // 252..255 take a second byte: 4 × 1 + 252 = 256.
  const long = new Uint8Array(3 + 256 + 5);
  long.set([toc(9, false, 2), 252, 1]);
  const q = ok(parseOpusPacket(long));
  assert.deepEqual([q.frameOffsets, q.frameLengths], [[3, 259], [256, 5]]);
  bad(parseOpusPacket(new Uint8Array([toc(9, false, 2)])), 'R4');
  bad(parseOpusPacket(new Uint8Array([toc(9, false, 2), 252])), 'R4');
  bad(parseOpusPacket(new Uint8Array([toc(9, false, 2), 5, 1, 2])), 'R4');
});

test('code 3: frame count, CBR (R6) and VBR (R7) frames, padding, 120 ms limit (R5)', () => {
  // CBR, 3 frames of 2 bytes.
  const cbr = ok(parseOpusPacket(new Uint8Array([toc(18, false, 3), 3, 1, 1, 2, 2, 3, 3])));
  assert.deepEqual([cbr.frameOffsets, cbr.frameLengths, cbr.samples], [[2, 4, 6], [2, 2, 2], 1440]);
  bad(parseOpusPacket(new Uint8Array([toc(18, false, 3), 3, 1, 1, 2, 2, 3])), 'R6');
  // VBR with padding: v=1 p=1 M=2, padding length 2, first frame 1 byte, second 3 bytes, 2 padding bytes.
  const vbr = ok(parseOpusPacket(new Uint8Array([toc(18, false, 3), 0xc2, 2, 1, 9, 8, 8, 8, 0, 0])));
  assert.deepEqual([vbr.frameOffsets, vbr.frameLengths, vbr.padding], [[4, 5], [1, 3], 2]);
  // A padding length byte of 255 means 254 and another byte follows.
  const padded = new Uint8Array(3 + 1 + 254 + 0 + 4);
  padded.set([toc(18, false, 3), 0x41, 255, 0]);
  const pp = ok(parseOpusPacket(padded));
  assert.deepEqual([pp.padding, pp.frameLengths], [254, [4]]);
  bad(parseOpusPacket(new Uint8Array([toc(18, false, 3), 0x41, 200, 1])), 'R6/R7');
  bad(parseOpusPacket(new Uint8Array([toc(18, false, 3), 0])), 'R5');
  bad(parseOpusPacket(new Uint8Array([toc(18, false, 3)])), 'R5');
  // 60 ms frames: 2 fit (120 ms), 3 do not.
  ok(parseOpusPacket(new Uint8Array([toc(3, false, 3), 2])));
  bad(parseOpusPacket(new Uint8Array([toc(3, false, 3), 3])), 'R5');
  // 2.5 ms CELT frames: up to 48.
  assert.equal(ok(parseOpusPacket(new Uint8Array([toc(16, false, 3), 48]))).samples, 5760);
  bad(parseOpusPacket(new Uint8Array([toc(16, false, 3), 49])), 'R5');
  bad(parseOpusPacket(new Uint8Array([toc(18, false, 3), 0x83, 5, 1, 1, 1])), 'R7');
});

test('opusPayloadDuration: the TOC and frame count (48 kHz samples), undefined when invalid', () => {
  assert.equal(opusPayloadDuration(new Uint8Array([toc(1, false, 0), 5])), 960);
  assert.equal(opusPayloadDuration(new Uint8Array([toc(3, true, 0), 5])), 2880);
  assert.equal(opusPayloadDuration(new Uint8Array([toc(19, false, 1), 1, 2])), 1920);
  assert.equal(opusPayloadDuration(new Uint8Array([toc(9, false, 2), 0])), 1920);
  assert.equal(opusPayloadDuration(new Uint8Array([toc(18, false, 3), 5, 1, 2, 3, 4, 5])), 2400);
  assert.equal(opusPayloadDuration(new Uint8Array(0)), undefined);
  assert.equal(opusPayloadDuration(new Uint8Array([toc(18, false, 3), 0])), undefined);
  assert.equal(opusPayloadDuration(new Uint8Array([toc(2, false, 3), 4])), undefined, '4 × 40 ms > 120 ms');
  assert.equal(opusPayloadDuration(new Uint8Array(2000)), undefined, 'a 1999-byte code 0 frame breaks R2');
});

test('quiet and FEC flags: empty frames are quiet, invalid payloads are not, CELT never carries LBRR', () => {
  assert.equal(isOpusQuietPayload(new Uint8Array([toc(9, false, 0)])), true, 'a TOC-only (DTX) packet is a pause');
  assert.equal(isOpusQuietPayload(new Uint8Array([toc(9, false, 1)])), true, 'two empty frames are a pause');
  assert.equal(isOpusQuietPayload(new Uint8Array(0)), false, 'an empty payload is invalid, not quiet');
  assert.equal(opusPayloadHasFec(new Uint8Array([toc(31, false, 0), 0xff, 0xff, 0xff])), false, 'CELT has no LBRR');
  assert.equal(opusPayloadHasFec(new Uint8Array([toc(9, false, 0)])), false, 'an empty frame has no LBRR');
  assert.equal(isOpusDtxPacket(1), true);
  assert.equal(isOpusDtxPacket(3), false);
});

test('fmtp: RFC 7587 §6.1 parameters parsed, names case-insensitive, values trimmed', () => {
  const f = parseOpusFmtp({
    maxplaybackrate: '16000', 'SPROP-MAXCAPTURERATE': '16000', maxptime: '40', minptime: '10', ptime: '40',
    maxaveragebitrate: '20000', stereo: '1', 'sprop-stereo': '0', cbr: '1', useinbandfec: ' 1 ', usedtx: '0', 'x-unknown': 'whatever',
  });
  assert.deepEqual(f, {
    maxplaybackrate: 16000, spropMaxcapturerate: 16000, maxptime: 40, minptime: 10, ptime: 40, maxaveragebitrate: 20000,
    stereo: 1, spropStereo: 0, cbr: 1, useinbandfec: 1, usedtx: 0,
  });
  assert.equal(formatOpusFmtp(f), 'maxplaybackrate=16000;sprop-maxcapturerate=16000;maxptime=40;minptime=10;ptime=40;maxaveragebitrate=20000;stereo=1;sprop-stereo=0;cbr=1;useinbandfec=1;usedtx=0');
  assert.deepEqual(parseOpusFmtp(undefined), {});
  assert.deepEqual(parseOpusFmtp({ ptime: '2.5' }), { ptime: 2.5 });
});

test('fmtp: an invalid value is a ConfigError naming the parameter and the range; maxaveragebitrate out of range is ignored (§6.1)', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ maxplaybackrate: '96000' }, /maxplaybackrate must be a whole number of Hz 8000–48000/],
    [{ 'sprop-maxcapturerate': 'x' }, /sprop-maxcapturerate must be a whole number of Hz 8000–48000/],
    [{ stereo: '2' }, /stereo must be 0 or 1/],
    [{ useinbandfec: 'yes' }, /useinbandfec must be 0 or 1/],
    [{ usedtx: '' }, /usedtx must be 0 or 1/],
    [{ cbr: '-1' }, /cbr must be 0 or 1/],
    [{ maxptime: '500' }, /maxptime must be a number of ms 3–120/],
    [{ minptime: '0' }, /minptime must be a number of ms 3–120/],
    [{ maxaveragebitrate: '12.5' }, /maxaveragebitrate must be a positive whole number/],
    [{ maxaveragebitrate: '0' }, /maxaveragebitrate must be a positive whole number/],
  ];
  for (const [fmtp, re] of cases) {
    assert.throws(() => parseOpusFmtp(fmtp, 'opus-encoder fmtp'), (e: unknown) => e instanceof ConfigError && re.test(e.message) && /opus-encoder fmtp/.test(e.message));
  }
  assert.deepEqual(parseOpusFmtp({ maxaveragebitrate: '1000' }), {}, 'a positive value outside 6000–510000 SHOULD be ignored');
  assert.deepEqual(parseOpusFmtp({ maxaveragebitrate: '900000' }), {});
});

test('bandwidth for a playback rate, and the packet duration within the receiver limits', () => {
  assert.deepEqual([8000, 11025, 12000, 16000, 22050, 24000, 32000, 48000].map(opusBandwidthForRate), ['nb', 'mb', 'mb', 'wb', 'swb', 'swb', 'fb', 'fb']);
  assert.equal(chooseOpusPtime(20), 20);
  assert.equal(chooseOpusPtime(30), 20, '30 ms is not an Opus frame duration: the largest below');
  assert.equal(chooseOpusPtime(60, { maxptime: 40 }), 40);
  assert.equal(chooseOpusPtime(10, { minptime: 20 }), 20);
  assert.equal(chooseOpusPtime(20, { maxptime: 5 }), 10, 'nothing shorter than 10 ms is produced');
  assert.equal(chooseOpusPtime(120), 120);
  assert.equal(chooseOpusPtime(40, { minptime: 60, maxptime: 40 }), 40, 'maxptime wins a conflict');
});
