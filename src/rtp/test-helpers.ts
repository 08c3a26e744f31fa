/**
 * Test-only helpers for the RTP/RTCP vector tests: loading the pion vectors from the shared
 * material, hex conversion, and a runner that checks every case of a vector section against an
 * expectation table (and fails if any case is left unchecked).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { ParseError } from '../core/errors.js';
import { sharedFile } from '../test-support/shared.js';

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex: ${s}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** One case of pion_rtcp_cases.json. */
export interface PionCase {
  name: string;
  field: string;
  hex: string;
  len: number;
  want_go: string | null;
  want_error: string | null;
}

/** Loads a vector file of shared/vectors/rtp_rtcp (or skips the test loudly when missing). */
export function loadVectorFile<T>(t: TestContext, file: string): T | undefined {
  const p = sharedFile(t, 'vectors', 'rtp_rtcp', file);
  if (!p) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

/** The cases of one section (source test file) of pion_rtcp_cases.json. */
export function pionSection(t: TestContext, section: string): PionCase[] | undefined {
  const all = loadVectorFile<Record<string, PionCase[]>>(t, 'pion_rtcp_cases.json');
  if (!all) return undefined;
  const cases = all[section];
  assert.ok(Array.isArray(cases), `section ${section} missing from pion_rtcp_cases.json`);
  return cases;
}

/** A copy of an RTCP packet with its length field set to match the buffer (for pion's byte-count lengths). */
export function withFixedLength(b: Uint8Array): Uint8Array {
  const c = Uint8Array.from(b);
  const words = c.length / 4 - 1;
  c[2] = words >> 8;
  c[3] = words & 0xff;
  return c;
}

export function assertParseError(fn: () => unknown, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, `${what}: expected ParseError, got ${String(e)}`);
    return true;
  }, `${what}: expected a ParseError`);
}

/** What a case must do. Every case of a section has exactly one entry, in file order. */
export type Expect<T> =
  /** Parses to `want`; serialises back to the same bytes, or to `canonical` (with the reason) when the vector is not in canonical form. */
  | { name: string; kind: 'ok'; want: T; canonical?: { hex: string; why: string }; parse?: (b: Uint8Array) => T; serialize?: (p: T) => Uint8Array }
  /**
   * The vector's length field counts something else than RFC 3550 §6.4.1's words-minus-one
   * (pion's parser ignores it): rejected as is; with the length field corrected the packet
   * parses to `want` and round-trips exactly.
   */
  | { name: string; kind: 'pion-length'; want: T }
  /** Rejected with ParseError; with `fixedLengthToo` the length-corrected bytes are rejected as well (so the rejection is not only about the length). */
  | { name: string; kind: 'error'; fixedLengthToo?: boolean }
  /** Not a wire packet (an inner byte slice or a sub-structure): checked by `check`. */
  | { name: string; kind: 'other'; why: string; check: (b: Uint8Array, all: PionCase[]) => void };

/**
 * Runs every case of a section through its expectation. `parse`/`serialize` are the packet
 * type's functions. Returns the number of cases checked, asserted equal to the section size.
 */
export function runSection<T>(cases: PionCase[], expects: Expect<T>[], parse: (b: Uint8Array) => T, serialize: (p: T) => Uint8Array): number {
  assert.equal(expects.length, cases.length, 'one expectation per vector case');
  let checked = 0;
  cases.forEach((c, i) => {
    const e = expects[i];
    const label = `case ${i} "${c.name}"`;
    assert.equal(c.name, e.name, `${label}: expectation table out of step (has "${e.name}")`);
    const b = hex(c.hex);
    assert.equal(b.length, c.len, `${label}: hex length`);
    switch (e.kind) {
      case 'ok': {
        assert.equal(c.want_error === null || c.want_error === 'nil', true, `${label}: the vector expects an error (${c.want_error})`);
        const p = (e.parse ?? parse)(b);
        assert.deepStrictEqual(p, e.want, `${label}: parsed fields`);
        const out = (e.serialize ?? serialize)(p);
        if (e.canonical) {
          assert.equal(toHex(out), e.canonical.hex, `${label}: canonical serialisation (${e.canonical.why})`);
          assert.deepStrictEqual((e.parse ?? parse)(out), e.want, `${label}: canonical form parses to the same fields`);
        } else assert.equal(toHex(out), c.hex, `${label}: byte-exact round trip`);
        break;
      }
      case 'pion-length': {
        assert.equal(c.want_error === null || c.want_error === 'nil', true, `${label}: the vector expects an error (${c.want_error})`);
        assert.notEqual(((b[2] << 8) | b[3]) + 1, b.length / 4, `${label}: length field is actually right`);
        assertParseError(() => parse(b), `${label} as is`);
        const fixed = withFixedLength(b);
        const p = parse(fixed);
        assert.deepStrictEqual(p, e.want, `${label}: parsed fields (length corrected)`);
        assert.equal(toHex(serialize(p)), toHex(fixed), `${label}: byte-exact round trip (length corrected)`);
        break;
      }
      case 'error':
        assert.ok(c.want_error !== null && c.want_error !== 'nil', `${label}: the vector expects success`);
        assertParseError(() => parse(b), label);
        if (e.fixedLengthToo) {
          assert.equal(b.length % 4, 0, `${label}: cannot correct the length of ${b.length} bytes`);
          assertParseError(() => parse(withFixedLength(b)), `${label} (length corrected)`);
        }
        break;
      case 'other':
        e.check(b, cases);
        break;
    }
    checked++;
  });
  assert.equal(checked, cases.length, 'every case checked');
  return checked;
}
