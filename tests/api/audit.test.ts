/**
 * The audit trail over real HTTP against the production build (docs/MANAGEMENT-API.md, "Audit
 * trail"): changes made through the management API (configs, virtual keys with rotation and
 * revocation, API keys with rotation and revocation, prices, the workspace's budget) and a
 * password change are recorded with who, what, when, from where, and the views before and after;
 * no secret sent or shown once is in any stored row or in the export; `GET /v1/audit` filters and
 * pages; the JSONL export streams the same events; only admins may read it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/crypto";
import { createUserInWorkspace } from "@/lib/store/users";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, apiClient, withKey, type ApiClient } from "../../testing/api-client";
import { attemptSignIn, cookieHeader, type Jar } from "../../testing/auth-client";

type Event = {
  id: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  target: { type: string | null; id: string | null; label: string | null };
  address: string | null;
  user_agent: string | null;
  before: any;
  after: any;
};

describe("audit trail", () => {
  let h: Harness;
  let api: ApiClient;
  let adminLabel: string;
  /** Every secret the test sends or is shown once: none may be stored in the trail. */
  const secrets: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    api = withKey(h, ADMIN_KEY);
    const envKey = await h.db.apiKey.findFirstOrThrow({ where: { source: "env" } });
    adminLabel = `${envKey.name} (${envKey.prefix}...)`;
    secrets.push(ADMIN_KEY, ADMIN_PASSWORD);
  });
  afterAll(async () => h?.close());

  /** Every event matching `query`, newest first, read page by page. */
  async function allEvents(query = ""): Promise<Event[]> {
    const out: Event[] = [];
    let cursor: string | null = null;
    do {
      const qs = new URLSearchParams(query);
      qs.set("limit", "200");
      if (cursor) qs.set("cursor", cursor);
      const r = await api.get(`/audit?${qs}`);
      expect(r.status, r.text).toBe(200);
      out.push(...r.json.data);
      cursor = r.json.next_cursor;
    } while (cursor);
    return out;
  }

  const eventsFor = async (targetId: string) => (await allEvents(`target_id=${encodeURIComponent(targetId)}`)).reverse();

  it("records config changes: create, update with a budget, restore, delete, with the views before and after", async () => {
    const vk = await h.openaiKey("audit config vk");
    const inlineKey = "sk-inline-audit-secret-0000000000001234";
    secrets.push(inlineKey);
    const created = await api.post("/configs", {
      name: "audit config",
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: vk }, { provider: "openai", api_key: inlineKey }] },
    });
    expect(created.status, created.text).toBe(201);
    const slug = created.json.slug;
    const updated = await api.put(`/configs/${slug}`, {
      name: "audit config renamed",
      config: { virtual_key: vk },
      budget: { limit_usd: 25, period: "monthly" },
    });
    expect(updated.status, updated.text).toBe(200);
    expect((await api.post(`/configs/${slug}/versions/1/restore`)).status).toBe(200);
    expect((await api.del(`/configs/${slug}`)).status).toBe(200);

    const events = await eventsFor(created.json.id);
    expect(events.map((e) => e.action)).toEqual(["config.create", "config.update", "budget.update", "config.restore", "config.delete"]);
    for (const e of events) {
      expect(e.actor).toEqual({ type: "api_key", id: expect.any(String), label: adminLabel });
      expect(e.address).toMatch(/127\.0\.0\.1|::1/);
      expect(e.target).toMatchObject({ type: "config", id: created.json.id });
      expect(Date.parse(e.at)).not.toBeNaN();
    }
    const [create, update, budget, restore, del] = events as [Event, Event, Event, Event, Event];
    expect(create.before).toBeNull();
    expect(create.after).toMatchObject({ object: "config", slug, name: "audit config", version: 1, budget: null });
    expect(create.after.config.targets[1].api_key).toBe("[redacted]");
    expect(update.before).toMatchObject({ name: "audit config", budget: null });
    expect(update.after).toMatchObject({
      name: "audit config renamed",
      version: 2,
      config: { virtual_key: vk },
      budget: { limit_usd: 25, period: "monthly" },
    });
    expect(update.target.label).toBe(`audit config renamed (${slug})`);
    expect(budget.before).toBeNull();
    expect(budget.after).toEqual({ limit_usd: 25, period: "monthly", alert_at_pct: null });
    expect(restore.before).toMatchObject({ version: 2 });
    expect(restore.after).toMatchObject({ version: 3, restored_from: 1 });
    expect(restore.after.config.targets[1].api_key).toBe("[redacted]");
    expect(del.before).toMatchObject({ status: "active" });
    expect(del.after).toMatchObject({ status: "deleted" });
  });

  it("records virtual keys: create, update, rotation (a new key) and revocation; the provider keys are never stored", async () => {
    const first = "sk-openai-audit-first-000000000000aaaa";
    const second = "sk-openai-audit-second-00000000000bbbb";
    secrets.push(first, second);
    const created = await api.post("/virtual-keys", { name: "audit vk", provider: "openai", key: first, custom_host: `${h.mock.url}/v1` });
    expect(created.status, created.text).toBe(201);
    const { slug, id } = created.json;
    expect((await api.put(`/virtual-keys/${slug}`, { note: "for the audit" })).status).toBe(200);
    expect((await api.put(`/virtual-keys/${slug}`, { key: second })).status).toBe(200);
    expect((await api.del(`/virtual-keys/${slug}`)).status).toBe(200);

    const events = await eventsFor(id);
    expect(events.map((e) => e.action)).toEqual(["virtual_key.create", "virtual_key.update", "virtual_key.rotate", "virtual_key.revoke"]);
    const [create, update, rotate, revoke] = events as [Event, Event, Event, Event];
    expect(create.after).toMatchObject({ object: "virtual-key", slug, version: 1, masked_api_key: expect.stringMatching(/aaaa$/) });
    expect(update.before.note).toBeNull();
    expect(update.after.note).toBe("for the audit");
    expect(rotate.before).toMatchObject({ version: 1, masked_api_key: expect.stringMatching(/aaaa$/) });
    expect(rotate.after).toMatchObject({ version: 2, masked_api_key: expect.stringMatching(/bbbb$/) });
    expect(rotate.target).toEqual({ type: "virtual_key", id, label: `audit vk (${slug})` });
    expect(revoke.before.status).toBe("active");
    expect(revoke.after).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });
  });

  it("records API keys: create, update with a budget, rotation and revocation; the key shown once is never stored", async () => {
    const created = await api.post("/api-keys", { name: "audit key", scope: "gateway" });
    expect(created.status).toBe(201);
    secrets.push(created.json.key);
    const updated = await api.put(`/api-keys/${created.json.id}`, { budget: { limit_usd: 3, period: "daily", alert_at_pct: 50 } });
    expect(updated.status, updated.text).toBe(200);
    const rotated = await api.post(`/api-keys/${created.json.id}/rotate`);
    expect(rotated.status, rotated.text).toBe(201);
    secrets.push(rotated.json.key);
    expect((await api.del(`/api-keys/${rotated.json.id}`)).status).toBe(200);

    const events = await eventsFor(created.json.id);
    expect(events.map((e) => e.action)).toEqual(["api_key.create", "api_key.update", "budget.update", "api_key.rotate"]);
    const [create, update, budget, rotate] = events as [Event, Event, Event, Event];
    expect(create.after).toMatchObject({ object: "api-key", name: "audit key", prefix: created.json.prefix, status: "active" });
    expect(create.after).not.toHaveProperty("key");
    expect(create.target.label).toBe(`audit key (${created.json.prefix}...)`);
    expect(update.before.budget).toBeNull();
    expect(update.after.budget).toMatchObject({ limit_usd: 3, period: "daily", alert_at_pct: 50 });
    expect(budget.after).toEqual({ limit_usd: 3, period: "daily", alert_at_pct: 50 });
    expect(rotate.before).toMatchObject({ rotated_to: null });
    expect(rotate.after).toMatchObject({ rotated_to: rotated.json.id, rotated_to_prefix: rotated.json.prefix });

    const [revoke] = await eventsFor(rotated.json.id);
    expect(revoke).toMatchObject({ action: "api_key.revoke", before: { status: "active" }, after: { status: "revoked" } });
  });

  it("records prices and the workspace's budget", async () => {
    expect((await api.put("/prices", { provider: "openai", model: "gpt-4o", input: 1, output: 2 })).status).toBe(201);
    expect((await api.put("/prices", { provider: "openai", model: "gpt-4o", input: 3, output: 4 })).status).toBe(200);
    expect((await api.del("/prices?provider=openai&model=gpt-4o")).status).toBe(200);
    const prices = await eventsFor("openai/gpt-4o");
    expect(prices.map((e) => [e.action, e.before?.input ?? null, e.after?.input ?? null])).toEqual([
      ["price.set", null, 1],
      ["price.set", 1, 3],
      ["price.delete", 3, null],
    ]);

    expect((await api.put("/workspace", { budget: { limit_usd: 500, period: "monthly" } })).status).toBe(200);
    expect((await api.put("/workspace", { budget: null })).status).toBe(200);
    const ws = await eventsFor(h.workspaceId);
    expect(ws.map((e) => e.action)).toEqual(["workspace.update", "budget.update", "workspace.update", "budget.update"]);
    expect(ws[0]!.after).toMatchObject({ object: "workspace", id: h.workspaceId, budget: { limit_usd: 500 } });
    expect(ws[3]).toMatchObject({ before: { limit_usd: 500, period: "monthly" }, after: null });
  });

  it("records a password change in the user's workspace, with no before or after", async () => {
    await createUserInWorkspace(h.db, {
      email: "audit-pw@detour.test",
      passwordHash: await hashPassword("audit-password-first-1"),
      workspaceId: h.workspaceId,
      role: "member",
    });
    secrets.push("audit-password-first-1", "audit-password-second-2");
    const jar = await signedIn("audit-pw@detour.test", "audit-password-first-1");
    const res = await fetch(`${h.url}/api/account/password`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: h.url, cookie: cookieHeader(jar) },
      body: JSON.stringify({
        current_password: "audit-password-first-1",
        new_password: "audit-password-second-2",
        confirm_password: "audit-password-second-2",
      }),
    });
    expect(res.status).toBe(200);
    const [event] = await allEvents("action=user.password_change&actor=audit-pw@");
    expect(event).toMatchObject({
      actor: { type: "user", label: "audit-pw@detour.test" },
      target: { type: "user", label: "audit-pw@detour.test" },
      before: null,
      after: null,
      address: expect.any(String),
    });
  });

  it("filters by action (exact or prefix), actor, target type and time, and pages newest first without overlap", async () => {
    const all = await allEvents();
    expect(all.length).toBeGreaterThan(15);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.at >= all[i]!.at).toBe(true);

    const configs = await allEvents("action=config.");
    expect(configs.length).toBeGreaterThan(0);
    expect(configs.every((e) => e.action.startsWith("config."))).toBe(true);
    const rotations = await allEvents("action=virtual_key.rotate");
    expect(rotations.map((e) => e.action)).toEqual(["virtual_key.rotate"]);
    const budgets = await allEvents("action=budget.*");
    expect(new Set(budgets.map((e) => e.action))).toEqual(new Set(["budget.update"]));
    expect((await allEvents("target_type=price")).every((e) => e.target.type === "price")).toBe(true);
    const byKeyName = await allEvents(`actor=${encodeURIComponent(adminLabel)}`);
    expect(byKeyName.length).toBe(all.filter((e) => e.actor.label === adminLabel).length);
    const byActorId = await allEvents(`actor=${all.find((e) => e.actor.type === "api_key")!.actor.id}`);
    expect(byActorId.length).toBe(byKeyName.length);

    const middle = all[Math.floor(all.length / 2)]!;
    const since = await allEvents(`since=${middle.at}`);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((e) => e.at >= middle.at)).toBe(true);
    const until = await allEvents(`until=${middle.at}`);
    expect(until.every((e) => e.at < middle.at)).toBe(true);
    expect(since.length + until.length).toBe(all.length);
    expect(await allEvents("until=2000-01-01")).toEqual([]);

    // Pages of 3 cover every event exactly once, in the same order.
    const paged: Event[] = [];
    let cursor: string | null = null;
    do {
      const r: { json: { data: Event[]; next_cursor: string | null } } = await api.get(
        `/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(r.json.data.length).toBeLessThanOrEqual(3);
      paged.push(...r.json.data);
      cursor = r.json.next_cursor;
    } while (cursor);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it("answers 400 naming the parameter for bad input", async () => {
    const cases: [string, string][] = [
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=ten", "limit"],
      ["since=yesterday", "since"],
      ["until=2026-13-01", "until"],
      ["cursor=not-a-cursor", "cursor"],
      ["action=", "action"],
      ["action=Config Update", "action"],
      ["colour=blue", "colour"],
      ["since=2026-02-01&until=2026-01-01", "until"],
      ["action=a&action=b", "action"],
    ];
    for (const [qs, param] of cases) {
      const r = await api.get(`/audit?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.json.error.code, qs).toBe("bad_request");
      expect(JSON.stringify(r.json.error), qs).toContain(param);
    }
    expect((await api.get("/audit/export?since=never")).status).toBe(400);
  });

  it("exports the same events as JSONL, as an attachment, with the filters applied", async () => {
    const res = await fetch(`${h.baseURL}/audit/export`, { headers: { "x-portkey-api-key": ADMIN_KEY } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="detour-audit-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    const lines = text.split("\n");
    expect(lines.pop()).toBe(""); // every line ends with a newline
    const exported = lines.map((l) => JSON.parse(l) as Event);
    expect(exported.map((e) => e.id)).toEqual((await allEvents()).map((e) => e.id));
    expect(Object.keys(exported[0]!).sort()).toEqual(["action", "actor", "address", "after", "at", "before", "id", "target", "user_agent"]);
    for (const secret of secrets) expect(text).not.toContain(secret);

    const filtered = await fetch(`${h.baseURL}/audit/export?action=api_key.`, { headers: { "x-portkey-api-key": ADMIN_KEY } });
    const filteredLines = (await filtered.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Event);
    expect(filteredLines.length).toBeGreaterThan(0);
    expect(filteredLines.every((e) => e.action.startsWith("api_key."))).toBe(true);
  });

  it("stores no secret in any row", async () => {
    const rows = await h.db.auditEvent.findMany();
    expect(rows.length).toBeGreaterThan(15);
    const text = JSON.stringify(rows);
    for (const secret of secrets) expect(text, `a secret (${secret.slice(0, 8)}...) is in the audit table`).not.toContain(secret);
  });

  it("is for admins only: 403 for a member's or viewer's session and for a gateway key, 401 without credentials, 200 for an admin", async () => {
    for (const role of ["member", "viewer"]) {
      const email = `audit-${role}@detour.test`;
      await createUserInWorkspace(h.db, {
        email,
        passwordHash: await hashPassword(`${role}-password-123`),
        workspaceId: h.workspaceId,
        role,
      });
      const session = apiClient(h, { cookie: cookieHeader(await signedIn(email, `${role}-password-123`)) });
      const denied = await session.get("/audit");
      expect(denied.status, role).toBe(403);
      expect(denied.json.error.code).toBe("forbidden");
      expect(denied.json.error.message).toMatch(/admin role/);
      expect((await session.get("/audit/export")).status).toBe(403);
    }
    expect((await withKey(h, h.apiKey).get("/audit")).status).toBe(403);
    expect((await apiClient(h, {}).get("/audit")).status).toBe(401);
    const admin = apiClient(h, { cookie: cookieHeader(await signedIn("admin@detour.local", ADMIN_PASSWORD)) });
    expect((await admin.get("/audit?limit=1")).status).toBe(200);
  });

  async function signedIn(email: string, password: string): Promise<Jar> {
    const a = await attemptSignIn(h, email, password);
    expect(a.session, `sign-in of ${email}: ${a.error}`).toBeTruthy();
    return a.jar;
  }
});
