/**
 * Which configs route to a virtual key (shown on its page before a revoke), on SQLite and
 * PostgreSQL: only the newest version counts, at any depth of targets; a slug that only appears in
 * a name, in another field or as part of a longer slug does not; deleted configs and other
 * workspaces' configs do not; archived ones do, marked so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configsUsingVirtualKey, createNamedConfig, softDeleteConfig, updateConfig } from "@/lib/store/configs";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";

describe(`configs using a virtual key (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let ws: string;
  let other: string;

  const make = async (workspaceId: string, name: string, config: unknown) => {
    const saved = await createNamedConfig(t.db, { workspaceId, name, body: JSON.stringify(config), isDefault: false, author: "test" });
    if (!saved.ok) throw new Error(saved.reason);
    return saved.slug;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Other", slug: "other-ws" } })).id;
    await make(ws, "B fallback", {
      strategy: { mode: "fallback", on_status_codes: [503] },
      targets: [
        { virtual_key: "vk-openai" },
        { strategy: { mode: "loadbalance" }, targets: [{ virtual_key: "vk-azure" }, { virtual_key: "vk-main" }] },
      ],
    });
    await make(ws, "A single", { virtual_key: "vk-main" });
    await make(ws, "vk-main lookalikes", {
      targets: [{ virtual_key: "vk-main-2" }, { virtual_key: "vk-openai", override_params: { user: "vk-main" } }],
    });
    const moved = await make(ws, "Moved away", { virtual_key: "vk-main" });
    const r = await updateConfig(t.db, ws, moved, { body: JSON.stringify({ virtual_key: "vk-azure" }) }, "test");
    expect(r.ok).toBe(true);
    const gone = await make(ws, "Deleted", { virtual_key: "vk-main" });
    await softDeleteConfig(t.db, ws, gone);
    const archived = await make(ws, "Archived", { virtual_key: "vk-main" });
    await updateConfig(t.db, ws, archived, { status: "archived" }, "test");
    await make(other, "Other workspace", { virtual_key: "vk-main" });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("lists the configs whose newest version routes to the key, by name, with their status and version", async () => {
    const using = await configsUsingVirtualKey(t.db, ws, "vk-main");
    expect(using.map((c) => [c.name, c.status, c.version])).toEqual([
      ["A single", "active", 1],
      ["Archived", "archived", 1],
      ["B fallback", "active", 1],
    ]);
    expect((await configsUsingVirtualKey(t.db, ws, "vk-azure")).map((c) => [c.name, c.version])).toEqual([
      ["B fallback", 1],
      ["Moved away", 2],
    ]);
    expect(await configsUsingVirtualKey(t.db, ws, "vk-unused")).toEqual([]);
    expect((await configsUsingVirtualKey(t.db, other, "vk-main")).map((c) => c.name)).toEqual(["Other workspace"]);
  });
});
