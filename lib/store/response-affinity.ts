/**
 * ResponseAffinity rows: which target created a Responses API response or conversation. Rows are
 * written by the log writer with the log row that created them (lib/store/logs.ts,
 * lib/store/log-sink.ts); here they are read and deleted for lib/gateway/affinity.
 */
import type { Db } from "../db";
import type { AffinityKind, AffinityRecord } from "../gateway/affinity/types";

const KINDS: readonly string[] = ["response", "conversation"] satisfies AffinityKind[];

/** The record of `id` in the workspace, or null when none is stored. */
export async function findResponseAffinity(db: Db, workspaceId: string, id: string): Promise<AffinityRecord | null> {
  const row = await db.responseAffinity.findUnique({ where: { workspaceId_id: { workspaceId, id } } });
  if (!row || !KINDS.includes(row.kind)) return null;
  return { ...row, kind: row.kind as AffinityKind };
}

/** Removes the record of `id` (a deleted response); a missing row is not an error. */
export async function deleteResponseAffinity(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.responseAffinity.deleteMany({ where: { workspaceId, id } });
}
