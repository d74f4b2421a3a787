/**
 * Recomputes the analytics rollups (LogRollup) from the raw request logs, for `npm run
 * rollups:rebuild` (scripts/rollups-rebuild.ts) after the migration that created them, or after
 * anything that made them disagree with the logs. Hour by hour and workspace by workspace, one
 * transaction each: delete that hour's rollups, read its logs in keyset pages of (createdAt, id)
 * on the (workspaceId, createdAt) index (memory bounded by the page and the hour's distinct keys,
 * not by the log volume), fold them with the writer's own fold (lib/logs/rollup.ts) and insert
 * the result, so the rebuild reproduces exactly what the writer would have written.
 *
 * Safe while Detour writes: the writer inserts a log and adds it to the rollups in one
 * transaction, and each hour's rebuild excludes writers of rollups for its duration: PostgreSQL
 * `LOCK TABLE "LogRollup" IN SHARE ROW EXCLUSIVE MODE` (it waits for the writers that already
 * touched rollups to commit, and makes the next ones wait on their upsert), SQLite a BEGIN
 * IMMEDIATE transaction (the one write lock). So every log is either committed before the rebuild
 * reads the hour (read, counted once; its writer's upsert is deleted with the old rows) or its
 * writer's upsert runs after the rebuild commits (not yet visible to the rebuild, added by the
 * writer): never both, never neither. Writers wait for one (workspace, hour) at a time, well under
 * a second, below their own timeouts.
 *
 * Hours before the oldest log are never touched (unless --from says so): rollups outlive the raw
 * rows' retention, and rebuilding an hour whose logs were pruned would lose it.
 */
import type { DatabaseTarget } from "../db";
import { loadPgDriver, loadSqliteDriver } from "../db/drivers";
import { hourOf, RollupFold, type RollupSource } from "../logs/rollup";
import { timeParam } from "../db/dialect";
import { rollupUpserterSqlite, upsertRollupsPg } from "./rollups";

const HOUR_MS = 3_600_000;

export type RebuildOptions = {
  /** First hour (rounded down); default: the hour of the oldest log. */
  from?: Date;
  /** End (exclusive, rounded up to the hour); default: just after the newest log. */
  to?: Date;
  /** Logs read per query (default 5000). */
  pageSize?: number;
  /** Called after each hour with the logs it read, over all workspaces. */
  onHour?: (hour: Date, logs: number) => void;
};
export type RebuildResult = { hours: number; logs: number; from: Date | null; to: Date | null };

type RawRow = {
  c: string;
  id: string;
  status: number;
  provider: string | null;
  model: string | null;
  path: string;
  apiKeyId: string | null;
  virtualKeySlug: string | null;
  configSlug: string | null;
  cost: number | null;
  costSaved: number | null;
  fallbackUsed: boolean | number;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  latencyMs: number;
};

const FOLD_COLUMNS = `"id", "status", "provider", "model", "path", "apiKeyId", "virtualKeySlug", "configSlug", "cost", "costSaved", "fallbackUsed", "promptTokens", "completionTokens", "totalTokens", "latencyMs"`;

function source(workspaceId: string, hour: Date, r: RawRow): RollupSource {
  return {
    workspaceId,
    createdAt: hour, // every row read is within this hour
    status: r.status,
    provider: r.provider,
    model: r.model,
    path: r.path,
    apiKeyId: r.apiKeyId,
    virtualKeySlug: r.virtualKeySlug,
    configSlug: r.configSlug,
    cost: r.cost,
    costSaved: r.costSaved,
    fallbackUsed: Boolean(r.fallbackUsed),
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    totalTokens: r.totalTokens,
    latencyMs: r.latencyMs,
  };
}

/** The engine behind one database: range bounds, workspaces, and one (workspace, hour) rebuild. */
type Engine = {
  bounds(): Promise<{ min: Date | null; max: Date | null }>;
  workspaces(): Promise<string[]>;
  rebuild(workspaceId: string, hour: Date, pageSize: number): Promise<number>;
  close(): Promise<void>;
};

export async function rebuildRollups(target: DatabaseTarget, options: RebuildOptions = {}): Promise<RebuildResult> {
  const engine = target.kind === "sqlite" ? await sqliteEngine(target.file) : await postgresEngine(target.url);
  try {
    const pageSize = Math.max(1, options.pageSize ?? 5000);
    let from = options.from ?? null;
    let to = options.to ?? null;
    if (!from || !to) {
      const b = await engine.bounds();
      from ??= b.min;
      to ??= b.max && new Date(b.max.getTime() + 1);
    }
    if (!from || !to) return { hours: 0, logs: 0, from: null, to: null };
    const start = hourOf(from);
    const end = new Date(Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS);
    const workspaces = await engine.workspaces();
    let hours = 0;
    let logs = 0;
    for (let t = start.getTime(); t < end.getTime(); t += HOUR_MS) {
      const hour = new Date(t);
      let inHour = 0;
      for (const ws of workspaces) inHour += await engine.rebuild(ws, hour, pageSize);
      hours++;
      logs += inHour;
      options.onHour?.(hour, inHour);
    }
    return { hours, logs, from: start, to: end };
  } finally {
    await engine.close();
  }
}

async function sqliteEngine(file: string): Promise<Engine> {
  const Database = await loadSqliteDriver();
  const db = new Database(file, { timeout: 10_000 });
  db.pragma("journal_mode = WAL");
  const upsert = rollupUpserterSqlite(db);
  const del = db.prepare(`DELETE FROM "LogRollup" WHERE "workspaceId" = ? AND "hour" = ?`);
  const first = db.prepare(
    `SELECT "createdAt" AS c, ${FOLD_COLUMNS} FROM "RequestLog" WHERE "workspaceId" = ? AND "createdAt" >= ? AND "createdAt" < ?
     ORDER BY "createdAt", "id" LIMIT ?`,
  );
  const next = db.prepare(
    `SELECT "createdAt" AS c, ${FOLD_COLUMNS} FROM "RequestLog" WHERE "workspaceId" = ? AND "createdAt" >= ? AND "createdAt" < ?
       AND ("createdAt", "id") > (?, ?) ORDER BY "createdAt", "id" LIMIT ?`,
  );
  const rebuildHour = db.transaction((workspaceId: string, hour: Date, pageSize: number) => {
    const lo = timeParam("sqlite", hour);
    const hi = timeParam("sqlite", new Date(hour.getTime() + HOUR_MS));
    del.run(workspaceId, lo);
    const fold = new RollupFold();
    let n = 0;
    let page = first.all(workspaceId, lo, hi, pageSize) as RawRow[];
    while (page.length > 0) {
      for (const r of page) fold.add(source(workspaceId, hour, r));
      n += page.length;
      if (page.length < pageSize) break;
      const last = page[page.length - 1]!;
      page = next.all(workspaceId, lo, hi, last.c, last.id, pageSize) as RawRow[];
    }
    upsert(fold.deltas());
    return n;
  });
  return {
    bounds: async () => {
      const r = db.prepare(`SELECT MIN("createdAt") AS min, MAX("createdAt") AS max FROM "RequestLog"`).get() as {
        min: string | null;
        max: string | null;
      };
      return { min: r.min ? new Date(r.min) : null, max: r.max ? new Date(r.max) : null };
    },
    workspaces: async () => (db.prepare(`SELECT "id" FROM "Workspace" ORDER BY "id"`).all() as { id: string }[]).map((w) => w.id),
    rebuild: async (workspaceId, hour, pageSize) => rebuildHour.immediate(workspaceId, hour, pageSize),
    close: async () => void db.close(),
  };
}

async function postgresEngine(url: string): Promise<Engine> {
  const pg = await loadPgDriver();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // createdAt as text: node-postgres would read a timestamp without time zone in local time.
  const select = (cursor: boolean) =>
    `SELECT "createdAt"::text AS c, ${FOLD_COLUMNS} FROM "RequestLog"
     WHERE "workspaceId" = $1 AND "createdAt" >= $2::timestamp AND "createdAt" < $3::timestamp
     ${cursor ? `AND ("createdAt", "id") > ($5::timestamp, $6)` : ""} ORDER BY "createdAt", "id" LIMIT $4`;
  const utc = (text: string | null) => (text ? new Date(`${text.replace(" ", "T")}Z`) : null);
  return {
    bounds: async () => {
      const { rows } = await client.query<{ min: string | null; max: string | null }>(
        `SELECT MIN("createdAt")::text AS min, MAX("createdAt")::text AS max FROM "RequestLog"`,
      );
      return { min: utc(rows[0]!.min), max: utc(rows[0]!.max) };
    },
    workspaces: async () => (await client.query<{ id: string }>(`SELECT "id" FROM "Workspace" ORDER BY "id"`)).rows.map((w) => w.id),
    rebuild: async (workspaceId, hour, pageSize) => {
      const lo = timeParam("postgresql", hour);
      const hi = timeParam("postgresql", new Date(hour.getTime() + HOUR_MS));
      await client.query("BEGIN");
      try {
        await client.query(`LOCK TABLE "LogRollup" IN SHARE ROW EXCLUSIVE MODE`);
        await client.query(`DELETE FROM "LogRollup" WHERE "workspaceId" = $1 AND "hour" = $2::timestamp`, [workspaceId, lo]);
        const fold = new RollupFold();
        let n = 0;
        let page = (await client.query<RawRow>(select(false), [workspaceId, lo, hi, pageSize])).rows;
        while (page.length > 0) {
          for (const r of page)
            fold.add(
              source(workspaceId, hour, {
                ...r,
                cost: r.cost === null ? null : Number(r.cost),
                costSaved: r.costSaved === null ? null : Number(r.costSaved),
              }),
            );
          n += page.length;
          if (page.length < pageSize) break;
          const last = page[page.length - 1]!;
          page = (await client.query<RawRow>(select(true), [workspaceId, lo, hi, pageSize, last.c, last.id])).rows;
        }
        await upsertRollupsPg(client, fold.deltas());
        await client.query("COMMIT");
        return n;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    },
    close: () => client.end(),
  };
}
