import type { Db } from "../db";

export async function countUsers(db: Db): Promise<number> {
  return db.user.count();
}

export async function createUserInWorkspace(
  db: Db,
  input: { email: string; name?: string; passwordHash: string; workspaceId: string; role?: string },
) {
  return db.user.create({
    data: {
      email: input.email.toLowerCase(),
      name: input.name ?? null,
      passwordHash: input.passwordHash,
      memberships: { create: { workspaceId: input.workspaceId, role: input.role ?? "owner" } },
    },
  });
}

/** The user and the workspace they sign in to (their first membership). */
export async function getUserForSignIn(db: Db, email: string) {
  return db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    include: { memberships: { include: { workspace: true }, orderBy: { createdAt: "asc" }, take: 1 } },
  });
}

export async function recordSignIn(db: Db, userId: string): Promise<void> {
  await db.user.update({ where: { id: userId }, data: { lastLoginAt: new Date() } });
}
