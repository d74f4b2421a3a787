/**
 * Members and roles over real HTTP against the production build (docs/MANAGEMENT-API.md, Users and
 * roles): the list and one member, role changes (admins; owners only by an owner; never one's own;
 * never the last owner), removal (which ends every session of the removed user on its next
 * request: a real session cookie, refused at once), and the workspace selector's route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, errorOf, insertApiKey, withKey } from "../../testing/api-client";
import { addMember, addWorkspace, postPage, signedIn, type Session } from "../../testing/team-client";

describe("management API: users and roles", () => {
  let h: Harness;
  let owner: Session;
  let admin: Session;
  let member: Session;
  let viewer: Session;
  let ids: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    ids = {
      admin: await addMember(h, "u-admin@detour.test", "admin"),
      member: await addMember(h, "u-member@detour.test", "member"),
      viewer: await addMember(h, "u-viewer@detour.test", "viewer"),
      target: await addMember(h, "u-target@detour.test", "member"),
    };
    await h.db.user.update({ where: { id: ids.target! }, data: { oidcSubject: "https://idp.test|123" } });
    owner = await signedIn(h, "admin@detour.local", ADMIN_PASSWORD);
    ids.owner = owner.userId!;
    admin = await signedIn(h, "u-admin@detour.test");
    member = await signedIn(h, "u-member@detour.test");
    viewer = await signedIn(h, "u-viewer@detour.test");
  });
  afterAll(async () => h?.close());

  it("lists the workspace's members to any role; one member by id; someone of another workspace is 404", async () => {
    const list = await viewer.api.get("/users");
    expect(list.status).toBe(200);
    expect(list.json.object).toBe("list");
    expect(list.json.data.map((u: { email: string; role: string }) => [u.email, u.role])).toEqual([
      ["admin@detour.local", "owner"],
      ["u-admin@detour.test", "admin"],
      ["u-member@detour.test", "member"],
      ["u-viewer@detour.test", "viewer"],
      ["u-target@detour.test", "member"],
    ]);
    const one = await viewer.api.get(`/users/${ids.target}`);
    expect(one.json).toEqual({
      id: ids.target,
      email: "u-target@detour.test",
      name: "u-target",
      role: "member",
      joined_at: expect.any(String),
      last_sign_in_at: null,
      sso: true,
      has_password: true,
    });
    expect((await viewer.api.get(`/users/${ids.viewer}`)).json.last_sign_in_at).toEqual(expect.any(String));
    expect(list.text).not.toMatch(/scrypt|passwordHash|password_hash/);

    const elsewhere = await addWorkspace(h, "Other team");
    const stranger = await addMember(h, "u-stranger@detour.test", "owner", elsewhere);
    const r = await viewer.api.get(`/users/${stranger}`);
    expect(r.status).toBe(404);
    expect(errorOf(r).code).toBe("not_found");
    expect((await owner.api.call("PATCH", `/users/${stranger}`, { role: "viewer" })).status).toBe(404);
    expect((await owner.api.del(`/users/${stranger}`)).status).toBe(404);
    expect(await h.db.workspaceMember.count({ where: { userId: stranger } })).toBe(1);
  });

  it("role changes: admins change members; only an owner makes or changes an owner; never one's own role", async () => {
    for (const s of [viewer, member]) {
      const r = await s.api.call("PATCH", `/users/${ids.target}`, { role: "viewer" });
      expect(r.status).toBe(403);
      expect(errorOf(r).code).toBe("forbidden");
    }
    const changed = await admin.api.call("PATCH", `/users/${ids.target}`, { role: "viewer" });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ id: ids.target, role: "viewer" });
    const audit = await h.db.auditEvent.findFirst({ where: { action: "user.role_change", targetId: ids.target }, orderBy: { at: "desc" } });
    expect(audit).toMatchObject({ actorLabel: "u-admin@detour.test", targetLabel: "u-target@detour.test" });
    expect([JSON.parse(audit!.before!), JSON.parse(audit!.after!)]).toEqual([{ role: "member" }, { role: "viewer" }]);

    const toOwner = await admin.api.call("PATCH", `/users/${ids.target}`, { role: "owner" });
    expect(toOwner.status).toBe(403);
    expect(errorOf(toOwner).message).toMatch(/Making a member an owner needs the owner role/);
    const ownersRole = await admin.api.call("PATCH", `/users/${ids.owner}`, { role: "admin" });
    expect(ownersRole.status).toBe(403);
    expect(errorOf(ownersRole).message).toMatch(/Changing an owner's role needs the owner role/);
    const own = await admin.api.call("PATCH", `/users/${ids.admin}`, { role: "owner" });
    expect(own.status).toBe(403);
    expect(errorOf(own).message).toMatch(/cannot change your own role/);

    const bad = await owner.api.call("PATCH", `/users/${ids.target}`, { role: "superuser" });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ param: "role", message: expect.stringMatching(/viewer, member, admin, owner/) });
    expect(errorOf(await owner.api.call("PATCH", `/users/${ids.target}`, { role: "admin", email: "x@y.z" })).message).toMatch(/email/);

    expect((await owner.api.call("PATCH", `/users/${ids.target}`, { role: "owner" })).json.role).toBe("owner");
    expect((await owner.api.call("PATCH", `/users/${ids.target}`, { role: "member" })).json.role).toBe("member");
    // The change holds on the member's next request.
    expect((await admin.api.post("/configs", { name: "by admin", config: { provider: "openai", api_key: "sk-x" } })).status).toBe(201);
    await owner.api.call("PATCH", `/users/${ids.admin}`, { role: "viewer" });
    expect((await admin.api.post("/configs", { name: "by viewer", config: { provider: "openai", api_key: "sk-x" } })).status).toBe(403);
    await owner.api.call("PATCH", `/users/${ids.admin}`, { role: "admin" });
  });

  it("a workspace always keeps an owner: the last one cannot be demoted or removed (409)", async () => {
    const env = withKey(h, ADMIN_KEY); // the installation's key acts as an owner, and is no member
    const demote = await env.call("PATCH", `/users/${ids.owner}`, { role: "admin" });
    expect(demote.status).toBe(409);
    expect(errorOf(demote)).toMatchObject({ code: "conflict", message: expect.stringMatching(/without an owner/) });
    const remove = await env.del(`/users/${ids.owner}`);
    expect(remove.status).toBe(409);
    // With a second owner, the first may be demoted, and back.
    await env.call("PATCH", `/users/${ids.viewer}`, { role: "owner" });
    expect((await env.call("PATCH", `/users/${ids.owner}`, { role: "admin" })).status).toBe(200);
    expect((await env.call("PATCH", `/users/${ids.owner}`, { role: "owner" })).status).toBe(200);
    expect((await env.call("PATCH", `/users/${ids.viewer}`, { role: "viewer" })).status).toBe(200);
    // An admin-scope key acts as an admin: it manages members, not owners.
    const adminKey = withKey(h, await insertApiKey(h, h.workspaceId, "admin"));
    expect((await adminKey.call("PATCH", `/users/${ids.owner}`, { role: "admin" })).status).toBe(403);
  });

  it("removal: admins remove members (owners only by an owner) and every session of the removed user ends at once", async () => {
    const other = await addWorkspace(h, "Second home");
    await h.db.workspaceMember.create({ data: { workspaceId: other, userId: ids.target!, role: "member" } });
    const target = await signedIn(h, "u-target@detour.test");
    const copy = { ...target };
    expect((await target.api.get("/configs")).status).toBe(200);

    expect((await member.api.del(`/users/${ids.target}`)).status).toBe(403);
    expect((await admin.api.del(`/users/${ids.owner}`)).status).toBe(403);
    const removed = await admin.api.del(`/users/${ids.target}`);
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ id: ids.target, email: "u-target@detour.test", removed: true, sessions_ended: true });

    // Refused on the next request, even though the user still belongs to another workspace.
    expect((await copy.api.get("/configs")).status).toBe(401);
    const page = await fetch(`${h.url}/logs`, { headers: { cookie: target.cookie }, redirect: "manual" });
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toMatch(/\/login/);
    expect((await h.db.workspaceMember.findMany({ where: { userId: ids.target } })).map((m) => m.workspaceId)).toEqual([other]);
    expect((await admin.api.get(`/users/${ids.target}`)).status).toBe(404);
    // Signing in again works (another workspace), and lands there.
    const again = await signedIn(h, "u-target@detour.test");
    expect((await again.api.get("/workspaces")).json.data).toEqual([expect.objectContaining({ id: other, current: true })]);
    const audit = await h.db.auditEvent.findFirst({ where: { action: "user.remove", targetId: ids.target } });
    expect(audit).toMatchObject({ workspaceId: h.workspaceId, actorLabel: "u-admin@detour.test" });
  });

  it("POST /api/workspace/select: session only, same origin, a workspace of the user's; sets the cookie the API then acts in", async () => {
    const second = await addWorkspace(h, "Selectable");
    await h.db.workspaceMember.create({ data: { workspaceId: second, userId: ids.viewer!, role: "admin" } });
    const s = await signedIn(h, "u-viewer@detour.test");
    const cookie = { cookie: s.cookie };
    const picked = await postPage(h, "/api/workspace/select", { workspace_id: second }, cookie);
    expect(picked.status).toBe(200);
    expect(picked.json).toEqual({ workspace_id: second });
    const set = picked.headers.getSetCookie().find((c) => c.startsWith("detour-workspace="))!;
    expect(set).toMatch(new RegExp(`^detour-workspace=${second}; Path=/;.*HttpOnly; SameSite=Lax`));
    expect(set).not.toMatch(/Secure/);

    const withChoice = await fetch(`${h.baseURL}/workspaces`, { headers: { cookie: `${s.cookie}; detour-workspace=${second}` } }).then(
      (r) => r.json(),
    );
    expect(withChoice.data.find((w: { current: boolean }) => w.current)).toMatchObject({ id: second, role: "admin" });
    const users = await fetch(`${h.baseURL}/users`, { headers: { cookie: `${s.cookie}; detour-workspace=${second}` } }).then((r) =>
      r.json(),
    );
    expect(users.data.map((u: { email: string }) => u.email)).toEqual(["u-viewer@detour.test"]);

    const stranger = await addWorkspace(h, "Not mine");
    const refused = await postPage(h, "/api/workspace/select", { workspace_id: stranger }, cookie);
    expect(refused.status).toBe(404);
    expect(refused.json.error).toMatchObject({ code: "not_found", param: "workspace_id" });
    expect((await postPage(h, "/api/workspace/select", { workspace_id: second })).status).toBe(401);
    expect(
      (await postPage(h, "/api/workspace/select", { workspace_id: second }, { ...cookie, origin: "http://evil.example" })).status,
    ).toBe(403);
    expect((await postPage(h, "/api/workspace/select", { workspace: second }, cookie)).status).toBe(400);
  });
});
