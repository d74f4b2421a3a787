/**
 * Streaming through Detour: pass-through, usage captured (asked of upstream, stripped for the
 * caller), fallback before the first content chunk, an SSE error event after it, client abort.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

function events(text: string): string[] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ""));
}

/** The answer text assembled from the stream's deltas. */
function content(text: string): string {
  return events(text)
    .filter((e) => e !== "[DONE]")
    .map((e) => JSON.parse(e) as { choices?: { delta?: { content?: string } }[] })
    .map((c) => c.choices?.[0]?.delta?.content ?? "")
    .join("");
}

describe("streaming", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;
  let fallback: string;

  beforeAll(async () => {
    h = await startHarness();
    openaiVk = await h.openaiKey("OpenAI");
    azureVk = await h.azureKey("Azure");
    fallback = JSON.stringify({ strategy: { mode: "fallback" }, targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }] });
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function stream(headers: Record<string, string>, body: Record<string, unknown> = chatBody({ stream: true })) {
    const res = await fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });
    return { res, text: await res.text(), requestId: res.headers.get("x-portkey-request-id")! };
  }

  it("passes the stream through, captures usage, and strips the usage chunk the caller did not ask for", async () => {
    const r = await stream({ "x-portkey-virtual-key": openaiVk });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get("content-type")).toContain("text/event-stream");
    const evs = events(r.text);
    expect(evs.at(-1)).toBe("[DONE]");
    const chunks = evs.slice(0, -1).map((e) => JSON.parse(e) as { choices: unknown[]; usage?: unknown });
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(content(r.text)).toContain("Mock answer from openai");
    expect(h.mock.requests()[0]).toMatchObject({ stream: true, includeUsage: true });
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ stream: true, status: 200, errorType: null });
    expect(log.promptTokens).toBeGreaterThan(0);
    expect(log.completionTokens).toBeGreaterThan(0);
    expect(log.cost).toBeGreaterThan(0);
  });

  it("reads an upstream body that ends after its [DONE] to its end, keeping the connection", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "late_end", ms: 1000 }, times: 1 });
    const first = await stream({ "x-portkey-virtual-key": openaiVk });

    expect(events(first.text).at(-1)).toBe("[DONE]");
    // The caller's stream ended at the [DONE]: Detour did not wait for the upstream body's end.
    expect(h.mock.requests()[0]).toMatchObject({ fault: "late_end", settled: false });
    // It was read to its end, not cut (which closed the connection, and the mock saw an abort).
    const late = await h.mock.waitForRequest({ fault: "late_end" });
    expect(late).toMatchObject({ status: 200, aborted: false });
    // The mock is done once it has written the end; Detour's client, once it has read it.
    await new Promise((resolve) => setTimeout(resolve, 250));
    await stream({ "x-portkey-virtual-key": openaiVk });
    expect(h.mock.requests()[1]!.connection).toBe(late.connection);
  });

  it("keeps the usage chunk when the caller asked for it (openai SDK)", async () => {
    const client = new OpenAI({
      apiKey: "x",
      baseURL: h.baseURL,
      defaultHeaders: { "x-portkey-api-key": h.apiKey, "x-portkey-virtual-key": openaiVk },
    });
    const s = await client.chat.completions.create({ ...chatBody(), stream: true, stream_options: { include_usage: true } });
    let content = "";
    let usage: unknown = null;
    for await (const chunk of s) {
      content += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toContain("Mock answer from openai");
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it("falls back when the first target's stream breaks before its first chunk", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_before_first_chunk" } });
    const r = await stream({ "x-portkey-config": fallback });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    expect(content(r.text)).toContain("Mock answer from azure");
    const log = await h.waitForLog(r.requestId);
    expect(log.fallbackUsed).toBe(true);
    expect(log.attempts[0]).toMatchObject({ errorClass: "stream_broken", status: 502 });
  });

  it("falls back on an upstream status before streaming, and on SSE garbage", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, times: 1 });
    const a = await stream({ "x-portkey-config": fallback });
    expect(a.res.headers.get("x-portkey-provider")).toBe("azure-openai");
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "sse_garbage" }, times: 1 });
    const b = await stream({ "x-portkey-config": fallback });
    expect(b.res.headers.get("x-portkey-provider")).toBe("azure-openai");
  });

  it("a stream that breaks after its first chunk ends with an SSE error event, never a silent 200", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "stream_break_after_chunks", chunks: 2 } });
    const r = await stream({ "x-portkey-config": fallback });
    expect(r.res.status).toBe(200);
    const evs = events(r.text);
    const last = JSON.parse(evs.at(-1)!) as { error?: { code: string; message: string } };
    expect(last.error?.code).toBe("upstream_stream_broken");
    expect(evs).not.toContain("[DONE]");
    const log = await h.waitForLog(r.requestId);
    expect(log).toMatchObject({ errorType: "upstream_stream_broken", provider: "openai", fallbackUsed: false });
  });

  it("delivers chunks as they come: the first chunk arrives long before a slow stream ends", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "slow_chunks", delayMs: 150 } });
    const started = Date.now();
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": openaiVk }),
      body: JSON.stringify(chatBody({ stream: true })),
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now() - started;
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    const endAt = Date.now() - started;
    expect(first.done).toBe(false);
    expect(endAt - firstAt).toBeGreaterThanOrEqual(450);
    expect(rest).toContain("[DONE]");
  });

  it("a client that disconnects mid-stream aborts the upstream request", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "slow_chunks", delayMs: 300 } });
    const controller = new AbortController();
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": openaiVk }),
      body: JSON.stringify(chatBody({ stream: true })),
      signal: controller.signal,
    });
    const requestId = res.headers.get("x-portkey-request-id")!;
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const upstream = await h.mock.waitForRequest({ provider: "openai" }, { timeoutMs: 10_000 });
    expect(upstream.aborted).toBe(true);
    const log = await h.waitForLog(requestId);
    expect(log).toMatchObject({ status: 499, errorType: "client_closed" });
  });

  it("a client that disconnects while the upstream hangs aborts the upstream request", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "hang" } });
    const controller = new AbortController();
    const pending = fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": openaiVk }),
      body: JSON.stringify(chatBody()),
      signal: controller.signal,
    }).catch((e: Error) => e);
    await h.mock.waitForRequest({ provider: "openai" }, { settled: false, timeoutMs: 5_000 });
    controller.abort();
    await pending;
    const upstream = await h.mock.waitForRequest({ provider: "openai" }, { timeoutMs: 10_000 });
    expect(upstream.aborted).toBe(true);
  });
});
