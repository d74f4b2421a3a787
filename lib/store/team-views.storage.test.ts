/** The team pages' reads on SQLite and PostgreSQL: members with their sign-in facts, pending invitations with who sent them. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPendingInvites, listWorkspaceMembers } from "@/lib/store/team-views";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, type TestDatabase } from "@/testing/test-db";

describe("team views store", () => {
  let t: TestDatabase;
  let ws: string;
  let other: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Other", slug: "other" } })).id;
    const user = async (
      key: string,
      data: { email: string; name?: string; passwordHash?: string; oidcSubject?: string; lastLoginAt?: Date },
    ) => {
      ids[key] = (await t.db.user.create({ data: { passwordHash: "scrypt$x", ...data } })).id;
    };
    await user("viewer", { email: "viewer@x.test", name: "Vee" });
    await user("owner", { email: "owner@x.test", name: "Olu", lastLoginAt: new Date("2026-01-02T00:00:00Z") });
    await user("sso", { email: "sso@x.test", passwordHash: "", oidcSubject: "https://idp|123" });
    await user("elsewhere", { email: "elsewhere@x.test" });
    // Joined in this order: viewer, owner, sso (a member); `elsewhere` belongs to the other workspace only.
    const join = (userId: string, workspaceId: string, role: string, at: string) =>
      t.db.workspaceMember.create({ data: { userId, workspaceId, role, createdAt: new Date(at) } });
    await join(ids.viewer!, ws, "viewer", "2026-01-01T00:00:00Z");
    await join(ids.owner!, ws, "owner", "2026-01-01T00:01:00Z");
    await join(ids.sso!, ws, "member", "2026-01-01T00:02:00Z");
    await join(ids.elsewhere!, other, "owner", "2026-01-01T00:00:00Z");
  });
  afterAll(async () => t?.drop());

  it("lists the workspace's members, owners first, with how they sign in", async () => {
    const members = await listWorkspaceMembers(t.db, ws);
    expect(members.map((m) => [m.email, m.role])).toEqual([
      ["owner@x.test", "owner"],
      ["sso@x.test", "member"],
      ["viewer@x.test", "viewer"],
    ]);
    expect(members[0]).toMatchObject({ id: ids.owner, name: "Olu", sso: false, hasPassword: true });
    expect(members[0]!.lastSignInAt?.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(members[1]).toMatchObject({ name: null, sso: true, hasPassword: false, lastSignInAt: null });
    expect(members[2]!.joinedAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("lists only pending invitations, newest first, naming who sent them", async () => {
    const key = await t.db.apiKey.create({ data: { workspaceId: ws, name: "ops bot", prefix: "dtr_ab", hash: "h1", scope: "admin" } });
    const now = new Date("2026-02-01T00:00:00Z");
    const later = new Date("2026-02-08T00:00:00Z");
    const invite = (email: string, at: string, extra: Record<string, unknown> = {}) =>
      t.db.invite.create({
        data: { workspaceId: ws, email, role: "member", tokenHash: `hash-${email}`, createdAt: new Date(at), expiresAt: later, ...extra },
      });
    await invite("by-user@x.test", "2026-01-30T00:00:00Z", { createdById: `user:${ids.owner}` });
    await invite("by-key@x.test", "2026-01-31T00:00:00Z", { createdById: `api_key:${key.id}`, role: "viewer" });
    await invite("by-gone@x.test", "2026-01-29T00:00:00Z", { createdById: "user:deleted-user" });
    await invite("accepted@x.test", "2026-01-31T00:00:00Z", { acceptedAt: now });
    await invite("revoked@x.test", "2026-01-31T00:00:00Z", { revokedAt: now });
    await invite("expired@x.test", "2026-01-20T00:00:00Z", { expiresAt: now });
    await t.db.invite.create({
      data: { workspaceId: other, email: "other@x.test", role: "member", tokenHash: "hash-other", expiresAt: later },
    });

    const pending = await listPendingInvites(t.db, ws, now);
    expect(pending.map((i) => [i.email, i.role, i.invitedBy])).toEqual([
      ["by-key@x.test", "viewer", "API key “ops bot”"],
      ["by-user@x.test", "member", "owner@x.test"],
      ["by-gone@x.test", "member", null],
    ]);
    expect(pending[0]!.expiresAt.toISOString()).toBe(later.toISOString());
  });
});
