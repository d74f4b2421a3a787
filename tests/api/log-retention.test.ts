/**
 * Log retention over real HTTP against the production build (docs/GATEWAY.md, "Log retention";
 * docs/MANAGEMENT-API.md, `PUT /v1/workspace`): a workspace's own retention read and set by its
 * admins (not members), refused with a message naming what is wrong, recorded in the audit trail,
 * independent of the budget; the server's default from DETOUR_LOG_RETENTION_DAYS; /api/health's
 * report; and on PostgreSQL the day partitions the server created at start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, errorOf, withKey } from "../../testing/api-client";
import { addMember, signedIn, type Session } from "../../testing/team-client";
import { TEST_DB_KIND } from "../../testing/test-db";

describe("management API: log retention", () => {
  let h: Harness;
  let admin: Session;
  let member: Session;
  let viewer: Session;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY, DETOUR_LOG_RETENTION_DAYS: "45" }, { adminPassword: ADMIN_PASSWORD });
    await addMember(h, "lr-admin@detour.test", "admin");
    await addMember(h, "lr-member@detour.test", "member");
    await addMember(h, "lr-viewer@detour.test", "viewer");
    admin = await signedIn(h, "lr-admin@detour.test");
    member = await signedIn(h, "lr-member@detour.test");
    viewer = await signedIn(h, "lr-viewer@detour.test");
  });
  afterAll(async () => h?.close());

  it("shows the workspace's retention: its own (none yet), the deployment's default and what applies", async () => {
    const res = await viewer.api.get("/workspace");
    expect(res.status).toBe(200);
    expect(res.json.log_retention).toEqual({ days: null, default_days: 45, effective_days: 45 });
  });

  it("lets an admin set days, keep every log (0) or return to the default (null), each recorded in the audit trail", async () => {
    const seven = await admin.api.put("/workspace", { log_retention_days: 7 });
    expect(seven.status).toBe(200);
    expect(seven.json.log_retention).toEqual({ days: 7, default_days: 45, effective_days: 7 });
    expect((await h.db.workspace.findUniqueOrThrow({ where: { id: h.workspaceId } })).logRetentionDays).toBe(7);

    const forever = await admin.api.put("/workspace", { log_retention_days: 0 });
    expect(forever.json.log_retention).toEqual({ days: 0, default_days: 45, effective_days: 0 });

    const back = await admin.api.put("/workspace", { log_retention_days: null });
    expect(back.json.log_retention).toEqual({ days: null, default_days: 45, effective_days: 45 });

    const audit = await withKey(h, ADMIN_KEY).get("/audit?action=workspace.update");
    const changes = audit.json.data.map(
      (e: { before: { log_retention: { days: number | null } }; after: { log_retention: { days: number | null } } }) => [
        e.before.log_retention.days,
        e.after.log_retention.days,
      ],
    );
    expect(changes).toEqual(
      expect.arrayContaining([
        [null, 7],
        [7, 0],
        [0, null],
      ]),
    );
  });

  it("changes the budget without touching the retention, and the retention without touching the budget", async () => {
    await admin.api.put("/workspace", { log_retention_days: 14 });
    const budget = await admin.api.put("/workspace", { budget: { limit_usd: 50, period: "monthly" } });
    expect(budget.status).toBe(200);
    expect(budget.json.budget).toMatchObject({ limit_usd: 50, period: "monthly" });
    expect(budget.json.log_retention.days).toBe(14);
    const retention = await admin.api.put("/workspace", { logRetentionDays: 21 });
    expect(retention.json.log_retention.days).toBe(21);
    expect(retention.json.budget).toMatchObject({ limit_usd: 50, period: "monthly" });
    // Both at once.
    const both = await admin.api.put("/workspace", { budget: null, log_retention_days: null });
    expect(both.json.budget).toBeNull();
    expect(both.json.log_retention.days).toBeNull();
  });

  it("refuses a bad value with a message naming the field, and changes nothing", async () => {
    await admin.api.put("/workspace", { log_retention_days: 10 });
    const cases: [unknown, RegExp][] = [
      [{ log_retention_days: -1 }, /log_retention_days.*0 \(keep every log\) or more/],
      [{ log_retention_days: 1.5 }, /log_retention_days.*whole number of days/],
      [{ log_retention_days: "7" }, /log_retention_days.*whole number of days/],
      [{ log_retention_days: 40_000 }, /log_retention_days.*at most 36500/],
      [{}, /nothing to change: give budget, log_retention_days or both/],
      [{ log_retention_days: 5, name: "x" }, /name.*PATCH \/v1\/workspaces/],
    ];
    for (const [body, message] of cases) {
      const res = await admin.api.put("/workspace", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(res).message, JSON.stringify(body)).toMatch(message);
    }
    const renamed = await admin.api.call("PATCH", `/workspaces/${h.workspaceId}`, { log_retention_days: 3 });
    expect(renamed.status).toBe(400);
    expect(errorOf(renamed).message).toMatch(/log retention is set with PUT \/v1\/workspace/);
    expect((await viewer.api.get("/workspace")).json.log_retention.days).toBe(10);
  });

  it("is an admin's to change: a member and a viewer are refused", async () => {
    for (const s of [member, viewer]) {
      const res = await s.api.put("/workspace", { log_retention_days: 1 });
      expect(res.status).toBe(403);
      expect(errorOf(res).code).toBe("forbidden");
    }
    expect((await viewer.api.get("/workspace")).json.log_retention.days).toBe(10);
  });

  it("reports retention in /api/health", async () => {
    const res = await fetch(`${h.url}/api/health`);
    const health = (await res.json()) as { log_retention: { default_days: number; last_run: unknown } };
    expect(res.status).toBe(200);
    expect(health.log_retention).toEqual({ default_days: 45, last_run: null });
  });

  it.runIf(TEST_DB_KIND === "postgresql")("made the day partitions from yesterday to a week ahead at start", async () => {
    const rows = await h.db.$queryRawUnsafe<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"RequestLog"'::regclass`,
    );
    const names = rows.map((r) => r.name);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
    for (const offset of [-1, 0, 1, 7]) expect(names).toContain(`RequestLog_p${day(offset)}`);
    expect(names).toContain("RequestLog_default");
  });
});
