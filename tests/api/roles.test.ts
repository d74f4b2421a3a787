/**
 * Every management route x every role (docs/MANAGEMENT-API.md, "Users and roles"), over real HTTP
 * against the production build: each of owner, admin, member and viewer (signed-in sessions), an
 * admin-scope API key, DETOUR_ADMIN_API_KEY, a gateway-scope key and no credential calls every
 * method of every route file under app/v1 (and /metrics). A principal below the route's least
 * role gets 403 `forbidden`; one at or above it gets past the role check (whatever the handler
 * then says about the empty body or the unknown id: never 403 `forbidden`). The table below is the
 * specification; a route file missing from it fails the test, so a new route cannot ship without
 * its role. The inputs that need more than the route's role (a budget, an admin-scope API key) and
 * the workspace a session acts in are checked after the table, and a refusal lands in the audit
 * trail (`access.denied`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Role, ROLES, hasRole } from "@/lib/auth/roles";
import { hashPassword } from "@/lib/crypto";
import { createUserInWorkspace } from "@/lib/store/users";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, answerOf, createWorkspace, errorOf, insertApiKey, type ApiAnswer } from "../../testing/api-client";
import { attemptSignIn, cookieHeader } from "../../testing/auth-client";

/** The least role of each management route ("METHOD /path" as the route files name it). */
const LEAST_ROLE: Record<string, Role> = {
  "GET /v1/analytics": "viewer",
  "GET /v1/api-keys": "viewer",
  "POST /v1/api-keys": "member",
  "GET /v1/api-keys/[id]": "viewer",
  "PUT /v1/api-keys/[id]": "member",
  "DELETE /v1/api-keys/[id]": "member",
  "POST /v1/api-keys/[id]/rotate": "member",
  "GET /v1/audit": "admin",
  "GET /v1/audit/export": "admin",
  "GET /v1/budgets": "viewer",
  "GET /v1/configs": "viewer",
  "POST /v1/configs": "member",
  "GET /v1/configs/[slug]": "viewer",
  "PUT /v1/configs/[slug]": "member",
  "DELETE /v1/configs/[slug]": "member",
  "GET /v1/configs/[slug]/versions": "viewer",
  "GET /v1/configs/[slug]/versions/[version]": "viewer",
  "POST /v1/configs/[slug]/versions/[version]/restore": "member",
  "POST /v1/configs/test": "member",
  "GET /v1/logs": "viewer",
  "GET /v1/logs/[id]": "viewer",
  "POST /v1/logs/[id]/replay": "member",
  "GET /v1/logs/export": "viewer",
  "GET /v1/logs/totals": "viewer",
  "GET /v1/log-views": "viewer",
  "POST /v1/log-views": "viewer",
  "GET /v1/log-views/[id]": "viewer",
  "PATCH /v1/log-views/[id]": "viewer",
  "DELETE /v1/log-views/[id]": "viewer",
  "GET /v1/log-columns": "viewer",
  "PUT /v1/log-columns": "viewer",
  "GET /v1/prices": "viewer",
  "PUT /v1/prices": "admin",
  "DELETE /v1/prices": "admin",
  "GET /v1/virtual-keys": "viewer",
  "POST /v1/virtual-keys": "member",
  "GET /v1/virtual-keys/[slug]": "viewer",
  "PUT /v1/virtual-keys/[slug]": "member",
  "DELETE /v1/virtual-keys/[slug]": "member",
  "GET /v1/workspace": "viewer",
  "PUT /v1/workspace": "admin",
  "GET /v1/workspaces": "viewer",
  "POST /v1/workspaces": "admin",
  "GET /v1/workspaces/[id]": "viewer",
  "PATCH /v1/workspaces/[id]": "admin",
  "DELETE /v1/workspaces/[id]": "owner",
  "GET /v1/users": "viewer",
  "GET /v1/users/[id]": "viewer",
  "PATCH /v1/users/[id]": "admin",
  "DELETE /v1/users/[id]": "admin",
  "GET /v1/invites": "admin",
  "POST /v1/invites": "admin",
  "GET /v1/invites/[id]": "admin",
  "DELETE /v1/invites/[id]": "admin",
  "GET /metrics": "admin",
};

/** Routes only a signed-in user may call: a workspace is created by a user, who becomes its owner. */
const SESSION_ONLY = new Set(["POST /v1/workspaces"]);

type Principal = { name: string; role: Role | null; headers: Record<string, string>; session: boolean };

/** Every "METHOD /path" a management route file exports (withManagement or the metrics handler). */
function managementRoutes(): string[] {
  const root = path.resolve(__dirname, "../../app");
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === "route.ts") {
        const text = readFileSync(full, "utf8");
        if (!/withManagement|handleMetrics/.test(text)) continue;
        const route = `/${path.relative(root, path.dirname(full)).split(path.sep).join("/")}`;
        for (const m of text.matchAll(/export const (GET|POST|PUT|PATCH|DELETE) =/g)) out.push(`${m[1]} ${route}`);
        for (const m of text.matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g)) out.push(`${m[1]} ${route}`);
      }
    }
  };
  walk(path.join(root, "v1"));
  walk(path.join(root, "metrics"));
  return out.sort();
}

describe("management API: every route x every role", () => {
  let h: Harness;
  const principals: Principal[] = [];
  const password = "roles-password-0123";

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    for (const role of ROLES) {
      const email = `${role}@roles.test`;
      await createUserInWorkspace(h.db, { email, passwordHash: await hashPassword(password), workspaceId: h.workspaceId, role });
      const signIn = await attemptSignIn(h, email, password);
      expect(signIn.session, `sign-in of ${email}: ${signIn.error}`).toBeTruthy();
      principals.push({ name: `${role} session`, role, headers: { cookie: cookieHeader(signIn.jar), origin: h.url }, session: true });
    }
    principals.push({
      name: "admin-scope key",
      role: "admin",
      headers: { "x-portkey-api-key": await insertApiKey(h, h.workspaceId, "admin") },
      session: false,
    });
    principals.push({ name: "DETOUR_ADMIN_API_KEY", role: "owner", headers: { "x-portkey-api-key": ADMIN_KEY }, session: false });
    principals.push({
      name: "gateway-scope key",
      role: null,
      headers: { "x-portkey-api-key": await insertApiKey(h, h.workspaceId, "gateway") },
      session: false,
    });
    principals.push({ name: "no credential", role: null, headers: {}, session: false });
  }, 60_000);
  afterAll(async () => h?.close());

  const call = async (method: string, route: string, headers: Record<string, string>, body?: unknown): Promise<ApiAnswer> => {
    // A workspace's own routes check the caller's role in that workspace: call them on the real one
    // (the default workspace, which cannot be deleted: an owner gets 400 or 409, never a deletion).
    const url = `${h.url}${route
      .replace("/v1/workspaces/[id]", `/v1/workspaces/${h.workspaceId}`)
      .replace("[id]", "does-not-exist")
      .replace("[slug]", "does-not-exist")
      .replace("[version]", "1")}`;
    const withBody = method !== "GET" && method !== "DELETE";
    const res = await fetch(url, {
      method,
      headers: { ...(withBody ? { "content-type": "application/json" } : {}), ...headers },
      body: withBody ? JSON.stringify(body ?? {}) : undefined,
    });
    return answerOf(res);
  };

  it("the table names every management route, and nothing else", () => {
    const routes = managementRoutes();
    expect(
      routes.filter((r) => !(r in LEAST_ROLE)),
      "route files without a role in the table",
    ).toEqual([]);
    expect(
      Object.keys(LEAST_ROLE).filter((r) => !routes.includes(r)),
      "table rows without a route file",
    ).toEqual([]);
  });

  it("each principal below a route's role gets 403 forbidden; at or above it, never", async () => {
    const wrong: string[] = [];
    for (const route of Object.keys(LEAST_ROLE)) {
      const [method, p] = route.split(" ") as [string, string];
      const needed = LEAST_ROLE[route]!;
      for (const who of principals) {
        const r = await call(method, p, who.headers);
        const forbidden = r.status === 403 && (r.json as { error?: { code?: string } })?.error?.code === "forbidden";
        if (who.role === null) {
          // No credential: 401; a gateway-scope key: 403 insufficient_scope (or 401 at /metrics without a token).
          const expected = who.name === "no credential" ? [401] : [403];
          if (!expected.includes(r.status) || forbidden) wrong.push(`${route} as ${who.name}: ${r.status} ${r.text.slice(0, 120)}`);
          continue;
        }
        const allowed = hasRole(who.role, needed) && (who.session || !SESSION_ONLY.has(route));
        if (allowed && forbidden) wrong.push(`${route} as ${who.name}: refused (${r.text.slice(0, 160)})`);
        if (!allowed && !forbidden) wrong.push(`${route} as ${who.name}: expected 403 forbidden, got ${r.status} ${r.text.slice(0, 120)}`);
        if (!allowed && forbidden) expect(errorOf(r).message).toMatch(/needs|created by a signed-in user/);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  const as = (role: Role) => principals.find((p) => p.name === `${role} session`)!.headers;

  it("a member manages gateway keys but not admin-scope keys, and sets no budget; an admin does both", async () => {
    const member = as("member");
    const admin = as("admin");
    const gateway = await call("POST", "/v1/api-keys", member, { name: "member's gateway key", scope: "gateway" });
    expect(gateway.status).toBe(201);
    const adminKey = await call("POST", "/v1/api-keys", member, { name: "member's admin key", scope: "admin" });
    expect(adminKey.status).toBe(403);
    expect(errorOf(adminKey).message).toMatch(/Creating an admin-scope API key needs the admin role/);
    const budget = await call("POST", "/v1/api-keys", member, {
      name: "member's budgeted key",
      scope: "gateway",
      budget: { limit_usd: 5, period: "monthly" },
    });
    expect(budget.status).toBe(403);
    expect(errorOf(budget).message).toMatch(/Setting a budget needs the admin role/);
    for (const [p, body] of [
      [
        "/v1/configs",
        {
          name: "budgeted",
          config: { provider: "openai", api_key: "sk-roles-test-0000000000" },
          budget: { limit_usd: 1, period: "daily" },
        },
      ],
      [
        "/v1/virtual-keys",
        { name: "budgeted", provider: "openai", key: "sk-roles-test-0000000000", budget: { limit_usd: 1, period: "daily" } },
      ],
    ] as const) {
      const r = await call("POST", p, member, body);
      expect(r.status, p).toBe(403);
    }
    // Nothing was created by the refused calls.
    expect(await h.db.apiKey.count({ where: { name: { in: ["member's admin key", "member's budgeted key"] } } })).toBe(0);
    expect(await h.db.config.count({ where: { name: "budgeted" } })).toBe(0);

    const made = await call("POST", "/v1/api-keys", admin, {
      name: "admin's admin key",
      scope: "admin",
      budget: { limit_usd: 5, period: "monthly" },
    });
    expect(made.status).toBe(201);
    const id = (made.json as { id: string }).id;
    // A member can neither rotate, change nor revoke it...
    for (const [method, p, body] of [
      ["POST", `/v1/api-keys/${id}/rotate`, {}],
      ["PUT", `/v1/api-keys/${id}`, { rate_limits: { rpm: 10 } }],
      ["DELETE", `/v1/api-keys/${id}`, undefined],
    ] as const) {
      const r = await call(method, p, member, body);
      expect(r.status, `${method} ${p}`).toBe(403);
      expect(errorOf(r).message).toMatch(/Changing an admin-scope API key needs the admin role/);
    }
    expect((await h.db.apiKey.findUnique({ where: { id } }))?.revokedAt).toBeNull();
    // ...but rotates its own gateway key, which a viewer cannot.
    const gid = (gateway.json as { id: string }).id;
    expect((await call("POST", `/v1/api-keys/${gid}/rotate`, as("viewer"), {})).status).toBe(403);
    expect((await call("POST", `/v1/api-keys/${gid}/rotate`, member, {})).status).toBe(201);
    // The refusal is in the audit trail: who tried what, from where.
    const denied = await h.db.auditEvent.findFirst({
      where: { workspaceId: h.workspaceId, action: "access.denied", actorLabel: "viewer@roles.test" },
      orderBy: { at: "desc" },
    });
    expect(denied).toMatchObject({ actorType: "user", address: expect.any(String) });
    expect(JSON.parse(denied!.after!)).toMatchObject({ method: "POST", path: `/v1/api-keys/${gid}/rotate` });
  });

  it("a session acts in the workspace its header or cookie names, and never in one it does not belong to", async () => {
    const other = await createWorkspace(h, "Roles other");
    const owner = as("owner");
    const foreign = await call("GET", "/v1/configs", { ...owner, "x-detour-workspace": other.workspaceId });
    expect(foreign.status).toBe(403);
    expect(errorOf(foreign).message).toContain(other.workspaceId);
    // A stale cookie (a workspace the user left or never joined) falls back to their own workspace.
    const stale = await call("GET", "/v1/workspace", { ...owner, cookie: `${owner.cookie}; detour-workspace=${other.workspaceId}` });
    expect(stale.status).toBe(200);
    expect((stale.json as { id: string }).id).toBe(h.workspaceId);

    // Once a member there (as a viewer), the header and the cookie both select it, with that role.
    const ownerUser = await h.db.user.findUniqueOrThrow({ where: { email: "owner@roles.test" } });
    await h.db.workspaceMember.create({ data: { workspaceId: other.workspaceId, userId: ownerUser.id, role: "viewer" } });
    const there = await call("GET", "/v1/workspace", { ...owner, "x-detour-workspace": other.workspaceId });
    expect((there.json as { id: string }).id).toBe(other.workspaceId);
    const write = await call("POST", "/v1/configs", { ...owner, cookie: `${owner.cookie}; detour-workspace=${other.workspaceId}` }, {});
    expect(write.status).toBe(403);
    expect(errorOf(write).message).toMatch(/is viewer/);
    // The role changes on the next request, with no new sign-in.
    await h.db.workspaceMember.update({
      where: { workspaceId_userId: { workspaceId: other.workspaceId, userId: ownerUser.id } },
      data: { role: "member" },
    });
    expect((await call("POST", "/v1/configs", { ...owner, "x-detour-workspace": other.workspaceId }, {})).status).toBe(400);
  });
});
