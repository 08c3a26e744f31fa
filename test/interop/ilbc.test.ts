/**
 * iLBC interop: ffmpeg's native iLBC decoder (libavcodec "ilbc", a fixed-point implementation)
 * decodes what our encoder writes in the RFC 3951 storage format ("#!iLBC30\n" / "#!iLBC20\n"
 * + frames); judged by speech similarity to the input and against our own decoder on the same
 * bitstream. ffmpeg has no iLBC encoder here (libilbc is not built), so nothing to decode the
 * other way.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { IlbcDecoderState } from '../../src/codecs/ilbc/decoder.js';
import { IlbcEncoderState } from '../../src/codecs/ilbc/encoder.js';
import { wavPcm } from '../../src/codecs/ilbc/test-wav.js';
import { sharedFile } from '../../src/test-support/shared.js';
import { speechSimilarity } from '../../src/test-support/similarity.js';
import { requireTool, tempDir } from './support.js';

for (const mode of [30, 20] as const) {
  test(`ffmpeg decodes our iLBC ${mode} ms frames (.lbc storage format)`, (t) => {
    if (!requireTool(t, 'ffmpeg')) return;
    const path = sharedFile(t, 'data', 'ms2', 'sounds', 'hello8000.wav');
    if (!path) return;
    const dir = tempDir(t, `ilbc${mode}`);
    const pcm = wavPcm(path);
    const enc = new IlbcEncoderState(mode);
    const dec = new IlbcDecoderState(mode);
    const n = enc.samplesPerFrame;
    const bytes = enc.cfg.bytes;
    const frames = Math.floor(pcm.length / n);
    const bits = new Uint8Array(frames * bytes);
    const ours = new Int16Array(frames * n);
    for (let f = 0; f < frames; f++) enc.encode(pcm, f * n, bits, f * bytes);
    for (let f = 0; f < frames; f++) dec.decode(bits, f * bytes, ours, f * n);
    const lbc = join(dir, 'a.lbc');
    const raw = join(dir, 'a.raw');
    writeFileSync(lbc, Buffer.concat([Buffer.from(`#!iLBC${mode}\n`, 'latin1'), Buffer.from(bits)]));
    execFileSync('ffmpeg', ['-y', '-loglevel', 'error', '-i', lbc, '-f', 's16le', '-ac', '1', '-ar', '8000', raw]);
    const fb = readFileSync(raw);
    const ff = new Int16Array(fb.buffer.slice(fb.byteOffset, fb.byteOffset + (fb.length & ~1)));
    assert.equal(ff.length, ours.length, 'ffmpeg decodes every frame');
    const ref = Float64Array.from(pcm);
    const sFf = speechSimilarity(ref, Float64Array.from(ff));
    const sOurs = speechSimilarity(ref, Float64Array.from(ours));
    const sCross = speechSimilarity(Float64Array.from(ours), Float64Array.from(ff));
    console.error(
      `iLBC ${mode} ms: similarity to input — ffmpeg decode ${sFf.score.toFixed(3)}, our decode ${sOurs.score.toFixed(3)}; ffmpeg vs ours ${sCross.score.toFixed(4)} (lag ${sCross.lag})`,
    );
    // Both decoders follow RFC 3951 (ffmpeg in fixed point, without the enhancer as ours): they
    // must agree closely on the same bitstream, and ffmpeg must score as our own decode.
    assert.ok(sCross.score >= 0.98, `ffmpeg vs our decoder ${sCross.score} < 0.98`);
    assert.ok(sFf.score >= sOurs.score - 0.02, `ffmpeg decode ${sFf.score} well below ours ${sOurs.score}`);
  });
}
