/**
 * The order the log store reads a search's matches in when it is sorted by a value (lib/store/
 * log-query.ts, readInOrder): the logs with a known value first, ties by id; then, for cost, the
 * logs without one, by id. Read straight from the database, for tests to compare pages against.
 */
import type { Db } from "@/lib/db";

export async function idsInValueOrder(
  db: Db,
  workspaceId: string,
  field: "cost" | "latencyMs",
  direction: "asc" | "desc",
): Promise<string[]> {
  const known = await db.requestLog.findMany({
    where: { workspaceId, ...(field === "cost" ? { cost: { not: null } } : {}) },
    orderBy: [{ [field]: direction }, { id: direction }],
    select: { id: true },
  });
  const unknown =
    field === "cost"
      ? await db.requestLog.findMany({ where: { workspaceId, cost: null }, orderBy: { id: direction }, select: { id: true } })
      : [];
  return [...known, ...unknown].map((r) => r.id);
}
