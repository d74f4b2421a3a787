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

  it("loadbalance: the drawn target is slow, another one is drawn after after_ms and answers", async () => {
    h.mock.reset();
    // Whichever target is drawn first is slow (once); the other answers at once.
    h.mock.script({ fault: { kind: "delay", ms: 5000 }, times: 1 });
    const config = {
      strategy: { mode: "loadbalance", hedge: { after_ms: 200 } },
      targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
    };
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
      body: JSON.stringify(chatBody()),
    });
    await res.text();
    expect(res.status).toBe(200);
    const winner = res.headers.get("x-portkey-last-used-option-index");
    const loser = winner === "config.targets[0]" ? "config.targets[1]" : "config.targets[0]";
    const log = await h.waitForLog(res.headers.get("x-portkey-request-id")!);
    expect(log.attempts.map((a) => [a.targetPath, a.status, a.errorClass])).toEqual([
      [winner, 200, null],
      [loser, null, "hedge_cancelled"],
    ]);
    const slow = await h.mock.waitForRequest((r) => r.aborted === true);
    expect(slow.provider).toBe(loser === "config.targets[0]" ? "openai" : "azure");
  });

  it('after_ms "p95": waits the fallback delay while unknown, then the target\'s p95 once learnt', async () => {
    h.mock.reset();
    const config = {
      strategy: { mode: "fallback", hedge: { after_ms: "p95" } },
      targets: [{ virtual_key: openaiVk, override_params: { model: "gpt-4o-p95" } }, { virtual_key: azureVk }],
    };
    const send = async () => {
      const res = await fetch(`${h.baseURL}/chat/completions`, {
        method: "POST",
        headers: h.headers({ "x-portkey-config": JSON.stringify(config) }),
        body: JSON.stringify(chatBody()),
      });
      await res.text();
      expect(res.status).toBe(200);
      return res.headers.get("x-portkey-provider");
    };
    // Unknown p95: the hedge waits 2000 ms, so OpenAI's answer after 1200 ms is the one.
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 1200 }, times: 1 });
    expect(await send()).toBe("openai");
    // 25 fast answers: OpenAI's p95 is now that of a fast answer.
    for (let i = 0; i < 25; i++) expect(await send()).toBe("openai");
    h.mock.script({ match: { provider: "openai" }, fault: { kind: "delay", ms: 1200 }, times: 1 });
    expect(await send()).toBe("azure-openai");
    expect(h.mock.requests({ provider: "azure" })).toHaveLength(1);
  });
});
