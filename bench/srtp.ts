/**
 * SRTP protect/unprotect throughput, 160-byte payloads (20 ms of G.711), packets/s.
 * Baseline in the same run: a plain copy of the packet (what a transform costs at the least) and
 * node:crypto's one-shot primitives per packet (createCipheriv('aes-128-ctr') + createHmac).
 * Run: node --import tsx bench/srtp.ts
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { SrtcpContext, SrtpContext, getSrtpSuite, type SrtpSuiteName } from '../src/srtp/index.js';
import { printResults, type BenchResult } from './types.js';

const N = 200_000;

function rtp(seq: number): Uint8Array {
  const p = new Uint8Array(172);
  p[0] = 0x80;
  p[2] = seq >> 8;
  p[3] = seq & 0xff;
  p[11] = 7;
  return p;
}

function rate(name: string, f: (i: number) => unknown): number {
  for (let i = 0; i < 5000; i++) f(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) f(i);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const r = N / s;
  results.push({ name, value: r, unit: 'packets/s', note: `${((s / N) * 1e6).toFixed(2)} µs/packet` });
  return r;
}

let results: BenchResult[] = [];

export async function runSrtpBench(): Promise<BenchResult[]> {
  results = [];

const pkts = Array.from({ length: 65536 }, (_, i) => rtp(i));
rate('baseline: copy', (i) => pkts[i & 0xffff]!.slice());
const key = Buffer.alloc(16, 1);
const ak = Buffer.alloc(20, 2);
const iv = Buffer.alloc(16);
rate('baseline: createCipheriv(ctr)+createHmac', (i) => {
  const p = pkts[i & 0xffff]!;
  iv[13] = i;
  const c = createCipheriv('aes-128-ctr', key, iv).update(p.subarray(12));
  return createHmac('sha1', ak).update(p.subarray(0, 12)).update(c).digest();
});
for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_256_CM_HMAC_SHA1_80', 'AEAD_AES_128_GCM'] as SrtpSuiteName[]) {
  const s = getSrtpSuite(suite);
  const o = { suite, masterKey: new Uint8Array(s.keyLength).fill(3), masterSalt: new Uint8Array(s.saltLength).fill(4) };
  const tx = new SrtpContext(o);
  const prot = pkts.map((p) => tx.protect(p)!);
  const tx2 = new SrtpContext(o);
  rate(`${suite} protect`, (i) => tx2.protect(pkts[i & 0xffff]!));
  // A fresh receiver each pass over the 65536 packets (no replays).
  let rx = new SrtpContext(o);
  rate(`${suite} unprotect`, (i) => {
    if ((i & 0xffff) === 0) rx = new SrtpContext(o);
    return rx.unprotect(prot[i & 0xffff]!);
  });
}
const rtcp = new Uint8Array(52);
rtcp.set([0x80, 201, 0, 12, 0, 0, 0, 9]);
const sc = new SrtcpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: new Uint8Array(16), masterSalt: new Uint8Array(14) });
rate('SRTCP AES_CM_128_HMAC_SHA1_80 protect (52 B)', () => sc.protect(rtcp));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) printResults('srtp', await runSrtpBench());
