/**
 * Analytics rollups against the raw rows they summarize, on the test database (SQLite or
 * PostgreSQL): 20k random logs written by the log sink (the app's writer path) and by
 * insertLogBatch (the Prisma path), then per hour and per dimension key the rollups equal the raw
 * rows' counts, tokens and costs exactly (cost in nano-USD; the float SUM to 1e-9), and the
 * percentiles read from them are within the histogram's stated error of the exact ones. A batch
 * written twice (a retry) and a batch spilled then replayed are counted once; the rebuild command
 * reproduces the writer's rollups exactly; pruning and workspace deletion remove rollups.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { costNanoUsd, LATENCY_ERROR, ROLLUP_DIMENSIONS, statusClass } from "@/lib/logs/rollup";
import { LogSpill } from "@/lib/logs/spill";
import { SpillFiles } from "@/lib/logs/spill-files";
import type { LogRecord } from "@/lib/logs/types";
import { type AnalyticsSplit, getAnalytics } from "@/lib/store/analytics";
import { createLogSink, type LogSink } from "@/lib/store/log-sink";
import { insertLogBatch } from "@/lib/store/logs";
import { rebuildRollups } from "@/lib/store/rollup-rebuild";
import { getWorkspaceOverview } from "@/lib/store/overview";
import { pruneRollupsBatch, readRollups, rollupTotals } from "@/lib/store/rollups";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 4, 4, 0, 0, 0);
const HOURS = 6;

let seed = 7;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function randomLog(workspaceId: string): LogRecord {
  const status = pick([200, 200, 200, 200, 200, 201, 304, 400, 429, 500, 503, 0]);
  const ok = status < 400;
  const tokens = ok && rand() < 0.9;
  const prompt = tokens ? Math.floor(rand() * 4000) : null;
  const completion = tokens ? Math.floor(rand() * 900) : null;
  return testLogRecord({
    workspaceId,
    createdAt: new Date(T0 + Math.floor(rand() * HOURS * HOUR)),
    status,
    provider: pick(["openai", "azure-openai", "anthropic", null]),
    model: pick(["gpt-4o", "gpt-4o-mini", "claude-x", "m-1", "m-2", "m-3", "m-4", "m-5", null]),
    path: pick(["/v1/chat/completions", "/v1/embeddings", "/v1/responses"]),
    apiKeyId: pick(["key-a", "key-b", null]),
    virtualKeySlug: pick(["vk-1", "vk-2", "vk-3", null]),
    configSlug: pick(["pc-1", "pc-2", null]),
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt === null ? null : prompt + completion!,
    cost: ok && rand() < 0.8 ? Math.round(rand() * 1e7) / 1e9 + rand() * 1e-3 : null,
    // A cache hit's saved cost (about one log in ten).
    costSaved: ok && rand() < 0.1 ? Math.round(rand() * 1e7) / 1e9 + rand() * 1e-4 : null,
    fallbackUsed: rand() < 0.15,
    latencyMs: Math.round(5 + -Math.log(1 - rand()) * 800),
  });
}

type Raw = {
  createdAt: Date;
  status: number;
  provider: string | null;
  model: string | null;
  path: string;
  apiKeyId: string | null;
  virtualKeySlug: string | null;
  configSlug: string | null;
  cost: number | null;
  costSaved: number | null;
  fallbackUsed: boolean;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  latencyMs: number;
};

/** The raw rows' key in a dimension, as the rollups name it ("" for none). */
function rawKey(r: Raw, dimension: string): string {
  const keys: Record<string, string | null> = {
    "": "",
    provider: r.provider,
    model: r.model,
    endpoint: r.path,
    api_key: r.apiKeyId,
    virtual_key: r.virtualKeySlug,
    config: r.configSlug,
    status: statusClass(r.status),
  };
  return keys[dimension] ?? "";
}

/** What the rollups must hold, computed here from the raw rows (not with the writer's fold). */
function expected(raw: Raw[], dimension: string) {
  const out = new Map<
    string,
    {
      requests: number;
      errors: number;
      rescued: number;
      fallbacks: number;
      unpriced: number;
      nano: number;
      saved: number;
      cost: number;
      prompt: number;
      completion: number;
      total: number;
    }
  >();
  for (const r of raw) {
    const id = `${Math.floor(r.createdAt.getTime() / HOUR) * HOUR}|${rawKey(r, dimension)}`;
    const e = out.get(id) ?? {
      requests: 0,
      errors: 0,
      rescued: 0,
      fallbacks: 0,
      unpriced: 0,
      nano: 0,
      saved: 0,
      cost: 0,
      prompt: 0,
      completion: 0,
      total: 0,
    };
    e.requests++;
    if (r.status >= 400) e.errors++;
    if (r.fallbackUsed && r.status >= 200 && r.status < 300) e.rescued++;
    if (r.fallbackUsed) e.fallbacks++;
    if (r.status < 400 && r.cost === null) e.unpriced++;
    e.nano += costNanoUsd(r.cost);
    e.saved += costNanoUsd(r.costSaved);
    e.cost += r.cost ?? 0;
    e.prompt += r.promptTokens ?? 0;
    e.completion += r.completionTokens ?? 0;
    e.total += r.totalTokens ?? 0;
    out.set(id, e);
  }
  return out;
}

function exactPercentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo]! + ((s[lo + 1] ?? s[lo]!) - s[lo]!) * (pos - lo);
}

describe(`rollups vs raw rows (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let sink: LogSink;
  let ws: string;
  let other: string;
  let spillDir: string;
  const range = { from: new Date(T0), to: new Date(T0 + HOURS * HOUR) };

  const rawRows = (workspaceId: string) =>
    t.db.requestLog.findMany({
      where: { workspaceId },
      select: {
        createdAt: true,
        status: true,
        provider: true,
        model: true,
        path: true,
        apiKeyId: true,
        virtualKeySlug: true,
        configSlug: true,
        cost: true,
        costSaved: true,
        fallbackUsed: true,
        promptTokens: true,
        completionTokens: true,
        totalTokens: true,
        latencyMs: true,
      },
    });
  const allRollups = async () =>
    (await t.db.logRollup.findMany({ orderBy: [{ workspaceId: "asc" }, { dimension: "asc" }, { hour: "asc" }, { key: "asc" }] })).map(
      (r) => ({
        ...r,
        latency: JSON.parse(r.latency) as number[],
      }),
    );

  beforeAll(async () => {
    t = await createTestDatabase();
    ws = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Prisma path", slug: "prisma-path" } })).id;
    sink = createLogSink(t.target);
    spillDir = mkdtempSync(path.join(os.tmpdir(), "detour-rollup-spill-"));
    const logs = Array.from({ length: 20_000 }, () => randomLog(ws));
    for (let i = 0; i < logs.length; i += 500) await sink.write(logs.slice(i, i + 500));
    // A retry of a batch already written (its acknowledgement lost): nothing more is counted.
    await sink.write(logs.slice(1000, 1500));
    // The Prisma path, into another workspace.
    const prismaLogs = Array.from({ length: 1_500 }, () => randomLog(other));
    for (let i = 0; i < prismaLogs.length; i += 250) await insertLogBatch(t.db, prismaLogs.slice(i, i + 250));
    await insertLogBatch(t.db, prismaLogs.slice(0, 250));
  }, 180_000);
  afterAll(async () => {
    await sink?.close();
    rmSync(spillDir, { recursive: true, force: true });
    await t?.drop();
  });

  it.each([
    ["the log sink", () => ws],
    ["insertLogBatch", () => other],
  ])("hold exactly the raw rows' counts, tokens and cost per hour and key of every dimension (%s)", async (_label, workspace) => {
    const raw = await rawRows(workspace());
    expect(raw.length).toBe(workspace() === ws ? 20_000 : 1_500);
    for (const dimension of ROLLUP_DIMENSIONS) {
      const want = expected(raw, dimension);
      const got = await readRollups(t.db, { workspaceId: workspace(), dimension, ...range });
      expect(got.length, `rows of ${dimension || "all"}`).toBe(want.size);
      for (const r of got) {
        const e = want.get(`${r.hour.getTime()}|${r.key}`);
        expect(e, `${dimension}/${r.key} at ${r.hour.toISOString()}`).toBeDefined();
        expect({
          requests: r.requests,
          errors: r.errors,
          rescued: r.rescued,
          fallbacks: r.fallbacks,
          unpriced: r.unpriced,
          nano: r.costNanoUsd,
          saved: r.savedNanoUsd,
          prompt: r.promptTokens,
          completion: r.completionTokens,
          total: r.totalTokens,
        }).toEqual({ ...e!, cost: undefined });
        expect(Math.abs(r.costNanoUsd / 1e9 - e!.cost)).toBeLessThan(1e-9 * Math.max(1, r.requests));
        expect(r.latency.reduce((s, c) => s + c, 0)).toBe(r.requests);
      }
    }
  });

  it("answer analytics per bucket and split with the raw rows' counts and cost, and percentiles within the stated error", async () => {
    const raw = await rawRows(ws);
    for (const splitBy of [null, "model", "status", "api_key"] as (AnalyticsSplit | null)[]) {
      for (const bucket of ["hour", "day"] as const) {
        const a = await getAnalytics(t.db, { workspaceId: ws, ...range, bucket, splitBy });
        expect(a.totals.requests).toBe(raw.length);
        expect(a.totals.errors).toBe(raw.filter((r) => r.status >= 400).length);
        expect(a.totals.unpriced).toBe(raw.filter((r) => r.status < 400 && r.cost === null).length);
        expect(a.totals.rescued).toBe(raw.filter((r) => r.fallbackUsed && r.status >= 200 && r.status < 300).length);
        expect(a.totals.cost * 1e9).toBeCloseTo(
          raw.reduce((s, r) => s + costNanoUsd(r.cost), 0),
          3,
        );
        expect(a.totals.saved * 1e9).toBeCloseTo(
          raw.reduce((s, r) => s + costNanoUsd(r.costSaved), 0),
          3,
        );
        expect(a.totals.saved).toBeGreaterThan(0);
        expect(a.totals.totalTokens).toBe(raw.reduce((s, r) => s + (r.totalTokens ?? 0), 0));
        for (const p of [0.5, 0.95, 0.99] as const) {
          const want = exactPercentile(
            raw.map((r) => r.latencyMs),
            p,
          );
          const got = a.totals[p === 0.5 ? "p50" : p === 0.95 ? "p95" : "p99"]!;
          expect(Math.abs(got - want) / want, `${splitBy} ${bucket} p${p * 100}`).toBeLessThanOrEqual(LATENCY_ERROR);
        }
        if (bucket === "hour") {
          for (const point of a.series) {
            const inHour = raw.filter(
              (r) => r.createdAt.getTime() - new Date(point.start).getTime() < HOUR && r.createdAt >= new Date(point.start),
            );
            expect(point.requests).toBe(inHour.length);
            const want = exactPercentile(
              inHour.map((r) => r.latencyMs),
              0.95,
            );
            expect(Math.abs(point.p95! - want) / want).toBeLessThanOrEqual(LATENCY_ERROR);
          }
        }
      }
    }
    // Per key over the range, the percentile of that key's requests.
    const m = await getAnalytics(t.db, { workspaceId: ws, ...range, bucket: "day", splitBy: "model" });
    const top = m.byKey[0]!;
    expect(top.key).not.toBe("other");
    const want = exactPercentile(
      raw.filter((r) => (r.model ?? "unknown") === top.key).map((r) => r.latencyMs),
      0.99,
    );
    expect(Math.abs(top.p99! - want) / want).toBeLessThanOrEqual(LATENCY_ERROR);
  });

  it("give the Overview its 24-hour requests and fallbacks", async () => {
    const raw = await rawRows(ws);
    const o = await getWorkspaceOverview(t.db, ws, new Date(T0 + HOURS * HOUR));
    expect(o.requests24h).toBe(raw.length);
    expect(o.fallbacks24h).toBe(raw.filter((r) => r.fallbackUsed).length);
    // 30 hours later, the first 6 hours are out of the window; the workspace has still sent requests.
    const later = await getWorkspaceOverview(t.db, ws, new Date(T0 + 31 * HOUR));
    expect(later.requests24h).toBe(0);
    expect(later.anyRequest).toBe(true);
    // A workspace that never sent one (the getting-started checklist's "send a request").
    const empty = (await t.db.workspace.create({ data: { name: "Empty", slug: "empty-overview" } })).id;
    expect(await getWorkspaceOverview(t.db, empty)).toMatchObject({ anyRequest: false, requests24h: 0, virtualKeys: 0, configs: 0 });
  });

  it("give a virtual key's page its totals over a range, summed by the database", async () => {
    const raw = await rawRows(ws);
    const cases = [
      { key: "vk-2", from: range.from, to: range.to },
      { key: "vk-3", from: new Date(T0 + 2 * HOUR), to: new Date(T0 + 4 * HOUR) },
      { key: "vk-none", from: range.from, to: range.to },
    ];
    for (const c of cases) {
      const rows = raw.filter((r) => r.virtualKeySlug === c.key && r.createdAt >= c.from && r.createdAt < c.to);
      const got = await rollupTotals(t.db, { workspaceId: ws, dimension: "virtual_key", ...c });
      expect(got.requests, c.key).toBe(rows.length);
      expect(got.errors).toBe(rows.filter((r) => r.status >= 400).length);
      expect(got.totalTokens).toBe(rows.reduce((s, r) => s + (r.totalTokens ?? 0), 0));
      expect(got.costNanoUsd).toBe(rows.reduce((s, r) => s + costNanoUsd(r.cost), 0));
    }
    // Another workspace's rows are not counted.
    expect((await rollupTotals(t.db, { workspaceId: other, dimension: "virtual_key", key: "vk-2", ...range })).requests).toBe(
      (await rawRows(other)).filter((r) => r.virtualKeySlug === "vk-2").length,
    );
  });

  it("count a batch spilled and then replayed once, whether or not it had been written", async () => {
    const before = await allRollups();
    const written = Array.from({ length: 300 }, () => randomLog(ws));
    const neverWritten = Array.from({ length: 200 }, () => randomLog(ws));
    await sink.write(written);
    const spill = new LogSpill({
      files: new SpillFiles({ dir: spillDir, sync: false }),
      maxBytes: 64 * 1024 * 1024,
      write: sink.write,
      retryBaseMs: 10,
    });
    await spill.append(written);
    await spill.append(neverWritten);
    spill.resumed();
    await expect.poll(() => spill.stats().pendingRows, { timeout: 20_000 }).toBe(0);
    await spill.close();
    const after = (await readRollups(t.db, { workspaceId: ws, dimension: "", ...range })).reduce((s, r) => s + r.requests, 0);
    expect(after).toBe(20_500);
    expect(await t.db.requestLog.count({ where: { workspaceId: ws } })).toBe(20_500);
    expect((await allRollups()).length).toBeGreaterThanOrEqual(before.length);
  });

  it("are reproduced exactly by the rebuild, from nothing or over stale rows", async () => {
    const writer = await allRollups();
    await t.db.logRollup.deleteMany({});
    const result = await rebuildRollups(t.target, { pageSize: 700 });
    expect(result.logs).toBe(20_500 + 1_500);
    expect(result.hours).toBe(HOURS);
    expect(await allRollups()).toEqual(writer);
    // Stale rows (counts off, a key that does not exist) in the range are replaced.
    await t.db.logRollup.updateMany({ where: { dimension: "" }, data: { requests: 1, latency: "[5]" } });
    await t.db.logRollup.create({ data: { workspaceId: ws, dimension: "model", hour: new Date(T0), key: "ghost", requests: 3 } });
    await rebuildRollups(t.target, { from: new Date(T0), to: new Date(T0 + HOURS * HOUR - 1) });
    expect(await allRollups()).toEqual(writer);
  }, 120_000);

  it("are pruned by hour, oldest first, at most a batch at a time", async () => {
    const total = await t.db.logRollup.count();
    const old = await t.db.logRollup.count({ where: { hour: { lt: new Date(T0 + 2 * HOUR) } } });
    expect(old).toBeGreaterThan(10);
    const first = await pruneRollupsBatch(t.db, new Date(T0 + 2 * HOUR), 10);
    expect(first).toEqual({ found: 10, deleted: 10 });
    expect(await t.db.logRollup.count({ where: { hour: { lt: new Date(T0 + HOUR) } } })).toBeLessThan(
      (await t.db.logRollup.count({ where: { hour: { gte: new Date(T0 + HOUR), lt: new Date(T0 + 2 * HOUR) } } })) + 1,
    );
    let rest = { found: 1, deleted: 0 };
    while (rest.found > 0) rest = await pruneRollupsBatch(t.db, new Date(T0 + 2 * HOUR), 1000);
    expect(await t.db.logRollup.count()).toBe(total - old);
    expect(await t.db.logRollup.count({ where: { hour: { lt: new Date(T0 + 2 * HOUR) } } })).toBe(0);
  });

  it("go with their workspace", async () => {
    expect(await t.db.logRollup.count({ where: { workspaceId: other } })).toBeGreaterThan(0);
    await t.db.workspace.delete({ where: { id: other } });
    expect(await t.db.logRollup.count({ where: { workspaceId: other } })).toBe(0);
    expect(await t.db.logRollup.count({ where: { workspaceId: ws } })).toBeGreaterThan(0);
  });
});
