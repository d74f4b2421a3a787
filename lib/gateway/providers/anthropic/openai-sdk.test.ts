/**
 * The OpenAI SDK reads what the translator makes of Anthropic's answers. A small HTTP server plays
 * the relay's part (build with the adapter, call the mock upstream's Anthropic route, translate the
 * JSON or the event stream back) so that the `openai` package, unchanged, talks to Claude's format.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "@/testing/mock-upstream/server";
import { isBuildError } from "../types";
import { anthropicAdapter } from ".";

const KEY = "sk-ant-sdk-test-5555";
let mock: MockUpstream;
let relay: Server;
let client: OpenAI;

/** The relay's work in miniature: one attempt, no retries, SSE events split on blank lines. */
async function relayChat(body: Record<string, unknown>): Promise<{ status: number; type: string; text: string }> {
  const req = anthropicAdapter.buildRequest("chat/completions", body, { provider: "anthropic", apiKey: KEY, customHost: mock.url });
  if (isBuildError(req)) {
    const { status, message, type, param, code } = req.error;
    return { status, type: "application/json", text: JSON.stringify({ error: { message, type, param, code } }) };
  }
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  if (!res.ok)
    return { status: res.status, type: "application/json", text: JSON.stringify(anthropicAdapter.normalizeError(res.status, text).body) };
  if (body.stream !== true) {
    const out = req.translate!.json(JSON.parse(text));
    return { status: "problem" in out ? 502 : 200, type: "application/json", text: JSON.stringify("problem" in out ? out : out.body) };
  }
  const stream = req.translate!.stream();
  let sse = "";
  for (const block of text.split("\n\n")) {
    const name = /^event: (.*)$/m.exec(block)?.[1] ?? null;
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (data !== undefined) for (const d of stream.event(name, data)) sse += `data: ${d}\n\n`;
  }
  return { status: 200, type: "text/event-stream", text: sse };
}

beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  relay = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      relayChat(JSON.parse(raw)).then(
        (out) => {
          res.writeHead(out.status, { "content-type": out.type });
          res.end(out.text);
        },
        (e: unknown) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: String(e) } }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  client = new OpenAI({ apiKey: "unused", baseURL: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await new Promise((resolve) => relay.close(resolve));
  await mock.close();
});

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  },
];

describe("the openai SDK against translated Anthropic answers", () => {
  it("chat.completions.create reads a translated message", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Hello SDK" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Mock answer from anthropic (key ...5555) to: Hello SDK");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("the SDK's stream helper assembles text, usage and a forced tool call from the translated chunks", async () => {
    const text = client.chat.completions.stream({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Stream for the SDK" }],
      stream_options: { include_usage: true },
    });
    const final = await text.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Mock answer from anthropic (key ...5555) to: Stream for the SDK");
    expect(final.usage?.total_tokens).toBeGreaterThan(0);

    const tool = client.chat.completions.stream({
      model: "claude-sonnet-4-5",
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      tools,
      tool_choice: "required",
    });
    const called = await tool.finalChatCompletion();
    expect(called.choices[0]?.finish_reason).toBe("tool_calls");
    expect(called.choices[0]?.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^toolu_01/), type: "function", function: { name: "get_weather", arguments: '{"city":"mock-city"}' } },
    ]);
  });

  it("a refused parameter reaches the SDK as a 400 naming it", async () => {
    const err = await client.chat.completions
      .create({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], n: 2 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("n must be 1");
  });
});
