/** `mediaweave codecs`: the codecs and payload types registered here, and why any is missing. */
import type { Command } from 'commander';
import { defaultRegistry } from '../../core/registry.js';
import { registerBuiltinCodecs } from '../../codecs/builtin.js';
import type { CliCommand } from '../command.js';

export const codecsCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('codecs')
      .description('list the codecs and payload types available here, and why any is missing')
      .option('--json', 'print the list as JSON')
      .action((opts: { json?: boolean }) => {
        registerBuiltinCodecs(defaultRegistry);
        const entries = defaultRegistry.listCodecs();
        if (opts.json) {
          const rows = entries.map((e) => ({
            mime: e.codec.mime,
            clockRate: e.codec.clockRate,
            channels: e.codec.channels,
            sampleRate: e.codec.sampleRate,
            payloadType: e.codec.staticPayloadType ?? e.codec.defaultPayloadType ?? null,
            static: e.codec.staticPayloadType !== undefined,
            bitrates: e.codec.bitrates,
            available: e.available,
            reason: e.reason ?? null,
            library: e.codec.library ?? null,
          }));
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const header = ['PT', 'codec', 'clock', 'ch', 'bitrate', 'status'];
        const rows = entries.map((e) => [
          String(e.codec.staticPayloadType ?? e.codec.defaultPayloadType ?? '-') + (e.codec.staticPayloadType === undefined ? ' (dyn)' : ''),
          e.codec.mime,
          String(e.codec.clockRate),
          String(e.codec.channels),
          e.codec.bitrates,
          e.available ? `ok${e.codec.library ? ` (${e.codec.library.name})` : ' (built in)'}` : `missing: ${e.reason ?? 'unknown'}`,
        ]);
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
        process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
        const missing = entries.filter((e) => !e.available).length;
        process.stdout.write(`\n${entries.length - missing} codecs available${missing ? `, ${missing} missing (install the packages named above)` : ''}\n`);
      });
  },
};
