/**
 * Bad input gets a clear 4xx in OpenAI's error shape that names what is wrong, nothing is logged
 * wrongly, and the server stays healthy.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe("bad input", () => {
  let h: Harness;
  let openaiVk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_MAX_BODY_BYTES: String(64 * 1024) });
    openaiVk = await h.openaiKey("OpenAI");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function post(headers: Record<string, string>, body: string | object = chatBody(), path = "chat/completions") {
    const res = await fetch(`${h.baseURL}/${path}`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const json = (await res.json()) as ErrorBody;
    return { res, status: res.status, json, requestId: res.headers.get("x-portkey-request-id")! };
  }

  function expectGatewayError(r: Awaited<ReturnType<typeof post>>, status: number, code: string, message: RegExp) {
    expect(r.status).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.message).toMatch(message);
    expect(typeof r.json.error.type).toBe("string");
    expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
    expect(r.res.headers.get("x-portkey-trace-id")).toBeTruthy();
  }

  it("a missing or invalid Detour API key is a 401 and is not logged", async () => {
    const missing = await post({ "content-type": "application/json", "x-portkey-virtual-key": openaiVk });
    expectGatewayError(missing, 401, "missing_api_key", /Missing Detour API key/);
    const invalid = await post({
      "content-type": "application/json",
      "x-portkey-api-key": "dtr_not_a_real_key_000000000000000000000",
      "x-portkey-virtual-key": openaiVk,
    });
    expectGatewayError(invalid, 401, "invalid_api_key", /Invalid or revoked/);
    await new Promise((r) => setTimeout(r, 600)); // two writer flush intervals
    expect(await h.db.requestLog.count({ where: { id: { in: [missing.requestId, invalid.requestId] } } })).toBe(0);
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a malformed JSON body is a 400 logged as Detour's error, never sent upstream", async () => {
    const r = await post(h.headers({ "x-portkey-virtual-key": openaiVk }), '{"model": "gpt-4o", "messages": [');
    expectGatewayError(r, 400, "invalid_json", /Request body is not valid JSON/);
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ status: 400, errorType: "invalid_json", provider: null, fallbackUsed: false, cost: null });
    expect(log.attempts).toHaveLength(0);
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("a body that is not an object, or empty, is a 400", async () => {
    expectGatewayError(await post(h.headers({ "x-portkey-virtual-key": openaiVk }), "[1,2]"), 400, "invalid_body", /must be a JSON object/);
    expectGatewayError(await post(h.headers({ "x-portkey-virtual-key": openaiVk }), ""), 400, "invalid_body", /empty/);
  });

  it("an oversized body is a 413", async () => {
    const big = chatBody({ messages: [{ role: "user", content: "x".repeat(70 * 1024) }] });
    expectGatewayError(
      await post(h.headers({ "x-portkey-virtual-key": openaiVk }), big),
      413,
      "request_too_large",
      /larger than the limit of 65536 bytes/,
    );
  });

  it("an unknown provider is a 400 that lists the supported ones", async () => {
    const r = await post(h.headers({ "x-portkey-provider": "no-such-provider", authorization: "Bearer sk-x" }));
    expectGatewayError(r, 400, "unknown_provider", /Unknown provider "no-such-provider".*supported: openai, azure-openai/);
    const inConfig = await post(h.headers({ "x-portkey-config": JSON.stringify({ provider: "bedrock", api_key: "k" }) }));
    expectGatewayError(inConfig, 400, "invalid_config", /provider/);
  });

  it.each([
    ["not JSON", "{strategy:", /not valid JSON/],
    [
      "an unknown mode",
      { strategy: { mode: "roundrobin" }, targets: [{ virtual_key: "a" }] },
      /strategy\.mode.*single, fallback, loadbalance, conditional/,
    ],
    ["retry attempts out of range", { retry: { attempts: 9 }, virtual_key: "a" }, /retry\.attempts/],
    [
      "a status code that is not one",
      { strategy: { mode: "fallback", on_status_codes: [99] }, targets: [{ virtual_key: "a" }] },
      /strategy\.on_status_codes\[0\]/,
    ],
    ["a misspelt key", { strategy: { mode: "fallback", on_status_code: [429] }, targets: [{ virtual_key: "a" }] }, /on_status_code/],
    ["a negative weight", { strategy: { mode: "loadbalance" }, targets: [{ virtual_key: "a", weight: -1 }] }, /targets\[0\]\.weight/],
    ["a custom_host that is not a URL", { virtual_key: "a", custom_host: "not a url" }, /custom_host/],
    ["a request_timeout that is not a number", { virtual_key: "a", request_timeout: "soon" }, /request_timeout/],
    ["empty targets", { strategy: { mode: "fallback" }, targets: [] }, /targets/],
  ])("an invalid config (%s) is a 400 naming the path", async (_label, config, message) => {
    const r = await post(h.headers({ "x-portkey-config": typeof config === "string" ? config : JSON.stringify(config) }));
    expectGatewayError(r, 400, "invalid_config", message);
    expect(h.mock.requests()).toHaveLength(0);
  });

  it("an unknown config id or virtual key is a 404 naming it", async () => {
    expectGatewayError(
      await post(h.headers({ "x-portkey-config": "pc-nothing-000000" })),
      404,
      "config_not_found",
      /Config "pc-nothing-000000" does not exist/,
    );
    expectGatewayError(
      await post(h.headers({ "x-portkey-virtual-key": "no-such-key" })),
      404,
      "virtual_key_not_found",
      /Virtual key "no-such-key" does not exist/,
    );
    const inConfig = await post(
      h.headers({
        "x-portkey-config": JSON.stringify({
          strategy: { mode: "fallback" },
          targets: [{ virtual_key: openaiVk }, { virtual_key: "ghost" }],
        }),
      }),
    );
    expectGatewayError(inConfig, 404, "virtual_key_not_found", /"ghost".*config\.targets\[1\]/);
  });

  it("a revoked virtual key is refused", async () => {
    const slug = await h.openaiKey("To revoke");
    await h.revoke(slug);
    expectGatewayError(await post(h.headers({ "x-portkey-virtual-key": slug })), 403, "virtual_key_revoked", /was revoked/);
  });

  it("nothing to route to is a 400 that says what to send", async () => {
    expectGatewayError(await post(h.headers()), 400, "no_target", /x-portkey-config.*x-portkey-virtual-key.*x-portkey-provider/);
  });

  it("bad x-portkey-metadata and x-portkey-request-timeout are 400s naming the header", async () => {
    expectGatewayError(
      await post(h.headers({ "x-portkey-virtual-key": openaiVk, "x-portkey-metadata": "{nope" })),
      400,
      "invalid_metadata",
      /x-portkey-metadata/,
    );
    expectGatewayError(
      await post(h.headers({ "x-portkey-virtual-key": openaiVk, "x-portkey-metadata": '{"n": 1}' })),
      400,
      "invalid_metadata",
      /x-portkey-metadata\.n must be a string/,
    );
    expectGatewayError(
      await post(h.headers({ "x-portkey-virtual-key": openaiVk, "x-portkey-request-timeout": "-5" })),
      400,
      "invalid_request_timeout",
      /x-portkey-request-timeout/,
    );
  });

  it("a custom_host on a private address is refused, naming the host", async () => {
    const r = await post(h.headers({ "x-portkey-virtual-key": openaiVk, "x-portkey-custom-host": "http://192.168.1.20/v1" }));
    expectGatewayError(r, 400, "custom_host_not_allowed", /192\.168\.1\.20/);
  });

  it("an Azure model with no matching deployment and no default is a clear 400", async () => {
    const slug = await h.azureKey("Azure no default", undefined, [
      { deploymentName: "only-4o", alias: "gpt-4o" },
      { deploymentName: "only-mini", alias: "gpt-4o-mini" },
    ]);
    const r = await post(h.headers({ "x-portkey-virtual-key": slug }), chatBody({ model: "gpt-4.1" }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/gpt-4\.1/);
    expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
  });

  it("the server is still healthy after all of that", async () => {
    const res = await fetch(`${h.url}/api/health`);
    expect(res.status).toBe(200);
    const ok = await post(h.headers({ "x-portkey-virtual-key": openaiVk }));
    expect(ok.status).toBe(200);
  });
});

describe("provider keys in upstream errors", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it("a provider error that echoes the key is redacted before the caller and the log see it", async () => {
    const secret = "sk-echoed-secret-key-0123456789";
    const slug = await h.openaiKey("Echo", secret);
    h.mock.script({
      match: { provider: "openai" },
      fault: {
        kind: "status",
        status: 400,
        body: { error: { message: `bad key ${secret}`, type: "invalid_request_error", param: null, code: "x" } },
      },
    });
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": slug }),
      body: JSON.stringify(chatBody()),
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(JSON.stringify(log)).not.toContain(secret);
  });
});
