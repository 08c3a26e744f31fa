/**
 * Replays Mediastreamer2's RTP captures into our jitter buffer and prints our figures beside
 * Mediastreamer2's (the reference numbers in ../shared/data/ms2/PROVENANCE.md).
 *
 *   node --import tsx bench/jitter-replay.ts [--json]
 *
 * Writes nothing but stdout. The replay runs on a virtual clock: each datagram is `put` at its
 * recorded capture time, and a simulated decoder `pull`s every 10 ms, as the receiving
 * ticker would; a 142 s capture replays in a fraction of a second, the same way every time.
 *
 * Figures (per capture):
 * - received: RTP packets of the stream (version 2, the expected payload type), duplicates excluded;
 * - late: arrived after their playout instant (dropped); lost: never arrived (concealed);
 * - skipped: dropped in time to bring the delay down; oRTP counts such drops in `outoftime`
 *   too, so `late + skipped` is the figure comparable with Mediastreamer2's "late";
 * - mean delay: average over played packets of (instant its first sample is output − arrival);
 * - mean queue span: oRTP's own "jitter buffer" measure (newest − oldest queued timestamp,
 *   sampled at each enqueue), the one `mediastream` reports as "mean jitter buffer".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readUdpDatagrams, type UdpDatagram } from '../src/files/pcap-reader.js';
import { JitterBuffer, type JitterBufferOptions, type JitterInput } from '../src/rtp/jitter-buffer.js';
import { sharedPath } from '../src/test-support/shared.js';

/** One capture of ../shared/data/ms2/scenarios and Mediastreamer2's figures for it. */
export interface Scenario {
  file: string;
  payloadType: number;
  clockRate: number;
  codec: 'pcmu' | 'opus';
  /** Mediastreamer2 tester: jitter buffer min 40 / nominal 80 / max 1000, bands on `outoftime`. */
  ms2Bands: { received: number; basic: [number, number]; rls: [number, number] };
  /** `mediastream` 5.1 with the tool's defaults (adaptive, --jitter 50, max 500), real-time replay. */
  mediastream: { received: number; late: number; lost: number; meanJitterBufferMs: number } | undefined;
}

export const SCENARIOS: Scenario[] = [
  {
    file: 'pcmu_8k_no_jitter.pcap',
    payloadType: 0,
    clockRate: 8000,
    codec: 'pcmu',
    ms2Bands: { received: 2524, basic: [0, 2], rls: [0, 2] },
    mediastream: { received: 2524, late: 0, lost: 0, meanJitterBufferMs: 53 },
  },
  {
    file: 'rtp-60late-500total.pcapng',
    payloadType: 124,
    clockRate: 48000,
    codec: 'opus',
    ms2Bands: { received: 404, basic: [NaN, NaN], rls: [NaN, NaN] },
    mediastream: { received: 404, late: 0, lost: 0, meanJitterBufferMs: 584 },
  },
  {
    file: 'rtp-120late-1000total.pcapng',
    payloadType: 124,
    clockRate: 48000,
    codec: 'opus',
    ms2Bands: { received: 904, basic: [NaN, NaN], rls: [NaN, NaN] },
    mediastream: { received: 904, late: 0, lost: 0, meanJitterBufferMs: 485 },
  },
  {
    file: 'rtp-534late-24loss-7000total.pcapng',
    payloadType: 124,
    clockRate: 48000,
    codec: 'opus',
    ms2Bands: { received: 7108, basic: [580, 690], rls: [190, 240] },
    mediastream: { received: 7108, late: 4, lost: 24, meanJitterBufferMs: 479 },
  },
  {
    file: 'opus-poor-quality.pcapng',
    payloadType: 124,
    clockRate: 48000,
    codec: 'opus',
    ms2Bands: { received: 4228, basic: [200, 250], rls: [290, 400] },
    mediastream: { received: 4228, late: 0, lost: 1, meanJitterBufferMs: 493 },
  },
];

/** The bounds Mediastreamer2's own tests use. */
export const MS2_TEST_BOUNDS: Omit<JitterBufferOptions, 'clockRate'> = { minMs: 40, nominalMs: 80, maxMs: 1000 };

export interface ReplayFigures {
  datagrams: number;
  received: number;
  late: number;
  lost: number;
  duplicated: number;
  skipped: number;
  discarded: number;
  delivered: number;
  meanDelayMs: number;
  meanQueueSpanMs: number;
  concealedMs: number;
  silenceMs: number;
  /** Packets received but never played: late + skipped + discarded (oRTP's `outoftime` + `discarded`). */
  notPlayed: number;
}

interface RtpLite extends JitterInput {
  version: number;
}

/** Minimal RTP header read (RFC 3550 §5.1): enough for the buffer; undefined if not RTP. */
export function parseRtpHeader(b: Uint8Array): RtpLite | undefined {
  if (b.length < 12 || b[0] >> 6 !== 2) return undefined;
  const cc = b[0] & 0x0f;
  let off = 12 + 4 * cc;
  if (b[0] & 0x10) {
    if (b.length < off + 4) return undefined;
    off += 4 + 4 * ((b[off + 2] << 8) | b[off + 3]);
  }
  let end = b.length;
  if (b[0] & 0x20) end -= b[b.length - 1];
  if (off > end) return undefined;
  return {
    version: 2,
    marker: (b[1] & 0x80) !== 0,
    payloadType: b[1] & 0x7f,
    sequenceNumber: (b[2] << 8) | b[3],
    timestamp: ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0,
    ssrc: ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) >>> 0,
    payload: b.subarray(off, end),
  };
}

/**
 * Samples (at 48 kHz) in an Opus packet, from its TOC byte (RFC 6716 §3.1): the frame size of
 * the configuration times the frame count (code 0: 1, codes 1 and 2: 2, code 3: the count in
 * the second byte). What an Opus depacketiser tells the jitter buffer; needed here because the
 * Opus captures change their packetisation (20 to 120 ms per packet) without silence between.
 */
export function opusDurationTs(payload: Uint8Array): number | undefined {
  if (payload.length < 1) return undefined;
  const toc = payload[0];
  const config = toc >> 3;
  let frame: number;
  if (config < 12) frame = [480, 960, 1920, 2880][config & 3]; // SILK: 10, 20, 40, 60 ms
  else if (config < 16) frame = [480, 960][config & 1]; // hybrid: 10, 20 ms
  else frame = [120, 240, 480, 960][config & 3]; // CELT: 2.5, 5, 10, 20 ms
  const code = toc & 3;
  let count = code === 0 ? 1 : 2;
  if (code === 3) {
    if (payload.length < 2) return undefined;
    count = payload[1] & 0x3f;
  }
  return frame * count;
}

/**
 * Feeds the datagrams (already filtered to one flow) into a fresh buffer at their recorded
 * times while a receiver pulls every `tickMs`, then drains. Virtual time only.
 */
export function replay(
  datagrams: readonly UdpDatagram[],
  payloadType: number,
  options: JitterBufferOptions,
  how: {
    /** 'opus': packet durations from the TOC byte, as the Opus depacketiser would give them. */
    codec?: 'pcmu' | 'opus';
    /** Receiver tick, ms. Default 10. */
    tickMs?: number;
    /** Added to every RTP timestamp (Mediastreamer2's tester uses 0x7ffffffc to cross wraps). */
    tsOffset?: number;
  } = {},
): ReplayFigures {
  const tickMs = how.tickMs ?? 10;
  const jb = new JitterBuffer<RtpLite>(options);
  const packets: { t: number; p: RtpLite }[] = [];
  for (const d of datagrams) {
    const p = parseRtpHeader(d.payload);
    if (!p || p.payloadType !== payloadType) continue;
    if (how.codec === 'opus') p.durationTs = opusDurationTs(p.payload);
    if (how.tsOffset) p.timestamp = (p.timestamp + how.tsOffset) >>> 0;
    packets.push({ t: d.timeMs, p });
  }
  if (packets.length === 0) throw new Error('no RTP packet of the expected payload type in the capture');
  const t0 = packets[0].t;
  const end = packets[packets.length - 1].t + (options.maxMs ?? 1000) + 500;
  let i = 0;
  // The ticker starts with the first packet; pulls happen at t0 + k·tick.
  for (let now = t0 + tickMs; now <= end; now += tickMs) {
    while (i < packets.length && packets[i].t <= now) {
      jb.put(packets[i].p, packets[i].t);
      i++;
    }
    jb.pull(now);
  }
  const s = jb.getStats();
  return {
    datagrams: datagrams.length,
    received: s.received,
    late: s.late,
    lost: s.lost,
    duplicated: s.duplicated,
    skipped: s.skipped,
    discarded: s.discarded,
    delivered: s.delivered,
    meanDelayMs: s.meanDelayMs,
    meanQueueSpanMs: s.meanQueueSpanMs,
    concealedMs: s.concealedMs.loss + s.concealedMs.underrun,
    silenceMs: s.silenceMs,
    notPlayed: s.late + s.skipped + s.discarded,
  };
}

/** Reads a capture and returns its UDP datagrams. */
export function loadCapture(path: string): UdpDatagram[] {
  const bytes = readFileSync(path);
  return readUdpDatagrams(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: path }).datagrams;
}

export interface ScenarioResult {
  scenario: Scenario;
  /** With Mediastreamer2's test bounds (min 40 / nominal 80 / max 1000). */
  ms2Bounds: ReplayFigures;
  /** With our defaults (today the same bounds: see JitterBufferOptions). */
  defaults: ReplayFigures;
}

/** Runs one scenario with Mediastreamer2's test bounds and with our defaults. */
export function runScenario(scenario: Scenario, path: string): ScenarioResult {
  const dgs = loadCapture(path);
  return {
    scenario,
    ms2Bounds: replay(dgs, scenario.payloadType, { clockRate: scenario.clockRate, ...MS2_TEST_BOUNDS }, { codec: scenario.codec }),
    defaults: replay(dgs, scenario.payloadType, { clockRate: scenario.clockRate }, { codec: scenario.codec }),
  };
}

/** Runs every scenario found in `dir`. */
export function runAll(dir = sharedPath('data', 'ms2', 'scenarios')): ScenarioResult[] {
  return SCENARIOS.map((scenario) => runScenario(scenario, join(dir, scenario.file)));
}

function fmt(n: number): string {
  return Number.isNaN(n) ? '—' : String(Math.round(n));
}

function band(b: [number, number]): string {
  return Number.isNaN(b[0]) ? '—' : `${b[0]}–${b[1]}`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
}

/** Section A: against the bands of Mediastreamer2's tester (same bounds). */
export function formatMs2Table(results: ScenarioResult[]): string {
  const w = [36, 5, 5, 5, 6, 5, 6, 6, 10, 10];
  const lines = [
    'A. Bounds of Mediastreamer2\'s tests (min 40 / nominal 80 / max 1000 ms). ms2 figures: its tester\'s bands on `outoftime`.',
    pad(['capture', 'recv', 'late', 'skip', 'l+s', 'lost', 'delay', 'qspan', 'ms2 basic', 'ms2 RLS'], w),
  ];
  for (const r of results) {
    const f = r.ms2Bounds;
    const b = r.scenario.ms2Bands;
    lines.push(
      pad(
        [r.scenario.file, String(f.received), String(f.late), String(f.skipped), String(f.late + f.skipped), String(f.lost), fmt(f.meanDelayMs), fmt(f.meanQueueSpanMs), band(b.basic), band(b.rls)],
        w,
      ),
    );
  }
  return lines.join('\n');
}

/** Section B: our defaults against `mediastream`'s own end-of-call figures. */
export function formatMediastreamTable(results: ScenarioResult[]): string {
  const w = [36, 5, 5, 5, 6, 6, 9, 8, 9];
  const lines = [
    'B. Our defaults vs mediastream 5.1 (--jitter 50, adaptive, max 500; its "mean jitter buffer" is oRTP\'s queue span).',
    pad(['capture', 'late', 'skip', 'lost', 'delay', 'qspan', 'ms late', 'ms lost', 'ms jb ms'], w),
  ];
  for (const r of results) {
    const f = r.defaults;
    const m = r.scenario.mediastream;
    lines.push(
      pad(
        [r.scenario.file, String(f.late), String(f.skipped), String(f.lost), fmt(f.meanDelayMs), fmt(f.meanQueueSpanMs), m ? String(m.late) : '—', m ? String(m.lost) : '—', m ? String(m.meanJitterBufferMs) : '—'],
        w,
      ),
    );
  }
  return lines.join('\n');
}

/** Section C: the drop/delay trade-off of the descent, on the two long bursty captures. */
export function formatTradeoff(dir = sharedPath('data', 'ms2', 'scenarios')): string {
  const settings: { label: string; opts: Partial<JitterBufferOptions> }[] = [
    { label: 'linear 20 ms/s only', opts: { rampDownTimeConstantMs: 0 } },
    { label: 'time constant 20 s', opts: { rampDownTimeConstantMs: 20_000 } },
    { label: 'time constant 10 s', opts: { rampDownTimeConstantMs: 10_000 } },
    { label: 'time constant 5 s', opts: { rampDownTimeConstantMs: 5_000 } },
    { label: 'time constant 4 s (default)', opts: {} },
    { label: 'time constant 2 s', opts: { rampDownTimeConstantMs: 2_000 } },
    { label: 'fixed 80 ms (adaptive false)', opts: { adaptive: false } },
  ];
  const picks = SCENARIOS.filter((s) => s.file.startsWith('rtp-534') || s.file.startsWith('opus'));
  const loaded = picks.map((s) => ({ s, dgs: loadCapture(join(dir, s.file)) }));
  const w = [30, 22, 22];
  const lines = [
    'C. Descent of the target: packets not played (late+skip) / mean delay ms, defaults otherwise.',
    pad(['setting', ...picks.map((p) => p.file.replace(/\.pcapng?$/, ''))], w),
  ];
  for (const st of settings) {
    const cells = loaded.map(({ s, dgs }) => {
      const f = replay(dgs, s.payloadType, { clockRate: s.clockRate, ...st.opts }, { codec: s.codec });
      return `${f.late + f.skipped} / ${fmt(f.meanDelayMs)}`;
    });
    lines.push(pad([st.label, ...cells], w));
  }
  return lines.join('\n');
}

export const LEGEND = [
  'Replay: each datagram put at its capture time, a receiver pulling every 10 ms (virtual clock).',
  'late: arrived after its playout instant (dropped). skip: dropped in time to bring the delay down.',
  'l+s = late + skip: what oRTP counts as `outoftime` (it drops such packets in rtp_getq), hence the',
  'figure to hold against Mediastreamer2\'s tester bands. lost: never arrived.',
  'delay: mean over played packets of (output instant of its first sample - arrival), ms.',
  'qspan: oRTP\'s own measure (newest - oldest queued timestamp at each enqueue), ms.',
].join('\n');

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const dir = sharedPath('data', 'ms2', 'scenarios');
  try {
    const results = runAll(dir);
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(results.map((r) => ({ file: r.scenario.file, ms2Bounds: r.ms2Bounds, defaults: r.defaults })), null, 2));
    } else {
      console.log([LEGEND, '', formatMs2Table(results), '', formatMediastreamTable(results), '', formatTradeoff(dir)].join('\n'));
    }
  } catch (err) {
    console.error(`jitter-replay: cannot replay the captures in ${dir}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
