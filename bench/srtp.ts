/**
 * SRTP protect/unprotect throughput, 160-byte payloads (20 ms of G.711), packets/s.
 * Baseline in the same run: a plain copy of the packet (what a transform costs at the least) and
 * node:crypto's one-shot primitives per packet (createCipheriv('aes-128-ctr') + createHmac).
 * Reference implementations in the same run (AES_CM_128_HMAC_SHA1_80): werift-rtp's SrtpSession
 * (npm devDependency; per packet createCipheriv + createHmac) and libsrtp2 (Debian libsrtp2-1,
 * through koffi, src/native/libsrtp.ts; in place in a reused buffer, one copy per packet). Either
 * is skipped, with the reason printed, when it cannot be loaded. Ratios are printed at the end.
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
await references(pkts);
const rtcp = new Uint8Array(52);
rtcp.set([0x80, 201, 0, 12, 0, 0, 0, 9]);
const sc = new SrtcpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: new Uint8Array(16), masterSalt: new Uint8Array(14) });
rate('SRTCP AES_CM_128_HMAC_SHA1_80 protect (52 B)', () => sc.protect(rtcp));
  const v = (n: string) => results.find((r) => r.name === n)?.value;
  for (const dir of ['protect', 'unprotect']) {
    const ours = v(`AES_CM_128_HMAC_SHA1_80 ${dir}`)!;
    for (const ref of ['baseline: createCipheriv(ctr)+createHmac', `werift-rtp ${dir}`, `libsrtp2 ${dir}`]) {
      const r = v(ref);
      if (r) results.push({ name: `ratio ours/${ref.split(' ')[0]!.replace(':', '')} ${dir}`, value: ours / r, unit: '×' });
    }
  }
  return results;
}

const MK = new Uint8Array(16).fill(3);
const MS = new Uint8Array(14).fill(4);

async function references(pkts: Uint8Array[]): Promise<void> {
  const ours = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey: MK, masterSalt: MS });
  const expected = pkts.map((p) => ours.protect(p)!);
  try {
    const w = (await import('werift-rtp')) as typeof import('werift-rtp');
    const keys = { localMasterKey: Buffer.from(MK), localMasterSalt: Buffer.from(MS), remoteMasterKey: Buffer.from(MK), remoteMasterSalt: Buffer.from(MS) };
    const tx = new w.SrtpSession({ keys, profile: w.ProtectionProfileAes128CmHmacSha1_80 });
    const headers = pkts.map((p) => w.RtpHeader.deSerialize(Buffer.from(p)));
    const payloads = pkts.map((p) => Buffer.from(p.subarray(12)));
    if (Buffer.compare(tx.encrypt(payloads[5]!, headers[5]!), expected[5]!) !== 0) throw new Error('werift-rtp output differs from ours');
    const prot = expected.map((p) => Buffer.from(p));
    rate('werift-rtp protect', (i) => tx.encrypt(payloads[i & 0xffff]!, headers[i & 0xffff]!));
    let rx = new w.SrtpSession({ keys, profile: w.ProtectionProfileAes128CmHmacSha1_80 });
    rate('werift-rtp unprotect', (i) => {
      if ((i & 0xffff) === 0) rx = new w.SrtpSession({ keys, profile: w.ProtectionProfileAes128CmHmacSha1_80 });
      return rx.decrypt(prot[i & 0xffff]!);
    });
  } catch (err) {
    console.error(`SKIPPED werift-rtp: ${err instanceof Error ? err.message : String(err)} (npm install --save-dev werift-rtp)`);
  }
  try {
    const { LibsrtpSession } = await import('../src/native/libsrtp.js');
    const key = new Uint8Array(30);
    key.set(MK);
    key.set(MS, 16);
    const tx = new LibsrtpSession(key, 'outbound');
    const buf = new Uint8Array(256);
    buf.set(pkts[5]!);
    const n = tx.protect(buf, 172);
    if (n !== 182 || Buffer.compare(buf.subarray(0, n), expected[5]!) !== 0) throw new Error('libsrtp2 output differs from ours');
    rate('libsrtp2 protect', (i) => {
      buf.set(pkts[i & 0xffff]!);
      return tx.protect(buf, 172);
    });
    let rx = new LibsrtpSession(key, 'inbound');
    rate('libsrtp2 unprotect', (i) => {
      if ((i & 0xffff) === 0) {
        rx.dispose();
        rx = new LibsrtpSession(key, 'inbound');
      }
      buf.set(expected[i & 0xffff]!);
      const r = rx.unprotect(buf, 182);
      if (r !== 172) throw new Error(`srtp_unprotect: ${r}`);
      return r;
    });
    tx.dispose();
    rx.dispose();
  } catch (err) {
    console.error(`SKIPPED libsrtp2: ${err instanceof Error ? err.message : String(err)} (apt-get install libsrtp2-1)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printResults('srtp', await runSrtpBench());
