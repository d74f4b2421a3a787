/** The audit query schema: defaults, filters, the cursor round trip, and errors naming their parameter. */
import { describe, expect, it } from "vitest";
import { isSecretField } from "./record";
import { auditFiltersToSearchParams, decodeAuditCursor, encodeAuditCursor, parseAuditQuery } from "./query";

const ok = (qs: string) => {
  const r = parseAuditQuery(new URLSearchParams(qs));
  if (!r.success) throw new Error(JSON.stringify(r.error.issues));
  return r.data;
};
const paramsOf = (qs: string) => {
  const r = parseAuditQuery(new URLSearchParams(qs));
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("audit query", () => {
  it("defaults to the newest 50 with no filters", () => {
    expect(ok("")).toEqual({ filters: {}, limit: 50, cursor: null });
  });

  it("reads actions exactly or as a prefix, and dates as UTC instants", () => {
    expect(ok("action=config.update").filters.action).toEqual({ exact: "config.update" });
    expect(ok("action=config.").filters.action).toEqual({ prefix: "config." });
    expect(ok("action=config.*").filters.action).toEqual({ prefix: "config." });
    const q = ok("since=2026-01-31&until=2026-01-31T13:00:00%2B01:00&limit=200&actor=alice@");
    expect(q.filters.since?.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(q.filters.until?.toISOString()).toBe("2026-01-31T12:00:00.000Z");
    expect(q).toMatchObject({ limit: 200, filters: { actor: "alice@" } });
  });

  it("round-trips the cursor and refuses anything else", () => {
    const cursor = { at: new Date("2026-01-31T12:00:00.123Z"), id: "cm123" };
    const encoded = encodeAuditCursor(cursor);
    expect(decodeAuditCursor(encoded)).toEqual(cursor);
    expect(ok(`cursor=${encoded}`).cursor).toEqual(cursor);
    expect(decodeAuditCursor("abc")).toBeNull();
    expect(decodeAuditCursor(`${encoded}!`)).toBeNull();
  });

  it("names the parameter of every error", () => {
    expect(paramsOf("limit=0")).toEqual(["limit"]);
    expect(paramsOf("since=31/01/2026")).toEqual(["since"]);
    expect(paramsOf("until=2026-01-31T12:00:00")).toEqual(["until"]); // a time needs Z or an offset
    expect(paramsOf("action=DROP TABLE")).toEqual(["action"]);
    expect(paramsOf("target_id=")).toEqual(["target_id"]);
    expect(paramsOf("cursor=nope")).toEqual(["cursor"]);
    expect(paramsOf("sort=at")).toEqual(["sort"]);
    expect(paramsOf("actor=a&actor=b")).toEqual(["actor"]);
    expect(paramsOf("since=2026-02-01&until=2026-01-01")).toEqual(["until"]);
  });

  it("writes filters back as canonical URL parameters", () => {
    const q = ok("action=api_key.&since=2026-01-31&limit=25");
    expect(auditFiltersToSearchParams(q.filters, q.limit).toString()).toBe("action=api_key.&since=2026-01-31T00%3A00%3A00.000Z&limit=25");
    expect(auditFiltersToSearchParams(q.filters, 50).toString()).toBe("action=api_key.&since=2026-01-31T00%3A00%3A00.000Z");
  });
});

describe("secret field names", () => {
  it("redacts secrets by name, keeps counts and masked hints", () => {
    for (const name of [
      "key",
      "api_key",
      "apiKey",
      "password",
      "client_secret",
      "aws_secret_access_key",
      "x-api-key",
      "access_token",
      "Authorization",
      "url",
    ])
      expect(isSecretField(name), name).toBe(true);
    for (const name of ["max_tokens", "total_tokens", "masked_api_key", "masked_key", "prefix", "name", "keys_count"])
      expect(isSecretField(name), name).toBe(false);
  });
});
