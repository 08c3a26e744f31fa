/**
 * FIFO of frames between one output pin and one input pin (Mediastreamer2's MSQueue). A growable
 * ring buffer of references: put/get are O(1) and allocate nothing in steady state; frames are
 * never copied.
 */
import type { Frame } from './frames.js';

export class FrameQueue<F = Frame> {
  #items: (F | undefined)[];
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 8) {
    this.#items = new Array<F | undefined>(Math.max(2, initialCapacity));
  }

  get length(): number {
    return this.#size;
  }

  isEmpty(): boolean {
    return this.#size === 0;
  }

  put(item: F): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
  }

  /** Removes and returns the oldest frame, or undefined when empty. */
  get(): F | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  /** The oldest frame without removing it. */
  peek(): F | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** Drops every frame; returns how many were dropped. */
  clear(): number {
    const n = this.#size;
    while (this.#size > 0) this.get();
    this.#head = 0;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<F> {
    for (let i = 0; i < this.#size; i++) yield this.#items[(this.#head + i) % this.#items.length] as F;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<F | undefined>(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#items = next;
    this.#head = 0;
  }
}
