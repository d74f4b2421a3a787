/**
 * Log retention (docs/GATEWAY.md, "Log retention"): request logs older than their workspace's
 * retention (`Workspace.logRetentionDays`, else DETOUR_LOG_RETENTION_DAYS, default 30; 0 keeps
 * everything) are removed in the background, with their attempts and metadata, never on the
 * request path and never blocking the log writer for long.
 *
 * One run (every RUN_INTERVAL_MS, the first a minute after start), on one instance at a time (a
 * lease in the database, lib/store/log-retention.ts; the others skip their turn):
 * 1. PostgreSQL: every day partition (and the legacy partition) that ends before the cutoff of the
 *    longest retention in force is dropped whole (lib/store/log-partitions.ts). This is the bulk.
 * 2. Each workspace: its logs older than its own cutoff are deleted in bounded batches (on SQLite all
 *    of retention is this; on PostgreSQL it covers workspaces with a shorter retention than the
 *    longest, and rows in the legacy and default partitions). The batch size adapts so that each
 *    statement stays short (SQLite's driver runs on the event loop).
 * 3. Response affinity rows (which provider holds a response or conversation) older than the longest
 *    retention, never sooner than 30 days (what providers keep a response), go the same way.
 * 4. Analytics rollups older than DETOUR_ROLLUP_RETENTION_DAYS (default 400: they outlive the raw
 *    rows, so analytics covers months whose logs are gone).
 * 5. PostgreSQL: the full-text index's pending entries of the days that have ended are merged into
 *    the index (lib/store/log-partitions.ts, mergeSearchIndexPending): autovacuum leaves a finished
 *    day's last entries pending for good, and every search of that day would read them all.
 * 6. SQLite: the pages freed go back to the file system (incremental vacuum), a few at a time.
 * A run stops after RUN_BUDGET_MS; the next one carries on. Budget spend (SpendDaily) is never touched:
 * a budget's period may be longer than the logs are kept.
 *
 * PostgreSQL's partitions are created ahead of time by every instance at start and hourly
 * (ensureLogPartitions: idempotent, serialised by an advisory lock).
 *
 * Progress: `/metrics` (detour_log_retention_*, detour_log_partitions) and `/api/health`
 * (`log_retention`: the last run's summary, shared through the database by every instance).
 */
import { getDb, type Db } from "../db";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";
import { observeLogPartitions, observeRetentionRun } from "../metrics";
import { getRuntime } from "../runtime";
import type { Dialect } from "../db/dialect";
import { dropLogPartitionsBefore, ensureLogPartitions, listLogPartitions, mergeSearchIndexPending } from "../store/log-partitions";
import {
  deleteOldAffinityBatch,
  deleteOldLogsBatch,
  listWorkspaceRetention,
  readLastRetentionRun,
  releaseLease,
  saveLastRetentionRun,
  sqliteFreePages,
  sqliteIncrementalVacuum,
  tryLease,
} from "../store/log-retention";
import { pruneRollupsBatch } from "../store/rollups";

const DAY_MS = 86_400_000;
export const RUN_FIRST_DELAY_MS = 60_000;
export const RUN_INTERVAL_MS = 10 * 60_000;
export const RUN_BUDGET_MS = 60_000;
export const PARTITION_INTERVAL_MS = 60 * 60_000;
/** Providers keep a stored response 30 days: its affinity row is kept at least that long. */
export const AFFINITY_MIN_DAYS = 30;
const LEASE = "log_retention";
/** A batch statement should take about this long; the batch size follows. */
const TARGET_BATCH_MS = { sqlite: 15, postgresql: 200 } as const;
const BATCH_LIMITS = { sqlite: { start: 200, min: 10, max: 5_000 }, postgresql: { start: 2_000, min: 100, max: 20_000 } } as const;
/** SQLite pages returned to the file system per step of the incremental vacuum. */
const VACUUM_STEP_PAGES = 256;

export type WorkspaceRetention = { id: string; logRetentionDays: number | null };

export type RetentionPlan = {
  /** PostgreSQL drops the partitions that end at or before this (the longest retention's cutoff); null: none. */
  dropBefore: Date | null;
  /** Each workspace whose logs expire, with its cutoff. */
  workspaces: { workspaceId: string; cutoff: Date }[];
  /** Response affinity rows created before this go; null: none. */
  affinityBefore: Date | null;
};

/** What one run removes, from each workspace's retention (its own, else `defaultDays`; 0 = forever). Pure. */
export function retentionPlan(workspaces: readonly WorkspaceRetention[], defaultDays: number, now: Date): RetentionPlan {
  const days = (w: WorkspaceRetention) => w.logRetentionDays ?? defaultDays;
  const before = (d: number) => new Date(now.getTime() - d * DAY_MS);
  const kept = workspaces.map(days);
  const forever = kept.some((d) => d <= 0) || (workspaces.length === 0 && defaultDays <= 0);
  const longest = kept.length ? Math.max(...kept) : defaultDays;
  return {
    dropBefore: forever ? null : before(longest),
    workspaces: workspaces.filter((w) => days(w) > 0).map((w) => ({ workspaceId: w.id, cutoff: before(days(w)) })),
    affinityBefore: forever ? null : before(Math.max(AFFINITY_MIN_DAYS, longest)),
  };
}

export type RetentionRun = {
  started_at: string;
  duration_ms: number;
  /** false: the time budget ran out (or the process stopped) first; the next run carries on. */
  complete: boolean;
  default_days: number;
  deleted_logs: number;
  deleted_affinity: number;
  /** Analytics rollup rows past DETOUR_ROLLUP_RETENTION_DAYS. */
  deleted_rollups: number;
  partitions_dropped: number;
  /** PostgreSQL's estimate of the logs the dropped partitions held. */
  partition_rows_estimate: number;
  /** Days whose partitions could not be dropped this run (a lock was not granted in time). */
  partitions_blocked: string[];
  vacuumed_pages: number;
  /** PostgreSQL: pages of the full-text index's pending entries merged, on days that have ended. */
  search_pending_pages: number;
  error: string | null;
};

export type RunOptions = {
  dialect: Dialect;
  /** Days the analytics rollups are kept (DETOUR_ROLLUP_RETENTION_DAYS; 0 or absent: forever). */
  rollupDays?: number;
  /** SQLite: the database file, for the incremental vacuum (without it, freed pages stay in the file). */
  sqliteFile?: string;
  defaultDays: number;
  now?: Date;
  budgetMs?: number;
  shouldStop?: () => boolean;
  /** Runs a tick between batches (renews the lease); false ends the run. */
  between?: () => Promise<boolean>;
};

/** Adapts a batch size so that one statement takes about `targetMs`. */
function batchSizer(dialect: Dialect) {
  const limits = BATCH_LIMITS[dialect];
  let size: number = limits.start;
  return {
    get: () => size,
    took(ms: number) {
      if (ms < TARGET_BATCH_MS[dialect] / 2) size = Math.min(limits.max, size * 2);
      else if (ms > TARGET_BATCH_MS[dialect] * 2) size = Math.max(limits.min, Math.floor(size / 2));
    },
  };
}

/** A run that has removed nothing yet. */
function emptyRun(defaultDays: number, startedMs = Date.now()): RetentionRun {
  return {
    started_at: new Date(startedMs).toISOString(),
    duration_ms: 0,
    complete: false,
    default_days: defaultDays,
    deleted_logs: 0,
    deleted_affinity: 0,
    deleted_rollups: 0,
    partitions_dropped: 0,
    partition_rows_estimate: 0,
    partitions_blocked: [],
    vacuumed_pages: 0,
    search_pending_pages: 0,
    error: null,
  };
}

/** One retention run over the whole database (the caller holds the lease). */
export async function runLogRetention(db: Db, options: RunOptions): Promise<RetentionRun> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const deadline = started + (options.budgetMs ?? RUN_BUDGET_MS);
  const stop = () => Date.now() >= deadline || (options.shouldStop?.() ?? false);
  const run = emptyRun(options.defaultDays, started);
  const plan = retentionPlan(await listWorkspaceRetention(db), options.defaultDays, now);
  const sizer = batchSizer(options.dialect);
  /** Runs batches until one finds less than its size; false when stopped first. */
  const drain = async (batch: (limit: number) => Promise<number>, counted: (n: number) => void): Promise<boolean> => {
    for (;;) {
      if (stop()) return false;
      const limit = sizer.get();
      const t0 = performance.now();
      const n = await batch(limit);
      sizer.took(performance.now() - t0);
      counted(n);
      if (n < limit) return true;
      if (options.between && !(await options.between())) return false;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  let complete = true;
  if (options.dialect === "postgresql" && plan.dropBefore) {
    const { dropped, blocked } = await dropLogPartitionsBefore(db, plan.dropBefore, stop);
    run.partitions_dropped = dropped.length;
    run.partition_rows_estimate = dropped.reduce((sum, d) => sum + d.estimatedRows, 0);
    run.partitions_blocked = blocked;
    if (blocked.length) complete = false;
  }
  for (const w of plan.workspaces) {
    const done = await drain(
      (limit) => deleteOldLogsBatch(db, options.dialect, w.workspaceId, w.cutoff, limit),
      (n) => {
        run.deleted_logs += n;
      },
    );
    if (!done) complete = false;
  }
  if (plan.affinityBefore && complete) {
    const cutoff = plan.affinityBefore;
    complete = await drain(
      (limit) => deleteOldAffinityBatch(db, options.dialect, cutoff, limit),
      (n) => {
        run.deleted_affinity += n;
      },
    );
  }
  const rollupDays = options.rollupDays ?? 0;
  if (rollupDays > 0 && complete) {
    const cutoff = new Date(now.getTime() - rollupDays * DAY_MS);
    complete = await drain(
      async (limit) => (await pruneRollupsBatch(db, cutoff, limit)).deleted,
      (n) => {
        run.deleted_rollups += n;
      },
    );
  }
  if (options.dialect === "postgresql") {
    // Whatever the steps before left of the budget: the next run carries on. Not merged (say, the
    // database user does not own the tables): searches read more, nothing is lost.
    try {
      const merged = await mergeSearchIndexPending(db, now, stop);
      run.search_pending_pages = merged.pages;
      if (!merged.complete) complete = false;
    } catch (err) {
      logger.warn({ err: errorDetail(err) }, "log retention: the search index's pending entries could not be merged");
    }
  }
  if (options.dialect === "sqlite" && options.sqliteFile) {
    // Each step is a short write; stop when the free list is empty (or stops shrinking) or the budget is spent.
    for (;;) {
      const { free } = await sqliteFreePages(db);
      if (free === 0) break;
      if (stop()) {
        complete = false;
        break;
      }
      const freed = await sqliteIncrementalVacuum(options.sqliteFile, VACUUM_STEP_PAGES);
      run.vacuumed_pages += freed;
      if (freed === 0) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  run.complete = complete;
  run.duration_ms = Date.now() - started;
  return run;
}

// ---------------------------------------------------------------------------------------------
// The background schedule

type State = { timers: Set<NodeJS.Timeout>; running: boolean; stopped: boolean };
const SLOT = Symbol.for("detour.log-retention");
const slot = globalThis as unknown as { [SLOT]?: State };

function recordMetrics(run: RetentionRun): void {
  observeRetentionRun({
    outcome: run.error ? "failed" : run.complete ? "complete" : "partial",
    startedAtMs: Date.parse(run.started_at),
    deleted: { logs: run.deleted_logs, affinity: run.deleted_affinity, rollups: run.deleted_rollups },
    partitionsDropped: run.partitions_dropped,
  });
}

/** PostgreSQL: creates the coming days' partitions and publishes the partition gauges. */
export async function maintainLogPartitions(db: Db, now = new Date()): Promise<string[]> {
  const created = await ensureLogPartitions(db, { now });
  const days = (await listLogPartitions(db)).filter((p) => p.table === "RequestLog" && p.kind !== "default");
  const oldest = days[0];
  observeLogPartitions(days.length, oldest ? (oldest.from ?? oldest.to) : null);
  return created;
}

/**
 * Starts the background retention (once per process). On PostgreSQL the partitions are made first
 * (awaited: the caller starts the log writer after), then hourly.
 */
export async function startLogRetention(firstDelayMs = RUN_FIRST_DELAY_MS, intervalMs = RUN_INTERVAL_MS): Promise<void> {
  if (slot[SLOT]) return;
  const env = getEnv();
  const dialect = env.database.kind;
  const state: State = { timers: new Set(), running: false, stopped: false };
  slot[SLOT] = state;
  const rt = getRuntime();
  /** Runs `task` after `first` ms, then `ms` after each run ends. */
  const every = (ms: number, first: number, task: () => Promise<void>) => {
    const after = (delay: number) => {
      if (state.stopped) return;
      const t = setTimeout(() => {
        state.timers.delete(t);
        void task().finally(() => after(ms));
      }, delay);
      t.unref();
      state.timers.add(t);
    };
    after(first);
  };
  if (dialect === "postgresql") {
    const partitions = async () => {
      try {
        const created = await maintainLogPartitions(getDb());
        if (created.length) logger.info({ created }, "log partitions created");
      } catch (err) {
        if (!rt.stopping)
          logger.warn(
            { err: errorDetail(err) },
            "log partitions could not be created; rows go to the default partition until the next try",
          );
      }
    };
    await partitions();
    every(PARTITION_INTERVAL_MS, PARTITION_INTERVAL_MS, partitions);
  }
  const retention = async () => {
    if (rt.stopping || state.running) return;
    state.running = true;
    const db = getDb();
    const ttl = RUN_BUDGET_MS + 60_000;
    try {
      if (!(await tryLease(db, LEASE, ttl))) return; // another instance prunes
      const run = await runLogRetention(db, {
        dialect,
        sqliteFile: env.database.kind === "sqlite" ? env.database.file : undefined,
        defaultDays: env.DETOUR_LOG_RETENTION_DAYS,
        rollupDays: env.DETOUR_ROLLUP_RETENTION_DAYS,
        shouldStop: () => rt.stopping || state.stopped,
        between: () => tryLease(db, LEASE, ttl),
      }).catch((err: unknown) => {
        const failed: RetentionRun = {
          ...emptyRun(env.DETOUR_LOG_RETENTION_DAYS),
          error: err instanceof Error ? err.message : String(err),
        };
        if (!rt.stopping) logger.warn({ err: errorDetail(err) }, "log retention: the run failed; the next one tries again");
        return failed;
      });
      recordMetrics(run);
      await saveLastRetentionRun(db, run);
      if (run.deleted_logs || run.partitions_dropped || run.deleted_affinity)
        logger.info(
          { deleted: run.deleted_logs, partitions: run.partitions_dropped, affinity: run.deleted_affinity, complete: run.complete },
          "log retention: old logs removed",
        );
      await releaseLease(db, LEASE);
    } catch (err) {
      if (!rt.stopping) logger.warn({ err: errorDetail(err) }, "log retention: the run could not start; the next one tries again");
    } finally {
      state.running = false;
    }
  };
  every(intervalMs, firstDelayMs, retention);
}

/** Stops the schedule; a run in progress ends after its current batch. */
export function stopLogRetention(): void {
  const state = slot[SLOT];
  if (!state) return;
  state.stopped = true;
  for (const t of state.timers) clearTimeout(t);
  delete slot[SLOT];
}

export type LogRetentionHealth = { default_days: number; last_run: RetentionRun | null };

/** What /api/health says of retention: the default and the last run on any instance. */
export async function logRetentionHealth(db: Db): Promise<LogRetentionHealth> {
  return { default_days: getEnv().DETOUR_LOG_RETENTION_DAYS, last_run: await readLastRetentionRun<RetentionRun>(db) };
}
