import type { Db } from "../db";
import { retryOnUniqueViolation } from "../db/conflict";

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
