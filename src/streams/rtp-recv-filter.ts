/**
 * RtpRecv: the first filter of a receive chain (Mediastreamer2's MSRtpRecv). A source: every
 * tick it asks the jitter buffer what is due now and turns it into `EncodedFrame`s for the
 * decoder — received packets, and `lost` frames (empty, with the duration to make up) for spans
 * the buffer could not fill, so the decoder or the generic PLC conceals them.
 *
 * Timestamps handed on are the buffer's extended timestamps (relative to the stream's first
 * packet, wraps undone), so they only grow; a lost frame carries the position where it belongs.
 */
import { Filter, type TickContext } from '../core/filter.js';
import type { EncodedFrame } from '../core/frames.js';
import type { JitterBuffer, JitterInput } from '../rtp/jitter-buffer.js';

export class RtpRecvFilter extends Filter {
  readonly type = 'rtp-recv';
  readonly #jb: JitterBuffer<JitterInput>;
  readonly #now: () => number;
  readonly #payloadType: number;
  /** Where the next frame starts on the extended timestamp axis. */
  #position = 0;
  #started = false;
  #ended = false;
  #carry = 0;

  /**
   * @param jb the stream's jitter buffer (packets are put in by the stream as they arrive)
   * @param now the monotonic clock the arrival times are on (the ticker's clock)
   */
  constructor(jb: JitterBuffer<JitterInput>, now: () => number, payloadType: number, name?: string) {
    super({ inputs: 0, outputs: 1, ...(name ? { name } : {}) });
    this.#jb = jb;
    this.#now = now;
    this.#payloadType = payloadType;
  }

  /**
   * The peer ended its stream (RTCP BYE): what is missing from now on is not loss to conceal, so
   * no more `lost` frames are made until a packet arrives again.
   */
  endOfStream(): void {
    this.#ended = true;
  }

  process(_ctx: TickContext): void {
    const r = this.#jb.pull(this.#now());
    for (const item of r.items) {
      if (item.kind === 'packet') {
        const p = item.packet;
        this.#started = true;
        this.#ended = false;
        this.#position = p.extendedTimestamp + p.durationTs;
        const f: EncodedFrame = {
          kind: 'encoded',
          data: p.packet.payload,
          timestamp: p.extendedTimestamp,
          marker: p.packet.marker,
          payloadType: p.packet.payloadType,
          duration: p.durationTs,
        };
        this.push(0, f);
      } else {
        // Before the first packet there is nothing to conceal: the output simply has not started.
        if (!this.#started || item.durationTs <= 0) continue;
        if (this.#ended && item.reason !== 'loss') continue;
        // Whole samples: the buffer's spans may be fractional (clock drift); the fraction is
        // carried to the next span so nothing is lost or invented over time.
        this.#carry += item.durationTs;
        const duration = Math.floor(this.#carry);
        if (duration <= 0) continue;
        this.#carry -= duration;
        const f: EncodedFrame = {
          kind: 'encoded',
          data: new Uint8Array(0),
          timestamp: Math.round(this.#position),
          marker: false,
          payloadType: this.#payloadType,
          duration,
          lost: true,
        };
        this.#position += duration;
        this.push(0, f);
      }
    }
  }
}
