import type { Db } from "../db";
import { newConfigSlug } from "./slugs";

export type ConfigForGateway = { slug: string; status: string; version: number; body: string };

/** The newest version of the workspace's config `slug` (any status), or null. */
export async function getConfigForGateway(db: Db, workspaceId: string, slug: string): Promise<ConfigForGateway | null> {
  const row = await db.config.findFirst({
    where: { workspaceId, slug },
    select: { slug: true, status: true, currentVersion: true, versions: { orderBy: { version: "desc" }, take: 1, select: { version: true, body: true } } },
  });
  const version = row?.versions[0];
  if (!row || !version) return null;
  return { slug: row.slug, status: row.status, version: version.version, body: version.body };
}

/** A new config with its first version; the slug (`pc-...`) is unique and never reused. */
export async function createConfig(db: Db, input: { workspaceId: string; name: string; body: string; author: string | null }): Promise<{ id: string; slug: string; versionId: string }> {
  const slug = newConfigSlug(input.name);
  const row = await db.config.create({
    data: { workspaceId: input.workspaceId, slug, name: input.name, currentVersion: 1, versions: { create: { version: 1, body: input.body, author: input.author } } },
    select: { id: true, slug: true, versions: { select: { id: true } } },
  });
  return { id: row.id, slug: row.slug, versionId: row.versions[0]!.id };
}

/** Every change is a new version; the slug stays. */
export async function addConfigVersion(db: Db, workspaceId: string, slug: string, body: string, author: string | null): Promise<{ version: number; versionId: string } | null> {
  return db.$transaction(async (tx) => {
    const cfg = await tx.config.findFirst({ where: { workspaceId, slug, status: { not: "deleted" } }, select: { id: true, currentVersion: true } });
    if (!cfg) return null;
    const version = cfg.currentVersion + 1;
    const created = await tx.configVersion.create({ data: { configId: cfg.id, version, body, author }, select: { id: true } });
    await tx.config.update({ where: { id: cfg.id }, data: { currentVersion: version } });
    return { version, versionId: created.id };
  });
}
