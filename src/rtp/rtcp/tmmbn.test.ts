import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hex, toHex } from '../test-helpers.js';
import { parseRtcpPacket } from './compound.js';
import { type Tmmbn, parseTmmbn, serializeTmmbn } from './tmmbn.js';

test('TMMBN: an empty bounding set is valid (RFC 5104 §4.2.2); entries round-trip', () => {
  const empty: Tmmbn = { type: 'tmmbn', senderSsrc: 5, mediaSsrc: 0, entries: [] };
  assert.equal(toHex(serializeTmmbn(empty)), '84cd0002' + '00000005' + '00000000');
  assert.deepStrictEqual(parseTmmbn(hex('84cd00020000000500000000')), empty);
  const p: Tmmbn = { ...empty, entries: [{ ssrc: 1, bitrate: 64000, overhead: 28 }, { ssrc: 2, bitrate: 2 ** 40, overhead: 0 }] };
  assert.deepStrictEqual(parseTmmbn(serializeTmmbn(p)), p);
  assert.deepStrictEqual(parseRtcpPacket(serializeTmmbn(p)), p);
});
