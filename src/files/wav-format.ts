/**
 * RIFF/WAVE format, sans-IO: header parsing, header building and sample conversion. No file
 * access here; the reader (wav-reader.ts) hands the parser a {@link ByteSource} over its file
 * descriptor, tests and the fuzzer hand it bytes in memory.
 *
 * References:
 * - Microsoft/IBM "Multimedia Programming Interface and Data Specifications 1.0" (1991), the
 *   RIFF and WAVE chapters: a RIFF file is `"RIFF" <u32 size> <form type>` followed by chunks
 *   `<4-char id> <u32 size> <data>`, every chunk padded to an even length with one byte that
 *   its size does not count; the WAVE form holds a `fmt ` chunk (WAVEFORMATEX) before its `data`
 *   chunk, plus any chunks a reader may ignore (LIST, fact, cue, bext, JUNK …). All integers are
 *   little-endian.
 * - Microsoft "WAVEFORMATEX" and "WAVEFORMATEXTENSIBLE" (mmreg.h / ksmedia.h): format tag 1 PCM,
 *   3 IEEE float, 6 A-law, 7 µ-law, 0xFFFE extensible, whose SubFormat GUID is
 *   `{tag-0000-0010-8000-00AA00389B71}` (KSDATAFORMAT_SUBTYPE_PCM etc.). Non-PCM formats carry
 *   cbSize (fmt ≥ 18 bytes); extensible needs cbSize ≥ 22 (fmt ≥ 40 bytes).
 * - EBU Tech 3306 (RF64) / ITU-R BS.2088 (BW64): the 64-bit variant, `"RF64"`/`"BW64"` with a
 *   `ds64` chunk first that holds the real RIFF and data sizes while the 32-bit fields say
 *   0xFFFFFFFF. Read here (cheap); the writer stays within plain RIFF.
 * - ITU-T G.711 (µ-law and A-law expansion), tables built below from the standard's segment
 *   rules (the same values as the Sun reference g711.c that sox and most tools use).
 *
 * Leniency, chosen to read what streaming recorders leave behind:
 * - the RIFF size field is not trusted (recorders that crash leave it 0 or stale): chunks are
 *   walked up to the real end of the file;
 * - a `data` size of 0, 0xFFFFFFFF or one running past the end of the file means "until the
 *   end of the file" (a recorder that never fixed up its header); a trailing partial sample
 *   frame is ignored;
 * - byteRate (nAvgBytesPerSec) is ignored (it is derived information and often wrong); blockAlign
 *   must match the channels × sample size, since we use it to step through the data;
 * - a second `fmt ` chunk is ignored (the first one wins);
 * - a `data` chunk of known size before the `fmt ` chunk is accepted (the chunk walk goes on to
 *   find `fmt `); one of unknown size is not (nothing after it can be located);
 * - a writer that forgot the pad byte after an odd-sized chunk is tolerated when the next chunk
 *   id then starts one byte early (as libsndfile does).
 */
import { FileFormatError } from '../core/errors.js';

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_ALAW = 0x0006;
export const WAVE_FORMAT_MULAW = 0x0007;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Sample rates accepted by the reader and writer, Hz (the engine itself works at 8–48 kHz). */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 192000;
/** Channel counts accepted: mono and stereo, like AudioFrame (more are refused, not downmixed). */
export const MAX_CHANNELS = 2;
/** The chunk walk gives up after this many chunks before the audio (bounds work on garbage). */
export const MAX_CHUNKS = 4096;
/** Size of the canonical PCM header {@link buildPcmHeader} writes. */
export const PCM_HEADER_BYTES = 44;
/**
 * Largest `data` payload a plain RIFF file can describe: the RIFF size field (u32) counts the
 * file minus 8 bytes, i.e. 36 header bytes + data for the 44-byte header.
 */
export const MAX_RIFF_DATA_BYTES = 0xffffffff - (PCM_HEADER_BYTES - 8);

export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

/** What a `fmt ` chunk describes, validated. */
export interface WavFormat {
  readonly encoding: WavEncoding;
  /** The wFormatTag in the file (0xFFFE for extensible). */
  readonly formatTag: number;
  /** The format the samples are really in: wFormatTag, or the SubFormat GUID's tag for extensible. */
  readonly effectiveTag: number;
  readonly extensible: boolean;
  readonly channels: number;
  readonly sampleRate: number;
  /** Container size of one sample, bits (8, 16, 24, 32, 64). */
  readonly bitsPerSample: number;
  /** Meaningful bits (wValidBitsPerSample for extensible, else bitsPerSample). */
  readonly validBitsPerSample: number;
  /** Bytes of one sample frame (all channels). */
  readonly blockAlign: number;
  /** dwChannelMask for extensible, else undefined. */
  readonly channelMask?: number;
  /** Human-readable, e.g. "24-bit PCM (extensible), 44100 Hz, stereo". */
  readonly description: string;
}

/** Where the audio is in a file, and in what format. */
export interface WavLayout {
  /** 'RIFF', or 'RF64'/'BW64' for the 64-bit variant. */
  readonly container: 'RIFF' | 'RF64' | 'BW64';
  readonly format: WavFormat;
  /** Byte offset of the first sample. */
  readonly dataOffset: number;
  /** Bytes of audio to read: whole sample frames, within the file. */
  readonly dataLength: number;
  /** dataLength / blockAlign. */
  readonly frames: number;
  /** The data chunk's size field as written (for RF64, the ds64 value when it had one). */
  readonly declaredDataLength: number;
  /** True when the declared size was 0, 0xFFFFFFFF or past the end, so the end of file bounds the data. */
  readonly dataLengthFromFileSize: boolean;
}

/**
 * Random access to a file's bytes. `read` may return fewer bytes than asked only at the end of
 * the source. The parser never asks for more than a few dozen bytes at a time, whatever the
 * size fields say, so a hostile header cannot make it allocate.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

/** A ByteSource over bytes in memory (tests, fuzzing, a header already read). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

const ENCODING_TAGS: ReadonlyMap<number, WavEncoding> = new Map<number, WavEncoding>([
  [WAVE_FORMAT_PCM, 'pcm'],
  [WAVE_FORMAT_IEEE_FLOAT, 'float'],
  [WAVE_FORMAT_ALAW, 'alaw'],
  [WAVE_FORMAT_MULAW, 'mulaw'],
]);

/** Names of common tags we do not decode, so the error says what the file is. */
const KNOWN_UNSUPPORTED_TAGS: ReadonlyMap<number, string> = new Map([
  [0x0000, 'unknown/illegal (0)'],
  [0x0002, 'Microsoft ADPCM'],
  [0x0011, 'IMA ADPCM'],
  [0x0031, 'GSM 6.10'],
  [0x0040, 'G.721 ADPCM'],
  [0x0050, 'MPEG'],
  [0x0055, 'MPEG Layer 3'],
  [0x0064, 'G.726 ADPCM'],
  [0x0065, 'G.722 ADPCM'],
  [0x00ff, 'AAC'],
  [0x1610, 'HE-AAC'],
  [0xf1ac, 'FLAC'],
]);

const SUPPORTED_LIST = '8, 16, 24, 32-bit PCM, 32/64-bit float, µ-law, A-law are';

/** Bytes 4..15 of every KSDATAFORMAT_SUBTYPE_* GUID built from a wave format tag (ksmedia.h). */
const GUID_SUFFIX = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71] as const;

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** A u64 as a JS number; values beyond 2^53 are returned as Infinity (they exceed any file anyway). */
function u64(b: Uint8Array, o: number): number {
  const hi = u32(b, o + 4);
  if (hi >= 0x200000) return Number.POSITIVE_INFINITY;
  return hi * 0x100000000 + u32(b, o);
}

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

/** A chunk id as RIFF allows: four printable ASCII characters (spaces pad short ids). */
function isPrintableId(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = b[o + i];
    if (c === undefined || c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Chunk id safe to print in a message (non-printable bytes as \xNN). */
function showId(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[o + i] ?? 0;
    s += c >= 0x20 && c <= 0x7e && c !== 0x27 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `'${s}'`;
}

function hex(n: number, digits = 4): string {
  return `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;
}

function guidString(g: Uint8Array): string {
  const h = (from: number, to: number, reverse: boolean): string => {
    const bytes = Array.from(g.subarray(from, to));
    if (reverse) bytes.reverse();
    return bytes.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  // GUID text form: Data1..Data3 are little-endian integers, Data4 is a byte string.
  return `{${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}}`.toUpperCase();
}

function encodingName(e: WavEncoding): string {
  return e === 'pcm' ? 'PCM' : e === 'float' ? 'float' : e === 'mulaw' ? 'µ-law' : 'A-law';
}

export function describeFormat(f: Omit<WavFormat, 'description'>): string {
  const bits = f.validBitsPerSample !== f.bitsPerSample ? `${f.validBitsPerSample}-in-${f.bitsPerSample}-bit` : `${f.bitsPerSample}-bit`;
  const ch = f.channels === 1 ? 'mono' : f.channels === 2 ? 'stereo' : `${f.channels} channels`;
  return `${bits} ${encodingName(f.encoding)}${f.extensible ? ' (extensible)' : ''}, ${f.sampleRate} Hz, ${ch}`;
}

/** Container sizes each encoding is decoded from. */
function supportedBits(e: WavEncoding): readonly number[] {
  return e === 'pcm' ? [8, 16, 24, 32] : e === 'float' ? [32, 64] : [8];
}

/**
 * Validates a WAVEFORMATEX / WAVEFORMATEXTENSIBLE body (at least 16 bytes; 40 for extensible).
 * @param fmt the chunk's bytes (up to 40 of them)
 * @param chunkSize the chunk's declared size
 */
export function parseFmtChunk(fmt: Uint8Array, chunkSize: number, name: string): WavFormat {
  if (chunkSize < 16) throw new FileFormatError(name, `fmt chunk is ${chunkSize} bytes, expected ≥ 16`);
  if (fmt.length < 16) throw new FileFormatError(name, `fmt chunk is truncated: ${fmt.length} of its ${chunkSize} bytes are in the file`);
  const formatTag = u16(fmt, 0);
  const channels = u16(fmt, 2);
  const sampleRate = u32(fmt, 4);
  const blockAlign = u16(fmt, 12);
  const bitsPerSample = u16(fmt, 14);
  let effectiveTag = formatTag;
  let validBitsPerSample = bitsPerSample;
  let channelMask: number | undefined;
  const extensible = formatTag === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    // WAVEFORMATEXTENSIBLE: cbSize (≥ 22) at 16, then wValidBitsPerSample, dwChannelMask, SubFormat.
    if (chunkSize < 40) throw new FileFormatError(name, `fmt chunk is ${chunkSize} bytes, WAVE_FORMAT_EXTENSIBLE needs ≥ 40`);
    if (fmt.length < 40) throw new FileFormatError(name, `fmt chunk is truncated: ${fmt.length} of its ${chunkSize} bytes are in the file`);
    const cbSize = u16(fmt, 16);
    if (cbSize < 22) throw new FileFormatError(name, `WAVE_FORMAT_EXTENSIBLE fmt chunk has cbSize ${cbSize}, expected ≥ 22`);
    validBitsPerSample = u16(fmt, 18);
    // Some writers leave wValidBitsPerSample 0 ("same as the container"); accept that.
    if (validBitsPerSample === 0) validBitsPerSample = bitsPerSample;
    channelMask = u32(fmt, 20);
    const guid = fmt.subarray(24, 40);
    const sub = u32(guid, 0);
    if (sub > 0xffff || !GUID_SUFFIX.every((v, i) => guid[4 + i] === v)) {
      throw new FileFormatError(name, `WAVE_FORMAT_EXTENSIBLE SubFormat ${guidString(guid)} is not supported (PCM, IEEE float, µ-law and A-law are)`);
    }
    effectiveTag = sub;
  }
  const encoding = ENCODING_TAGS.get(effectiveTag);
  if (encoding === undefined) {
    const known = KNOWN_UNSUPPORTED_TAGS.get(effectiveTag);
    const what = `format tag ${hex(effectiveTag)}${known ? ` (${known})` : ''}${extensible ? ' in WAVE_FORMAT_EXTENSIBLE' : ''}`;
    throw new FileFormatError(name, `${what} is not supported (PCM, IEEE float, µ-law, A-law, and WAVE_FORMAT_EXTENSIBLE with those are)`);
  }
  if (channels === 0) throw new FileFormatError(name, 'fmt chunk says 0 channels');
  if (channels > MAX_CHANNELS) {
    throw new FileFormatError(name, `${channels} channels are not supported (mono and stereo are); downmix first, e.g. sox in.wav -c 2 out.wav`);
  }
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new FileFormatError(name, `sample rate ${sampleRate} Hz is out of range (${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz)`);
  }
  if (!supportedBits(encoding).includes(bitsPerSample)) {
    throw new FileFormatError(name, `${bitsPerSample}-bit ${encodingName(encoding)} is not supported (${SUPPORTED_LIST})`);
  }
  if (validBitsPerSample > bitsPerSample) {
    throw new FileFormatError(name, `wValidBitsPerSample ${validBitsPerSample} exceeds the ${bitsPerSample}-bit container`);
  }
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw new FileFormatError(
      name,
      `fmt chunk blockAlign is ${blockAlign} bytes, expected ${expectedAlign} (${channels} channel(s) × ${bitsPerSample / 8} bytes)`,
    );
  }
  const base = { encoding, formatTag, effectiveTag, extensible, channels, sampleRate, bitsPerSample, validBitsPerSample, blockAlign, channelMask };
  return { ...base, description: describeFormat(base) };
}

/**
 * Walks the chunks of a RIFF/WAVE (or RF64/BW64) file and returns its format and where its audio
 * is. Throws FileFormatError naming `name` and what is wrong. Reads only chunk headers, the fmt
 * chunk (≤ 40 bytes) and ds64 (28 bytes): cost is bounded by {@link MAX_CHUNKS}, never by a size
 * field.
 */
export function parseWavHeader(src: ByteSource, name: string): WavLayout {
  const size = src.size;
  const head = src.read(0, 12);
  if (head.length < 12) throw new FileFormatError(name, `file is ${size} bytes, too short for a RIFF/WAVE header (12 bytes)`);
  const magic = fourcc(head, 0);
  if (magic === 'RIFX' || magic === 'RIFS') throw new FileFormatError(name, `big-endian ${magic} files are not supported (little-endian RIFF is)`);
  if (magic !== 'RIFF' && magic !== 'RF64' && magic !== 'BW64') throw new FileFormatError(name, `not a RIFF file (starts with ${showId(head, 0)}, expected 'RIFF')`);
  if (fourcc(head, 8) !== 'WAVE') throw new FileFormatError(name, `RIFF form type is ${showId(head, 8)}, expected 'WAVE'`);
  const container = magic;

  let format: WavFormat | undefined;
  let ds64DataSize: number | undefined;
  let pendingData: { offset: number; size: number } | undefined;
  let offset = 12;
  let chunks = 0;
  let lastChunk = '';
  for (; offset + 8 <= size; chunks++) {
    if (chunks >= MAX_CHUNKS) throw new FileFormatError(name, `more than ${MAX_CHUNKS} chunks before the audio data; the file looks corrupt`);
    let hdr = src.read(offset, 8);
    if (hdr.length < 8) break;
    if (!isPrintableId(hdr, 0) && chunks > 0 && offset > 12) {
      // A writer that forgot the pad byte after an odd-sized chunk: the id starts one byte early.
      const alt = src.read(offset - 1, 8);
      if (alt.length === 8 && isPrintableId(alt, 0)) {
        offset -= 1;
        hdr = alt;
      }
    }
    const id = fourcc(hdr, 0);
    const chunkSize = u32(hdr, 4);
    const body = offset + 8;
    const remaining = size - body;
    lastChunk = `${showId(hdr, 0)} chunk at byte ${offset} (declares ${chunkSize} bytes)`;
    if (id === 'ds64' && container !== 'RIFF' && chunks === 0) {
      // EBU Tech 3306 §3: riffSize u64, dataSize u64, sampleCount u64, table length u32.
      if (chunkSize < 28) throw new FileFormatError(name, `ds64 chunk is ${chunkSize} bytes, expected ≥ 28`);
      const ds = src.read(body, 28);
      if (ds.length < 28) throw new FileFormatError(name, 'ds64 chunk is truncated');
      ds64DataSize = u64(ds, 8);
    } else if (id === 'fmt ') {
      if (format === undefined) {
        // Only the first 40 bytes matter (WAVEFORMATEXTENSIBLE); the size field sizes nothing here.
        format = parseFmtChunk(src.read(body, Math.min(chunkSize, 40)), chunkSize, name);
        if (pendingData) return finish(pendingData.offset, pendingData.size);
      }
    } else if (id === 'data') {
      let declared = chunkSize;
      if (container !== 'RIFF' && chunkSize === 0xffffffff && ds64DataSize !== undefined) declared = ds64DataSize;
      const known = declared !== 0 && declared !== 0xffffffff && declared <= remaining;
      if (format !== undefined) return finish(body, declared);
      if (!known) {
        throw new FileFormatError(name, `the data chunk at byte ${offset} comes before the fmt chunk and its size is unknown (${declared}), so the fmt chunk cannot be found`);
      }
      pendingData ??= { offset: body, size: declared };
    }
    // RIFF: chunks are word-aligned; an odd size is followed by one pad byte it does not count.
    offset = body + chunkSize + (chunkSize & 1);
  }
  if (format === undefined) {
    throw new FileFormatError(name, chunks === 0 ? `no fmt chunk (the file ends at byte ${size}, right after the RIFF header)` : `no fmt chunk before the end of the file (last: ${lastChunk}, file is ${size} bytes)`);
  }
  throw new FileFormatError(name, `no data chunk before the end of the file (last: ${lastChunk}, file is ${size} bytes)`);

  function finish(dataOffset: number, declared: number): WavLayout {
    const fmt = format!;
    const avail = Math.max(0, size - dataOffset);
    // Streaming writers leave 0 or 0xFFFFFFFF, or stop before fixing the size: read to the end.
    const fromFile = declared === 0 || declared === 0xffffffff || declared > avail;
    const bytes = fromFile ? avail : declared;
    const frames = Math.floor(bytes / fmt.blockAlign);
    return {
      container,
      format: fmt,
      dataOffset,
      dataLength: frames * fmt.blockAlign,
      frames,
      declaredDataLength: declared,
      dataLengthFromFileSize: fromFile,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Header building

export interface WavHeaderSpec {
  encoding: WavEncoding;
  /** Container bits per sample. */
  bitsPerSample: number;
  channels: number;
  sampleRate: number;
  /** Audio bytes that will follow (sizes are clamped to the u32 fields). */
  dataBytes: number;
  /** Write WAVE_FORMAT_EXTENSIBLE. Default false. */
  extensible?: boolean;
  /** Extensible only; default bitsPerSample. */
  validBitsPerSample?: number;
  /** Extensible only; default front-left (+ front-right for stereo). */
  channelMask?: number;
}

function tagOf(e: WavEncoding): number {
  return e === 'pcm' ? WAVE_FORMAT_PCM : e === 'float' ? WAVE_FORMAT_IEEE_FLOAT : e === 'alaw' ? WAVE_FORMAT_ALAW : WAVE_FORMAT_MULAW;
}

const clampU32 = (n: number): number => Math.max(0, Math.min(0xffffffff, Math.floor(n)));

/**
 * Builds a WAVE header up to and including the data chunk header, for any supported format:
 * plain PCM gets the canonical 16-byte fmt (44-byte header); other tags a WAVEFORMATEX with
 * cbSize 0 plus the `fact` chunk (sample frames) the spec asks of non-PCM formats; extensible a
 * 40-byte fmt with the SubFormat GUID.
 */
export function buildWavHeader(spec: WavHeaderSpec): Uint8Array {
  const { encoding, bitsPerSample, channels, sampleRate, dataBytes } = spec;
  const extensible = spec.extensible ?? false;
  const tag = tagOf(encoding);
  const fmtSize = extensible ? 40 : encoding === 'pcm' ? 16 : 18;
  const blockAlign = channels * Math.ceil(bitsPerSample / 8);
  const withFact = encoding !== 'pcm';
  const headerBytes = 12 + 8 + fmtSize + (withFact ? 12 : 0) + 8;
  const b = new Uint8Array(headerBytes);
  const v = new DataView(b.buffer);
  const ascii = (o: number, s: string): void => {
    for (let i = 0; i < 4; i++) b[o + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, clampU32(headerBytes - 8 + dataBytes + (dataBytes & 1)), true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, extensible ? WAVE_FORMAT_EXTENSIBLE : tag, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, clampU32(sampleRate * blockAlign), true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bitsPerSample, true);
  if (fmtSize >= 18) v.setUint16(36, extensible ? 22 : 0, true);
  if (extensible) {
    v.setUint16(38, spec.validBitsPerSample ?? bitsPerSample, true);
    v.setUint32(40, spec.channelMask ?? (channels === 2 ? 0x3 : channels === 1 ? 0x4 : 0), true);
    v.setUint32(44, tag, true);
    b.set(GUID_SUFFIX, 48);
  }
  let o = 20 + fmtSize;
  if (withFact) {
    ascii(o, 'fact');
    v.setUint32(o + 4, 4, true);
    v.setUint32(o + 8, clampU32(blockAlign > 0 ? dataBytes / blockAlign : 0), true);
    o += 12;
  }
  ascii(o, 'data');
  v.setUint32(o + 4, clampU32(dataBytes), true);
  return b;
}

/** The canonical 44-byte header of 16-bit PCM (what WavWriter writes). */
export function buildPcmHeader(sampleRate: number, channels: number, dataBytes: number): Uint8Array {
  return buildWavHeader({ encoding: 'pcm', bitsPerSample: 16, channels, sampleRate, dataBytes });
}

// ---------------------------------------------------------------------------------------------
// Sample conversion (everything becomes Int16)

function buildMulawTable(): Int16Array {
  // G.711 µ-law expansion: the byte is stored complemented; 3-bit segment, 4-bit step; the
  // biased magnitude ((step << 3) + 0x84) << segment, minus the bias 0x84, spans ±32124.
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const seg = (u >> 4) & 7;
    const mag = ((((u & 0x0f) << 3) + 0x84) << seg) - 0x84;
    t[i] = u & 0x80 ? -mag : mag;
  }
  return t;
}

function buildAlawTable(): Int16Array {
  // G.711 A-law expansion: even bits are inverted (XOR 0x55); segment 0 is linear, others
  // double per segment; the value is the middle of its quantisation interval; ±32256.
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) {
    const a = i ^ 0x55;
    const seg = (a & 0x70) >> 4;
    let mag = (a & 0x0f) << 4;
    if (seg === 0) mag += 8;
    else mag = (mag + 0x108) << (seg - 1);
    t[i] = a & 0x80 ? mag : -mag;
  }
  return t;
}

const MULAW_TABLE = buildMulawTable();
const ALAW_TABLE = buildAlawTable();

/** G.711 µ-law byte → linear 16-bit. */
export function mulawToLinear(byte: number): number {
  return MULAW_TABLE[byte & 0xff]!;
}

/** G.711 A-law byte → linear 16-bit. */
export function alawToLinear(byte: number): number {
  return ALAW_TABLE[byte & 0xff]!;
}

/**
 * Wider integer → 16 bits, rounding to nearest (half up) and saturating, as sox does when it
 * reduces bit depth without dither (SOX_SAMPLE_TO_SIGNED_16BIT), so our output equals
 * `sox -D in.wav -b 16 out.raw`.
 * @param shift bits dropped (8 for 24-bit, 16 for 32-bit)
 */
function narrow(x: number, shift: number): number {
  const r = Math.floor((x + (1 << (shift - 1))) / (1 << shift));
  return r > 32767 ? 32767 : r;
}

/** Float sample (full scale ±1.0) → 16 bits: ×32768, rounded to nearest, saturated; NaN → 0. */
export function floatToInt16(x: number): number {
  const v = Math.round(x * 32768);
  if (v >= 32767) return 32767;
  if (v <= -32768) return -32768;
  return v === v ? v : 0;
}

/**
 * Decodes `frames` sample frames of `fmt` from `src` (starting at byte `srcOffset`) into `out`
 * (interleaved Int16, starting at index `outOffset`). Conversion: 8-bit unsigned → (b − 128) × 256
 * (exact, reversible); 24/32-bit → rounded to nearest; float → ×32768 rounded and saturated;
 * µ-law/A-law → G.711 tables. Extensible files with fewer valid bits are read by their container
 * (the valid bits are the most significant ones, the rest are zero by the spec).
 */
export function decodeFrames(fmt: WavFormat, src: Uint8Array, srcOffset: number, out: Int16Array, outOffset: number, frames: number): void {
  const n = frames * fmt.channels;
  let s = srcOffset;
  let o = outOffset;
  const end = o + n;
  switch (fmt.encoding) {
    case 'pcm':
      switch (fmt.bitsPerSample) {
        case 8:
          for (; o < end; o++, s++) out[o] = (src[s]! - 128) << 8;
          return;
        case 16:
          for (; o < end; o++, s += 2) out[o] = src[s]! | (src[s + 1]! << 8); // Int16Array wraps to signed.
          return;
        case 24:
          for (; o < end; o++, s += 3) {
            const x = ((src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16)) << 8) >> 8; // sign-extend
            out[o] = narrow(x, 8);
          }
          return;
        case 32:
          for (; o < end; o++, s += 4) {
            const x = src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16) | (src[s + 3]! << 24);
            out[o] = narrow(x, 16);
          }
          return;
      }
      break;
    case 'float': {
      const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
      if (fmt.bitsPerSample === 32) for (; o < end; o++, s += 4) out[o] = floatToInt16(v.getFloat32(s, true));
      else for (; o < end; o++, s += 8) out[o] = floatToInt16(v.getFloat64(s, true));
      return;
    }
    case 'mulaw':
      for (; o < end; o++, s++) out[o] = MULAW_TABLE[src[s]!]!;
      return;
    case 'alaw':
      for (; o < end; o++, s++) out[o] = ALAW_TABLE[src[s]!]!;
      return;
  }
  throw new RangeError(`decodeFrames: unsupported format ${fmt.description}`);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Int16 samples as little-endian bytes, the byte order of WAVE. On little-endian hosts (all
 * Node.js tier-1 platforms but s390x) this is a view, no copy.
 */
export function int16ToLeBytes(samples: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const b = new Uint8Array(samples.byteLength);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    b[2 * i] = x & 0xff;
    b[2 * i + 1] = (x >> 8) & 0xff;
  }
  return b;
}
