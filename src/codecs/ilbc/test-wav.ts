/** Test helper: the PCM of a 16-bit mono WAV file (no resampling). */
import { readFileSync } from 'node:fs';

/** PCM of a 16-bit mono WAV's data chunk. */
export function wavPcm(path: string): Int16Array {
  const b = readFileSync(path);
  let o = 12;
  while (o + 8 <= b.length) {
    const id = b.toString('latin1', o, o + 4);
    const len = b.readUInt32LE(o + 4);
    if (id === 'data') return new Int16Array(b.buffer.slice(b.byteOffset + o + 8, b.byteOffset + o + 8 + (Math.min(len, b.length - o - 8) & ~1)));
    o += 8 + len + (len & 1);
  }
  throw new Error(`${path}: no data chunk`);
}
