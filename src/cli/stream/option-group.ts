/**
 * `mediaweave stream` is assembled from option groups (core options, network simulation, and
 * later SRTP, ZRTP, ICE …). A feature adds its options, its effect on the stream configuration,
 * its live-stats fragment and its report section by adding one group to `groups/index.ts`;
 * nothing central switches on option names.
 */
import type { Command } from 'commander';
import type { AudioStream, AudioStreamOptions } from '../../streams/audio-stream.js';

/** Parsed options of the command (commander's camel-cased names). */
export type ParsedOptions = Record<string, unknown>;

/** What groups share while the command runs. */
export interface StreamRunContext {
  /** Prints a warning on stderr at once (and in the next live stats line). */
  warn(message: string): void;
  /** Prints an informational line on stderr. */
  info(message: string): void;
  verbose: boolean;
}

export interface StreamOptionGroup {
  readonly name: string;
  /** Declares the group's options on the command. */
  addOptions(cmd: Command): void;
  /**
   * Fills the stream configuration from the parsed options. Throw UsageError/ConfigError for a bad
   * combination (exit 2). May be async (e.g. to generate keys, gather candidates).
   */
  configure?(opts: ParsedOptions, config: AudioStreamOptions, ctx: StreamRunContext): void | Promise<void>;
  /** Hooks the running stream (events, packet transforms, report sections). Called before start(). */
  attach?(stream: AudioStream, opts: ParsedOptions, ctx: StreamRunContext): void | Promise<void>;
  /** A fragment of the live stats line, or undefined. */
  liveStats?(stream: AudioStream): string | undefined;
  /** Called after the stream stopped (close files, print summaries). */
  finish?(stream: AudioStream, opts: ParsedOptions, ctx: StreamRunContext): void | Promise<void>;
}
