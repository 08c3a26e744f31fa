/**
 * libspeex through koffi (DESIGN §5): the Speex speech codec, narrowband (8 kHz), wideband
 * (16 kHz) and ultra-wideband (32 kHz). Prototypes are those of <speex/speex.h> and
 * <speex/speex_bits.h> (libspeex 1.2, Debian package libspeex1), spx_int16_t = int16_t.
 *
 * What the C API looks like, and how it is used here:
 * - A mode (`const SpeexMode *`) selects the band; `speex_lib_get_mode(SPEEX_MODEID_NB|WB|UWB)`
 *   returns it (the header's macro shortcut to `&speex_nb_mode` is not a symbol, the function
 *   is). The three pointers are fetched once, at bind time.
 * - Encoder and decoder states are opaque pointers; parameters go through
 *   `speex_encoder_ctl`/`speex_decoder_ctl(state, request, void *)`, where the pointer is an
 *   `spx_int32_t *` for every request used here except SPEEX_SET_VBR_QUALITY (`float *`). One
 *   small Int32Array / Float32Array per object carries them (koffi passes a typed array given for
 *   a pointer parameter as a pointer to its memory, without copying: see speexdsp.ts).
 * - `SpeexBits` is the bit packer/unpacker. Several frames encoded into one SpeexBits without a
 *   reset are concatenated bit after bit, which is exactly RFC 5574 §3.3's payload; and
 *   `speex_bits_write` pads the last octet with a 0 bit then 1 bits (it inserts the terminator
 *   itself), the padding §3.3 asks for. On the decoding side `speex_bits_read_from` loads a
 *   payload and successive `speex_decode_int` calls take one frame each until they return −1
 *   (terminator or fewer than 5 bits left) or −2 (corrupt).
 *   The struct (48 bytes on LP64) is allocated once per object with `koffi.alloc` and never
 *   touched from JavaScript: `speex_bits_init` gives it its own 2000-byte buffer
 *   (MAX_CHARS_PER_FRAME), `speex_bits_destroy` frees that, `koffi.free` the struct. Its layout
 *   is therefore not relied on; 64 bytes are reserved so that any ABI's layout fits.
 * - Packet loss concealment is `speex_decode_int(state, NULL, out)` (speex.h: "bits … NULL
 *   means the packet was lost"); after a frame that announced DTX it makes comfort noise.
 *
 * Native memory: one state and one SpeexBits per object, created in the constructor and freed by
 * `destroy()` (idempotent), with a FinalizationRegistry as a safety net; nothing is allocated
 * per frame (the input and output arrays are the caller's).
 *
 * Diagnostics: libspeex prints "notification: …"/"warning: …" to stderr on corrupt input
 * (os_support.h). The codec filters (codecs/speex.ts) check every payload with the bit-level
 * frame scanner of rtp/payload/speex.ts before handing it here, so garbage is counted and
 * concealed without reaching libspeex and without noise on stderr.
 */
import { ConfigError, MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

/** Debian's runtime package of libspeex (the codec; the DSP parts live in libspeexdsp). */
export const LIBSPEEX: NativeLibrarySpec = {
  name: 'libspeex',
  sonames: ['libspeex.so.1', 'libspeex.so'],
  debianPackage: 'libspeex1',
};

/** Speex band: narrowband 8 kHz, wideband 16 kHz, ultra-wideband 32 kHz. */
export type SpeexBand = 'nb' | 'wb' | 'uwb';

/** SPEEX_MODEID_* (speex.h). */
const MODE_ID: Record<SpeexBand, number> = { nb: 0, wb: 1, uwb: 2 };
/** Sampling rate of each band. */
export const SPEEX_SAMPLE_RATE: Readonly<Record<SpeexBand, number>> = { nb: 8000, wb: 16000, uwb: 32000 };

// Requests of speex.h.
const SPEEX_SET_ENH = 0;
const SPEEX_GET_ENH = 1;
const SPEEX_GET_FRAME_SIZE = 3;
const SPEEX_SET_QUALITY = 4;
const SPEEX_SET_MODE = 6;
const SPEEX_GET_MODE = 7;
const SPEEX_SET_VBR = 12;
const SPEEX_GET_VBR = 13;
const SPEEX_SET_VBR_QUALITY = 14;
const SPEEX_SET_COMPLEXITY = 16;
const SPEEX_GET_COMPLEXITY = 17;
const SPEEX_SET_BITRATE = 18;
const SPEEX_GET_BITRATE = 19;
const SPEEX_RESET_STATE = 26;
const SPEEX_SET_VAD = 30;
const SPEEX_GET_VAD = 31;
const SPEEX_SET_ABR = 32;
const SPEEX_SET_DTX = 34;
const SPEEX_GET_DTX = 35;
const SPEEX_GET_LOOKAHEAD = 39;
const SPEEX_SET_VBR_MAX_BITRATE = 42;
const SPEEX_SET_HIGHPASS = 44;
// speex_mode_query requests.
const SPEEX_MODE_FRAME_SIZE = 0;
const SPEEX_SUBMODE_BITS_PER_FRAME = 1;
// speex_lib_ctl requests.
const SPEEX_LIB_GET_MAJOR_VERSION = 1;
const SPEEX_LIB_GET_MINOR_VERSION = 3;
const SPEEX_LIB_GET_MICRO_VERSION = 5;

/** Bytes reserved for a SpeexBits struct (48 on LP64, 36 on ILP32). */
const SPEEX_BITS_BYTES = 64;
/**
 * Size of the buffer speex_bits_init allocates (MAX_CHARS_PER_FRAME, bits.c): a payload longer
 * than this makes speex_bits_read_from reallocate (with a warning on stderr), so callers keep
 * payloads below it.
 */
export const SPEEX_BITS_BUFFER_BYTES = 2000;

/** Frames one packet may hold in SpeexEncoder (16 × 110 bytes of the richest mode < 2000). */
export const SPEEX_MAX_PENDING_FRAMES = 16;

/** Opaque native pointers (koffi 3 gives pointers as BigInt). */
type ModePtr = bigint & { readonly __brand: 'SpeexMode*' };
type StatePtr = bigint & { readonly __brand: 'SpeexState*' };
type BitsPtr = bigint & { readonly __brand: 'SpeexBits*' };

interface SpeexApi {
  modes: Record<SpeexBand, ModePtr>;
  encoderInit(mode: ModePtr): StatePtr | null;
  encoderDestroy(st: StatePtr): void;
  encodeInt(st: StatePtr, input: Int16Array, bits: BitsPtr): number;
  encoderCtl(st: StatePtr, request: number, ptr: Int32Array | Float32Array): number;
  decoderInit(mode: ModePtr): StatePtr | null;
  decoderDestroy(st: StatePtr): void;
  decodeInt(st: StatePtr, bits: BitsPtr | null, out: Int16Array): number;
  decoderCtl(st: StatePtr, request: number, ptr: Int32Array): number;
  modeQuery(mode: ModePtr, request: number, ptr: Int32Array): number;
  libCtl(request: number, ptr: Int32Array): number;
  bitsInit(bits: BitsPtr): void;
  bitsDestroy(bits: BitsPtr): void;
  bitsReset(bits: BitsPtr): void;
  bitsReadFrom(bits: BitsPtr, bytes: Uint8Array, len: number): void;
  bitsWrite(bits: BitsPtr, bytes: Uint8Array, maxLen: number): number;
  bitsNbytes(bits: BitsPtr): number;
  bitsRemaining(bits: BitsPtr): number;
  allocBits(): BitsPtr;
  freeBits(bits: BitsPtr): void;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to the typed members
// of SpeexApi is where the C prototypes on the left get their TypeScript types.
const speex = defineBinding<SpeexApi>(LIBSPEEX, (lib, koffi) => {
  const getMode = lib.func('const void *speex_lib_get_mode(int mode)') as (id: number) => ModePtr | null;
  const modes = {} as Record<SpeexBand, ModePtr>;
  for (const band of ['nb', 'wb', 'uwb'] as const) {
    const m = getMode(MODE_ID[band]);
    if (m === null) throw new Error(`speex_lib_get_mode(${MODE_ID[band]}) returned NULL (no ${band} mode in this build)`);
    modes[band] = m;
  }
  return {
    modes,
    encoderInit: lib.func('void *speex_encoder_init(const void *mode)'),
    encoderDestroy: lib.func('void speex_encoder_destroy(void *state)'),
    encodeInt: lib.func('int speex_encode_int(void *state, int16_t *in, void *bits)'),
    encoderCtl: lib.func('int speex_encoder_ctl(void *state, int request, void *ptr)'),
    decoderInit: lib.func('void *speex_decoder_init(const void *mode)'),
    decoderDestroy: lib.func('void speex_decoder_destroy(void *state)'),
    decodeInt: lib.func('int speex_decode_int(void *state, void *bits, int16_t *out)'),
    decoderCtl: lib.func('int speex_decoder_ctl(void *state, int request, void *ptr)'),
    modeQuery: lib.func('int speex_mode_query(const void *mode, int request, void *ptr)'),
    libCtl: lib.func('int speex_lib_ctl(int request, void *ptr)'),
    bitsInit: lib.func('void speex_bits_init(void *bits)'),
    bitsDestroy: lib.func('void speex_bits_destroy(void *bits)'),
    bitsReset: lib.func('void speex_bits_reset(void *bits)'),
    bitsReadFrom: lib.func('void speex_bits_read_from(void *bits, const uint8_t *bytes, int len)'),
    bitsWrite: lib.func('int speex_bits_write(void *bits, uint8_t *bytes, int max_len)'),
    bitsNbytes: lib.func('int speex_bits_nbytes(void *bits)'),
    bitsRemaining: lib.func('int speex_bits_remaining(void *bits)'),
    allocBits: () => koffi.alloc('uint8_t', SPEEX_BITS_BYTES) as BitsPtr,
    freeBits: (bits: BitsPtr) => koffi.free(bits),
  };
});

/** Whether libspeex and every function bound here are usable (feature detection). */
export function probeSpeex(): Availability {
  return speex.probe();
}

/** Loads libspeex and binds it now; throws NativeLibraryError (naming the package) if it cannot. */
export function loadSpeex(): void {
  speex.get();
}

/** The library's version, e.g. "1.2.1" (speex_lib_ctl). */
export function speexVersion(): string {
  const api = speex.get();
  const v = new Int32Array(1);
  const part = (req: number): number => (api.libCtl(req, v) === 0 ? v[0]! : -1);
  return `${part(SPEEX_LIB_GET_MAJOR_VERSION)}.${part(SPEEX_LIB_GET_MINOR_VERSION)}.${part(SPEEX_LIB_GET_MICRO_VERSION)}`;
}

/** What speex_mode_query says about a band. */
export interface SpeexModeInfo {
  /** Samples per 20 ms frame (160, 320, 640). */
  frameSize: number;
  /**
   * Bits per frame of each sub-mode (SPEEX_SUBMODE_BITS_PER_FRAME; −1 where the sub-mode does
   * not exist). For nb the narrowband frame (sub-modes 0–8), for wb/uwb the layer this band adds
   * on top of the one below (sub-modes 0–7); both include their own header bits.
   */
  submodeBits: number[];
}

/** Frame size and per-sub-mode bit counts of a band, from the library itself (speex_mode_query). */
export function speexModeInfo(band: SpeexBand): SpeexModeInfo {
  const api = speex.get();
  const mode = api.modes[band];
  const v = new Int32Array(1);
  api.modeQuery(mode, SPEEX_MODE_FRAME_SIZE, v);
  const frameSize = v[0]!;
  // Narrowband has sub-modes 0–8, the sub-band layers 0–7 (their submodes[] arrays have 8
  // entries: asking for more reads past them, modes.c).
  const count = band === 'nb' ? 9 : 8;
  const submodeBits: number[] = [];
  for (let s = 0; s < count; s++) {
    v[0] = s;
    submodeBits.push(api.modeQuery(mode, SPEEX_SUBMODE_BITS_PER_FRAME, v) === 0 ? v[0]! : -1);
  }
  return { frameSize, submodeBits };
}

/** A libspeex call that failed. */
export class SpeexError extends MediaweaveError {
  constructor(message: string) {
    super('ERR_SPEEX', message);
  }
}

interface Held {
  api: SpeexApi;
  st: StatePtr;
  bits: BitsPtr;
  kind: 'encoder' | 'decoder';
}

let liveStates = 0;

// Safety net for objects dropped without destroy(): frees the native state and SpeexBits when the
// JS object is collected. The held value never references the object itself.
const finalizer = new FinalizationRegistry<Held>((h) => {
  freeHeld(h);
  liveStates--;
});

function freeHeld(h: Held): void {
  if (h.kind === 'encoder') h.api.encoderDestroy(h.st);
  else h.api.decoderDestroy(h.st);
  h.api.bitsDestroy(h.bits);
  h.api.freeBits(h.bits);
}

function newBits(api: SpeexApi): BitsPtr {
  const bits = api.allocBits();
  api.bitsInit(bits);
  return bits;
}

function checkWhole(who: string, option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${who} ${option} must be a whole number ${min}–${max}, got ${value}`);
  }
}

function checkBand(who: string, band: unknown): SpeexBand {
  if (band !== 'nb' && band !== 'wb' && band !== 'uwb') throw new ConfigError(`${who} band must be 'nb', 'wb' or 'uwb', got ${String(band)}`);
  return band;
}

/**
 * One libspeex encoder state with its SpeexBits. `encode()` appends one frame to the packet
 * being built; `takePacket()` writes the frames so far as one RFC 5574 payload and starts the
 * next.
 */
export class SpeexEncoder {
  readonly band: SpeexBand;
  /** Samples per frame (20 ms): 160, 320 or 640. */
  readonly frameSize: number;
  readonly sampleRate: number;
  readonly #api: SpeexApi;
  #st: StatePtr | null;
  #bits: BitsPtr | null;
  readonly #i32 = new Int32Array(1);
  readonly #f32 = new Float32Array(1);
  readonly #token = {};
  #frames = 0;

  /** Native encoder and decoder states alive in this process. */
  static get liveCount(): number {
    return liveStates;
  }

  /** Throws ConfigError for a bad band, NativeLibraryError when libspeex is missing. */
  constructor(band: SpeexBand) {
    this.band = checkBand('SpeexEncoder', band);
    this.#api = speex.get();
    const st = this.#api.encoderInit(this.#api.modes[band]);
    if (st === null) throw new SpeexError(`speex_encoder_init(${band}) returned NULL (out of memory?)`);
    this.#st = st;
    this.#bits = newBits(this.#api);
    liveStates++;
    finalizer.register(this, { api: this.#api, st, bits: this.#bits, kind: 'encoder' }, this.#token);
    this.frameSize = this.#get(SPEEX_GET_FRAME_SIZE);
    this.sampleRate = SPEEX_SAMPLE_RATE[band];
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /** Quality 0–10 (SPEEX_SET_QUALITY): picks the sub-mode(s) of that quality (CBR bitrate, or the VBR quality target's starting point). */
  setQuality(q: number): void {
    checkWhole('SpeexEncoder', 'quality', q, 0, 10);
    this.#set(SPEEX_SET_QUALITY, q);
  }

  /**
   * SPEEX_SET_MODE. Narrowband: the sub-mode itself, 1–8 (RFC 5574's "mode"; 8 is the 3.95 kbit/s
   * mode). Wideband/ultra-wideband: libspeex treats it as the quality, 0–10 (sb_celp.c).
   * Checked here: libspeex's narrowband encoder indexes its sub-mode table with the value unchecked.
   */
  setMode(m: number): void {
    if (this.band === 'nb') checkWhole('SpeexEncoder', 'mode (narrowband sub-mode)', m, 1, 8);
    else checkWhole('SpeexEncoder', `mode (${this.band} quality)`, m, 0, 10);
    this.#set(SPEEX_SET_MODE, m);
  }

  /** SPEEX_GET_MODE: the current (narrowband: sub-mode; sub-band: high-band sub-mode) mode. */
  get mode(): number {
    return this.#get(SPEEX_GET_MODE);
  }

  /**
   * SPEEX_SET_BITRATE: the highest quality whose bitrate is ≤ `bps` (quality 0 when none is).
   * Returns the bitrate it gives (SPEEX_GET_BITRATE).
   */
  setBitrate(bps: number): number {
    checkWhole('SpeexEncoder', 'bitrate', bps, 1, 1_000_000);
    this.#set(SPEEX_SET_BITRATE, bps);
    return this.bitrate;
  }

  /** SPEEX_GET_BITRATE: bitrate of the current (CBR) mode, bit/s. */
  get bitrate(): number {
    return this.#get(SPEEX_GET_BITRATE);
  }

  /** SPEEX_SET_VBR: variable bitrate, the encoder picks each frame's sub-mode for the VBR quality. */
  setVbr(on: boolean): void {
    this.#set(SPEEX_SET_VBR, on ? 1 : 0);
  }

  get vbr(): boolean {
    return this.#get(SPEEX_GET_VBR) !== 0;
  }

  /** SPEEX_SET_VBR_QUALITY (a float 0–10). */
  setVbrQuality(q: number): void {
    if (!Number.isFinite(q) || q < 0 || q > 10) throw new ConfigError(`SpeexEncoder VBR quality must be 0–10, got ${q}`);
    this.#f32[0] = q;
    this.#ctl(SPEEX_SET_VBR_QUALITY, this.#f32, 'SPEEX_SET_VBR_QUALITY');
  }

  /** SPEEX_SET_VBR_MAX_BITRATE: in VBR, never above this (0 = no limit). */
  setVbrMaxBitrate(bps: number): void {
    checkWhole('SpeexEncoder', 'VBR max bitrate', bps, 0, 1_000_000);
    this.#set(SPEEX_SET_VBR_MAX_BITRATE, bps);
  }

  /** SPEEX_SET_ABR: average bitrate (enables VBR and steers its quality). */
  setAbr(bps: number): void {
    checkWhole('SpeexEncoder', 'ABR bitrate', bps, 1, 1_000_000);
    this.#set(SPEEX_SET_ABR, bps);
  }

  /** SPEEX_SET_VAD: in CBR, frames without speech are coded with the short noise sub-mode. */
  setVad(on: boolean): void {
    this.#set(SPEEX_SET_VAD, on ? 1 : 0);
  }

  get vad(): boolean {
    return this.#get(SPEEX_GET_VAD) !== 0;
  }

  /** SPEEX_SET_DTX: during silence encode() returns false for frames that need not be sent. */
  setDtx(on: boolean): void {
    this.#set(SPEEX_SET_DTX, on ? 1 : 0);
  }

  get dtx(): boolean {
    return this.#get(SPEEX_GET_DTX) !== 0;
  }

  /** SPEEX_SET_COMPLEXITY 1–10 (libspeex's default is 2, speexenc's 3). */
  setComplexity(c: number): void {
    checkWhole('SpeexEncoder', 'complexity', c, 1, 10);
    this.#set(SPEEX_SET_COMPLEXITY, c);
  }

  get complexity(): number {
    return this.#get(SPEEX_GET_COMPLEXITY);
  }

  /** SPEEX_SET_HIGHPASS: the input high-pass filter (on by default). */
  setHighpass(on: boolean): void {
    this.#set(SPEEX_SET_HIGHPASS, on ? 1 : 0);
  }

  /** SPEEX_GET_LOOKAHEAD: the encoder's delay, samples. */
  get lookahead(): number {
    return this.#get(SPEEX_GET_LOOKAHEAD);
  }

  /**
   * Encodes one frame (exactly `frameSize` samples) and appends its bits to the packet being
   * built. Returns false when libspeex says the frame need not be transmitted (DTX during
   * silence, speex.h), true otherwise. The float build of libspeex copies the input; a
   * fixed-point build high-pass filters it in place, so pass a buffer you own.
   */
  encode(frame: Int16Array): boolean {
    const st = this.#live('encode');
    if (frame.length !== this.frameSize) {
      throw new RangeError(`SpeexEncoder.encode: a ${this.band} frame is ${this.frameSize} samples, got ${frame.length}`);
    }
    if (this.#frames >= SPEEX_MAX_PENDING_FRAMES) {
      // The SpeexBits buffer (2000 bytes) holds 18 frames of the richest mode; beyond it libspeex
      // complains on stderr and drops bits.
      throw new RangeError(`SpeexEncoder.encode: ${this.#frames} frames pending; take the packet first (at most ${SPEEX_MAX_PENDING_FRAMES})`);
    }
    const rc = this.#api.encodeInt(st, frame, this.#bits!);
    this.#frames++;
    return rc !== 0;
  }

  /** Frames appended since the last takePacket()/clearPacket(). */
  get pendingFrames(): number {
    return this.#frames;
  }

  /** Bytes the pending frames take once padded to an octet (speex_bits_nbytes). */
  get pendingBytes(): number {
    this.#live('pendingBytes');
    return this.#api.bitsNbytes(this.#bits!);
  }

  /**
   * The pending frames as one payload (RFC 5574 §3.3: concatenated, the last octet padded with a
   * 0 bit then 1 bits by speex_bits_write), in a new array sized exactly; then starts a new packet.
   * Empty when no frame is pending.
   */
  takePacket(): Uint8Array {
    this.#live('takePacket');
    const bits = this.#bits!;
    const n = this.#api.bitsNbytes(bits);
    const out = new Uint8Array(n);
    const written = n > 0 ? this.#api.bitsWrite(bits, out, n) : 0;
    this.#api.bitsReset(bits);
    this.#frames = 0;
    return written === n ? out : out.subarray(0, written);
  }

  /** Drops the pending frames (e.g. a packet DTX does not send). */
  clearPacket(): void {
    this.#live('clearPacket');
    this.#api.bitsReset(this.#bits!);
    this.#frames = 0;
  }

  /** SPEEX_RESET_STATE: forget the signal history (after a discontinuity); keeps the settings. */
  reset(): void {
    this.#set(SPEEX_RESET_STATE, 0);
    this.clearPacket();
  }

  /** Frees the native state. Idempotent; later calls to other methods throw StateError. */
  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    finalizer.unregister(this.#token);
    freeHeld({ api: this.#api, st, bits: this.#bits!, kind: 'encoder' });
    this.#st = null;
    this.#bits = null;
    liveStates--;
  }

  #set(request: number, value: number): void {
    this.#i32[0] = value;
    this.#ctl(request, this.#i32, `request ${request}`);
  }

  #get(request: number): number {
    this.#ctl(request, this.#i32, `request ${request}`);
    return this.#i32[0]!;
  }

  #ctl(request: number, ptr: Int32Array | Float32Array, what: string): void {
    const rc = this.#api.encoderCtl(this.#live('ctl'), request, ptr);
    if (rc !== 0) throw new SpeexError(`speex_encoder_ctl(${this.band}, ${what}) failed with ${rc}`);
  }

  #live(op: string): StatePtr {
    if (this.#st === null) throw new StateError(`SpeexEncoder.${op}: the encoder was destroyed`);
    return this.#st;
  }
}

/** Why SpeexDecoder.decode() stopped before the end of a payload. */
export type SpeexDecodeStop = 'end' | 'full' | 'corrupt' | 'overflow';

/**
 * One libspeex decoder state with its SpeexBits. `decode()` takes one RTP payload (one or more
 * frames), `conceal()` makes one frame up for a lost one.
 */
export class SpeexDecoder {
  readonly band: SpeexBand;
  readonly frameSize: number;
  readonly sampleRate: number;
  readonly #api: SpeexApi;
  #st: StatePtr | null;
  #bits: BitsPtr | null;
  readonly #i32 = new Int32Array(1);
  readonly #token = {};
  #lastStop: SpeexDecodeStop = 'end';

  /** Native encoder and decoder states alive in this process (the same count as SpeexEncoder.liveCount). */
  static get liveCount(): number {
    return liveStates;
  }

  /** Throws ConfigError for a bad band, NativeLibraryError when libspeex is missing. */
  constructor(band: SpeexBand) {
    this.band = checkBand('SpeexDecoder', band);
    this.#api = speex.get();
    const st = this.#api.decoderInit(this.#api.modes[band]);
    if (st === null) throw new SpeexError(`speex_decoder_init(${band}) returned NULL (out of memory?)`);
    this.#st = st;
    this.#bits = newBits(this.#api);
    liveStates++;
    finalizer.register(this, { api: this.#api, st, bits: this.#bits, kind: 'decoder' }, this.#token);
    this.frameSize = this.#get(SPEEX_GET_FRAME_SIZE);
    this.sampleRate = SPEEX_SAMPLE_RATE[band];
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /** SPEEX_SET_ENH: the perceptual enhancer (on by default, as in speexdec and Mediastreamer2). */
  setEnhancement(on: boolean): void {
    this.#set(SPEEX_SET_ENH, on ? 1 : 0);
  }

  get enhancement(): boolean {
    return this.#get(SPEEX_GET_ENH) !== 0;
  }

  /**
   * Decodes the frames of one payload into `out` (frame after frame), until the payload ends
   * (a terminator or fewer than 5 bits left: `end`), `out` is full (`full`), or libspeex reports
   * a corrupt frame (`corrupt`) or reads past the payload (`overflow`, a truncated frame; its
   * samples are not counted). Returns the frames decoded; `lastStop` says why it stopped.
   * `payload` must be shorter than SPEEX_BITS_BUFFER_BYTES.
   */
  decode(payload: Uint8Array, out: Int16Array): number {
    const st = this.#live('decode');
    if (payload.length >= SPEEX_BITS_BUFFER_BYTES) {
      throw new RangeError(`SpeexDecoder.decode: payload of ${payload.length} bytes, the limit is ${SPEEX_BITS_BUFFER_BYTES - 1}`);
    }
    const api = this.#api;
    const bits = this.#bits!;
    const fs = this.frameSize;
    api.bitsReadFrom(bits, payload, payload.length);
    const max = Math.floor(out.length / fs);
    let n = 0;
    for (;;) {
      if (n === max) {
        this.#lastStop = 'full';
        break;
      }
      const rc = api.decodeInt(st, bits, out.subarray(n * fs, (n + 1) * fs));
      if (rc === -1) {
        this.#lastStop = 'end';
        break;
      }
      if (rc !== 0) {
        this.#lastStop = 'corrupt';
        break;
      }
      // speex_bits_remaining is −1 once a read went past the end (bits.c sets `overflow`).
      if (api.bitsRemaining(bits) < 0) {
        this.#lastStop = 'overflow';
        break;
      }
      n++;
    }
    return n;
  }

  /** Why the last decode() stopped. */
  get lastStop(): SpeexDecodeStop {
    return this.#lastStop;
  }

  /**
   * One frame of packet loss concealment (speex_decode_int with NULL bits) into `out`
   * (`frameSize` samples): pitch-repeating, fading after a few frames; comfort noise after a
   * frame that announced DTX.
   */
  conceal(out: Int16Array): void {
    const st = this.#live('conceal');
    if (out.length !== this.frameSize) throw new RangeError(`SpeexDecoder.conceal: a frame is ${this.frameSize} samples, got ${out.length}`);
    this.#api.decodeInt(st, null, out);
  }

  /** SPEEX_RESET_STATE: forget the signal history. */
  reset(): void {
    this.#set(SPEEX_RESET_STATE, 0);
  }

  /** Frees the native state. Idempotent; later calls to other methods throw StateError. */
  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    finalizer.unregister(this.#token);
    freeHeld({ api: this.#api, st, bits: this.#bits!, kind: 'decoder' });
    this.#st = null;
    this.#bits = null;
    liveStates--;
  }

  #set(request: number, value: number): void {
    this.#i32[0] = value;
    this.#ctl(request);
  }

  #get(request: number): number {
    this.#ctl(request);
    return this.#i32[0]!;
  }

  #ctl(request: number): void {
    const rc = this.#api.decoderCtl(this.#live('ctl'), request, this.#i32);
    if (rc !== 0) throw new SpeexError(`speex_decoder_ctl(${this.band}, request ${request}) failed with ${rc}`);
  }

  #live(op: string): StatePtr {
    if (this.#st === null) throw new StateError(`SpeexDecoder.${op}: the decoder was destroyed`);
    return this.#st;
  }
}

