/**
 * Graph: filters connected output pin → input pin through FIFO queues (DESIGN §1).
 *
 * Scheduling, once per tick, in an order fixed when the graph is attached to a ticker:
 * sources (filters with no inputs) and pumps run every tick; every other filter runs after all
 * the filters feeding it have run this tick, when one of its inputs holds frames, and again while
 * its inputs still hold frames and it keeps consuming them. So a frame crosses the whole chain in
 * one tick.
 *
 * Loops (an echo canceller's reference path, a feedback mixer) must mark one link of the cycle
 * `{ feedback: true }`: that link is left out of the ordering, and frames put on it during a tick
 * are read by its consumer on the next tick (one tick of delay, like a z⁻¹). A cycle with no
 * feedback link is refused at attach time with the names of the filters in it.
 */
import { GraphError, StateError } from './errors.js';
import { TypedEmitter } from './events.js';
import type { Filter, TickContext } from './filter.js';
import { FrameQueue } from './queue.js';

/** Any filter, whatever its events. */
// The event map is contravariant in listener positions; `any` here is the type-erased handle the
// graph needs to hold filters of every kind (their own typed API stays typed for callers).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFilter = Filter<any>;

export interface LinkOptions {
  /** This link closes a loop: ignored for ordering, its frames are read one tick later. */
  feedback?: boolean;
}

export interface Link {
  readonly from: AnyFilter;
  readonly fromPin: number;
  readonly to: AnyFilter;
  readonly toPin: number;
  readonly queue: FrameQueue;
  readonly feedback: boolean;
}

export type GraphEvents = {
  /** A filter's process() threw; the graph went on. */
  'filter-error': [filter: AnyFilter, err: unknown];
};

/** Re-runs of one filter in one tick while it keeps consuming; a guard against a filter that never drains. */
const MAX_RUNS_PER_TICK = 64;

let graphCounter = 0;

export class Graph extends TypedEmitter<GraphEvents> {
  readonly name: string;
  readonly #filters = new Set<AnyFilter>();
  readonly #links: Link[] = [];
  #order: AnyFilter[] | null = null;
  #attached = false;

  constructor(name?: string) {
    super();
    this.name = name ?? `graph#${++graphCounter}`;
  }

  get attached(): boolean {
    return this.#attached;
  }

  get filters(): readonly AnyFilter[] {
    return [...this.#filters];
  }

  get links(): readonly Link[] {
    return this.#links;
  }

  /** Adds a filter without links (a lone source, or before linking). */
  add(...filters: AnyFilter[]): this {
    this.#assertDetached('add');
    for (const f of filters) this.#filters.add(f);
    this.#order = null;
    return this;
  }

  /** Links `from` output `fromPin` to `to` input `toPin` through a new queue. */
  link(from: AnyFilter, fromPin: number, to: AnyFilter, toPin: number, options: LinkOptions = {}): this {
    this.#assertDetached('link');
    if (!Number.isInteger(fromPin) || fromPin < 0 || fromPin >= from.outputCount) {
      throw new GraphError(`cannot link ${from.name} output ${fromPin}: it has ${from.outputCount} output(s)`);
    }
    if (!Number.isInteger(toPin) || toPin < 0 || toPin >= to.inputCount) {
      throw new GraphError(`cannot link to ${to.name} input ${toPin}: it has ${to.inputCount} input(s)`);
    }
    if (from.outputs[fromPin]) throw new GraphError(`${from.name} output ${fromPin} is already linked`);
    if (to.inputs[toPin]) throw new GraphError(`${to.name} input ${toPin} is already linked`);
    const queue = new FrameQueue();
    from.outputs[fromPin] = queue;
    to.inputs[toPin] = queue;
    this.#links.push({ from, fromPin, to, toPin, queue, feedback: options.feedback ?? false });
    this.#filters.add(from);
    this.#filters.add(to);
    this.#order = null;
    return this;
  }

  /** Links a chain output 0 → input 0: `graph.chain(reader, encoder, decoder, writer)`. */
  chain(...filters: AnyFilter[]): this {
    for (let i = 0; i + 1 < filters.length; i++) this.link(filters[i]!, 0, filters[i + 1]!, 0);
    return this;
  }

  /** Removes a link; frames still queued on it are dropped. */
  unlink(from: AnyFilter, fromPin: number, to: AnyFilter, toPin: number): this {
    this.#assertDetached('unlink');
    const i = this.#links.findIndex((l) => l.from === from && l.fromPin === fromPin && l.to === to && l.toPin === toPin);
    if (i < 0) throw new GraphError(`${from.name} output ${fromPin} is not linked to ${to.name} input ${toPin}`);
    const [l] = this.#links.splice(i, 1);
    l!.queue.clear();
    from.outputs[fromPin] = null;
    to.inputs[toPin] = null;
    for (const f of [from, to]) {
      if (!this.#links.some((x) => x.from === f || x.to === f)) this.#filters.delete(f);
    }
    this.#order = null;
    return this;
  }

  /** Removes a filter and all its links. */
  remove(filter: AnyFilter): this {
    this.#assertDetached('remove');
    for (const l of this.#links.filter((x) => x.from === filter || x.to === filter)) this.unlink(l.from, l.fromPin, l.to, l.toPin);
    this.#filters.delete(filter);
    this.#order = null;
    return this;
  }

  /**
   * Checks the graph can run and computes the run order. Throws GraphError naming the filter and
   * pin of an unlinked output, a filter whose inputs are all unlinked, or the filters of a cycle
   * without a feedback link.
   */
  validate(): readonly AnyFilter[] {
    for (const f of this.#filters) {
      for (let pin = 0; pin < f.outputCount; pin++) {
        if (!f.outputs[pin] && !f.isOutputOptional(pin)) {
          throw new GraphError(`${this.name}: ${f.name} output ${pin} is not linked (link it, e.g. to a void sink)`);
        }
      }
      if (f.inputCount > 0 && !f.pump && f.inputs.every((q) => q === null)) {
        throw new GraphError(`${this.name}: ${f.name} has ${f.inputCount} input(s) and none is linked, so it would never run`);
      }
    }
    this.#order = this.#topologicalOrder();
    return this.#order;
  }

  /** @internal Called by the ticker on attach: validate, then preprocess every filter. */
  start(ctx: TickContext): void {
    if (this.#attached) throw new StateError(`${this.name} is already attached to a ticker`);
    const order = this.validate();
    const done: AnyFilter[] = [];
    try {
      for (const f of order) {
        f.preprocess(ctx);
        done.push(f);
      }
    } catch (err) {
      for (const f of done.reverse()) {
        try {
          f.postprocess(ctx);
        } catch {
          // Already failing; the preprocess error is the one to report.
        }
      }
      throw err;
    }
    this.#attached = true;
  }

  /** @internal Called by the ticker on detach: postprocess every filter (errors reported, not thrown). */
  stop(ctx: TickContext): void {
    if (!this.#attached) return;
    this.#attached = false;
    for (const f of this.#order ?? []) {
      try {
        f.postprocess(ctx);
      } catch (err) {
        this.#reportError(f, err);
      }
    }
  }

  /** @internal One tick of the graph. Never throws because of a filter. */
  runTick(ctx: TickContext): void {
    const order = this.#order;
    if (!order) return;
    for (const f of order) {
      if (f.inputCount === 0 || f.pump) {
        this.#call(f, ctx);
        continue;
      }
      let runs = 0;
      let pending = f.pendingInput();
      while (pending > 0 && runs < MAX_RUNS_PER_TICK) {
        if (!this.#call(f, ctx)) break;
        runs++;
        const now = f.pendingInput();
        if (now >= pending) break; // No progress: the filter waits for more input.
        pending = now;
      }
    }
  }

  #call(f: AnyFilter, ctx: TickContext): boolean {
    try {
      f.process(ctx);
      f.stats.processCalls++;
      return true;
    } catch (err) {
      f.stats.errors++;
      // Drop what the filter choked on so that the next tick does not throw again on it.
      let dropped = 0;
      for (const q of f.inputs) if (q) dropped += q.clear();
      f.stats.droppedOnError += dropped;
      this.#reportError(f, err);
      return false;
    }
  }

  #reportError(f: AnyFilter, err: unknown): void {
    f.emit('error', err);
    this.emit('filter-error', f, err);
  }

  #topologicalOrder(): AnyFilter[] {
    // Kahn's algorithm over non-feedback links; sources first in insertion order.
    const indegree = new Map<AnyFilter, number>();
    for (const f of this.#filters) indegree.set(f, 0);
    for (const l of this.#links) if (!l.feedback) indegree.set(l.to, (indegree.get(l.to) ?? 0) + 1);
    const ready: AnyFilter[] = [...this.#filters].filter((f) => indegree.get(f) === 0);
    const order: AnyFilter[] = [];
    while (ready.length > 0) {
      const f = ready.shift()!;
      order.push(f);
      for (const l of this.#links) {
        if (l.feedback || l.from !== f) continue;
        const d = indegree.get(l.to)! - 1;
        indegree.set(l.to, d);
        if (d === 0) ready.push(l.to);
      }
    }
    if (order.length !== this.#filters.size) {
      const inCycle = [...this.#filters].filter((f) => !order.includes(f)).map((f) => f.name);
      throw new GraphError(
        `${this.name}: the links between ${inCycle.join(', ')} form a loop; mark one link of it with { feedback: true }`,
      );
    }
    return order;
  }

  #assertDetached(op: string): void {
    if (this.#attached) throw new StateError(`${this.name}: cannot ${op} while attached to a ticker; detach it first`);
  }
}
