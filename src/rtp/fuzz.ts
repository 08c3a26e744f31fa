/**
 * Fuzzing of the RTP and RTCP parsers: random bytes and mutations (bit flips, truncations,
 * extensions, length-field and padding changes, splices) of a corpus of valid packets are fed to
 * `parseRtpPacket`, `parseCompound` (strict and reduced-size), `parseRtcpPacket` and
 * `classifyDatagram`. A failure is any exception other than ParseError, a call slower than
 * `HANG_MS`, or a parsed packet whose re-serialisation is not stable
 * (serialise → parse → serialise must give the same bytes). Used by the tests (short budget) and
 * by `npm run fuzz`.
 */
import { ParseError } from '../core/errors.js';
import { classifyDatagram } from './demux-kind.js';
import { parseRtpPacket, serializeRtpPacket } from './packet.js';
import { type RtcpPacket, parseCompound, parseRtcpPacket, serializeCompound, serializeRtcpPacket } from './rtcp/compound.js';
import { cnameSdes } from './rtcp/sdes.js';
import { buildTwcc } from './rtcp/twcc.js';

/** A single call taking longer than this is reported as a hang. */
// Generous: a parser call takes microseconds; only a real hang (a loop on a length field) takes
// this long, while GC pauses and a loaded CI machine must not fail the run.
const HANG_MS = 1000;

export interface FuzzResult {
  iterations: number;
  /** Inputs rejected with ParseError by every parser tried. */
  rejected: number;
  /** One line per problem: what went wrong and the input in hex. */
  failures: string[];
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A corpus of valid packets of every kind, built with our own serialisers. */
export function builtInCorpus(): Uint8Array[] {
  const enc = new TextEncoder();
  const rr = { ssrc: 0xbc5e9a40, fractionLost: 12, cumulativeLost: -3, highestSequence: 0x146e1, jitter: 273, lsr: 0x9f36432, dlsr: 150137 };
  const all: RtcpPacket[] = [
    { type: 'sr', ssrc: 1, ntpSeconds: 0xe020a2a9, ntpFraction: 0x52a53fc0, rtpTimestamp: 0x2e48a552, packetCount: 70, octetCount: 4637, reports: [rr], profileExtensions: new Uint8Array(0) },
    { type: 'rr', ssrc: 1, reports: [rr, rr], profileExtensions: enc.encode('EXT!') },
    cnameSdes(1, 'fuzz@mediaweave'),
    { type: 'sdes', chunks: [{ source: 2, items: [{ type: 8, prefix: 'p', text: 'v' }, { type: 2, text: 'n' }] }, { source: 3, items: [] }] },
    { type: 'bye', sources: [1, 2], reason: 'bye' },
    { type: 'app', subtype: 3, ssrc: 1, name: 'FUZZ', data: enc.encode('abcdefgh') },
    { type: 'pli', senderSsrc: 1, mediaSsrc: 2 },
    { type: 'sli', senderSsrc: 1, mediaSsrc: 2, entries: [{ first: 1, number: 2, pictureId: 3 }] },
    { type: 'rpsi', senderSsrc: 1, mediaSsrc: 2, payloadType: 96, bitString: Uint8Array.of(0xab, 0xc0), bitLength: 12 },
    { type: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 2, sequenceNumber: 7 }] },
    { type: 'nack', senderSsrc: 1, mediaSsrc: 2, pairs: [{ pid: 100, blp: 0x8001 }] },
    { type: 'rrr', senderSsrc: 1, mediaSsrc: 2 },
    { type: 'tmmbr', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 2, bitrate: 512000, overhead: 40 }] },
    { type: 'tmmbn', senderSsrc: 1, mediaSsrc: 0, entries: [] },
    { type: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 8927168, ssrcs: [2, 3] },
    { type: 'ccfb', senderSsrc: 1, reports: [{ mediaSsrc: 2, beginSequence: 65534, metrics: [{ received: true, ecn: 3, arrivalTimeOffset: 100 }, { received: false, ecn: 0, arrivalTimeOffset: 0 }, { received: true, ecn: 0, arrivalTimeOffset: 0x1fff }] }], reportTimestamp: 5 },
    {
      type: 'xr',
      ssrc: 1,
      blocks: [
        { kind: 'rrt', ntpSeconds: 1, ntpFraction: 2 },
        { kind: 'dlrr', entries: [{ ssrc: 2, lastRr: 3, dlrr: 4 }] },
        { kind: 'loss-rle', thinning: 1, ssrc: 2, beginSeq: 0, endSeq: 10, chunks: [0x4006, 0] },
        { kind: 'unknown', blockType: 99, typeSpecific: 1, data: Uint8Array.of(1, 2, 3, 4) },
      ],
    },
    buildTwcc({ senderSsrc: 1, mediaSsrc: 2, baseSequenceNumber: 65530, referenceTime: 1000, feedbackPacketCount: 9 }, [1, undefined, 300, 2, 3, undefined, -5, 40]),
  ];
  const corpus: Uint8Array[] = [serializeCompound(all)];
  for (const p of all) corpus.push(serializeRtcpPacket(p));
  corpus.push(serializeCompound([all[1], all[2], all[4]]));
  const rtp = { payloadType: 111, sequenceNumber: 65535, timestamp: 0x12345678, ssrc: 0xdeadbeef, payload: enc.encode('opus frame') };
  corpus.push(serializeRtpPacket(rtp));
  corpus.push(serializeRtpPacket({ ...rtp, marker: true, csrc: [1, 2, 3], paddingSize: 7 }));
  corpus.push(serializeRtpPacket({ ...rtp, extensions: [{ id: 1, data: Uint8Array.of(1, 2, 3) }, { id: 3, data: Uint8Array.of(9) }] }));
  corpus.push(serializeRtpPacket({ ...rtp, extensions: [{ id: 200, data: new Uint8Array(0) }, { id: 3, data: new Uint8Array(20) }] }));
  corpus.push(serializeRtpPacket({ ...rtp, extensionProfile: 0x1234, extensionData: new Uint8Array(8) }));
  return corpus;
}

/** Checks that a parsed packet re-serialises stably; returns a problem or undefined. */
function checkStable<T>(p: T, serialize: (p: T) => Uint8Array, parse: (b: Uint8Array) => T): string | undefined {
  const s1 = serialize(p);
  const s2 = serialize(parse(s1));
  return hexOf(s1) === hexOf(s2) ? undefined : `unstable re-serialisation: ${hexOf(s1)} then ${hexOf(s2)}`;
}

/**
 * Runs for about `budgetMs` milliseconds from `seed`; `extraCorpus` adds seed packets (e.g. the
 * test vectors). Deterministic for a given seed apart from where the time budget cuts it off.
 */
export function fuzzRtpRtcp(budgetMs: number, seed: number, extraCorpus: readonly Uint8Array[] = []): FuzzResult {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const corpus = [...builtInCorpus(), ...extraCorpus];
  const failures: string[] = [];
  let iterations = 0;
  let rejected = 0;
  const deadline = performance.now() + budgetMs;

  const mutate = (src: Uint8Array): Uint8Array => {
    let b = Uint8Array.from(src);
    const steps = 1 + int(4);
    for (let s = 0; s < steps; s++) {
      switch (int(9)) {
        case 0: // bit flips
          if (b.length) for (let k = 1 + int(3); k > 0; k--) b[int(b.length)] ^= 1 << int(8);
          break;
        case 1: // random byte
          if (b.length) b[int(b.length)] = int(256);
          break;
        case 2: // truncate
          b = b.subarray(0, int(b.length + 1));
          break;
        case 3: {
          // extend with random bytes
          const e = new Uint8Array(b.length + 1 + int(16));
          e.set(b);
          for (let i = b.length; i < e.length; i++) e[i] = int(256);
          b = e;
          break;
        }
        case 4: // an RTCP length field (at a word boundary) nudged or randomised
          if (b.length >= 4) {
            const o = 4 * int(b.length >> 2);
            if (o + 3 < b.length) {
              const v = int(2) ? ((b[o + 2] << 8) | b[o + 3]) + int(5) - 2 : int(65536);
              b[o + 2] = (v >> 8) & 0xff;
              b[o + 3] = v & 0xff;
            }
          }
          break;
        case 5: // toggle P / X bits or the count field of the first byte
          if (b.length) b[0] ^= [0x20, 0x10, 0x01, 0x1f][int(4)];
          break;
        case 6: // last byte (padding count) randomised
          if (b.length) b[b.length - 1] = int(2) ? int(256) : int(8);
          break;
        case 7: {
          // splice with another corpus entry
          const o = corpus[int(corpus.length)];
          const cut = int(b.length + 1);
          const c = new Uint8Array(cut + o.length);
          c.set(b.subarray(0, cut));
          c.set(o, cut);
          b = c;
          break;
        }
        case 8: // a 16-bit field inside (counts, sequence numbers, sizes) set to an extreme
          if (b.length >= 2) {
            const o = int(b.length - 1);
            const v = [0, 1, 0x7fff, 0x8000, 0xffff][int(5)];
            b[o] = v >> 8;
            b[o + 1] = v & 0xff;
          }
          break;
      }
    }
    return b;
  };

  const attempt = <T>(name: string, input: Uint8Array, fn: () => T): T | undefined => {
    const t0 = performance.now();
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ParseError)) failures.push(`${name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}; input ${hexOf(input)}`);
      return undefined;
    } finally {
      const dt = performance.now() - t0;
      if (dt > HANG_MS) failures.push(`${name} took ${dt.toFixed(0)} ms; input ${hexOf(input)}`);
    }
  };

  const stable = (name: string, input: Uint8Array, fn: () => string | undefined): void => {
    try {
      const problem = fn();
      if (problem) failures.push(`${name}: ${problem}; input ${hexOf(input)}`);
    } catch (e) {
      failures.push(`${name}: re-serialising a parsed packet threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}; input ${hexOf(input)}`);
    }
  };

  while (performance.now() < deadline && failures.length < 50) {
    let input: Uint8Array;
    if (int(8) === 0) {
      input = new Uint8Array(int(80));
      for (let i = 0; i < input.length; i++) input[i] = int(256);
      if (input.length && int(2)) input[0] = 0x80 | int(0x40);
    } else input = mutate(corpus[int(corpus.length)]);
    iterations++;

    classifyDatagram(input);
    let accepted = false;
    const rtp = attempt('parseRtpPacket', input, () => parseRtpPacket(input));
    if (rtp) {
      accepted = true;
      stable('RTP', input, () => checkStable(rtp, (p) => serializeRtpPacket(p), parseRtpPacket));
    }
    const strict = attempt('parseCompound', input, () => parseCompound(input));
    const reduced = attempt('parseCompound(reducedSize)', input, () => parseCompound(input, { reducedSize: true }));
    if (strict && !reduced) failures.push(`strict compound parse accepted what reduced-size rejected; input ${hexOf(input)}`);
    if (reduced) {
      accepted = true;
      for (const p of reduced) stable(`RTCP ${p.type}`, input, () => checkStable(p, (q) => serializeRtcpPacket(q), parseRtcpPacket));
    }
    if (attempt('parseRtcpPacket', input, () => parseRtcpPacket(input))) accepted = true;
    if (!accepted) rejected++;
  }
  return { iterations, rejected, failures };
}
