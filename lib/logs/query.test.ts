import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ZodError } from "zod";
import { zodIssues } from "../api/errors";
import { issuesError } from "../errors";
import {
  DEFAULT_LOG_SORT,
  LOG_FILTERS,
  decodeCursor,
  encodeCursor,
  logQuerySchema,
  logQueryToSearchParams,
  parseLogQuery,
  describeLogRange,
  parseLogRange,
  parseSearchTerms,
  traceIdPrefix,
  type LogCursor,
} from "./query";
import { fts5Query, tsQuery } from "../store/log-query";

/** The 400 the log API answers for a query that fails (lib/api/logs.ts). */
const queryError = (error: ZodError) => issuesError("bad_request", zodIssues(error));
const ok = (query: string | Record<string, string | string[] | undefined>) => {
  const r = parseLogQuery(typeof query === "string" ? new URLSearchParams(query) : query);
  if (!r.success) throw new Error(queryError(r.error).message);
  return r.data;
};
const fail = (query: string) => {
  const r = parseLogQuery(new URLSearchParams(query));
  if (r.success) throw new Error(`${query} parsed`);
  return queryError(r.error);
};

describe("log query schema", () => {
  it("defaults: no filters, newest first, 50 a page, no cursor", () => {
    expect(ok("")).toEqual({ filters: {}, sort: DEFAULT_LOG_SORT, limit: 50, cursor: null });
    expect(DEFAULT_LOG_SORT).toEqual({ field: "created_at", direction: "desc" });
  });

  it("parses every filter to typed values", () => {
    const q = ok(
      "trace_id=t-1&status=5xx,429,4XX,429&cost_min=0.5&cost_max=2&fallback=false&provider=azure-openai&model=gpt-4o&config=pc-a-000001&virtual_key=vk-1&endpoint=%2Fv1%2Fresponses%2F%7Bid%7D&response_id=resp_1&from=2026-01-01&to=2026-01-02T03:04:05.678%2B02:00&metadata.env=prod&metadata.a.b=",
    );
    expect(q.filters).toEqual({
      trace_id: "t-1",
      status: { codes: [429], classes: [4, 5] },
      cost_min: 0.5,
      cost_max: 2,
      fallback: false,
      provider: "azure-openai",
      model: "gpt-4o",
      config: "pc-a-000001",
      virtual_key: "vk-1",
      endpoint: "/v1/responses/{id}",
      response_id: "resp_1",
      from: new Date("2026-01-01T00:00:00Z"),
      to: new Date("2026-01-02T01:04:05.678Z"),
      metadata: { env: "prod", "a.b": "" },
    });
  });

  it("accepts Next's searchParams object as well as URLSearchParams", () => {
    expect(ok({ status: "503", "metadata.team": "x", limit: "10", sort: undefined })).toMatchObject({
      filters: { status: { codes: [503], classes: [] }, metadata: { team: "x" } },
      limit: 10,
    });
    expect(queryError(parseLogQuery({ status: ["500", "502"] }).error!).param).toBe("status");
  });

  it.each([
    ["sort=created_at", { field: "created_at", direction: "asc" }],
    ["sort=-created_at", { field: "created_at", direction: "desc" }],
    ["sort=cost", { field: "cost", direction: "asc" }],
    ["sort=-cost", { field: "cost", direction: "desc" }],
    ["sort=cost&order=desc", { field: "cost", direction: "desc" }],
    ["sort=-latency_ms&order=desc", { field: "latency_ms", direction: "desc" }],
    ["order=asc", { field: "created_at", direction: "asc" }],
  ])("sort %s", (query, sort) => {
    expect(ok(query).sort).toEqual(sort);
  });

  it.each([
    ["status=2xx,abc", "status"],
    ["status=99", "status"],
    ["status=6xx", "status"],
    ["cost_min=.5", "cost_min"],
    ["cost_max=-0", "cost_max"],
    ["cost_max=1%2C5", "cost_max"],
    ["fallback=TRUE", "fallback"],
    ["from=2026-01-01T00:00", "from"],
    ["to=1735689600", "to"],
    ["model=a%00b", "model"],
    ["endpoint=v1/responses", "endpoint"],
    ["endpoint=", "endpoint"],
    ["response_id=", "response_id"],
    [`response_id=${"r".repeat(257)}`, "response_id"],
    [`trace_id=${"x".repeat(257)}`, "trace_id"],
    [`metadata.k=${"v".repeat(1025)}`, "metadata.k"],
    [Array.from({ length: 11 }, (_, i) => `metadata.k${i}=v`).join("&"), "metadata"],
    ["metadata.__proto__=x", "metadata.__proto__"],
    ["metadata.constructor=x&metadata.env=prod", "metadata.constructor"],
    ["metadata.prototype=x", "metadata.prototype"],
    ["limit=1.5", "limit"],
    ["limit=-1", "limit"],
    ["sort=-cost&order=asc", "order"],
    ["cursor=", "cursor"],
    ["Status=5xx", "Status"],
    ["trace_id=x&TRACE_ID=y", "TRACE_ID"],
  ])("rejects %s naming %s", (query, param) => {
    const e = fail(query);
    expect(e.param).toBe(param);
    expect(e.message.startsWith(`${param}: `)).toBe(true);
  });

  it("refuses a metadata filter on a reserved key instead of silently dropping it", () => {
    expect(fail("metadata.__proto__=x").message).toBe(
      'metadata.__proto__: filters by "__proto__", which is not a metadata key (reserved: __proto__, constructor, prototype)',
    );
    // The dashboard passes Next's searchParams object.
    const fromObject = parseLogQuery({ "metadata.__proto__": "x" });
    expect(!fromObject.success && queryError(fromObject.error).param).toBe("metadata.__proto__");
    expect(ok("metadata.toString=x").filters.metadata).toEqual({ toString: "x" });
  });

  it("names every bad value at once; unknown or repeated parameters are reported before values are checked", () => {
    expect(
      fail("status=x&limit=0&fallback=no")
        .issues!.map((i) => i.path)
        .sort(),
    ).toEqual(["fallback", "limit", "status"]);
    expect(
      fail("status=x&typo=1&other=2&limit=1&limit=2")
        .issues!.map((i) => i.path)
        .sort(),
    ).toEqual(["limit", "other", "typo"]);
  });

  it("the registry and the schema agree: every filter is a parameter, nothing else filters", () => {
    expect(LOG_FILTERS.map((f) => f.id)).toEqual([
      "q",
      "trace_id",
      "status",
      "cost_min",
      "cost_max",
      "fallback",
      "provider",
      "model",
      "config",
      "virtual_key",
      "api_key",
      "endpoint",
      "response_id",
      "from",
      "to",
      "metadata",
    ]);
    for (const f of LOG_FILTERS) {
      expect(f.label.length).toBeGreaterThan(0);
      expect(f.hint.length).toBeGreaterThan(0);
    }
    expect(fail("stauts=5xx").message).toContain(
      "allowed: q, trace_id, status, cost_min, cost_max, fallback, provider, model, config, virtual_key, api_key, endpoint, response_id, from, to, metadata.<key>, range, sort, order, limit, cursor",
    );
  });

  it("logQueryToSearchParams is the inverse of the schema", () => {
    for (const query of [
      "",
      "status=429,5xx&metadata.env=prod&metadata.x%20y=a%26b&sort=-cost&limit=10",
      "from=2026-01-01T00:00:00.000Z&fallback=true&cost_min=0.25&order=asc",
      "provider=openai&model=gpt-4o&config=pc-1&virtual_key=vk&trace_id=t&to=2026-02-01",
      "endpoint=/v1/responses&response_id=resp_abc",
      "q=%22refund+policy%22+gpt*&trace_id=abc*&api_key=dtr_ab12cd...",
    ]) {
      const parsed = ok(query);
      expect(ok(logQueryToSearchParams(parsed).toString())).toEqual(parsed);
    }
  });

  it("range: a relative range resolved against the clock at parse time, kept relative in links", () => {
    const before = Date.now();
    const q = ok("range=1h&status=5xx");
    const after = Date.now();
    expect(q.range).toEqual({ text: "1h", ms: 3_600_000 });
    expect(q.filters.from!.getTime()).toBeGreaterThanOrEqual(before - 3_600_000);
    expect(q.filters.from!.getTime()).toBeLessThanOrEqual(after - 3_600_000);
    expect(q.filters.to).toBeUndefined();
    // Written back as the range, never as the resolved time.
    const params = logQueryToSearchParams(q);
    expect(params.get("range")).toBe("1h");
    expect(params.has("from")).toBe(false);
    for (const [text, ms] of [
      ["15m", 900_000],
      ["24h", 86_400_000],
      ["7d", 604_800_000],
      ["30d", 2_592_000_000],
      ["90m", 5_400_000],
    ] as const)
      expect(ok(`range=${text}`).range).toEqual({ text, ms });
    expect(describeLogRange("1h")).toBe("Last hour");
    expect(describeLogRange("90m")).toBe("Last 90 min");
    expect(describeLogRange("1d")).toBe("Last 1 day");
  });

  it("range: refused with from or to, or when it is not a duration, naming range", () => {
    for (const q of ["range=1h&from=2026-01-01", "range=1h&to=2026-01-01"]) {
      const err = fail(q);
      expect(err.param).toBe("range");
      expect(err.message).toMatch(/range: cannot be combined with (from|to)/);
    }
    for (const bad of ["1", "h", "0h", "1.5h", "1w", "-1h", "401d", "1 h"]) {
      const err = fail(`range=${encodeURIComponent(bad)}`);
      expect(err.param).toBe("range");
      expect(err.message).toContain("must be a relative range");
    }
    expect(parseLogRange("400d")).toEqual({ text: "400d", ms: 400 * 86_400_000 });
  });

  it("stays browser-safe: no Node imports (the dashboard imports it)", () => {
    const source = readFileSync(path.join(__dirname, "query.ts"), "utf8");
    expect(source).not.toMatch(/from "node:|require\(|from "\.\.\/(db|store)|Buffer\./);
    expect(logQuerySchema).toBeDefined();
  });
});

describe("log cursor", () => {
  const cursors: LogCursor[] = [
    { sort: { field: "created_at", direction: "desc" }, value: "2026-01-02T03:04:05.678Z", id: "log_01JABCDEF" },
    { sort: { field: "cost", direction: "asc" }, value: 0.1 + 0.2, id: "log_x" },
    { sort: { field: "cost", direction: "desc" }, value: null, id: "log_é😀" },
    { sort: { field: "latency_ms", direction: "asc" }, value: 0, id: "a" },
  ];

  it.each(cursors)("round-trips exactly as opaque base64url (%#)", (cursor) => {
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it("a cursor parses only with the sort it was made for", () => {
    const c = encodeCursor(cursors[1]!);
    expect(ok(`sort=cost&cursor=${c}`).cursor).toEqual(cursors[1]);
    expect(fail(`sort=-cost&cursor=${c}`).message).toMatch(/made for sort=cost, not sort=-cost/);
    expect(fail(`cursor=${c}`).param).toBe("cursor");
  });

  it.each([
    ["not base64", "!!!"],
    ["not JSON", btoa("hello").replace(/=+$/, "")],
    ["wrong shape", encodeJson({ f: "cost", d: "desc", v: "1", i: "x" })],
    ["unknown sort", encodeJson({ f: "status", d: "desc", v: 1, i: "x" })],
    ["extra keys", encodeJson({ f: "cost", d: "desc", v: 1, i: "x", sql: "1=1" })],
    ["negative latency", encodeJson({ f: "latency_ms", d: "asc", v: -1, i: "x" })],
    ["time not ISO", encodeJson({ f: "created_at", d: "asc", v: "yesterday", i: "x" })],
    ["empty id", encodeJson({ f: "created_at", d: "asc", v: "2026-01-01T00:00:00.000Z", i: "" })],
    ["too long", "A".repeat(2000)],
  ])("rejects a cursor that is %s", (_, raw) => {
    expect(decodeCursor(raw)).toBeNull();
  });
});

function encodeJson(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

describe("search, trace-id prefixes and API keys in the log query", () => {
  it("q: words, quoted phrases and prefixes; every one must occur", () => {
    expect(ok("q=Refund").filters.q).toBe("Refund");
    expect(parseSearchTerms('Refund "late  Delivery" gpt-4o pol* 2026 é*')).toEqual([
      { kind: "word", words: ["refund"] },
      { kind: "phrase", words: ["late", "delivery"] },
      { kind: "phrase", words: ["gpt", "4o"] },
      { kind: "prefix", words: ["pol"] },
      { kind: "word", words: ["2026"] },
      { kind: "prefix", words: ["é"] },
    ]);
    // Punctuation alone, an unpaired quote, a lone * are no terms.
    expect(parseSearchTerms('"unclosed ... * -- !')).toEqual([{ kind: "word", words: ["unclosed"] }]);
  });

  it("q: refuses what has no word, too many terms, or is too long", () => {
    expect(fail("q=%22%22").message).toContain("q: must contain a word");
    expect(fail("q=*+--").message).toContain("q: must contain a word");
    expect(fail(`q=${Array.from({ length: 17 }, (_, i) => `w${i}`).join("+")}`).message).toContain("at most 16 words");
    expect(fail(`q=${"a".repeat(257)}`).message).toContain("q: must be at most 256 characters");
    expect(fail("q=").message).toContain("q: must not be empty");
  });

  it("q as each database's query: only quoted words, no operator a user can inject", () => {
    const terms = parseSearchTerms('refund "late delivery" pol* OR NOT NEAR(x) \'); DROP');
    expect(fts5Query(terms)).toBe('"refund" AND "late delivery" AND "pol" * AND "or" AND "not" AND "near x" AND "drop"');
    expect(tsQuery(terms)).toBe("'refund' & 'late' <-> 'delivery' & 'pol':* & 'or' & 'not' & 'near' <-> 'x' & 'drop'");
  });

  it("trace_id: a final * makes a prefix; * elsewhere or alone is refused", () => {
    expect(ok("trace_id=abc*").filters.trace_id).toBe("abc*");
    expect(traceIdPrefix("abc*")).toBe("abc");
    expect(traceIdPrefix("abc")).toBeNull();
    expect(fail("trace_id=*").message).toContain("trace_id:");
    expect(fail("trace_id=a*b").message).toContain("* only at the end");
    expect(fail("trace_id=a**").message).toContain("* only at the end");
  });

  it("api_key: an id or a prefix as shown (with its ...), nothing else", () => {
    expect(ok("api_key=cmx9i5abc").filters.api_key).toBe("cmx9i5abc");
    expect(ok("api_key=dtr_ab12cd...").filters.api_key).toBe("dtr_ab12cd...");
    expect(ok("api_key=dtr_ab12cd%E2%80%A6").filters.api_key).toBe("dtr_ab12cd…");
    expect(fail("api_key=a,b").message).toContain("api_key: must be an API key's id, or its prefix");
    expect(fail("api_key=dtr%20x").message).toContain("api_key:");
  });
});
