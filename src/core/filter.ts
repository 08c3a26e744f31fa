/**
 * Filter: one unit of media work with numbered input and output pins (Mediastreamer2's MSFilter,
 * GStreamer's element). Subclasses implement `process()`, called by the graph once per tick
 * (and again while their inputs still hold frames); `preprocess()`/`postprocess()` run when the
 * graph is attached to / detached from a ticker.
 *
 * Parameters are plain typed methods on the subclass (`encoder.setBitrate(24000)`), events are
 * typed through the generic parameter (`class WavReader extends Filter<{ eof: [] }>`).
 */
import { TypedEmitter, type EventMap } from './events.js';
import type { Frame } from './frames.js';
import type { FrameQueue } from './queue.js';

/** What every `process()` call is told about time. */
export interface TickContext {
  /** Ticker time in ms: tick index × period. Theoretical time, so it never drifts. */
  readonly timeMs: number;
  /** Index of the tick since the ticker started (0, 1, 2 …). */
  readonly tick: number;
  /** The ticker period in ms (10 by default). */
  readonly periodMs: number;
}

/** Events every filter has. */
export type FilterEvents = {
  /** `process()` threw; the graph dropped the frames waiting on this filter's inputs and went on. */
  error: [err: unknown];
};

export interface FilterInit {
  /** Number of input pins. */
  inputs: number;
  /** Number of output pins. */
  outputs: number;
  /** Called every tick even without input (sources are always called). */
  pump?: boolean;
  /** Instance name for messages; defaults to the filter type and a counter. */
  name?: string;
  /** Output pins that may stay unlinked (frames pushed there are dropped). */
  optionalOutputs?: readonly number[];
}

export interface FilterStats {
  /** process() calls that returned normally. */
  processCalls: number;
  /** process() calls that threw. */
  errors: number;
  /** Frames dropped from this filter's inputs after it threw. */
  droppedOnError: number;
}

const instanceCounters = new Map<string, number>();

export abstract class Filter<E extends EventMap = EventMap> extends TypedEmitter<E & FilterEvents> {
  /** The filter's kind, e.g. 'wav-reader', 'pcmu-encoder' (registry name). */
  abstract readonly type: string;
  readonly inputCount: number;
  readonly outputCount: number;
  readonly pump: boolean;
  readonly stats: FilterStats = { processCalls: 0, errors: 0, droppedOnError: 0 };
  /** Queues linked to each input pin; managed by Graph. */
  readonly inputs: (FrameQueue | null)[];
  /** Queues linked to each output pin; managed by Graph. */
  readonly outputs: (FrameQueue | null)[];
  readonly #optionalOutputs: ReadonlySet<number>;
  #name: string | undefined;

  constructor(init: FilterInit) {
    super();
    if (!Number.isInteger(init.inputs) || init.inputs < 0) throw new RangeError(`filter inputs must be a whole number ≥ 0, got ${init.inputs}`);
    if (!Number.isInteger(init.outputs) || init.outputs < 0) throw new RangeError(`filter outputs must be a whole number ≥ 0, got ${init.outputs}`);
    this.inputCount = init.inputs;
    this.outputCount = init.outputs;
    this.pump = init.pump ?? false;
    this.inputs = new Array<FrameQueue | null>(init.inputs).fill(null);
    this.outputs = new Array<FrameQueue | null>(init.outputs).fill(null);
    this.#optionalOutputs = new Set(init.optionalOutputs ?? []);
    this.#name = init.name;
  }

  /** Instance name used in messages ("wav-reader#1" unless given). */
  get name(): string {
    if (this.#name === undefined) {
      const n = (instanceCounters.get(this.type) ?? 0) + 1;
      instanceCounters.set(this.type, n);
      this.#name = `${this.type}#${n}`;
    }
    return this.#name;
  }

  /** A source is called every tick: it has no inputs, or declared itself a pump. */
  get isSource(): boolean {
    return this.inputCount === 0;
  }

  isOutputOptional(pin: number): boolean {
    return this.#optionalOutputs.has(pin);
  }

  /** Called when the graph is attached to a ticker, before the first process(). */
  preprocess(_ctx: TickContext): void {}

  /** One tick's work: read input queues, write output queues. */
  abstract process(ctx: TickContext): void;

  /** Called when the graph is detached from its ticker (flush, close files). */
  postprocess(_ctx: TickContext): void {}

  /** Next frame of an input pin, or undefined (also when the pin is unlinked). */
  protected pull(pin = 0): Frame | undefined {
    return this.inputs[pin]?.get();
  }

  /** Sends a frame on an output pin; dropped when the pin is unlinked (optional output). */
  protected push(pin: number, frame: Frame): void {
    this.outputs[pin]?.put(frame);
  }

  /** Whether any linked input holds a frame. */
  hasInput(): boolean {
    for (const q of this.inputs) if (q && q.length > 0) return true;
    return false;
  }

  /** Frames waiting on all inputs. */
  pendingInput(): number {
    let n = 0;
    for (const q of this.inputs) if (q) n += q.length;
    return n;
  }

  override toString(): string {
    return this.name;
  }
}
