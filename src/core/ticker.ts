/**
 * Ticker: wakes every period (10 ms by default) and runs its graphs (DESIGN §1, Mediastreamer2's
 * MSTicker).
 *
 * - Deadlines are start + n × period, never "sleep one period", so the ticker does not drift.
 * - When it wakes late (event loop busy, machine stalled) it runs the missed ticks back to back,
 *   counting each tick that started more than `lateThresholdMs` after its deadline; after a stall
 *   longer than `maxCatchUpMs` it skips the rest and counts them in `skippedTicks`.
 * - With a virtual clock it does not wait at all: it sets the clock to each deadline and runs the
 *   next tick at once, yielding to the event loop every `virtualBatchTicks` ticks, so a 60 s call
 *   runs in a fraction of a second and gives the same output every run.
 */
import { performance } from 'node:perf_hooks';
import { type Clock, RealClock, VirtualClock } from './clock.js';
import { ConfigError, StateError } from './errors.js';
import { TypedEmitter } from './events.js';
import type { TickContext } from './filter.js';
import type { AnyFilter, Graph } from './graph.js';

export interface TickerOptions {
  /** Period in ms. Default 10; range 1–1000. */
  periodMs?: number;
  /** 'real' (default), 'virtual', or a Clock instance. */
  clock?: 'real' | 'virtual' | Clock;
  /** Name used in messages. */
  name?: string;
  /** A tick that starts more than this after its deadline counts as late. Default = periodMs; ≥ 0. */
  lateThresholdMs?: number;
  /** After a stall longer than this, ticks beyond it are skipped, not caught up. Default 1000; ≥ periodMs. */
  maxCatchUpMs?: number;
  /** Virtual clock: ticks run per event-loop turn. Default 500; ≥ 1. */
  virtualBatchTicks?: number;
}

export interface TickerStats {
  /** Ticks run. */
  ticks: number;
  /** Ticks that started more than lateThresholdMs after their deadline. */
  lateTicks: number;
  /** Worst lateness seen, ms. */
  worstLatenessMs: number;
  /** Ticks skipped after a stall longer than maxCatchUpMs. */
  skippedTicks: number;
  /** Mean processing time / period over the run, in % (CPU time spent in graphs). */
  meanLoadPct: number;
  /** Smoothed recent load (exponential average over ~1 s), in %. */
  loadPct: number;
  /** Total time spent running graphs, ms (real time, even under a virtual clock). */
  busyMs: number;
}

export type TickerEvents = {
  /** A tick started late (lateness in ms beyond its deadline). */
  late: [latenessMs: number, tick: number];
  /** A filter threw in process(); the ticker went on. */
  'filter-error': [graph: Graph, filter: AnyFilter, err: unknown];
  /** The ticker stopped. */
  stopped: [];
};

let tickerCounter = 0;

export class Ticker extends TypedEmitter<TickerEvents> {
  readonly name: string;
  readonly periodMs: number;
  readonly clock: Clock;
  readonly #lateThresholdMs: number;
  readonly #maxCatchUpTicks: number;
  readonly #batch: number;
  readonly #graphs: Graph[] = [];
  readonly #graphListeners = new Map<Graph, (f: AnyFilter, e: unknown) => void>();
  #running = false;
  #startMs = 0;
  #originSet = false;
  #tick = 0;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #stats: TickerStats = { ticks: 0, lateTicks: 0, worstLatenessMs: 0, skippedTicks: 0, meanLoadPct: 0, loadPct: 0, busyMs: 0 };

  constructor(options: TickerOptions = {}) {
    super();
    const period = options.periodMs ?? 10;
    if (!(period >= 1 && period <= 1000)) throw new ConfigError(`ticker periodMs must be 1–1000 ms, got ${period}`);
    this.periodMs = period;
    this.name = options.name ?? `ticker#${++tickerCounter}`;
    const c = options.clock ?? 'real';
    this.clock = c === 'real' ? new RealClock() : c === 'virtual' ? new VirtualClock() : c;
    const late = options.lateThresholdMs ?? period;
    if (!(late >= 0)) throw new ConfigError(`ticker lateThresholdMs must be ≥ 0, got ${late}`);
    this.#lateThresholdMs = late;
    const maxCatchUp = options.maxCatchUpMs ?? 1000;
    if (!(maxCatchUp >= period)) throw new ConfigError(`ticker maxCatchUpMs must be ≥ periodMs (${period}), got ${maxCatchUp}`);
    this.#maxCatchUpTicks = Math.floor(maxCatchUp / period);
    const batch = options.virtualBatchTicks ?? 500;
    if (!(Number.isInteger(batch) && batch >= 1)) throw new ConfigError(`ticker virtualBatchTicks must be a whole number ≥ 1, got ${batch}`);
    this.#batch = batch;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Ticker time in ms (tick index × period). */
  get timeMs(): number {
    return this.#tick * this.periodMs;
  }

  get stats(): Readonly<TickerStats> {
    return { ...this.#stats };
  }

  get graphs(): readonly Graph[] {
    return this.#graphs;
  }

  /** Attaches a graph: validates it and preprocesses its filters (errors thrown here). */
  attach(graph: Graph): this {
    if (this.#graphs.includes(graph)) throw new StateError(`${graph.name} is already attached to ${this.name}`);
    graph.start(this.#ctx(this.#tick));
    const listener = (f: AnyFilter, e: unknown): void => {
      this.emit('filter-error', graph, f, e);
    };
    graph.on('filter-error', listener);
    this.#graphListeners.set(graph, listener);
    this.#graphs.push(graph);
    return this;
  }

  /** Detaches a graph: postprocesses its filters. */
  detach(graph: Graph): this {
    const i = this.#graphs.indexOf(graph);
    if (i < 0) return this;
    this.#graphs.splice(i, 1);
    // Stop first so that errors thrown by postprocess() (a file that cannot be finalised) still
    // reach the ticker's 'filter-error' listeners.
    graph.stop(this.#ctx(this.#tick));
    const l = this.#graphListeners.get(graph);
    if (l) graph.off('filter-error', l);
    this.#graphListeners.delete(graph);
    return this;
  }

  /** Starts ticking (real time: on timers; virtual: as fast as possible, yielding between batches). */
  start(): this {
    if (this.#running) throw new StateError(`${this.name} is already running`);
    this.#running = true;
    this.#setOrigin();
    if (this.clock.virtual) this.#scheduleVirtual();
    else this.#scheduleReal();
    return this;
  }

  /** Stops ticking. Graphs stay attached (detach them to postprocess). Idempotent. */
  stop(): this {
    if (!this.#running) return this;
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
    this.emit('stopped');
    return this;
  }

  /** Detaches every graph and stops. */
  shutdown(): void {
    this.stop();
    for (const g of [...this.#graphs]) this.detach(g);
  }

  /** Virtual clock only: runs `n` ticks synchronously. */
  runTicks(n: number): this {
    if (!this.clock.virtual) throw new StateError(`${this.name}: runTicks needs a virtual clock (this one runs in real time)`);
    if (this.#running) throw new StateError(`${this.name}: runTicks while started; stop it first`);
    for (let i = 0; i < n; i++) this.#runVirtualTick();
    return this;
  }

  /** Virtual clock only: runs ticks covering `ms` of time synchronously. */
  runFor(ms: number): this {
    return this.runTicks(Math.round(ms / this.periodMs));
  }

  /**
   * Virtual clock: runs until `done()` returns true (checked after every tick) or `maxMs` of
   * virtual time passed, yielding to the event loop between batches. Resolves with the ticks run.
   */
  async runUntil(done: () => boolean, maxMs = Number.POSITIVE_INFINITY): Promise<number> {
    if (!this.clock.virtual) throw new StateError(`${this.name}: runUntil needs a virtual clock`);
    const start = this.#tick;
    const maxTicks = maxMs / this.periodMs;
    for (;;) {
      for (let i = 0; i < this.#batch; i++) {
        this.#runVirtualTick();
        if (done() || this.#tick - start >= maxTicks) return this.#tick - start;
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  #runVirtualTick(): void {
    // Tick 0 happens at the clock's time when the ticker first runs (a VirtualClock may start at
    // any time), whether through start() or runTicks().
    if (!this.#originSet) this.#setOrigin();
    const clock = this.clock as Clock & { advanceTo?: (t: number) => void };
    clock.advanceTo?.(this.#startMs + this.#tick * this.periodMs);
    this.#runTick(0);
  }

  #scheduleVirtual(): void {
    this.#immediate = setImmediate(() => {
      this.#immediate = null;
      for (let i = 0; i < this.#batch && this.#running; i++) this.#runVirtualTick();
      if (this.#running) this.#scheduleVirtual();
    });
  }

  #scheduleReal(): void {
    const deadline = this.#startMs + this.#tick * this.periodMs;
    // Whole milliseconds, rounded up: libuv fires timers on whole ms, so a fractional delay
    // often fires just before the deadline, finds nothing due and re-arms (measured: 1.8 wake-ups
    // per tick). The tick is then at most ~1 ms late; we measure and report that lateness rather
    // than spin.
    const delay = Math.max(0, Math.ceil(deadline - this.clock.now()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, delay);
  }

  /**
   * Timer path: runs one due tick, and when more are due (catching up after a stall) yields to
   * the event loop between them, so that packets received meanwhile reach the jitter buffers
   * before the next tick plays out (Mediastreamer2 reads its sockets inside each tick; our
   * sockets deliver through the event loop).
   */
  #pump(): void {
    if (!this.#running) return;
    const now = this.clock.now();
    if (this.#startMs + this.#tick * this.periodMs > now) {
      this.#scheduleReal();
      return;
    }
    const behind = Math.floor((now - (this.#startMs + this.#tick * this.periodMs)) / this.periodMs);
    if (behind > this.#maxCatchUpTicks) {
      const skip = behind - this.#maxCatchUpTicks;
      this.#stats.skippedTicks += skip;
      this.#tick += skip;
    }
    this.#runTick(now - (this.#startMs + this.#tick * this.periodMs));
    if (!this.#running) return;
    if (this.#startMs + this.#tick * this.periodMs <= this.clock.now()) {
      this.#immediate = setImmediate(() => {
        this.#immediate = null;
        this.#pump();
      });
    } else {
      this.#scheduleReal();
    }
  }

  /**
   * Runs every tick whose deadline has passed on `clock` (catching up after a stall), then
   * re-arms the timer. Called by the ticker's own timer; an external driver (a sound card
   * callback whose clock drives the ticker) may call it too. Returns the number of ticks run.
   */
  poll(): number {
    if (!this.#running || this.clock.virtual) return 0;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const before = this.#stats.ticks;
    let now = this.clock.now();
    // Run every tick whose deadline has passed (catch-up after a stall).
    while (this.#running && this.#startMs + this.#tick * this.periodMs <= now) {
      const behind = Math.floor((now - (this.#startMs + this.#tick * this.periodMs)) / this.periodMs);
      if (behind > this.#maxCatchUpTicks) {
        const skip = behind - this.#maxCatchUpTicks;
        this.#stats.skippedTicks += skip;
        this.#tick += skip;
      }
      this.#runTick(now - (this.#startMs + this.#tick * this.periodMs));
      now = this.clock.now();
    }
    if (this.#running) this.#scheduleReal();
    return this.#stats.ticks - before;
  }

  #runTick(latenessMs: number): void {
    const st = this.#stats;
    if (latenessMs > this.#lateThresholdMs) {
      st.lateTicks++;
      if (this.listenerCount('late') > 0) this.emit('late', latenessMs, this.#tick);
    }
    if (latenessMs > st.worstLatenessMs) st.worstLatenessMs = latenessMs;
    const ctx = this.#ctx(this.#tick);
    const t0 = performance.now();
    for (const g of this.#graphs) g.runTick(ctx);
    const busy = performance.now() - t0;
    st.busyMs += busy;
    st.ticks++;
    const load = (busy / this.periodMs) * 100;
    // ~1 s exponential average, like Mediastreamer2's ticker average load.
    const alpha = Math.min(1, this.periodMs / 1000);
    st.loadPct = st.ticks === 1 ? load : st.loadPct + alpha * (load - st.loadPct);
    st.meanLoadPct = (st.busyMs / (st.ticks * this.periodMs)) * 100;
    this.#tick++;
  }

  #setOrigin(): void {
    this.#startMs = this.clock.now() - this.#tick * this.periodMs;
    this.#originSet = true;
  }

  #ctx(tick: number): TickContext {
    return { timeMs: tick * this.periodMs, tick, periodMs: this.periodMs };
  }
}
