/** The mock's Azure v1 API routes (/openai/v1/...): auth, deployment from the body, Azure's answers and faults. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "./server";
import { AZURE_KEY, azureV1, chatBody, sseData, sseJson } from "./testing";

let mock: MockUpstream;
let mapped: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  mapped = await startMockUpstream({ port: 0, azureDeployments: { "prod-4o": "gpt-4o-2024-08-06" } });
});
afterAll(async () => {
  await mock.close();
  await mapped.close();
});
beforeEach(() => {
  mock.reset();
  mapped.reset();
});

describe("Azure v1 routes", () => {
  it("answers chat in Azure's shape, the body's model naming the deployment, and records apiVersion v1", async () => {
    const res = await azureV1(mock.url, "chat/completions", { ...chatBody("Hello"), model: "prod-4o" });
    expect(res.status).toBe(200);
    expect(res.headers.get("apim-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-ms-region")).toBe("East US");
    const json = await res.json();
    expect(json).toMatchObject({
      object: "chat.completion",
      model: "prod-4o",
      choices: [{ message: { content: "Mock answer from azure (key ...wxyz) to: Hello" }, content_filter_results: {} }],
      prompt_filter_results: [{ prompt_index: 0 }],
    });
    expect(mock.requests()).toMatchObject([
      {
        provider: "azure",
        path: "chat/completions",
        deployment: "prod-4o",
        model: "prod-4o",
        apiVersion: "v1",
        key: AZURE_KEY,
        status: 200,
      },
    ]);
  });

  it("takes the key as api-key or as Authorization: Bearer; no key is Azure's 401", async () => {
    expect((await azureV1(mock.url, "embeddings", { model: "embed", input: "x" }, { bearer: true })).status).toBe(200);
    expect(mock.requests()[0]).toMatchObject({ key: AZURE_KEY, deployment: "embed" });
    const none = await azureV1(mock.url, "embeddings", { model: "embed", input: "x" }, { key: null });
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe("401");
  });

  it("accepts api-version v1 or preview and answers any other with 404 Resource not found", async () => {
    expect((await azureV1(mock.url, "completions", { model: "instruct", prompt: "p" }, { query: "?api-version=preview" })).status).toBe(
      200,
    );
    expect(mock.requests()[0]).toMatchObject({ apiVersion: "preview", url: "/openai/v1/completions?api-version=preview" });
    const dated = await azureV1(mock.url, "completions", { model: "instruct", prompt: "p" }, { query: "?api-version=2024-10-21" });
    expect(dated.status).toBe(404);
    expect(await dated.json()).toEqual({ error: { code: "404", message: "Resource not found" } });
  });

  it("streams like the dated paths: prompt_filter_results first, then the role chunk; completions too", async () => {
    const text = await (await azureV1(mock.url, "chat/completions", { ...chatBody("Hi", { stream: true }), model: "d" })).text();
    const chunks = sseJson(text);
    expect(chunks[0]).toMatchObject({ choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
    expect(chunks[1]!.choices[0].delta).toMatchObject({ role: "assistant" });
    expect(sseData(text).at(-1)).toBe("[DONE]");
    const c = await (await azureV1(mock.url, "completions", { model: "instruct", prompt: "Hey" })).json();
    expect(c).toMatchObject({
      object: "text_completion",
      model: "instruct",
      choices: [{ text: "Mock answer from azure (key ...wxyz) to: Hey" }],
    });
  });

  it("needs model (it names the deployment)", async () => {
    const res = await azureV1(mock.url, "chat/completions", { messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe("you must provide a model parameter");
  });

  it("with azureDeployments: answers with the deployment's model, 404 DeploymentNotFound for another", async () => {
    const ok = await azureV1(mapped.url, "chat/completions", { ...chatBody("x"), model: "prod-4o" });
    expect((await ok.json()).model).toBe("gpt-4o-2024-08-06");
    const unknown = await azureV1(mapped.url, "chat/completions", { ...chatBody("x"), model: "gpt-4o" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("DeploymentNotFound");
    expect(mapped.requests().map((r) => [r.deployment, r.status])).toEqual([
      ["prod-4o", 200],
      ["gpt-4o", 404],
    ]);
  });

  it("lists models with GET /openai/v1/models (not POST)", async () => {
    const res = await fetch(`${mock.url}/openai/v1/models`, { headers: { "api-key": AZURE_KEY } });
    expect(res.status).toBe(200);
    const json = await res.json();
    expect(json.object).toBe("list");
    expect(json.data[0]).toMatchObject({ object: "model", id: expect.any(String) });
    expect(mock.requests()).toMatchObject([{ provider: "azure", path: "models", apiVersion: "v1", key: AZURE_KEY }]);
    expect((await fetch(`${mock.url}/openai/v1/models`, { method: "POST", headers: { "api-key": AZURE_KEY } })).status).toBe(404);
  });

  it("applies faults matched by deployment, with Azure's error body naming the v1 version", async () => {
    mock.script({ match: { provider: "azure", deployment: "busy" }, fault: { kind: "status", status: 429, retryAfterMs: 1500 }, times: 1 });
    const res = await azureV1(mock.url, "chat/completions", { ...chatBody("x"), model: "busy" });
    expect(res.status).toBe(429);
    expect(res.headers.get("x-ms-retry-after-ms")).toBe("1500");
    expect((await res.json()).error.message).toMatch(
      /^Requests to the ChatCompletions_Create Operation under Azure OpenAI API version v1 /,
    );
    expect((await azureV1(mock.url, "chat/completions", { ...chatBody("x"), model: "busy" })).status).toBe(200);
  });
});
