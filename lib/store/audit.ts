/**
 * Reading and pruning the audit trail (AuditEvent; written by lib/audit/record.ts). A page is read
 * newest first by (at, id), scoped to one workspace, on the (workspaceId, at) or (workspaceId,
 * action, at) index; the page after a cursor is "events strictly older than (at, id)", so events
 * written meanwhile never shift a later page. Pruning deletes events older than a cutoff in every
 * workspace, a bounded batch per statement on the (at) index, so it never holds a long lock.
 */
import type { Db } from "../db";
import type { Prisma } from "../generated/sqlite/client";
import type { AuditCursor, AuditFilters } from "../audit/query";

export type AuditEventRow = {
  id: string;
  workspaceId: string;
  at: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  address: string | null;
  userAgent: string | null;
  before: string | null;
  after: string | null;
};

type Where = Prisma.AuditEventWhereInput;

function filterWhere(f: AuditFilters): Where[] {
  const and: Where[] = [];
  if (f.action) and.push("exact" in f.action ? { action: f.action.exact } : { action: { startsWith: f.action.prefix } });
  if (f.actor) and.push({ OR: [{ actorId: f.actor }, { actorLabel: { contains: f.actor } }] });
  if (f.target_type) and.push({ targetType: f.target_type });
  if (f.target_id) and.push({ targetId: f.target_id });
  if (f.since) and.push({ at: { gte: f.since } });
  if (f.until) and.push({ at: { lt: f.until } });
  return and;
}

/** One page of the workspace's events, newest first; `next` is where the following page starts (null: none). */
export async function listAuditEvents(
  db: Db,
  workspaceId: string,
  query: { filters: AuditFilters; limit: number; cursor: AuditCursor | null },
): Promise<{ rows: AuditEventRow[]; next: AuditCursor | null }> {
  const and = filterWhere(query.filters);
  const c = query.cursor;
  if (c) and.push({ OR: [{ at: { lt: c.at } }, { at: c.at, id: { lt: c.id } }] });
  const rows = await db.auditEvent.findMany({
    where: { workspaceId, AND: and },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? { at: last.at, id: last.id } : null };
}

/**
 * Deletes at most `batchSize` events (of any workspace) older than `cutoff`, oldest first: how many
 * were found and how many went (fewer when another instance pruned them meanwhile). Two short statements (the ids on the `at` index, then those ids): deleteMany takes
 * no limit, and a single unbounded delete of a year's events could hold the table for long.
 */
export async function pruneAuditBatch(db: Db, cutoff: Date, batchSize: number): Promise<{ found: number; deleted: number }> {
  const ids = await db.auditEvent.findMany({
    where: { at: { lt: cutoff } },
    select: { id: true },
    orderBy: { at: "asc" },
    take: batchSize,
  });
  if (ids.length === 0) return { found: 0, deleted: 0 };
  const { count } = await db.auditEvent.deleteMany({ where: { id: { in: ids.map((r) => r.id) } } });
  return { found: ids.length, deleted: count };
}
