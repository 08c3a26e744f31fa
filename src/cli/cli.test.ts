/** The `mediaweave` command as a user runs it: exit codes, messages, and the files it writes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWavFile } from '../files/wav-reader.js';
import { writeWavFile } from '../files/wav-writer.js';
import { repoDir } from '../test-support/shared.js';

const bin = join(repoDir(), 'bin', 'mediaweave.js');
const dir = mkdtempSync(join(tmpdir(), 'mw-cli-'));

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Goertzel power of one frequency over a block. */
function power(x: Int16Array, start: number, n: number, f: number, rate: number): number {
  const w = (2 * Math.PI * f) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < start + n; i++) {
    const s = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

test('--version and --help exit 0', () => {
  const v = run('--version');
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const h = run('--help');
  assert.equal(h.code, 0);
  for (const c of ['codecs', 'convert', 'tones']) assert.match(h.stdout, new RegExp(c));
});

test('bad usage exits 2 and names the option', () => {
  const unknown = run('convert', 'a.wav', 'b.wav', '--bogus');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--bogus/);
  const range = run('convert', 'a.wav', 'b.wav', '--rate', '99');
  assert.equal(range.code, 2);
  assert.match(range.stderr, /--rate/);
  const digit = run('tones', '12x', '--outfile', join(dir, 'x.wav'));
  assert.equal(digit.code, 2);
  assert.match(digit.stderr, /"x"/);
  const missing = run('tones', '12');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--outfile/);
  assert.equal(run('nosuchcommand').code, 2);
});

test('runtime failures exit 1 and name the file', () => {
  const r = run('convert', join(dir, 'nope.wav'), join(dir, 'out.wav'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope\.wav/);
  const bad = join(dir, 'bad.wav');
  writeFileSync(bad, 'RIFF\x10\x00\x00\x00WAVEjunk');
  const r2 = run('convert', bad, join(dir, 'out.wav'));
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /bad\.wav/);
});

test('codecs lists PCMU and PCMA with their payload types', () => {
  const r = run('codecs', '--json');
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.stdout) as { mime: string; payloadType: number; available: boolean }[];
  assert.deepEqual(
    rows.filter((x) => x.mime === 'PCMU' || x.mime === 'PCMA').map((x) => [x.mime, x.payloadType, x.available]),
    [
      ['PCMU', 0, true],
      ['PCMA', 8, true],
    ],
  );
  assert.match(run('codecs').stdout, /PCMU/);
});

test('tones writes the DTMF digits with the right frequencies and length', () => {
  const out = join(dir, 'tones.wav');
  const r = run('tones', '159#', '--outfile', out, '--rate', '16000');
  assert.equal(r.code, 0, r.stderr);
  const wav = readWavFile(out);
  assert.equal(wav.sampleRate, 16000);
  assert.equal(wav.channels, 1);
  assert.equal(wav.samples.length, 4 * 0.2 * 16000); // 100 ms tone + 100 ms pause each
  const expect: [number, number][] = [
    [697, 1209],
    [770, 1336],
    [852, 1477],
    [941, 1477],
  ];
  expect.forEach(([lo, hi], i) => {
    const start = i * 3200 + 400;
    const n = 800;
    const p = (f: number): number => power(wav.samples, start, n, f, 16000);
    const others = [697, 770, 852, 941, 1209, 1336, 1477, 1633].filter((f) => f !== lo && f !== hi);
    for (const o of others) {
      assert.ok(p(lo) > 100 * p(o) && p(hi) > 100 * p(o), `digit ${i}: ${lo}/${hi} Hz dominate ${o} Hz`);
    }
  });
});

test('convert changes rate and channels and keeps the signal', () => {
  const input = join(dir, 'sine44k.wav');
  const rate = 44100;
  const n = rate; // 1 s stereo, 440 Hz left, 1000 Hz right
  const s = new Int16Array(n * 2);
  for (let i = 0; i < n; i++) {
    s[2 * i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    s[2 * i + 1] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  }
  writeWavFile(input, s, rate, 2);
  const out = join(dir, 'out16k.wav');
  const r = run('convert', input, out, '--rate', '16000', '--channels', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /44100 Hz, 2 ch.*16000 Hz, 1 ch/);
  const wav = readWavFile(out);
  assert.equal(wav.sampleRate, 16000);
  assert.equal(wav.channels, 1);
  assert.ok(Math.abs(wav.samples.length - 16000) <= 160, `length ${wav.samples.length}`);
  // The mono mix holds both tones at half amplitude each.
  const p440 = power(wav.samples, 2000, 8000, 440, 16000);
  const p1000 = power(wav.samples, 2000, 8000, 1000, 16000);
  const p700 = power(wav.samples, 2000, 8000, 700, 16000);
  assert.ok(p440 > 1000 * p700 && p1000 > 1000 * p700);
  assert.ok(Math.abs(10 * Math.log10(p440 / p1000)) < 0.5);
});

test('stream: bad options exit 2 naming the option; a busy port exits 1 naming the port', async () => {
  const badRemote = run('stream', '--local', '0', '--remote', 'nowhere', '--duration', '1');
  assert.equal(badRemote.code, 2);
  assert.match(badRemote.stderr, /--remote/);
  const badPayload = run('stream', '--local', '0', '--payload', 'nosuchcodec', '--duration', '1');
  assert.equal(badPayload.code, 2);
  assert.match(badPayload.stderr, /--payload/);
  const badLoss = run('stream', '--local', '0', '--netsim-loss', '120', '--duration', '1');
  assert.equal(badLoss.code, 2);
  assert.match(badLoss.stderr, /--netsim-loss/);
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '0.0.0.0', () => r()));
  const port = sock.address().port;
  try {
    const busy = run('stream', '--local', String(port), '--duration', '1');
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`${port}.*(EADDRINUSE|in use)`));
  } finally {
    sock.close();
  }
  const badFile = run('stream', '--local', '0', '--infile', join(dir, 'missing.wav'), '--duration', '1');
  assert.equal(badFile.code, 1);
  assert.match(badFile.stderr, /missing\.wav/);
});

test('stream: two mediaweave processes make a call; --json has every DESIGN §4 field', async (t) => {
  const { sharedFile } = await import('../test-support/shared.js');
  const hello = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
  if (!hello) return;
  const { spawn } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const json = join(dir, 'recv.json');
  const out = join(dir, 'recv.wav');
  const recv = spawn(process.execPath, [bin, 'stream', '--local', '0', '--local-address', '127.0.0.1', '--outfile', out, '--json', json, '--duration', '6', '--stats', '0', '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  recv.stderr.on('data', (b: Buffer) => (err += b.toString()));
  // The receiver prints its local port; the sender targets it.
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port in: ${err}`)), 20_000);
    recv.stderr.on('data', () => {
      const m = /local 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const send = run('stream', '--local', '0', '--remote', `127.0.0.1:${port}`, '--infile', hello, '--duration', '4', '--stats', '0');
  assert.equal(send.code, 0, send.stderr);
  const code = await new Promise<number | null>((r) => recv.on('close', r));
  assert.equal(code, 0, err);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const k of ['sent', 'received', 'decoder', 'jitterMs', 'rttMs', 'jitterBufferMs', 'bitrateKbps', 'quality']) assert.ok(k in report, `report field ${k}`);
  for (const k of ['packets', 'bytes', 'lost', 'late', 'duplicated', 'invalid', 'unknownPt']) assert.ok(k in report.received!, `received.${k}`);
  assert.ok((report.received!.packets as number) > 150, `received ${String(report.received!.packets)}`);
  assert.equal(report.received!.lost, 0);
  const wav = readWavFile(out);
  assert.ok(wav.samples.length > 8000 * 3);
  assert.match(err, /sending RTP to 127\.0\.0\.1:\d+ \(symmetric RTP\)/);
});

test('stream: SIGINT ends the call cleanly (exit 0, WAV finalised, report written, BYE sent)', async () => {
  const { spawn } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const { createSocket } = await import('node:dgram');
  // A bare UDP socket plays the peer: it receives our RTP and RTCP (port + 1).
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const peerRtcp = createSocket('udp4');
  await new Promise<void>((r) => peerRtcp.bind(peer.address().port + 1, '127.0.0.1', () => r()));
  const rtcpSeen: Buffer[] = [];
  peerRtcp.on('message', (m) => rtcpSeen.push(m));
  const json = join(dir, 'sigint.json');
  const out = join(dir, 'sigint.wav');
  const p = spawn(process.execPath, [bin, 'stream', '--local', '0', '--remote', `127.0.0.1:${peer.address().port}`, '--outfile', out, '--json', json, '--stats', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`did not start: ${err}`)), 20_000);
    p.stderr.on('data', () => {
      if (/streaming/.test(err)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 1500));
  p.kill('SIGINT');
  const code = await new Promise<number | null>((r) => p.on('close', r));
  await new Promise((r) => setTimeout(r, 200));
  peer.close();
  peerRtcp.close();
  assert.equal(code, 0, err);
  assert.match(err, /done \(SIGINT\)/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { sent: { packets: number } };
  assert.ok(report.sent.packets > 40, `sent ${report.sent.packets}`);
  readWavFile(out); // a valid header, even with nothing received
  // The last RTCP compound carries a BYE with the reason.
  const last = rtcpSeen[rtcpSeen.length - 1];
  assert.ok(last, 'RTCP reached the peer');
  const { parseCompound } = await import('../rtp/rtcp/compound.js');
  const bye = parseCompound(new Uint8Array(last)).find((p) => p.type === 'bye');
  assert.ok(bye, 'a BYE reached the peer');
  assert.match(String(bye.reason), /SIGINT/, 'the BYE says why');
});
