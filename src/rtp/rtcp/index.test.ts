import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as rtcp from './index.js';

test('rtcp/index re-exports every packet type and the compound API', () => {
  for (const name of [
    'parseCompound', 'serializeCompound', 'parseRtcpPacket', 'serializeRtcpPacket', 'validateCompound', 'parseRtcpHeader',
    'parseSenderReport', 'parseReceiverReport', 'parseReceptionReport', 'parseSdes', 'parseBye', 'parseApp', 'parsePli',
    'parseSli', 'parseRpsi', 'parseFir', 'parseNack', 'parseRrr', 'parseTmmbr', 'parseTmmbn', 'parseRemb', 'parseTwcc',
    'parseCcfb', 'parseXr', 'parseUnknown', 'sequenceNumbersToNackPairs', 'buildTwcc',
  ]) {
    assert.equal(typeof (rtcp as Record<string, unknown>)[name], 'function', name);
  }
});
