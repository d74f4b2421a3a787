/**
 * The Anthropic adapter against a real HTTP server: requests built by the adapter, sent with fetch
 * to the mock upstream's Anthropic routes (testing/mock-upstream), answers read back through the
 * adapter's translator and error normaliser.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { built } from "@/testing/build-result";
import { startMockUpstream, type MockUpstream } from "@/testing/mock-upstream/server";
import type { UpstreamRequest } from "../types";
import { anthropicAdapter, type AnthropicCredentials } from ".";

const KEY = "sk-ant-roundtrip-3333";
let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const creds = (extra: Partial<AnthropicCredentials> = {}): AnthropicCredentials => ({
  provider: "anthropic",
  apiKey: KEY,
  customHost: mock.url,
  ...extra,
});
const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "claude-sonnet-4-5",
  messages: [{ role: "user", content }],
  ...extra,
});

const send = (req: UpstreamRequest) => fetch(req.url, { method: req.method, headers: req.headers, body: req.body });

/** The relay's reading of an SSE text: events split, data lines joined, fed to the translator. */
async function translateStream(req: UpstreamRequest, res: Response): Promise<{ out: string[]; usage: unknown }> {
  const stream = req.translate!.stream();
  const out: string[] = [];
  for (const block of (await res.text()).split("\n\n")) {
    if (!block.trim()) continue;
    let name: string | null = null;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    out.push(...stream.event(name, data.join("\n")));
  }
  return { out, usage: stream.usage() };
}

describe("Anthropic adapter over HTTP", () => {
  it("a chat completion goes out as a Messages request and comes back as a chat.completion", async () => {
    const req = built(anthropicAdapter.buildRequest("chat/completions", chat("Hello there", { max_tokens: 200 }), creds()));
    const res = await send(req);
    expect(res.status).toBe(200);
    const json = req.translate!.json(await res.json());
    if ("problem" in json) throw new Error(json.problem);
    expect(json.body).toMatchObject({
      object: "chat.completion",
      model: "claude-sonnet-4-5",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Mock answer from anthropic (key ...3333) to: Hello there" },
          finish_reason: "stop",
        },
      ],
    });
    expect(json.body.id).toMatch(/^msg_01/);
    expect(json.usage).toMatchObject({ promptTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(mock.requests()).toMatchObject([
      { provider: "anthropic", path: "messages", key: KEY, anthropicVersion: "2023-06-01", model: "claude-sonnet-4-5" },
    ]);
  });

  it("streams: Anthropic's events become chat chunks, a usage chunk when asked, then [DONE]", async () => {
    const body = chat("Stream this", { stream: true, stream_options: { include_usage: true } });
    const req = built(anthropicAdapter.buildRequest("chat/completions", body, creds()));
    const res = await send(req);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const { out, usage } = await translateStream(req, res);
    expect(out.at(-1)).toBe("[DONE]");
    const chunks = out.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Mock answer from anthropic (key ...3333) to: Stream this");
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3 } });
    expect(usage).toMatchObject({ promptTokens: 3, completionTokens: chunks.at(-1).usage.completion_tokens });
  });

  it("a forced tool comes back as tool_calls, JSON and streamed alike", async () => {
    const tools = [
      {
        type: "function",
        function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
    ];
    const body = chat("Weather in Oslo?", { tools, tool_choice: { type: "function", function: { name: "get_weather" } } });
    const req = built(anthropicAdapter.buildRequest("chat/completions", body, creds()));
    const json = req.translate!.json(await (await send(req)).json());
    if ("problem" in json) throw new Error(json.problem);
    const choice = (json.body.choices as { finish_reason: string; message: { content: unknown; tool_calls: unknown } }[])[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^toolu_01/), type: "function", function: { name: "get_weather", arguments: '{"city":"mock-city"}' } },
    ]);

    const streamReq = built(anthropicAdapter.buildRequest("chat/completions", { ...body, stream: true }, creds()));
    const { out } = await translateStream(streamReq, await send(streamReq));
    const calls = out.filter((d) => d !== "[DONE]").flatMap((d) => JSON.parse(d).choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather", arguments: "" } });
    expect(JSON.parse(calls.map((c: { function: { arguments: string } }) => c.function.arguments).join(""))).toEqual({ city: "mock-city" });
  });

  it("sends /v1/messages and count_tokens bodies as they are, with the target's version and betas", async () => {
    const body = { model: "claude-haiku-4-5", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] };
    const c = creds({ anthropicVersion: "2023-06-01", anthropicBeta: "token-counting-2024-11-01" });
    const res = await send(built(anthropicAdapter.buildRequest("messages", body, c)));
    expect((await res.json()).type).toBe("message");
    const count = await send(
      built(anthropicAdapter.buildRequest("messages/count_tokens", { model: body.model, messages: body.messages }, c)),
    );
    expect(await count.json()).toEqual({ input_tokens: 1 });
    expect(mock.requests().map((r) => [r.path, r.anthropicBeta])).toEqual([
      ["messages", "token-counting-2024-11-01"],
      ["messages/count_tokens", "token-counting-2024-11-01"],
    ]);
  });

  it("normalises an invalid key, an overload and a rate limit to OpenAI's shape with Anthropic's type", async () => {
    const bad = await send(built(anthropicAdapter.buildRequest("chat/completions", chat("x"), creds({ apiKey: "sk-invalid-0000" }))));
    expect(anthropicAdapter.normalizeError(bad.status, await bad.text())).toEqual({
      status: 401,
      body: { error: { message: "invalid x-api-key", type: "authentication_error", param: null, code: null } },
    });
    for (const [status, type] of [
      [529, "overloaded_error"],
      [429, "rate_limit_error"],
    ] as const) {
      mock.script({ match: { provider: "anthropic" }, fault: { kind: "status", status }, times: 1 });
      const res = await send(built(anthropicAdapter.buildRequest("chat/completions", chat("x"), creds())));
      expect(anthropicAdapter.normalizeError(res.status, await res.text())).toMatchObject({ status, body: { error: { type } } });
    }
  });

  it("an error event mid-stream ends the translated stream with OpenAI's error chunk", async () => {
    mock.script({ match: { provider: "anthropic" }, fault: { kind: "sse_error_event", afterChunks: 2 }, times: 1 });
    const req = built(anthropicAdapter.buildRequest("chat/completions", chat("x", { stream: true }), creds()));
    const { out } = await translateStream(req, await send(req));
    expect(out).toHaveLength(4);
    expect(JSON.parse(out.at(-1)!)).toEqual({ error: { message: "Overloaded", type: "overloaded_error", param: null, code: null } });
  });

  it("lists models with Anthropic's GET /v1/models", async () => {
    const req = anthropicAdapter.modelsRequest(creds());
    const res = await fetch(req.url, { method: req.method, headers: req.headers });
    expect(res.status).toBe(200);
    expect((await res.json()).data[0]).toMatchObject({ type: "model", id: expect.stringMatching(/^claude-/) });
  });
});
