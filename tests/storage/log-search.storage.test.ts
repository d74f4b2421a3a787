/**
 * Search and attribution in the log explorer (lib/store/log-query.ts, 0016_log_search) on a real
 * database (SQLite's FTS5 table, PostgreSQL's stored tsvector and its GIN index over day partitions,
 * 0019_log_search_vector): `q` finds words of the request and the response (streamed too), never
 * JSON keys or ids; it combines with the other filters (in the search's own statement) and pages
 * without gaps or repeats; the retention's deletes take the index entries with the logs. On
 * PostgreSQL its plans never compute a tsvector per row, and a database migrated with logs in it
 * finds them. `trace_id=abc*` is a prefix; `api_key`
 * takes an id or a prefix; the names of a page's keys are resolved, a deleted key said to be one.
 */
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { dialectOf } from "@/lib/db/dialect";
import { migrate, migrationsDir } from "@/lib/db/migrate";
import type { Prisma } from "@/lib/generated/sqlite/client";
import { type LogQuery, parseLogQuery } from "@/lib/logs/query";
import type { LogRecord } from "@/lib/logs/types";
import { describeLogKeys } from "@/lib/store/log-key-names";
import { ensureLogPartitions, logDaysWithRows } from "@/lib/store/log-partitions";
import { type ListTuning, listLogs, SearchTooBroadError } from "@/lib/store/log-query";
import { deleteOldLogsBatch } from "@/lib/store/log-retention";
import { backfillSearchText } from "@/lib/store/log-search-backfill";
import { createLogSink } from "@/lib/store/log-sink";
import { insertLogBatch } from "@/lib/store/logs";
import { idsInValueOrder } from "@/testing/log-order";
import { testLogRecord } from "@/testing/sample-log-record";
import { createEmptyTarget, createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const DAY = 86_400_000;
const NOW = Date.now();

const chat = (content: string) => JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] });
const answer = (content: string) =>
  JSON.stringify({ id: "chatcmpl-zebra", object: "chat.completion", choices: [{ message: { role: "assistant", content } }] });
const says = (r: LogRecord, word: RegExp) => word.test(`${r.requestBody ?? ""} ${r.responseBody ?? ""}`);
const sse = (...deltas: string[]) =>
  `${deltas.map((d) => `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: d } }] })}\n\n`).join("")}data: [DONE]\n\n`;

describe(`log search and key attribution on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  let otherWorkspaceId: string;
  let keyA: { id: string; prefix: string };
  let keyB: { id: string; prefix: string };
  const records: LogRecord[] = [];
  const special: Record<string, LogRecord> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await t.db.workspace.create({ data: { name: "search", slug: "search" } })).id;
    otherWorkspaceId = (await t.db.workspace.create({ data: { name: "other", slug: "other" } })).id;
    if (TEST_DB_KIND === "postgresql") await ensureLogPartitions(t.db, { from: new Date(NOW - 12 * DAY), daysAhead: 2 });
    const key = (name: string, prefix: string) =>
      t.db.apiKey.create({
        data: { workspaceId, name, prefix, hash: `hash-${prefix}`, scope: "gateway" },
        select: { id: true, prefix: true },
      });
    keyA = await key("billing service", "dtr_aaaa11");
    keyB = await key("search service", "dtr_bbbb22");
    await t.db.virtualKey.create({ data: { workspaceId, slug: "openai-prod-x1", name: "OpenAI production", provider: "openai" } });
    await t.db.virtualKey.create({
      data: { workspaceId, slug: "openai-old-x2", name: "OpenAI old", provider: "openai", status: "revoked", revokedAt: new Date() },
    });

    // 120 logs over 10 days, two per time (ids against time), each with "common" in its prompt;
    // one in three says "banana" in its answer; statuses alternate 200 / 503.
    for (let i = 0; i < 120; i++) {
      records.push(
        testLogRecord({
          workspaceId,
          createdAt: new Date(NOW - Math.floor(i / 2) * ((10 * DAY) / 60)),
          status: i % 2 ? 503 : 200,
          traceId: `trace-${String(i).padStart(3, "0")}`,
          apiKeyId: i % 4 === 0 ? keyA.id : keyB.id,
          cost: i % 9 === 8 ? null : (i % 7) / 100,
          // Every other filter's column varies too, so that each one combined with `q` is checked.
          provider: i % 3 === 0 ? "azure-openai" : "openai",
          model: i % 5 === 0 ? "gpt-4o-mini" : "gpt-4o",
          configSlug: i % 4 === 1 ? "pc-search-a1" : null,
          virtualKeySlug: i % 6 === 2 ? "openai-prod-x1" : null,
          path: i % 8 === 3 ? "/v1/responses" : "/v1/chat/completions",
          responseId: i === 42 ? "resp_search42" : null,
          fallbackUsed: i % 5 === 1,
          metadata: i % 2 === 0 ? { team: i % 4 === 0 ? "billing" : "growth", ...(i % 10 === 0 ? { user: "u-7" } : {}) } : null,
          requestBody: chat(`common question number ${i}`),
          responseBody: answer(i % 3 === 0 ? "a ripe Banana, peeled" : "an apple"),
        }),
      );
    }
    const ids = records.map((r) => r.id);
    for (const [i, r] of records.entries()) r.id = ids[(i * 47) % ids.length]!;
    special.streamed = testLogRecord({
      workspaceId,
      createdAt: new Date(NOW - DAY / 3),
      stream: true,
      requestBody: chat("tell me a story"),
      responseBody: sse("Once upon a ti", "me, a drag", "on slept."),
      traceId: "abc-stream",
      virtualKeySlug: "openai-prod-x1",
    });
    special.phrase = testLogRecord({
      workspaceId,
      createdAt: new Date(NOW - DAY / 2),
      requestBody: chat("what is the refund policy for gpt-4o orders?"),
      responseBody: null,
      traceId: "abc-phrase",
      virtualKeySlug: "openai-old-x2",
    });
    special.truncated = testLogRecord({
      workspaceId,
      createdAt: new Date(NOW - DAY / 4),
      requestBody: `${chat("quokka sighting reported").slice(0, -3)}`,
      requestBodyTruncated: true,
      responseBody: null,
      traceId: "abd-cut",
      virtualKeySlug: "gone-vk-z9",
      apiKeyId: "deleted-key-id",
    });
    special.noBodies = testLogRecord({ workspaceId, createdAt: new Date(NOW - DAY / 5), requestBody: null, responseBody: null });
    special.elsewhere = testLogRecord({
      workspaceId: otherWorkspaceId,
      createdAt: new Date(NOW - DAY / 6),
      requestBody: chat("common banana quokka"),
      traceId: "abc-elsewhere",
    });
    const sink = createLogSink(t.target);
    await sink.write([...records, special.streamed, special.phrase, special.noBodies, special.elsewhere]);
    await sink.close();
    // Through Prisma too (tests and seeding write that way): the index follows it as well.
    await insertLogBatch(t.db, [special.truncated]);
  });
  afterAll(async () => {
    await t?.drop();
  });

  function parse(search: string): LogQuery {
    const parsed = parseLogQuery(new URLSearchParams(search));
    if (!parsed.success) throw new Error(parsed.error.message);
    return parsed.data;
  }

  /** Every page of the query, `limit` at a time, following the cursors (and how many pages it took). */
  async function walk(search: string, limit: number, tuning: ListTuning = {}): Promise<{ ids: string[]; pages: number }> {
    let query: LogQuery = { ...parse(search), limit };
    const ids: string[] = [];
    for (let n = 1; n < 1000; n++) {
      const page = await listLogs(t.db, workspaceId, query, tuning);
      ids.push(...page.rows.map((r) => r.id));
      if (!page.next) return { ids, pages: n };
      query = { ...query, cursor: page.next };
    }
    throw new Error("no last page");
  }

  const ids = async (search: string) => (await walk(search, 200)).ids;

  /** The database's own order (time, then id) of the workspace's rows the predicate keeps. */
  async function expected(keep: (r: LogRecord) => boolean, direction: "asc" | "desc" = "desc") {
    const all = await t.db.requestLog.findMany({
      where: { workspaceId },
      orderBy: [{ createdAt: direction }, { id: direction }],
      select: { id: true },
    });
    const everything = [...records, ...Object.values(special)];
    const kept = new Set(everything.filter(keep).map((r) => r.id));
    return all.map((r) => r.id).filter((id) => kept.has(id));
  }

  it("finds words of the request and of the response, case-insensitive, within the workspace", async () => {
    expect(await ids("q=common")).toEqual(await expected((r) => r.workspaceId === workspaceId && says(r, /common/)));
    expect((await ids("q=common")).length).toBe(120);
    expect(await ids("q=BANANA")).toEqual(await expected((r) => r.workspaceId === workspaceId && says(r, /Banana/)));
    expect((await ids("q=banana")).length).toBe(40);
    expect(await ids("q=quokka")).toEqual([special.truncated!.id]); // a body cut at the limit: its complete text fields
  });

  it("reads a streamed answer assembled, and phrases and prefixes", async () => {
    expect(await ids("q=dragon")).toEqual([special.streamed!.id]); // "drag" + "on" in two chunks
    expect(await ids("q=time")).toEqual([special.streamed!.id]);
    expect(await ids(`q=${encodeURIComponent('"refund policy"')}`)).toEqual([special.phrase!.id]);
    expect(await ids(`q=${encodeURIComponent('"policy refund"')}`)).toEqual([]);
    expect(await ids("q=gpt-4o")).toEqual([special.phrase!.id]); // the prompt's words; the model field is not text
    expect(await ids("q=refu*")).toEqual([special.phrase!.id]);
    expect(await ids("q=ban*+ripe")).toEqual(await ids("q=banana"));
  });

  it("never matches JSON keys, roles or ids", async () => {
    for (const word of ["messages", "role", "assistant", "choices", "model", "chatcmpl", "zebra", "object"]) {
      expect(await ids(`q=${word}`), word).toEqual([]);
    }
  });

  it("combines with the other filters and pages in order without gaps or repeats", async () => {
    const want = await expected((r) => r.workspaceId === workspaceId && says(r, /Banana/) && r.status === 503);
    expect(want.length).toBe(20);
    for (const limit of [1, 3, 7, 50]) expect((await walk("q=banana&status=5xx", limit)).ids, `limit ${limit}`).toEqual(want);
    const asc = await expected((r) => r.workspaceId === workspaceId && says(r, /Banana/) && r.apiKeyId === keyA.id, "asc");
    expect((await walk(`q=banana&api_key=${keyA.id}&sort=created_at`, 4)).ids).toEqual(asc);
    const from = new Date(NOW - 5 * DAY).toISOString();
    expect(await ids(`q=common&from=${from}`)).toEqual(
      await expected((r) => r.workspaceId === workspaceId && says(r, /common/) && r.createdAt.getTime() >= NOW - 5 * DAY),
    );
  });

  // Every filter besides `q`, and a few together.
  const others = (): string[] => [
    "status=503",
    "status=2xx",
    "status=404,5xx",
    "cost_min=0.03",
    "cost_max=0.02",
    "cost_min=0.01&cost_max=0.04",
    "fallback=true",
    "fallback=false",
    "provider=azure-openai",
    "model=gpt-4o-mini",
    "config=pc-search-a1",
    "virtual_key=openai-prod-x1",
    `api_key=${keyA.id}`,
    `api_key=${keyB.prefix}`,
    "endpoint=/v1/responses",
    "response_id=resp_search42",
    "trace_id=trace-04*",
    "trace_id=trace-042",
    "metadata.team=billing",
    "metadata.team=growth&metadata.user=u-7",
    `from=${new Date(NOW - 3 * DAY).toISOString()}&to=${new Date(NOW - DAY).toISOString()}`,
    "status=2xx&provider=openai&metadata.team=growth&cost_min=0.01",
  ];

  it("reads a search with any other filter as those filters alone do, in one statement", async () => {
    // The search's own SQL (FILTER_SQL) must keep exactly the rows the other filters' Prisma
    // conditions keep: each filter with q equals q's rows among the filter's rows, in order and
    // paged, sorted by time both ways.
    for (const sort of ["", "&sort=created_at"]) {
      const common = new Set(await ids(`q=common${sort}`));
      const banana = new Set(await ids(`q=banana${sort}`));
      for (const other of others()) {
        const alone = await ids(`${other}${sort}`);
        const want = alone.filter((id) => common.has(id));
        expect(want.length, other).toBeGreaterThan(0);
        expect((await walk(`q=common&${other}${sort}`, 3)).ids, `${other}${sort}`).toEqual(want);
        expect(await ids(`q=banana&${other}${sort}`), `banana ${other}${sort}`).toEqual(alone.filter((id) => banana.has(id)));
      }
    }
  });

  it.runIf(TEST_DB_KIND === "sqlite")("reads the same pages whichever plan SQLite picks for the number of matches", async () => {
    // A few matches are read first, then their logs; more are a set checked on the index entries
    // the planner walks, a rare metadata value's or cost range's or status class's, else the time
    // index (a wide cost range or status class kept out). The knobs send this table's searches
    // down each plan; every one gives the pages of the first.
    const plans: ListTuning[] = [
      { searchMatchesFirst: 0 }, // every metadata value, cost range and status class here is rare
      { searchMatchesFirst: 0, searchRareFilter: 0 }, // none is
      { searchMatchesFirst: 0, searchRareFilter: 20 }, // team=billing (30 logs) checked per row, user=u-7 (12) drives
    ];
    for (const sort of ["", "&sort=created_at", "&sort=-cost"]) {
      for (const other of ["", ...others()]) {
        for (const word of ["common", "banana"]) {
          const search = `q=${word}${other ? `&${other}` : ""}${sort}`;
          const want = (await walk(search, 7)).ids;
          if (other === "") expect(want.length, search).toBeGreaterThan(0);
          for (const tuning of plans) expect((await walk(search, 7, tuning)).ids, `${search} ${JSON.stringify(tuning)}`).toEqual(want);
        }
      }
    }
    // No match at all, whichever plan: none passes the other filters, or they hold no log.
    for (const search of ["q=quokka&status=503", "q=common&cost_min=5", "q=common&status=1xx,3xx", "q=common&metadata.team=nobody"])
      for (const tuning of [{}, ...plans]) expect((await walk(search, 4, tuning)).ids, search).toEqual([]);
  });

  it("fills each page from the matches that pass the other filters, however few", async () => {
    // One match in 120 passes: the page has it (no short pages with a cursor to follow).
    const page = await listLogs(t.db, workspaceId, { ...parse("q=common&response_id=resp_search42"), limit: 5 });
    expect(page.rows.map((r) => r.responseId)).toEqual(["resp_search42"]);
    expect(page.next).toBeNull();
    const full = await listLogs(t.db, workspaceId, { ...parse("q=banana&metadata.team=billing"), limit: 4 });
    expect(full.rows).toHaveLength(4);
    expect(full.next).not.toBeNull();
  });

  it("sorts a search by cost among its matches, and refuses to when it matches too many", async () => {
    const rows = await walk("q=banana&sort=-cost", 6);
    const costs = await t.db.requestLog.findMany({ where: { id: { in: rows.ids } }, select: { id: true, cost: true } });
    const byId = new Map(costs.map((c) => [c.id, c.cost ?? -1]));
    const seen = rows.ids.map((id) => byId.get(id)!);
    expect(rows.ids.length).toBe(40);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(rows.ids).size).toBe(40);
    // The bound (SEARCH_CANDIDATES, tuned down): 40 matches sort, 39 may not.
    expect((await walk("q=banana&sort=-cost", 6, { searchCandidates: 40 })).ids).toEqual(rows.ids);
    await expect(listLogs(t.db, workspaceId, parse("q=banana&sort=-cost"), { searchCandidates: 39 })).rejects.toThrow(SearchTooBroadError);
  });

  it("refuses to sort more matches than its bound by cost or latency, naming the window of the newest it can sort", async () => {
    const bound = 15;
    const cases = [
      // Two logs share each time: the window's start leaves out both of the pair the 16th newest is in.
      ["q=common&sort=-cost", 14],
      ["q=banana&sort=latency_ms", 15],
      ["q=common&status=503&sort=-latency_ms", 15],
      [`q=common&to=${new Date(NOW - 2 * DAY).toISOString()}&sort=cost`, 14],
    ] as const;
    for (const [search, held] of cases) {
      const err = await listLogs(t.db, workspaceId, parse(search), { searchCandidates: bound }).catch((e: unknown) => e);
      expect(err, search).toBeInstanceOf(SearchTooBroadError);
      const { message, newest } = err as SearchTooBroadError;
      expect(message).toMatch(/^matches more than 15 logs, too many to sort by cost or latency: sort by time, or narrow it/);
      expect(message).toContain(`from=${newest!.from.toISOString()}&to=${newest!.to.toISOString()} holds the newest 15 or fewer`);
      // The same search sorted by time: the newest come first.
      const byTime = (await walk(search.replace(/&sort=[^&]*/, ""), 200)).ids;
      const to = parse(search).filters.to;
      if (to) expect(newest!.to).toEqual(to);
      // The window: the newest matches, as many as fit, sorted as asked, on every page.
      const narrowed = { ...parse(search), filters: { ...parse(search).filters, from: newest!.from, to: newest!.to } };
      const inWindow: string[] = [];
      for (let query: LogQuery = { ...narrowed, limit: 4 }; ; ) {
        const page = await listLogs(t.db, workspaceId, query, { searchCandidates: bound });
        inWindow.push(...page.rows.map((r) => r.id));
        if (!page.next) break;
        query = { ...query, cursor: page.next };
      }
      expect(inWindow.length, search).toBe(held);
      expect(new Set(inWindow), search).toEqual(new Set(byTime.slice(0, held)));
    }
    if (TEST_DB_KIND === "postgresql") {
      // One read serves the refusal: the newest matches in time order, never counted in another
      // order first (that read and the window's took 99-228 ms at 10M logs).
      const statements: string[] = [];
      const spy = t.db.$extends({
        query: {
          $queryRaw: ({ args, query }) => {
            if (args.text.includes("@@")) statements.push(args.text);
            return query(args);
          },
        },
      }) as unknown as Db;
      for (const [search] of cases) {
        statements.length = 0;
        await expect(listLogs(spy, workspaceId, parse(search), { searchCandidates: bound }), search).rejects.toThrow(SearchTooBroadError);
        expect(statements.length, search).toBeGreaterThan(0);
        for (const s of statements) expect(s, search).toMatch(/ORDER BY \S+"createdAt" DESC, \S+"id" DESC LIMIT/);
        for (const s of statements) expect(s, search).not.toMatch(/count\(/i);
      }
    }
  });

  it("sorts a search by cost or latency in the database's order of all its matches: every page, both ways, with filters", async () => {
    // The store's order of all the workspace's logs, narrowed to those `keep` selects.
    async function byValue(keep: (r: LogRecord) => boolean, field: "cost" | "latencyMs", direction: "asc" | "desc") {
      const kept = new Set([...records, ...Object.values(special)].filter(keep).map((r) => r.id));
      return (await idsInValueOrder(t.db, workspaceId, field, direction)).filter((id) => kept.has(id));
    }
    const mine = (r: LogRecord) => r.workspaceId === workspaceId;
    const [from, to] = [NOW - 6 * DAY, NOW - 2 * DAY];
    const sorts = [
      ["-cost", "cost", "desc"],
      ["cost", "cost", "asc"],
      ["-latency_ms", "latencyMs", "desc"],
      ["latency_ms", "latencyMs", "asc"],
    ] as const;
    for (const [sort, field, direction] of sorts) {
      const banana = (r: LogRecord) => mine(r) && says(r, /Banana/);
      for (const limit of [1, 4, 50]) {
        expect((await walk(`q=banana&sort=${sort}`, limit)).ids, `${sort} ${limit}`).toEqual(await byValue(banana, field, direction));
      }
      const failed = (r: LogRecord) => mine(r) && says(r, /common/) && r.status === 503;
      expect((await walk(`q=common&status=503&sort=${sort}`, 7)).ids, sort).toEqual(await byValue(failed, field, direction));
      const window = (r: LogRecord) => mine(r) && says(r, /common/) && r.createdAt.getTime() >= from && r.createdAt.getTime() < to;
      const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
      expect((await walk(`q=common&${range}&sort=${sort}`, 9)).ids, sort).toEqual(await byValue(window, field, direction));
    }
    // The rows are the logs as Prisma reads them (PostgreSQL reads them in the search's own statement).
    for (const search of ["q=banana&sort=-cost", "q=banana"]) {
      const page = await listLogs(t.db, workspaceId, { ...parse(search), limit: 5 });
      for (const row of page.rows) {
        const select = Object.fromEntries(Object.keys(row).map((k) => [k, true])) as Prisma.RequestLogSelect;
        expect(row, search).toEqual(await t.db.requestLog.findUnique({ where: { id: row.id }, select }));
      }
    }
  });

  it("forgets deleted logs: the retention's batches take their index entries", async () => {
    const before = await ids("q=banana");
    const cutoff = new Date(NOW - 5 * DAY);
    let deleted = 0;
    for (let n = 1; n > 0; deleted += n) n = await deleteOldLogsBatch(t.db, dialectOf(t.db), workspaceId, cutoff, 7);
    expect(deleted).toBeGreaterThan(0);
    const after = await ids("q=banana");
    const kept = await expected((r) => r.workspaceId === workspaceId && says(r, /Banana/) && r.createdAt.getTime() >= cutoff.getTime());
    expect(after).toEqual(kept);
    expect(after.length).toBeLessThan(before.length);
    if (TEST_DB_KIND === "sqlite") {
      // One index entry per log with text, none left behind, and the index itself sound.
      const [docs] = await t.db.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "RequestLogSearch_docsize"`);
      const [texts] = await t.db.$queryRawUnsafe<{ n: bigint | number }[]>(
        `SELECT count(*) AS n FROM "RequestLog" WHERE "searchText" IS NOT NULL`,
      );
      expect(Number(docs!.n)).toBe(Number(texts!.n));
      await t.db.$executeRawUnsafe(`INSERT INTO "RequestLogSearch"("RequestLogSearch") VALUES ('integrity-check')`);
    }
  });

  it.runIf(TEST_DB_KIND === "sqlite")("keeps SQLite's index sound whoever writes: a retried batch, a row without an entry", async () => {
    const count = async (sql: string) => Number((await t.db.$queryRawUnsafe<{ n: bigint | number }[]>(sql))[0]!.n);
    const entries = () => count(`SELECT count(*) AS n FROM "RequestLogSearch_docsize"`);
    const texts = () => count(`SELECT count(*) AS n FROM "RequestLog" WHERE "searchText" IS NOT NULL`);
    const integrity = () => t.db.$executeRawUnsafe(`INSERT INTO "RequestLogSearch"("RequestLogSearch") VALUES ('integrity-check')`);
    const insertWithoutEntry = (id: string) =>
      t.db.$executeRawUnsafe(
        `INSERT INTO "RequestLog" ("id", "workspaceId", "createdAt", "traceId", "path", "status", "latencyMs", "overheadMs", "searchText")
         VALUES (?, ?, ?, 't-no-entry', '/v1/chat/completions', 200, 5, 0.1, 'orphan narwhal')`,
        id,
        workspaceId,
        new Date(NOW - DAY).toISOString().replace("Z", "+00:00"),
      );
    // The writers index what they insert, once: the same records again (a retried batch) add nothing.
    const retried = testLogRecord({ workspaceId, createdAt: new Date(NOW - DAY), requestBody: chat("retried walrus") });
    const sink = createLogSink(t.target);
    await sink.write([retried]);
    await sink.write([retried]);
    await sink.close();
    await insertLogBatch(t.db, [retried]);
    expect(await ids("q=walrus")).toEqual([retried.id]);
    expect(await entries()).toBe(await texts());
    await integrity();
    // A row with a text but no index entry (a writer that forgot it): unsearchable, and its update
    // and its deletion leave the index sound, as the triggers touch only rows that are in it.
    await insertWithoutEntry("no-entry");
    expect(await ids("q=narwhal")).toEqual([]);
    await integrity();
    await t.db.$executeRawUnsafe(`UPDATE "RequestLog" SET "searchText" = 'adopted narwhal' WHERE "id" = 'no-entry'`);
    expect(await ids("q=narwhal")).toEqual(["no-entry"]);
    await integrity();
    await t.db.$executeRawUnsafe(`UPDATE "RequestLog" SET "searchText" = NULL WHERE "id" = 'no-entry'`);
    await t.db.$executeRawUnsafe(`UPDATE "RequestLog" SET "searchText" = 'orphan again' WHERE "id" = 'no-entry'`);
    await t.db.$executeRawUnsafe(`DELETE FROM "RequestLog" WHERE "id" = 'no-entry'`);
    expect(await entries()).toBe(await texts());
    await integrity();
    await insertWithoutEntry("no-entry-2");
    await t.db.$executeRawUnsafe(`DELETE FROM "RequestLog" WHERE "id" = 'no-entry-2'`);
    await integrity();
  });

  it("gives logs written before search their text with the backfill, once", async () => {
    // As a log written before 0016: bodies, no search text.
    await t.db.requestLog.updateMany({ where: { id: { in: [special.phrase!.id, special.streamed!.id] } }, data: { searchText: null } });
    expect(await ids("q=refund")).toEqual([]);
    expect(await ids("q=dragon")).toEqual([]);
    const first = await backfillSearchText(t.db, { batch: 1 });
    expect(first.updated).toBe(2);
    expect(await ids("q=refund")).toEqual([special.phrase!.id]);
    expect(await ids("q=dragon")).toEqual([special.streamed!.id]);
    expect((await backfillSearchText(t.db)).updated).toBe(0);
    if (TEST_DB_KIND === "sqlite")
      await t.db.$executeRawUnsafe(`INSERT INTO "RequestLogSearch"("RequestLogSearch") VALUES ('integrity-check')`);
  });

  it("matches trace ids by prefix with a final *, and exactly without", async () => {
    expect((await ids("trace_id=abc*")).sort()).toEqual([special.phrase!.id, special.streamed!.id].sort());
    expect((await ids("trace_id=ab*")).sort()).toEqual([special.phrase!.id, special.streamed!.id, special.truncated!.id].sort());
    expect(await ids("trace_id=abc")).toEqual([]);
    expect(await ids("trace_id=abc-phrase")).toEqual([special.phrase!.id]);
    expect(await ids("trace_id=trace-11*")).toEqual(
      await expected((r) => /^trace-11/.test(r.traceId) && r.createdAt.getTime() >= NOW - 5 * DAY),
    );
  });

  it("filters by API key id or prefix as shown; an unknown key matches nothing", async () => {
    const byA = await expected((r) => r.apiKeyId === keyA.id);
    expect(byA.length).toBeGreaterThan(0);
    expect(await ids(`api_key=${keyA.id}`)).toEqual(byA);
    expect(await ids(`api_key=${keyA.prefix}`)).toEqual(byA);
    expect(await ids(`api_key=${keyA.prefix}...`)).toEqual(byA);
    expect(await ids("api_key=dtr_nope00")).toEqual([]);
    expect(await ids(`api_key=${keyB.id}&status=503`)).toEqual(await expected((r) => r.apiKeyId === keyB.id && r.status === 503));
  });

  it("serves the api_key filter from its index", async () => {
    if (TEST_DB_KIND === "sqlite") {
      const plan = await t.db.$queryRawUnsafe<{ detail: string }[]>(
        `EXPLAIN QUERY PLAN SELECT "id" FROM "RequestLog" WHERE "workspaceId" = 'w' AND "apiKeyId" = 'k' ORDER BY "createdAt" DESC LIMIT 50`,
      );
      expect(plan.map((p) => p.detail).join(" ")).toContain("RequestLog_workspaceId_apiKeyId_createdAt_idx");
    } else {
      const idx = await t.db.$queryRawUnsafe<{ indexname: string }[]>(
        `SELECT indexname FROM pg_indexes WHERE tablename = 'RequestLog' AND indexname IN ('RequestLog_workspaceId_apiKeyId_createdAt_idx', 'RequestLog_searchVector_idx')`,
      );
      expect(idx.map((i) => i.indexname).sort()).toEqual(["RequestLog_searchVector_idx", "RequestLog_workspaceId_apiKeyId_createdAt_idx"]);
    }
  });

  it("resolves the names of a page's keys in one go, and says which are revoked or deleted", async () => {
    await t.db.apiKey.update({ where: { id: keyB.id }, data: { revokedAt: new Date() } });
    const page = await listLogs(t.db, workspaceId, { ...parse(""), limit: 200 });
    const names = await describeLogKeys(t.db, workspaceId, page.rows);
    expect(names.apiKeys.get(keyA.id)).toEqual({ name: "billing service", prefix: "dtr_aaaa11", state: "active" });
    expect(names.apiKeys.get(keyB.id)).toEqual({ name: "search service", prefix: "dtr_bbbb22", state: "revoked" });
    expect(names.apiKeys.get("deleted-key-id")).toEqual({ name: null, prefix: null, state: "deleted" });
    expect(names.virtualKeys.get("openai-prod-x1")).toEqual({ name: "OpenAI production", state: "active" });
    expect(names.virtualKeys.get("openai-old-x2")).toEqual({ name: "OpenAI old", state: "revoked" });
    expect(names.virtualKeys.get("gone-vk-z9")).toEqual({ name: null, state: "deleted" });
    // Another workspace's key of the same id is not this workspace's: deleted, not borrowed.
    const foreign = await describeLogKeys(t.db, otherWorkspaceId, [{ apiKeyId: keyA.id, virtualKeySlug: "openai-prod-x1" }]);
    expect(foreign.apiKeys.get(keyA.id)?.state).toBe("deleted");
    expect(foreign.virtualKeys.get("openai-prod-x1")?.state).toBe("deleted");
  });
});

describe.runIf(TEST_DB_KIND === "postgresql")("log search on PostgreSQL's stored tsvector (0019_log_search_vector)", () => {
  const parse = (search: string): LogQuery => {
    const parsed = parseLogQuery(new URLSearchParams(search));
    if (!parsed.success) throw new Error(parsed.error.message);
    return parsed.data;
  };
  const day = (d: number) => new Date(Math.floor(NOW / DAY) * DAY - d * DAY);

  /** A client that records every raw statement it runs (as listLogs runs them), for their plans. */
  function statementSpy(db: Db): { spy: Db; statements: Prisma.Sql[] } {
    const statements: Prisma.Sql[] = [];
    const spy = db.$extends({
      query: {
        $queryRaw: ({ args, query }) => {
          statements.push(args);
          return query(args);
        },
      },
    }) as unknown as Db;
    return { spy, statements };
  }

  const planOf = async (db: Db, statement: Prisma.Sql) =>
    (await db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN ${statement.text}`, ...statement.values))
      .map((r) => r["QUERY PLAN"])
      .join("\n");

  it("reads the column's GIN index for a rare word, and never computes a tsvector per row", async () => {
    const t = await createTestDatabase();
    try {
      const ws = (await t.db.workspace.create({ data: { name: "plan", slug: "plan" } })).id;
      await ensureLogPartitions(t.db, { from: day(3), daysAhead: 1 });
      // One day of 3,000 logs that all say "common"; 3 of them say "zanzibar" too.
      const sink = createLogSink(t.target);
      await sink.write(
        Array.from({ length: 3000 }, (_, i) =>
          testLogRecord({
            workspaceId: ws,
            createdAt: new Date(day(1).getTime() + i * 20_000),
            status: i % 2 ? 503 : 200,
            cost: (i % 7) / 100,
            requestBody: chat(`common question ${i}${i % 1000 === 7 ? " zanzibar" : ""}`),
          }),
        ),
      );
      await sink.close();
      await t.db.$executeRawUnsafe(`ANALYZE "RequestLog"`);
      const { spy, statements } = statementSpy(t.db);
      for (const search of ["q=zanzibar", "q=zanzibar&status=503", "q=zanzibar&sort=-cost", "q=common&status=503"]) {
        statements.length = 0;
        const page = await listLogs(spy, ws, parse(search));
        expect(page.rows.length, search).toBeGreaterThan(0);
        const searches = statements.filter((s) => s.text.includes("@@"));
        expect(searches.length, search).toBeGreaterThan(0);
        for (const s of searches) {
          const plan = await planOf(t.db, s);
          expect(plan, search).not.toMatch(/to_tsvector/);
          expect(plan, search).toMatch(/"searchVector" @@/);
          if (search.startsWith("q=zanzibar")) expect(plan, search).toMatch(/Bitmap Index Scan on "RequestLog_p\d{8}_searchVector_idx"/);
        }
      }
    } finally {
      await t.drop();
    }
  });

  it("reads a day only when the days before it fell short, in parts sent at once, and in time order", async () => {
    const t = await createTestDatabase();
    try {
      const ws = (await t.db.workspace.create({ data: { name: "lazy", slug: "lazy" } })).id;
      await ensureLogPartitions(t.db, { from: day(13), daysAhead: 1 });
      // 12 days of 40 logs, every one says "heron"; "egret" is said by 4 logs of the newest day and
      // by every log of the days before it.
      const logs = Array.from({ length: 480 }, (_, i) =>
        testLogRecord({
          workspaceId: ws,
          createdAt: new Date(day(1 + Math.floor(i / 40)).getTime() + (i % 40) * 2_000_000),
          requestBody: chat(`heron number ${i}${i >= 40 || i % 10 === 0 ? " egret" : ""}`),
        }),
      );
      const sink = createLogSink(t.target);
      await sink.write(logs);
      await sink.close();
      await t.db.$executeRawUnsafe(`ANALYZE "RequestLog"`);
      const expected = (
        await t.db.requestLog.findMany({
          where: { workspaceId: ws },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          select: { id: true },
        })
      ).map((r) => r.id);
      const { spy, statements } = statementSpy(t.db);
      const daysRead = (s: Prisma.Sql) => s.text.match(/l\."createdAt" >= /g)?.length ?? 0;
      // 201 rows: the newest day alone (40), then the five days the rate says 161 rows need, in two
      // statements sent at once (three days, then two): the six days after them are never read.
      const page = await listLogs(spy, ws, { ...parse("q=heron"), limit: 200 });
      expect(page.rows.map((r) => r.id)).toEqual(expected.slice(0, 200));
      const searches = statements.filter((s) => s.text.includes("@@"));
      expect(searches.map(daysRead)).toEqual([1, 3, 2]);
      const plan = async (s: Prisma.Sql) =>
        (await t.db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, COSTS OFF) ${s.text}`, ...s.values))
          .map((r) => r["QUERY PLAN"])
          .join("\n");
      const egretsInOrder = [...expected.slice(0, 40).filter((_, i) => i % 10 === 9), ...expected.slice(40)];
      // A rate from few matches: the newest day's 4 say that 8 more need two days, three with the
      // margin. Mostly margin, the batch is one statement, which stops once the page is full: the
      // next day fills it, and the two after it are never read.
      statements.length = 0;
      const few = await listLogs(spy, ws, { ...parse("q=egret"), limit: 11 });
      expect(few.rows.map((r) => r.id)).toEqual(egretsInOrder.slice(0, 11));
      const fewSearches = statements.filter((s) => s.text.includes("@@"));
      expect(fewSearches.map(daysRead)).toEqual([1, 3]);
      const fewPlan = await plan(fewSearches[1]!);
      expect(fewPlan.match(/Limit \(actual/g)?.length, fewPlan).toBe(1 + 1);
      expect(fewPlan.match(/Limit \(never executed\)/g)?.length, fewPlan).toBe(2);
      // A rate too low: the newest day's 4 say that 197 more need 32 days (all 11 left), read by two
      // statements of six and five days. Within a statement a day is read only when the days before
      // it fell short: the first fills its 197 in five days, and its sixth is never read.
      statements.length = 0;
      const egrets = await listLogs(spy, ws, { ...parse("q=egret"), limit: 200 });
      expect(egrets.rows.map((r) => r.id)).toEqual(egretsInOrder.slice(0, 200));
      const egretSearches = statements.filter((s) => s.text.includes("@@"));
      expect(egretSearches.map(daysRead)).toEqual([1, 6, 5]);
      const analyzed = await plan(egretSearches[1]!);
      expect(analyzed.match(/Limit \(actual/g)?.length, analyzed).toBe(1 + 5);
      expect(analyzed.match(/Limit \(never executed\)/g)?.length, analyzed).toBe(1);
      // Every page, both ways: the same rows as the database's order.
      for (const [search, order] of [
        ["q=heron", expected],
        ["q=heron&sort=created_at", [...expected].reverse()],
      ] as const) {
        let query: LogQuery = { ...parse(search), limit: 70 };
        const seen: string[] = [];
        for (;;) {
          const p = await listLogs(t.db, ws, query);
          seen.push(...p.rows.map((r) => r.id));
          if (!p.next) break;
          query = { ...query, cursor: p.next };
        }
        expect(seen, search).toEqual(order);
      }
    } finally {
      await t.drop();
    }
  });

  it("probes a common metadata value per row with a known word, every value with an unknown one, and finds the same logs", async () => {
    const t = await createTestDatabase();
    try {
      const ws = (await t.db.workspace.create({ data: { name: "probe", slug: "probe" } })).id;
      await ensureLogPartitions(t.db, { from: day(3), daysAhead: 1 });
      // One day of 3,000 logs that all say "common", 3 of them "zanzibar" too; a third of them
      // team=billing (a common value), each its own user (rare values). Statistics taken, as
      // autovacuum would: they decide which values are common and which words known.
      const logs = Array.from({ length: 3000 }, (_, i) =>
        testLogRecord({
          workspaceId: ws,
          createdAt: new Date(day(1).getTime() + i * 20_000),
          metadata: { ...(i % 3 === 0 ? { team: "billing" } : { team: `t-${i % 97}` }), user: `u-${i}` },
          requestBody: chat(`common question ${i}${i % 1000 === 7 ? " zanzibar" : ""}`),
        }),
      );
      const sink = createLogSink(t.target);
      await sink.write(logs);
      await sink.close();
      await t.db.$executeRawUnsafe(`ANALYZE "RequestLog"`);
      await t.db.$executeRawUnsafe(`ANALYZE "RequestLogMetadata"`);
      const { spy, statements } = statementSpy(t.db);
      const newestFirst = [...logs].reverse();
      const cases = [
        ["q=common&metadata.team=billing", true, (r: LogRecord) => r.metadata?.team === "billing"],
        ["q=common&metadata.user=u-1500", false, (r: LogRecord) => r.metadata?.user === "u-1500"],
        ["q=zanzibar&metadata.team=billing", true, (r: LogRecord) => /zanzibar/.test(r.requestBody!) && r.metadata?.team === "billing"],
        // A word no log says, so none the statistics know (3 logs of 3,000 are enough to be known).
        ["q=quixotic&metadata.user=u-7", true, () => false],
      ] as const;
      for (const [search, probed, keep] of cases) {
        statements.length = 0;
        const got: string[] = [];
        for (let query: LogQuery = { ...parse(search), limit: 20 }; ; ) {
          const page = await listLogs(spy, ws, query);
          got.push(...page.rows.map((r) => r.id));
          if (!page.next || got.length >= 60) break;
          query = { ...query, cursor: page.next };
        }
        expect(got, search).toEqual(
          newestFirst
            .filter(keep)
            .slice(0, got.length)
            .map((r) => r.id),
        );
        expect(got.length, search).toBe(Math.min(60, newestFirst.filter(keep).length));
        const searches = statements.filter((st) => st.text.includes("@@"));
        expect(searches.length, search).toBeGreaterThan(0);
        for (const st of searches) {
          const plan = await planOf(t.db, st);
          if (probed) expect(plan, search).toMatch(/SubPlan/);
          else expect(plan, search).not.toMatch(/SubPlan/);
        }
      }
    } finally {
      await t.drop();
    }
  });

  it("searches the days that hold logs, a few statements for many days, and misses none: gaps, a wider partition, the DEFAULT one", async () => {
    const t = await createTestDatabase();
    try {
      const ws = (await t.db.workspace.create({ data: { name: "days", slug: "days" } })).id;
      const other = (await t.db.workspace.create({ data: { name: "other", slug: "other" } })).id;
      // Day partitions from 10 days ago to 2 days ahead, logs on 3 of them (the others empty); one
      // partition of 5 days (20 to 15 days ago) made by hand; and 36 days before those, one log each,
      // in the DEFAULT partition (no partition of theirs).
      await ensureLogPartitions(t.db, { from: day(10), daysAhead: 2 });
      const stamp = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");
      await t.db.$executeRawUnsafe(
        `CREATE TABLE "RequestLog_wide" PARTITION OF "RequestLog" FOR VALUES FROM ('${stamp(day(20))}') TO ('${stamp(day(15))}')`,
      );
      const at = (d: number, hour: number) => new Date(day(d).getTime() + hour * 3_600_000);
      const logs: LogRecord[] = [];
      const add = (workspaceId: string, d: number, hour: number, words: string, cost: number | null) =>
        logs.push(testLogRecord({ workspaceId, createdAt: at(d, hour), cost, latencyMs: (d * 7 + hour) % 5, requestBody: chat(words) }));
      for (const d of [1, 2, 6])
        for (let h = 0; h < 6; h++) add(ws, d, h * 4, `heron ${h % 3 === 0 ? "ibis" : ""}`, h % 4 ? h / 100 : null);
      for (const d of [19, 16]) for (let h = 0; h < 3; h++) add(ws, d, h * 7, `heron ${h === 1 ? "ibis" : ""}`, h / 50);
      for (let d = 25; d < 61; d++) add(ws, d, d % 24, `heron ${d % 5 === 0 ? "ibis" : ""}`, d % 3 ? d / 1000 : null);
      add(other, 3, 1, "heron ibis", 0.5); // another workspace's, on a day this one has none
      const sink = createLogSink(t.target);
      await sink.write(logs);
      await sink.close();
      await t.db.$executeRawUnsafe(`ANALYZE "RequestLog"`);

      // The days: those of the partitions written to (the wide one whole) and those of the DEFAULT rows.
      const listed = await logDaysWithRows(t.db, ws);
      const days = listed.map((d) => (day(0).getTime() - d.day.getTime()) / DAY);
      expect(days).toEqual([...Array.from({ length: 36 }, (_, i) => 60 - i), 20, 19, 18, 17, 16, 6, 3, 2, 1]);
      expect([...new Set(listed.map((d) => d.partition.replace(/\d{8}$/, "YYYYMMDD")))]).toEqual([
        "RequestLog_default",
        "RequestLog_wide",
        "RequestLog_pYYYYMMDD",
      ]);

      // Every statement of the search, and every Prisma read of the logs (an all-partition plan).
      const searches: string[] = [];
      let modelReads = 0;
      const spy = t.db.$extends({
        query: {
          $queryRaw: ({ args, query }) => {
            if (args.text.includes("@@")) searches.push(args.text);
            return query(args);
          },
          requestLog: {
            $allOperations: ({ args, query }) => {
              modelReads += 1;
              return query(args);
            },
          },
        },
      }) as unknown as Db;
      const walk = async (search: string, limit: number) => {
        let query: LogQuery = { ...parse(search), limit };
        const out: string[] = [];
        for (;;) {
          const page = await listLogs(spy, ws, query);
          out.push(...page.rows.map((r) => r.id));
          if (!page.next) return out;
          query = { ...query, cursor: page.next };
        }
      };
      const mine = logs.filter((r) => r.workspaceId === ws);
      const inTimeOrder = (keep: (r: LogRecord) => boolean, direction: "asc" | "desc") =>
        t.db.requestLog
          .findMany({ where: { workspaceId: ws }, orderBy: [{ createdAt: direction }, { id: direction }], select: { id: true } })
          .then((all) => all.map((r) => r.id).filter((id) => mine.some((r) => r.id === id && keep(r))));
      const ibis = (r: LogRecord) => says(r, /ibis/);

      // A rare word: its first page in a few rounds (the newest day, then 32 days, then the rest; each
      // round after the first in two statements sent at once), no read of every partition; then every
      // page, both ways, equal to the rows in order.
      searches.length = 0;
      const first = await listLogs(spy, ws, { ...parse("q=ibis"), limit: 50 });
      expect(first.rows.map((r) => r.id)).toEqual(await inTimeOrder(ibis, "desc"));
      expect(searches.length).toBeLessThanOrEqual(5);
      expect(modelReads).toBe(0);
      for (const limit of [1, 4]) {
        expect(await walk("q=ibis", limit), `limit ${limit}`).toEqual(await inTimeOrder(ibis, "desc"));
        expect(await walk("q=ibis&sort=created_at", limit), `limit ${limit}`).toEqual(await inTimeOrder(ibis, "asc"));
      }
      expect(await walk("q=heron", 7)).toEqual(await inTimeOrder(() => true, "desc"));
      // A word the days' statistics do not know is read from its GIN index first (a subquery the
      // planner must run whole, OFFSET 0); one they know keeps the planner's choice.
      searches.length = 0;
      expect((await listLogs(spy, ws, { ...parse("q=quixotic"), limit: 50 })).rows).toEqual([]);
      expect(searches.length).toBeGreaterThan(0);
      for (const s of searches) expect(s).toMatch(/OFFSET 0/);
      searches.length = 0;
      await listLogs(spy, ws, { ...parse("q=heron"), limit: 50 });
      for (const s of searches) expect(s).not.toMatch(/OFFSET 0/);
      // Bounded by from/to: inside the wide partition and the DEFAULT days, and beyond every log.
      const window = (lo: number, hi: number) => (r: LogRecord) => r.createdAt.getTime() >= lo && r.createdAt.getTime() < hi;
      for (const [lo, hi] of [
        [at(30, 5), at(17, 3)],
        [at(2, 6), at(1, 2)],
        [day(400), day(-400)],
      ] as const) {
        const range = `from=${lo.toISOString()}&to=${hi.toISOString()}`;
        expect(await walk(`q=heron&${range}`, 5), range).toEqual(await inTimeOrder(window(lo.getTime(), hi.getTime()), "desc"));
      }
      expect(await walk(`q=heron&from=${day(-1).toISOString()}`, 5)).toEqual([]);
      expect(await walk(`q=heron&to=${day(61).toISOString()}`, 5)).toEqual([]);
      // Sorted by cost over more days than one statement takes: the matches, then their page by day.
      const costOrder = async (keep: (r: LogRecord) => boolean, direction: "asc" | "desc") => {
        const known = mine.filter((r) => keep(r) && r.cost !== null);
        const rows = await t.db.requestLog.findMany({
          where: { id: { in: known.map((r) => r.id) } },
          orderBy: [{ cost: direction }, { id: direction }],
          select: { id: true },
        });
        const nulls = await t.db.requestLog.findMany({
          where: { id: { in: mine.filter((r) => keep(r) && r.cost === null).map((r) => r.id) } },
          orderBy: { id: direction },
          select: { id: true },
        });
        return [...rows, ...nulls].map((r) => r.id);
      };
      for (const limit of [3, 50]) {
        expect(await walk("q=heron&sort=-cost", limit)).toEqual(await costOrder(() => true, "desc"));
        expect(await walk("q=ibis&sort=cost", limit)).toEqual(await costOrder(ibis, "asc"));
      }
      expect(modelReads).toBe(0);
    } finally {
      await t.drop();
    }
  });

  it("finds the logs a database held before the migration, and keeps finding new ones", async () => {
    const empty = await createEmptyTarget();
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
    for (const f of readdirSync(migrationsDir("postgresql")).filter((f) => f < "0019")) {
      copyFileSync(path.join(migrationsDir("postgresql"), f), path.join(dir, f));
    }
    await migrate(empty.target, dir);
    const db = createDb(empty.target);
    try {
      const ws = (await db.workspace.create({ data: { name: "old", slug: "old" } })).id;
      await ensureLogPartitions(db, { from: day(3), daysAhead: 1 });
      // Logs written before the migration: in day partitions, and one in the DEFAULT partition
      // (a day with no partition yet).
      const before = [1, 2, 3].map((d) =>
        testLogRecord({ workspaceId: ws, createdAt: new Date(day(d).getTime() + 3_600_000), requestBody: chat(`an old pelican ${d}`) }),
      );
      const stray = testLogRecord({
        workspaceId: ws,
        createdAt: day(-5),
        requestBody: chat("a stray pelican"),
        responseBody: answer("yes"),
      });
      const sink = createLogSink(empty.target);
      await sink.write([...before, stray]);
      await sink.close();

      const result = await migrate(empty.target);
      expect(result.applied).toContain("0019_log_search_vector");
      const [idx] = await db.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM pg_indexes WHERE indexname IN ('RequestLog_searchText_fts_idx', 'RequestLog_searchVector_idx')`,
      );
      expect(Number(idx!.n)).toBe(1);
      const found = async (search: string) => (await listLogs(db, ws, { ...parse(search), limit: 50 })).rows.map((r) => r.id);
      const newestFirst = [stray, ...before].map((r) => r.id);
      expect(await found("q=pelican")).toEqual(newestFirst);
      expect(await found("q=pelican&sort=-cost")).toHaveLength(4);
      // Prisma reads a row whole without knowing the column.
      expect((await db.requestLog.findFirst({ where: { id: stray.id }, include: { attempts: true } }))?.id).toBe(stray.id);
      // The stray's day gets its partition: the row moves, its vector with it.
      await ensureLogPartitions(db, { daysAhead: 6 });
      const [part] = await db.$queryRawUnsafe<{ part: string }[]>(
        `SELECT tableoid::regclass::text AS part FROM "RequestLog" WHERE "id" = $1`,
        stray.id,
      );
      expect(part!.part).toMatch(/^"RequestLog_p\d{8}"$/);
      expect(await found("q=stray")).toEqual([stray.id]);
      // Written after it through Prisma (the plan test writes through the log sink).
      const viaPrisma = testLogRecord({ workspaceId: ws, createdAt: new Date(NOW - 60_000), requestBody: chat("a new pelican") });
      await insertLogBatch(db, [viaPrisma]);
      expect(await found("q=pelican")).toEqual([stray.id, viaPrisma.id, ...before.map((r) => r.id)]);
    } finally {
      await db.$disconnect();
      await empty.drop();
    }
  });
});
