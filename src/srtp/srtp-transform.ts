/**
 * SRTP as a packet transform of a stream (the `PacketTransform` shape of
 * `streams/audio-stream.ts`, declared structurally here: srtp/ may import only core and rtp).
 *
 * One SRTP + one SRTCP context for our sending key, one pair for the peer's key, created once.
 * Failures are counted (`authFailed`, `replayed`, `badIndex`, `malformed`, `clearDropped`) and the
 * packet dropped; nothing is thrown across the ticker (DESIGN §8).
 *
 * Without a key for a direction (keys may arrive later, e.g. from ZRTP), packets pass in clear
 * unless `mandatory` (default true), which drops them and counts `clearDropped`.
 */
import { SrtcpContext } from './srtcp-context.js';
import { SrtpContext, type SrtpKeyMaterial } from './srtp-context.js';
import type { SrtpSuite } from './suites.js';

export interface SrtpTransformOptions {
  /** Our sending key (protects outgoing RTP/RTCP). */
  local?: SrtpKeyMaterial;
  /** The peer's sending key (unprotects incoming RTP/RTCP). */
  remote?: SrtpKeyMaterial;
  /** Drop clear packets while a direction has no key. Default true. */
  mandatory?: boolean;
  /** Replay window (packets). Default 128. */
  replayWindow?: number;
  /** Called on every failure (for logging/warnings); keep it cheap. */
  onFailure?: (reason: SrtpTransformFailure, kind: 'rtp' | 'rtcp') => void;
}

export type SrtpTransformFailure = 'authFailed' | 'replayed' | 'badIndex' | 'malformed' | 'clearDropped';

export interface SrtpTransformStats {
  authFailed: number;
  replayed: number;
  badIndex: number;
  malformed: number;
  clearDropped: number;
  /** Packets protected / unprotected successfully (RTP + RTCP). */
  protected: number;
  unprotected: number;
}

interface Pair {
  rtp: SrtpContext;
  rtcp: SrtcpContext;
}

export class SrtpTransform {
  readonly name = 'srtp';
  readonly mandatory: boolean;
  readonly stats: SrtpTransformStats = { authFailed: 0, replayed: 0, badIndex: 0, malformed: 0, clearDropped: 0, protected: 0, unprotected: 0 };
  #local: Pair | undefined;
  #remote: Pair | undefined;
  readonly #replayWindow: number | undefined;
  readonly #onFailure: SrtpTransformOptions['onFailure'];

  constructor(o: SrtpTransformOptions = {}) {
    this.mandatory = o.mandatory ?? true;
    this.#replayWindow = o.replayWindow;
    this.#onFailure = o.onFailure;
    if (o.local) this.setLocalKey(o.local);
    if (o.remote) this.setRemoteKey(o.remote);
  }

  #pair(k: SrtpKeyMaterial): Pair {
    const o = { ...k, ...(this.#replayWindow !== undefined ? { replayWindow: this.#replayWindow } : {}) };
    return { rtp: new SrtpContext(o), rtcp: new SrtcpContext(o) };
  }

  /** Sets (or changes) our sending key. */
  setLocalKey(k: SrtpKeyMaterial): void {
    this.#local = this.#pair(k);
  }

  /** Sets (or changes) the peer's key. */
  setRemoteKey(k: SrtpKeyMaterial): void {
    this.#remote = this.#pair(k);
  }

  /** The suite of the outgoing direction (else incoming), or undefined before any key. */
  get suite(): SrtpSuite | undefined {
    return (this.#local ?? this.#remote)?.rtp.suite;
  }

  #count(reason: SrtpTransformFailure, kind: 'rtp' | 'rtcp'): null {
    this.stats[reason]++;
    this.#onFailure?.(reason, kind);
    return null;
  }

  outgoing(data: Uint8Array, kind: 'rtp' | 'rtcp'): Uint8Array | null {
    const p = this.#local;
    if (!p) return this.mandatory ? this.#count('clearDropped', kind) : data;
    const ctx = kind === 'rtp' ? p.rtp : p.rtcp;
    let out: Uint8Array | null;
    try {
      out = ctx.protect(data);
    } catch {
      out = null;
      ctx.lastFailure = 'malformed';
    }
    if (!out) return this.#count(ctx.lastFailure ?? 'malformed', kind);
    this.stats.protected++;
    return out;
  }

  incoming(data: Uint8Array, kind: 'rtp' | 'rtcp'): Uint8Array | null {
    const p = this.#remote;
    if (!p) return this.mandatory ? this.#count('clearDropped', kind) : data;
    const ctx = kind === 'rtp' ? p.rtp : p.rtcp;
    let out: Uint8Array | null;
    try {
      out = ctx.unprotect(data);
    } catch {
      // Defensive: the contexts count rather than throw; never let a packet fault cross the ticker.
      out = null;
      ctx.lastFailure = 'malformed';
    }
    if (!out) return this.#count(ctx.lastFailure ?? 'malformed', kind);
    this.stats.unprotected++;
    return out;
  }
}
