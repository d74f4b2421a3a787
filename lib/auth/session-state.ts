/**
 * Server-side rules for a session (a signed JWT cookie, next-auth). A session is refused when:
 * - it has no `sid`/`sv`/`authTime` claims (issued before revocation existed),
 * - it is older than SESSION_MAX_AGE_S since sign-in (an absolute lifetime: refreshing the cookie
 *   does not extend it, so a deny-list row can be dropped once that time has passed),
 * - its `sid` was signed out (RevokedSession), or
 * - its `sv` is not the user's current session version (the password changed since), or the user is gone.
 * Checked by next-auth's session callback, so by getSessionUser() (the dashboard guard, the
 * management API) and by /api/auth/session: one statement per check (lib/store/sessions.ts).
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { getSessionState, revokeSession } from "../store/sessions";

export const SESSION_MAX_AGE_S = 12 * 60 * 60;

export type SessionClaims = { userId: string; sid: string; sv: number; authTime: number };

export class SessionRefusedError extends Error {
  constructor(readonly reason: "no_claims" | "expired" | "signed_out" | "password_changed" | "no_user") {
    super(`session refused: ${reason}`);
    this.name = "SessionRefusedError";
  }
}

/** Claims for a new session of a user whose session version is `sv`. */
export function newSessionClaims(userId: string, sv: number, authTime = Math.floor(Date.now() / 1000)): SessionClaims {
  return { userId, sid: randomUUID(), sv, authTime };
}

export function readSessionClaims(token: Record<string, unknown> | null | undefined): SessionClaims | null {
  if (!token) return null;
  const { userId, sid, sv, authTime } = token;
  if (typeof userId !== "string" || !userId || typeof sid !== "string" || !sid) return null;
  if (typeof sv !== "number" || !Number.isInteger(sv) || typeof authTime !== "number" || !Number.isFinite(authTime)) return null;
  return { userId, sid, sv, authTime };
}

/** When the session ends at the latest (its absolute lifetime). */
export function sessionExpiresAt(claims: Pick<SessionClaims, "authTime">): Date {
  return new Date((claims.authTime + SESSION_MAX_AGE_S) * 1000);
}

/** Throws SessionRefusedError unless the session is still good (see the rules above). */
export async function assertSessionActive(
  db: Db,
  token: Record<string, unknown> | null | undefined,
  now = Date.now(),
): Promise<SessionClaims> {
  const claims = readSessionClaims(token);
  if (!claims) throw new SessionRefusedError("no_claims");
  if (sessionExpiresAt(claims).getTime() <= now) throw new SessionRefusedError("expired");
  const state = await getSessionState(db, claims.userId, claims.sid);
  if (!state) throw new SessionRefusedError("no_user");
  if (state.revoked) throw new SessionRefusedError("signed_out");
  if (state.sessionVersion !== claims.sv) throw new SessionRefusedError("password_changed");
  return claims;
}

/** Sign-out: the session's id is refused until its absolute lifetime ends. No-op for a token without claims. */
export async function revokeSessionToken(db: Db, token: Record<string, unknown> | null | undefined): Promise<boolean> {
  const claims = readSessionClaims(token);
  if (!claims) return false;
  await revokeSession(db, { sessionId: claims.sid, userId: claims.userId, expiresAt: sessionExpiresAt(claims) });
  return true;
}
