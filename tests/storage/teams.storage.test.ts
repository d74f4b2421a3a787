/**
 * The teams store on a real database (SQLite, PostgreSQL): an invitation is accepted once however
 * many accepts race (the conditional update decides, in one transaction with the account and the
 * membership), a workspace never loses its last owner under concurrent demotions, and a deleted
 * workspace takes every row with it, the budgets' alert marks included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptInvite, createInvite } from "@/lib/store/invites";
import { changeMember } from "@/lib/store/memberships";
import { createLogSink } from "@/lib/store/log-sink";
import { createWorkspaceWithOwner, deleteWorkspace } from "@/lib/store/workspaces";
import { testAttempt, testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

describe(`teams store on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  let ownerId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    ownerId = (await t.db.user.create({ data: { email: "owner@detour.test", passwordHash: "" } })).id;
    const made = await createWorkspaceWithOwner(t.db, { name: "Team", slugs: ["team"], ownerId });
    if (!made.ok) throw new Error("workspace not created");
    workspaceId = made.row.id;
  });
  afterAll(async () => t?.drop());

  it("concurrent accepts of one invitation: exactly one account and one membership", async () => {
    const invite = await createInvite(t.db, {
      workspaceId,
      email: "race@detour.test",
      role: "member",
      tokenHash: "hash-race",
      createdById: `user:${ownerId}`,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    expect(invite.ok).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        acceptInvite(t.db, { tokenHash: "hash-race", newUser: { email: "race@detour.test", name: `racer ${i}`, passwordHash: "x" } }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === "unavailable")).toBe(true);
    expect(await t.db.user.count({ where: { email: "race@detour.test" } })).toBe(1);
    expect(await t.db.workspaceMember.count({ where: { workspaceId, user: { email: "race@detour.test" } } })).toBe(1);
    // Used: a later accept changes nothing.
    expect(await acceptInvite(t.db, { tokenHash: "hash-race", userId: ownerId })).toEqual({ ok: false, reason: "unavailable" });
  });

  it("an expired invitation cannot be accepted; an account creation that collides rolls the acceptance back", async () => {
    await createInvite(t.db, {
      workspaceId,
      email: "late@detour.test",
      role: "viewer",
      tokenHash: "hash-late",
      createdById: null,
      expiresAt: new Date(Date.now() - 1),
    });
    expect(await acceptInvite(t.db, { tokenHash: "hash-late", userId: ownerId })).toEqual({ ok: false, reason: "unavailable" });

    await createInvite(t.db, {
      workspaceId,
      email: "taken@detour.test",
      role: "viewer",
      tokenHash: "hash-taken",
      createdById: `user:${ownerId}`,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    await t.db.user.create({ data: { email: "taken@detour.test", passwordHash: "" } });
    const collided = await acceptInvite(t.db, {
      tokenHash: "hash-taken",
      newUser: { email: "taken@detour.test", name: "x", passwordHash: "x" },
    });
    expect(collided).toEqual({ ok: false, reason: "user_exists" });
    expect((await t.db.invite.findUniqueOrThrow({ where: { tokenHash: "hash-taken" } })).acceptedAt).toBeNull();
  });

  it("two owners demoting each other at once: one change wins, the workspace keeps an owner", async () => {
    const second = (await t.db.user.create({ data: { email: "second@detour.test", passwordHash: "" } })).id;
    await t.db.workspaceMember.create({ data: { workspaceId, userId: second, role: "owner" } });
    const results = await Promise.all([
      changeMember(t.db, workspaceId, ownerId, "admin"),
      changeMember(t.db, workspaceId, second, "admin"),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: "last_owner" });
    expect(await t.db.workspaceMember.count({ where: { workspaceId, role: "owner" } })).toBe(1);
  });

  it("deleting a workspace deletes its rows and its budgets' alert marks; the default one is refused", async () => {
    const made = await createWorkspaceWithOwner(t.db, { name: "Gone", slugs: ["gone"], ownerId });
    if (!made.ok) throw new Error("workspace not created");
    const id = made.row.id;
    const budget = await t.db.budget.create({ data: { workspaceId: id, scope: "workspace", subjectId: id, limitUsd: 1, period: "total" } });
    await t.db.budgetAlert.create({ data: { budgetId: budget.id, periodStart: "total", threshold: 100 } });
    await t.db.apiKey.create({ data: { workspaceId: id, name: "k", prefix: "dtr_x", hash: "hash-gone-key", scope: "gateway" } });
    // Logs with attempts and metadata in it and in another workspace: only its own go (on
    // PostgreSQL its attempts are deleted through its logs: they have no key to the workspace).
    const kept = await createWorkspaceWithOwner(t.db, { name: "Kept", slugs: ["kept"], ownerId });
    if (!kept.ok) throw new Error("workspace not created");
    const logs = [id, id, kept.row.id].map((workspaceId) =>
      testLogRecord({ workspaceId, metadata: { team: "a" }, attempts: [testAttempt(0, { status: 503 }), testAttempt(1)] }),
    );
    const sink = createLogSink(t.target);
    await sink.write(logs);
    await sink.close();
    expect(await t.db.requestAttempt.count({ where: { workspaceId: id } })).toBe(4);
    const result = await deleteWorkspace(t.db, id);
    expect(result).toMatchObject({ ok: true, deleted: { apiKeyHashes: ["hash-gone-key"], configSlugs: [], virtualKeySlugs: [] } });
    expect(await t.db.budgetAlert.count({ where: { budgetId: budget.id } })).toBe(0);
    expect(await t.db.workspaceMember.count({ where: { workspaceId: id } })).toBe(0);
    expect(await t.db.requestLog.count({ where: { workspaceId: id } })).toBe(0);
    expect(await t.db.requestAttempt.count({ where: { workspaceId: id } })).toBe(0);
    expect(await t.db.requestLogMetadata.count({ where: { workspaceId: id } })).toBe(0);
    expect(await t.db.requestAttempt.count({ where: { workspaceId: kept.row.id } })).toBe(2);
    expect(await t.db.requestLogMetadata.count({ where: { workspaceId: kept.row.id } })).toBe(1);
    expect(await deleteWorkspace(t.db, id)).toEqual({ ok: false, reason: "not_found" });

    const def = await t.db.workspace.create({ data: { name: "Default", slug: "default", isDefault: true } });
    expect(await deleteWorkspace(t.db, def.id)).toEqual({ ok: false, reason: "default" });
  });
});
