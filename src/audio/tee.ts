/**
 * Tee: 1 input, N outputs (default 2); every output gets every frame (Mediastreamer2's MSTee).
 *
 * frames.ts lets the sole consumer of a frame modify it in place (a volume filter scales the
 * samples it received), so two consumers must never share one sample buffer: output 0 gets the
 * frame itself and outputs 1 … N−1 get copies (new frame objects with their own `samples` /
 * `data`). The cost is one copy per extra output, the price of the zero-copy rule everywhere else.
 */
import { ConfigError } from '../core/errors.js';
import { Filter, type TickContext } from '../core/filter.js';
import type { Frame } from '../core/frames.js';

export interface TeeOptions {
  /** Number of outputs, 1–64 (default 2). */
  outputs?: number;
}

/** A frame with its own copy of the sample / byte buffer. */
export function copyFrame(f: Frame): Frame {
  return f.kind === 'audio' ? { ...f, samples: f.samples.slice() } : { ...f, data: f.data.slice() };
}

function checkOutputs(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 64) {
    throw new ConfigError(`tee: outputs must be a whole number 1–64, got ${String(n)}`);
  }
  return n;
}

export class Tee extends Filter<Record<never, never>> {
  readonly type = 'tee';

  constructor(options: TeeOptions = {}) {
    super({ inputs: 1, outputs: checkOutputs(options.outputs ?? 2) });
  }

  process(_ctx: TickContext): void {
    const n = this.outputCount;
    for (let f = this.pull(0); f !== undefined; f = this.pull(0)) {
      for (let pin = 1; pin < n; pin++) this.push(pin, copyFrame(f));
      this.push(0, f);
    }
  }
}
