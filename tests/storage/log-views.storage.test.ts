/**
 * Saved log views and user preferences (lib/store/log-views.ts, lib/store/user-preferences.ts) on
 * the test database (SQLite or PostgreSQL): each view belongs to one user in one workspace and no
 * read or write reaches another's; names are unique per user and workspace whatever their case
 * (two users, or one user in two workspaces, may share a name); the cap per user; a user's or
 * workspace's deletion takes their views along.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogView, deleteLogView, getLogView, listLogViews, updateLogView } from "@/lib/store/log-views";
import { getUserPreference, LOG_COLUMNS_PREFERENCE, setUserPreference } from "@/lib/store/user-preferences";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";

describe(`saved log views (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let ws: string;
  let ws2: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    ws2 = (await t.db.workspace.create({ data: { name: "Second", slug: "second-views" } })).id;
    alice = (await t.db.user.create({ data: { email: "alice@views.test", passwordHash: "" } })).id;
    bob = (await t.db.user.create({ data: { email: "bob@views.test", passwordHash: "" } })).id;
  });
  afterAll(async () => t?.drop());

  const input = (name: string, query = "status=5xx&range=1h") => ({ name, query, hiddenColumns: null });

  it("creates, lists by name, reads, updates and deletes a user's own views", async () => {
    const me = { workspaceId: ws, userId: alice };
    const b = await createLogView(t.db, me, input("b errors"));
    const a = await createLogView(t.db, me, { name: "A slow", query: "sort=-latency_ms", hiddenColumns: ["trace_id", "config"] });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect((await listLogViews(t.db, me)).map((v) => v.name)).toEqual(["A slow", "b errors"]);
    expect(await getLogView(t.db, me, a.view.id)).toMatchObject({
      name: "A slow",
      query: "sort=-latency_ms",
      hiddenColumns: ["trace_id", "config"],
    });

    const renamed = await updateLogView(t.db, me, b.view.id, { name: "Errors, last hour", hiddenColumns: ["provider"] });
    expect(renamed).toMatchObject({
      ok: true,
      view: { name: "Errors, last hour", query: "status=5xx&range=1h", hiddenColumns: ["provider"] },
    });
    expect(renamed.ok && renamed.before?.name).toBe("b errors");
    const cleared = await updateLogView(t.db, me, b.view.id, { hiddenColumns: null, query: "range=24h" });
    expect(cleared).toMatchObject({ ok: true, view: { hiddenColumns: null, query: "range=24h" } });

    expect((await deleteLogView(t.db, me, a.view.id))?.name).toBe("A slow");
    expect(await deleteLogView(t.db, me, a.view.id)).toBeNull();
    expect((await listLogViews(t.db, me)).map((v) => v.name)).toEqual(["Errors, last hour"]);
  });

  it("names are unique per user and workspace, whatever their case; others may share them", async () => {
    const me = { workspaceId: ws, userId: alice };
    const first = await createLogView(t.db, me, input("Prod errors"));
    expect(first.ok).toBe(true);
    expect(await createLogView(t.db, me, input("prod ERRORS"))).toEqual({ ok: false, reason: "name_taken", clash: "Prod errors" });
    const other = await createLogView(t.db, me, input("Other"));
    if (!other.ok) throw new Error("not created");
    expect(await updateLogView(t.db, me, other.view.id, { name: "PROD errors" })).toEqual({
      ok: false,
      reason: "name_taken",
      clash: "Prod errors",
    });
    // Renaming a view to its own name in another case is allowed.
    expect(await updateLogView(t.db, me, other.view.id, { name: "OTHER" })).toMatchObject({ ok: true, view: { name: "OTHER" } });
    expect((await createLogView(t.db, { workspaceId: ws, userId: bob }, input("Prod errors"))).ok).toBe(true);
    expect((await createLogView(t.db, { workspaceId: ws2, userId: alice }, input("Prod errors"))).ok).toBe(true);
  });

  it("a user never reads, changes or deletes another user's view, nor their own from another workspace", async () => {
    const mine = await createLogView(t.db, { workspaceId: ws, userId: alice }, input("Private"));
    if (!mine.ok) throw new Error("not created");
    for (const who of [
      { workspaceId: ws, userId: bob },
      { workspaceId: ws2, userId: alice },
    ]) {
      expect(await getLogView(t.db, who, mine.view.id)).toBeNull();
      expect(await updateLogView(t.db, who, mine.view.id, { name: "Stolen" })).toEqual({ ok: false, reason: "not_found" });
      expect(await deleteLogView(t.db, who, mine.view.id)).toBeNull();
      expect((await listLogViews(t.db, who)).some((v) => v.id === mine.view.id)).toBe(false);
    }
    expect(await getLogView(t.db, { workspaceId: ws, userId: alice }, mine.view.id)).toMatchObject({ name: "Private" });
  });

  it("caps the views of one user in one workspace", async () => {
    const carol = (await t.db.user.create({ data: { email: "carol@views.test", passwordHash: "" } })).id;
    const me = { workspaceId: ws, userId: carol };
    for (let i = 0; i < 3; i++) expect((await createLogView(t.db, me, input(`v${i}`), 3)).ok).toBe(true);
    expect(await createLogView(t.db, me, input("v3"), 3)).toEqual({ ok: false, reason: "limit" });
    expect((await createLogView(t.db, { workspaceId: ws2, userId: carol }, input("v3"), 3)).ok).toBe(true);
  });

  it("preferences: one value per user and key, replaced on write; gone with the user, as are the user's views", async () => {
    const dave = (await t.db.user.create({ data: { email: "dave@views.test", passwordHash: "" } })).id;
    expect(await getUserPreference(t.db, dave, LOG_COLUMNS_PREFERENCE)).toBeNull();
    await setUserPreference(t.db, dave, LOG_COLUMNS_PREFERENCE, '{"hidden":["trace_id"],"widths":{}}');
    await setUserPreference(t.db, dave, LOG_COLUMNS_PREFERENCE, '{"hidden":[],"widths":{"model":240}}');
    expect(await getUserPreference(t.db, dave, LOG_COLUMNS_PREFERENCE)).toBe('{"hidden":[],"widths":{"model":240}}');
    expect(await getUserPreference(t.db, alice, LOG_COLUMNS_PREFERENCE)).toBeNull();
    expect((await createLogView(t.db, { workspaceId: ws, userId: dave }, input("Mine"))).ok).toBe(true);
    await t.db.user.delete({ where: { id: dave } });
    expect(await t.db.userPreference.count({ where: { userId: dave } })).toBe(0);
    expect(await t.db.savedLogView.count({ where: { userId: dave } })).toBe(0);
    await t.db.workspace.delete({ where: { id: ws2 } });
    expect(await t.db.savedLogView.count({ where: { workspaceId: ws2 } })).toBe(0);
  });
});
