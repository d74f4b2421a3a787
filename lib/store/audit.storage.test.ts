/**
 * The audit trail's store and retention on SQLite and PostgreSQL: the writer redacts secrets, the
 * list filters (action exact and prefix, actor id or label, target, time) within one workspace and
 * pages newest first by (at, id) without overlap, ties included; pruning deletes events older than
 * the retention in bounded batches (every workspace), keeps newer ones, and keeps everything at 0.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAuditQuery, type AuditQuery } from "@/lib/audit/query";
import { writeAuditEvent } from "@/lib/audit/record";
import { pruneAuditEvents } from "@/lib/audit/retention";
import { listAuditEvents, type AuditEventRow } from "@/lib/store/audit";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, type TestDatabase } from "@/testing/test-db";

const DAY = 24 * 60 * 60_000;

describe("audit store", () => {
  let t: TestDatabase;
  let ws: string;
  let other: string;
  const now = new Date("2026-03-01T12:00:00.000Z");

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Other", slug: "other-audit" } })).id;
    const base = { actorType: "api_key" as const, actorId: "key_1", actorLabel: "ci deploy (dtr_ab12...)", address: "10.0.0.1" };
    const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
    await writeAuditEvent(t.db, { ...base, workspaceId: ws, action: "config.create", targetType: "config", targetId: "c1", at: at(50) });
    await writeAuditEvent(t.db, { ...base, workspaceId: ws, action: "config.update", targetType: "config", targetId: "c1", at: at(40) });
    await writeAuditEvent(t.db, {
      workspaceId: ws,
      actorType: "user",
      actorId: "user_9",
      actorLabel: "alice@example.com",
      action: "virtual_key.rotate",
      targetType: "virtual_key",
      targetId: "vk1",
      before: { name: "vk", key: "sk-live-secret-1", nested: { api_key: "sk-nested-2", aws_secret_access_key: "AKIA-secret-3" } },
      after: { name: "vk", masked_api_key: "sk-...0003", headers: { "x-api-key": "sk-header-4" }, max_tokens: 100 },
      at: at(30),
    });
    // Three events at the same instant: the id breaks the tie.
    for (const id of ["k1", "k2", "k3"])
      await writeAuditEvent(t.db, { ...base, workspaceId: ws, action: "api_key.revoke", targetType: "api_key", targetId: id, at: at(20) });
    await writeAuditEvent(t.db, { ...base, workspaceId: other, action: "config.create", targetType: "config", targetId: "c9", at: at(10) });
  });
  afterAll(async () => t?.drop());

  const query = (qs: string): AuditQuery => {
    const parsed = parseAuditQuery(new URLSearchParams(qs));
    if (!parsed.success) throw parsed.error;
    return parsed.data;
  };
  const list = async (qs: string) => (await listAuditEvents(t.db, ws, query(qs))).rows;
  const targets = (rows: AuditEventRow[]) => rows.map((r) => r.targetId);

  it("stores before and after with every secret redacted, and what is not secret as it was", async () => {
    const [row] = await list("action=virtual_key.rotate");
    expect(JSON.parse(row!.before!)).toEqual({
      name: "vk",
      key: "[redacted]",
      nested: { api_key: "[redacted]", aws_secret_access_key: "[redacted]" },
    });
    expect(JSON.parse(row!.after!)).toEqual({
      name: "vk",
      masked_api_key: "sk-...0003",
      headers: { "x-api-key": "[redacted]" },
      max_tokens: 100,
    });
  });

  it("lists one workspace newest first, ties by id, with each filter", async () => {
    const all = await list("");
    expect(all).toHaveLength(6);
    expect(all.every((r) => r.workspaceId === ws)).toBe(true);
    expect(targets(all)).toEqual(["k3", "k2", "k1", "vk1", "c1", "c1"]);
    expect((await list("action=config.")).map((r) => r.action)).toEqual(["config.update", "config.create"]);
    expect((await list("action=config.create")).map((r) => r.action)).toEqual(["config.create"]);
    expect(await list("action=conf")).toEqual([]); // exact unless it ends in "."
    expect(targets(await list("actor=alice@"))).toEqual(["vk1"]);
    expect(targets(await list("actor=user_9"))).toEqual(["vk1"]);
    expect(await list("actor=ci deploy")).toHaveLength(5);
    expect(targets(await list("target_type=virtual_key"))).toEqual(["vk1"]);
    expect(targets(await list("target_id=c1"))).toEqual(["c1", "c1"]);
    expect(targets(await list("since=2026-03-01T11:30:00Z&until=2026-03-01T11:41:00Z"))).toEqual(["k3", "k2", "k1", "vk1"]);
    expect(targets(await list("until=2026-03-01T11:20:00Z"))).toEqual(["c1"]); // exclusive
  });

  it("pages by (at, id) with no event repeated or skipped, across equal times", async () => {
    const seen: string[] = [];
    let q = query("limit=2");
    for (let i = 0; i < 10; i++) {
      const page = await listAuditEvents(t.db, ws, q);
      seen.push(...page.rows.map((r) => r.id));
      if (!page.next) break;
      q = { ...q, cursor: page.next };
    }
    expect(seen).toEqual((await list("")).map((r) => r.id));
  });

  it("prunes events older than the retention, in batches, in every workspace; newer ones stay; 0 keeps all", async () => {
    const base = { actorType: "system" as const, action: "config.update" };
    for (let i = 0; i < 7; i++)
      await writeAuditEvent(t.db, { ...base, workspaceId: i % 2 ? ws : other, at: new Date(now.getTime() - (40 + i) * DAY) });
    await writeAuditEvent(t.db, { ...base, workspaceId: ws, targetId: "kept", at: new Date(now.getTime() - 29 * DAY) });
    const before = await t.db.auditEvent.count();

    expect(await pruneAuditEvents(t.db, { retentionDays: 0, now })).toMatchObject({ deleted: 0, complete: true });
    expect(await t.db.auditEvent.count()).toBe(before);

    const summary = await pruneAuditEvents(t.db, { retentionDays: 30, now, batchSize: 3 });
    expect(summary).toMatchObject({ deleted: 7, batches: 3, complete: true });
    expect(summary.cutoff?.toISOString()).toBe(new Date(now.getTime() - 30 * DAY).toISOString());
    expect(await t.db.auditEvent.count()).toBe(before - 7);
    expect(await t.db.auditEvent.count({ where: { at: { lt: new Date(now.getTime() - 30 * DAY) } } })).toBe(0);
    expect(await t.db.auditEvent.count({ where: { targetId: "kept" } })).toBe(1);

    // Nothing left to prune: one batch that finds nothing.
    expect(await pruneAuditEvents(t.db, { retentionDays: 30, now })).toMatchObject({ deleted: 0, batches: 1, complete: true });
  });

  it("stops a run at its time budget, leaving the rest for the next run", async () => {
    for (let i = 0; i < 5; i++)
      await writeAuditEvent(t.db, { actorType: "system", action: "x.y", workspaceId: ws, at: new Date(now.getTime() - 400 * DAY) });
    const first = await pruneAuditEvents(t.db, { retentionDays: 365, now, batchSize: 2, budgetMs: 0 });
    expect(first).toMatchObject({ deleted: 2, batches: 1, complete: false });
    const rest = await pruneAuditEvents(t.db, { retentionDays: 365, now, batchSize: 2, shouldStop: () => false });
    expect(rest).toMatchObject({ deleted: 3, complete: true });
  });
});
