/** Test helper: the PCM of a mono WAV file (through files/' reader; no resampling). */
import { readWavFile } from '../../files/wav-reader.js';

export function wavPcm(path: string): Int16Array {
  return readWavFile(path).samples;
}
