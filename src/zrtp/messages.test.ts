import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../core/errors.js';
import { type ZrtpMessage, parseMessage, serializeMessage } from './messages.js';
import { parseZrtpPacket } from './packet.js';
import { hex, loadExchange, toHex } from './test-vectors.js';

test('messages: exact round trip of the real 9-packet DH3k exchange', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const types: string[] = [];
  for (const v of ex.packets) {
    const m = parseMessage(parseZrtpPacket(hex(v.hex)).message);
    types.push(m.type);
    assert.equal(toHex(serializeMessage(m)), v.message_hex, v.name);
  }
  assert.deepEqual(types, ['Hello', 'Hello', 'HelloACK', 'Commit', 'DHPart1', 'DHPart2', 'Confirm1', 'Confirm2', 'Conf2ACK']);
  const hello = parseMessage(hex(ex.packets[0].message_hex));
  assert.ok(hello.type === 'Hello', 'first packet is a Hello');
  assert.equal(hello.version, '1.10');
  assert.equal(hello.clientId, 'LINPHONE-ZRTPCPP');
  assert.equal(toHex(hello.h3), ex.hash_chain['12345678'][3]);
  assert.deepEqual(hello.hashTypes, ['S256']);
  assert.deepEqual(hello.cipherTypes, ['AES1']);
  assert.deepEqual(hello.authTagTypes, ['HS32', 'HS80']);
  assert.deepEqual(hello.keyAgreementTypes, ['DH3k', 'DH2k', 'Mult']);
  assert.deepEqual(hello.sasTypes, ['B32 ']);
  const commit = parseMessage(hex(ex.packets[3].message_hex));
  assert.ok(commit.type === 'Commit' && commit.mode === 'dh', 'Commit is DH mode');
  assert.equal(toHex(commit.hvi), ex.hvi_check.hvi_from_commit);
  assert.equal(toHex(commit.h2), ex.hash_chain['87654321'][2]);
  const dh1 = parseMessage(hex(ex.packets[4].message_hex));
  assert.ok(dh1.type === 'DHPart1', 'DHPart1');
  assert.equal(dh1.publicValue.length, 384);
  assert.equal(toHex(dh1.h1), ex.hash_chain['12345678'][1]);
  const c1 = parseMessage(hex(ex.packets[6].message_hex));
  assert.ok(c1.type === 'Confirm1', 'Confirm1');
  assert.equal(c1.encrypted.length, 40);
});

test('messages: the libzrtpcpp Hello round-trips', (t) => {
  const ex = loadExchange(t);
  if (!ex) return;
  const msg = parseZrtpPacket(hex(ex.libzrtpcpp_hello_with_zrtp_hash.packet)).message;
  const m = parseMessage(msg);
  assert.ok(m.type === 'Hello', 'Hello');
  assert.equal(m.keyAgreementTypes.length, 5);
  assert.deepEqual(serializeMessage(m), msg);
});

const b = (n: number, v = 0xab): Uint8Array => new Uint8Array(n).fill(v);
const samples: ZrtpMessage[] = [
  { type: 'HelloACK' },
  { type: 'Conf2ACK' },
  { type: 'ErrorACK' },
  { type: 'ClearACK' },
  { type: 'Hello', version: '1.10', clientId: 'mediaweave      ', h3: b(32), zid: b(12), signatureCapable: true, mitm: false, passive: true,
    hashTypes: ['S256', 'S384'], cipherTypes: ['AES1', 'AES3'], authTagTypes: ['HS32', 'HS80'], keyAgreementTypes: ['DH3k', 'EC25', 'Mult'], sasTypes: ['B32 ', 'B256'], mac: b(8) },
  { type: 'Commit', mode: 'dh', h2: b(32), zid: b(12), hashType: 'S256', cipherType: 'AES1', authTagType: 'HS32', keyAgreementType: 'DH3k', sasType: 'B32 ', hvi: b(32, 1), mac: b(8) },
  { type: 'Commit', mode: 'multistream', h2: b(32), zid: b(12), hashType: 'S256', cipherType: 'AES1', authTagType: 'HS32', keyAgreementType: 'Mult', sasType: 'B32 ', nonce: b(16, 2), mac: b(8) },
  { type: 'Commit', mode: 'preshared', h2: b(32), zid: b(12), hashType: 'S256', cipherType: 'AES1', authTagType: 'HS32', keyAgreementType: 'Prsh', sasType: 'B32 ', nonce: b(16, 2), keyId: b(8, 3), mac: b(8) },
  { type: 'DHPart2', h1: b(32), rs1Id: b(8, 1), rs2Id: b(8, 2), auxSecretId: b(8, 3), pbxSecretId: b(8, 4), publicValue: b(64, 5), mac: b(8) },
  { type: 'Confirm2', confirmMac: b(8), iv: b(16, 1), encrypted: b(48, 2) },
  { type: 'Error', code: 0x62 },
  { type: 'GoClear', clearMac: b(8) },
  { type: 'Ping', version: '1.10', endpointHash: b(8) },
  { type: 'PingACK', version: '1.10', senderEndpointHash: b(8, 1), receivedEndpointHash: b(8, 2), receivedSsrc: 0xcafebabe },
];

test('messages: every type serialises and parses back to the same value', () => {
  for (const m of samples) {
    const bytes = serializeMessage(m);
    assert.deepEqual(parseMessage(bytes), m, m.type);
    assert.equal(new DataView(bytes.buffer).getUint16(2) * 4, bytes.length, `${m.type} length field`);
  }
});

test('messages: malformed messages are ParseErrors, bad fields RangeErrors', () => {
  for (const m of samples) {
    const bytes = serializeMessage(m);
    // Cut one word off, keeping the length field consistent: wrong size for the type.
    const cut = bytes.slice(0, bytes.length - 4);
    new DataView(cut.buffer).setUint16(2, cut.length / 4);
    if (m.type !== 'DHPart2' && m.type !== 'Confirm2') assert.throws(() => parseMessage(cut), ParseError, `${m.type} cut`);
    assert.throws(() => parseMessage(bytes.subarray(0, bytes.length - 4)), ParseError, `${m.type} length field`);
  }
  assert.throws(() => parseMessage(new TextEncoder().encode('PZ\0\x03SASrelay')), ParseError, 'unsupported type');
  assert.throws(() => parseMessage(new Uint8Array(8)), ParseError, 'short');
  assert.throws(() => serializeMessage({ type: 'Ping', version: '1.1', endpointHash: b(8) }), RangeError);
  assert.throws(() => serializeMessage({ ...(samples[5] as ZrtpMessage & { type: 'Commit' }), keyAgreementType: 'Mult' }), RangeError);
});
