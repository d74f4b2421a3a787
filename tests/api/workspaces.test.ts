/**
 * Workspaces over real HTTP against the production build (docs/MANAGEMENT-API.md, Workspaces):
 * listing per session and per API key, creation by a signed-in admin (who becomes owner), reads
 * and renames by the caller's role in THAT workspace, and deletion: owner only, confirmed by the
 * slug, never the default workspace, everything in it gone, and its keys refused by the gateway on
 * the very next request (they were cached: a request ran just before).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, chat, errorOf, insertApiKey, withKey } from "../../testing/api-client";
import { addMember, addWorkspace, signedIn, type Session } from "../../testing/team-client";

describe("management API: workspaces", () => {
  let h: Harness;
  let owner: Session; // admin@detour.local: owner of the default workspace
  let admin: Session;
  let viewer: Session;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    await addMember(h, "ws-admin@detour.test", "admin");
    await addMember(h, "ws-viewer@detour.test", "viewer");
    owner = await signedIn(h, "admin@detour.local", ADMIN_PASSWORD);
    admin = await signedIn(h, "ws-admin@detour.test");
    viewer = await signedIn(h, "ws-viewer@detour.test");
  });
  afterAll(async () => h?.close());

  it("lists a session's memberships with its role and the current one; an API key its own workspace", async () => {
    const list = await viewer.api.get("/workspaces");
    expect(list.status).toBe(200);
    expect(list.json).toEqual({
      object: "list",
      data: [
        {
          id: h.workspaceId,
          name: "Default workspace",
          slug: "default",
          is_default: true,
          role: "viewer",
          current: true,
          created_at: expect.any(String),
        },
      ],
    });
    const byKey = await withKey(h, await insertApiKey(h, h.workspaceId, "admin")).get("/workspaces");
    expect(byKey.json.data).toEqual([expect.objectContaining({ id: h.workspaceId, role: "admin", current: true })]);
    expect((await withKey(h, ADMIN_KEY).get("/workspaces")).json.data).toEqual([
      expect.objectContaining({ id: h.workspaceId, role: "owner" }),
    ]);
    expect((await withKey(h, await insertApiKey(h, h.workspaceId, "gateway")).get("/workspaces")).status).toBe(403);
  });

  it("creation: a signed-in admin or owner becomes the new workspace's owner; API keys and lesser roles are refused", async () => {
    const byKey = await withKey(h, ADMIN_KEY).post("/workspaces", { name: "Scripted" });
    expect(byKey.status).toBe(403);
    expect(errorOf(byKey)).toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/created by a signed-in user, who becomes its owner/),
    });
    const byViewer = await viewer.api.post("/workspaces", { name: "Nope" });
    expect(byViewer.status).toBe(403);
    expect(errorOf(byViewer).message).toMatch(/admin role or above.*viewer/);

    const made = await admin.api.post("/workspaces", { name: "Team Ålpha (prod)" });
    expect(made.status).toBe(201);
    expect(made.json).toEqual({
      id: expect.any(String),
      name: "Team Ålpha (prod)",
      slug: "team-alpha-prod",
      is_default: false,
      role: "owner",
      current: false,
      created_at: expect.any(String),
    });
    // The same name again: a derived slug takes a suffix; an explicit taken slug is 409 naming it.
    expect((await admin.api.post("/workspaces", { name: "Team Ålpha (prod)" })).json.slug).toBe("team-alpha-prod-2");
    const taken = await admin.api.post("/workspaces", { name: "Other", slug: "team-alpha-prod" });
    expect(taken.status).toBe(409);
    expect(errorOf(taken)).toMatchObject({ code: "conflict", param: "slug", message: expect.stringContaining('"team-alpha-prod"') });
    const bad = await admin.api.post("/workspaces", { name: "Other", slug: "Bad Slug" });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).param).toBe("slug");
    expect(errorOf(await admin.api.post("/workspaces", { name: "  " })).param).toBe("name");
    expect(errorOf(await admin.api.post("/workspaces", { name: "x", budget: null })).message).toMatch(/budget/);

    const mine = (await admin.api.get("/workspaces")).json.data;
    expect(mine.map((w: { slug: string; role: string; current: boolean }) => [w.slug, w.role, w.current])).toEqual([
      ["default", "admin", true],
      ["team-alpha-prod", "owner", false],
      ["team-alpha-prod-2", "owner", false],
    ]);
    const audit = await h.db.auditEvent.findFirst({ where: { workspaceId: made.json.id, action: "workspace.create" } });
    expect(audit).toMatchObject({ actorType: "user", actorLabel: "ws-admin@detour.test", targetId: made.json.id });
  });

  it("{id} routes act with the caller's role in that workspace; a workspace one is not a member of is 404", async () => {
    const other = await addWorkspace(h, "Elsewhere");
    const outsider = await viewer.api.get(`/workspaces/${other}`);
    expect(outsider.status).toBe(404);
    expect(errorOf(outsider).code).toBe("not_found");
    expect((await withKey(h, ADMIN_KEY).get(`/workspaces/${other}`)).status).toBe(404); // an API key: its own workspace only

    // The viewer of the default workspace is an admin of "Elsewhere"; the default workspace's admin is its viewer.
    await h.db.workspaceMember.create({ data: { workspaceId: other, userId: viewer.userId!, role: "admin" } });
    await h.db.workspaceMember.create({ data: { workspaceId: other, userId: admin.userId!, role: "viewer" } });
    const read = await admin.api.get(`/workspaces/${other}`);
    expect(read.json).toMatchObject({
      id: other,
      role: "viewer",
      current: false,
      counts: { members: 2, configs: 0, virtual_keys: 0, api_keys: 0, logs: 0, invites: 0 },
    });
    const refused = await admin.api.call("PATCH", `/workspaces/${other}`, { name: "Taken over" });
    expect(refused.status).toBe(403);
    expect(errorOf(refused).message).toMatch(/Renaming a workspace needs the admin role.*viewer/);

    const renamed = await viewer.api.call("PATCH", `/workspaces/${other}`, { name: "Elsewhere, renamed", slug: "elsewhere" });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id: other, name: "Elsewhere, renamed", slug: "elsewhere", role: "admin" });
    expect(errorOf(await viewer.api.call("PATCH", `/workspaces/${other}`, {})).message).toMatch(/Nothing to change/);
    expect((await viewer.api.call("PATCH", `/workspaces/${other}`, { slug: "default" })).status).toBe(409);
    const audit = await h.db.auditEvent.findFirst({ where: { workspaceId: other, action: "workspace.rename" } });
    expect(JSON.parse(audit!.before!)).toMatchObject({ name: "Elsewhere" });
    expect(JSON.parse(audit!.after!)).toMatchObject({ name: "Elsewhere, renamed", slug: "elsewhere" });
    // The singular /v1/workspace (the current workspace's settings) is unchanged.
    expect((await viewer.api.get("/workspace")).json).toMatchObject({ object: "workspace", id: h.workspaceId, slug: "default" });
  });

  it("the default workspace cannot be deleted; deletion needs its owner and ?confirm=<slug> naming what is lost", async () => {
    const def = await withKey(h, ADMIN_KEY).del(`/workspaces/${h.workspaceId}?confirm=default`);
    expect(def.status).toBe(409);
    expect(errorOf(def).message).toMatch(/default workspace and cannot be deleted/);
    expect((await owner.api.del(`/workspaces/${h.workspaceId}?confirm=default`)).status).toBe(409);

    const id = (await admin.api.post("/workspaces", { name: "Doomed" })).json.id as string;
    await h.db.workspaceMember.create({ data: { workspaceId: id, userId: viewer.userId!, role: "admin" } });
    expect((await viewer.api.del(`/workspaces/${id}?confirm=doomed`)).status).toBe(403); // an admin there, not its owner
    const adminKey = await insertApiKey(h, id, "admin");
    const byKey = await withKey(h, adminKey).del(`/workspaces/${id}?confirm=doomed`);
    expect(byKey.status).toBe(403);
    expect(errorOf(byKey).message).toMatch(/DETOUR_ADMIN_API_KEY/);

    const unconfirmed = await admin.api.del(`/workspaces/${id}`);
    expect(unconfirmed.status).toBe(400);
    expect(errorOf(unconfirmed)).toMatchObject({ code: "bad_request", param: "confirm" });
    expect(errorOf(unconfirmed).message).toMatch(
      /2 members' access, 0 configs, 0 virtual keys, 1 API key, 0 log rows, 0 pending invitations/,
    );
    expect(errorOf(unconfirmed).message).toMatch(/\?confirm=doomed/);
    const wrong = await admin.api.del(`/workspaces/${id}?confirm=Doomed`);
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong).message).toMatch(/"Doomed" is not the workspace's slug/);
    expect(await h.db.workspace.count({ where: { id } })).toBe(1);
  });

  it("deleting a workspace removes everything in it and its keys stop working on the gateway at once", async () => {
    const ws = (await owner.api.post("/workspaces", { name: "Short lived" })).json as { id: string; slug: string };
    const there = await signedIn(h, "admin@detour.local", ADMIN_PASSWORD, { "x-detour-workspace": ws.id });
    const vk = (
      await there.api.post("/virtual-keys", {
        name: "openai",
        provider: "openai",
        key: "sk-short-lived-0000000000001",
        custom_host: `${h.mock.url}/v1`,
      })
    ).json;
    const config = (
      await there.api.post("/configs", { name: "route", config: { virtual_key: vk.slug }, budget: { limit_usd: 10, period: "monthly" } })
    ).json;
    expect(config.slug).toMatch(/^pc-/);
    const gatewayKey = (await there.api.post("/api-keys", { name: "app", scope: "gateway" })).json.key as string;
    await there.api.post("/invites", { email: "someone@detour.test", role: "member" });

    // The gateway serves (and caches) the key, the config and the virtual key; the log row lands.
    const served = await chat(h, gatewayKey, { "x-portkey-config": config.slug });
    expect(served.status).toBe(200);
    await h.waitForLog(served.requestId);

    const before = (await owner.api.get(`/workspaces/${ws.id}`)).json;
    expect(before.counts).toEqual({ members: 1, configs: 1, virtual_keys: 1, api_keys: 1, logs: 1, invites: 1 });

    const deleted = await owner.api.del(`/workspaces/${ws.id}?confirm=${ws.slug}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ id: ws.id, deleted: true, lost: before.counts });

    // The next request with its key is refused, though the gateway had it cached a moment ago.
    const after = await chat(h, gatewayKey, { "x-portkey-config": config.slug });
    expect(after.status).toBe(401);
    // Nothing of it is left.
    const where = { workspaceId: ws.id };
    const left = await Promise.all([
      h.db.workspace.count({ where: { id: ws.id } }),
      h.db.workspaceMember.count({ where }),
      h.db.config.count({ where }),
      h.db.configVersion.count({ where: { config: { workspaceId: ws.id } } }),
      h.db.virtualKey.count({ where }),
      h.db.virtualKeySecret.count({ where: { virtualKeyId: vk.id } }),
      h.db.apiKey.count({ where }),
      h.db.requestLog.count({ where }),
      h.db.requestAttempt.count({ where: { logId: served.requestId } }),
      h.db.budget.count({ where }),
      h.db.spendDaily.count({ where }),
      h.db.invite.count({ where }),
      h.db.auditEvent.count({ where }),
    ]);
    expect(left).toEqual(Array(left.length).fill(0));
    expect((await owner.api.get(`/workspaces/${ws.id}`)).status).toBe(404);
    expect((await owner.api.get("/workspaces")).json.data.map((w: { id: string }) => w.id)).not.toContain(ws.id);
    // The deletion is on the default workspace's audit trail (the deleted one's went with it).
    const audit = await h.db.auditEvent.findFirst({ where: { workspaceId: h.workspaceId, action: "workspace.delete", targetId: ws.id } });
    expect(audit).toMatchObject({ actorLabel: "admin@detour.local", targetLabel: "Short lived" });
    expect(JSON.parse(audit!.before!).counts).toEqual(before.counts);
    // A session that acted in it falls back to another workspace of the user.
    expect((await there.api.get("/workspaces")).status).toBe(403); // its header names a workspace that is gone
    expect((await owner.api.get("/configs")).status).toBe(200);
  });

  it("DETOUR_ADMIN_API_KEY deletes as an owner of its own workspace only", async () => {
    const id = (await owner.api.post("/workspaces", { name: "Key target" })).json.id as string;
    expect((await withKey(h, ADMIN_KEY).del(`/workspaces/${id}?confirm=key-target`)).status).toBe(404);
  });
});
