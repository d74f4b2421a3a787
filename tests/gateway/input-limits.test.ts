/**
 * Bad input and amplification (issue 11, items 12-14), over real HTTP against the production build:
 * the config's target and attempt limits, the per-request attempt budget (lowered here with
 * DETOUR_MAX_UPSTREAM_ATTEMPTS=3) counted at the mock upstream, UTF-8 header values stored and
 * filtered, reserved metadata keys, JavaScript-internal config keys, JSON that is not a config
 * object, and the JSON 431 for oversized headers (a raw socket).
 */
import net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertApiKey, withKey, type ApiClient } from "../../testing/api-client";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

/** A header value carrying `text` as UTF-8 bytes (what curl or an SDK sends; fetch wants one character per byte). */
const utf8Header = (text: string) => Buffer.from(text, "utf8").toString("latin1");

const BUDGET = 3;

describe("bad input and amplification", () => {
  let h: Harness;
  let admin: ApiClient;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_MAX_UPSTREAM_ATTEMPTS: String(BUDGET) });
    admin = withKey(h, await insertApiKey(h, h.workspaceId, "admin"));
    vk = await h.openaiKey("OpenAI limits");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function post(headers: Record<string, string>) {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers(headers),
      body: JSON.stringify(chatBody()),
    });
    const text = await res.text();
    return { res, status: res.status, text, json: JSON.parse(text) as ErrorBody, requestId: res.headers.get("x-portkey-request-id")! };
  }

  describe("item 12: targets and upstream attempts", () => {
    it("refuses an inline config of 1,000 targets with a 400 naming the count and the limit, without calling upstream", async () => {
      h.mock.script({ fault: { kind: "status", status: 503 } });
      // `{}` targets use x-portkey-virtual-key: 1,000 of them fit in the header limit (~3 KB).
      const config = JSON.stringify({ strategy: { mode: "fallback" }, targets: Array.from({ length: 1000 }, () => ({})) });
      const r = await post({ "x-portkey-config": config, "x-portkey-virtual-key": vk });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: "invalid_config", type: "invalid_request_error", param: "x-portkey-config" });
      expect(r.json.error.message).toBe(
        "Invalid config in x-portkey-config: targets: holds 1000 targets (leaf targets, nested ones included); a config may hold at most 50",
      );
      expect(h.mock.requests()).toHaveLength(0);
    });

    it("refuses to save such a config through the management API too", async () => {
      const saved = await admin.post("/configs", {
        name: "too many",
        config: { strategy: { mode: "loadbalance" }, targets: Array.from({ length: 51 }, () => ({ virtual_key: vk })) },
      });
      expect(saved.status).toBe(400);
      expect(saved.text).toMatch(/holds 51 targets \(leaf targets, nested ones included\); a config may hold at most 50/);
    });

    it("refuses a config whose worst case exceeds 20 upstream attempts, naming both numbers", async () => {
      h.mock.script({ fault: { kind: "status", status: 503 } });
      const config = {
        strategy: { mode: "fallback" },
        retry: { attempts: 5 },
        targets: Array.from({ length: 4 }, () => ({ virtual_key: vk })),
      };
      const r = await post({ "x-portkey-config": JSON.stringify(config) });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("invalid_config");
      expect(r.json.error.message).toMatch(/config can make up to 24 upstream attempts for one request .*at most 20 are allowed/);
      expect(h.mock.requests()).toHaveLength(0);
    });

    it(`stops at the request's budget (${BUDGET} attempts, retries included) with a 502 naming it, and logs the attempts made`, async () => {
      h.mock.script({ fault: { kind: "status", status: 503 } });
      const r = await post({ "x-portkey-config": JSON.stringify({ virtual_key: vk, retry: { attempts: 5 } }) });
      expect(r.status).toBe(502);
      expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
      expect(r.json.error).toMatchObject({ code: "attempt_budget_exhausted", type: "server_error", param: null });
      expect(r.json.error.message).toBe(
        `Detour stopped routing after ${BUDGET} upstream attempts, the limit for one request (retries included; DETOUR_MAX_UPSTREAM_ATTEMPTS). The last attempt answered status 503.`,
      );
      expect(h.mock.requests()).toHaveLength(BUDGET);
      const log = await h.waitForLog(r.requestId);
      expect(log).toMatchObject({ status: 502, errorType: "attempt_budget_exhausted" });
      expect(log.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
      expect(h.mock.requests()).toHaveLength(BUDGET); // nothing more went out after the answer
    });

    it("counts fallback targets and retries together", async () => {
      h.mock.script({ fault: { kind: "status", status: 500 } });
      const config = {
        strategy: { mode: "fallback" },
        targets: [{ virtual_key: vk, retry: { attempts: 1 } }, { virtual_key: vk }, { virtual_key: vk }],
      };
      const r = await post({ "x-portkey-config": JSON.stringify(config) });
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe("attempt_budget_exhausted");
      expect(h.mock.requests()).toHaveLength(BUDGET);
    });
  });

  describe("item 13: UTF-8 headers and reserved keys", () => {
    it("stores x-portkey-metadata as UTF-8 and finds it with the metadata filter of GET /v1/logs", async () => {
      const r = await post({
        "x-portkey-virtual-key": vk,
        "x-portkey-metadata": utf8Header(JSON.stringify({ user: "Zoë 🚀", team: "日本" })),
        "x-portkey-trace-id": utf8Header("trace-zoë-🚀"),
      });
      expect(r.status).toBe(200);
      // The trace id comes back as the bytes that were sent.
      expect(r.res.headers.get("x-portkey-trace-id")).toBe(utf8Header("trace-zoë-🚀"));
      const log = await h.waitForLog(r.requestId);
      expect(JSON.parse(log.metadata!)).toEqual({ user: "Zoë 🚀", team: "日本" });
      expect(log.metadataEntries.map((e) => [e.key, e.value]).sort()).toEqual([
        ["team", "日本"],
        ["user", "Zoë 🚀"],
      ]);
      expect(log.traceId).toBe("trace-zoë-🚀");
      // The stored request headers are UTF-8 text too (shown on /logs/<id>).
      const stored = JSON.parse(log.requestHeaders!) as Record<string, string>;
      expect(JSON.parse(stored["x-portkey-metadata"]!)).toEqual({ user: "Zoë 🚀", team: "日本" });
      expect(stored["x-portkey-trace-id"]).toBe("trace-zoë-🚀");

      const found = await admin.get(`/logs?${new URLSearchParams({ "metadata.user": "Zoë 🚀" })}`);
      expect(found.status).toBe(200);
      expect(found.json.data.map((row: { id: string }) => row.id)).toEqual([r.requestId]);
      expect(found.json.data[0].metadata).toEqual({ user: "Zoë 🚀", team: "日本" });
      const byTrace = await admin.get(`/logs?${new URLSearchParams({ trace_id: "trace-zoë-🚀" })}`);
      expect(byTrace.json.data.map((row: { id: string }) => row.id)).toEqual([r.requestId]);

      // A streamed answer and an error answer carry it back the same way (Detour's server writes
      // both itself: the head must go out as bytes, not re-encoded with a text body).
      const streamed = await fetch(`${h.baseURL}/chat/completions`, {
        method: "POST",
        headers: h.headers({ "x-portkey-virtual-key": vk, "x-portkey-trace-id": utf8Header("trace-zoë-🚀") }),
        body: JSON.stringify(chatBody({ stream: true })),
      });
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get("x-portkey-trace-id")).toBe(utf8Header("trace-zoë-🚀"));
      expect(await streamed.text()).toContain("data: [DONE]");
      const refused = await post({ "x-portkey-virtual-key": "no-such-key", "x-portkey-trace-id": utf8Header("trace-zoë-🚀") });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.res.headers.get("x-portkey-trace-id")).toBe(utf8Header("trace-zoë-🚀"));
    });

    it.each(["__proto__", "constructor", "prototype"])("refuses the metadata key %s with a 400 naming it", async (key) => {
      const r = await post({ "x-portkey-virtual-key": vk, "x-portkey-metadata": `{"${key}":"x"}` });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({
        code: "invalid_metadata",
        message: `x-portkey-metadata key "${key}" is not allowed (reserved: __proto__, constructor, prototype).`,
      });
      expect(h.mock.requests()).toHaveLength(0);
    });

    it("refuses the log filter metadata.__proto__=x with a 400 instead of dropping it", async () => {
      const r = await admin.get("/logs?metadata.__proto__=x");
      expect(r.status).toBe(400);
      expect(r.text).toContain('filters by \\"__proto__\\", which is not a metadata key (reserved: __proto__, constructor, prototype)');
      expect(r.json.error.param).toBe("metadata.__proto__");
    });

    it.each(["toString", "constructor", "__proto__"])("answers a config key %s with the plain unknown-key message", async (key) => {
      const r = await post({ "x-portkey-config": `{"virtual_key":"${vk}","${key}":1}` });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("invalid_config");
      expect(r.json.error.message).toMatch(
        new RegExp(`^Invalid config in x-portkey-config: ${key}: unknown key ${key}; allowed here: strategy, targets, `),
      );
      expect(r.json.error.message).not.toMatch(/native code|function|could not be validated/);
    });
  });

  describe("item 14: JSON that is not a config object, oversized headers", () => {
    it.each(["[1,2]", "42", "null", "true", '"pc-abc-123456"'])(
      "x-portkey-config %s is a 400 invalid_config, not an unknown config id",
      async (value) => {
        const r = await post({ "x-portkey-config": value });
        expect(r.status).toBe(400);
        expect(r.json.error).toMatchObject({ code: "invalid_config", param: "x-portkey-config" });
        expect(r.json.error.message).toMatch(/^Invalid config in x-portkey-config: config must be an object/);
      },
    );

    it("answers oversized headers with a complete 431 whose JSON body names the limit", async () => {
      const request = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-portkey-api-key: ${h.apiKey}\r\nx-portkey-metadata: {"pad":"${"x".repeat(20_000)}"}\r\ncontent-length: 2\r\n\r\n{}`;
      const { statusLine, headers, body } = parseResponse(await exchange(h.server.port, request));
      expect(statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
      expect(headers["content-type"]).toBe("application/json");
      expect(headers.connection).toBe("close");
      expect(JSON.parse(body)).toEqual({
        error: {
          message: "Request headers are larger than the limit of 16384 bytes (request line and headers together).",
          type: "invalid_request_error",
          param: null,
          code: "request_headers_too_large",
        },
      });
    });

    it("answers a malformed request with a JSON 400, and the server stays healthy", async () => {
      const { statusLine, body } = parseResponse(await exchange(h.server.port, "GET /api/health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"));
      expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
      expect(JSON.parse(body).error).toMatchObject({ code: "malformed_request", type: "invalid_request_error" });
      expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    });
  });
});

/** Sends raw bytes on a fresh connection and returns what the server wrote before closing it. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    socket.write(data);
  });
}

function parseResponse(response: string) {
  const split = response.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = response.slice(0, split).split("\r\n");
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  return { statusLine, headers, body: response.slice(split + 4) };
}
