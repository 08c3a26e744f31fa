/**
 * libgsm (Jutta Degener and Carsten Bormann's GSM 06.10 full-rate RPE-LTP codec, TU Berlin)
 * through koffi (DESIGN §5). This is the library behind `toast`/`untoast`, sox's and ffmpeg's
 * GSM, and Mediastreamer2's msgsm filter, so using it makes our GSM bit-exact with all of them.
 *
 * Prototypes are those of <gsm.h> (libgsm 1.0.22, Debian package libgsm1-dev; the runtime
 * package libgsm1 installs libgsm.so.1):
 *
 *     typedef struct gsm_state *gsm;  typedef short gsm_signal;  typedef unsigned char gsm_byte;
 *     gsm  gsm_create(void);                         void gsm_destroy(gsm);
 *     void gsm_encode(gsm, gsm_signal *src, gsm_byte *dst);   // 160 samples → 33 bytes
 *     int  gsm_decode(gsm, gsm_byte *src, gsm_signal *dst);   // 33 bytes → 160 samples, −1 if bad
 *     int  gsm_explode(gsm, gsm_byte *src, gsm_signal *dst);  // 33 bytes → the 76 parameters
 *
 * One 20 ms frame is 160 samples of 8 kHz 16-bit PCM (GSM 06.10 codes 13-bit samples; libgsm
 * drops the 3 low bits itself when it scales the input, §4.2.0) coded into 260 bits, which
 * libgsm packs into 33 bytes behind a 4-bit signature 0xD (GSM_MAGIC) — the very layout of
 * RFC 3551 §4.5.8.1, so its frames go into RTP as they are. gsm_decode refuses (returns −1,
 * writes nothing) a frame whose first nibble is not 0xD; otherwise any 33 bytes decode.
 *
 * gsm_option is not bound: its only codec options, GSM_OPT_FAST (`toast -F`) and GSM_OPT_LTP_CUT
 * (`toast -C`), trade GSM 06.10 conformance for speed, and Debian's libgsm is built without
 * either (gsm_option returns −1 for both; checked when this was written).
 *
 * A libgsm state holds both an encoder's and a decoder's memory, and nothing else; a state is
 * used for one direction only here (GsmCodec below), created once and freed by destroy(), with
 * a FinalizationRegistry as the safety net. `gsm_create` mallocs one small struct; encode and
 * decode allocate nothing.
 *
 * Buffers: koffi passes a typed array given for a pointer parameter as a pointer to its own
 * memory for the duration of the call, without copying (see speexdsp.ts), so encode/decode take
 * views straight from the caller. C reads/writes exactly 160 samples / 33 bytes through those
 * pointers with no length argument, so the lengths are checked here before every call: a
 * short view would otherwise let libgsm read or write past the end of the JS buffer.
 */
import { MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

/** Debian's runtime package of libgsm. */
export const LIBGSM: NativeLibrarySpec = {
  name: 'libgsm',
  sonames: ['libgsm.so.1', 'libgsm.so'],
  debianPackage: 'libgsm1',
};

/** Samples (8 kHz, mono) in one GSM 06.10 frame: 20 ms. */
export const GSM_FRAME_SAMPLES = 160;
/** Bytes of one libgsm frame (4-bit signature + 260 bits), RFC 3551 §4.5.8. */
export const GSM_FRAME_BYTES = 33;
/** GSM_MAGIC: the signature in the high nibble of a frame's first byte. */
export const GSM_MAGIC = 0xd;

/** Parameters of one frame as gsm_explode gives them: LARc[8], then 4 × (Nc, bc, Mc, xmaxc, xMc[13]). */
export const GSM_FRAME_PARAMETERS = 76;

/** `gsm` (`struct gsm_state *`): an opaque native pointer (koffi 3 gives pointers as BigInt). */
type GsmState = bigint & { readonly __brand: 'gsm' };

interface GsmApi {
  create(): GsmState | null;
  destroy(g: GsmState): void;
  encode(g: GsmState, src: Int16Array, dst: Uint8Array): void;
  decode(g: GsmState, src: Uint8Array, dst: Int16Array): number;
  explode(g: GsmState, src: Uint8Array, dst: Int16Array): number;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to the typed members
// of GsmApi is where the C prototypes on the left get their TypeScript types.
const gsm = defineBinding<GsmApi>(LIBGSM, (lib) => ({
  create: lib.func('void *gsm_create(void)'),
  destroy: lib.func('void gsm_destroy(void *g)'),
  encode: lib.func('void gsm_encode(void *g, int16_t *src, uint8_t *dst)'),
  decode: lib.func('int gsm_decode(void *g, uint8_t *src, int16_t *dst)'),
  explode: lib.func('int gsm_explode(void *g, uint8_t *src, int16_t *dst)'),
}));

/** Whether libgsm and every function bound here are usable (feature detection, for the registry). */
export function probeGsm(): Availability {
  return gsm.probe();
}

/** Loads libgsm now; throws NativeLibraryError (naming the Debian package) if it cannot. */
export function loadGsm(): void {
  gsm.get();
}

/** A libgsm call that failed. */
export class GsmError extends MediaweaveError {
  constructor(message: string) {
    super('ERR_GSM', message);
  }
}

let liveStates = 0;

// Safety net for codecs dropped without destroy(): frees the native state when the JS object is
// collected. The held value is the pointer and the function only, never the object itself.
const finalizer = new FinalizationRegistry<{ st: GsmState; destroy: (st: GsmState) => void }>((held) => {
  held.destroy(held.st);
  liveStates--;
});

/**
 * One libgsm state, used to encode or to decode one stream (use two for both directions: the
 * state carries the predictor memories of one direction). Frame by frame, no allocation.
 *
 * Owns native memory: call `destroy()` (idempotent) when done; a FinalizationRegistry frees
 * states that were dropped without it, but GC timing is not a resource policy.
 */
export class GsmCodec {
  readonly #api: GsmApi;
  #st: GsmState | null;
  readonly #token = {};

  /** Native states alive in this process (created, not yet destroyed or collected). */
  static get liveCount(): number {
    return liveStates;
  }

  /** Throws NativeLibraryError when libgsm is missing. */
  constructor() {
    this.#api = gsm.get();
    const st = this.#api.create();
    if (st === null) throw new GsmError('gsm_create() failed (out of memory)');
    this.#st = st;
    liveStates++;
    finalizer.register(this, { st, destroy: this.#api.destroy }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /**
   * gsm_encode: one frame. `pcm` holds exactly 160 samples (8 kHz mono), `out` exactly 33
   * bytes (views are fine). RangeError for other lengths, before C sees the pointers.
   */
  encode(pcm: Int16Array, out: Uint8Array): void {
    const st = this.#live('encode');
    if (pcm.length !== GSM_FRAME_SAMPLES) throw new RangeError(`GsmCodec.encode: input holds ${pcm.length} samples, a frame is ${GSM_FRAME_SAMPLES}`);
    if (out.length !== GSM_FRAME_BYTES) throw new RangeError(`GsmCodec.encode: output holds ${out.length} bytes, a frame is ${GSM_FRAME_BYTES}`);
    this.#api.encode(st, pcm, out);
  }

  /**
   * gsm_decode: one frame of exactly 33 bytes into exactly 160 samples. Returns false (and leaves
   * `pcm` untouched) when libgsm refuses the frame: its signature nibble is not 0xD.
   */
  decode(frame: Uint8Array, pcm: Int16Array): boolean {
    const st = this.#live('decode');
    if (frame.length !== GSM_FRAME_BYTES) throw new RangeError(`GsmCodec.decode: input holds ${frame.length} bytes, a frame is ${GSM_FRAME_BYTES}`);
    if (pcm.length !== GSM_FRAME_SAMPLES) throw new RangeError(`GsmCodec.decode: output holds ${pcm.length} samples, a frame is ${GSM_FRAME_SAMPLES}`);
    return this.#api.decode(st, frame, pcm) === 0;
  }

  /**
   * gsm_explode: the 76 coded parameters of a 33-byte frame (LARc[0..7], then for each sub-frame
   * Nc, bc, Mc, xmaxc, xMc[0..12]) into `params` (76 values), without decoding. For tests and
   * analysis. Returns false when the signature is not 0xD.
   */
  explode(frame: Uint8Array, params: Int16Array): boolean {
    const st = this.#live('explode');
    if (frame.length !== GSM_FRAME_BYTES) throw new RangeError(`GsmCodec.explode: input holds ${frame.length} bytes, a frame is ${GSM_FRAME_BYTES}`);
    if (params.length !== GSM_FRAME_PARAMETERS) throw new RangeError(`GsmCodec.explode: output holds ${params.length} values, a frame has ${GSM_FRAME_PARAMETERS}`);
    return this.#api.explode(st, frame, params) === 0;
  }

  /** Frees the native state. Idempotent; later encode/decode calls throw StateError. */
  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    finalizer.unregister(this.#token);
    this.#api.destroy(st);
    liveStates--;
  }

  #live(op: string): GsmState {
    if (this.#st === null) throw new StateError(`GsmCodec.${op}: the codec was destroyed`);
    return this.#st;
  }
}
