/**
 * Spill and replay of request logs while the database is failing (see `spill-files.ts` for the
 * files themselves). The LogWriter hands the oldest queued records to `append()` when its queue
 * passes the high-water mark during an outage, and everything at shutdown; appends are serialized
 * and fsync'd. The replayer claims files oldest first, writes them in batches through the same
 * idempotent database write (ids are primary keys: a re-insert is a no-op, so a file replayed
 * twice after a crash still yields each row once), and deletes a file only after all of its rows
 * are committed. It runs at start (files left by an earlier run), when the writer's writes succeed
 * again (`resumed()`), when the open file goes idle, and every `scanIntervalMs`; a failing replay
 * backs off. Loss happens only when the disk write fails or the directory holds `maxBytes`.
 */
import type { LogRecord } from "./types";
import type { SpillFiles, Claimed } from "./spill-files";

export type SpillWriteFn = (batch: readonly LogRecord[]) => Promise<void>;

export type LogSpillErrorInfo =
  | { kind: "spill_replay_failed"; file: string; retryInMs: number }
  | { kind: "spill_rejected"; logId: string }
  | { kind: "spill_io"; op: "scan" | "seal" | "replay" };

export type LogSpillOptions = {
  files: SpillFiles;
  /** Largest total size of the spill directory; appends beyond it are refused (SpillFullError). */
  maxBytes: number;
  write: SpillWriteFn;
  isPermanentError?: (err: unknown) => boolean;
  batchSize?: number;
  /** Seal the open file (making it replayable) after this long without an append. */
  idleSealMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  scanIntervalMs?: number;
  onError?: (err: unknown, info: LogSpillErrorInfo) => void;
};

export type LogSpillStats = {
  spilled: number;
  pendingRows: number;
  pendingBytes: number;
  files: number;
  replayed: number;
  rejected: number;
  errors: number;
  tornLines: number;
};

export class SpillFullError extends Error {
  constructor(maxBytes: number) {
    super(`the log spill directory holds its maximum of ${Math.round(maxBytes / 1024 / 1024)} MiB`);
    this.name = "SpillFullError";
  }
}

type Timer = ReturnType<typeof setTimeout>;

export class LogSpill {
  private readonly files: SpillFiles;
  private readonly o: Required<Omit<LogSpillOptions, "files" | "onError">> & Pick<LogSpillOptions, "onError">;
  private readonly inventory = new Map<string, { rows: number; bytes: number }>();
  private chain: Promise<unknown> = Promise.resolve();
  private scanned: Promise<void> | null = null;
  private replaying = false;
  private failures = 0;
  private closed = false;
  private retryTimer: Timer | null = null;
  private idleTimer: Timer | null = null;
  private scanTimer: ReturnType<typeof setInterval> | null = null;
  private readonly counts = { spilled: 0, replayed: 0, rejected: 0, errors: 0, tornLines: 0 };

  constructor(options: LogSpillOptions) {
    this.files = options.files;
    this.o = {
      batchSize: 200,
      idleSealMs: 2_000,
      retryBaseMs: 1_000,
      retryMaxMs: 30_000,
      scanIntervalMs: 30_000,
      isPermanentError: () => false,
      ...options,
    };
  }

  /** Resolves once the directory has been listed and earlier runs' files counted; never rejects. */
  whenScanned(): Promise<void> {
    this.scanned ??= this.refreshInventory().catch((err) => this.report(err, { kind: "spill_io", op: "scan" }));
    return this.scanned;
  }

  /** Replays files left by earlier runs, then looks for new ones every scanIntervalMs. */
  start(): void {
    if (this.scanTimer || this.closed) return;
    void this.whenScanned();
    this.scanTimer = setInterval(() => {
      if (!this.retryTimer) this.kick();
    }, this.o.scanIntervalMs);
    this.scanTimer.unref?.();
    this.kick();
  }

  /** Writes records to the spill file, durably; rejects (nothing kept) when the disk or the cap refuses. */
  append(records: readonly LogRecord[]): Promise<void> {
    return this.serial(async () => {
      // The cap covers files of earlier runs too: learn about them before the first append.
      await this.whenScanned();
      if (this.pendingBytes() >= this.o.maxBytes) throw new SpillFullError(this.o.maxBytes);
      try {
        const { base, bytes } = await this.files.append(records);
        const entry = this.inventory.get(base) ?? { rows: 0, bytes: 0 };
        this.inventory.set(base, { rows: entry.rows + records.length, bytes: entry.bytes + bytes });
      } catch (err) {
        this.counts.errors += 1;
        throw err;
      }
      this.counts.spilled += records.length;
      this.armIdleSeal();
    });
  }

  /** The database took a write again: seal the open file and replay now. */
  resumed(): void {
    if (this.closed) return;
    this.failures = 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.sealThenKick();
  }

  /** Stops replaying (a file being replayed is released between batches) and seals the open file. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.retryTimer, this.idleTimer]) if (t) clearTimeout(t);
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.retryTimer = this.idleTimer = this.scanTimer = null;
    await this.serial(() => this.files.seal()).catch((err) => this.report(err, { kind: "spill_io", op: "seal" }));
  }

  stats(): LogSpillStats {
    let pendingRows = 0;
    for (const e of this.inventory.values()) pendingRows += e.rows;
    return { ...this.counts, pendingRows, pendingBytes: this.pendingBytes(), files: this.inventory.size };
  }

  /** Starts a replay pass unless one is running (or closed). */
  kick(): void {
    if (this.replaying || this.closed) return;
    void this.replayAll();
  }

  private pendingBytes(): number {
    let bytes = 0;
    for (const e of this.inventory.values()) bytes += e.bytes;
    return bytes;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private armIdleSeal(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      void this.sealThenKick();
    }, this.o.idleSealMs);
    this.idleTimer.unref?.();
  }

  private async sealThenKick(): Promise<void> {
    await this.serial(() => this.files.seal()).catch((err) => this.report(err, { kind: "spill_io", op: "seal" }));
    this.kick();
  }

  private async replayAll(): Promise<void> {
    this.replaying = true;
    try {
      const scan = this.refreshInventory();
      this.scanned = scan.catch(() => undefined); // reported below
      await scan;
      for (;;) {
        if (this.closed) return;
        const claimed = await this.files.claimNext();
        if (!claimed) return;
        if (!(await this.replayFile(claimed))) return;
      }
    } catch (err) {
      this.counts.errors += 1;
      this.report(err, { kind: "spill_io", op: "replay" });
      this.backOff();
    } finally {
      this.replaying = false;
    }
  }

  /** True when the whole file is committed (and deleted); false when the replay stopped. */
  private async replayFile(claimed: Claimed): Promise<boolean> {
    try {
      for await (const batch of this.files.read(claimed, this.o.batchSize, () => (this.counts.tornLines += 1))) {
        const error = this.closed ? null : await this.writeReplay(batch);
        if (this.closed || error) {
          await this.files.release(claimed);
          if (error) this.failed(claimed, error);
          return false;
        }
        this.counts.replayed += batch.length;
        const entry = this.inventory.get(claimed.base);
        if (entry) entry.rows = Math.max(0, entry.rows - batch.length);
        await this.files.touch(claimed);
      }
    } catch (err) {
      await this.files.release(claimed).catch(() => undefined);
      throw err;
    }
    await this.files.finish(claimed);
    this.inventory.delete(claimed.base);
    this.failures = 0;
    return true;
  }

  /** Writes a batch; a record the database refuses for good is set aside (counted), not retried for ever. Returns the error that stops the replay, if any. */
  private async writeReplay(batch: LogRecord[]): Promise<unknown> {
    try {
      await this.o.write(batch);
      return null;
    } catch (err) {
      if (!this.o.isPermanentError(err)) return err;
    }
    for (const record of batch) {
      try {
        await this.o.write([record]);
      } catch (err) {
        if (!this.o.isPermanentError(err)) return err;
        this.counts.rejected += 1;
        this.report(err, { kind: "spill_rejected", logId: record.id });
      }
    }
    return null;
  }

  private failed(claimed: Claimed, err: unknown): void {
    const retryInMs = this.backOff();
    this.report(err, { kind: "spill_replay_failed", file: claimed.base, retryInMs });
  }

  private backOff(): number {
    this.failures += 1;
    const delay = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (this.failures - 1));
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref?.();
    return delay;
  }

  /** Learns about files other processes left (or took away); counts their rows once. */
  private async refreshInventory(): Promise<void> {
    const listed = await this.files.list();
    for (const base of this.inventory.keys()) if (!listed.has(base) && base !== this.files.openBase) this.inventory.delete(base);
    for (const [base, f] of listed) {
      // Ours are counted as they are written; another process's open file may have grown since.
      if (base === this.files.openBase || this.inventory.get(base)?.bytes === f.bytes) continue;
      this.inventory.set(base, { rows: await this.files.countLines(f.name), bytes: f.bytes });
    }
  }

  private report(err: unknown, info: LogSpillErrorInfo): void {
    try {
      this.o.onError?.(err, info);
    } catch {
      // A failing error hook must not break the spill.
    }
  }
}
