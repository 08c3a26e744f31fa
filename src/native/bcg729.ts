/**
 * libbcg729 (Belledonne Communications' G.729 Annex A/B codec) through koffi (DESIGN §5).
 *
 * bcg729 is GPL: it is loaded at run time only where the user installed it (Debian package
 * libbcg729-0), never bundled; mediaweave itself stays MIT.
 *
 * Prototypes are those of <bcg729/encoder.h> and <bcg729/decoder.h> of bcg729 1.1.1 (Debian 12):
 *   bcg729EncoderChannelContextStruct *initBcg729EncoderChannel(uint8_t enableVAD);
 *   void closeBcg729EncoderChannel(bcg729EncoderChannelContextStruct *ctx);
 *   void bcg729Encoder(ctx, const int16_t inputFrame[], uint8_t bitStream[], uint8_t *bitStreamLength);
 *   bcg729DecoderChannelContextStruct *initBcg729DecoderChannel(void);
 *   void closeBcg729DecoderChannel(bcg729DecoderChannelContextStruct *ctx);
 *   void bcg729Decoder(ctx, const uint8_t bitStream[], uint8_t bitStreamLength, uint8_t frameErasureFlag,
 *                      uint8_t SIDFrameFlag, uint8_t rfc3389PayloadFlag, int16_t signal[]);
 * (Versions before 1.0 had a 4-argument decoder and no VAD flag: binding these signatures to such
 * a library would corrupt the stack, so the soname pins the ABI, see LIBBCG729.)
 *
 * One call handles one 10 ms frame: 80 samples in, 10 octets out (2 for a SID frame, 0 for an
 * untransmitted frame when VAD/DTX is on). Decoding with the erasure flag runs G.729's own
 * concealment (§4.4), or, after a SID / untransmitted frame, Annex B comfort noise (G.729 Annex B §B.4).
 *
 * Typed arrays go to C as they are (koffi passes a pointer to their memory for the call, no copy;
 * see speexdsp.ts): the wrappers below keep small reusable arrays and allocate nothing per call.
 */
import { MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

/** Debian's runtime package of bcg729. soname 0 is the 1.x ABI bound here. */
export const LIBBCG729: NativeLibrarySpec = {
  name: 'libbcg729',
  sonames: ['libbcg729.so.0', 'libbcg729.so'],
  debianPackage: 'libbcg729-0',
};

/** Samples in a G.729 frame (10 ms at 8 kHz). */
export const BCG729_FRAME_SAMPLES = 80;
/** Largest frame bcg729 writes (a speech frame). */
export const BCG729_MAX_FRAME_BYTES = 10;

type EncoderCtx = bigint & { readonly __brand: 'bcg729EncoderChannelContextStruct*' };
type DecoderCtx = bigint & { readonly __brand: 'bcg729DecoderChannelContextStruct*' };

interface Bcg729Api {
  initEncoder(enableVad: number): EncoderCtx | null;
  closeEncoder(ctx: EncoderCtx): void;
  encode(ctx: EncoderCtx, input: Int16Array, bitStream: Uint8Array, bitStreamLength: Uint8Array): void;
  initDecoder(): DecoderCtx | null;
  closeDecoder(ctx: DecoderCtx): void;
  decode(ctx: DecoderCtx, bitStream: Uint8Array | null, len: number, erasure: number, sid: number, rfc3389: number, signal: Int16Array): void;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to Bcg729Api's typed
// members is where the C prototypes get their TypeScript types.
const binding = defineBinding<Bcg729Api>(LIBBCG729, (lib) => ({
  initEncoder: lib.func('void *initBcg729EncoderChannel(uint8_t enableVAD)'),
  closeEncoder: lib.func('void closeBcg729EncoderChannel(void *encoderChannelContext)'),
  encode: lib.func('void bcg729Encoder(void *encoderChannelContext, const int16_t *inputFrame, uint8_t *bitStream, uint8_t *bitStreamLength)'),
  initDecoder: lib.func('void *initBcg729DecoderChannel(void)'),
  closeDecoder: lib.func('void closeBcg729DecoderChannel(void *decoderChannelContext)'),
  decode: lib.func(
    'void bcg729Decoder(void *decoderChannelContext, const uint8_t *bitStream, uint8_t bitStreamLength, uint8_t frameErasureFlag, uint8_t SIDFrameFlag, uint8_t rfc3389PayloadFlag, int16_t *signal)',
  ),
}));

/** Whether libbcg729 and its functions are usable here (feature detection for the codec registry). */
export function probeBcg729(): Availability {
  return binding.probe();
}

let liveEncoders = 0;
let liveDecoders = 0;

// Safety nets for states dropped without destroy(): the held value is the pointer and the free
// function only, never the wrapper (which would keep it alive forever).
const encoderFinalizer = new FinalizationRegistry<{ ctx: EncoderCtx; close: (c: EncoderCtx) => void }>((h) => {
  h.close(h.ctx);
  liveEncoders--;
});
const decoderFinalizer = new FinalizationRegistry<{ ctx: DecoderCtx; close: (c: DecoderCtx) => void }>((h) => {
  h.close(h.ctx);
  liveDecoders--;
});

function checkFrame(who: string, pcm: Int16Array): void {
  if (pcm.length !== BCG729_FRAME_SAMPLES) throw new RangeError(`${who}: a G.729 frame is ${BCG729_FRAME_SAMPLES} samples, got ${pcm.length}`);
}

/**
 * One bcg729 encoder channel. `encode()` takes exactly 80 samples and writes 10 octets (speech),
 * 2 (Annex B SID) or 0 (untransmitted, only with VAD on) into `out`, returning the count.
 * Owns native memory: call destroy() (idempotent); a FinalizationRegistry is the safety net.
 */
export class Bcg729Encoder {
  readonly vad: boolean;
  readonly #api: Bcg729Api;
  #ctx: EncoderCtx | null;
  readonly #len = new Uint8Array(1);
  readonly #token = {};

  static get liveCount(): number {
    return liveEncoders;
  }

  /** Throws NativeLibraryError (naming libbcg729-0) when the library is missing. */
  constructor(options: { vad: boolean }) {
    this.#api = binding.get();
    this.vad = options.vad;
    const ctx = this.#api.initEncoder(this.vad ? 1 : 0);
    if (ctx === null) throw new MediaweaveError('ERR_NATIVE_INIT', 'initBcg729EncoderChannel returned NULL (out of memory?)');
    this.#ctx = ctx;
    liveEncoders++;
    encoderFinalizer.register(this, { ctx, close: this.#api.closeEncoder }, this.#token);
  }

  get destroyed(): boolean {
    return this.#ctx === null;
  }

  /** Encodes one 10 ms frame; `out` must hold ≥ 10 octets. Returns the octets written (10, 2 or 0). */
  encode(pcm: Int16Array, out: Uint8Array): number {
    const ctx = this.#live('encode');
    checkFrame('Bcg729Encoder.encode', pcm);
    if (out.length < BCG729_MAX_FRAME_BYTES) throw new RangeError(`Bcg729Encoder.encode: out holds ${out.length} octets, ${BCG729_MAX_FRAME_BYTES} needed`);
    this.#len[0] = 0;
    this.#api.encode(ctx, pcm, out, this.#len);
    return this.#len[0]!;
  }

  destroy(): void {
    const ctx = this.#ctx;
    if (ctx === null) return;
    this.#ctx = null;
    encoderFinalizer.unregister(this.#token);
    this.#api.closeEncoder(ctx);
    liveEncoders--;
  }

  #live(op: string): EncoderCtx {
    if (this.#ctx === null) throw new StateError(`Bcg729Encoder.${op}: the encoder was destroyed`);
    return this.#ctx;
  }
}

/**
 * One bcg729 decoder channel: `decode()` turns a 10-octet frame or a 2-octet SID into 80
 * samples; `conceal()` makes 80 samples for an erased frame (G.729 §4.4 concealment after speech,
 * Annex B comfort noise after a SID or during DTX).
 */
export class Bcg729Decoder {
  readonly #api: Bcg729Api;
  #ctx: DecoderCtx | null;
  readonly #token = {};

  static get liveCount(): number {
    return liveDecoders;
  }

  constructor() {
    this.#api = binding.get();
    const ctx = this.#api.initDecoder();
    if (ctx === null) throw new MediaweaveError('ERR_NATIVE_INIT', 'initBcg729DecoderChannel returned NULL (out of memory?)');
    this.#ctx = ctx;
    liveDecoders++;
    decoderFinalizer.register(this, { ctx, close: this.#api.closeDecoder }, this.#token);
  }

  get destroyed(): boolean {
    return this.#ctx === null;
  }

  /**
   * Decodes one frame: 10 octets (speech) or 2 (SID, Annex B), as the length says; `out` gets 80
   * samples. Other lengths throw RangeError (the payload layer never passes them: bcg729 would
   * read past a short buffer).
   */
  decode(frame: Uint8Array, out: Int16Array): void {
    const ctx = this.#live('decode');
    checkFrame('Bcg729Decoder.decode', out);
    const sid = frame.length === 2 ? 1 : 0;
    if (frame.length !== BCG729_MAX_FRAME_BYTES && sid === 0) {
      throw new RangeError(`Bcg729Decoder.decode: a G.729 frame is 10 octets (2 for a SID), got ${frame.length}`);
    }
    this.#api.decode(ctx, frame, frame.length, 0, sid, 0, out);
  }

  /** 80 samples for an erased or untransmitted frame. */
  conceal(out: Int16Array): void {
    const ctx = this.#live('conceal');
    checkFrame('Bcg729Decoder.conceal', out);
    this.#api.decode(ctx, null, 0, 1, 0, 0, out);
  }

  destroy(): void {
    const ctx = this.#ctx;
    if (ctx === null) return;
    this.#ctx = null;
    decoderFinalizer.unregister(this.#token);
    this.#api.closeDecoder(ctx);
    liveDecoders--;
  }

  #live(op: string): DecoderCtx {
    if (this.#ctx === null) throw new StateError(`Bcg729Decoder.${op}: the decoder was destroyed`);
    return this.#ctx;
  }
}
