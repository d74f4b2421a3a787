/**
 * Hedged requests over real HTTP: a fallback with `hedge.after_ms` whose first target (OpenAI) is
 * slow; Azure is sent the same request after after_ms and answers first. The caller gets Azure's
 * answer, both attempts are logged (OpenAI's as hedge_cancelled), and the mock saw OpenAI's request
 * aborted. JSON and stream.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

describe("hedged requests", () => {
  let h: Harness;
  let openaiVk: string;
  let azureVk: string;

  beforeAll(async () => {
    h = await startHarness();
    openaiVk = await h.openaiKey("OpenAI");
    azureVk = await h.azureKey("Azure");
  });
  afterAll(async () => h?.close());

  for (const stream of [false, true]) {
    it(`${stream ? "stream" : "JSON"}: the hedge answers, the slow first attempt is cancelled upstream and logged`, async () => {
      h.mock.reset();
      h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 5000 } });
      const config = {
        strategy: { mode: "fallback", hedge: { after_ms: 200 } },
        targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
      };
      const res = await fetch(`${h.baseURL}/chat/completions`, {
        method: "POST",
        headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
        body: JSON.stringify(chatBody(stream ? { stream: true } : {})),
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get("x-portkey-provider")).toBe("azure-openai");
      expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
      expect(res.headers.get("x-portkey-fallback")).toBe("true");
      if (stream) expect(text).toContain("data: [DONE]");
      const openai = await h.mock.waitForRequest({ provider: "openai" });
      expect(openai.aborted).toBe(true);
      const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
      expect(log.attempts.map((a) => [a.targetPath, a.status, a.errorClass])).toEqual([
        ["config.targets[1]", 200, null],
        ["config.targets[0]", null, "hedge_cancelled"],
      ]);
    });
  }

  it("does not hedge a Responses create that stores its response", async () => {
    h.mock.reset();
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 600 } });
    const config = {
      strategy: { mode: "fallback", hedge: { after_ms: 100 } },
      targets: [{ virtual_key: openaiVk }, { virtual_key: openaiVk }],
    };
    const res = await fetch(`${h.baseURL}/responses`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
      body: JSON.stringify({ model: "gpt-4o", input: "hello" }),
    });
    await res.text();
    expect(res.status).toBe(200);
    expect(h.mock.requests({ provider: "openai" })).toHaveLength(1);
  });
});
