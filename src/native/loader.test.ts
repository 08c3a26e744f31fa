import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeLibraryError } from '../core/errors.js';
import { defineBinding, getKoffi, loadLibrary, type NativeLibrarySpec, probeLibrary } from './loader.js';
import { LIBSPEEXDSP } from './speexdsp.js';

const MISSING: NativeLibrarySpec = { name: 'libnotthere', sonames: ['libnotthere.so.9'], debianPackage: 'libnotthere9' };

test('loadLibrary opens libspeexdsp once and caches the handle', () => {
  const a = loadLibrary(LIBSPEEXDSP);
  const b = loadLibrary({ ...LIBSPEEXDSP }); // an equal spec, another object: same cache entry
  assert.equal(a, b);
  assert.equal(typeof a.func, 'function');
  assert.deepEqual(probeLibrary(LIBSPEEXDSP), { available: true });
});

test('a missing library gives NativeLibraryError naming the Debian package', () => {
  assert.throws(
    () => loadLibrary(MISSING),
    (err: unknown) => {
      assert.ok(err instanceof NativeLibraryError);
      assert.equal(err.code, 'ERR_NATIVE_LIBRARY');
      assert.equal(err.library, 'libnotthere');
      assert.equal(err.debianPackage, 'libnotthere9');
      assert.match(err.message, /libnotthere9/);
      assert.match(err.message, /apt-get install libnotthere9/);
      assert.match(err.message, /libnotthere\.so\.9/); // says what was tried
      return true;
    },
  );
});

test('probeLibrary reports a missing library without throwing, with the package in the reason', () => {
  const p = probeLibrary(MISSING);
  assert.equal(p.available, false);
  assert.ok(!p.available && /install the Debian package libnotthere9/.test(p.reason));
});

test('every soname is tried in order; the first that loads wins', () => {
  const lib = loadLibrary({ name: 'libspeexdsp-alt', sonames: ['libnotthere.so.9', 'libspeexdsp.so.1'], debianPackage: 'libspeexdsp1' });
  assert.equal(typeof lib.func, 'function');
  assert.throws(() => loadLibrary({ name: 'x', sonames: [], debianPackage: 'x1' }), NativeLibraryError);
});

test('a failed load is not cached: the same spec is retried on the next call', () => {
  assert.throws(() => loadLibrary(MISSING), NativeLibraryError);
  assert.throws(() => loadLibrary(MISSING), NativeLibraryError);
});

test('defineBinding binds lazily, once, and turns a missing symbol into NativeLibraryError', () => {
  let binds = 0;
  const ok = defineBinding(LIBSPEEXDSP, (lib) => {
    binds++;
    const strerror: (code: number) => string = lib.func('const char *speex_resampler_strerror(int err)');
    return { strerror };
  });
  assert.equal(binds, 0, 'nothing is bound before first use');
  assert.equal(ok.get().strerror(0), 'Success.');
  assert.equal(ok.get(), ok.get());
  assert.equal(binds, 1);
  assert.deepEqual(ok.probe(), { available: true });

  // A library that is there but lacks a function (an older version than we bind against).
  const tooOld = defineBinding(LIBSPEEXDSP, (lib) => ({ f: lib.func('int speex_resampler_no_such_function(void *st)') }));
  assert.throws(() => tooOld.get(), (err: unknown) => err instanceof NativeLibraryError && /libspeexdsp1/.test(err.message) && /too old/.test(err.message));
  const p = tooOld.probe();
  assert.equal(p.available, false);

  // A binding of a missing library fails the same way as loadLibrary.
  const missing = defineBinding(MISSING, () => ({}));
  assert.throws(() => missing.get(), (err: unknown) => err instanceof NativeLibraryError && err.debianPackage === 'libnotthere9');
});

test('getKoffi returns the shared koffi module', () => {
  const k = getKoffi(LIBSPEEXDSP);
  assert.equal(k, getKoffi(LIBSPEEXDSP));
  assert.equal(typeof k.load, 'function');
  assert.equal(k.sizeof('int16_t'), 2);
});
