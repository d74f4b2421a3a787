/**
 * Streamed answers in the log explorer, end to end: real streams through Detour (the openai SDK on
 * /v1/chat/completions, one whole and one broken by the mock upstream's error event; the Anthropic
 * SDK on /v1/messages with a forced tool; the openai SDK's Responses API, a text stream, a streamed
 * function call and a read by id), then the /logs list's Endpoint column and filter, and
 * each detail page: the assembled text or tool call instead of the raw events, the final status or
 * error, and the raw events one click away. Markup in a tool's arguments is shown as text.
 */
import Anthropic from "@anthropic-ai/sdk";
import { expect, test, type Page } from "@playwright/test";
import OpenAI from "openai";
import { admin, API, openaiVirtualKey } from "../testing/e2e-admin-api";
import { ADMIN_STATE, consoleErrors, screenshotPath, VIEWPORTS } from "../testing/e2e-fixtures";
import { startMockUpstream, type MockUpstream } from "../testing/mock-upstream/server";

test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const RUN_FILTER = `metadata.e2e_run=${RUN}`;
const MARKUP_CITY = "<script>alert(1)</script>Paris";

let mock: MockUpstream;
let gatewayKey: string;
let gatewayKeyId: string | undefined;
let openaiKey: string | undefined;
let anthropicKey: string | undefined;
/** Log ids, from each answer's x-portkey-request-id. */
const logs = { whole: "", broken: "", tool: "", responses: "", responsesTool: "", responsesRead: "" };

test.beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
  ({ key: gatewayKey, id: gatewayKeyId } = await admin<{ key: string; id: string }>("POST", "/api-keys", {
    name: `e2e streams ${RUN}`,
    scope: "gateway",
  }));
  openaiKey = await openaiVirtualKey(`Streams OpenAI ${RUN}`, "sk-e2e-streams-openai-00005555", mock.url);
  anthropicKey = (
    await admin<{ slug: string }>("POST", "/virtual-keys", {
      name: `Streams Claude ${RUN}`,
      provider: "anthropic",
      key: "sk-ant-e2e-streams-000066667777",
      custom_host: mock.url,
    })
  ).slug;
  const headers = { "x-portkey-metadata": JSON.stringify({ e2e_run: RUN }) };

  const openai = new OpenAI({
    apiKey: gatewayKey,
    baseURL: API,
    maxRetries: 0,
    defaultHeaders: { ...headers, "x-portkey-virtual-key": openaiKey },
  });
  const ask = (content: string) => ({ model: "gpt-4o", stream: true as const, messages: [{ role: "user" as const, content }] });
  const whole = await openai.chat.completions
    .create({ ...ask("Stream me an answer"), stream_options: { include_usage: true } })
    .withResponse();
  let text = "";
  for await (const chunk of whole.data) text += chunk.choices[0]?.delta?.content ?? "";
  expect(text).toContain("Mock answer from openai");
  logs.whole = whole.response.headers.get("x-portkey-request-id") ?? "";

  // The next stream breaks after two content chunks with OpenAI's error event.
  mock.script({ match: { provider: "openai" }, fault: { kind: "sse_error_event", afterChunks: 2 }, times: 1 });
  const broken = await openai.chat.completions.create(ask("Stream me a broken answer")).withResponse();
  await expect(
    (async () => {
      for await (const _ of broken.data);
    })(),
  ).rejects.toThrow();
  logs.broken = broken.response.headers.get("x-portkey-request-id") ?? "";

  const claude = new Anthropic({
    baseURL: API.replace(/\/v1$/, ""),
    apiKey: gatewayKey,
    maxRetries: 0,
    defaultHeaders: { ...headers, "x-portkey-virtual-key": anthropicKey },
  });
  mock.script({ match: { provider: "anthropic" }, fault: { kind: "tool_use", name: "get_weather" }, times: 1 });
  const stream = claude.messages.stream({
    model: "claude-sonnet-4-5",
    max_tokens: 256,
    tools: [
      {
        name: "get_weather",
        description: "Weather in a city",
        input_schema: { type: "object", properties: { city: { type: "string", enum: [MARKUP_CITY] } }, required: ["city"] },
      },
    ],
    messages: [{ role: "user", content: "Weather in Paris?" }],
  });
  const final = await stream.finalMessage();
  expect(final.stop_reason).toBe("tool_use");
  logs.tool = (await stream.withResponse()).response.headers.get("x-portkey-request-id") ?? "";

  // The Responses API: a text stream, a streamed function call, and a read of the first by id.
  const streamResponse = async (body: OpenAI.Responses.ResponseCreateParamsStreaming) => {
    const { data, response } = await openai.responses.create(body).withResponse();
    let completed: OpenAI.Responses.Response | null = null;
    for await (const event of data) if (event.type === "response.completed") completed = event.response;
    expect(completed?.status).toBe("completed");
    return { completed: completed!, logId: response.headers.get("x-portkey-request-id") ?? "" };
  };
  const answered = await streamResponse({ model: "gpt-4o", input: "Stream me a response", stream: true });
  logs.responses = answered.logId;
  const called = await streamResponse({
    model: "gpt-4o",
    input: "Weather in Paris?",
    stream: true,
    tool_choice: "required",
    tools: [
      {
        type: "function",
        name: "get_weather",
        description: "Weather in a city",
        strict: false,
        parameters: { type: "object", properties: { city: { type: "string", enum: [MARKUP_CITY] } }, required: ["city"] },
      },
    ],
  });
  expect(called.completed.output.some((item) => item.type === "function_call")).toBe(true);
  logs.responsesTool = called.logId;
  const read = await openai.responses.retrieve(answered.completed.id).withResponse();
  logs.responsesRead = read.response.headers.get("x-portkey-request-id") ?? "";

  for (const id of Object.values(logs)) expect(id).toMatch(/^log_/);
  // The writer is batched: wait until the six rows are readable.
  await expect.poll(async () => (await admin<{ data: unknown[] }>("GET", `/logs?${RUN_FILTER}`)).data.length, { timeout: 15_000 }).toBe(6);
});

test.afterAll(async () => {
  for (const slug of [openaiKey, anthropicKey]) if (slug) await admin("DELETE", `/virtual-keys/${slug}`).catch(() => undefined);
  if (gatewayKeyId) await admin("DELETE", `/api-keys/${gatewayKeyId}`).catch(() => undefined);
  await mock?.close();
});

const dataRows = (page: Page) => page.getByRole("table", { name: "Request logs" }).locator("tbody tr");

test("the list names each row's endpoint, and filters by endpoint", async ({ page }) => {
  const errors = consoleErrors(page);
  await page.goto(`/logs?${RUN_FILTER}`);
  await expect(dataRows(page)).toHaveCount(6);
  await expect(page.getByRole("columnheader", { name: "Endpoint" })).toBeVisible();
  await expect(dataRows(page).filter({ hasText: "POST chat/completions" })).toHaveCount(2);
  await expect(dataRows(page).filter({ hasText: "POST messages" })).toHaveCount(1);
  await expect(dataRows(page).filter({ hasText: "POST responses" })).toHaveCount(2);
  await expect(dataRows(page).filter({ hasText: "GET responses/{id}" })).toHaveCount(1);

  // The Endpoint filter (the API's `endpoint` parameter): a select of the inference endpoints.
  const select = page.getByLabel("Endpoint", { exact: true });
  await expect(select.locator("option")).toHaveText([
    "Any",
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/messages",
    "/v1/messages/count_tokens",
    "/v1/responses",
    "/v1/responses/{id}",
    "/v1/responses/{id}/cancel",
    "/v1/responses/{id}/input_items",
    "/v1/responses/input_tokens",
  ]);
  await select.selectOption("/v1/messages");
  await page.getByLabel("Metadata", { exact: true }).press("Enter");
  await expect(page).toHaveURL(/endpoint=%2Fv1%2Fmessages/);
  await expect(dataRows(page)).toHaveCount(1);
  await expect(dataRows(page).first()).toContainText("POST messages");
  await expect(select).toHaveValue("/v1/messages");
  expect(errors).toEqual([]);
});

for (const viewport of VIEWPORTS) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test("a whole stream's detail shows the assembled text and status, the raw events one click away", async ({ page }, info) => {
      const errors = consoleErrors(page);
      await page.goto(`/logs/${logs.whole}`);
      await expect(page.getByText("POST /v1/chat/completions (stream)")).toBeVisible();
      await expect(page.getByRole("region", { name: "Answer text" })).toContainText(
        "Mock answer from openai (key ...5555) to: Stream me an answer",
      );
      await expect(page.getByText("Final status")).toBeVisible();
      await expect(page.getByText("stop", { exact: true })).toBeVisible();
      await expect(page.getByText(/^Usage reported in the stream: \d+ input/)).toBeVisible();

      const raw = page.getByRole("region", { name: "Response body" });
      await expect(raw).toBeHidden();
      await page.getByText("Raw events", { exact: true }).click();
      await expect(raw).toBeVisible();
      await expect(raw).toContainText("data: [DONE]");
      await page.screenshot({ path: screenshotPath(info.outputDir, `stream-detail-${viewport.width}`), fullPage: true });
      expect(errors).toEqual([]);
    });

    test("a broken stream's detail shows the text before the break and the error", async ({ page }) => {
      const errors = consoleErrors(page);
      await page.goto(`/logs/${logs.broken}`);
      const text = (await page.getByRole("region", { name: "Answer text" }).textContent()) ?? "";
      expect("Mock answer from openai (key ...5555) to: Stream me a broken answer".startsWith(text)).toBe(true);
      expect(text.length).toBeGreaterThan(0);
      await expect(page.locator(".answer-end").getByText("Error", { exact: true })).toBeVisible();
      await expect(page.locator(".answer-error")).not.toBeEmpty();
      expect(errors).toEqual([]);
    });

    test("a streamed tool call's detail shows its name and pretty-printed arguments, markup as text", async ({ page }, info) => {
      const errors = consoleErrors(page);
      let dialogs = 0;
      page.on("dialog", (d) => {
        dialogs++;
        void d.dismiss();
      });
      await page.goto(`/logs/${logs.tool}`);
      await expect(page.getByText("POST /v1/messages (stream)")).toBeVisible();
      const calls = page.getByRole("list", { name: "Tool calls" });
      await expect(calls.getByRole("listitem")).toHaveCount(1);
      await expect(calls).toContainText("get_weather");
      await expect(calls).toContainText(/toolu_/);
      const args = page.getByRole("region", { name: "Arguments of get_weather 1" });
      await expect(args).toContainText(`"city": "${MARKUP_CITY}"`);
      await expect(page.getByText("tool_use", { exact: true })).toBeVisible();
      await expect(page.getByText("No text.")).toBeVisible();
      expect(await page.locator("script", { hasText: "alert(1)" }).count()).toBe(0);
      expect(dialogs).toBe(0);
      await page.screenshot({ path: screenshotPath(info.outputDir, `tool-call-detail-${viewport.width}`), fullPage: true });
      expect(errors).toEqual([]);
    });

    test("a Responses stream's detail shows the assembled text, its response id, and the function call of another", async ({ page }) => {
      const errors = consoleErrors(page);
      await page.goto(`/logs/${logs.responses}`);
      await expect(page.getByText("POST /v1/responses (stream)")).toBeVisible();
      await expect(page.getByRole("region", { name: "Answer text" })).toContainText(
        "Mock answer from openai (key ...5555) to: Stream me a response",
      );
      await expect(page.getByText("completed", { exact: true })).toBeVisible();
      await expect(page.getByText(/^resp_/).first()).toBeVisible();
      await page.getByText("Raw events", { exact: true }).click();
      await expect(page.getByRole("region", { name: "Response body" })).toContainText("event: response.completed");

      await page.goto(`/logs/${logs.responsesTool}`);
      const calls = page.getByRole("list", { name: "Tool calls" });
      await expect(calls.getByRole("listitem")).toHaveCount(1);
      await expect(calls).toContainText("get_weather");
      await expect(page.getByRole("region", { name: "Arguments of get_weather 1" })).toContainText(`"city": "${MARKUP_CITY}"`);
      expect(await page.locator("script", { hasText: "alert(1)" }).count()).toBe(0);

      // The read by id: its own row, the template path, the same response id.
      await page.goto(`/logs/${logs.responsesRead}`);
      // Exact: the Replay panel's reason quotes the same method and path.
      await expect(page.getByText("GET /v1/responses/{id}", { exact: true })).toBeVisible();
      // Every request of that response: its create and the read.
      await page.getByRole("link", { name: "All requests of this response" }).click();
      await expect(page).toHaveURL(/response_id=resp_/);
      await expect(dataRows(page)).toHaveCount(2);
      await expect(dataRows(page).filter({ hasText: "GET responses/{id}" })).toHaveCount(1);
      expect(errors).toEqual([]);
    });
  });
}
