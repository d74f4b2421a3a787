import { describe, expect, it } from "vitest";
import { built, refused } from "@/testing/build-result";
import { buildOpenAiRequest, openAiAdapter } from ".";

const KEY = "sk-test-1234";
const chat = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };

describe("OpenAI request", () => {
  it.each([
    ["chat/completions", "https://api.openai.com/v1/chat/completions"],
    ["completions", "https://api.openai.com/v1/completions"],
    ["embeddings", "https://api.openai.com/v1/embeddings"],
  ] as const)("posts %s to %s with a Bearer key", (endpoint, url) => {
    const req = built(buildOpenAiRequest(endpoint, chat, { provider: "openai", apiKey: KEY }));
    expect(req).toEqual({
      url,
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(chat),
    });
  });

  it("accepts an event stream when the body streams", () => {
    const req = built(buildOpenAiRequest("chat/completions", { ...chat, stream: true }, { provider: "openai", apiKey: KEY }));
    expect(req.headers.accept).toBe("text/event-stream");
  });

  it("sends the body unchanged", () => {
    const body = { model: "gpt-4o", messages: [], temperature: 0.2, extra: { nested: [1, "x"] } };
    const req = built(buildOpenAiRequest("chat/completions", body, { provider: "openai", apiKey: KEY }));
    expect(JSON.parse(req.body ?? "")).toEqual(body);
  });

  it.each([
    ["http://127.0.0.1:4010/v1", "http://127.0.0.1:4010/v1/embeddings"],
    ["http://127.0.0.1:4010/v1/", "http://127.0.0.1:4010/v1/embeddings"],
    ["https://proxy.example.com/openai//", "https://proxy.example.com/openai/embeddings"],
    ["https://proxy.example.com", "https://proxy.example.com/embeddings"],
    ["https://proxy.example.com/v1?tenant=a", "https://proxy.example.com/v1/embeddings?tenant=a"],
  ])("custom_host %s replaces the base: %s", (customHost, url) => {
    const req = built(buildOpenAiRequest("embeddings", { model: "m", input: "x" }, { provider: "openai", apiKey: KEY, customHost }));
    expect(req.url).toBe(url);
  });

  it("sends organization and project headers when given", () => {
    const creds = { provider: "openai" as const, apiKey: KEY, organization: "org-1", project: "proj_2" };
    const req = built(buildOpenAiRequest("chat/completions", chat, creds));
    expect(req.headers).toMatchObject({ "openai-organization": "org-1", "openai-project": "proj_2" });
  });

  it.each([
    ["ftp://example.com/v1", "custom_host must use http or https"],
    ["not a url", "custom_host is not a valid URL"],
    ["https://user:pw@example.com/v1", "custom_host must not contain a user name or password"],
  ])("refuses custom_host %s with a 400", (customHost, message) => {
    const error = refused(buildOpenAiRequest("chat/completions", chat, { provider: "openai", apiKey: KEY, customHost }));
    expect(error).toMatchObject({ status: 400, message, param: "custom_host", code: "invalid_custom_host" });
  });

  it("refuses a missing key and a key that cannot be a header value, without echoing it", () => {
    expect(refused(buildOpenAiRequest("chat/completions", chat, { provider: "openai", apiKey: "" }))).toMatchObject({
      status: 400,
      code: "missing_provider_api_key",
    });
    const error = refused(buildOpenAiRequest("chat/completions", chat, { provider: "openai", apiKey: "sk-a\r\nx-evil: 1" }));
    expect(error.status).toBe(400);
    expect(error.message).not.toContain("sk-a");
  });

  it("refuses a body that cannot be serialised instead of throwing", () => {
    const body: Record<string, unknown> = { model: "gpt-4o", n: BigInt(1) };
    expect(refused(buildOpenAiRequest("chat/completions", body, { provider: "openai", apiKey: KEY })).code).toBe("invalid_body");
  });

  it("does not know which models a key reaches: GET /models asks OpenAI (or the custom host)", () => {
    expect(openAiAdapter.listModels?.({ provider: "openai", apiKey: KEY })).toEqual([]);
    expect(openAiAdapter.modelsRequest({ provider: "openai", apiKey: KEY })).toEqual({
      url: "https://api.openai.com/v1/models",
      method: "GET",
      headers: { authorization: `Bearer ${KEY}`, accept: "application/json" },
    });
    expect(openAiAdapter.modelsRequest({ provider: "openai", apiKey: KEY, customHost: "http://127.0.0.1:4010/v1//" }).url).toBe(
      "http://127.0.0.1:4010/v1/models",
    );
  });
});

describe("OpenAI Responses API", () => {
  const creds = { provider: "openai" as const, apiKey: KEY };

  it.each(["responses", "responses/input_tokens"] as const)("posts %s with the body as is", (endpoint) => {
    const body = { model: "gpt-4o", input: "hi", store: true };
    const req = built(buildOpenAiRequest(endpoint, body, creds));
    expect(req.url).toBe(`https://api.openai.com/v1/${endpoint}`);
    expect(req.method).toBe("POST");
    expect(JSON.parse(req.body ?? "")).toEqual(body);
  });

  it("built-in tools, MCP and multimodal input pass through untouched (Detour runs none of them)", () => {
    const body = {
      model: "gpt-4o",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "What is in this image, and what does the web say?" },
            { type: "input_image", image_url: "data:image/png;base64,iVBORw0KGgo=", detail: "auto" },
            { type: "input_file", file_id: "file-abc" },
          ],
        },
        { type: "function_call_output", call_id: "call_1", output: '{"ok":true}' },
      ],
      tools: [
        { type: "web_search" },
        { type: "file_search", vector_store_ids: ["vs_1"] },
        { type: "code_interpreter", container: { type: "auto" } },
        { type: "mcp", server_label: "deepwiki", server_url: "https://mcp.deepwiki.com/mcp", require_approval: "never" },
        { type: "function", name: "f", parameters: { type: "object", properties: {} }, strict: true },
      ],
      include: ["file_search_call.results"],
      previous_response_id: "resp_prev",
    };
    const req = built(buildOpenAiRequest("responses", body, creds));
    expect(req.body).toBe(JSON.stringify(body));
  });

  it("a call on a stored response: its method, the id in the path, the query as received (repeats kept), no body", () => {
    const req = built(
      buildOpenAiRequest("responses/{id}", {}, creds, {
        method: "GET",
        id: "resp_123",
        query: [
          ["include[]", "reasoning.encrypted_content"],
          ["include[]", "file_search_call.results"],
          ["stream", "true"],
          ["starting_after", "4"],
        ],
      }),
    );
    expect(req).toEqual({
      url: "https://api.openai.com/v1/responses/resp_123?include%5B%5D=reasoning.encrypted_content&include%5B%5D=file_search_call.results&stream=true&starting_after=4",
      method: "GET",
      headers: { authorization: `Bearer ${KEY}`, accept: "text/event-stream" },
    });
    const cancel = built(buildOpenAiRequest("responses/{id}/cancel", {}, creds, { method: "POST", id: "resp_123", query: [] }));
    expect([cancel.method, cancel.url, cancel.body, cancel.headers.accept]).toEqual([
      "POST",
      "https://api.openai.com/v1/responses/resp_123/cancel",
      undefined,
      "application/json",
    ]);
    const del = built(buildOpenAiRequest("responses/{id}", {}, creds, { method: "DELETE", id: "resp_9", query: [] }));
    expect([del.method, del.url]).toEqual(["DELETE", "https://api.openai.com/v1/responses/resp_9"]);
  });
});
