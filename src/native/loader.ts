/**
 * Loading C libraries through koffi, and feature detection (DESIGN §3, §5).
 *
 * Every binding file in `native/` (speexdsp.ts, later opus.ts, gsm.ts, bcg729.ts …) follows the
 * same pattern:
 *
 * ```ts
 * export const LIBOPUS: NativeLibrarySpec = { name: 'libopus', sonames: ['libopus.so.0', 'libopus.so'], debianPackage: 'libopus0' };
 * const opus = defineBinding(LIBOPUS, (lib) => ({
 *   encoderCreate: lib.func('void *opus_encoder_create(int32_t fs, int channels, int application, _Out_ int *error)') as (…) => bigint | null,
 *   …
 * }));
 * export function probeOpus(): Availability { return opus.probe(); }     // for the codec registry
 * export class OpusEncoder { constructor() { const api = opus.get(); … } } // throws NativeLibraryError
 * ```
 *
 * - The library is opened once per process (cached by spec), functions are bound once per
 *   binding; a library that is missing, or too old to have a symbol we bind, gives a
 *   NativeLibraryError naming the Debian package, never a raw dlopen message alone.
 * - koffi itself is loaded lazily, on the first `loadLibrary`/`probeLibrary`: importing a
 *   binding file never fails, so the pure-TypeScript parts of the engine (G.711, RTP …) keep
 *   working on a machine where koffi's prebuilt addon is missing, and `mediaweave codecs` can say
 *   why the native codecs are not there instead of crashing at import time.
 * - Prototypes are written in koffi's C-like syntax, copied from the library's header so a
 *   reviewer can diff them against it. Opaque state pointers are declared `void *` rather than as
 *   named koffi types: koffi 3 pointers are plain BigInts that carry no C type anyway, and named
 *   types live in a process-wide koffi registry where a second declaration (a retried bind, two
 *   files naming the same type) throws.
 */
import { createRequire } from 'node:module';
import type koffiModule from 'koffi';
import type { LibraryHandle } from 'koffi';
import { NativeLibraryError } from '../core/errors.js';

/** The koffi module (its default export). */
export type Koffi = typeof koffiModule;
/** An opened shared library: `lib.func('int f(int x)')` binds a function. */
export type NativeLibrary = LibraryHandle;

/** Where to find a C library and what to tell the user when it is missing. */
export interface NativeLibrarySpec {
  /** Library name for messages, e.g. 'libspeexdsp'. */
  readonly name: string;
  /**
   * File names (or paths) passed to dlopen, tried in order. Put the versioned soname first: it
   * is what Debian's runtime package installs (the unversioned `.so` only comes with `-dev`), and
   * it pins the ABI we bound against.
   */
  readonly sonames: readonly string[];
  /** Debian package that installs the runtime library, e.g. 'libspeexdsp1'. */
  readonly debianPackage: string;
}

/** Result of feature detection; `reason` is the NativeLibraryError message (names the package). */
export type Availability = { readonly available: true } | { readonly available: false; readonly reason: string };

const requireCjs = createRequire(import.meta.url);
let koffiInstance: Koffi | undefined;
let koffiFailure: string | undefined;

/**
 * The koffi module, loaded on first use, for koffi helpers (`koffi.alloc`, `koffi.view` …) so that
 * the whole engine shares one lazily loaded instance. If koffi's native addon cannot be loaded it
 * throws NativeLibraryError for `spec`, the library the caller was about to use, with the cause.
 */
export function getKoffi(spec: NativeLibrarySpec): Koffi {
  if (koffiInstance) return koffiInstance;
  if (koffiFailure === undefined) {
    try {
      // require (not a static import) keeps the load lazy and synchronous; it resolves koffi's
      // CommonJS entry, which shares the native addon with its ESM entry through require's cache.
      koffiInstance = requireCjs('koffi') as Koffi;
      return koffiInstance;
    } catch (err) {
      koffiFailure = err instanceof Error ? err.message : String(err);
    }
  }
  const detail = `the koffi FFI module failed to load: ${koffiFailure}; reinstall the npm dependencies with npm ci`;
  throw new NativeLibraryError(spec.name, spec.debianPackage, detail);
}

const libraries = new Map<string, NativeLibrary>();

function cacheKey(spec: NativeLibrarySpec): string {
  return `${spec.name}\u0000${spec.sonames.join('\u0000')}`;
}

/** First line of a dlopen error, without koffi's prefix, for a short message. */
function dlopenReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/^Failed to load shared library:\s*/i, '').split('\n')[0]!.trim();
}

/**
 * Opens the library (first soname that loads), once per process. Throws NativeLibraryError naming
 * `spec.debianPackage` and what each soname gave. Failures are not cached: installing the package
 * while the process runs makes the next call succeed.
 */
export function loadLibrary(spec: NativeLibrarySpec): NativeLibrary {
  const key = cacheKey(spec);
  const cached = libraries.get(key);
  if (cached) return cached;
  if (spec.sonames.length === 0) throw new NativeLibraryError(spec.name, spec.debianPackage, 'no file name to load was given');
  const koffi = getKoffi(spec);
  const tried: string[] = [];
  for (const soname of spec.sonames) {
    try {
      const lib = koffi.load(soname);
      libraries.set(key, lib);
      return lib;
    } catch (err) {
      tried.push(`${soname}: ${dlopenReason(err)}`);
    }
  }
  throw new NativeLibraryError(spec.name, spec.debianPackage, `tried ${tried.join('; ')}`);
}

/** Feature detection: whether `spec` loads, without throwing. */
export function probeLibrary(spec: NativeLibrarySpec): Availability {
  try {
    loadLibrary(spec);
    return { available: true };
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** A set of functions bound from one library, loaded and bound on first use. */
export interface NativeBinding<T> {
  readonly spec: NativeLibrarySpec;
  /** The bound functions; throws NativeLibraryError when the library or a symbol is missing. */
  get(): T;
  /** Feature detection: the library loads and every symbol of this binding is there. */
  probe(): Availability;
}

/**
 * Declares a binding: `bind` receives the opened library (and koffi) and returns the typed
 * functions. It runs once; a symbol missing from the library (a version too old) becomes a
 * NativeLibraryError naming the package, so probing catches it as well as a missing file.
 * Several bindings may share one library (libspeexdsp: resampler now, echo canceller later),
 * each binding only what it uses.
 */
export function defineBinding<T>(spec: NativeLibrarySpec, bind: (lib: NativeLibrary, koffi: Koffi) => T): NativeBinding<T> {
  let bound: T | undefined;
  const get = (): T => {
    if (bound !== undefined) return bound;
    const lib = loadLibrary(spec);
    try {
      bound = bind(lib, getKoffi(spec));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new NativeLibraryError(spec.name, spec.debianPackage, `binding failed, the installed version may be too old: ${msg}`);
    }
    return bound;
  };
  return {
    spec,
    get,
    probe(): Availability {
      try {
        get();
        return { available: true };
      } catch (err) {
        return { available: false, reason: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
