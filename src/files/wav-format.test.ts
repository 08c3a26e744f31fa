import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileFormatError } from '../core/errors.js';
import {
  alawToLinear,
  buildPcmHeader,
  buildWavHeader,
  bytesSource,
  decodeFrames,
  floatToInt16,
  MAX_CHUNKS,
  mulawToLinear,
  parseWavHeader,
  type WavFormat,
} from './wav-format.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function chunk(id: string, body: Uint8Array, size = body.length): Uint8Array {
  const b = new Uint8Array(8 + body.length + (body.length & 1));
  for (let i = 0; i < 4; i++) b[i] = id.charCodeAt(i);
  new DataView(b.buffer).setUint32(4, size >>> 0, true);
  b.set(body, 8);
  return b;
}

function riff(...chunks: Uint8Array[]): Uint8Array {
  const body = concat(...chunks);
  const h = new Uint8Array(12);
  h.set([0x52, 0x49, 0x46, 0x46], 0);
  new DataView(h.buffer).setUint32(4, body.length + 4, true);
  h.set([0x57, 0x41, 0x56, 0x45], 8);
  return concat(h, body);
}

/** A 16-byte PCM fmt body. */
function fmt16(channels: number, rate: number, bits: number, tag = 1, blockAlign = channels * (bits / 8)): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, tag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, bits, true);
  return b;
}

function parse(bytes: Uint8Array) {
  return parseWavHeader(bytesSource(bytes), 'in.wav');
}

function parseError(bytes: Uint8Array): string {
  try {
    parse(bytes);
  } catch (err) {
    assert.ok(err instanceof FileFormatError, `expected FileFormatError, got ${String(err)}`);
    assert.equal(err.file, 'in.wav');
    assert.ok(err.message.startsWith('in.wav: '), err.message);
    return err.message;
  }
  assert.fail('expected a FileFormatError');
}

describe('G.711 tables', () => {
  it('µ-law: ITU-T G.711 end points and the Sun reference values', () => {
    assert.equal(mulawToLinear(0xff), 0); // +0
    assert.equal(mulawToLinear(0x7f), 0); // −0
    assert.equal(mulawToLinear(0x80), 32124); // largest positive
    assert.equal(mulawToLinear(0x00), -32124);
    assert.equal(mulawToLinear(0xfe), 8); // smallest step: (1·8 + 0x84) − 0x84
    assert.equal(mulawToLinear(0xef), 132); // segment 1, step 0: (0x84 << 1) − 0x84
  });
  it('A-law: end points and segment boundaries', () => {
    assert.equal(alawToLinear(0xd5), 8); // 0x80 ^ 0x55: smallest positive
    assert.equal(alawToLinear(0x55), -8);
    assert.equal(alawToLinear(0xaa), 32256); // largest positive
    assert.equal(alawToLinear(0x2a), -32256);
    assert.equal(alawToLinear(0xc5), 264); // segment 1, step 0 (0x90 ^ 0x55): 0x108
  });
  it('both tables are odd-symmetric and monotonic in magnitude', () => {
    for (let i = 0; i < 128; i++) {
      assert.equal(mulawToLinear(i) + mulawToLinear(i | 0x80), 0);
      assert.equal(alawToLinear(i) + alawToLinear(i | 0x80), 0);
    }
    // µ-law codes 0x80 (largest) … 0xFF (zero) decrease; A-law magnitude index k = (byte ^ 0x55) & 0x7F increases.
    for (let k = 1; k < 128; k++) {
      assert.ok(mulawToLinear(0x80 + k) < mulawToLinear(0x80 + k - 1));
      assert.ok(alawToLinear((0x80 | k) ^ 0x55) > alawToLinear((0x80 | (k - 1)) ^ 0x55));
    }
  });
});

describe('buildPcmHeader', () => {
  it('writes the canonical 44-byte header', () => {
    const h = buildPcmHeader(44100, 2, 1000);
    assert.equal(h.length, 44);
    const v = new DataView(h.buffer);
    assert.equal(String.fromCharCode(...h.subarray(0, 4)), 'RIFF');
    assert.equal(v.getUint32(4, true), 36 + 1000);
    assert.equal(String.fromCharCode(...h.subarray(8, 16)), 'WAVEfmt ');
    assert.equal(v.getUint32(16, true), 16);
    assert.equal(v.getUint16(20, true), 1);
    assert.equal(v.getUint16(22, true), 2);
    assert.equal(v.getUint32(24, true), 44100);
    assert.equal(v.getUint32(28, true), 44100 * 4);
    assert.equal(v.getUint16(32, true), 4);
    assert.equal(v.getUint16(34, true), 16);
    assert.equal(String.fromCharCode(...h.subarray(36, 40)), 'data');
    assert.equal(v.getUint32(40, true), 1000);
  });
  it('round-trips through the parser for every format, plain and extensible', () => {
    for (const [encoding, bits] of [['pcm', 8], ['pcm', 16], ['pcm', 24], ['pcm', 32], ['float', 32], ['float', 64], ['mulaw', 8], ['alaw', 8]] as const) {
      for (const extensible of [false, true]) {
        const blockAlign = 2 * (bits / 8);
        const h = buildWavHeader({ encoding, bitsPerSample: bits, channels: 2, sampleRate: 22050, dataBytes: 10 * blockAlign, extensible });
        const layout = parse(concat(h, new Uint8Array(10 * blockAlign)));
        assert.equal(layout.format.encoding, encoding);
        assert.equal(layout.format.bitsPerSample, bits);
        assert.equal(layout.format.extensible, extensible);
        assert.equal(layout.format.sampleRate, 22050);
        assert.equal(layout.dataOffset, h.length);
        assert.equal(layout.frames, 10);
        assert.equal(layout.dataLengthFromFileSize, false);
      }
    }
  });
});

describe('parseWavHeader', () => {
  it('skips unknown chunks, honouring the pad byte of odd-sized ones', () => {
    const data = new Uint8Array([1, 0, 2, 0]);
    const bytes = riff(chunk('LIST', new Uint8Array(5)), chunk('fmt ', fmt16(1, 8000, 16)), chunk('odd!', new Uint8Array(3)), chunk('data', data));
    const l = parse(bytes);
    assert.equal(l.frames, 2);
    assert.equal(l.dataOffset, bytes.length - 4);
  });
  it('tolerates a writer that forgot the pad byte of an odd-sized chunk', () => {
    const odd = chunk('odd!', new Uint8Array(3)).subarray(0, 11); // no pad byte
    const bytes = riff(chunk('fmt ', fmt16(1, 8000, 16)), odd, chunk('data', new Uint8Array(4)));
    assert.equal(parse(bytes).frames, 2);
  });
  it('data size 0, 0xFFFFFFFF or past the end: reads to the end of file (whole frames)', () => {
    for (const size of [0, 0xffffffff, 1000]) {
      const l = parse(riff(chunk('fmt ', fmt16(2, 8000, 16)), chunk('data', new Uint8Array(13), size)));
      assert.equal(l.frames, 3, `size ${size}`); // 13 bytes (+1 pad in our builder) / 4 → 3 whole frames
      assert.equal(l.dataLengthFromFileSize, true);
      assert.equal(l.declaredDataLength, size);
    }
  });
  it('stops at the declared data size when it fits (chunks after data are not audio)', () => {
    const l = parse(riff(chunk('fmt ', fmt16(1, 8000, 16)), chunk('data', new Uint8Array(6)), chunk('id3 ', new Uint8Array(20))));
    assert.equal(l.frames, 3);
    assert.equal(l.dataLengthFromFileSize, false);
  });
  it('accepts a data chunk of known size before fmt', () => {
    const l = parse(riff(chunk('data', new Uint8Array(8)), chunk('fmt ', fmt16(1, 16000, 16))));
    assert.equal(l.frames, 4);
    assert.equal(l.dataOffset, 20);
  });
  it('reads RF64 sizes from ds64', () => {
    const ds = new Uint8Array(28);
    new DataView(ds.buffer).setUint32(8, 6, true); // data size low word
    const bytes = riff(chunk('ds64', ds), chunk('fmt ', fmt16(1, 8000, 16)), chunk('data', new Uint8Array(10), 0xffffffff));
    bytes.set([0x52, 0x46, 0x36, 0x34], 0); // 'RF64'
    const l = parse(bytes);
    assert.equal(l.container, 'RF64');
    assert.equal(l.frames, 3);
  });
  it('describes the format', () => {
    const l = parse(concat(buildWavHeader({ encoding: 'pcm', bitsPerSample: 24, channels: 2, sampleRate: 44100, dataBytes: 0, extensible: true, validBitsPerSample: 20 })));
    assert.equal(l.format.description, '20-in-24-bit PCM (extensible), 44100 Hz, stereo');
    assert.equal(l.format.validBitsPerSample, 20);
  });

  const fmtOk = chunk('fmt ', fmt16(1, 8000, 16));
  const dataOk = chunk('data', new Uint8Array(4));
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /file is 0 bytes, too short/],
    ['not RIFF', concat(new TextEncoder().encode('OggS'), new Uint8Array(40)), /not a RIFF file \(starts with 'OggS'/],
    ['RIFX', (() => { const b = riff(fmtOk, dataOk); b[3] = 0x58; return b; })(), /big-endian RIFX files are not supported/],
    ['not WAVE', (() => { const b = riff(fmtOk, dataOk); b.set(new TextEncoder().encode('AVI '), 8); return b; })(), /form type is 'AVI ', expected 'WAVE'/],
    ['no fmt', riff(chunk('LIST', new Uint8Array(4))), /no fmt chunk/],
    ['no chunks', riff(), /no fmt chunk \(the file ends at byte 12/],
    ['no data', riff(fmtOk), /no data chunk/],
    ['short fmt', riff(chunk('fmt ', new Uint8Array(12)), dataOk), /fmt chunk is 12 bytes, expected ≥ 16/],
    ['truncated fmt', riff(chunk('fmt ', fmt16(1, 8000, 16))).subarray(0, 30), /fmt chunk is truncated: 10 of its 16 bytes/],
    ['12-bit PCM', riff(chunk('fmt ', fmt16(1, 8000, 12, 1, 2)), dataOk), /12-bit PCM is not supported \(8, 16, 24, 32-bit PCM, 32\/64-bit float, µ-law, A-law are\)/],
    ['16-bit float', riff(chunk('fmt ', fmt16(1, 8000, 16, 3)), dataOk), /16-bit float is not supported/],
    ['16-bit µ-law', riff(chunk('fmt ', fmt16(1, 8000, 16, 7)), dataOk), /16-bit µ-law is not supported/],
    ['ADPCM', riff(chunk('fmt ', fmt16(1, 8000, 4, 0x11, 256)), dataOk), /format tag 0x0011 \(IMA ADPCM\) is not supported/],
    ['6 channels', riff(chunk('fmt ', fmt16(6, 48000, 16)), dataOk), /6 channels are not supported \(mono and stereo are\)/],
    ['0 channels', riff(chunk('fmt ', fmt16(0, 8000, 16, 1, 2)), dataOk), /0 channels/],
    ['rate too low', riff(chunk('fmt ', fmt16(1, 500, 16)), dataOk), /sample rate 500 Hz is out of range \(1000–192000 Hz\)/],
    ['rate too high', riff(chunk('fmt ', fmt16(1, 384000, 16)), dataOk), /sample rate 384000 Hz is out of range/],
    ['bad blockAlign', riff(chunk('fmt ', fmt16(2, 8000, 16, 1, 2)), dataOk), /blockAlign is 2 bytes, expected 4/],
    ['short extensible', riff(chunk('fmt ', concat(fmt16(1, 8000, 16, 0xfffe), new Uint8Array(2))), dataOk), /fmt chunk is 18 bytes, WAVE_FORMAT_EXTENSIBLE needs ≥ 40/],
    ['unknown SubFormat', (() => {
      const h = buildWavHeader({ encoding: 'pcm', bitsPerSample: 16, channels: 1, sampleRate: 8000, dataBytes: 0, extensible: true });
      h[50] = 0x11; // corrupt the GUID's Data3
      return h;
    })(), /SubFormat \{00000001-0000-0011-8000-00AA00389B71\} is not supported/],
    ['extensible ADPCM', (() => {
      const h = buildWavHeader({ encoding: 'pcm', bitsPerSample: 16, channels: 1, sampleRate: 8000, dataBytes: 0, extensible: true });
      h[44] = 0x02;
      return h;
    })(), /format tag 0x0002 \(Microsoft ADPCM\) in WAVE_FORMAT_EXTENSIBLE is not supported/],
    ['valid bits > container', buildWavHeader({ encoding: 'pcm', bitsPerSample: 16, channels: 1, sampleRate: 8000, dataBytes: 0, extensible: true, validBitsPerSample: 20 }), /wValidBitsPerSample 20 exceeds the 16-bit container/],
    ['data of unknown size first', riff(chunk('data', new Uint8Array(4), 0xffffffff), fmtOk), /data chunk at byte 12 comes before the fmt chunk and its size is unknown/],
    ['too many chunks', riff(...Array.from({ length: MAX_CHUNKS + 1 }, () => chunk('pad ', new Uint8Array(0))), fmtOk, dataOk), /more than 4096 chunks/],
    ['huge chunk', riff(chunk('LIST', new Uint8Array(4), 0xfffffff0), fmtOk, dataOk), /no fmt chunk before the end of the file \(last: 'LIST' chunk at byte 12 \(declares 4294967280 bytes\)/],
  ];
  for (const [what, bytes, re] of cases) {
    it(`rejects ${what} with a FileFormatError naming the file and the problem`, () => {
      assert.match(parseError(bytes), re);
    });
  }
});

describe('decodeFrames', () => {
  const fmt = (encoding: WavFormat['encoding'], bits: number): WavFormat => ({
    encoding,
    formatTag: 1,
    effectiveTag: 1,
    extensible: false,
    channels: 1,
    sampleRate: 8000,
    bitsPerSample: bits,
    validBitsPerSample: bits,
    blockAlign: bits / 8,
    description: '',
  });
  const dec = (f: WavFormat, bytes: number[]): number[] => {
    const out = new Int16Array(bytes.length / f.blockAlign);
    decodeFrames(f, Uint8Array.from(bytes), 0, out, 0, out.length);
    return Array.from(out);
  };
  it('8-bit unsigned: (b − 128) × 256', () => {
    assert.deepEqual(dec(fmt('pcm', 8), [0, 128, 255, 1]), [-32768, 0, 32512, -32512]);
  });
  it('16-bit little-endian signed', () => {
    assert.deepEqual(dec(fmt('pcm', 16), [0x01, 0x80, 0xff, 0x7f, 0xff, 0xff]), [-32767, 32767, -1]);
  });
  it('24-bit: rounded to nearest, half up, saturating (as sox -D)', () => {
    const s24 = (x: number): number[] => [x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff];
    assert.deepEqual(
      dec(fmt('pcm', 24), [...s24(0x123480), ...s24(0x12347f), ...s24(0x7fffff), ...s24(-0x800000), ...s24(-0x80), ...s24(-0x81)]),
      [0x1235, 0x1234, 32767, -32768, 0, -1],
    );
  });
  it('32-bit: rounded and saturating', () => {
    const s32 = (x: number): number[] => [x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, (x >>> 24) & 0xff];
    assert.deepEqual(dec(fmt('pcm', 32), [...s32(0x7fffffff), ...s32(-0x80000000), ...s32(0x00018000), ...s32(0x00017fff)]), [32767, -32768, 2, 1]);
  });
  it('float: ×32768, rounded, saturating, NaN → 0', () => {
    assert.equal(floatToInt16(1), 32767);
    assert.equal(floatToInt16(-1), -32768);
    assert.equal(floatToInt16(2.5), 32767);
    assert.equal(floatToInt16(-7), -32768);
    assert.equal(floatToInt16(0.5), 16384);
    assert.equal(floatToInt16(Number.NaN), 0);
    assert.equal(floatToInt16(1 / 65536), 1); // 0.5 LSB rounds up
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setFloat64(0, 0.25, true);
    v.setFloat64(8, -0.25, true);
    assert.deepEqual(dec(fmt('float', 64), Array.from(b)), [8192, -8192]);
  });
});
