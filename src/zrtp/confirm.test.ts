import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../core/errors.js';
import { buildConfirm, decryptConfirm, parseConfirmBody, serializeConfirmBody, verifyConfirmMac } from './confirm.js';
import { parseMessage, serializeMessage } from './messages.js';
import { type ExchangePacket, hex, loadExchange, toHex } from './test-vectors.js';

test('Confirm1/Confirm2 of the exchange: MAC, decryption to H0, re-encryption', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const cases: [number, 'r' | 'i', string][] = [[6, 'r', '12345678'], [7, 'i', '87654321']];
  for (const [idx, side, ssrc] of cases) {
    const v: ExchangePacket = ex.packets[idx];
    const m = parseMessage(hex(v.message_hex));
    assert.ok(m.type === 'Confirm1' || m.type === 'Confirm2', v.name);
    const mackey = hex(side === 'r' ? ex.keys.mackeyr : ex.keys.mackeyi);
    const zrtpkey = hex(side === 'r' ? ex.keys.zrtpkeyr : ex.keys.zrtpkeyi);
    assert.ok(verifyConfirmMac(m, mackey), `${v.name} confirm_mac`);
    assert.ok(!verifyConfirmMac(m, hex(side === 'r' ? ex.keys.mackeyi : ex.keys.mackeyr)), `${v.name} wrong key`);
    const plain = decryptConfirm(m, zrtpkey);
    assert.equal(toHex(plain), v.decrypted_confirm_body, v.name);
    const body = parseConfirmBody(plain);
    assert.equal(toHex(body.h0), ex.hash_chain[ssrc][0]);
    assert.equal(body.cacheExpiration, 0xffffffff);
    assert.deepEqual(serializeConfirmBody(body), plain);
    const rebuilt = buildConfirm(m.type, plain, { zrtpkey, mackey }, m.iv);
    assert.equal(toHex(serializeMessage(rebuilt)), v.message_hex, `${v.name} rebuilt`);
  }
});

test('Confirm body: flags and signature length', () => {
  const body = { h0: new Uint8Array(32).fill(7), enrollment: true, sasVerified: false, allowClear: true, disclosure: false, cacheExpiration: 3600, signature: new Uint8Array(8).fill(1) };
  const b = serializeConfirmBody(body);
  assert.equal(b.length, 48);
  assert.deepEqual(parseConfirmBody(b), body);
  assert.throws(() => parseConfirmBody(b.subarray(0, 44)), ParseError);
  assert.throws(() => parseConfirmBody(b.subarray(0, 30)), ParseError);
});
