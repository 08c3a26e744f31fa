/** A source filter that calls a function every tick (stream housekeeping: RTCP, stats, timers). */
import { Filter, type TickContext } from '../core/filter.js';

export class CallbackFilter extends Filter {
  readonly type = 'callback';
  readonly #fn: (ctx: TickContext) => void;
  constructor(fn: (ctx: TickContext) => void, name?: string) {
    super({ inputs: 0, outputs: 0, ...(name ? { name } : {}) });
    this.#fn = fn;
  }
  process(ctx: TickContext): void {
    this.#fn(ctx);
  }
}
