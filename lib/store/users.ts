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

// ---- Single sign-on (lib/auth/sso-sign-in.ts) and the sign-in audit (lib/auth/sign-in-audit.ts) ----

const ssoUserSelect = {
  id: true,
  email: true,
  name: true,
  oidcSubject: true,
  sessionVersion: true,
  _count: { select: { memberships: true } },
} as const;

/** The user an OpenID Connect identity signed in as before, and the user with its email (either may be null, both may be one). */
export async function findUsersForSso(db: Db, input: { subject: string; email: string }) {
  const [bySubject, byEmail] = await Promise.all([
    db.user.findUnique({ where: { oidcSubject: input.subject }, select: ssoUserSelect }),
    db.user.findUnique({ where: { email: input.email.trim().toLowerCase() }, select: ssoUserSelect }),
  ]);
  const view = (u: typeof bySubject) =>
    u && {
      id: u.id,
      email: u.email,
      name: u.name,
      oidcSubject: u.oidcSubject,
      sessionVersion: u.sessionVersion,
      memberships: u._count.memberships,
    };
  return { bySubject: view(bySubject), byEmail: view(byEmail) };
}

/** Whether an invitation to `email` is pending: not accepted, not revoked, not expired. */
export async function hasPendingInvite(db: Db, email: string, now = new Date()): Promise<boolean> {
  const count = await db.invite.count({
    where: { email: email.trim().toLowerCase(), acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
  });
  return count > 0;
}

/** Records the OpenID Connect identity on a user found by email; false when they are linked already (a concurrent sign-in). */
export async function linkOidcSubject(db: Db, userId: string, subject: string): Promise<boolean> {
  const { count } = await db.user.updateMany({ where: { id: userId, oidcSubject: null }, data: { oidcSubject: subject } });
  return count === 1;
}

/**
 * A user who signs up through single sign-on: no password (""), the identity recorded, and a
 * membership of `workspaceId` with `role` when given (none: they accept an invitation first).
 * Throws Prisma's unique violation when a concurrent sign-in created them first.
 */
export async function createSsoUser(
  db: Db,
  input: { email: string; name: string | null; subject: string; workspaceId: string | null; role: string | null },
) {
  return db.user.create({
    data: {
      email: input.email.trim().toLowerCase(),
      name: input.name,
      passwordHash: "",
      oidcSubject: input.subject,
      lastLoginAt: new Date(),
      ...(input.workspaceId && input.role ? { memberships: { create: { workspaceId: input.workspaceId, role: input.role } } } : {}),
    },
    select: { id: true, email: true, name: true, sessionVersion: true },
  });
}

/** The user with this email (id only), for recording a failed sign-in where it belongs. */
export async function findUserIdByEmail(db: Db, email: string): Promise<string | null> {
  const u = await db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true } });
  return u?.id ?? null;
}

/**
 * Where a sign-in of `email` is recorded: the workspaces the user belongs to; else those whose
 * invitation to the email is pending (a newcomer accepting one); else none.
 */
export async function listSignInWorkspaceIds(db: Db, input: { userId: string | null; email: string }, now = new Date()): Promise<string[]> {
  const [members, invites] = await Promise.all([
    input.userId ? db.workspaceMember.findMany({ where: { userId: input.userId }, select: { workspaceId: true } }) : [],
    db.invite.findMany({
      where: { email: input.email.trim().toLowerCase(), acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      select: { workspaceId: true },
    }),
  ]);
  const ids = members.length > 0 ? members.map((m) => m.workspaceId) : invites.map((i) => i.workspaceId);
  return [...new Set(ids)];
}
