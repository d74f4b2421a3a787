import type { Prisma } from "../generated/sqlite/client";

export type Tx = Prisma.TransactionClient;

/**
 * Serialises the control plane's writes within one workspace for the rest of the transaction, so
 * that "is this name taken?" and the insert that follows cannot interleave with another request's
 * (names are unique per workspace by rule, not by index: soft-deleted and revoked rows keep theirs).
 * A no-op update takes the workspace row's lock on PostgreSQL (a non-key update: it does not block
 * the log writer's inserts, which only take a key-share lock) and the write lock on SQLite.
 */
export async function lockWorkspace(tx: Tx, workspaceId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Workspace" SET "name" = "name" WHERE "id" = ${workspaceId}`;
}
