/**
 * The log explorer's totals (lib/store/log-totals.ts) against the raw rows, on the test database
 * (SQLite or PostgreSQL): 3,000 random logs over seven hours written by insertLogBatch (which adds
 * them to the rollups), then the oldest 200 deleted as the retention does (their rollups stay).
 * For every query that maps onto the rollups (time ranges on or off the hour, one dimension,
 * status classes) the totals are exact: the count and the summed cost equal the surviving rows'
 * exactly (cost to 1e-9 USD per log: the rollups keep each log's cost in nano-USD). Queries that do not map are counted on the rows, exact below the
 * cap; past it the answer is the cap and the newest rows' cost, marked not exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLogQuery } from "@/lib/logs/query";
import type { LogRecord } from "@/lib/logs/types";
import { deleteOldLogsBatch } from "@/lib/store/log-retention";
import { logTotals, rollupSlice } from "@/lib/store/log-totals";
import { insertLogBatch } from "@/lib/store/logs";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 3, 10, 0, 0, 0);
const HOURS = 7;

let seed = 11;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function randomLog(workspaceId: string): LogRecord {
  const status = pick([200, 200, 200, 201, 400, 429, 500, 503]);
  return testLogRecord({
    workspaceId,
    createdAt: new Date(T0 + Math.floor(rand() * HOURS * HOUR)),
    status,
    provider: pick(["openai", "azure-openai", "anthropic", null]),
    model: pick(["gpt-4o", "gpt-4o-mini", "claude-x", null]),
    path: pick(["/v1/chat/completions", "/v1/embeddings"]),
    virtualKeySlug: pick(["vk-1", "vk-2", null]),
    configSlug: pick(["pc-1", "pc-2", null]),
    cost: status < 400 && rand() < 0.8 ? Math.round(rand() * 1e7) / 1e9 + rand() * 1e-3 : null,
    fallbackUsed: rand() < 0.2,
  });
}

type Row = { id: string; createdAt: Date; status: number; provider: string | null; model: string | null; cost: number | null };

describe(`log totals against raw rows (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  let other: string;
  let rows: Row[];

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await ensureDefaultWorkspace(t.db)).id;
    other = (await t.db.workspace.create({ data: { name: "Other", slug: "other-totals" } })).id;
    const logs = Array.from({ length: 3000 }, () => randomLog(workspaceId));
    for (let i = 0; i < logs.length; i += 500) await insertLogBatch(t.db, logs.slice(i, i + 500));
    // Another workspace's logs in the same hours must never count.
    await insertLogBatch(
      t.db,
      Array.from({ length: 200 }, () => randomLog(other)),
    );
    // Retention: the oldest 200 go (oldest first, as lib/store/log-retention.ts deletes), their rollups stay.
    const dialect = TEST_DB_KIND === "postgresql" ? "postgresql" : "sqlite";
    const sorted = [...logs].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const cutoff = new Date(sorted[200]!.createdAt.getTime());
    await deleteOldLogsBatch(t.db, dialect, workspaceId, cutoff, 10_000);
    rows = await t.db.requestLog.findMany({
      where: { workspaceId },
      select: { id: true, createdAt: true, status: true, provider: true, model: true, cost: true },
    });
    expect(rows.length).toBeGreaterThan(2700);
    expect(rows.length).toBeLessThan(3000);
  }, 120_000);
  afterAll(async () => t?.drop());

  const filtersOf = (query: string) => {
    const parsed = parseLogQuery(new URLSearchParams(query));
    if (!parsed.success) throw new Error(parsed.error.message);
    return parsed.data.filters;
  };

  /** The surviving rows that match, counted here. */
  const expectedOf = (match: (r: Row) => boolean) => {
    const hit = rows.filter(match);
    return { requests: hit.length, cost: hit.reduce((s, r) => s + (r.cost ?? 0), 0) };
  };

  const at = (h: number) => new Date(T0 + h * HOUR).toISOString();
  const inRange = (r: Row, from?: number, to?: number) =>
    (from === undefined || r.createdAt.getTime() >= T0 + from * HOUR) && (to === undefined || r.createdAt.getTime() < T0 + to * HOUR);

  it.each([
    ["everything", "", (_r: Row) => true],
    ["one provider", "provider=openai", (r: Row) => r.provider === "openai"],
    ["one model", "model=gpt-4o", (r: Row) => r.model === "gpt-4o"],
    ["a status class", "status=5xx", (r: Row) => r.status >= 500],
    ["two status classes", "status=4xx,2xx", (r: Row) => r.status < 500],
    ["whole hours", `from=${at(1)}&to=${at(5)}`, (r: Row) => inRange(r, 1, 5)],
    [
      "partial hours at both ends",
      `from=${at(1.37)}&to=${at(4.81)}&provider=anthropic`,
      (r: Row) => inRange(r, 1.37, 4.81) && r.provider === "anthropic",
    ],
    ["inside one hour", `from=${at(2.1)}&to=${at(2.7)}`, (r: Row) => inRange(r, 2.1, 2.7)],
    ["an open end", `from=${at(3.5)}&status=2xx`, (r: Row) => inRange(r, 3.5) && r.status < 300],
    ["only an end, past the deleted rows", `to=${at(2.25)}`, (r: Row) => inRange(r, undefined, 2.25)],
  ])("exact from the rollups: %s", async (_name, query, match) => {
    const filters = filtersOf(query);
    expect(rollupSlice(filters)).not.toBeNull();
    const got = await logTotals(t.db, workspaceId, filters);
    const want = expectedOf(match);
    expect(got.source).toBe("rollups");
    expect(got.exact).toBe(true);
    expect(got.requests).toBe(want.requests);
    // The rollups hold each log's cost rounded to 1e-9 USD: at most half a nano-dollar per log apart.
    expect(Math.abs(got.costUsd - want.cost)).toBeLessThanOrEqual(want.requests * 5e-10 + 1e-12);
  });

  it.each([
    ["a status code", "status=429", (r: Row) => r.status === 429],
    ["two dimensions", "provider=openai&model=gpt-4o", (r: Row) => r.provider === "openai" && r.model === "gpt-4o"],
    ["a cost range", "cost_min=0.0005", (r: Row) => r.cost !== null && r.cost >= 0.0005],
  ])("exact from the rows below the cap: %s", async (_name, query, match) => {
    const filters = filtersOf(query);
    expect(rollupSlice(filters)).toBeNull();
    const got = await logTotals(t.db, workspaceId, filters);
    const want = expectedOf(match);
    expect(got).toMatchObject({ source: "rows", exact: true, requests: want.requests });
    expect(got.costUsd).toBeCloseTo(want.cost, 8);
  });

  it("past the cap: the cap and the newest rows' cost, marked not exact (rows and rollup edges alike)", async () => {
    const got = await logTotals(t.db, workspaceId, filtersOf("cost_min=0"), { cap: 100 });
    const newest = rows
      .filter((r) => r.cost !== null)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id < a.id ? -1 : 1))
      .slice(0, 100);
    expect(got).toMatchObject({ source: "rows", exact: false, requests: 100 });
    expect(got.costUsd).toBeCloseTo(
      newest.reduce((s, r) => s + (r.cost ?? 0), 0),
      8,
    );
    // An edge hour with more rows than the cap: the rollups' hours are still counted, but "at least".
    const edge = await logTotals(t.db, workspaceId, filtersOf(`from=${at(1.5)}`), { cap: 50 });
    expect(edge.exact).toBe(false);
    expect(edge.requests).toBeLessThan(expectedOf((r) => inRange(r, 1.5)).requests);
  });

  it("counts a search's matches with its other filters, not every row (capped like any count)", async () => {
    const ws = (await t.db.workspace.create({ data: { name: "Search", slug: "search-totals" } })).id;
    const body = (words: string) => JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: words }] });
    await insertLogBatch(
      t.db,
      Array.from({ length: 40 }, (_, i) =>
        testLogRecord({
          workspaceId: ws,
          createdAt: new Date(T0 + i * 60_000),
          status: i % 2 ? 503 : 200,
          cost: i / 1000,
          requestBody: body(i % 4 === 0 ? "a needle in the haystack" : "only hay"),
        }),
      ),
    );
    const needles = (keep: (i: number) => boolean) => {
      const is = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 4 === 0 && keep(i));
      return { requests: is.length, cost: is.reduce((sum, i) => sum + i / 1000, 0) };
    };
    const all = await logTotals(t.db, ws, filtersOf("q=needle"));
    expect(all).toMatchObject({ source: "rows", exact: true, counted: true, requests: needles(() => true).requests });
    expect(all.costUsd).toBeCloseTo(needles(() => true).cost, 9);
    const hay = await logTotals(t.db, ws, filtersOf("q=hay"));
    expect(hay).toMatchObject({ exact: true, requests: 30 }); // words, not substrings: "haystack" is not "hay"
    expect(await logTotals(t.db, ws, filtersOf("q=needle&status=503"))).toMatchObject({ exact: true, requests: 0 });
    expect(await logTotals(t.db, ws, filtersOf("q=only&status=503"))).toMatchObject({ exact: true, requests: 20 });
    expect(await logTotals(t.db, ws, filtersOf("q=hay"), { cap: 7 })).toMatchObject({ exact: false, requests: 7 });
  });

  it.runIf(TEST_DB_KIND === "postgresql")("gives up a count that takes too long, and says it was not counted", async () => {
    // A transaction elsewhere holds the table: the count waits on its lock until statement_timeout.
    const { Client } = await import("pg");
    const holder = new Client({ connectionString: (t.target as { url: string }).url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE "RequestLog" IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      const got = await logTotals(t.db, workspaceId, filtersOf("cost_min=0.0005"), { timeoutMs: 300 });
      expect(got).toMatchObject({ counted: false, exact: false, source: "rows" });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await holder.query("ROLLBACK").catch(() => {});
      await holder.end();
    }
    // The lock gone, the same count runs.
    expect(await logTotals(t.db, workspaceId, filtersOf("cost_min=0.0005"), { timeoutMs: 300 })).toMatchObject({ counted: true });
  });

  it("a workspace without logs, and a range before every log, count nothing", async () => {
    const empty = (await t.db.workspace.create({ data: { name: "Empty", slug: "empty-totals" } })).id;
    expect(await logTotals(t.db, empty, {})).toEqual({ requests: 0, costUsd: 0, exact: true, source: "rollups", counted: true });
    const before = await logTotals(t.db, workspaceId, filtersOf(`to=${at(0)}`));
    expect(before).toMatchObject({ requests: 0, exact: true });
  });
});
