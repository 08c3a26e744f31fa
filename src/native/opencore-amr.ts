/**
 * opencore-amr through koffi (DESIGN §5): AMR-NB encode and decode (libopencore-amrnb) and AMR-WB
 * decode (libopencore-amrwb). AMR-WB encoding is vo-amrwbenc's (vo-amrwbenc.ts).
 *
 * Prototypes are those of <opencore-amrnb/interf_enc.h>, <opencore-amrnb/interf_dec.h> and
 * <opencore-amrwb/dec_if.h> (opencore-amr 0.1.6, Debian 12):
 *   void *Encoder_Interface_init(int dtx);
 *   int   Encoder_Interface_Encode(void *state, enum Mode mode, const short *speech, unsigned char *out, int forceSpeech);
 *   void  Encoder_Interface_exit(void *state);
 *   void *Decoder_Interface_init(void);
 *   void  Decoder_Interface_Decode(void *state, const unsigned char *in, short *out, int bfi);
 *   void  Decoder_Interface_exit(void *state);
 *   void *D_IF_init(void);
 *   void  D_IF_decode(void *state, const unsigned char *bits, short *synth, int bfi);
 *   void  D_IF_exit(void *state);
 * (`enum Mode` is an int-sized C enum: MR475 = 0 … MR122 = 7.)
 *
 * Frames are in the storage ("MIME/IETF", RFC 4867 §5.3) format: one header octet 0 FT Q 00,
 * then the speech bits padded to an octet. The encoder writes it (returning header + data
 * length; FT 15 NO_DATA, 1 octet, for a frame DTX leaves out); the decoders read the frame type
 * from the header and as many octets as it implies — they trust it, so callers always pass a
 * buffer of AMR_FRAME_BUFFER octets (zero-padded) and never a payload slice.
 *
 * Loss: Decoder_Interface_Decode(bfi = 1) decodes the frame as NO_DATA (the wrapper replaces the
 * type), which the AMR decoder conceals (TS 26.091) after speech and continues comfort noise
 * with (TS 26.092) during DTX. D_IF_decode conceals when the header says NO_DATA (15) or
 * SPEECH_LOST (14), or bfi ≠ 0; measured, all of these give the same samples. Neither library
 * reads the Q bit, so the codec layer maps Q = 0 to a loss itself (RFC 4867 §4.3.2).
 */
import { MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

export const LIBOPENCORE_AMRNB: NativeLibrarySpec = {
  name: 'libopencore-amrnb',
  sonames: ['libopencore-amrnb.so.0', 'libopencore-amrnb.so'],
  debianPackage: 'libopencore-amrnb0',
};

export const LIBOPENCORE_AMRWB: NativeLibrarySpec = {
  name: 'libopencore-amrwb',
  sonames: ['libopencore-amrwb.so.0', 'libopencore-amrwb.so'],
  debianPackage: 'libopencore-amrwb0',
};

/** Octets every frame buffer handed to these libraries must hold: ≥ 1 header + 61 (AMR-WB 23.85), rounded up. */
export const AMR_FRAME_BUFFER = 64;
/** Samples per AMR-NB frame (20 ms at 8 kHz). */
export const AMRNB_FRAME_SAMPLES = 160;
/** Samples per AMR-WB frame (20 ms at 16 kHz). */
export const AMRWB_FRAME_SAMPLES = 320;

type NbEncState = bigint & { readonly __brand: 'amrnb-encoder*' };
type NbDecState = bigint & { readonly __brand: 'amrnb-decoder*' };
type WbDecState = bigint & { readonly __brand: 'amrwb-decoder*' };

interface AmrNbApi {
  encInit(dtx: number): NbEncState | null;
  encode(st: NbEncState, mode: number, speech: Int16Array, out: Uint8Array, forceSpeech: number): number;
  encExit(st: NbEncState): void;
  decInit(): NbDecState | null;
  decode(st: NbDecState, input: Uint8Array, out: Int16Array, bfi: number): void;
  decExit(st: NbDecState): void;
}

interface AmrWbDecApi {
  init(): WbDecState | null;
  decode(st: WbDecState, bits: Uint8Array, synth: Int16Array, bfi: number): void;
  exit(st: WbDecState): void;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to the typed members
// is where the C prototypes get their TypeScript types.
const nb = defineBinding<AmrNbApi>(LIBOPENCORE_AMRNB, (lib) => ({
  encInit: lib.func('void *Encoder_Interface_init(int dtx)'),
  encode: lib.func('int Encoder_Interface_Encode(void *state, int mode, const int16_t *speech, uint8_t *out, int forceSpeech)'),
  encExit: lib.func('void Encoder_Interface_exit(void *state)'),
  decInit: lib.func('void *Decoder_Interface_init(void)'),
  decode: lib.func('void Decoder_Interface_Decode(void *state, const uint8_t *in, int16_t *out, int bfi)'),
  decExit: lib.func('void Decoder_Interface_exit(void *state)'),
}));

const wb = defineBinding<AmrWbDecApi>(LIBOPENCORE_AMRWB, (lib) => ({
  init: lib.func('void *D_IF_init(void)'),
  decode: lib.func('void D_IF_decode(void *state, const uint8_t *bits, int16_t *synth, int bfi)'),
  exit: lib.func('void D_IF_exit(void *state)'),
}));

/** Whether libopencore-amrnb (AMR-NB encoder and decoder) is usable here. */
export function probeOpencoreAmrNb(): Availability {
  return nb.probe();
}

/** Whether libopencore-amrwb (AMR-WB decoder) is usable here. */
export function probeOpencoreAmrWb(): Availability {
  return wb.probe();
}

const live = { nbEnc: 0, nbDec: 0, wbDec: 0 };

/** Native states alive (created, not yet destroyed or collected), for leak tests. */
export function opencoreLiveStates(): Readonly<typeof live> {
  return { ...live };
}

// Safety net for states dropped without destroy(): holds the pointer and the free function only.
const finalizer = new FinalizationRegistry<{ free: () => void }>((h) => h.free());

function checkLen(who: string, what: string, got: number, need: number): void {
  if (got < need) throw new RangeError(`${who}: ${what} holds ${got}, ${need} needed`);
}

/** One AMR-NB encoder state (opencore). */
export class AmrNbEncoder {
  readonly dtx: boolean;
  readonly #api: AmrNbApi;
  #st: NbEncState | null;
  readonly #token = {};
  /** The input is copied here: the encoder filters its `const short *speech` in place (measured). */
  readonly #speech = new Int16Array(AMRNB_FRAME_SAMPLES);

  /** Throws NativeLibraryError (naming libopencore-amrnb0) when the library is missing. */
  constructor(options: { dtx: boolean }) {
    this.#api = nb.get();
    this.dtx = options.dtx;
    const st = this.#api.encInit(this.dtx ? 1 : 0);
    if (st === null) throw new MediaweaveError('ERR_NATIVE_INIT', 'Encoder_Interface_init returned NULL (out of memory?)');
    this.#st = st;
    live.nbEnc++;
    const api = this.#api;
    finalizer.register(this, { free: () => (api.encExit(st), live.nbEnc--) }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * Encodes 160 samples in `mode` (0–7) into `out` (≥ AMR_FRAME_BUFFER octets) in storage format;
   * returns the octets written (header included; 1 for NO_DATA under DTX). `pcm` is left as it
   * was: opencore's encoder overwrites its input buffer (high-pass pre-processing in place,
   * although the prototype says `const`), so it is given a copy.
   */
  encode(mode: number, pcm: Int16Array, out: Uint8Array): number {
    const st = this.#live('encode');
    if (!Number.isInteger(mode) || mode < 0 || mode > 7) throw new RangeError(`AmrNbEncoder.encode: mode must be 0–7, got ${mode}`);
    if (pcm.length !== AMRNB_FRAME_SAMPLES) throw new RangeError(`AmrNbEncoder.encode: a frame is ${AMRNB_FRAME_SAMPLES} samples, got ${pcm.length}`);
    checkLen('AmrNbEncoder.encode', 'out', out.length, AMR_FRAME_BUFFER);
    this.#speech.set(pcm);
    return this.#api.encode(st, mode, this.#speech, out, 0);
  }

  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    finalizer.unregister(this.#token);
    this.#api.encExit(st);
    live.nbEnc--;
  }

  #live(op: string): NbEncState {
    if (this.#st === null) throw new StateError(`AmrNbEncoder.${op}: the encoder was destroyed`);
    return this.#st;
  }
}

/** One AMR-NB decoder state (opencore). */
export class AmrNbDecoder {
  readonly #api: AmrNbApi;
  #st: NbDecState | null;
  readonly #token = {};

  constructor() {
    this.#api = nb.get();
    const st = this.#api.decInit();
    if (st === null) throw new MediaweaveError('ERR_NATIVE_INIT', 'Decoder_Interface_init returned NULL (out of memory?)');
    this.#st = st;
    live.nbDec++;
    const api = this.#api;
    finalizer.register(this, { free: () => (api.decExit(st), live.nbDec--) }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * Decodes one storage-format frame (`frame`, ≥ AMR_FRAME_BUFFER octets, header first) into 160
   * samples; `bfi` = true conceals instead (the frame's content is then not read).
   */
  decode(frame: Uint8Array, out: Int16Array, bfi: boolean): void {
    const st = this.#live('decode');
    checkLen('AmrNbDecoder.decode', 'frame', frame.length, AMR_FRAME_BUFFER);
    if (out.length !== AMRNB_FRAME_SAMPLES) throw new RangeError(`AmrNbDecoder.decode: a frame is ${AMRNB_FRAME_SAMPLES} samples, got ${out.length}`);
    this.#api.decode(st, frame, out, bfi ? 1 : 0);
  }

  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    finalizer.unregister(this.#token);
    this.#api.decExit(st);
    live.nbDec--;
  }

  #live(op: string): NbDecState {
    if (this.#st === null) throw new StateError(`AmrNbDecoder.${op}: the decoder was destroyed`);
    return this.#st;
  }
}

/** One AMR-WB decoder state (opencore). */
export class AmrWbDecoder {
  readonly #api: AmrWbDecApi;
  #st: WbDecState | null;
  readonly #token = {};

  constructor() {
    this.#api = wb.get();
    const st = this.#api.init();
    if (st === null) throw new MediaweaveError('ERR_NATIVE_INIT', 'D_IF_init returned NULL (out of memory?)');
    this.#st = st;
    live.wbDec++;
    const api = this.#api;
    finalizer.register(this, { free: () => (api.exit(st), live.wbDec--) }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * Decodes one storage-format frame (≥ AMR_FRAME_BUFFER octets, header first) into 320 samples;
   * `bfi` = true conceals instead.
   */
  decode(frame: Uint8Array, out: Int16Array, bfi: boolean): void {
    const st = this.#live('decode');
    checkLen('AmrWbDecoder.decode', 'frame', frame.length, AMR_FRAME_BUFFER);
    if (out.length !== AMRWB_FRAME_SAMPLES) throw new RangeError(`AmrWbDecoder.decode: a frame is ${AMRWB_FRAME_SAMPLES} samples, got ${out.length}`);
    this.#api.decode(st, frame, out, bfi ? 1 : 0);
  }

  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    finalizer.unregister(this.#token);
    this.#api.exit(st);
    live.wbDec--;
  }

  #live(op: string): WbDecState {
    if (this.#st === null) throw new StateError(`AmrWbDecoder.${op}: the decoder was destroyed`);
    return this.#st;
  }
}
