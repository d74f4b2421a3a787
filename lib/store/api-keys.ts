import type { Db } from "../db";
import { hashApiKey } from "../crypto";
import { retryOnUniqueViolation } from "../db/conflict";

export type ApiKeyScope = "gateway" | "admin";

export type AuthenticatedKey = {
  id: string;
  workspaceId: string;
  scope: ApiKeyScope;
  name: string;
};

/** Looks a presented key up by its hash; revoked or unknown keys give null. */
export async function findActiveApiKey(db: Db, presented: string): Promise<AuthenticatedKey | null> {
  const row = await db.apiKey.findUnique({
    where: { hash: hashApiKey(presented) },
    select: { id: true, workspaceId: true, scope: true, name: true, revokedAt: true },
  });
  if (!row || row.revokedAt) return null;
  return { id: row.id, workspaceId: row.workspaceId, scope: row.scope as ApiKeyScope, name: row.name };
}

/**
 * Makes DETOUR_ADMIN_API_KEY an admin key of the given workspace (stored hashed like any key).
 * When the variable changes, the previous env key is revoked so the old value stops working.
 */
export async function syncEnvAdminApiKey(db: Db, workspaceId: string, key: string | undefined): Promise<void> {
  const hash = key ? hashApiKey(key) : null;
  await db.apiKey.updateMany({
    where: { source: "env", revokedAt: null, ...(hash ? { NOT: { hash } } : {}) },
    data: { revokedAt: new Date() },
  });
  if (!key || !hash) return;
  await retryOnUniqueViolation(() =>
    db.apiKey.upsert({
    where: { hash },
    update: { revokedAt: null, workspaceId, scope: "admin", source: "env" },
    create: {
      workspaceId,
      name: "DETOUR_ADMIN_API_KEY",
      prefix: key.slice(0, 4),
      hash,
      scope: "admin",
      source: "env",
    },
    }),
  );
}

export async function touchApiKeys(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length) await db.apiKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: at } });
}
