/**
 * The scenario Detour grew from (Portkey's "OpenAI to Azure OpenAI fallback" cookbook) with the
 * real SDKs, base URL pointed at Detour: OpenAI answers 503 -> Azure answers with the same model; with on_status_codes [429] a 503 comes
 * back as is and a 429 falls back. Each case's log row and attempts are checked in the database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

describe("seed scenario: OpenAI -> Azure OpenAI fallback", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;
  const openaiSecret = "sk-openai-seed-0000000000001111";
  const azureSecret = "azure0000000000000000000000002222";

  beforeAll(async () => {
    h = await startHarness();
    openaiVk = await h.openaiKey("OpenAI prod", openaiSecret);
    azureVk = await h.azureKey("Azure prod", azureSecret);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const fallbackConfig = () => ({ strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] });

  it("portkey-ai SDK: OpenAI 503 -> Azure answers with the same model, headers say which target served", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    const portkey = new Portkey({
      apiKey: h.apiKey,
      baseURL: h.baseURL,
      virtualKey: openaiVk,
      config: JSON.stringify(fallbackConfig()),
      traceID: "my-trace-id",
    });
    const response = await portkey.chat.completions.create({
      messages: [{ role: "user", content: "What are the 7 wonders of the world?" }],
      model: "gpt-4o",
    });
    expect(response.choices[0]?.message?.content).toContain("Mock answer from azure");
    // The SDK hands back Detour's x-portkey-* headers without their prefix.
    const headers = (response as unknown as { getHeaders(): Record<string, string> }).getHeaders();
    expect(headers["last-used-option-index"]).toBe("config.targets[1]");
    expect(headers.provider).toBe("azure-openai");
    expect(headers.fallback).toBe("true");
    expect(headers["trace-id"]).toBe("my-trace-id");
    expect(headers["retry-attempt-count"]).toBe("0");

    const served = h.mock.requests();
    expect(served.map((r) => [r.provider, r.status])).toEqual([
      ["openai", 503],
      ["azure", 200],
    ]);
    expect(served[0]?.key).toBe(openaiSecret);
    expect(served[1]).toMatchObject({ key: azureSecret, deployment: "gpt4o-prod", apiVersion: "2024-10-21", model: "gpt-4o" });

    const log = await h.waitForLog(headers["request-id"]!);
    expect(log).toMatchObject({
      traceId: "my-trace-id",
      status: 200,
      provider: "azure-openai",
      fallbackUsed: true,
      virtualKeySlug: azureVk,
      virtualKeyVersion: 1,
      modelRequested: "gpt-4o",
      retryCount: 0,
      stream: false,
    });
    expect(log.totalTokens).toBeGreaterThan(0);
    expect(log.cost).toBeGreaterThan(0);
    expect(log.attempts.map((a) => [a.targetPath, a.provider, a.status, a.virtualKeySlug])).toEqual([
      ["config.targets[0]", "openai", 503, openaiVk],
      ["config.targets[1]", "azure-openai", 200, azureVk],
    ]);
    expect(JSON.stringify(log)).not.toContain(openaiSecret);
    expect(JSON.stringify(log)).not.toContain(azureSecret);
    expect(JSON.stringify(log)).not.toContain(h.apiKey);
  });

  it("openai SDK with Portkey headers: the same fallback, served by Azure", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    const client = new OpenAI({
      apiKey: "unused-by-detour",
      baseURL: h.baseURL,
      defaultHeaders: { "x-portkey-api-key": h.apiKey, "x-portkey-config": JSON.stringify(fallbackConfig()) },
    });
    const { data, response } = await client.chat.completions.create(chatBody()).withResponse();
    expect(data.choices[0]?.message.content).toContain("Mock answer from azure");
    expect(data.model).toBe("gpt-4o");
    expect(response.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    expect(response.headers.get("server-timing")).toMatch(/^gateway;dur=\d+\.\d\d, upstream;dur=\d+\.\d\d$/);
    expect(response.headers.get("x-portkey-trace-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("with on_status_codes [429], a 503 is returned as is and a 429 falls back", async () => {
    const config = {
      strategy: { mode: "fallback", on_status_codes: [429] },
      targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
    };
    const portkey = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config: JSON.stringify(config) });

    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, times: 1 });
    const failed = await portkey.chat.completions.create(chatBody()).then(
      () => null,
      (err: { status?: number; headers?: Record<string, string> }) => err,
    );
    expect(failed?.status).toBe(503);
    expect(h.mock.requests().map((r) => r.provider)).toEqual(["openai"]);

    h.mock.reset();
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, times: 1 });
    const ok = await portkey.chat.completions.create(chatBody());
    expect(ok.choices[0]?.message?.content).toContain("Mock answer from azure");
    expect(h.mock.requests().map((r) => [r.provider, r.status])).toEqual([
      ["openai", 429],
      ["azure", 200],
    ]);
  });

  it("the 503 answered as is carries OpenAI's error body and is logged without fallback", async () => {
    const config = {
      strategy: { mode: "fallback", on_status_codes: [429] },
      targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
    };
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
      body: JSON.stringify(chatBody()),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toMatch(/overloaded/i);
    expect(res.headers.get("x-portkey-gateway-exception")).toBeNull();
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log).toMatchObject({ status: 503, fallbackUsed: false, provider: "openai", cost: null });
    expect(log.attempts).toHaveLength(1);
  });
});
