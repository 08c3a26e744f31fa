import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHvi, computeHvi, hashChain, serializeWithMac, verifyMessageMac, verifyRevealedKey, verifyZrtpHashAttribute, zrtpHashAttribute } from './hash-chain.js';
import { parseMessage } from './messages.js';
import { parseZrtpPacket } from './packet.js';
import { hex, loadExchange, toHex } from './test-vectors.js';

test('hash chain: H0 → H3 of both endpoints', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  for (const [ssrc, chain] of Object.entries(ex.hash_chain)) {
    assert.deepEqual(hashChain(hex(chain[0])).map(toHex), chain, ssrc);
  }
  const c = hashChain();
  assert.equal(c[0].length, 32);
  assert.equal(hashChain(c[0], 'sha384')[3].length, 32);
});

test('hash chain: Hello/Commit/DHPart MACs and the delayed checks (§9)', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const msg = (i: number): Uint8Array => hex(ex.packets[i].message_hex);
  const r = ex.hash_chain['12345678'].map(hex);
  const i = ex.hash_chain['87654321'].map(hex);
  const checks: [number, Uint8Array][] = [[0, r[2]], [1, i[2]], [3, i[1]], [4, r[0]], [5, i[0]]];
  for (const [k, key] of checks) {
    assert.ok(verifyMessageMac(msg(k), key), `${ex.packets[k].name} #${k} MAC`);
    assert.ok(verifyRevealedKey(msg(k), key), `${ex.packets[k].name} #${k} revealed key`);
    assert.ok(!verifyMessageMac(msg(k), r[3]), `${ex.packets[k].name} #${k} wrong key`);
    const bad = msg(k);
    bad[20] ^= 1;
    assert.ok(!verifyRevealedKey(bad, key), `${ex.packets[k].name} #${k} tampered`);
  }
  // Rebuilding the MAC from our own serialiser gives the real bytes.
  const hello = parseMessage(msg(0));
  assert.ok(hello.type === 'Hello', 'Hello');
  assert.equal(toHex(serializeWithMac(hello, [r[0], r[1], r[2], r[3]])), ex.packets[0].message_hex);
  const dh2 = parseMessage(msg(5));
  assert.ok(dh2.type === 'DHPart2', 'DHPart2');
  assert.equal(toHex(serializeWithMac(dh2, [i[0], i[1], i[2], i[3]])), ex.packets[5].message_hex);
});

test('hvi = hash(DHPart2 || responder Hello) matches the Commit (§4.4.1.1)', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const dh2 = hex(ex.packets[5].message_hex);
  const helloR = hex(ex.packets[0].message_hex);
  assert.equal(toHex(computeHvi(dh2, helloR)), ex.hvi_check.hvi_from_commit);
  const commit = parseMessage(hex(ex.packets[3].message_hex));
  assert.ok(commit.type === 'Commit' && commit.mode === 'dh', 'DH Commit');
  assert.ok(checkHvi(commit.hvi, dh2, helloR), 'hvi check passes');
  assert.ok(!checkHvi(commit.hvi, dh2, hex(ex.packets[1].message_hex)), 'hvi check fails with the wrong Hello');
});

test('a=zrtp-hash generation and verification (§8.1)', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const byId: Record<string, Uint8Array> = { '12345678': hex(ex.packets[0].message_hex), '87654321': hex(ex.packets[1].message_hex) };
  for (const [id, attr] of Object.entries(ex.zrtp_hello_hash_attr)) {
    assert.equal(zrtpHashAttribute(byId[id]), attr, id);
    assert.ok(verifyZrtpHashAttribute(`a=zrtp-hash:${attr.toUpperCase().replace('A=', 'a=')}`, byId[id]), `${id} verifies (upper case hex)`);
  }
  const other = parseZrtpPacket(hex(ex.libzrtpcpp_hello_with_zrtp_hash.packet)).message;
  assert.equal(zrtpHashAttribute(other), ex.libzrtpcpp_hello_with_zrtp_hash.a_zrtp_hash);
  assert.ok(verifyZrtpHashAttribute(ex.libzrtpcpp_hello_with_zrtp_hash.a_zrtp_hash, other), 'libzrtpcpp Hello verifies');
  assert.ok(!verifyZrtpHashAttribute(ex.zrtp_hello_hash_attr['12345678'], other), 'mismatch rejected');
  assert.ok(!verifyZrtpHashAttribute('1.10 xyz', other), 'malformed rejected');
  assert.ok(!verifyZrtpHashAttribute(ex.libzrtpcpp_hello_with_zrtp_hash.a_zrtp_hash, new Uint8Array(3)), 'non-Hello rejected');
});
