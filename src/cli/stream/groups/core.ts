/** The core options of `mediaweave stream` (DESIGN §4; names follow mediastream). */
import { Option, type Command } from 'commander';
import { isIP } from 'node:net';
import { ConfigError } from '../../../core/errors.js';
import { parsePayloadArg } from '../../../rtp/payload-types.js';
import type { SocketAddress } from '../../../net/udp-transport.js';
import { numberArg, UsageError } from '../../errors.js';
import type { StreamOptionGroup } from '../option-group.js';

/** host:port, [v6]:port; the host must be numeric (no DNS on the media path). */
export function parseHostPort(value: string, option: string): SocketAddress {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  if (!m) throw new UsageError(`${option} ${JSON.stringify(value)}: expected host:port (IPv6 as [addr]:port)`);
  let host = m[1]!;
  if (host === 'localhost') host = '127.0.0.1';
  if (isIP(host) === 0) throw new UsageError(`${option} ${JSON.stringify(value)}: ${host} is not a numeric IP address`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${option} ${JSON.stringify(value)}: port must be 1–65535`);
  return { address: host, port };
}

/** `a=b;c=d` (SDP fmtp syntax) → record. */
export function parseFmtp(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--fmtp ${JSON.stringify(line)}: "${p}" is not name=value`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

export const coreGroup: StreamOptionGroup = {
  name: 'core',
  addOptions(cmd: Command): void {
    cmd
      .requiredOption('--local <port>', 'local RTP port (RTCP on port+1 unless --rtcp-mux); 0 = any', numberArg(0, 65535))
      .option('--local-address <ip>', 'local address to bind (default 0.0.0.0, or :: for an IPv6 remote)')
      .option('--remote <host:port>', 'where to send RTP (RTCP to port+1); learnt from the peer when omitted')
      .option('--payload <pt|name>', 'codec: payload type number or name[/rate[/channels]] (e.g. 0, pcmu, PCMA/8000)', '0')
      .option('--pt <n>', 'payload type number to use for --payload', numberArg(0, 127))
      .option('--infile <a.wav>', 'WAV file to send (any rate; default: silence)')
      .option('--outfile <b.wav>', 'WAV file to write the received audio to')
      .option('--duration <s>', 'end the call after this many seconds (default: until Ctrl-C)', numberArg(0.01, 86400 * 7, true))
      .option('--jitter <ms>', 'nominal jitter buffer delay, 0–5000 ms (default 80, adaptive)', numberArg(0, 5000))
      .option('--no-adaptive-jitter', 'keep the jitter buffer at --jitter instead of following the network')
      .option('--bitrate <bps>', 'encoder bitrate, bit/s', numberArg(1000, 2_000_000))
      .option('--ptime <ms>', 'packet duration, 10–120 ms', numberArg(10, 120))
      .option('--fmtp <line>', 'codec parameters, SDP fmtp syntax (a=b;c=d)')
      .option('--rtcp-mux', 'RTCP on the RTP port (RFC 5761)')
      .option('--no-rtcp', 'send no RTCP')
      .addOption(new Option('--no-avpf', 'do not use AVPF feedback (accepted for mediastream compatibility; AVPF comes later)'))
      .option('--no-symmetric', 'do not switch to the address the peer sends from')
      .option('--vad', 'silence suppression: send RFC 3389 comfort noise instead of silent packets (8 kHz-clock codecs)')
      .option('--rtcp-interval <ms>', 'minimum RTCP interval, 500–60000 ms (default 5000, RFC 3550)', numberArg(500, 60000))
      .option('--stats <s>', 'print a stats line every s seconds on stderr (0 = off)', numberArg(0, 3600, true), 5)
      .option('--json <file>', 'write the final report as JSON to this file')
      .option('--verbose', 'print more about what happens');
  },
  configure(opts, config): void {
    let payload;
    try {
      payload = parsePayloadArg(String(opts.payload), opts.pt !== undefined ? { pt: opts.pt as number } : undefined);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    config.codec = { mime: payload.name, clockRate: payload.clockRate, channels: payload.channels };
    config.payloadType = payload.payloadType;
    config.localPort = opts.local as number;
    if (opts.localAddress !== undefined) {
      const a = String(opts.localAddress);
      if (isIP(a) === 0) throw new UsageError(`--local-address ${JSON.stringify(a)}: not a numeric IP address`);
      config.localAddress = a;
    }
    if (opts.remote !== undefined) config.remote = parseHostPort(String(opts.remote), '--remote');
    if (opts.infile !== undefined) config.input = { kind: 'file', path: String(opts.infile) };
    if (opts.outfile !== undefined) config.output = { kind: 'file', path: String(opts.outfile) };
    if (opts.bitrate !== undefined) config.bitrate = opts.bitrate as number;
    if (opts.ptime !== undefined) config.ptimeMs = opts.ptime as number;
    if (opts.fmtp !== undefined) config.fmtp = parseFmtp(String(opts.fmtp));
    const jitter: NonNullable<typeof config.jitter> = {};
    if (opts.jitter !== undefined) {
      const j = opts.jitter as number;
      jitter.nominalMs = j;
      jitter.minMs = Math.min(j, 40);
      jitter.maxMs = Math.max(j, 1000);
    }
    if (opts.adaptiveJitter === false) jitter.adaptive = false;
    config.jitter = jitter;
    config.rtcp = {
      enabled: opts.rtcp !== false,
      mux: opts.rtcpMux === true,
      ...(opts.rtcpInterval !== undefined ? { minIntervalMs: opts.rtcpInterval as number } : {}),
    };
    config.symmetric = opts.symmetric !== false;
    if (opts.vad === true) config.vad = true;
  },
};
