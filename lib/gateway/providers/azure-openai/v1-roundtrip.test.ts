/**
 * The adapter's v1 requests against a real HTTP server (the mock upstream): what it builds is what
 * Azure's v1 API takes, checked through the mock's request record.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "@/testing/mock-upstream/server";
import { sseJson } from "@/testing/mock-upstream/testing";
import { built } from "@/testing/build-result";
import type { UpstreamRequest } from "../types";
import { buildAzureRequest, type AzureCredentials } from ".";

const KEY = "azure-v1-roundtrip-3333";
let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0, azureDeployments: { "prod-4o": "gpt-4o-2024-08-06", "prod-embed": "text-embedding-3-small" } });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const send = (req: UpstreamRequest) => fetch(req.url, { method: req.method, headers: req.headers, body: req.body });

const deployments = [
  { deploymentName: "prod-4o", alias: "gpt-4o", isDefault: true },
  { deploymentName: "prod-embed", alias: "text-embedding-3-small", isDefault: false },
];

describe("Azure v1 requests over HTTP", () => {
  it.each([
    ["api_version v1 on an /openai custom host", { customHost: () => `${mock.url}/openai`, apiVersion: "v1" }],
    ["a v1 base URL as custom host", { customHost: () => `${mock.url}/openai/v1/`, apiVersion: undefined }],
  ])("%s: chat, streaming chat and embeddings reach /openai/v1 with the deployment as model", async (_what, c) => {
    const creds: AzureCredentials = {
      provider: "azure-openai",
      apiKey: KEY,
      customHost: c.customHost(),
      apiVersion: c.apiVersion,
      deployments,
    };
    const chat = await send(
      built(buildAzureRequest("chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }, creds)),
    );
    expect(chat.status).toBe(200);
    expect((await chat.json()).model).toBe("gpt-4o-2024-08-06");
    const body = { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } };
    const stream = await send(built(buildAzureRequest("chat/completions", body, creds)));
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    expect(sseJson(await stream.text()).at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1 } });
    const embed = await send(built(buildAzureRequest("embeddings", { model: "text-embedding-3-small", input: "x" }, creds)));
    expect(embed.status).toBe(200);
    expect(mock.requests().map((r) => [r.path, r.deployment, r.model, r.apiVersion, r.key])).toEqual([
      ["chat/completions", "prod-4o", "prod-4o", "v1", KEY],
      ["chat/completions", "prod-4o", "prod-4o", "v1", KEY],
      ["embeddings", "prod-embed", "prod-embed", "v1", KEY],
    ]);
  });

  it("a deployment the resource does not have gets Azure's 404 DeploymentNotFound", async () => {
    const creds: AzureCredentials = {
      provider: "azure-openai",
      apiKey: KEY,
      customHost: `${mock.url}/openai`,
      apiVersion: "v1",
      deploymentId: "gone",
    };
    const res = await send(built(buildAzureRequest("chat/completions", { messages: [{ role: "user", content: "x" }] }, creds)));
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("DeploymentNotFound");
  });
});
