/**
 * Workspaces: the default one created on first start, and the management API's create, rename,
 * count and delete (docs/MANAGEMENT-API.md, Workspaces).
 */
import type { Db } from "../db";
import { isUniqueViolation, retryOnUniqueViolation } from "../db/conflict";
import { dialectOf } from "../db/dialect";

export const DEFAULT_WORKSPACE_SLUG = "default";

/** The default workspace, created on first run. */
export async function ensureDefaultWorkspace(db: Db) {
  return retryOnUniqueViolation(async () => {
    const existing = await db.workspace.findFirst({ where: { isDefault: true } });
    if (existing) return existing;
    return db.workspace.upsert({
      where: { slug: DEFAULT_WORKSPACE_SLUG },
      update: { isDefault: true },
      create: { name: "Default workspace", slug: DEFAULT_WORKSPACE_SLUG, isDefault: true },
    });
  });
}

export async function getWorkspaceById(db: Db, id: string) {
  return db.workspace.findUnique({ where: { id } });
}

/** Sets the workspace's own log retention (days; 0 = forever; null = the deployment's default). */
export async function setWorkspaceLogRetention(db: Db, id: string, days: number | null): Promise<void> {
  await db.workspace.update({ where: { id }, data: { logRetentionDays: days } });
}

/** A workspace as the management API lists it. */
export type WorkspaceRow = { id: string; name: string; slug: string; isDefault: boolean; createdAt: Date };

const WORKSPACE_SELECT = { id: true, name: true, slug: true, isDefault: true, createdAt: true } as const;

/** The workspaces `userId` belongs to, with their role there, oldest membership first. */
export async function listWorkspacesOfUser(db: Db, userId: string): Promise<(WorkspaceRow & { role: string })[]> {
  const rows = await db.workspaceMember.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, workspace: { select: WORKSPACE_SELECT } },
  });
  return rows.map((r) => ({ ...r.workspace, role: r.role }));
}

export type SaveWorkspaceResult = { ok: true; row: WorkspaceRow } | { ok: false; reason: "slug_taken" | "not_found" };

/**
 * A new workspace with `ownerId` as its owner, in one transaction. A slug already taken (by index,
 * so two concurrent creations cannot both have it) is `slug_taken`; `slugs` lists the candidates to
 * try in order (a slug derived from the name, then with a suffix), each tried once.
 */
export async function createWorkspaceWithOwner(
  db: Db,
  input: { name: string; slugs: string[]; ownerId: string },
): Promise<SaveWorkspaceResult> {
  for (const slug of input.slugs) {
    try {
      const row = await db.workspace.create({
        data: { name: input.name, slug, members: { create: { userId: input.ownerId, role: "owner" } } },
        select: WORKSPACE_SELECT,
      });
      return { ok: true, row };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return { ok: false, reason: "slug_taken" };
}

/** Renames a workspace (its name, its slug, or both); a slug another workspace has is `slug_taken`. */
export async function renameWorkspace(db: Db, id: string, change: { name?: string; slug?: string }): Promise<SaveWorkspaceResult> {
  try {
    const { count } = await db.workspace.updateMany({ where: { id }, data: change });
    if (count === 0) return { ok: false, reason: "not_found" };
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "slug_taken" };
    throw err;
  }
  const row = await db.workspace.findUnique({ where: { id }, select: WORKSPACE_SELECT });
  return row ? { ok: true, row } : { ok: false, reason: "not_found" };
}

/**
 * What a workspace holds, as its deletion would lose it: its members, its configs that are not
 * deleted, its virtual keys and API keys that are not revoked, its log rows and its pending invitations.
 */
export type WorkspaceCounts = { members: number; configs: number; virtual_keys: number; api_keys: number; logs: number; invites: number };

export async function countWorkspaceContents(db: Db, workspaceId: string, now = new Date()): Promise<WorkspaceCounts> {
  const [members, configs, virtualKeys, apiKeys, logs, invites] = await Promise.all([
    db.workspaceMember.count({ where: { workspaceId } }),
    db.config.count({ where: { workspaceId, status: { not: "deleted" } } }),
    db.virtualKey.count({ where: { workspaceId, status: { not: "revoked" } } }),
    db.apiKey.count({ where: { workspaceId, revokedAt: null } }),
    db.requestLog.count({ where: { workspaceId } }),
    db.invite.count({ where: { workspaceId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } } }),
  ]);
  return { members, configs, virtual_keys: virtualKeys, api_keys: apiKeys, logs, invites };
}

/** What the gateway may still cache of a deleted workspace: every key hash and slug it had (revoked and deleted ones too). */
export type DeletedWorkspace = { row: WorkspaceRow; apiKeyHashes: string[]; configSlugs: string[]; virtualKeySlugs: string[] };

export type DeleteWorkspaceResult = { ok: true; deleted: DeletedWorkspace } | { ok: false; reason: "not_found" | "default" };

/**
 * Deletes a workspace and everything in it, in one transaction: the rows go with the workspace
 * (ON DELETE CASCADE: members, keys, configs and their versions, logs and their attempts, budgets,
 * spend, prices, invitations, audit trail), and the budgets' alert marks, which have no foreign key.
 * On PostgreSQL the attempts have no key to the workspace either (migration 0014: its cascade read
 * every attempt partition): they are deleted through the workspace's logs first. The default
 * workspace is never deleted. Returns what the caller must drop from the gateway's caches.
 */
// A large workspace's log rows take time to delete: more than Prisma's 5 s default.
const DELETE_TX = { maxWait: 10_000, timeout: 120_000 } as const;

export async function deleteWorkspace(db: Db, id: string): Promise<DeleteWorkspaceResult> {
  const dialect = dialectOf(db);
  return db.$transaction(async (tx) => {
    const row = await tx.workspace.findUnique({ where: { id }, select: WORKSPACE_SELECT });
    if (!row) return { ok: false, reason: "not_found" } as const;
    if (row.isDefault) return { ok: false, reason: "default" } as const;
    const [keys, configs, virtualKeys, budgets] = await Promise.all([
      tx.apiKey.findMany({ where: { workspaceId: id }, select: { hash: true } }),
      tx.config.findMany({ where: { workspaceId: id }, select: { slug: true } }),
      tx.virtualKey.findMany({ where: { workspaceId: id }, select: { slug: true } }),
      tx.budget.findMany({ where: { workspaceId: id }, select: { id: true } }),
    ]);
    if (budgets.length) await tx.budgetAlert.deleteMany({ where: { budgetId: { in: budgets.map((b) => b.id) } } });
    // Each log's attempts by their key with the log's time: one day partition probed per log.
    if (dialect === "postgresql") {
      await tx.$executeRaw`DELETE FROM "RequestAttempt" a USING "RequestLog" l
        WHERE l."workspaceId" = ${id} AND a."logId" = l."id" AND a."logCreatedAt" = l."createdAt"`;
    }
    await tx.workspace.delete({ where: { id } });
    return {
      ok: true,
      deleted: {
        row,
        apiKeyHashes: keys.map((k) => k.hash),
        configSlugs: configs.map((c) => c.slug),
        virtualKeySlugs: virtualKeys.map((v) => v.slug),
      },
    } as const;
  }, DELETE_TX);
}

/** The default workspace's id (the one created on first start), or null before the first start. */
export async function getDefaultWorkspaceId(db: Db): Promise<string | null> {
  return (await db.workspace.findFirst({ where: { isDefault: true }, select: { id: true } }))?.id ?? null;
}
