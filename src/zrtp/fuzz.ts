/**
 * Fuzzing of the ZRTP parsers (RFC 6189 §5): random bytes and mutations (bit flips, byte
 * changes, truncations, extensions, length-field edits, splices) of a corpus of valid packets are
 * fed to `parseZrtpPacket` (with and without the CRC check), `parseMessage` and
 * `parseConfirmBody`. A failure is any exception other than ParseError, a call slower than
 * HANG_MS, or a parsed message whose re-serialisation is unstable (serialise → parse → serialise).
 */
import { ParseError } from '../core/errors.js';
import { parseConfirmBody } from './confirm.js';
import { type ZrtpMessage, parseMessage, serializeMessage } from './messages.js';
import { parseZrtpPacket, serializeZrtpPacket } from './packet.js';

const HANG_MS = 1000;

export interface ZrtpFuzzResult {
  iterations: number;
  /** Inputs every parser rejected with ParseError. */
  rejected: number;
  failures: string[];
}

/** mulberry32: small, deterministic. */
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

/** Valid packets of every supported message type, built with our serialisers. */
export function builtInZrtpCorpus(): Uint8Array[] {
  const b = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
  const msgs: ZrtpMessage[] = [
    { type: 'Hello', version: '1.10', clientId: 'mediaweave fuzz ', h3: b(32, 1), zid: b(12, 2), signatureCapable: false, mitm: false, passive: false,
      hashTypes: ['S256'], cipherTypes: ['AES1'], authTagTypes: ['HS32', 'HS80'], keyAgreementTypes: ['DH3k', 'Mult'], sasTypes: ['B32 '], mac: b(8, 3) },
    { type: 'HelloACK' },
    { type: 'Commit', mode: 'dh', h2: b(32, 1), zid: b(12, 2), hashType: 'S256', cipherType: 'AES1', authTagType: 'HS32', keyAgreementType: 'DH3k', sasType: 'B32 ', hvi: b(32, 4), mac: b(8, 3) },
    { type: 'Commit', mode: 'multistream', h2: b(32, 1), zid: b(12, 2), hashType: 'S256', cipherType: 'AES1', authTagType: 'HS32', keyAgreementType: 'Mult', sasType: 'B32 ', nonce: b(16, 4), mac: b(8, 3) },
    { type: 'Commit', mode: 'preshared', h2: b(32, 1), zid: b(12, 2), hashType: 'S256', cipherType: 'AES1', authTagType: 'HS32', keyAgreementType: 'Prsh', sasType: 'B32 ', nonce: b(16, 4), keyId: b(8, 5), mac: b(8, 3) },
    { type: 'DHPart1', h1: b(32, 1), rs1Id: b(8, 2), rs2Id: b(8, 3), auxSecretId: b(8, 4), pbxSecretId: b(8, 5), publicValue: b(64, 6), mac: b(8, 7) },
    { type: 'Confirm1', confirmMac: b(8, 1), iv: b(16, 2), encrypted: b(40, 3) },
    { type: 'Conf2ACK' },
    { type: 'Error', code: 0x61 },
    { type: 'ErrorACK' },
    { type: 'GoClear', clearMac: b(8, 1) },
    { type: 'ClearACK' },
    { type: 'Ping', version: '1.10', endpointHash: b(8, 1) },
    { type: 'PingACK', version: '1.10', senderEndpointHash: b(8, 1), receivedEndpointHash: b(8, 2), receivedSsrc: 7 },
  ];
  return msgs.map((m, i) => serializeZrtpPacket({ sequence: i, sourceId: 0x12345678, message: serializeMessage(m) }));
}

function mutate(src: Uint8Array, rnd: () => number, corpus: Uint8Array[]): Uint8Array {
  const pick = (n: number): number => Math.floor(rnd() * n);
  let b = src.slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    switch (pick(7)) {
      case 0: if (b.length) b[pick(b.length)] ^= 1 << pick(8); break;
      case 1: if (b.length) b[pick(b.length)] = pick(256); break;
      case 2: b = b.slice(0, pick(b.length + 1)); break;
      case 3: { const e = new Uint8Array(b.length + 1 + pick(16)); e.set(b); for (let i = b.length; i < e.length; i++) e[i] = pick(256); b = e; break; }
      case 4: if (b.length >= 16) { b[14] = pick(256); b[15] = pick(256); } break; // message length field
      case 5: { const o = corpus[pick(corpus.length)]; const cut = pick(Math.min(b.length, o.length) + 1); const s = new Uint8Array(o.length); s.set(b.subarray(0, cut)); s.set(o.subarray(cut), cut); b = s; break; }
      default: if (b.length >= 20) { const off = 12 + pick(Math.max(1, b.length - 16)); b[off] = [0, 0xff, 0x7f, 0x80][pick(4)]; } break;
    }
  }
  return b;
}

/**
 * Runs for about `budgetMs`. `extraCorpus` adds real packets (e.g. the shared vector exchange).
 * Deterministic for a given seed (up to the time budget).
 */
export function fuzzZrtp(budgetMs: number, seed: number, extraCorpus: Uint8Array[] = []): ZrtpFuzzResult {
  const rnd = prng(seed);
  const corpus = [...builtInZrtpCorpus(), ...extraCorpus];
  const failures: string[] = [];
  let iterations = 0;
  let rejected = 0;
  const end = Date.now() + budgetMs;
  const tryCall = (name: string, input: Uint8Array, f: () => void): boolean => {
    const t0 = Date.now();
    try {
      f();
      return true;
    } catch (e) {
      if (!(e instanceof ParseError)) failures.push(`${name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} on ${hexOf(input)}`);
      return false;
    } finally {
      if (Date.now() - t0 > HANG_MS) failures.push(`${name} took ${Date.now() - t0} ms on ${hexOf(input)}`);
    }
  };
  while (Date.now() < end && failures.length < 20) {
    iterations++;
    const input = rnd() < 0.15
      ? new Uint8Array(Math.floor(rnd() * 200)).map(() => Math.floor(rnd() * 256))
      : mutate(corpus[Math.floor(rnd() * corpus.length)], rnd, corpus);
    let ok = false;
    for (const verifyCrc of [true, false]) {
      ok = tryCall(`parseZrtpPacket(verifyCrc=${verifyCrc})`, input, () => {
        const p = parseZrtpPacket(input, { verifyCrc });
        const m = parseMessage(p.message);
        const once = serializeMessage(m);
        const twice = serializeMessage(parseMessage(once));
        if (hexOf(once) !== hexOf(twice)) failures.push(`unstable re-serialisation of ${m.type}: ${hexOf(input)}`);
        if (m.type === 'Confirm1' || m.type === 'Confirm2') {
          tryCall('parseConfirmBody', m.encrypted, () => void parseConfirmBody(m.encrypted));
        }
      }) || ok;
    }
    ok = tryCall('parseMessage', input, () => void parseMessage(input.subarray(Math.min(12, input.length)))) || ok;
    if (!ok) rejected++;
  }
  return { iterations, rejected, failures };
}
