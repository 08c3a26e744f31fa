/**
 * A small typed event emitter. Filters, graphs, tickers and streams expose typed events
 * (`dtmf`, `eof`, `error` …) through it. Listeners run synchronously; a listener that throws does
 * not stop the others nor the caller (the ticker must keep running): the error is reported to
 * `onListenerError` (default: printed once per emitter to stderr).
 */

/** Map of event name → listener argument tuple. */
export type EventMap = { [event: string]: unknown[] };

export type Listener<A extends unknown[]> = (...args: A) => void;

/** Listeners are stored type-erased; `on()`/`emit()` keep the pairing typed. */
type StoredListener = (...args: unknown[]) => void;

export class TypedEmitter<E extends EventMap> {
  #listeners = new Map<keyof E, StoredListener[]>();
  #reportedListenerError = false;

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners.get(event);
    if (list) list.push(listener as unknown as StoredListener);
    else this.#listeners.set(event, [listener as unknown as StoredListener]);
    return this;
  }

  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const wrapper = (...args: E[K]): void => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const i = list.indexOf(listener as unknown as StoredListener);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  /** Number of listeners for an event (cheap check before building an event payload). */
  listenerCount<K extends keyof E>(event: K): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    // Copy: a listener may remove itself (once) while we iterate.
    for (const l of list.slice()) {
      try {
        l(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
    return true;
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }

  /** Called when a listener throws. Override to route elsewhere. */
  protected onListenerError(err: unknown, event: string): void {
    if (this.#reportedListenerError) return;
    this.#reportedListenerError = true;
    console.error(`mediaweave: a listener of "${event}" threw (further listener errors of this emitter are not printed):`, err);
  }
}
