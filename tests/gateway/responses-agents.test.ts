/**
 * The OpenAI Agents SDK (`@openai/agents`, which calls the Responses API) through Detour with only
 * its base URL and key changed: the key is a Detour API key whose default config falls back from
 * OpenAI (503) to Azure. One agent run with a function tool: the model calls the tool, the SDK runs
 * it and sends its output back, the model answers. Both model calls are logged.
 */
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from "@openai/agents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from "@/lib/crypto";
import { startHarness, type Harness } from "../../testing/gateway-harness";

describe("@openai/agents through Detour", () => {
  let h: Harness;
  let agentKey: string;

  beforeAll(async () => {
    setTracingDisabled(true); // the SDK would export traces to OpenAI
    h = await startHarness();
    const openai = await h.openaiKey("OpenAI for agents");
    const azure = await h.azureKey("Azure for agents");
    const config = await h.config("agents fallback", {
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: openai }, { virtual_key: azure }],
    });
    agentKey = generateApiKey();
    await h.db.apiKey.create({
      data: {
        workspaceId: h.workspaceId,
        name: "agents",
        prefix: apiKeyDisplayPrefix(agentKey),
        hash: hashApiKey(agentKey),
        scope: "gateway",
        defaultConfigSlug: config,
      },
    });
  });
  afterAll(async () => h?.close());

  it("an agent run with a tool: OpenAI fails, Azure serves both turns, the tool's output reaches the model", async () => {
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 } });
    h.mock.script({ match: { provider: "azure", path: "responses" }, fault: { kind: "tool_use", name: "get_weather" }, times: 1 });
    const calls: string[] = [];
    const getWeather = tool({
      name: "get_weather",
      description: "The weather in a city",
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push(city);
        return `Sunny in ${city}`;
      },
    });
    const agent = new Agent({ name: "Weather", instructions: "Answer with the weather.", model: "gpt-4o", tools: [getWeather] });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ apiKey: agentKey, baseURL: h.baseURL, useResponses: true }) });

    const result = await runner.run(agent, "What is the weather in Paris?");

    expect(calls).toEqual(["mock-city"]);
    expect(String(result.finalOutput)).toContain("Mock answer from azure");
    const sent = h.mock.requests().filter((r) => r.provider === "azure");
    expect(sent.map((r) => [r.path, r.status])).toEqual([
      ["responses", 200],
      ["responses", 200],
    ]);
    // The log writer is batched: wait for both rows.
    const rows = () => h.db.requestLog.findMany({ where: { path: "/v1/responses" }, orderBy: { createdAt: "asc" } });
    await expect.poll(async () => (await rows()).length, { timeout: 10_000 }).toBe(2);
    expect((await rows()).map((l) => [l.status, l.fallbackUsed, l.configFromKey])).toEqual([
      [200, true, true],
      [200, true, true],
    ]);
  });
});
