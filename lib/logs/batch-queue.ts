/**
 * The LogWriter's records in order: batches taken but not yet settled (`ahead`, the head one being
 * written), then the queue. Taking a batch or the oldest records is O(taken): a head index moves,
 * the taken slots are cleared at once (a written record, with its bodies, must not stay reachable
 * until the next compaction), and the consumed prefix is dropped now and then.
 */
import type { LogRecord } from "./types";

export class BatchQueue {
  private readonly ahead: LogRecord[][] = [];
  /** Slots before queueHead are taken (undefined). */
  private queue: (LogRecord | undefined)[] = [];
  private queueHead = 0;

  push(record: LogRecord): void {
    this.queue.push(record);
  }

  /** The batch to write next: the head of `ahead`, else a new one of up to `size` records. */
  nextBatch(size: number): LogRecord[] | undefined {
    if (this.ahead.length === 0 && this.queue.length > this.queueHead) {
      this.ahead.push(this.take(size));
    }
    return this.ahead[0];
  }

  isHead(batch: LogRecord[]): boolean {
    return this.ahead[0] === batch;
  }

  get aheadCount(): number {
    return this.ahead.length;
  }

  /** The head batch is settled. */
  shiftHead(): void {
    this.ahead.shift();
  }

  /** Replaces the head batch by its two halves. */
  splitHead(batch: LogRecord[]): void {
    const mid = Math.ceil(batch.length / 2);
    this.ahead.splice(0, 1, batch.slice(0, mid), batch.slice(mid));
  }

  /** Takes up to `count` of the oldest records not in a batch. */
  takeOldest(count: number): LogRecord[] {
    return this.take(Math.max(0, count));
  }

  /** Takes everything, batches included (a batch being written too). */
  takeAll(): LogRecord[] {
    const records = [...this.ahead.flat(), ...(this.queue.slice(this.queueHead) as LogRecord[])];
    this.ahead.length = 0;
    this.queue = [];
    this.queueHead = 0;
    return records;
  }

  /** Takes up to `count` records from the head of the queue. */
  private take(count: number): LogRecord[] {
    const end = Math.min(this.queue.length, this.queueHead + count);
    const records = this.queue.slice(this.queueHead, end) as LogRecord[];
    this.queue.fill(undefined, this.queueHead, end);
    this.queueHead = end;
    this.compact();
    return records;
  }

  private compact(): void {
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }
}
