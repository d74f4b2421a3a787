/**
 * The log explorer's list (lib/store/log-query.ts) on a real database (SQLite, or PostgreSQL with
 * DETOUR_TEST_DB=postgresql, where the logs sit in day partitions): every page walked through its
 * cursors equals the database's own ordering of all matching rows, for the paths that narrow first
 * (status classes and lists, a rare metadata value's ids), the page read from the metadata index in
 * time order, and those that do not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LogQuery, parseLogQuery } from "@/lib/logs/query";
import type { LogRecord } from "@/lib/logs/types";
import { ensureLogPartitions } from "@/lib/store/log-partitions";
import { type ListTuning, listLogs, METADATA_CANDIDATES } from "@/lib/store/log-query";
import { createLogSink } from "@/lib/store/log-sink";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const DAY = 86_400_000;
const NOW = Date.now();
const STATUSES = [200, 200, 200, 429, 500, 503, 504, 200, 404];

describe(`log explorer list on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  const records: LogRecord[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await t.db.workspace.create({ data: { name: "explorer", slug: "explorer" } })).id;
    if (TEST_DB_KIND === "postgresql") await ensureLogPartitions(t.db, { from: new Date(NOW - 10 * DAY), daysAhead: 2 });
    // 400 logs over 9 days, in pairs sharing one time (ids not in time order), so pages and time
    // chunks end on ties; two in three are tagged rare, the others bulk (both below the candidate bound).
    for (let i = 0; i < 400; i++) {
      const createdAt = new Date(NOW - Math.floor(i / 2) * ((9 * DAY) / 200));
      records.push(
        testLogRecord({
          workspaceId,
          createdAt,
          status: STATUSES[(i * 7) % STATUSES.length]!,
          cost: i % 5 === 0 ? null : (i % 13) / 1000,
          latencyMs: (i * 37) % 101,
          metadata: { kind: i % 3 === 2 ? "bulk" : "rare", shard: String(i % 4) },
        }),
      );
    }
    // The ids shuffled against time (149 is prime to 400).
    const ids = records.map((r) => r.id);
    for (const [i, r] of records.entries()) r.id = ids[(i * 149) % ids.length]!;
    const sink = createLogSink(t.target);
    await sink.write(records);
    await sink.close();
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Every page of the query, `limit` at a time, following the cursors. */
  async function walk(search: string, limit: number, tuning?: ListTuning): Promise<string[]> {
    const parsed = parseLogQuery(new URLSearchParams(search));
    if (!parsed.success) throw new Error(parsed.error.message);
    let query: LogQuery = { ...parsed.data, limit };
    const out: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const page = await listLogs(t.db, workspaceId, query, tuning);
      out.push(...page.rows.map((r) => r.id));
      if (!page.next) return out;
      query = { ...query, cursor: page.next };
    }
    throw new Error("no last page");
  }

  /** The database's own order of the rows the predicate keeps. */
  async function expected(keep: (r: LogRecord) => boolean, direction: "asc" | "desc", field: "createdAt" | "latencyMs" = "createdAt") {
    const all = await t.db.requestLog.findMany({
      where: { workspaceId },
      orderBy: [{ [field]: direction }, { id: direction }],
      select: { id: true },
    });
    const kept = new Set(records.filter(keep).map((r) => r.id));
    return all.map((r) => r.id).filter((id) => kept.has(id));
  }

  it("a metadata value sorted by time: the same pages read from the metadata index, alone and with other filters", async () => {
    expect(records.filter((r) => r.metadata?.kind === "rare").length).toBeLessThan(METADATA_CANDIDATES);
    const rare = (r: LogRecord) => r.metadata?.kind === "rare";
    for (const limit of [1, 7, 50]) {
      expect(await walk("metadata.kind=rare", limit)).toEqual(await expected(rare, "desc"));
      expect(await walk("metadata.kind=rare&sort=created_at", limit)).toEqual(await expected(rare, "asc"));
    }
    // Filters that drop most candidates: the chunks grow until the page is full.
    const few = (r: LogRecord) => rare(r) && r.status === 503;
    expect(await walk("metadata.kind=rare&status=503", 3)).toEqual(await expected(few, "desc"));
    const two = (r: LogRecord) => rare(r) && r.metadata?.shard === "2" && r.status >= 500;
    expect(await walk("metadata.kind=rare&metadata.shard=2&status=5xx", 4)).toEqual(await expected(two, "desc"));
    // A time window inside the candidates' range, and a sort by another column.
    const from = new Date(NOW - 4 * DAY);
    const recent = (r: LogRecord) => rare(r) && r.createdAt >= from;
    expect(await walk(`metadata.kind=rare&from=${from.toISOString()}`, 6)).toEqual(await expected(recent, "desc"));
    expect(await walk("metadata.kind=rare&sort=-latency_ms", 9)).toEqual(await expected(rare, "desc", "latencyMs"));
    expect(await walk("metadata.kind=none", 5)).toEqual([]);
  });

  it("a rare metadata value sorted by cost: its candidates over nine days read as one page in the database's order", async () => {
    // Known costs first (ties by id), then the logs without a cost by id; pages cross from one to the other.
    const byCost = async (keep: (r: LogRecord) => boolean, direction: "asc" | "desc") => {
      const ids = (where: object) =>
        t.db.requestLog.findMany({
          where: { workspaceId, ...where },
          select: { id: true },
          orderBy: [{ cost: direction }, { id: direction }],
        });
      const kept = new Set(records.filter(keep).map((r) => r.id));
      return [...(await ids({ cost: { not: null } })), ...(await ids({ cost: null }))].map((r) => r.id).filter((id) => kept.has(id));
    };
    const rare = (r: LogRecord) => r.metadata?.kind === "rare";
    for (const limit of [1, 7, 60]) {
      expect(await walk("metadata.kind=rare&sort=-cost", limit), `limit ${limit}`).toEqual(await byCost(rare, "desc"));
      expect(await walk("metadata.kind=rare&sort=cost", limit), `limit ${limit}`).toEqual(await byCost(rare, "asc"));
    }
    const failed = (r: LogRecord) => rare(r) && r.status >= 500 && r.createdAt.getTime() >= NOW - 5 * DAY;
    expect(await walk(`metadata.kind=rare&status=5xx&from=${new Date(NOW - 5 * DAY).toISOString()}&sort=-cost`, 4)).toEqual(
      await byCost(failed, "desc"),
    );
  });

  it("a metadata value whose matches the other filters mostly drop: rows checked in order past the scan bound", async () => {
    // After `metadataScan` matches read without filling the page, the rest is read in time order
    // with every filter checked per row, from where the matches left off.
    const few = (r: LogRecord) => r.metadata?.kind === "bulk" && r.status === 404;
    expect(records.filter(few).length).toBeGreaterThan(10);
    for (const metadataScan of [1, 5, 40]) {
      expect(await walk("metadata.kind=bulk&status=404", 2, { metadataScan })).toEqual(await expected(few, "desc"));
      expect(await walk("metadata.kind=bulk&status=404&sort=created_at", 3, { metadataScan })).toEqual(await expected(few, "asc"));
    }
    const two = (r: LogRecord) => r.metadata?.kind === "bulk" && r.metadata?.shard === "1";
    expect(await walk("metadata.kind=bulk&metadata.shard=1", 4, { metadataScan: 7 })).toEqual(await expected(two, "desc"));
  });

  it("status classes and lists give the same pages as the rows in order", async () => {
    const cls = (r: LogRecord) => r.status >= 500 && r.status <= 599;
    expect(await walk("status=5xx", 8)).toEqual(await expected(cls, "desc"));
    expect(await walk("status=5xx&sort=created_at", 11)).toEqual(await expected(cls, "asc"));
    const list = (r: LogRecord) => r.status === 429 || r.status === 503;
    expect(await walk("status=429,503", 6)).toEqual(await expected(list, "desc"));
    const mixed = (r: LogRecord) => r.status === 404 || (r.status >= 500 && r.status <= 599);
    expect(await walk("status=404,5xx", 13)).toEqual(await expected(mixed, "desc"));
    expect(await walk("status=3xx", 5)).toEqual([]);
  });

  it("another metadata value and no filter page through every row", async () => {
    const bulk = (r: LogRecord) => r.metadata?.kind === "bulk";
    expect(await walk("metadata.kind=bulk", 25)).toEqual(await expected(bulk, "desc"));
    expect(await walk("", 30)).toEqual(await expected(() => true, "desc"));
  });
});
