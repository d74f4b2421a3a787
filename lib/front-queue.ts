/**
 * A FIFO queue taken from its front in runs (the log writer's batches, lib/logs/batch-queue.ts; the
 * span batcher's exports, lib/tracing/span-batcher.ts). Taking n items is O(n): a head index moves
 * and the taken slots are cleared at once (a taken item must not stay reachable through the queue),
 * and the emptied front is dropped now and then (once it is most of the array), not copied per take.
 */
export class FrontQueue<T> {
  /** Slots before `head` are taken (undefined). */
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The item `i` places from the front (0: the next one taken); `i` below `length`. */
  at(i: number): T {
    return this.items[this.head + i] as T;
  }

  /** Takes up to `count` items from the front. */
  take(count: number): T[] {
    const end = Math.min(this.items.length, this.head + Math.max(0, count));
    const taken = this.items.slice(this.head, end) as T[];
    this.items.fill(undefined, this.head, end);
    this.head = end;
    if (this.head === this.items.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }

  /** Takes every item. */
  takeAll(): T[] {
    return this.take(this.length);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
