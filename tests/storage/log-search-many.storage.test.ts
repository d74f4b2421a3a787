/**
 * A search sorted by cost or latency over more matches than SQLite takes bound parameters (Prisma
 * refuses more than 999 on SQLite): the page is read among all the matches (up to
 * SEARCH_CANDIDATES), in the database's order, every page, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLogQuery, type LogQuery } from "@/lib/logs/query";
import { ensureLogPartitions } from "@/lib/store/log-partitions";
import { listLogs } from "@/lib/store/log-query";
import { insertLogBatch } from "@/lib/store/logs";
import { idsInValueOrder } from "@/testing/log-order";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const DAY = 86_400_000;
const NOW = Date.now();
const LOGS = 1_500;

describe(`a search sorted by value over ${LOGS} matches on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await t.db.workspace.create({ data: { name: "many", slug: "many" } })).id;
    if (TEST_DB_KIND === "postgresql") await ensureLogPartitions(t.db, { from: new Date(NOW - 3 * DAY), daysAhead: 2 });
    for (let start = 0; start < LOGS; start += 250) {
      await insertLogBatch(
        t.db,
        Array.from({ length: 250 }, (_, k) => {
          const i = start + k;
          return testLogRecord({
            workspaceId,
            createdAt: new Date(NOW - DAY + i * 1000),
            requestBody: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `zebra crossing number ${i}` }] }),
            // Costs repeat (ties broken by id) and one log in ten has none.
            cost: i % 10 === 0 ? null : (i % 37) / 1000,
            latencyMs: (i * 7919) % 2000,
          });
        }),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await t?.db.$disconnect();
    await t?.drop();
  });

  /** Every page, following the cursors. */
  async function walk(search: string, limit: number): Promise<string[]> {
    const parsed = parseLogQuery(new URLSearchParams(search));
    if (!parsed.success) throw new Error(parsed.error.message);
    let query: LogQuery = { ...parsed.data, limit };
    const ids: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const page = await listLogs(t.db, workspaceId, query);
      ids.push(...page.rows.map((r) => r.id));
      if (!page.next) return ids;
      query = { ...query, cursor: page.next };
    }
    throw new Error("more than 1000 pages");
  }

  it("pages through them by cost and by latency, both ways, as the database orders them all", async () => {
    for (const [sort, field, direction] of [
      ["-cost", "cost", "desc"],
      ["cost", "cost", "asc"],
      ["-latency_ms", "latencyMs", "desc"],
    ] as const) {
      const want = await idsInValueOrder(t.db, workspaceId, field, direction);
      expect(want).toHaveLength(LOGS);
      expect(await walk(`q=zebra&sort=${sort}`, 200), sort).toEqual(want);
    }
  });

  it("keeps the other filters among them", async () => {
    const ids = await walk("q=zebra&sort=-cost&cost_min=0.03", 100);
    const want = await t.db.requestLog.findMany({
      where: { workspaceId, cost: { gte: 0.03 } },
      orderBy: [{ cost: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(ids).toEqual(want.map((r) => r.id));
    expect(ids.length).toBeGreaterThan(100);
  });
});
