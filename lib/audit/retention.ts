/**
 * The audit trail's retention (DETOUR_AUDIT_RETENTION_DAYS, default 365; 0 keeps every event):
 * events older than that are deleted in the background, never on the request path. The first run is
 * a minute after start (the first answers come first), then one an hour; each deletes in batches of
 * AUDIT_PRUNE_BATCH rows (one short statement each, lib/store/audit.ts) until nothing older is
 * left or its time budget is spent (the next run carries on). Runs never overlap in one process;
 * several instances may prune at once (deleting old rows is idempotent). A failure is logged and
 * the next run tries again; it never stops Detour. Started and stopped by lib/server-start.ts.
 */
import { getDb, type Db } from "../db";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";
import { getRuntime } from "../runtime";
import { pruneAuditBatch } from "../store/audit";

export const AUDIT_PRUNE_BATCH = 1000;
export const AUDIT_PRUNE_FIRST_DELAY_MS = 60_000;
export const AUDIT_PRUNE_INTERVAL_MS = 60 * 60_000;
/** One run stops after this long; what is left goes at the next run. */
export const AUDIT_PRUNE_BUDGET_MS = 30_000;
const DAY_MS = 24 * 60 * 60_000;

export type PruneOptions = {
  retentionDays: number;
  now?: Date;
  batchSize?: number;
  budgetMs?: number;
  /** Asked between batches: true ends the run early (the process is stopping). */
  shouldStop?: () => boolean;
};

export type PruneSummary = { deleted: number; batches: number; complete: boolean; cutoff: Date | null };

/** Deletes every event older than `retentionDays` (0: none), batch by batch, within the time budget. */
export async function pruneAuditEvents(db: Db, options: PruneOptions): Promise<PruneSummary> {
  if (options.retentionDays <= 0) return { deleted: 0, batches: 0, complete: true, cutoff: null };
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.retentionDays * DAY_MS);
  const batchSize = options.batchSize ?? AUDIT_PRUNE_BATCH;
  const deadline = Date.now() + (options.budgetMs ?? AUDIT_PRUNE_BUDGET_MS);
  const summary: PruneSummary = { deleted: 0, batches: 0, complete: false, cutoff };
  for (;;) {
    const { found, deleted } = await pruneAuditBatch(db, cutoff, batchSize);
    summary.batches += 1;
    summary.deleted += deleted;
    if (found < batchSize) {
      summary.complete = true;
      return summary;
    }
    if (Date.now() >= deadline || options.shouldStop?.()) return summary;
    // Let other work on this connection pool have its turn between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

type PrunerState = { timer: NodeJS.Timeout | null; running: boolean };

// One slot per process: Next.js may load lib/ more than once, and start and stop must meet.
const SLOT = Symbol.for("detour.audit-retention");
const slot = globalThis as unknown as { [SLOT]?: PrunerState };

/**
 * Starts the background pruning (once per process; a no-op when retention is 0). Returns at once.
 * `firstDelayMs` and `intervalMs` exist for tests.
 */
export function startAuditRetention(firstDelayMs = AUDIT_PRUNE_FIRST_DELAY_MS, intervalMs = AUDIT_PRUNE_INTERVAL_MS): void {
  if (slot[SLOT]) return;
  const retentionDays = getEnv().DETOUR_AUDIT_RETENTION_DAYS;
  if (retentionDays <= 0) {
    logger.info("audit retention: DETOUR_AUDIT_RETENTION_DAYS=0, every audit event is kept");
    return;
  }
  const state: PrunerState = { timer: null, running: false };
  slot[SLOT] = state;
  const rt = getRuntime();
  const run = async () => {
    if (rt.stopping || state.running) return;
    state.running = true;
    try {
      const summary = await pruneAuditEvents(getDb(), { retentionDays, shouldStop: () => rt.stopping });
      if (summary.deleted > 0)
        logger.info(
          { deleted: summary.deleted, complete: summary.complete, before: summary.cutoff?.toISOString() },
          "audit retention: old events deleted",
        );
    } catch (err) {
      if (!rt.stopping) logger.warn({ err: errorDetail(err) }, "audit retention: pruning failed; the next run tries again");
    } finally {
      state.running = false;
    }
  };
  const schedule = (ms: number) => {
    state.timer = setTimeout(() => {
      void run().finally(() => {
        if (slot[SLOT] === state) schedule(intervalMs);
      });
    }, ms);
    state.timer.unref();
  };
  schedule(firstDelayMs);
}

/** Stops the background pruning (a run in progress ends after its current batch: it sees the runtime stopping). */
export function stopAuditRetention(): void {
  const state = slot[SLOT];
  if (!state) return;
  if (state.timer) clearTimeout(state.timer);
  delete slot[SLOT];
}
