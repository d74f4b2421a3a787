/**
 * Gives the logs written before search existed (migration 0016_log_search) their search text
 * (lib/logs/search-text.ts), so that `q` finds them too: `npm run logs:search-backfill`
 * (scripts/logs-search-backfill.ts). Workspace by workspace, oldest first, in batches read on the
 * (workspaceId, createdAt) index after the last one, each batch one short transaction: safe while
 * Detour runs and writes (new logs get their text from the writer), and resumable (a log that
 * already has a text is left as it is). SQLite's FTS5 index follows through its update trigger;
 * PostgreSQL's generated "searchVector" and its GIN index through the row's new version.
 */
import type { Db } from "../db";
import { dialectOf } from "../db/dialect";
import { logSearchText } from "../logs/search-text";

export type BackfillProgress = { workspaces: number; read: number; updated: number };

export async function backfillSearchText(
  db: Db,
  options: { batch?: number; onBatch?: (p: BackfillProgress) => void } = {},
): Promise<BackfillProgress> {
  const batch = options.batch ?? 500;
  const dialect = dialectOf(db);
  const progress: BackfillProgress = { workspaces: 0, read: 0, updated: 0 };
  const workspaces = await db.workspace.findMany({ select: { id: true }, orderBy: { createdAt: "asc" } });
  for (const { id: workspaceId } of workspaces) {
    progress.workspaces++;
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const rows: { id: string; createdAt: Date; path: string; requestBody: string | null; responseBody: string | null }[] =
        await db.requestLog.findMany({
          where: {
            workspaceId,
            searchText: null,
            OR: [{ requestBody: { not: null } }, { responseBody: { not: null } }],
            ...(after
              ? {
                  AND: [
                    { createdAt: { gte: after.createdAt } },
                    { OR: [{ createdAt: { gt: after.createdAt } }, { id: { gt: after.id } }] },
                  ],
                }
              : {}),
          },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: batch,
          select: { id: true, createdAt: true, path: true, requestBody: true, responseBody: true },
        });
      if (rows.length === 0) break;
      progress.read += rows.length;
      const texts = rows.flatMap((r) => {
        const text = logSearchText(r);
        return text === null ? [] : [{ id: r.id, createdAt: r.createdAt, text: text.replaceAll("\u0000", "\uFFFD") }];
      });
      if (texts.length > 0) {
        if (dialect === "postgresql") {
          // One statement a batch; matched on the partition key too, so only those days' partitions are touched.
          progress.updated += await db.$executeRaw`
            UPDATE "RequestLog" l SET "searchText" = v."text"
              FROM json_to_recordset(${JSON.stringify(texts)}::json) AS v("id" text, "createdAt" timestamp(3), "text" text)
             WHERE l."id" = v."id" AND l."createdAt" = v."createdAt" AND l."searchText" IS NULL`;
        } else {
          const updates = texts.map((t) =>
            db.requestLog.updateMany({ where: { id: t.id, searchText: null }, data: { searchText: t.text } }),
          );
          progress.updated += (await db.$transaction(updates)).reduce((n, r) => n + r.count, 0);
        }
      }
      const last = rows[rows.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
      options.onBatch?.(progress);
      if (rows.length < batch) break;
    }
  }
  return progress;
}
