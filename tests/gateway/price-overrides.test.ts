/**
 * A workspace's price override reaches the log row's cost at once (docs/GATEWAY.md §9): the first
 * request is priced from the table, the next one, right after `PUT /v1/prices` and with no restart,
 * at the override; after `DELETE` the table prices again. The prices come from the mock's `usage`,
 * so each expected cost is computed here by hand from the tokens it reports.
 *
 * Needs the log row to be built with the workspace's overrides (`usageFields(..., await
 * workspacePrices(workspaceId))` in lib/gateway/request/).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, withKey, type ApiClient } from "../../testing/api-client";

describe("price overrides in the log row's cost", () => {
  let h: Harness;
  let api: ApiClient;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    vk = await h.openaiKey("OpenAI prices");
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  /** One chat completion; its log row and the tokens the mock reported. */
  async function chat(model: string) {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk }),
      body: JSON.stringify(chatBody({ model, messages: [{ role: "user", content: `What does ${model} cost?` }] })),
    });
    expect(res.status).toBe(200);
    const { usage } = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    return { log, p: usage.prompt_tokens, c: usage.completion_tokens };
  }

  it("prices the next request at the override right after PUT, and at the table again after DELETE", async () => {
    const before = await chat("gpt-4o");
    expect(before.log.cost).toBeCloseTo((before.p * 2.5 + before.c * 10) / 1e6, 10); // the table: $2.50 in, $10 out

    const put = await api.put("/prices", { provider: "openai", model: "gpt-4o", input: 100, output: 400 });
    expect(put.status).toBe(201);
    const during = await chat("gpt-4o");
    expect(during.log.cost).toBeCloseTo((during.p * 100 + during.c * 400) / 1e6, 10);
    // A dated snapshot of the overridden family is priced by the override too.
    const snapshot = await chat("gpt-4o-2024-08-06");
    expect(snapshot.log.cost).toBeCloseTo((snapshot.p * 100 + snapshot.c * 400) / 1e6, 10);

    expect((await api.del("/prices?provider=openai&model=gpt-4o")).status).toBe(200);
    const after = await chat("gpt-4o");
    expect(after.log.cost).toBeCloseTo((after.p * 2.5 + after.c * 10) / 1e6, 10);
  });

  it("prices a model no table lists once the workspace sets a price (unknown before)", async () => {
    const unknown = await chat("my-finetune");
    expect(unknown.log.cost).toBeNull();
    expect((await api.put("/prices", { provider: "openai", model: "my-finetune", input: 3, output: 12 })).status).toBe(201);
    const priced = await chat("my-finetune");
    expect(priced.log.cost).toBeCloseTo((priced.p * 3 + priced.c * 12) / 1e6, 10);
    expect((await api.del("/prices?provider=openai&model=my-finetune")).status).toBe(200);
  });
});
