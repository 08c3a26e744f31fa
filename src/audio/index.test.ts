import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as audio from './index.js';

test('audio/index re-exports the filters, helpers and registration', () => {
  for (const name of [
    'ToneGenerator',
    'renderDtmf',
    'DTMF_FREQUENCIES',
    'dBm0ToAmplitude',
    'ChannelAdapter',
    'Tee',
    'copyFrame',
    'VoidSource',
    'VoidSink',
    'Volume',
    'registerAudioFilters',
  ]) {
    assert.ok(name in audio, name);
  }
});
