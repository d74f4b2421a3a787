// The Responses API on the mock upstream over real HTTP: every route on OpenAI and both Azure path
// styles, per-account stores, chains, stream events, background mode, faults, and OpenAI's SDK.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream } from "./server";
import { causeCode, readBody } from "./testing";
import type { MockUpstream } from "./types";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const KEY_A = "sk-account-a-aaaa";
const KEY_B = "sk-account-b-bbbb";

/** Where and how each flavour is called: OpenAI, Azure's v1 API, Azure's older path style. */
interface Flavour {
  name: string;
  provider: "openai" | "azure";
  base(): string;
  query: string;
  auth(key: string): Record<string, string>;
}
const OPENAI: Flavour = {
  name: "OpenAI /v1",
  provider: "openai",
  base: () => `${mock.url}/v1`,
  query: "",
  auth: (key) => ({ authorization: `Bearer ${key}` }),
};
const AZURE_V1: Flavour = {
  name: "Azure /openai/v1",
  provider: "azure",
  base: () => `${mock.url}/openai/v1`,
  query: "",
  auth: (key) => ({ "api-key": key }),
};
const AZURE_DATED: Flavour = {
  name: "Azure /openai (api-version)",
  provider: "azure",
  base: () => `${mock.url}/openai`,
  query: "?api-version=2025-04-01-preview",
  auth: (key) => ({ "api-key": key }),
};

function call(f: Flavour, method: string, path: string, body?: unknown, key = KEY_A, extraQuery = ""): Promise<Response> {
  const q = f.query ? `${f.query}${extraQuery.replace("?", "&")}` : extraQuery;
  const headers: Record<string, string> = { ...f.auth(key) };
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${f.base()}/${path}${q}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function json(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

const create = async (f: Flavour, body: Record<string, unknown>, key = KEY_A) => {
  const res = await call(f, "POST", "responses", { model: "gpt-4o", ...body }, key);
  expect(res.status).toBe(200);
  return json(res);
};

/** The (event name, data) pairs of a Responses stream. */
function events(text: string): { event: string; data: Record<string, any> }[] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1] ?? "", data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") }));
}

/** Every event is named after its data's type and numbered 0, 1, 2, ... from `first`. */
function expectNumbered(list: { event: string; data: Record<string, any> }[], first = 0): void {
  list.forEach((e, i) => {
    expect(e.event).toBe(e.data.type);
    expect(e.data.sequence_number).toBe(first + i);
  });
}

const TEXT_EVENTS_TAIL = ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"];
const OPENING = ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"];

const RESPONSE_FIELDS = [
  "id",
  "object",
  "created_at",
  "status",
  "background",
  "completed_at",
  "error",
  "incomplete_details",
  "instructions",
  "max_output_tokens",
  "model",
  "output",
  "parallel_tool_calls",
  "previous_response_id",
  "prompt_cache_key",
  "reasoning",
  "safety_identifier",
  "service_tier",
  "store",
  "temperature",
  "text",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "truncation",
  "usage",
  "user",
  "metadata",
];

describe.each([OPENAI, AZURE_V1, AZURE_DATED])("every route: $name", (f) => {
  it("creates, retrieves, lists input items, counts tokens, refuses a synchronous cancel, deletes", async () => {
    const tools = [{ type: "function", name: "lookup", parameters: { type: "object", properties: {} } }];
    const r = await create(f, { input: "Hello from the test", instructions: "Be brief.", metadata: { run: "1" }, tools });
    expect(Object.keys(r)).toEqual(RESPONSE_FIELDS.filter((k) => f.provider === "openai" || k !== "service_tier"));
    expect(r.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(r).toMatchObject({
      object: "response",
      status: "completed",
      background: false,
      error: null,
      incomplete_details: null,
      instructions: "Be brief.",
      model: "gpt-4o",
      store: true,
      tools,
      metadata: { run: "1" },
      reasoning: { effort: null, summary: null },
      text: { format: { type: "text" }, verbosity: "medium" },
    });
    expect(r.output).toEqual([
      {
        id: expect.stringMatching(/^msg_[0-9a-f]{48}$/),
        type: "message",
        status: "completed",
        content: [
          {
            type: "output_text",
            annotations: [],
            logprobs: [],
            text: `Mock answer from ${f.provider} (key ...aaaa) to: Hello from the test`,
          },
        ],
        role: "assistant",
      },
    ]);
    const text = r.output[0].content[0].text as string;
    // "Be brief." + "Hello from the test" = 28 characters -> 7 tokens.
    expect(r.usage).toEqual({
      input_tokens: 7,
      input_tokens_details: { cache_write_tokens: 0, cached_tokens: 0 },
      output_tokens: Math.ceil(text.length / 4),
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 7 + Math.ceil(text.length / 4),
    });

    const got = await call(f, "GET", `responses/${r.id}`);
    expect(got.status).toBe(200);
    expect(await json(got)).toEqual(r);

    const items = await json(await call(f, "GET", `responses/${r.id}/input_items`));
    expect(items).toEqual({
      object: "list",
      data: [
        {
          id: expect.stringMatching(/^msg_/),
          type: "message",
          status: "completed",
          content: [{ type: "input_text", text: "Hello from the test" }],
          role: "user",
        },
      ],
      first_id: items.data[0].id,
      last_id: items.data[0].id,
      has_more: false,
    });

    const counted = await call(f, "POST", "responses/input_tokens", { model: "gpt-4o", input: "12345678" });
    expect(await json(counted)).toEqual({ object: "response.input_tokens", input_tokens: 2 });

    const cancel = await call(f, "POST", `responses/${r.id}/cancel`);
    expect(cancel.status).toBe(400);
    expect((await json(cancel)).error).toEqual({
      message: "Cannot cancel a synchronous response.",
      type: "invalid_request_error",
      param: null,
      code: null,
    });

    const deleted = await call(f, "DELETE", `responses/${r.id}`);
    expect(await json(deleted)).toEqual({ id: r.id, object: "response.deleted", deleted: true });
    const gone = await call(f, "GET", `responses/${r.id}`);
    expect(gone.status).toBe(404);

    const recs = mock.requests({ provider: f.provider });
    expect(recs.map((x) => [x.path, x.responseId, x.status])).toEqual([
      ["responses", r.id, 200],
      ["responses/{id}", r.id, 200],
      ["responses/{id}/input_items", r.id, 200],
      ["responses/input_tokens", undefined, 200],
      ["responses/{id}/cancel", r.id, 400],
      ["responses/{id}", r.id, 200],
      ["responses/{id}", r.id, 404],
    ]);
    if (f.provider === "azure") expect(recs[0]!.deployment).toBe("gpt-4o");
    expect(recs[0]!.key).toBe(KEY_A);
  });
});

describe("Azure specifics", () => {
  it("needs api-version on the older path style, and takes Bearer on the v1 API only", async () => {
    const res = await fetch(`${mock.url}/openai/responses`, {
      method: "POST",
      headers: { "api-key": KEY_A, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", input: "x" }),
    });
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ error: { code: "404", message: "Resource not found" } });
    const bearer = { ...AZURE_V1, auth: (key: string) => ({ authorization: `Bearer ${key}` }) };
    expect((await call(bearer, "POST", "responses", { model: "gpt-4o", input: "x" })).status).toBe(200);
    expect((await call({ ...AZURE_DATED, auth: bearer.auth }, "POST", "responses", { model: "gpt-4o", input: "x" })).status).toBe(401);
    expect(mock.requests({ provider: "azure" }).map((r) => r.apiVersion)).toEqual([undefined, "v1", "2025-04-01-preview"]);
  });

  it("treats the body's model as the deployment: unknown ones get DeploymentNotFound, known ones answer with the deployment's model", async () => {
    const azure = await startMockUpstream({ port: 0, azureDeployments: { prod: "gpt-4.1" } });
    try {
      const f = { ...AZURE_V1, base: () => `${azure.url}/openai/v1` };
      const missing = await call(f, "POST", "responses", { model: "nope", input: "x" });
      expect(missing.status).toBe(404);
      expect((await json(missing)).error.code).toBe("DeploymentNotFound");
      const ok = await json(await call(f, "POST", "responses", { model: "prod", input: "x" }));
      expect(ok.model).toBe("gpt-4.1");
      expect(azure.requests().map((r) => r.deployment)).toEqual(["nope", "prod"]);
    } finally {
      await azure.close();
    }
  });
});

describe("stores per account", () => {
  it("answers another key's GET, DELETE, cancel and input_items with OpenAI's 404", async () => {
    const r = await create(OPENAI, { input: "mine", background: true });
    for (const [method, path] of [
      ["GET", `responses/${r.id}`],
      ["DELETE", `responses/${r.id}`],
      ["POST", `responses/${r.id}/cancel`],
      ["GET", `responses/${r.id}/input_items`],
    ] as const) {
      const res = await call(OPENAI, method, path, undefined, KEY_B);
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({
        error: { message: `Response with id '${r.id}' not found.`, type: "invalid_request_error", param: null, code: null },
      });
    }
    expect((await call(OPENAI, "GET", `responses/${r.id}`)).status).toBe(200);
  });

  it("refuses another key's previous_response_id with previous_response_not_found", async () => {
    const r = await create(OPENAI, { input: "first" });
    const res = await call(OPENAI, "POST", "responses", { model: "gpt-4o", input: "next", previous_response_id: r.id }, KEY_B);
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      error: {
        message: `Previous response with id '${r.id}' not found.`,
        type: "invalid_request_error",
        param: "previous_response_id",
        code: "previous_response_not_found",
      },
    });
  });

  it("keeps OpenAI and Azure apart even with the same key", async () => {
    const r = await create(OPENAI, { input: "x" });
    expect((await call(AZURE_V1, "GET", `responses/${r.id}`)).status).toBe(404);
  });

  it("remembers a conversation for the key that used it first", async () => {
    const first = await create(OPENAI, { input: "one", conversation: "conv_team" });
    expect(first.conversation).toEqual({ id: "conv_team" });
    const second = await create(OPENAI, { input: "two", conversation: { id: "conv_team" } });
    expect(second.output[0].content[0].text).toBe("Mock answer from openai (key ...aaaa) to: two (turn 2)");
    const other = await call(OPENAI, "POST", "responses", { model: "gpt-4o", input: "three", conversation: "conv_team" }, KEY_B);
    expect(other.status).toBe(404);
    expect(await json(other)).toEqual({
      error: { message: "Conversation with id 'conv_team' not found.", type: "invalid_request_error", param: null, code: null },
    });
  });

  it("does not store store:false responses, and reset() empties the stores", async () => {
    const unstored = await create(OPENAI, { input: "x", store: false });
    expect(unstored.store).toBe(false);
    expect((await call(OPENAI, "GET", `responses/${unstored.id}`)).status).toBe(404);
    const stored = await create(OPENAI, { input: "x" });
    mock.reset();
    expect((await call(OPENAI, "GET", `responses/${stored.id}`)).status).toBe(404);
  });
});

describe("previous_response_id chains", () => {
  it("counts the turns in the answer and the earlier turns as input", async () => {
    const one = await create(OPENAI, { input: "What is the capital of France?" });
    const two = await create(OPENAI, { input: "And of Spain?", previous_response_id: one.id });
    const three = await create(OPENAI, {
      input: [{ type: "function_call_output", call_id: "call_1", output: "Madrid" }],
      previous_response_id: two.id,
    });
    expect(two.previous_response_id).toBe(one.id);
    expect(two.output[0].content[0].text).toBe("Mock answer from openai (key ...aaaa) to: And of Spain? (turn 2)");
    // No user text in the third input: the answer quotes the chain's last user text.
    expect(three.output[0].content[0].text).toBe("Mock answer from openai (key ...aaaa) to: And of Spain? (turn 3)");
    const oneChars = "What is the capital of France?".length + one.output[0].content[0].text.length;
    expect(two.usage.input_tokens).toBe(Math.ceil((oneChars + "And of Spain?".length) / 4));
    expect(three.usage.input_tokens).toBeGreaterThan(two.usage.input_tokens);
    const items = await json(await call(OPENAI, "GET", `responses/${three.id}/input_items`));
    expect(items.data).toEqual([
      { id: expect.stringMatching(/^fco_/), type: "function_call_output", call_id: "call_1", output: "Madrid", status: "completed" },
    ]);
  });

  it("reports cached tokens when the account sent the prompt_cache_key before", async () => {
    const input = "a long shared prefix ".repeat(10);
    const first = await create(OPENAI, { input, prompt_cache_key: "pk-1" });
    const second = await create(OPENAI, { input, prompt_cache_key: "pk-1" });
    const otherKey = await create(OPENAI, { input, prompt_cache_key: "pk-1" }, KEY_B);
    expect(first.usage.input_tokens_details.cached_tokens).toBe(0);
    expect(second.usage.input_tokens_details.cached_tokens).toBe(second.usage.input_tokens);
    expect(otherKey.usage.input_tokens_details.cached_tokens).toBe(0);
    expect(second.prompt_cache_key).toBe("pk-1");
  });
});

describe("bodies", () => {
  it("refuses a missing model, bad JSON and a max_output_tokens below 16 as OpenAI does", async () => {
    const noModel = await fetch(`${mock.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
      body: JSON.stringify({ input: "x" }),
    });
    expect(noModel.status).toBe(400);
    expect((await json(noModel)).error).toMatchObject({ param: "model", code: "missing_required_parameter" });
    const small = await call(OPENAI, "POST", "responses", { model: "gpt-4o", input: "x", max_output_tokens: 5 });
    expect(small.status).toBe(400);
    expect((await json(small)).error).toEqual({
      message: "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 5 instead.",
      type: "invalid_request_error",
      param: "max_output_tokens",
      code: "integer_below_min_value",
    });
  });

  it("counts text parts of message items and ignores images and files", async () => {
    const input = [
      {
        role: "user",
        content: [
          { type: "input_text", text: "abcdefgh" },
          { type: "input_image", image_url: "https://example.com/cat.png", detail: "auto" },
          { type: "input_file", file_id: "file-1" },
        ],
      },
    ];
    const r = await create(OPENAI, { input });
    expect(r.usage.input_tokens).toBe(2);
    expect(r.output[0].content[0].text).toBe("Mock answer from openai (key ...aaaa) to: abcdefgh");
  });

  it("answers a forced function tool with a function_call item of the schema's required properties", async () => {
    const tools = [
      {
        type: "function",
        name: "get_weather",
        parameters: {
          type: "object",
          properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] }, days: { type: "integer" } },
          required: ["city", "unit"],
        },
      },
    ];
    for (const tool_choice of ["required", { type: "function", name: "get_weather" }]) {
      const r = await create(OPENAI, { input: "Weather?", tools, tool_choice });
      expect(r.output).toEqual([
        {
          id: expect.stringMatching(/^fc_[0-9a-f]{48}$/),
          type: "function_call",
          status: "completed",
          arguments: JSON.stringify({ city: "mock-city", unit: "celsius" }),
          call_id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/),
          name: "get_weather",
        },
      ]);
    }
    const auto = await create(OPENAI, { input: "Weather?", tools });
    expect(auto.output[0].type).toBe("message");
  });

  it("puts a reasoning item first and counts reasoning tokens", async () => {
    const r = await create(OPENAI, { input: "Think", reasoning: { effort: "high" } });
    expect(r.output.map((i: { type: string }) => i.type)).toEqual(["reasoning", "message"]);
    expect(r.output[0]).toEqual({ id: expect.stringMatching(/^rs_/), type: "reasoning", summary: [] });
    expect(r.usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    expect(r.reasoning).toEqual({ effort: "high", summary: null });
    const summarised = await create(OPENAI, { input: "Think", reasoning: { effort: "low", summary: "auto" } });
    expect(summarised.output[0].summary).toEqual([{ type: "summary_text", text: "Mock reasoning about: Think" }]);
  });

  it("stops at max_output_tokens with status incomplete", async () => {
    const r = await create(OPENAI, { input: "a question long enough to need more than sixteen tokens", max_output_tokens: 16 });
    expect(r.status).toBe("incomplete");
    expect(r.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(r.output[0].status).toBe("incomplete");
    expect(r.output[0].content[0].text).toHaveLength(64);
    expect(r.usage.output_tokens).toBe(16);
    expect(r).not.toHaveProperty("completed_at");
  });
});

describe("streams", () => {
  const streamText = async (f: Flavour, body: Record<string, unknown>) => {
    const res = await call(f, "POST", "responses", { model: "gpt-4o", stream: true, ...body });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    return (await readBody(res)).text;
  };

  it.each([OPENAI, AZURE_V1])("sends OpenAI's events in order, numbered from 0 ($name)", async (f) => {
    const list = events(await streamText(f, { input: "Stream this answer" }));
    expectNumbered(list);
    const types = list.map((e) => e.event);
    const deltas = types.filter((t) => t === "response.output_text.delta").length;
    expect(deltas).toBeGreaterThanOrEqual(3);
    expect(types).toEqual([...OPENING, ...Array(deltas).fill("response.output_text.delta"), ...TEXT_EVENTS_TAIL]);

    const [created, inProgress, added, part] = list.map((e) => e.data);
    expect(created!.response).toMatchObject({ status: "in_progress", output: [], usage: null });
    expect(inProgress!.response.id).toBe(created!.response.id);
    const itemId = added!.item.id;
    expect(added).toEqual({
      type: "response.output_item.added",
      sequence_number: 2,
      output_index: 0,
      item: { id: itemId, type: "message", status: "in_progress", content: [], role: "assistant" },
    });
    expect(part).toEqual({
      type: "response.content_part.added",
      sequence_number: 3,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", annotations: [], logprobs: [], text: "" },
    });
    const deltaEvents = list.filter((e) => e.event === "response.output_text.delta").map((e) => e.data);
    for (const d of deltaEvents) {
      expect(d).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0, logprobs: [] });
      expect(typeof d.delta).toBe("string");
      // OpenAI pads delta events with `obfuscation`; Azure does not.
      expect("obfuscation" in d).toBe(f.provider === "openai");
    }
    const text = deltaEvents.map((d) => d.delta).join("");
    expect(text).toBe(`Mock answer from ${f.provider} (key ...aaaa) to: Stream this answer`);
    const [textDone, partDone, itemDone, completed] = list.slice(-4).map((e) => e.data);
    expect(textDone).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] });
    expect(partDone!.part).toEqual({ type: "output_text", annotations: [], logprobs: [], text });
    expect(itemDone!.item).toMatchObject({ id: itemId, status: "completed", content: [{ text }] });
    expect(completed!.response).toMatchObject({ id: created!.response.id, status: "completed", output: [itemDone!.item] });
    expect(completed!.response.usage.total_tokens).toBeGreaterThan(0);
    // The stored response is the completed one.
    expect(await json(await call(f, "GET", `responses/${created!.response.id}`))).toMatchObject({ status: "completed" });
  });

  it("leaves obfuscation out when stream_options.include_obfuscation is false", async () => {
    const list = events(await streamText(OPENAI, { input: "x", stream_options: { include_obfuscation: false } }));
    expect(list.some((e) => "obfuscation" in e.data)).toBe(false);
  });

  it("streams a reasoning summary before the text", async () => {
    const list = events(await streamText(OPENAI, { input: "Think", reasoning: { summary: "auto" } }));
    expectNumbered(list);
    const types = list.map((e) => e.event);
    const summaryDeltas = types.filter((t) => t === "response.reasoning_summary_text.delta").length;
    const textDeltas = types.filter((t) => t === "response.output_text.delta").length;
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      ...Array(summaryDeltas).fill("response.reasoning_summary_text.delta"),
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(textDeltas).fill("response.output_text.delta"),
      ...TEXT_EVENTS_TAIL,
    ]);
    const rs = list[2]!.data.item;
    expect(rs).toEqual({ id: expect.stringMatching(/^rs_/), type: "reasoning", summary: [] });
    expect(list[3]!.data).toMatchObject({ item_id: rs.id, output_index: 0, summary_index: 0, part: { type: "summary_text", text: "" } });
    const message = list.find((e, i) => i > 2 && e.event === "response.output_item.added")!.data;
    expect(message.output_index).toBe(1);
    expect(list.at(-1)!.data.response.usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
  });

  it("streams a function call's arguments", async () => {
    const tools = [{ type: "function", name: "f", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } }];
    const list = events(await streamText(OPENAI, { input: "x", tools, tool_choice: "required" }));
    expectNumbered(list);
    const types = list.map((e) => e.event);
    const deltas = types.filter((t) => t === "response.function_call_arguments.delta");
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      ...deltas,
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const added = list[2]!.data.item;
    expect(added).toMatchObject({ type: "function_call", status: "in_progress", arguments: "", name: "f" });
    const args = list
      .filter((e) => e.event === "response.function_call_arguments.delta")
      .map((e) => e.data.delta)
      .join("");
    expect(args).toBe('{"q":"mock-q"}');
    expect(list.at(-3)!.data).toMatchObject({ item_id: added.id, output_index: 0, name: "f", arguments: args });
  });

  it("ends with response.incomplete at max_output_tokens", async () => {
    const list = events(
      await streamText(OPENAI, { input: "a question long enough to need more than sixteen tokens", max_output_tokens: 16 }),
    );
    expectNumbered(list);
    expect(list.at(-1)!.event).toBe("response.incomplete");
    expect(list.at(-1)!.data.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
    expect(list.at(-2)!.data.item.status).toBe("incomplete");
  });
});

describe("background mode", () => {
  it("answers queued at once; each GET advances it to in_progress, then completed", async () => {
    const r = await create(OPENAI, { input: "Take your time", background: true });
    expect(r).toMatchObject({ status: "queued", background: true, output: [], usage: null });
    const one = await json(await call(OPENAI, "GET", `responses/${r.id}`));
    expect(one).toMatchObject({ status: "in_progress", output: [], usage: null });
    const two = await json(await call(OPENAI, "GET", `responses/${r.id}`));
    expect(two.status).toBe("completed");
    expect(two.output[0].content[0].text).toBe("Mock answer from openai (key ...aaaa) to: Take your time");
    expect(two.usage.total_tokens).toBeGreaterThan(0);
    expect((await json(await call(OPENAI, "GET", `responses/${r.id}`))).status).toBe("completed");
  });

  it("cancels a queued or in-progress response; cancelling again returns it as it is", async () => {
    const queued = await create(OPENAI, { input: "x", background: true });
    const cancelled = await json(await call(OPENAI, "POST", `responses/${queued.id}/cancel`));
    expect(cancelled).toMatchObject({ id: queued.id, status: "cancelled", output: [] });
    expect(await json(await call(OPENAI, "POST", `responses/${queued.id}/cancel`))).toEqual(cancelled);
    expect((await json(await call(OPENAI, "GET", `responses/${queued.id}`))).status).toBe("cancelled");

    const running = await create(OPENAI, { input: "x", background: true });
    await call(OPENAI, "GET", `responses/${running.id}`);
    expect((await json(await call(OPENAI, "POST", `responses/${running.id}/cancel`))).status).toBe("cancelled");
  });

  it("needs store", async () => {
    const res = await call(OPENAI, "POST", "responses", { model: "gpt-4o", input: "x", background: true, store: false });
    expect(res.status).toBe(400);
    expect((await json(res)).error.param).toBe("background");
  });

  it("streams with response.queued, and a broken stream resumes from starting_after", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "stream_break_after_chunks", chunks: 2 }, times: 1 });
    const res = await call(OPENAI, "POST", "responses", { model: "gpt-4o", input: "Resume me please", background: true, stream: true });
    const cut = events((await readBody(res)).text);
    expectNumbered(cut);
    expect(cut.map((e) => e.event)).toEqual([
      "response.created",
      "response.queued",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
    ]);
    expect(cut[0]!.data.response.status).toBe("queued");
    const id = cut[0]!.data.response.id;
    const last = cut.at(-1)!.data.sequence_number as number;

    const resumed = await call(OPENAI, "GET", `responses/${id}`, undefined, KEY_A, `?stream=true&starting_after=${last}`);
    expect(resumed.headers.get("content-type")).toContain("text/event-stream");
    const rest = events((await readBody(resumed)).text);
    expectNumbered(rest, last + 1);
    expect(rest.at(-1)!.event).toBe("response.completed");
    const text = [...cut, ...rest]
      .filter((e) => e.event === "response.output_text.delta")
      .map((e) => e.data.delta)
      .join("");
    expect(text).toBe("Mock answer from openai (key ...aaaa) to: Resume me please");
    expect((await json(await call(OPENAI, "GET", `responses/${id}`))).status).toBe("completed");
    const rec = mock.requests({ path: "responses/{id}" })[0]!;
    expect(rec).toMatchObject({ stream: true, responseId: id });
  });

  it("refuses to stream a response that was not a background stream", async () => {
    const r = await create(OPENAI, { input: "x" });
    const res = await call(OPENAI, "GET", `responses/${r.id}`, undefined, KEY_A, "?stream=true");
    expect(res.status).toBe(400);
    expect((await json(res)).error.param).toBe("stream");
  });
});

describe("input_items paging", () => {
  it("honours order, limit and after", async () => {
    const input = ["one", "two", "three", "four", "five"].map((text) => ({ role: "user", content: text }));
    const r = await create(OPENAI, { input });
    const list = async (q: string) => json(await call(OPENAI, "GET", `responses/${r.id}/input_items`, undefined, KEY_A, q));
    const texts = (page: Record<string, any>) => page.data.map((i: any) => i.content[0].text);
    const all = await list("");
    expect(texts(all)).toEqual(["five", "four", "three", "two", "one"]);
    const first = await list("?order=asc&limit=2");
    expect(texts(first)).toEqual(["one", "two"]);
    expect(first).toMatchObject({ first_id: first.data[0].id, last_id: first.data[1].id, has_more: true });
    const second = await list(`?order=asc&limit=2&after=${first.last_id}`);
    expect(texts(second)).toEqual(["three", "four"]);
    const third = await list(`?order=asc&limit=2&after=${second.last_id}`);
    expect(texts(third)).toEqual(["five"]);
    expect(third.has_more).toBe(false);
  });
});

describe("faults on the Responses API", () => {
  const streamCreate = (init: RequestInit = {}) =>
    fetch(`${mock.url}/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", input: "Fault me", stream: true }),
      ...init,
    });

  it("status: OpenAI's and Azure's error bodies and retry headers", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "status", status: 429, retryAfterMs: 250 } });
    const openai = await streamCreate();
    expect(openai.status).toBe(429);
    expect(openai.headers.get("retry-after-ms")).toBe("250");
    expect((await json(openai)).error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    const azure = await call(AZURE_V1, "POST", "responses", { model: "gpt-4o", input: "x", stream: true });
    expect(azure.status).toBe(429);
    expect((await json(azure)).error.message).toContain("Responses_Create Operation");
    // The refused create left nothing behind.
    expect(mock.requests().every((r) => r.fault === "status")).toBe(true);
  });

  it("matches the path templates: a responses/{id} rule hits only the GET", async () => {
    mock.script({ match: { path: "responses/{id}" }, fault: { kind: "status", status: 500 } });
    const r = await create(OPENAI, { input: "x" });
    expect((await call(OPENAI, "GET", `responses/${r.id}`)).status).toBe(500);
    expect((await call(OPENAI, "GET", `responses/${r.id}/input_items`)).status).toBe(200);
  });

  it("hang, then the client aborts", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "hang" } });
    const abort = new AbortController();
    const pending = streamCreate({ signal: abort.signal }).catch((e: unknown) => e);
    await mock.waitForRequest({ path: "responses" }, { settled: false });
    abort.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect((await mock.waitForRequest({ path: "responses" })).aborted).toBe(true);
  });

  it("delay and slow_chunks still deliver the whole stream", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "delay", ms: 20 }, times: 1 });
    mock.script({ match: { path: "responses" }, fault: { kind: "slow_chunks", delayMs: 2 }, times: 1 });
    for (let i = 0; i < 2; i++) {
      const list = events((await readBody(await streamCreate())).text);
      expectNumbered(list);
      expect(list.at(-1)!.event).toBe("response.completed");
    }
    expect(mock.requests().map((r) => r.fault)).toEqual(["delay", "slow_chunks"]);
  });

  it("reset and stream_break_before_first_chunk", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "reset" }, times: 1 });
    mock.script({ match: { path: "responses" }, fault: { kind: "stream_break_before_first_chunk" }, times: 1 });
    const reset = await streamCreate().catch((e: unknown) => e);
    expect(causeCode(reset)).toBe("ECONNRESET");
    const broken = await streamCreate();
    expect(broken.status).toBe(200);
    const body = await readBody(broken);
    expect(body.text).toBe("");
    expect(body.error).toBeDefined();
  });

  it("stream_break_after_role_chunk: the opening events and no delta", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "stream_break_after_role_chunk" } });
    const body = await readBody(await streamCreate());
    expect(events(body.text).map((e) => e.event)).toEqual(OPENING);
    expect(body.error).toBeDefined();
  });

  it("stream_break_after_chunks: N deltas, then closed", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "stream_break_after_chunks", chunks: 3 } });
    const body = await readBody(await streamCreate());
    const list = events(body.text);
    expectNumbered(list);
    expect(list.map((e) => e.event)).toEqual([...OPENING, ...Array(3).fill("response.output_text.delta")]);
    expect(body.error).toBeDefined();
  });

  it("malformed_json and sse_garbage", async () => {
    mock.script({ match: { path: "responses", stream: false }, fault: { kind: "malformed_json" }, times: 1 });
    mock.script({ match: { path: "responses" }, fault: { kind: "sse_garbage" }, times: 1 });
    const bad = await call(OPENAI, "POST", "responses", { model: "gpt-4o", input: "x" });
    await expect(bad.json()).rejects.toThrow();
    const garbage = await readBody(await streamCreate());
    expect(garbage.text).toContain("data: this is not json");
  });

  it("sse_error_event: an error event after N deltas, numbered in sequence", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "sse_error_event", afterChunks: 2 } });
    const list = events((await readBody(await streamCreate())).text);
    expectNumbered(list);
    expect(list.at(-1)!.data).toEqual({
      type: "error",
      sequence_number: OPENING.length + 2,
      code: "server_error",
      message: "The server had an error while processing your request. Sorry about that!",
      param: null,
    });
  });

  it("echo_key: the key in an error event (stream) or in the text and an echo field (JSON)", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "echo_key" } });
    const list = events((await readBody(await streamCreate())).text);
    expectNumbered(list);
    expect(list.at(-1)!.data).toMatchObject({ type: "error", code: "invalid_api_key", message: `Incorrect API key provided: ${KEY_A}.` });
    const r = await create(OPENAI, { input: "x" });
    expect(r.echo).toEqual({ api_key: KEY_A });
    expect(r.output[0].content[0].text).toContain(`Your key is ${KEY_A}.`);
  });

  it("response_failed: the stream ends in response.failed; JSON is a 200 failed response; the store agrees", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "response_failed", afterChunks: 1 } });
    const list = events((await readBody(await streamCreate())).text);
    expectNumbered(list);
    expect(list.map((e) => e.event)).toEqual([...OPENING, "response.output_text.delta", "response.failed"]);
    const failed = list.at(-1)!.data.response;
    expect(failed).toMatchObject({
      status: "failed",
      error: { code: "server_error", message: "The server had an error while processing your request. Sorry about that!" },
    });
    const json200 = await create(OPENAI, { input: "x" });
    expect(json200.status).toBe("failed");
    mock.clearScript();
    expect((await json(await call(OPENAI, "GET", `responses/${failed.id}`))).status).toBe("failed");
  });

  it("tool_use: a function_call for the named (or first) function tool", async () => {
    mock.script({ match: { path: "responses" }, fault: { kind: "tool_use", name: "second" } });
    const tools = ["first", "second"].map((name) => ({ type: "function", name, parameters: { type: "object", properties: {} } }));
    const r = await create(OPENAI, { input: "x", tools });
    expect(r.output[0]).toMatchObject({ type: "function_call", name: "second", arguments: "{}" });
  });

  it("redirect", async () => {
    mock.script({ match: { path: "responses/input_tokens" }, fault: { kind: "redirect", status: 307 } });
    const res = await fetch(`${mock.url}/v1/responses/input_tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY_A}` },
      body: "{}",
      redirect: "manual",
    });
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("http://redirected.invalid/v1/responses/input_tokens");
  });
});

describe("OpenAI's SDK", () => {
  const client = () => new OpenAI({ apiKey: KEY_A, baseURL: `${mock.url}/v1`, maxRetries: 0 });

  it("creates, streams, retrieves, lists input items and deletes", async () => {
    const sdk = client();
    const created = await sdk.responses.create({ model: "gpt-4o", input: "Hello SDK", reasoning: { effort: "low", summary: "auto" } });
    expect(created.output_text).toBe("Mock answer from openai (key ...aaaa) to: Hello SDK");

    const stream = sdk.responses.stream({ model: "gpt-4o", input: "Stream SDK", previous_response_id: created.id });
    const seen: string[] = [];
    for await (const event of stream) seen.push(event.type);
    const final = await stream.finalResponse();
    expect(seen.at(-1)).toBe("response.completed");
    expect(final.status).toBe("completed");
    const message = final.output.find((i) => i.type === "message");
    expect(message?.type === "message" && message.content[0]?.type === "output_text" && message.content[0].text).toBe(
      "Mock answer from openai (key ...aaaa) to: Stream SDK (turn 2)",
    );

    const retrieved = await sdk.responses.retrieve(created.id);
    expect(retrieved.id).toBe(created.id);
    const items = await sdk.responses.inputItems.list(final.id, { order: "asc" });
    expect(items.data.map((i) => i.type)).toEqual(["message"]);
    await sdk.responses.delete(created.id);
    await expect(sdk.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it("resumes a background stream with retrieve(stream: true, starting_after)", async () => {
    const sdk = client();
    mock.script({ match: { path: "responses" }, fault: { kind: "stream_break_after_chunks", chunks: 1 }, times: 1 });
    const seen: number[] = [];
    let id = "";
    try {
      const stream = await sdk.responses.create({ model: "gpt-4o", input: "Background SDK", background: true, stream: true });
      for await (const event of stream) {
        seen.push(event.sequence_number);
        if (event.type === "response.created") id = event.response.id;
      }
    } catch {
      // the connection was cut
    }
    const resumed = await sdk.responses.retrieve(id, { stream: true, starting_after: seen.at(-1)! });
    let last: string | undefined;
    for await (const event of resumed) {
      expect(event.sequence_number).toBe(seen.at(-1)! + 1);
      seen.push(event.sequence_number);
      last = event.type;
    }
    expect(last).toBe("response.completed");
    expect((await sdk.responses.retrieve(id)).status).toBe("completed");
  });
});
