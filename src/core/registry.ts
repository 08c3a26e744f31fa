/**
 * Registry of filters and codecs, looked up by name, by MIME type (encoder/decoder) and listed
 * (Mediastreamer2's MSFactory). A codec whose native library is missing is registered as
 * unavailable with the reason (the Debian package to install), so `mediaweave codecs` can say why.
 */
import { CodecUnavailableError, ConfigError } from './errors.js';
import type { AnyFilter } from './graph.js';

export type FilterCategory = 'source' | 'sink' | 'encoder' | 'decoder' | 'filter';

export interface FilterDescriptor<O = unknown> {
  /** Registry name, e.g. 'wav-reader'. */
  type: string;
  category: FilterCategory;
  description: string;
  create(options?: O): AnyFilter;
}

/** Options every encoder understands. */
export interface EncoderOptions {
  /** RTP payload type written in frames. */
  payloadType: number;
  /** Target bitrate, bit/s (codecs with one rate ignore it). */
  bitrate?: number;
  /** Packet duration, ms. */
  ptimeMs?: number;
  /** fmtp parameters (name → value), as in SDP. Unknown names are ignored. */
  fmtp?: Readonly<Record<string, string>>;
}

/** Options every decoder understands. */
export interface DecoderOptions {
  payloadType: number;
  fmtp?: Readonly<Record<string, string>>;
}

/**
 * Decoders count the frames they could not decode (garbage, truncated, oversized payloads) and
 * conceal them instead of throwing; the stream reports the sum as `decoder.errors` (DESIGN §4).
 */
export interface DecodeErrorCounter {
  readonly decodeErrors: number;
}

export interface CodecDescriptor {
  /** MIME subtype as written in SDP a=rtpmap, e.g. 'PCMU', 'opus', 'speex' (matched case-insensitively). */
  mime: string;
  /** RTP clock rate (Hz). */
  clockRate: number;
  /** Audio channels signalled in SDP (1 unless said). */
  channels: number;
  /** Rate of the PCM the encoder takes and the decoder gives (G.722: 16000 on a clock of 8000). */
  sampleRate: number;
  /** RFC 3551 static payload type, if any. */
  staticPayloadType?: number;
  /** Default dynamic payload type (as Mediastreamer2's mediastream uses). */
  defaultPayloadType?: number;
  /** Codec frame duration, ms (the encoder's granularity). */
  frameMs: number;
  /** Default packet duration, ms. */
  defaultPtimeMs: number;
  /** Human-readable bitrate(s), e.g. '64 kbit/s'. */
  bitrates: string;
  description: string;
  /** The C library behind it, if any. */
  library?: { name: string; debianPackage: string };
  /**
   * The decoder conceals loss itself (it turns `lost` frames into audio). When false or absent,
   * the stream puts the generic PLC after the decoder, which must then emit zero frames flagged
   * `concealed` for lost frames (audio/plc.ts).
   */
  hasPlc?: boolean;
  /**
   * Whether a payload carries quiet audio (a pause), when the codec can tell cheaply. The jitter
   * buffer prefers to shed delay on quiet packets.
   */
  isQuietPayload?(payload: Uint8Array): boolean;
  /**
   * Media duration of one RTP payload in clock-rate units, when the payload says it (Opus TOC,
   * several Speex/G.729 frames per packet…): the jitter buffer uses it instead of guessing from
   * the next packet. Return undefined when it cannot tell.
   */
  payloadDuration?(payload: Uint8Array): number | undefined;
  createEncoder(options: EncoderOptions): AnyFilter;
  createDecoder(options: DecoderOptions): AnyFilter;
}

export interface CodecEntry {
  codec: CodecDescriptor;
  available: boolean;
  /** Why it is unavailable (names the missing Debian package). */
  reason?: string;
}

function codecKey(mime: string, clockRate: number, channels: number): string {
  return `${mime.toLowerCase()}/${clockRate}/${channels}`;
}

export class Registry {
  readonly #filters = new Map<string, FilterDescriptor<never>>();
  readonly #codecs = new Map<string, CodecEntry>();

  registerFilter<O>(d: FilterDescriptor<O>): void {
    if (this.#filters.has(d.type)) throw new ConfigError(`filter type "${d.type}" is already registered`);
    this.#filters.set(d.type, d as FilterDescriptor<never>);
  }

  /** Creates a filter by registry name. */
  createFilter<O>(type: string, options?: O): AnyFilter {
    const d = this.#filters.get(type);
    if (!d) throw new ConfigError(`unknown filter type "${type}"; known: ${[...this.#filters.keys()].sort().join(', ')}`);
    return (d as FilterDescriptor<O>).create(options);
  }

  getFilter(type: string): FilterDescriptor<unknown> | undefined {
    return this.#filters.get(type) as FilterDescriptor<unknown> | undefined;
  }

  listFilters(): FilterDescriptor<unknown>[] {
    return [...this.#filters.values()].sort((a, b) => a.type.localeCompare(b.type)) as FilterDescriptor<unknown>[];
  }

  /**
   * Registers a codec. `availability` is true, or the reason it cannot be used here (e.g. the
   * NativeLibraryError message naming the Debian package).
   */
  registerCodec(codec: CodecDescriptor, availability: true | string = true): void {
    const key = codecKey(codec.mime, codec.clockRate, codec.channels);
    const entry: CodecEntry = availability === true ? { codec, available: true } : { codec, available: false, reason: availability };
    this.#codecs.set(key, entry);
  }

  /** The codec entry for mime/clockRate/channels (available or not). */
  findCodec(mime: string, clockRate: number, channels = 1): CodecEntry | undefined {
    return this.#codecs.get(codecKey(mime, clockRate, channels));
  }

  /** The codec using a static payload type (RFC 3551), or with that default dynamic payload type. */
  findCodecByPayloadType(pt: number): CodecEntry | undefined {
    for (const e of this.#codecs.values()) if (e.codec.staticPayloadType === pt) return e;
    for (const e of this.#codecs.values()) if (e.codec.defaultPayloadType === pt) return e;
    return undefined;
  }

  /** An available codec, or CodecUnavailableError saying why. */
  requireCodec(mime: string, clockRate: number, channels = 1): CodecDescriptor {
    const e = this.findCodec(mime, clockRate, channels);
    const name = `${mime}/${clockRate}${channels !== 1 ? `/${channels}` : ''}`;
    if (!e) {
      const known = this.listCodecs().map((x) => `${x.codec.mime}/${x.codec.clockRate}${x.codec.channels !== 1 ? `/${x.codec.channels}` : ''}`);
      throw new CodecUnavailableError(`no codec ${name} is registered; known: ${known.join(', ')}`);
    }
    if (!e.available) throw new CodecUnavailableError(`codec ${name} is unavailable: ${e.reason ?? 'unknown reason'}`);
    return e.codec;
  }

  createEncoder(mime: string, clockRate: number, channels: number, options: EncoderOptions): AnyFilter {
    return this.requireCodec(mime, clockRate, channels).createEncoder(options);
  }

  createDecoder(mime: string, clockRate: number, channels: number, options: DecoderOptions): AnyFilter {
    return this.requireCodec(mime, clockRate, channels).createDecoder(options);
  }

  listCodecs(): CodecEntry[] {
    return [...this.#codecs.values()].sort(
      (a, b) => (a.codec.staticPayloadType ?? a.codec.defaultPayloadType ?? 999) - (b.codec.staticPayloadType ?? b.codec.defaultPayloadType ?? 999),
    );
  }
}

/** The process-wide registry; built-in filters and codecs register here (see codecs/builtin.ts). */
export const defaultRegistry = new Registry();
