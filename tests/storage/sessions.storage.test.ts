/**
 * Session revocation storage (lib/store/sessions.ts, lib/store/users.ts) on the real database:
 * the deny-list, the session version bumped by a password change, and the one-statement check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "@/lib/crypto";
import {
  assertSessionActive,
  newSessionClaims,
  revokeSessionToken,
  SESSION_MAX_AGE_S,
  SessionRefusedError,
} from "@/lib/auth/session-state";
import { getSessionState, pruneRevokedSessions, revokeSession } from "@/lib/store/sessions";
import { changePasswordHash, createUserInWorkspace, getUserCredentials } from "@/lib/store/users";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

describe(`session revocation on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const ws = await ensureDefaultWorkspace(t.db);
    userId = (
      await createUserInWorkspace(t.db, {
        email: "Sessions@Detour.test",
        passwordHash: await hashPassword("first-password-1"),
        workspaceId: ws.id,
      })
    ).id;
  });
  afterAll(async () => t?.drop());

  it("reads the user's session version (0 for a new user) and whether a session is signed out", async () => {
    expect(await getSessionState(t.db, userId, "sid-a")).toEqual({ sessionVersion: 0, revoked: false });
    expect(await getSessionState(t.db, "no-such-user", "sid-a")).toBeNull();
  });

  it("revokes a session id until its expiry; revoking twice is fine; other sessions are untouched", async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    await revokeSession(t.db, { sessionId: "sid-b", userId, expiresAt });
    await revokeSession(t.db, { sessionId: "sid-b", userId, expiresAt });
    expect(await getSessionState(t.db, userId, "sid-b")).toEqual({ sessionVersion: 0, revoked: true });
    expect(await getSessionState(t.db, userId, "sid-c")).toEqual({ sessionVersion: 0, revoked: false });
    const row = await t.db.revokedSession.findUnique({ where: { sessionId: "sid-b" } });
    expect(row?.expiresAt.getTime()).toBe(expiresAt.getTime());
  });

  it("prunes deny-list rows past their expiry (on each revocation), keeps the others", async () => {
    await t.db.revokedSession.create({ data: { sessionId: "sid-old", userId, expiresAt: new Date(Date.now() - 1000) } });
    await revokeSession(t.db, { sessionId: "sid-d", userId, expiresAt: new Date(Date.now() + 60_000) });
    expect(await t.db.revokedSession.findUnique({ where: { sessionId: "sid-old" } })).toBeNull();
    expect(await t.db.revokedSession.findUnique({ where: { sessionId: "sid-d" } })).not.toBeNull();
    expect(await pruneRevokedSessions(t.db, new Date(Date.now() + 120_000))).toBeGreaterThanOrEqual(2);
  });

  it("a password change stores the new hash and bumps the version; a change from a stale version is refused", async () => {
    const before = await getUserCredentials(t.db, userId);
    expect(before?.sessionVersion).toBe(0);
    expect(await changePasswordHash(t.db, userId, 0, await hashPassword("second-password-2"))).toBe(1);
    const after = await getUserCredentials(t.db, userId);
    expect(after?.sessionVersion).toBe(1);
    expect(await verifyPassword("second-password-2", after!.passwordHash)).toBe(true);
    expect(await verifyPassword("first-password-1", after!.passwordHash)).toBe(false);
    expect((await t.db.user.findUnique({ where: { id: userId } }))?.passwordChangedAt).toBeInstanceOf(Date);
    // A second change computed from version 0 (a concurrent request) does not apply.
    expect(await changePasswordHash(t.db, userId, 0, await hashPassword("third-password-3"))).toBeNull();
    expect((await getUserCredentials(t.db, userId))?.sessionVersion).toBe(1);
  });

  it("assertSessionActive: good, signed out, older version, expired, no claims, no user", async () => {
    const refused = async (token: Record<string, unknown> | null, now?: number) => {
      try {
        await assertSessionActive(t.db, token, now);
        return "ok";
      } catch (err) {
        expect(err).toBeInstanceOf(SessionRefusedError);
        return (err as SessionRefusedError).reason;
      }
    };
    const good = newSessionClaims(userId, 1);
    expect(await refused({ ...good })).toBe("ok");
    expect(await refused({ ...newSessionClaims(userId, 0) })).toBe("password_changed");
    expect(await refused({ ...good }, (good.authTime + SESSION_MAX_AGE_S) * 1000)).toBe("expired");
    expect(await refused({ userId })).toBe("no_claims");
    expect(await refused(null)).toBe("no_claims");
    expect(await refused({ ...newSessionClaims("ghost", 0) })).toBe("no_user");
    expect(await revokeSessionToken(t.db, { ...good })).toBe(true);
    expect(await refused({ ...good })).toBe("signed_out");
    expect(await revokeSessionToken(t.db, { userId })).toBe(false);
  });

  it("deleting a user deletes its deny-list rows", async () => {
    const ws = await ensureDefaultWorkspace(t.db);
    const other = await createUserInWorkspace(t.db, { email: "gone@detour.test", passwordHash: "x", workspaceId: ws.id });
    await revokeSession(t.db, { sessionId: "sid-gone", userId: other.id, expiresAt: new Date(Date.now() + 60_000) });
    await t.db.user.delete({ where: { id: other.id } });
    expect(await t.db.revokedSession.findUnique({ where: { sessionId: "sid-gone" } })).toBeNull();
  });
});
