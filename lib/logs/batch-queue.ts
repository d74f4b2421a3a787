/**
 * The LogWriter's records in order: batches taken but not yet settled (`ahead`, the head one being
 * written), then the queue. Taking a batch or the oldest records is O(taken) (lib/front-queue.ts),
 * and a taken record, with its bodies, does not stay reachable through the queue.
 */
import { FrontQueue } from "../front-queue";
import type { LogRecord } from "./types";

export class BatchQueue {
  private readonly ahead: LogRecord[][] = [];
  private readonly queue = new FrontQueue<LogRecord>();

  push(record: LogRecord): void {
    this.queue.push(record);
  }

  /** The batch to write next: the head of `ahead`, else a new one of up to `size` records. */
  nextBatch(size: number): LogRecord[] | undefined {
    if (this.ahead.length === 0 && this.queue.length > 0) {
      this.ahead.push(this.queue.take(size));
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
    return this.queue.take(count);
  }

  /** Takes everything, batches included (a batch being written too). */
  takeAll(): LogRecord[] {
    const records = [...this.ahead.flat(), ...this.queue.takeAll()];
    this.ahead.length = 0;
    return records;
  }
}
