/**
 * The stream report of DESIGN §4 (`mediaweave stream --json`): every field present, a number or
 * null when unknown; names never change, fields may be added.
 */
import type { JitterBufferStats } from '../rtp/jitter-buffer.js';
import type { RtpSessionStats } from '../rtp/session.js';

/** Counters the stream keeps itself. */
export interface StreamCounters {
  /** RTP packets of the source with a payload type we do not decode (DESIGN §4). */
  unknownPt: number;
  /** Packets a transform (SRTP …) refused. */
  transformDropped: number;
  /** Packets not sent because no remote address is known yet. */
  notSent: number;
  /** Comfort-noise packets received (RFC 3389). */
  cn: number;
}

export interface AudioStreamReport {
  sent: { packets: number; bytes: number };
  received: {
    packets: number;
    bytes: number;
    lost: number;
    late: number;
    duplicated: number;
    invalid: number;
    unknownPt: number;
  };
  decoder: { errors: number; concealedMs: number };
  jitterMs: number | null;
  rttMs: number | null;
  jitterBufferMs: number | null;
  bitrateKbps: { send: number | null; recv: number | null };
  quality: number | null;
  /** Extra detail (not part of the DESIGN contract, may grow). */
  details: {
    durationS: number;
    rtcp: { sent: number; received: number; invalid: number };
    jitterBuffer: { targetMs: number; currentMs: number; skipped: number; discarded: number; underruns: number };
    remoteSsrc: number | null;
    remoteCname: string | null;
    otherSsrc: number;
    notSent: number;
    transformDropped: number;
  };
  [section: string]: unknown;
}

/** IPv4 + UDP header bytes, counted with RTP for "on the wire" bitrates. */
const IP_UDP_OVERHEAD = 28;

export interface ReportInput {
  session: RtpSessionStats;
  jitter: JitterBufferStats;
  counters: StreamCounters;
  demuxInvalid: number;
  decoderErrors: number;
  concealedMs: number;
  quality: number | null;
  durationS: number;
  sections: Record<string, unknown>;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function buildReport(i: ReportInput): AudioStreamReport {
  const s = i.session;
  const jb = i.jitter;
  const wire = (packets: number, octets: number): number | null =>
    i.durationS > 0 ? round(((octets + packets * IP_UDP_OVERHEAD) * 8) / i.durationS / 1000) : null;
  return {
    sent: { packets: s.sent.packets, bytes: s.sent.bytes },
    received: {
      packets: s.received.packets,
      bytes: s.received.bytes,
      lost: Math.max(0, s.received.lost),
      late: jb.late,
      duplicated: s.received.duplicated,
      invalid: s.received.invalid + s.rtcp.invalid + i.demuxInvalid,
      unknownPt: i.counters.unknownPt,
    },
    decoder: { errors: i.decoderErrors, concealedMs: round(i.concealedMs, 1) },
    jitterMs: s.jitterMs === null ? null : round(s.jitterMs),
    rttMs: s.rttMs === null ? null : round(s.rttMs),
    jitterBufferMs: jb.delivered > 0 ? round(jb.meanDelayMs, 1) : null,
    bitrateKbps: { send: wire(s.sent.packets, s.sent.octets), recv: wire(s.received.packets, s.received.octets) },
    quality: i.quality === null ? null : round(i.quality),
    details: {
      durationS: round(i.durationS, 3),
      rtcp: { sent: s.rtcp.sent, received: s.rtcp.received, invalid: s.rtcp.invalid },
      jitterBuffer: {
        targetMs: round(jb.targetDelayMs, 1),
        currentMs: round(jb.currentDelayMs, 1),
        skipped: jb.skipped,
        discarded: jb.discarded,
        underruns: jb.underruns,
      },
      remoteSsrc: s.remoteSsrc ?? null,
      remoteCname: s.remoteCname ?? null,
      otherSsrc: s.received.otherSsrc,
      notSent: i.counters.notSent,
      transformDropped: i.counters.transformDropped,
    },
    ...i.sections,
  };
}
