/**
 * RTP payload types: the static assignments of RFC 3551 §6 (tables 4 and 5), mediaweave's default
 * dynamic bindings (DESIGN §4, the numbers Mediastreamer2's `mediastream` uses), a mutable
 * PT ↔ encoding map for a session, and the parser of the `--payload` argument.
 *
 * An encoding is named as in SDP `a=rtpmap` (RFC 4566 §6): `name/clockRate[/channels]`, the name
 * matched case-insensitively (RFC 4855 §3: MIME subtypes are case-insensitive).
 */
import { ConfigError } from '../core/errors.js';

export type PayloadMedia = 'audio' | 'video' | 'audio/video';

/** One payload format: what a PT stands for. */
export interface PayloadFormat {
  /** Encoding name as registered (canonical spelling, e.g. 'PCMU', 'opus', 'telephone-event'). */
  name: string;
  /** RTP timestamp clock rate, Hz. */
  clockRate: number;
  /** Audio channels (1 unless the format says otherwise; 1 for video). */
  channels: number;
  /**
   * PCM sampling rate the codec works at, when it differs from the RTP clock: G.722 samples at
   * 16 kHz but its RTP clock is 8000 Hz (RFC 3551 §4.5.2, an erratum kept for compatibility).
   */
  sampleRate: number;
  media: PayloadMedia;
  /**
   * Typical codec bitrate, bit/s, used to default the session bandwidth (RFC 3550 §6.2) when the
   * application gives none; 0 when not meaningful (comfort noise, DTMF events, video).
   */
  bitrateBps: number;
}

/** A payload format bound to a payload type number. */
export interface PayloadTypeInfo extends PayloadFormat {
  payloadType: number;
  /** True for RFC 3551 static assignments (0..34). */
  isStatic: boolean;
}

function fmt(
  payloadType: number,
  name: string,
  clockRate: number,
  channels: number,
  media: PayloadMedia,
  bitrateBps: number,
  sampleRate = clockRate,
  isStatic = true,
): PayloadTypeInfo {
  return Object.freeze({ payloadType, name, clockRate, channels, sampleRate, media, bitrateBps, isStatic });
}

/**
 * RFC 3551 §6, tables 4 (audio) and 5 (video). PTs 1, 2 (reserved; formerly 1016 and G721),
 * 19 (reserved), 20–24 and 27, 29, 30 (unassigned) are absent. MPA (14) has no channel count in
 * the table; it is listed as 1.
 */
export const STATIC_PAYLOAD_TYPES: readonly PayloadTypeInfo[] = Object.freeze([
  fmt(0, 'PCMU', 8000, 1, 'audio', 64000),
  fmt(3, 'GSM', 8000, 1, 'audio', 13200),
  fmt(4, 'G723', 8000, 1, 'audio', 6300),
  fmt(5, 'DVI4', 8000, 1, 'audio', 32000),
  fmt(6, 'DVI4', 16000, 1, 'audio', 64000),
  fmt(7, 'LPC', 8000, 1, 'audio', 2400),
  fmt(8, 'PCMA', 8000, 1, 'audio', 64000),
  // RFC 3551 §4.5.2: the RTP clock of G.722 is 8000 Hz although it samples at 16000 Hz.
  fmt(9, 'G722', 8000, 1, 'audio', 64000, 16000),
  fmt(10, 'L16', 44100, 2, 'audio', 44100 * 16 * 2),
  fmt(11, 'L16', 44100, 1, 'audio', 44100 * 16),
  fmt(12, 'QCELP', 8000, 1, 'audio', 13300),
  fmt(13, 'CN', 8000, 1, 'audio', 0),
  fmt(14, 'MPA', 90000, 1, 'audio', 128000),
  fmt(15, 'G728', 8000, 1, 'audio', 16000),
  fmt(16, 'DVI4', 11025, 1, 'audio', 44100),
  fmt(17, 'DVI4', 22050, 1, 'audio', 88200),
  fmt(18, 'G729', 8000, 1, 'audio', 8000),
  fmt(25, 'CelB', 90000, 1, 'video', 0),
  fmt(26, 'JPEG', 90000, 1, 'video', 0),
  fmt(28, 'nv', 90000, 1, 'video', 0),
  fmt(31, 'H261', 90000, 1, 'video', 0),
  fmt(32, 'MPV', 90000, 1, 'video', 0),
  fmt(33, 'MP2T', 90000, 1, 'audio/video', 0),
  fmt(34, 'H263', 90000, 1, 'video', 0),
]);

/**
 * mediaweave's default dynamic bindings (DESIGN §4; the numbers of Mediastreamer2's `mediastream`).
 * `--pt` overrides them. Bitrates are the codecs' usual operating points (Speex modes 15/28/36
 * kbit/s as Mediastreamer2 configures them, iLBC 30 ms mode, AMR 12.2, AMR-WB 23.85, Opus 32).
 */
export const DEFAULT_DYNAMIC_PAYLOAD_TYPES: readonly PayloadTypeInfo[] = Object.freeze([
  fmt(101, 'telephone-event', 8000, 1, 'audio', 0, 8000, false),
  fmt(110, 'speex', 8000, 1, 'audio', 15000, 8000, false),
  fmt(111, 'speex', 16000, 1, 'audio', 28000, 16000, false),
  fmt(112, 'iLBC', 8000, 1, 'audio', 13330, 8000, false),
  fmt(113, 'AMR', 8000, 1, 'audio', 12200, 8000, false),
  fmt(114, 'opus', 48000, 2, 'audio', 32000, 48000, false),
  fmt(115, 'AMR-WB', 16000, 1, 'audio', 23850, 16000, false),
  fmt(116, 'speex', 32000, 1, 'audio', 36000, 32000, false),
]);

/**
 * RFC 3551 §6 reserves 72–76 (RTCP packet types 200–204 with the marker bit set): an RTP packet
 * with these would be mistaken for RTCP when both share a port (RFC 5761 §4).
 */
export function isReservedPayloadType(pt: number): boolean {
  return pt >= 72 && pt <= 76;
}

const STATIC_BY_PT: readonly (PayloadTypeInfo | undefined)[] = (() => {
  const a = new Array<PayloadTypeInfo | undefined>(128).fill(undefined);
  for (const e of STATIC_PAYLOAD_TYPES) a[e.payloadType] = e;
  return a;
})();

/** The RFC 3551 static assignment of `pt`, or undefined. */
export function staticPayloadType(pt: number): PayloadTypeInfo | undefined {
  return Number.isInteger(pt) && pt >= 0 && pt < 128 ? STATIC_BY_PT[pt] : undefined;
}

/** The static assignment or mediaweave's default dynamic binding of `pt`, or undefined. */
export function defaultPayloadType(pt: number): PayloadTypeInfo | undefined {
  return staticPayloadType(pt) ?? DEFAULT_DYNAMIC_PAYLOAD_TYPES.find((e) => e.payloadType === pt);
}

function checkPt(pt: number, where: string): void {
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new ConfigError(`${where}: payload type ${pt} out of range 0..127 (RFC 3550 §5.1: 7 bits)`);
  if (isReservedPayloadType(pt)) throw new ConfigError(`${where}: payload type ${pt} is reserved (RFC 3551 §6: 72–76 collide with RTCP packet types 200–204)`);
}

function sameEncoding(a: PayloadFormat, name: string, clockRate: number, channels: number): boolean {
  return a.name.toLowerCase() === name.toLowerCase() && a.clockRate === clockRate && a.channels === channels;
}

/** Formats whose name matches (case-insensitively) and, when given, rate and channels. */
function matchFormats(candidates: readonly PayloadTypeInfo[], name: string, rate: number | undefined, channels: number | undefined): PayloadTypeInfo[] {
  const lower = name.toLowerCase();
  return candidates.filter(
    (e) =>
      e.name.toLowerCase() === lower &&
      // A rate may name the RTP clock or, for G.722, the sampling rate users often write (16000).
      (rate === undefined || e.clockRate === rate || e.sampleRate === rate) &&
      (channels === undefined || e.channels === channels),
  );
}

/**
 * The best of several matches when rate or channels were left out: mono before multichannel
 * (L16 alone means PT 11, not 10), then the lowest clock rate (speex alone means speex/8000,
 * DVI4 alone PT 5), then the lowest PT. Formats that exist only in stereo (opus) still match.
 */
function preferred(list: readonly PayloadTypeInfo[]): PayloadTypeInfo | undefined {
  let best: PayloadTypeInfo | undefined;
  for (const e of list) {
    if (best === undefined) {
      best = e;
      continue;
    }
    const eMono = e.channels === 1;
    const bMono = best.channels === 1;
    if ((eMono && !bMono) || (eMono === bMono && (e.clockRate < best.clockRate || (e.clockRate === best.clockRate && e.payloadType < best.payloadType)))) {
      best = e;
    }
  }
  return best;
}

/**
 * A session's payload type bindings (what an SDP offer/answer or the command line agreed).
 * Starts with the RFC 3551 static table (and, with {@link PayloadTypeMap.withDefaults},
 * mediaweave's dynamic defaults). Binding a PT already bound to another encoding is a conflict
 * (ConfigError) unless `replace` is set; the same encoding may be bound under several PTs
 * (SDP allows it), and lookup by name then returns the lowest PT.
 */
export class PayloadTypeMap {
  readonly #byPt = new Array<PayloadTypeInfo | undefined>(128).fill(undefined);

  /** @param statics start with the RFC 3551 static assignments (default true). */
  constructor(options?: { statics?: boolean }) {
    if (options?.statics !== false) for (const e of STATIC_PAYLOAD_TYPES) this.#byPt[e.payloadType] = e;
  }

  /** Static assignments plus mediaweave's default dynamic bindings (DESIGN §4). */
  static withDefaults(): PayloadTypeMap {
    const m = new PayloadTypeMap();
    for (const e of DEFAULT_DYNAMIC_PAYLOAD_TYPES) m.#byPt[e.payloadType] = e;
    return m;
  }

  /**
   * Binds `pt` to an encoding. `format` needs at least name and clockRate; channels default to
   * 1, sampleRate to the clock rate, media to audio, bitrate to the table's value for that
   * encoding (or 0). Throws ConfigError for a PT out of range or reserved, a bad rate, or a PT
   * already bound to a different encoding (unless `replace`).
   */
  bind(pt: number, format: Pick<PayloadFormat, 'name' | 'clockRate'> & Partial<PayloadFormat>, options?: { replace?: boolean }): PayloadTypeInfo {
    checkPt(pt, 'PayloadTypeMap.bind');
    const name = format.name.trim();
    if (name === '' || /[\s/]/.test(name)) throw new ConfigError(`PayloadTypeMap.bind: encoding name ${JSON.stringify(format.name)} is empty or contains '/' or spaces`);
    const clockRate = format.clockRate;
    if (!Number.isInteger(clockRate) || clockRate <= 0) throw new ConfigError(`PayloadTypeMap.bind: clock rate ${clockRate} for ${name} must be a positive integer (Hz)`);
    const channels = format.channels ?? 1;
    if (!Number.isInteger(channels) || channels < 1 || channels > 255) throw new ConfigError(`PayloadTypeMap.bind: channels ${channels} for ${name} out of range 1..255`);
    const known = matchFormats([...STATIC_PAYLOAD_TYPES, ...DEFAULT_DYNAMIC_PAYLOAD_TYPES], name, clockRate, channels)[0];
    const info: PayloadTypeInfo = Object.freeze({
      payloadType: pt,
      name: known?.name ?? name,
      clockRate,
      channels,
      sampleRate: format.sampleRate ?? known?.sampleRate ?? clockRate,
      media: format.media ?? known?.media ?? 'audio',
      bitrateBps: format.bitrateBps ?? known?.bitrateBps ?? 0,
      isStatic: staticPayloadType(pt) !== undefined && known?.payloadType === pt,
    });
    const existing = this.#byPt[pt];
    if (existing && !sameEncoding(existing, name, clockRate, channels) && !options?.replace) {
      throw new ConfigError(
        `PayloadTypeMap.bind: payload type ${pt} is already bound to ${formatName(existing)}, cannot bind ${formatName(info)} (unbind it first or pass replace)`,
      );
    }
    this.#byPt[pt] = info;
    return info;
  }

  /** Removes the binding of `pt`; returns whether there was one. */
  unbind(pt: number): boolean {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) return false;
    const had = this.#byPt[pt] !== undefined;
    this.#byPt[pt] = undefined;
    return had;
  }

  /** What `pt` is bound to, or undefined. */
  lookup(pt: number): PayloadTypeInfo | undefined {
    return Number.isInteger(pt) && pt >= 0 && pt < 128 ? this.#byPt[pt] : undefined;
  }

  /**
   * The binding of an encoding by name (case-insensitive) and optionally rate and channels;
   * with rate or channels left out, the preferred match (mono, then lowest rate, then lowest PT).
   */
  lookupByName(name: string, clockRate?: number, channels?: number): PayloadTypeInfo | undefined {
    return preferred(matchFormats(this.entries(), name, clockRate, channels));
  }

  /** Every binding, by ascending PT. */
  entries(): PayloadTypeInfo[] {
    const out: PayloadTypeInfo[] = [];
    for (const e of this.#byPt) if (e) out.push(e);
    return out;
  }
}

/** `name/rate` or `name/rate/channels` (channels shown when not 1), as in SDP a=rtpmap. */
export function formatName(f: PayloadFormat): string {
  return f.channels === 1 ? `${f.name}/${f.clockRate}` : `${f.name}/${f.clockRate}/${f.channels}`;
}

/**
 * Parses the `--payload` argument (DESIGN §4): a payload type number (a static one, or one of
 * the default dynamic bindings of `map`, default {@link PayloadTypeMap.withDefaults}), or
 * `name[/rate[/channels]]` with a case-insensitive name and the rate and channels defaulting from
 * the table (`pcmu`, `PCMA/8000`, `opus/48000/2`, `speex/16000`, `g722/16000` for G.722's sampling
 * rate). `pt` (`--pt`) overrides the payload type number; with it, an encoding absent from the
 * table is accepted when its rate is given (`vp8/90000 --pt 96`). Throws ConfigError naming the
 * option and what is known.
 */
export function parsePayloadArg(arg: string, options?: { pt?: number; map?: PayloadTypeMap }): PayloadTypeInfo {
  const map = options?.map ?? PayloadTypeMap.withDefaults();
  const text = arg.trim();
  const where = `--payload ${JSON.stringify(arg)}`;
  let found: PayloadTypeInfo | undefined;
  if (/^\d+$/.test(text)) {
    const pt = Number(text);
    if (pt > 127) throw new ConfigError(`${where}: payload type ${pt} out of range 0..127`);
    found = map.lookup(pt);
    if (!found) {
      throw new ConfigError(`${where}: payload type ${pt} is neither static nor a default dynamic type; give the encoding as name/rate[/channels] with --pt ${pt}`);
    }
  } else {
    const parts = text.split('/');
    const name = parts[0];
    if (parts.length > 3 || name === '' || !/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(name)) {
      throw new ConfigError(`${where}: expected a payload type number or name[/rate[/channels]], e.g. pcmu, opus/48000/2`);
    }
    const num = (s: string, what: string): number => {
      if (!/^\d+$/.test(s) || Number(s) <= 0) throw new ConfigError(`${where}: ${what} ${JSON.stringify(s)} is not a positive integer`);
      return Number(s);
    };
    const rate = parts.length > 1 ? num(parts[1], 'rate') : undefined;
    const channels = parts.length > 2 ? num(parts[2], 'channels') : undefined;
    found = map.lookupByName(name, rate, channels);
    if (!found && options?.pt !== undefined && rate !== undefined) {
      // An encoding the table does not know, made usable by an explicit --pt.
      const out: PayloadTypeInfo = Object.freeze({
        payloadType: options.pt,
        name,
        clockRate: rate,
        channels: channels ?? 1,
        sampleRate: rate,
        media: 'audio' as const,
        bitrateBps: 0,
        isStatic: false,
      });
      checkPt(out.payloadType, `--pt ${out.payloadType}`);
      return out;
    }
    if (!found) {
      const sameName = matchFormats(map.entries(), name, undefined, undefined);
      const hint = sameName.length
        ? `known: ${sameName.map(formatName).join(', ')}`
        : `unknown encoding; known: ${[...new Set(map.entries().map((e) => e.name))].join(', ')} (others need name/rate and --pt)`;
      throw new ConfigError(`${where}: no payload type for ${text} (${hint})`);
    }
  }
  if (options?.pt !== undefined && options.pt !== found.payloadType) {
    checkPt(options.pt, `--pt ${options.pt}`);
    return Object.freeze({ ...found, payloadType: options.pt, isStatic: false });
  }
  return found;
}
