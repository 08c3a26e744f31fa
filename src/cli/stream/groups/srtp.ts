/**
 * `--srtp*`: SRTP/SRTCP (RFC 3711) with keys given on the command line as base64 master key ‖ salt
 * (the text `mediastream --srtp` and ffmpeg `-srtp_out_params` take; DESIGN §4). The peer gets the
 * two keys swapped. `--srtp` alone generates both keys and prints them.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { AudioStream } from '../../../streams/audio-stream.js';
import { SRTP_SUITE_NAMES, decodeKeySalt, generateKeySalt, getSrtpSuite, isSrtpSuiteName, keyMaterial, masterKeySaltLength, SrtpTransform, type SrtpSuiteName } from '../../../srtp/index.js';
import type { ParsedOptions, StreamOptionGroup, StreamRunContext } from '../option-group.js';

interface SrtpSetup {
  suite: SrtpSuiteName;
  local: Uint8Array;
  remote: Uint8Array;
  transform?: SrtpTransform;
}

/** Per run (keyed by the parsed options object). */
const setups = new WeakMap<ParsedOptions, SrtpSetup>();
const transforms = new WeakMap<AudioStream, SrtpTransform>();

/** How often a continuing authentication failure is repeated as a warning (the first is at once). */
const WARN_REPEAT_MS = 10_000;

function b64(k: Uint8Array): string {
  return Buffer.from(k).toString('base64');
}

function decodeOption(text: unknown, option: string, suite: SrtpSuiteName): Uint8Array {
  try {
    return decodeKeySalt(String(text), suite, option);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const srtpGroup: StreamOptionGroup = {
  name: 'srtp',
  addOptions(cmd: Command): void {
    cmd
      .option('--srtp', 'encrypt with SRTP/SRTCP (alone: generate both keys and print them)')
      .option('--srtp-suite <name>', `SRTP crypto suite: ${SRTP_SUITE_NAMES.join(', ')} (default AES_CM_128_HMAC_SHA1_80)`)
      .option('--srtp-key <base64>', 'our master key‖salt, base64 (30 bytes for AES-128-CM, 46 for AES-256-CM, 28/44 for GCM)')
      .option('--srtp-remote-key <base64>', "the peer's master key‖salt, base64 (its --srtp-key)");
  },
  configure(opts: ParsedOptions, _config, ctx: StreamRunContext): void {
    const on = opts.srtp === true || opts.srtpKey !== undefined || opts.srtpRemoteKey !== undefined || opts.srtpSuite !== undefined;
    if (!on) return;
    const suiteName = (opts.srtpSuite as string | undefined) ?? 'AES_CM_128_HMAC_SHA1_80';
    if (!isSrtpSuiteName(suiteName) || !SRTP_SUITE_NAMES.includes(suiteName)) {
      throw new UsageError(`--srtp-suite: unknown suite "${suiteName}"; expected one of ${SRTP_SUITE_NAMES.join(', ')}`);
    }
    const suite = getSrtpSuite(suiteName);
    const hasLocal = opts.srtpKey !== undefined;
    const hasRemote = opts.srtpRemoteKey !== undefined;
    if (hasLocal !== hasRemote) {
      throw new UsageError(`${hasLocal ? '--srtp-remote-key' : '--srtp-key'} is missing: SRTP needs both keys (or --srtp alone to generate them)`);
    }
    let local: Uint8Array;
    let remote: Uint8Array;
    if (hasLocal) {
      local = decodeOption(opts.srtpKey, '--srtp-key', suiteName);
      remote = decodeOption(opts.srtpRemoteKey, '--srtp-remote-key', suiteName);
    } else {
      local = generateKeySalt(suite);
      remote = generateKeySalt(suite);
      process.stderr.write(
        `mediaweave: SRTP ${suiteName} keys (${masterKeySaltLength(suite)} bytes each): --srtp-key ${b64(local)} --srtp-remote-key ${b64(remote)}\n` +
          `mediaweave: give the peer: --srtp-key ${b64(remote)} --srtp-remote-key ${b64(local)}` +
          `${suiteName === 'AES_CM_128_HMAC_SHA1_80' ? ` (mediastream: --srtp ${b64(remote)} ${b64(local)} as its last options)` : ''}\n`,
      );
    }
    setups.set(opts, { suite: suiteName, local, remote });
    ctx.info(`SRTP ${suiteName}`);
  },
  attach(stream: AudioStream, opts: ParsedOptions, ctx: StreamRunContext): void {
    const s = setups.get(opts);
    if (!s) return;
    let warnedAt = -Infinity;
    let warnedCount = 0;
    const transform = new SrtpTransform({ local: keyMaterial(s.suite, s.local), remote: keyMaterial(s.suite, s.remote) });
    s.transform = transform;
    transforms.set(stream, transform);
    stream.addPacketTransform(transform);
    stream.addReportSection('srtp', () => ({
      suite: s.suite,
      authFailed: transform.stats.authFailed,
      replayed: transform.stats.replayed,
      badIndex: transform.stats.badIndex,
      unprotected: transform.stats.unprotected,
    }));
    // Warn at once on the first failures (within one tick), then again while they continue.
    stream.on('tick', (now) => {
      const n = transform.stats.authFailed;
      if (n > warnedCount && now - warnedAt >= WARN_REPEAT_MS) {
        ctx.warn(`SRTP: ${n} packet${n === 1 ? '' : 's'} failed authentication (wrong --srtp-remote-key or suite?)`);
        warnedAt = now;
        warnedCount = n;
      }
    });
  },
  liveStats(stream: AudioStream): string | undefined {
    const t = transforms.get(stream);
    if (!t) return undefined;
    const st = t.stats;
    return `srtp authFailed ${st.authFailed} replayed ${st.replayed}${st.badIndex ? ` badIndex ${st.badIndex}` : ''}`;
  },
};
