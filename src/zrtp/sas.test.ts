import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGP_EVEN_WORDS, PGP_ODD_WORDS } from './pgp-words.js';
import { ZBASE32_ALPHABET, renderSas, sasB256, sasB32, sasHash, zbase32 } from './sas.js';
import { hex, loadKdfCrc, loadSas } from './test-vectors.js';

test('PGP word list table matches the vectors file (256 + 256)', (t) => {
  const v = loadSas(t);
  if (!v) return;
  assert.deepEqual(PGP_EVEN_WORDS, v.pgp_even_words);
  assert.deepEqual(PGP_ODD_WORDS, v.pgp_odd_words);
  assert.equal(new Set([...PGP_EVEN_WORDS, ...PGP_ODD_WORDS].map((w) => w.toLowerCase())).size, 512);
});

test('z-base-32: the 12 ZRTPCPP Base32 vectors', (t) => {
  const v = loadSas(t);
  if (!v) return;
  assert.equal(ZBASE32_ALPHABET, v.zbase32_alphabet);
  assert.equal(v.b32_vectors.length, 12);
  for (const c of v.b32_vectors) assert.equal(zbase32(hex(c.input), c.bits), c.expected, `${c.input}/${c.bits}`);
});

test('SAS rendering (§5.1.6) from the KDF vector\'s sashash', (t) => {
  const v = loadKdfCrc(t);
  if (!v) return;
  const sas = v.kdf.vectors.find((k) => k.label === 'SAS');
  assert.ok(sas, 'the SAS KDF vector exists');
  const sashash = sasHash(hex(v.kdf.KI), hex(sas.context));
  assert.equal(Buffer.from(sashash).toString('hex'), sas.output);
  // d269b0.. : leftmost 20 bits 1101 0010 0110 1001 1011 → z-base-32 indices 26, 9, 22, 27.
  assert.equal(sasB32(sashash), '4jw5');
  assert.deepEqual(sasB256(sashash), [PGP_EVEN_WORDS[0xd2], PGP_ODD_WORDS[0x69]]);
  assert.equal(renderSas('B32 ', sashash), '4jw5');
  assert.equal(renderSas('B256', sashash), `${PGP_EVEN_WORDS[0xd2]} ${PGP_ODD_WORDS[0x69]}`);
  assert.throws(() => renderSas('B99 ', sashash), RangeError);
});
