/**
 * Server-side session state (the sessions themselves are signed JWT cookies): a deny-list of
 * signed-out sessions by their `sid` claim, and each user's session version (bumped by a password
 * change, lib/store/users.ts). Read once per page render and management request.
 */
import type { Db } from "../db";

export type SessionState = { sessionVersion: number; revoked: boolean };

/**
 * The user's current session version and whether `sessionId` is signed out, in one statement (a
 * primary-key read of each table). Null when the user no longer exists.
 */
export async function getSessionState(db: Db, userId: string, sessionId: string): Promise<SessionState | null> {
  const rows = await db.$queryRaw<{ sessionVersion: number | bigint; revoked: boolean | number | bigint }[]>`
    SELECT u."sessionVersion" AS "sessionVersion",
           EXISTS (SELECT 1 FROM "RevokedSession" r WHERE r."sessionId" = ${sessionId}) AS "revoked"
    FROM "User" u WHERE u."id" = ${userId}`;
  const row = rows[0];
  if (!row) return null;
  return { sessionVersion: Number(row.sessionVersion), revoked: Boolean(Number(row.revoked)) };
}

/**
 * Signs a session out for good: its id is refused until `expiresAt` (when its token expires
 * anyway). Idempotent. Rows already past their expiry are deleted on the way (indexed).
 */
export async function revokeSession(
  db: Db,
  input: { sessionId: string; userId: string; expiresAt: Date },
  now = new Date(),
): Promise<void> {
  await db.revokedSession.upsert({
    where: { sessionId: input.sessionId },
    create: { sessionId: input.sessionId, userId: input.userId, expiresAt: input.expiresAt },
    update: {},
  });
  await pruneRevokedSessions(db, now);
}

/** Deletes deny-list rows whose token has expired; returns how many. */
export async function pruneRevokedSessions(db: Db, now = new Date()): Promise<number> {
  const { count } = await db.revokedSession.deleteMany({ where: { expiresAt: { lt: now } } });
  return count;
}
