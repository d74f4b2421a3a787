/**
 * Saved views of the log explorer (SavedLogView): each belongs to one user in one workspace, and
 * every read and write here is scoped by both, so a user only ever sees or changes their own (a
 * view of someone else is "not found", never "forbidden"). Names are unique per user and workspace
 * whatever their case (the `nameKey` unique index); a user keeps at most MAX_LOG_VIEWS per
 * workspace. The query arrives already checked and canonical (lib/logs/views.ts).
 */
import type { Db } from "../db";
import { isUniqueViolation } from "../db/conflict";
import { MAX_LOG_VIEWS, viewNameKey } from "../logs/views";

export type LogViewRow = {
  id: string;
  name: string;
  query: string;
  hiddenColumns: string[] | null;
  createdAt: Date;
  updatedAt: Date;
};

type Owner = { workspaceId: string; userId: string };

const SELECT = { id: true, name: true, query: true, hiddenColumns: true, createdAt: true, updatedAt: true } as const;

function toRow(r: { id: string; name: string; query: string; hiddenColumns: string | null; createdAt: Date; updatedAt: Date }): LogViewRow {
  let hidden: string[] | null = null;
  if (r.hiddenColumns !== null) {
    try {
      const parsed: unknown = JSON.parse(r.hiddenColumns);
      hidden = Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : null;
    } catch {
      hidden = null;
    }
  }
  return { ...r, hiddenColumns: hidden };
}

/** The user's views in the workspace, by name (case-insensitive). */
export async function listLogViews(db: Db, owner: Owner): Promise<LogViewRow[]> {
  const rows = await db.savedLogView.findMany({
    where: { workspaceId: owner.workspaceId, userId: owner.userId },
    orderBy: { nameKey: "asc" },
    select: SELECT,
  });
  return rows.map(toRow);
}

export async function getLogView(db: Db, owner: Owner, id: string): Promise<LogViewRow | null> {
  const row = await db.savedLogView.findFirst({ where: { id, workspaceId: owner.workspaceId, userId: owner.userId }, select: SELECT });
  return row ? toRow(row) : null;
}

export type LogViewInput = { name: string; query: string; hiddenColumns: readonly string[] | null };

export type LogViewResult =
  | { ok: true; view: LogViewRow; before?: LogViewRow }
  | { ok: false; reason: "not_found" | "limit" }
  | { ok: false; reason: "name_taken"; clash: string };

async function clashOf(db: Db, owner: Owner, name: string): Promise<string> {
  const other = await db.savedLogView.findFirst({
    where: { workspaceId: owner.workspaceId, userId: owner.userId, nameKey: viewNameKey(name) },
    select: { name: true },
  });
  return other?.name ?? name;
}

/** A new view, unless the user has MAX_LOG_VIEWS already or one with the same name. */
export async function createLogView(db: Db, owner: Owner, input: LogViewInput, max = MAX_LOG_VIEWS): Promise<LogViewResult> {
  const count = await db.savedLogView.count({ where: { workspaceId: owner.workspaceId, userId: owner.userId } });
  if (count >= max) return { ok: false, reason: "limit" };
  try {
    const row = await db.savedLogView.create({
      data: {
        workspaceId: owner.workspaceId,
        userId: owner.userId,
        name: input.name,
        nameKey: viewNameKey(input.name),
        query: input.query,
        hiddenColumns: input.hiddenColumns === null ? null : JSON.stringify(input.hiddenColumns),
      },
      select: SELECT,
    });
    return { ok: true, view: toRow(row) };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return { ok: false, reason: "name_taken", clash: await clashOf(db, owner, input.name) };
  }
}

/** Changes the given fields of one of the user's views (renaming onto another of their names is refused). */
export async function updateLogView(db: Db, owner: Owner, id: string, patch: Partial<LogViewInput>): Promise<LogViewResult> {
  const before = await getLogView(db, owner, id);
  if (!before) return { ok: false, reason: "not_found" };
  const data: Record<string, unknown> = {};
  if (patch.name !== undefined) Object.assign(data, { name: patch.name, nameKey: viewNameKey(patch.name) });
  if (patch.query !== undefined) data.query = patch.query;
  if (patch.hiddenColumns !== undefined) data.hiddenColumns = patch.hiddenColumns === null ? null : JSON.stringify(patch.hiddenColumns);
  try {
    // Scoped by owner in the statement itself: a row that changed hands (it cannot) or vanished meanwhile is not touched.
    const { count } = await db.savedLogView.updateMany({ where: { id, workspaceId: owner.workspaceId, userId: owner.userId }, data });
    if (count === 0) return { ok: false, reason: "not_found" };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return { ok: false, reason: "name_taken", clash: await clashOf(db, owner, patch.name ?? before.name) };
  }
  const view = await getLogView(db, owner, id);
  return view ? { ok: true, view, before } : { ok: false, reason: "not_found" };
}

/** Deletes one of the user's views; the view as it was, or null when it is not theirs or gone. */
export async function deleteLogView(db: Db, owner: Owner, id: string): Promise<LogViewRow | null> {
  const before = await getLogView(db, owner, id);
  if (!before) return null;
  const { count } = await db.savedLogView.deleteMany({ where: { id, workspaceId: owner.workspaceId, userId: owner.userId } });
  return count > 0 ? before : null;
}
