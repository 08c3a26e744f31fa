/**
 * RtpSend: the last filter of a send chain (Mediastreamer2's MSRtpSend). It takes the encoder's
 * `EncodedFrame`s and hands each to a sender — the AudioStream, which packetises it with its RTP
 * session and puts it on the wire. The filter holds no protocol state: the session does.
 */
import { Filter, type TickContext } from '../core/filter.js';
import type { EncodedFrame } from '../core/frames.js';

export interface RtpFrameSender {
  /** Sends one encoded frame as one RTP packet. Never throws for packet-level reasons. */
  sendFrame(frame: EncodedFrame): void;
}

export class RtpSendFilter extends Filter {
  readonly type = 'rtp-send';
  readonly #sender: RtpFrameSender;
  #frames = 0;

  constructor(sender: RtpFrameSender, name?: string) {
    super({ inputs: 1, outputs: 0, ...(name ? { name } : {}) });
    this.#sender = sender;
  }

  /** Frames handed to the sender. */
  get frames(): number {
    return this.#frames;
  }

  process(_ctx: TickContext): void {
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      if (f.kind !== 'encoded') throw new TypeError(`${this.name}: input 0 takes encoded frames, got an ${f.kind} frame`);
      this.#frames++;
      this.#sender.sendFrame(f);
    }
  }
}
