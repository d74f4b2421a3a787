/** The error catalog: the same table as docs/GATEWAY.md §6.4 (both ways), and the one error class built from it. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DetourError, ERROR_CATALOG, type ErrorCode, errorBody, formatIssuePath, issuesError, joinIssues } from "./errors";

type Row = { code: string; status: number; type: string; when: string };

/** The rows between `<!-- error-codes:begin -->` and `<!-- error-codes:end -->` (`| code | status | type | when |`). */
function documentedCodes(): Row[] {
  const doc = readFileSync(path.join(__dirname, "..", "docs", "GATEWAY.md"), "utf8");
  const begin = doc.indexOf("<!-- error-codes:begin -->");
  const end = doc.indexOf("<!-- error-codes:end -->");
  expect(begin, "the error-codes:begin marker").toBeGreaterThan(-1);
  expect(end, "the error-codes:end marker").toBeGreaterThan(begin);
  const lines = doc
    .slice(begin, end)
    .split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter(Boolean);
  expect(lines[0]).toBe("| code | status | type | when |");
  expect(lines[1]).toMatch(/^\|(-{3,}\|){4}$/);
  return lines.slice(2).map((line) => {
    const cells = line.split("|").map((cell) => cell.trim());
    // `| a | b | c | d |` splits into "", a, b, c, d, "" (a `when` holding "|" would split further).
    expect(cells.length, line).toBe(6);
    const [, code, status, type, when] = cells as [string, string, string, string, string];
    expect(status, line).toMatch(/^\d{3}$/);
    return { code, status: Number(status), type, when };
  });
}

const catalog = Object.entries(ERROR_CATALOG) as [ErrorCode, (typeof ERROR_CATALOG)[ErrorCode]][];

describe("the error catalog and docs/GATEWAY.md §6.4", () => {
  const rows = documentedCodes();
  const byCode = new Map(rows.map((row) => [row.code, row]));

  it("documents each code once, in alphabetical order", () => {
    expect(byCode.size).toBe(rows.length);
    const codes = rows.map((row) => row.code);
    expect(codes).toEqual([...codes].sort());
  });

  it("documents every catalog code with its status and type", () => {
    for (const [code, entry] of catalog) {
      expect(byCode.get(code), `${code} is missing from docs/GATEWAY.md §6.4`).toMatchObject({ status: entry.status, type: entry.type });
    }
  });

  it("has every documented code in the catalog", () => {
    for (const row of rows) expect(ERROR_CATALOG, `${row.code} is documented but not in lib/errors.ts`).toHaveProperty(row.code);
  });

  it("names a code's other statuses (and their types) in its `when`", () => {
    for (const [code, entry] of catalog) {
      for (const alt of "alternatives" in entry ? entry.alternatives : []) {
        expect(byCode.get(code)?.when, code).toContain(`${alt.status} \`${alt.type}\``);
      }
    }
  });

  it("says which codes are sent with retry-after or close the connection", () => {
    for (const [code, entry] of catalog) {
      const when = byCode.get(code)?.when ?? "";
      expect(/`retry-after`/.test(when), `${code}: retry-after`).toBe("retryAfter" in entry);
      expect(/connection: close|connection is closed/.test(when), `${code}: connection close`).toBe("closeConnection" in entry);
    }
  });
});

describe("DetourError", () => {
  it("takes its status and type from the code", () => {
    const error = new DetourError("virtual_key_not_found", 'Virtual key "x" does not exist in this workspace.');
    expect(error).toMatchObject({
      status: 404,
      type: "not_found_error",
      code: "virtual_key_not_found",
      param: null,
      issues: null,
      headers: null,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.toBody()).toEqual({
      error: {
        message: 'Virtual key "x" does not exist in this workspace.',
        type: "not_found_error",
        param: null,
        code: "virtual_key_not_found",
      },
    });
  });

  it("answers one of the code's alternatives when asked, with that status's type", () => {
    expect(new DetourError("virtual_key_revoked", "m", { status: 409 })).toMatchObject({ status: 409, type: "conflict_error" });
    expect(new DetourError("unknown_provider", "m", { status: 500 })).toMatchObject({ status: 500, type: "server_error" });
    expect(new DetourError("missing_provider_api_key", "m", { status: 400 })).toMatchObject({ status: 400, type: "invalid_request_error" });
    expect(new DetourError("missing_provider_api_key", "m")).toMatchObject({ status: 401, type: "authentication_error" });
    // @ts-expect-error: 500 is not a status of virtual_key_revoked (and at run time the main one stays).
    expect(new DetourError("virtual_key_revoked", "m", { status: 500 })).toMatchObject({ status: 403, type: "permission_error" });
    // @ts-expect-error: a code has to be in the catalog.
    expect(() => new DetourError("no_such_code", "m")).toThrow();
  });

  it("carries the headers its code asks for", () => {
    const limited = new DetourError("detour_rate_limit", "m", { retryAfterSeconds: 7, rateLimitScope: "virtual_key" });
    expect(limited).toMatchObject({ status: 429, headers: { "retry-after": "7" }, retryAfterSeconds: 7, rateLimitScope: "virtual_key" });
    expect(limited.closeConnection).toBe(false);
    const timedOut = new DetourError("request_body_timeout", "m");
    expect(timedOut.headers).toEqual({ connection: "close" });
    expect(timedOut.closeConnection).toBe(true);
    // @ts-expect-error: a code sent with retry-after needs retryAfterSeconds.
    expect(new DetourError("sign_in_locked", "m").headers).toEqual({});
  });

  it("errorBody is toBody() without an error object", () => {
    expect(errorBody("upstream_unreachable", "could not reach openai: ECONNRESET")).toEqual(
      new DetourError("upstream_unreachable", "could not reach openai: ECONNRESET").toBody(),
    );
    expect(errorBody("custom_host_not_allowed", "m", "custom_host").error).toMatchObject({
      type: "invalid_request_error",
      param: "custom_host",
    });
  });
});

describe("issues", () => {
  it("renders paths like JavaScript", () => {
    expect(formatIssuePath([])).toBe("");
    expect(formatIssuePath(["targets", 1, "retry", "attempts"])).toBe("targets[1].retry.attempts");
    expect(formatIssuePath(["strategy", "conditions", 0, "query", "metadata.tier", "$in"])).toBe(
      'strategy.conditions[0].query["metadata.tier"].$in',
    );
    expect(formatIssuePath([0, "a-b"])).toBe('[0]["a-b"]');
  });

  it("joins issues into one message; an issue at the root is its message alone", () => {
    expect(
      joinIssues([
        { path: "", message: "config must be an object" },
        { path: "name", message: "is required" },
      ]),
    ).toBe("config must be an object; name: is required");
  });

  it("issuesError: the issues, their message, the first path as param", () => {
    const error = issuesError("bad_request", [
      { path: ["allowed_hosts", 1], message: "is not a valid URL" },
      { path: "name", message: "is required" },
    ]);
    expect(error).toMatchObject({
      status: 400,
      code: "bad_request",
      message: "allowed_hosts[1]: is not a valid URL; name: is required",
      param: "allowed_hosts[1]",
      issues: [
        { path: "allowed_hosts[1]", message: "is not a valid URL" },
        { path: "name", message: "is required" },
      ],
    });
    expect(issuesError("bad_request", [{ path: "", message: "must be an object" }]).param).toBeNull();
    expect(issuesError("invalid_config", [{ path: "config.x", message: "m" }], { prefix: "Version 2: ", param: "config" })).toMatchObject({
      message: "Version 2: config.x: m",
      param: "config",
    });
  });
});
