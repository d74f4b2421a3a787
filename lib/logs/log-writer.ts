/**
 * The request-log writer: the engine calls enqueue() after answering (synchronous, O(1), never
 * throws) and a background loop writes batches, one write in flight at a time. A failed batch
 * stays at the head of the queue and is retried with exponential back-off, so nothing is lost
 * while the queue has room. With a `spill` (lib/logs/spill.ts), while writes fail and the queue
 * passes `spillHighWater`, the oldest records move to an append-only file (replayed once the
 * database answers), and at shutdown every record the database does not take in time does.
 * Records are lost only when the queue is full, the writer is closed or the spill refuses them
 * (counted in `dropped`), or when the database refuses a record for good (`rejected`, after the
 * batch was split down to that record); every loss is counted and reported through onError.
 */
import { BatchQueue } from "./batch-queue";
import { installShutdownHooks, type ShutdownProcess, type ShutdownTarget } from "../shutdown-hooks";
import type { LogSpillStats } from "./spill";
import type { LogRecord } from "./types";

export type { ShutdownProcess } from "../shutdown-hooks";

export type LogWriteFn = (batch: readonly LogRecord[]) => Promise<void>;

type DropReason = "queue_full" | "closed" | "spill_failed";

export type LogWriterErrorInfo =
  | { kind: "write_failed"; batchSize: number; attempt: number; retryInMs: number }
  | { kind: "batch_split"; batchSize: number }
  | { kind: "rejected"; logId: string }
  | { kind: "dropped"; count: number; reason: DropReason }
  | { kind: "unwritten"; count: number; reason: "flush_timeout" | "exit" };

/** Where records go while the database is failing (a LogSpill). */
export type LogWriterSpill = {
  /** Durable once resolved; rejects when the records could not be kept. */
  append(records: readonly LogRecord[]): Promise<void>;
  /** A database write succeeded after failures. */
  resumed(): void;
  close(): Promise<void>;
  stats(): LogSpillStats;
  /** Resolves once files left by earlier runs are counted (stats() are complete from then on). */
  whenScanned(): Promise<void>;
};

export type LogWriterOptions = {
  write: LogWriteFn;
  maxQueue?: number;
  /** Records that make a write due at once (default 200); fewer wait for the flush interval. */
  batchSize?: number;
  /**
   * The most records one write takes (default 2000): under a backlog (records queued while a
   * write was in flight) the next write takes them all up to this, so the per-write costs (a
   * transaction, the rollup upserts) are shared by more rows and the writer keeps up.
   */
  maxBatchSize?: number;
  flushIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** True when the same records can never be written (constraint errors): split, then reject. */
  isPermanentError?: (err: unknown) => boolean;
  onError?: (err: unknown, info: LogWriterErrorInfo) => void;
  now?: () => number;
  spill?: LogWriterSpill;
  /** Queued records above which, while writes fail, the oldest go to the spill (down to half of it). Default maxQueue / 10. */
  spillHighWater?: number;
  /**
   * A batch write in flight for this long counts as failing for the spill (default 2000 ms): a
   * database that hangs (blackholed, locked) is noticed before its query timeout, and the queue
   * goes to the spill instead of filling up and dropping records.
   */
  stallMs?: number;
};

export type LogWriterStats = {
  queued: number;
  written: number;
  dropped: number;
  /** Includes records the spill replay set aside for good. */
  rejected: number;
  failedWrites: number;
  lastError: string | null;
  lastWriteAt: Date | null;
  /** Zeros without a spill. */
  spill: LogSpillStats;
};

const NO_SPILL: LogSpillStats = {
  spilled: 0,
  pendingRows: 0,
  pendingBytes: 0,
  files: 0,
  replayed: 0,
  rejected: 0,
  errors: 0,
  tornLines: 0,
};
const DROP_REPORT_INTERVAL_MS = 10_000;

type Waiter = { target: number; done: () => void };

export class LogWriter {
  private readonly o: Required<Omit<LogWriterOptions, "onError" | "spill">>;
  private readonly onError: LogWriterOptions["onError"];
  private readonly spill: LogWriterSpill | undefined;

  private readonly records = new BatchQueue();
  /** Records accepted and not settled: queued, being written, or on their way to the spill. */
  private held = 0;
  /** Of `held`, those handed to the spill. */
  private inSpill = 0;
  private accepted = 0;
  private settled = 0;
  private waiters: Waiter[] = [];

  private writing = false;
  private backingOff = false;
  private spillingAll = false;
  private failuresInARow = 0;
  /** When the batch write in flight started (null: none in flight). */
  private writeStartedAt: number | null = null;
  /** Records went to the spill since the last successful write: replay them once writes succeed. */
  private spilledSinceWrite = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerIsImmediate = false;
  private closed = false;
  private shuttingDown = false;
  private hooksInstalled = false;

  private readonly counts = { written: 0, dropped: 0, rejected: 0, failedWrites: 0 };
  private lastError: string | null = null;
  private lastWriteAt: Date | null = null;
  private unreportedDrops = 0;
  private lastDropReportAt = -Infinity;

  constructor(options: LogWriterOptions) {
    const maxQueue = options.maxQueue ?? 10_000;
    const batchSize = Math.max(1, options.batchSize ?? 200);
    this.o = {
      write: options.write,
      maxQueue,
      batchSize,
      maxBatchSize: Math.max(batchSize, options.maxBatchSize ?? 2000),
      flushIntervalMs: options.flushIntervalMs ?? 250,
      retryBaseMs: options.retryBaseMs ?? 200,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      isPermanentError: options.isPermanentError ?? (() => false),
      now: options.now ?? Date.now,
      spillHighWater: Math.max(batchSize, options.spillHighWater ?? Math.floor(maxQueue / 10)),
      stallMs: options.stallMs ?? 2_000,
    };
    this.onError = options.onError;
    this.spill = options.spill;
  }

  /** Hands a record to the writer. Never throws, never waits; a refused record is counted. */
  enqueue(record: LogRecord): void {
    if (this.closed || this.held >= this.o.maxQueue) {
      this.drop(this.closed ? "closed" : "queue_full");
      return;
    }
    this.records.push(record);
    this.held += 1;
    this.accepted += 1;
    if (this.spill && (this.shuttingDown || (this.inSpill === 0 && this.pending() >= this.o.spillHighWater)) && this.databaseUnwell()) {
      setImmediate(() => void (this.shuttingDown ? this.spillAll() : this.spillOldest())); // off the caller's path
    }
    this.schedule();
  }

  /** Resolves once the writer's figures are complete (spill files of earlier runs counted); never rejects. */
  ready(): Promise<void> {
    return this.spill?.whenScanned().catch(() => undefined) ?? Promise.resolve();
  }

  stats(): LogWriterStats {
    const spill = this.spill?.stats() ?? NO_SPILL;
    const { written, dropped, rejected, failedWrites } = this.counts;
    return {
      queued: this.held,
      written,
      dropped,
      rejected: rejected + spill.rejected,
      failedWrites,
      lastError: this.lastError,
      lastWriteAt: this.lastWriteAt,
      spill,
    };
  }

  /**
   * Resolves true once every record enqueued before the call is settled (written, spilled, or
   * rejected for good); false after `timeoutMs`, leaving the rest queued and reporting how many
   * (unless `quiet`: a caller that only waits a moment, not the shutdown).
   */
  flush(timeoutMs = 10_000, { quiet = false }: { quiet?: boolean } = {}): Promise<boolean> {
    const target = this.accepted;
    if (this.settled >= target) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      // Not unref'd: a flush at shutdown must keep the process alive until it ends (bounded).
      const timeout = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (!quiet)
          this.report(new Error(`request log flush timed out after ${timeoutMs} ms`), {
            kind: "unwritten",
            count: this.held,
            reason: "flush_timeout",
          });
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = {
        target,
        done: () => {
          clearTimeout(timeout);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /**
   * Stops accepting records (later ones are counted as dropped) and flushes what is queued. With a
   * spill, what the database has not taken at 70% of `timeoutMs` (at once when writes are failing)
   * goes to the spill file: the flush ends in time with every record in one place or the other.
   */
  async close(timeoutMs = 10_000): Promise<boolean> {
    this.closed = true;
    let deadline: ReturnType<typeof setTimeout> | null = null;
    if (this.spill && this.databaseUnwell()) void this.spillAll();
    else if (this.spill) deadline = setTimeout(() => void this.spillAll(), Math.floor(timeoutMs * 0.7));
    const flushed = await this.flush(timeoutMs);
    if (deadline) clearTimeout(deadline);
    await this.spill?.close();
    return flushed;
  }

  /**
   * The writer as the process's shutdown hooks drive it (lib/shutdown-hooks.ts). Detour's process
   * installs the hooks once, with this target and the runtime's shutdown order as `close`
   * (lib/server-start.ts), which closes the writer in its turn.
   */
  shutdownTarget(): ShutdownTarget {
    return {
      beginShutdown: () => {
        this.shuttingDown = true;
        if (this.spill && this.databaseUnwell()) void this.spillAll();
        this.schedule();
      },
      close: (ms) => this.close(ms),
      flush: (ms) => this.flush(ms),
      queued: () => this.held,
      atExit: () => {
        this.reportDrops(this.closed ? "closed" : "queue_full", true);
        if (this.held > 0)
          this.report(new Error("request logs left unwritten at exit"), { kind: "unwritten", count: this.held, reason: "exit" });
      },
    };
  }

  /** Flushes the queue before the process ends, for this writer alone (tests); idempotent. */
  installShutdownHooks(options: { timeoutMs?: number; proc?: ShutdownProcess } = {}): void {
    if (this.hooksInstalled) return;
    this.hooksInstalled = true;
    installShutdownHooks(this.shutdownTarget(), options);
  }

  /** The last write failed, or the one in flight has been waiting for `stallMs`. */
  private databaseUnwell(): boolean {
    return this.failuresInARow > 0 || (this.writeStartedAt !== null && this.o.now() - this.writeStartedAt >= this.o.stallMs);
  }

  /** Records queued or being written (not those on their way to the spill). */
  private pending(): number {
    return this.held - this.inSpill;
  }

  private isUrgent(): boolean {
    return this.waiters.length > 0 || this.closed || this.shuttingDown || this.pending() >= this.o.batchSize;
  }

  /** Makes sure a run is due: now when urgent, else after the flush interval. */
  private schedule(): void {
    if (this.writing || this.backingOff || this.pending() === 0) return;
    const urgent = this.isUrgent();
    if (this.timer && (this.timerIsImmediate || !urgent)) return;
    this.setTimer(urgent ? 0 : this.o.flushIntervalMs, urgent);
  }

  private setTimer(delayMs: number, immediate: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerIsImmediate = immediate;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.backingOff = false;
      void this.run();
    }, delayMs);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      for (;;) {
        const batch = this.records.nextBatch(this.o.maxBatchSize);
        if (!batch) return;
        if (!(await this.writeBatch(batch))) return;
        if (this.records.aheadCount === 0 && !this.isUrgent()) return;
      }
    } finally {
      this.writing = false;
      this.schedule();
    }
  }

  /** Writes the head batch; false when the loop must stop and wait for a back-off timer. */
  private async writeBatch(batch: LogRecord[]): Promise<boolean> {
    let failure: { err: unknown } | null = null;
    this.writeStartedAt = this.o.now();
    try {
      await this.o.write(batch);
    } catch (err) {
      failure = { err };
    } finally {
      this.writeStartedAt = null;
    }
    // Spilled while in flight (shutdown): settled already; replaying it later is a no-op.
    if (!this.records.isHead(batch)) return failure === null;
    if (failure) return this.handleFailure(batch, failure.err);
    this.records.shiftHead();
    if (this.failuresInARow > 0 || this.spilledSinceWrite) this.spill?.resumed();
    this.failuresInARow = 0;
    this.spilledSinceWrite = false;
    this.counts.written += batch.length;
    this.lastWriteAt = new Date(this.o.now());
    this.settle(batch.length);
    return true;
  }

  private handleFailure(batch: LogRecord[], err: unknown): boolean {
    this.counts.failedWrites += 1;
    this.lastError = describeError(err);
    if (this.o.isPermanentError(err)) {
      // Some record in the batch can never be written: split until it is alone, keep the rest.
      if (batch.length > 1) {
        this.records.splitHead(batch);
        this.report(err, { kind: "batch_split", batchSize: batch.length });
      } else {
        this.records.shiftHead();
        this.counts.rejected += 1;
        this.settle(1);
        this.report(err, { kind: "rejected", logId: batch[0]?.id ?? "" });
      }
      return true;
    }
    this.failuresInARow += 1;
    const delay = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (this.failuresInARow - 1));
    this.report(err, { kind: "write_failed", batchSize: batch.length, attempt: this.failuresInARow, retryInMs: delay });
    this.backingOff = true;
    this.setTimer(delay, false);
    if (this.spill && (this.closed || this.shuttingDown)) void this.spillAll();
    else if (this.spill && this.pending() >= this.o.spillHighWater) setImmediate(() => void this.spillOldest());
    return false;
  }

  /** While writes fail: moves the oldest queued records to the spill, down to half the high-water mark. */
  private async spillOldest(): Promise<void> {
    if (this.inSpill > 0 || !this.databaseUnwell()) return;
    const records = this.records.takeOldest(this.pending() - Math.floor(this.o.spillHighWater / 2));
    if (records.length === 0) return;
    await this.spillRecords(records);
    if (this.pending() >= this.o.spillHighWater) void this.spillOldest();
  }

  /** Shutdown: every record held, a batch being written included, goes to the spill. */
  private async spillAll(): Promise<void> {
    if (this.spillingAll) return;
    this.spillingAll = true;
    try {
      for (let records = this.records.takeAll(); records.length > 0; records = this.records.takeAll()) await this.spillRecords(records);
    } finally {
      this.spillingAll = false;
    }
  }

  private async spillRecords(records: LogRecord[]): Promise<void> {
    this.inSpill += records.length;
    this.spilledSinceWrite = true;
    try {
      await this.spill!.append(records);
    } catch (err) {
      this.counts.dropped += records.length;
      this.report(err, { kind: "dropped", count: records.length, reason: "spill_failed" });
    } finally {
      this.inSpill -= records.length;
      this.settle(records.length);
    }
  }

  private settle(count: number): void {
    this.held -= count;
    this.settled += count;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.target <= this.settled);
    this.waiters = this.waiters.filter((w) => w.target > this.settled);
    for (const w of ready) w.done();
  }

  private drop(reason: DropReason): void {
    this.counts.dropped += 1;
    this.unreportedDrops += 1;
    this.reportDrops(reason, false);
  }

  /** At most one report per interval, carrying the count since the previous one. */
  private reportDrops(reason: DropReason, force: boolean): void {
    const now = this.o.now();
    if (this.unreportedDrops === 0 || (!force && now - this.lastDropReportAt < DROP_REPORT_INTERVAL_MS)) return;
    this.lastDropReportAt = now;
    const count = this.unreportedDrops;
    this.unreportedDrops = 0;
    const why = reason === "closed" ? "the writer is closed" : `the queue is full (${this.o.maxQueue})`;
    this.report(new Error(`dropped ${count} request log(s): ${why}`), { kind: "dropped", count, reason });
  }

  private report(err: unknown, info: LogWriterErrorInfo): void {
    try {
      this.onError?.(err, info);
    } catch {
      // A failing error hook must not break the writer or, through enqueue, the request path.
    }
  }
}

// Prisma validation errors print the whole argument: 200 request bodies. Keep the start only.
export function describeError(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return message.length > 500 ? `${message.slice(0, 500)}...` : message;
}
