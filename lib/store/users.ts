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

/** The password hash and session version of a signed-in user (the password change checks the current password). */
export async function getUserCredentials(
  db: Db,
  userId: string,
): Promise<{ id: string; email: string; passwordHash: string; sessionVersion: number } | null> {
  return db.user.findUnique({ where: { id: userId }, select: { id: true, email: true, passwordHash: true, sessionVersion: true } });
}

/**
 * Sets a new password hash and bumps the session version, so every session signed in before the
 * change is refused (lib/auth/session-state.ts). Returns the new version. The update is
 * conditional on the version the caller read: two concurrent changes cannot both succeed.
 */
export async function changePasswordHash(db: Db, userId: string, expectedVersion: number, passwordHash: string): Promise<number | null> {
  const { count } = await db.user.updateMany({
    where: { id: userId, sessionVersion: expectedVersion },
    data: { passwordHash, sessionVersion: { increment: 1 }, passwordChangedAt: new Date() },
  });
  return count === 1 ? expectedVersion + 1 : null;
}

/** The user with this email (any case), or null. */
export async function findUserByEmail(db: Db, email: string): Promise<{ id: string; email: string; name: string | null } | null> {
  return db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true, email: true, name: true } });
}
