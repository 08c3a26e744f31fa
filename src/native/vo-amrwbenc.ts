/**
 * vo-amrwbenc (VisualOn's AMR-WB encoder, as packaged by opencore-amr) through koffi (DESIGN §5).
 * AMR-WB decoding is opencore-amrwb's (opencore-amr.ts).
 *
 * Prototypes are those of <vo-amrwbenc/enc_if.h> (vo-amrwbenc 0.1.3, Debian 12):
 *   void *E_IF_init(void);
 *   int   E_IF_encode(void *state, int mode, const short *speech, unsigned char *out, int dtx);
 *   void  E_IF_exit(void *state);
 * E_IF_encode takes 320 samples (20 ms at 16 kHz) and writes one frame in the storage format
 * (RFC 4867 §5.3: header octet 0 FT Q 00, then the speech bits padded to an octet), returning
 * its length with the header (61 for 23.85 kbit/s; 6 for a SID; 1 for NO_DATA under DTX). DTX is
 * chosen per call here (opencore-amrnb fixes it at init).
 */
import { MediaweaveError, StateError } from '../core/errors.js';
import { type Availability, defineBinding, type NativeLibrarySpec } from './loader.js';

export const LIBVO_AMRWBENC: NativeLibrarySpec = {
  name: 'libvo-amrwbenc',
  sonames: ['libvo-amrwbenc.so.0', 'libvo-amrwbenc.so'],
  debianPackage: 'libvo-amrwbenc0',
};

/** Samples per AMR-WB frame (20 ms at 16 kHz). */
export const VO_AMRWB_FRAME_SAMPLES = 320;
/** Octets the output buffer must hold (1 header + 60 for mode 8, rounded up). */
export const VO_AMRWB_OUT_BUFFER = 64;

type EncState = bigint & { readonly __brand: 'vo-amrwbenc*' };

interface VoApi {
  init(): EncState | null;
  encode(st: EncState, mode: number, speech: Int16Array, out: Uint8Array, dtx: number): number;
  exit(st: EncState): void;
}

// koffi types bound functions as `(...args: any[]) => any`; assigning them to VoApi's typed
// members is where the C prototypes get their TypeScript types.
const binding = defineBinding<VoApi>(LIBVO_AMRWBENC, (lib) => ({
  init: lib.func('void *E_IF_init(void)'),
  encode: lib.func('int E_IF_encode(void *state, int mode, const int16_t *speech, uint8_t *out, int dtx)'),
  exit: lib.func('void E_IF_exit(void *state)'),
}));

/** Whether libvo-amrwbenc is usable here. */
export function probeVoAmrWbEnc(): Availability {
  return binding.probe();
}

let liveStates = 0;

const finalizer = new FinalizationRegistry<{ st: EncState; exit: (st: EncState) => void }>((h) => {
  h.exit(h.st);
  liveStates--;
});

/** One AMR-WB encoder state. Owns native memory: destroy() (idempotent), FinalizationRegistry as safety net. */
export class AmrWbEncoder {
  dtx: boolean;
  readonly #api: VoApi;
  #st: EncState | null;
  readonly #token = {};

  static get liveCount(): number {
    return liveStates;
  }

  /** Throws NativeLibraryError (naming libvo-amrwbenc0) when the library is missing. */
  constructor(options: { dtx: boolean }) {
    this.#api = binding.get();
    this.dtx = options.dtx;
    const st = this.#api.init();
    if (st === null) throw new MediaweaveError('ERR_NATIVE_INIT', 'E_IF_init returned NULL (out of memory?)');
    this.#st = st;
    liveStates++;
    finalizer.register(this, { st, exit: this.#api.exit }, this.#token);
  }

  get destroyed(): boolean {
    return this.#st === null;
  }

  /** Encodes 320 samples in `mode` (0–8) into `out` (≥ 64 octets); returns the octets written (header included). */
  encode(mode: number, pcm: Int16Array, out: Uint8Array): number {
    const st = this.#st;
    if (st === null) throw new StateError('AmrWbEncoder.encode: the encoder was destroyed');
    if (!Number.isInteger(mode) || mode < 0 || mode > 8) throw new RangeError(`AmrWbEncoder.encode: mode must be 0–8, got ${mode}`);
    if (pcm.length !== VO_AMRWB_FRAME_SAMPLES) throw new RangeError(`AmrWbEncoder.encode: a frame is ${VO_AMRWB_FRAME_SAMPLES} samples, got ${pcm.length}`);
    if (out.length < VO_AMRWB_OUT_BUFFER) throw new RangeError(`AmrWbEncoder.encode: out holds ${out.length} octets, ${VO_AMRWB_OUT_BUFFER} needed`);
    return this.#api.encode(st, mode, pcm, out, this.dtx ? 1 : 0);
  }

  destroy(): void {
    const st = this.#st;
    if (st === null) return;
    this.#st = null;
    finalizer.unregister(this.#token);
    this.#api.exit(st);
    liveStates--;
  }
}
