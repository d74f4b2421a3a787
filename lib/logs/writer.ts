/**
 * The request-log writer: the engine calls enqueue() after answering (synchronous, O(1), never
 * throws) and a background loop writes batches, one write in flight at a time. A failed batch
 * stays at the head of the queue and is retried with exponential back-off, so nothing is lost
 * while the queue has room. Records are lost only when the queue is full or the writer is closed
 * (counted in `dropped`), or when the database refuses a record for good (`rejected`, after the
 * batch was split down to that record); every loss is counted and reported through onError.
 */
import { getEnv } from "../env";
import { logger } from "../logger";
import { createLogSink } from "../store/log-sink";
import { isPermanentLogWriteError } from "../store/logs";
import type { LogRecord } from "./types";

export type LogWriteFn = (batch: readonly LogRecord[]) => Promise<void>;

export type LogWriterErrorInfo =
  | { kind: "write_failed"; batchSize: number; attempt: number; retryInMs: number }
  | { kind: "batch_split"; batchSize: number }
  | { kind: "rejected"; logId: string }
  | { kind: "dropped"; count: number; reason: "queue_full" | "closed" }
  | { kind: "unwritten"; count: number; reason: "flush_timeout" | "exit" };

export type LogWriterOptions = {
  write: LogWriteFn;
  maxQueue?: number;
  batchSize?: number;
  flushIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** True when the same records can never be written (constraint errors): split, then reject. */
  isPermanentError?: (err: unknown) => boolean;
  onError?: (err: unknown, info: LogWriterErrorInfo) => void;
  now?: () => number;
};

export type LogWriterStats = {
  queued: number;
  written: number;
  dropped: number;
  rejected: number;
  failedWrites: number;
  lastError: string | null;
  lastWriteAt: Date | null;
};

/** What installShutdownHooks needs from `process` (a fake in tests). */
export type ShutdownProcess = {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  exit(code?: number | string | null): void;
};

const DROP_REPORT_INTERVAL_MS = 10_000;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

type Waiter = { target: number; done: () => void };

export class LogWriter {
  private readonly write: LogWriteFn;
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly isPermanentError: (err: unknown) => boolean;
  private readonly onError: ((err: unknown, info: LogWriterErrorInfo) => void) | undefined;
  private readonly now: () => number;

  // Batches taken from the queue but not yet settled, in order; the head is the one being written.
  private readonly ahead: LogRecord[][] = [];
  private queue: LogRecord[] = [];
  private queueHead = 0;
  private held = 0;
  private accepted = 0;
  private settled = 0;
  private waiters: Waiter[] = [];

  private writing = false;
  private backingOff = false;
  private failuresInARow = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerIsImmediate = false;
  private closed = false;
  private shuttingDown = false;
  private hooksInstalled = false;

  private written = 0;
  private dropped = 0;
  private rejected = 0;
  private failedWrites = 0;
  private lastError: string | null = null;
  private lastWriteAt: Date | null = null;
  private unreportedDrops = 0;
  private lastDropReportAt = -Infinity;

  constructor(options: LogWriterOptions) {
    this.write = options.write;
    this.maxQueue = options.maxQueue ?? 10_000;
    this.batchSize = Math.max(1, options.batchSize ?? 200);
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.isPermanentError = options.isPermanentError ?? (() => false);
    this.onError = options.onError;
    this.now = options.now ?? Date.now;
  }

  /** Hands a record to the writer. Never throws, never waits; a refused record is counted. */
  enqueue(record: LogRecord): void {
    if (this.closed || this.held >= this.maxQueue) {
      this.drop(this.closed ? "closed" : "queue_full");
      return;
    }
    this.queue.push(record);
    this.held += 1;
    this.accepted += 1;
    this.schedule();
  }

  stats(): LogWriterStats {
    return {
      queued: this.held,
      written: this.written,
      dropped: this.dropped,
      rejected: this.rejected,
      failedWrites: this.failedWrites,
      lastError: this.lastError,
      lastWriteAt: this.lastWriteAt,
    };
  }

  /**
   * Resolves true once every record enqueued before the call is settled (written, or rejected
   * for good); false after `timeoutMs`, leaving the rest queued and reporting how many.
   */
  flush(timeoutMs = 10_000): Promise<boolean> {
    const target = this.accepted;
    if (this.settled >= target) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      // Not unref'd: a flush at shutdown must keep the process alive until it ends (bounded).
      const timeout = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        this.report(new Error(`request log flush timed out after ${timeoutMs} ms`), { kind: "unwritten", count: this.held, reason: "flush_timeout" });
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

  /** Stops accepting records (later ones are counted as dropped) and flushes what is queued. */
  close(timeoutMs = 10_000): Promise<boolean> {
    this.closed = true;
    return this.flush(timeoutMs);
  }

  /**
   * Flushes the queue before the process ends; idempotent. Detour's instrumentation calls it once
   * at start-up. On SIGTERM/SIGINT it only starts writing eagerly: `next start` has its own
   * handler that drains in-flight requests (whose logs must still be accepted) and then calls
   * process.exit, which is deferred here until the writer is closed and flushed (at most
   * `timeoutMs`). When nothing else handles the signal, exits with 128 + signal number itself.
   */
  installShutdownHooks(options: { timeoutMs?: number; proc?: ShutdownProcess } = {}): void {
    if (this.hooksInstalled) return;
    this.hooksInstalled = true;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const proc = options.proc ?? process;
    const exit = proc.exit.bind(proc);
    let exiting = false;
    const closeThenExit = (code?: number | string | null): void => {
      if (exiting) return;
      exiting = true;
      void this.close(timeoutMs).then(() => exit(code));
    };
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      proc.on(signal, () => {
        if (this.shuttingDown) return;
        this.shuttingDown = true;
        proc.exit = closeThenExit;
        this.schedule();
        // Our listener replaced Node's default (exit on signal): restore it when we are alone.
        if (proc.listenerCount(signal) <= 1) closeThenExit(SIGNAL_EXIT_CODES[signal]);
      });
    }
    let flushedBeforeExit = false;
    proc.on("beforeExit", () => {
      if (flushedBeforeExit || this.held === 0) return;
      flushedBeforeExit = true;
      void this.flush(timeoutMs);
    });
    proc.on("exit", () => {
      this.reportDrops(this.closed ? "closed" : "queue_full", true);
      if (this.held > 0) this.report(new Error("request logs left unwritten at exit"), { kind: "unwritten", count: this.held, reason: "exit" });
    });
  }

  private isUrgent(): boolean {
    return this.waiters.length > 0 || this.closed || this.shuttingDown || this.held >= this.batchSize;
  }

  /** Makes sure a run is due: now when urgent, else after the flush interval. */
  private schedule(): void {
    if (this.writing || this.backingOff || this.held === 0) return;
    const urgent = this.isUrgent();
    if (this.timer && (this.timerIsImmediate || !urgent)) return;
    this.setTimer(urgent ? 0 : this.flushIntervalMs, urgent);
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
        const batch = this.nextBatch();
        if (!batch) return;
        if (!(await this.writeBatch(batch))) return;
        if (this.ahead.length === 0 && !this.isUrgent()) return;
      }
    } finally {
      this.writing = false;
      this.schedule();
    }
  }

  private nextBatch(): LogRecord[] | undefined {
    if (this.ahead.length === 0 && this.queue.length > this.queueHead) {
      const end = Math.min(this.queue.length, this.queueHead + this.batchSize);
      this.ahead.push(this.queue.slice(this.queueHead, end));
      this.queueHead = end;
      // Drop the consumed prefix now and then, so taking a batch stays cheap.
      if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
    }
    return this.ahead[0];
  }

  /** Writes the head batch; false when the loop must stop and wait for a back-off timer. */
  private async writeBatch(batch: LogRecord[]): Promise<boolean> {
    try {
      await this.write(batch);
    } catch (err) {
      return this.handleFailure(batch, err);
    }
    this.ahead.shift();
    this.failuresInARow = 0;
    this.written += batch.length;
    this.lastWriteAt = new Date(this.now());
    this.settle(batch.length);
    return true;
  }

  private handleFailure(batch: LogRecord[], err: unknown): boolean {
    this.failedWrites += 1;
    this.lastError = describeError(err);
    if (this.isPermanentError(err)) {
      // Some record in the batch can never be written: split until it is alone, keep the rest.
      if (batch.length > 1) {
        const mid = Math.ceil(batch.length / 2);
        this.ahead.splice(0, 1, batch.slice(0, mid), batch.slice(mid));
        this.report(err, { kind: "batch_split", batchSize: batch.length });
      } else {
        this.ahead.shift();
        this.rejected += 1;
        this.settle(1);
        this.report(err, { kind: "rejected", logId: batch[0]?.id ?? "" });
      }
      return true;
    }
    this.failuresInARow += 1;
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (this.failuresInARow - 1));
    this.report(err, { kind: "write_failed", batchSize: batch.length, attempt: this.failuresInARow, retryInMs: delay });
    this.backingOff = true;
    this.setTimer(delay, false);
    return false;
  }

  private settle(count: number): void {
    this.held -= count;
    this.settled += count;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.target <= this.settled);
    this.waiters = this.waiters.filter((w) => w.target > this.settled);
    for (const w of ready) w.done();
  }

  private drop(reason: "queue_full" | "closed"): void {
    this.dropped += 1;
    this.unreportedDrops += 1;
    this.reportDrops(reason, false);
  }

  /** At most one report per interval, carrying the count since the previous one. */
  private reportDrops(reason: "queue_full" | "closed", force: boolean): void {
    const now = this.now();
    if (this.unreportedDrops === 0 || (!force && now - this.lastDropReportAt < DROP_REPORT_INTERVAL_MS)) return;
    this.lastDropReportAt = now;
    const count = this.unreportedDrops;
    this.unreportedDrops = 0;
    const why = reason === "closed" ? "the writer is closed" : `the queue is full (${this.maxQueue})`;
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
function describeError(err: unknown): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return message.length > 500 ? `${message.slice(0, 500)}...` : message;
}

function logWriterError(err: unknown, info: LogWriterErrorInfo): void {
  const level = info.kind === "write_failed" || info.kind === "batch_split" ? "warn" : "error";
  logger[level]({ ...info, error: describeError(err) }, `request log writer: ${info.kind}`);
}

const globalForLogs = globalThis as unknown as { detourLogWriter?: LogWriter };

/** The process-wide writer over the app's database (shared by every Next.js bundle). */
export function getLogWriter(): LogWriter {
  globalForLogs.detourLogWriter ??= new LogWriter({
    write: createLogSink(getEnv().database).write,
    isPermanentError: isPermanentLogWriteError,
    onError: logWriterError,
  });
  return globalForLogs.detourLogWriter;
}
