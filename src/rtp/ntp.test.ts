import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NTP_UNIX_OFFSET_S,
  compactNtpToMs,
  msToCompactNtp,
  ntpCompact,
  ntpFromBigInt,
  ntpFromUnixMs,
  ntpToBigInt,
  ntpToUnixMs,
  rttMsFromReport,
} from './ntp.js';

test('NTP ↔ Unix ms (RFC 3550 §4)', () => {
  assert.deepStrictEqual(ntpFromUnixMs(0), { seconds: NTP_UNIX_OFFSET_S, fraction: 0 });
  assert.deepStrictEqual(ntpFromUnixMs(1500), { seconds: NTP_UNIX_OFFSET_S + 1, fraction: 0x80000000 });
  for (const ms of [0, 1, 999, 1_700_000_000_123, 2_085_978_495_999]) {
    const { seconds, fraction } = ntpFromUnixMs(ms);
    assert.ok(Math.abs(ntpToUnixMs(seconds, fraction) - ms) < 1e-3, String(ms));
  }
  // After 2036-02-07 the seconds wrap (era 1) and still map back.
  const after2036 = 2_200_000_000_000;
  const t = ntpFromUnixMs(after2036);
  assert.ok(t.seconds < 0x80000000);
  assert.ok(Math.abs(ntpToUnixMs(t.seconds, t.fraction) - after2036) < 1e-3);
});

test('NTP 64-bit bigint and compact middle 32 bits (RFC 3550 §6.4.1)', () => {
  // The pion SR vector's NTP time 0xda8bd1fcdddda05a.
  const v = 0xda8bd1fcdddda05an;
  assert.deepStrictEqual(ntpFromBigInt(v), { seconds: 0xda8bd1fc, fraction: 0xdddda05a });
  assert.equal(ntpToBigInt(0xda8bd1fc, 0xdddda05a), v);
  assert.equal(ntpCompact(0xda8bd1fc, 0xdddda05a), 0xd1fcdddd);
  assert.equal(compactNtpToMs(0x00018000), 1500);
  assert.equal(msToCompactNtp(1500), 0x00018000);
  assert.equal(msToCompactNtp(-5), 0);
  assert.equal(msToCompactNtp(1e12), 0xffffffff);
});

test('RTT from a report block: A − LSR − DLSR, RFC 3550 §6.4.1 example', () => {
  // The RFC's example: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s),
  // DLSR = 0x0005:4000 (5.250 s) → RTT 6.125 s.
  assert.equal(rttMsFromReport(0xb7108000, 0xb7052000, 0x00054000), 6125);
  assert.equal(rttMsFromReport(0xb7108000, 0, 0x00054000), undefined, 'no SR received yet');
  assert.equal(rttMsFromReport(0xb7052000, 0xb7108000, 0), undefined, 'negative');
  // Across the 16-bit seconds wrap of the compact format.
  assert.equal(rttMsFromReport(0x00010000, 0xffff8000, 0x00004000), 1250);
});
