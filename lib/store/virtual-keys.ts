import type { Db } from "../db";
import { encryptSecret, maskSecret } from "../crypto";
import { newVirtualKeySlug } from "./slugs";

/** What the gateway needs of a virtual key: its current secret (encrypted) and provider details. */
export type VirtualKeyForGateway = {
  id: string;
  slug: string;
  name: string;
  provider: string;
  status: string;
  resourceName: string | null;
  apiVersion: string | null;
  customHost: string | null;
  version: number;
  ciphertext: string;
  deployments: { deploymentName: string; alias: string | null; apiVersion: string | null; isDefault: boolean }[];
};

/** The key named `slug` in the workspace (any status), or null when the workspace has none by that slug. */
export async function getVirtualKeyForGateway(db: Db, workspaceId: string, slug: string): Promise<VirtualKeyForGateway | null> {
  const row = await db.virtualKey.findFirst({
    where: { workspaceId, slug },
    include: {
      deployments: { orderBy: { position: "asc" } },
      secrets: { where: { retiredAt: null }, orderBy: { version: "desc" }, take: 1 },
    },
  });
  if (!row) return null;
  const secret = row.secrets[0];
  if (!secret && row.status === "active") throw new Error(`virtual key ${slug} has no current secret`);
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    provider: row.provider,
    status: row.status,
    resourceName: row.resourceName,
    apiVersion: row.apiVersion,
    customHost: row.customHost,
    version: secret?.version ?? row.currentVersion,
    ciphertext: secret?.ciphertext ?? "",
    deployments: row.deployments.map((d) => ({ deploymentName: d.deploymentName, alias: d.alias, apiVersion: d.apiVersion, isDefault: d.isDefault })),
  };
}

/** Slugs of the workspace's active keys (for GET /v1/models without a config). */
export async function listActiveVirtualKeySlugs(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.virtualKey.findMany({ where: { workspaceId, status: "active" }, select: { slug: true }, orderBy: { createdAt: "asc" } });
  return rows.map((r) => r.slug);
}

export async function touchVirtualKeys(db: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length) await db.virtualKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: at } });
}

export type NewVirtualKey = {
  workspaceId: string;
  name: string;
  provider: string;
  /** The provider key in clear: encrypted here with `encryptionKey`, never stored as is. */
  secret: string;
  note?: string | null;
  resourceName?: string | null;
  apiVersion?: string | null;
  customHost?: string | null;
  deployments?: { deploymentName: string; alias?: string | null; apiVersion?: string | null; isDefault?: boolean }[];
  createdById?: string | null;
};

export async function createVirtualKey(db: Db, encryptionKey: Buffer, input: NewVirtualKey): Promise<{ id: string; slug: string }> {
  const slug = newVirtualKeySlug(input.name);
  const row = await db.virtualKey.create({
    data: {
      workspaceId: input.workspaceId,
      slug,
      name: input.name,
      provider: input.provider,
      note: input.note ?? null,
      resourceName: input.resourceName ?? null,
      apiVersion: input.apiVersion ?? null,
      customHost: input.customHost ?? null,
      createdById: input.createdById ?? null,
      currentVersion: 1,
      secrets: { create: { version: 1, ciphertext: encryptSecret(input.secret, encryptionKey), hint: maskSecret(input.secret), createdById: input.createdById ?? null } },
      deployments: {
        create: (input.deployments ?? []).map((d, position) => ({
          deploymentName: d.deploymentName,
          alias: d.alias ?? null,
          apiVersion: d.apiVersion ?? null,
          isDefault: d.isDefault ?? false,
          position,
        })),
      },
    },
    select: { id: true, slug: true },
  });
  return row;
}

/** A rotation: the new secret becomes the next version, the current one is retired (kept for audit). */
export async function rotateVirtualKeySecret(db: Db, encryptionKey: Buffer, workspaceId: string, slug: string, secret: string, byId: string | null): Promise<{ version: number } | null> {
  return db.$transaction(async (tx) => {
    const vk = await tx.virtualKey.findFirst({ where: { workspaceId, slug }, select: { id: true, currentVersion: true } });
    if (!vk) return null;
    const now = new Date();
    const version = vk.currentVersion + 1;
    await tx.virtualKeySecret.updateMany({ where: { virtualKeyId: vk.id, retiredAt: null }, data: { retiredAt: now, retiredById: byId } });
    await tx.virtualKeySecret.create({ data: { virtualKeyId: vk.id, version, ciphertext: encryptSecret(secret, encryptionKey), hint: maskSecret(secret), createdById: byId } });
    await tx.virtualKey.update({ where: { id: vk.id }, data: { currentVersion: version, rotatedAt: now } });
    return { version };
  });
}

export async function revokeVirtualKey(db: Db, workspaceId: string, slug: string, byId: string | null): Promise<boolean> {
  const { count } = await db.virtualKey.updateMany({ where: { workspaceId, slug, status: "active" }, data: { status: "revoked", revokedAt: new Date(), revokedById: byId } });
  return count > 0;
}
