/**
 * `mediaweave stream`: one audio call leg from a terminal, like Mediastreamer2's `mediastream`
 * (DESIGN §4). Options come from the option groups in `cli/stream/groups/`.
 */
import { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { AudioStream, type AudioStreamOptions } from '../../streams/audio-stream.js';
import type { AudioStreamReport } from '../../streams/report.js';
import type { CliCommand } from '../command.js';
import { streamOptionGroups } from '../stream/groups/index.js';
import type { ParsedOptions, StreamRunContext } from '../stream/option-group.js';

function fmt(n: number | null, digits = 1): string {
  return n === null ? '-' : n.toFixed(digits);
}

/** One human-readable stats line (DESIGN §4 live stats). */
export function statsLine(r: AudioStreamReport, elapsedS: number, rates: { send: number; recv: number }, extra: string[], warnings: string[]): string {
  const rx = r.received;
  const expected = rx.packets + rx.lost;
  const lossPct = expected > 0 ? (100 * rx.lost) / expected : 0;
  const parts = [
    `[${elapsedS.toFixed(1).padStart(6)} s]`,
    `sent ${r.sent.packets} pkt ${rates.send.toFixed(1)} kbit/s`,
    `| recv ${rx.packets} pkt ${rates.recv.toFixed(1)} kbit/s, lost ${rx.lost} (${lossPct.toFixed(1)} %), late ${rx.late}, dup ${rx.duplicated}, invalid ${rx.invalid}${rx.unknownPt ? `, unknown PT ${rx.unknownPt}` : ''}`,
    `| jitter ${fmt(r.jitterMs)} ms, buffer ${fmt(r.details.jitterBuffer.currentMs, 0)} ms, RTT ${fmt(r.rttMs)} ms`,
    `| quality ${fmt(r.quality, 2)}`,
    ...extra,
  ];
  let line = parts.join(' ');
  if (warnings.length) line += ` | WARNING: ${warnings.join('; ')}`;
  return line;
}

function writeJsonAtomically(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export const streamCommand: CliCommand = {
  register(program: Command): void {
    const cmd = program
      .command('stream')
      .description('run an audio call leg: send a WAV file (or silence) over RTP and record what is received')
      .addHelpText(
        'after',
        `
Examples:
  mediaweave stream --local 20000 --remote 127.0.0.1:20002 --payload pcmu --infile hello.wav --duration 10
  mediaweave stream --local 20002 --outfile out.wav --payload 0 --json report.json   # waits for the peer`,
      );
    for (const g of streamOptionGroups) g.addOptions(cmd);
    cmd.action(async (opts: ParsedOptions) => {
      const warnings: string[] = [];
      const ctx: StreamRunContext = {
        verbose: opts.verbose === true,
        warn: (m) => {
          warnings.push(m);
          process.stderr.write(`mediaweave: warning: ${m}\n`);
        },
        info: (m) => {
          if (opts.verbose === true) process.stderr.write(`mediaweave: ${m}\n`);
        },
      };
      // The core group fills codec; the placeholder satisfies the type until then.
      const config: AudioStreamOptions = { codec: { mime: 'PCMU', clockRate: 8000 } };
      for (const g of streamOptionGroups) await g.configure?.(opts, config, ctx);

      const stream = new AudioStream(config);
      stream.on('warning', (m) => ctx.warn(m));
      stream.on('bye', (reason) => process.stderr.write(`mediaweave: the peer said BYE${reason ? ` (${reason})` : ''}\n`));
      stream.on('remote-changed', (kind, a) => ctx.info(`sending ${kind.toUpperCase()} to ${a.address}:${a.port} (symmetric RTP)`));
      stream.on('eof', () => ctx.info(`${String(opts.infile)}: end of file`));
      for (const g of streamOptionGroups) await g.attach?.(stream, opts, ctx);

      await stream.start();
      process.stderr.write(`mediaweave: streaming ${stream.describe()}\n`);
      const started = performance.now();

      // Live stats (DESIGN §4): one line every --stats seconds.
      const every = (opts.stats as number) ?? 5;
      // Wire bytes (payload + 40 bytes of IP/UDP/RTP headers per packet) at the previous line.
      const wire = (bytes: number, packets: number): number => bytes + 40 * packets;
      let last = { t: started, sent: 0, recv: 0 };
      let pendingWarnings: string[] = [];
      stream.on('warning', (m) => pendingWarnings.push(m));
      const live =
        every > 0
          ? setInterval(() => {
              const r = stream.report();
              const now = performance.now();
              const dt = (now - last.t) / 1000;
              const sent = wire(r.sent.bytes, r.sent.packets);
              const recv = wire(r.received.bytes, r.received.packets);
              const kbps = (d: number): number => (dt > 0 ? (d * 8) / dt / 1000 : 0);
              const rates = { send: kbps(sent - last.sent), recv: kbps(recv - last.recv) };
              const extra = streamOptionGroups.map((g) => g.liveStats?.(stream)).filter((x): x is string => !!x);
              process.stderr.write(`${statsLine(r, (now - started) / 1000, rates, extra, pendingWarnings)}\n`);
              pendingWarnings = [];
              last = { t: now, sent, recv };
            }, every * 1000)
          : undefined;

      // The call ends after --duration, or on SIGINT/SIGTERM (WAV finalised, RTCP BYE sent).
      const reason = await new Promise<string>((resolve) => {
        const onSignal = (sig: NodeJS.Signals): void => resolve(sig);
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if (opts.duration !== undefined) setTimeout(() => resolve('duration'), (opts.duration as number) * 1000);
      });
      if (live) clearInterval(live);
      await stream.stop(reason === 'duration' ? undefined : `stopped by ${reason}`);
      for (const g of streamOptionGroups) await g.finish?.(stream, opts, ctx);
      const report = stream.report();
      if (opts.json !== undefined) writeJsonAtomically(String(opts.json), report);
      const r = report.received;
      process.stderr.write(
        `mediaweave: done (${reason}): sent ${report.sent.packets} packets, received ${r.packets}, lost ${r.lost}, late ${r.late}, ` +
          `jitter ${fmt(report.jitterMs)} ms, RTT ${fmt(report.rttMs)} ms, quality ${fmt(report.quality, 2)}` +
          `${opts.outfile !== undefined ? `; wrote ${String(opts.outfile)}` : ''}${opts.json !== undefined ? `; report in ${String(opts.json)}` : ''}\n`,
      );
      // Sockets and timers are closed; leave promptly even if a peer keeps sending.
      process.exit(0);
    });
  },
};
