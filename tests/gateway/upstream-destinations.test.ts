/**
 * Where a request may send a provider key, over real HTTP (issue 11, items 1 and 4):
 *  - a virtual key's secret goes only to its provider's default host, its own custom host or an
 *    origin its allow-list names; the x-portkey-custom-host header, an inline config and a saved
 *    config pointing it elsewhere get 400 `custom_host_not_allowed_for_virtual_key`, and the other
 *    host (a second real mock upstream, on an address the operator allows) never sees a request;
 *  - a direct `api_key` target is the caller's own secret: any custom host that passes §7;
 *  - an upstream redirect is a 502 `upstream_redirect`, never relayed with its location, and a
 *    failed attempt a fallback moves past.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream } from "@/testing/mock-upstream/server";
import type { MockUpstream } from "@/testing/mock-upstream/types";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

describe("where provider keys go", () => {
  let h: Harness;
  let other: MockUpstream;
  let vk: string;
  let fallbackVk: string;
  const secret = "sk-openai-destinations-00000000aaaa";
  const fallbackSecret = "sk-openai-destinations-00000000bbbb";

  beforeAll(async () => {
    h = await startHarness();
    other = await startMockUpstream({ port: 0 });
    vk = await h.openaiKey("Main", secret);
    fallbackVk = await h.openaiKey("Fallback", fallbackSecret);
  });
  afterAll(async () => {
    await other?.close();
    await h?.close();
  });
  beforeEach(() => {
    h.mock.reset();
    other.reset();
  });

  async function chat(headers: Record<string, string>, body: Record<string, unknown> = chatBody()) {
    const res = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers(headers),
      body: JSON.stringify(body),
      redirect: "manual",
    });
    const text = await res.text();
    return {
      res,
      status: res.status,
      text,
      json: JSON.parse(text) as Record<string, any>,
      requestId: res.headers.get("x-portkey-request-id")!,
    };
  }

  function expectRefused(r: Awaited<ReturnType<typeof chat>>, slug: string, param: string, what: RegExp) {
    expect(r.status, r.text).toBe(400);
    expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "custom_host_not_allowed_for_virtual_key", param });
    const message: string = r.json.error.message;
    expect(message).toContain(`Virtual key "${slug}"`);
    expect(message).toContain(`points it at ${other.url}`);
    expect(message).toMatch(what);
    expect(message).toContain(`adds "${other.url}" to the virtual key's allowed_hosts`);
    expect(message).not.toContain(secret);
    expect(other.requests()).toEqual([]);
    expect(h.mock.requests()).toEqual([]);
  }

  describe("a virtual key's secret", () => {
    it("is not sent to the host named by x-portkey-custom-host", async () => {
      const r = await chat({ "x-portkey-virtual-key": vk, "x-portkey-custom-host": `${other.url}/v1` });
      expectRefused(r, vk, "x-portkey-custom-host", /the x-portkey-custom-host header points it at/);
      const log = await h.waitForLog(r.requestId);
      expect(log).toMatchObject({ status: 400, errorType: "custom_host_not_allowed_for_virtual_key" });
    });

    it("is not sent to the custom_host of an inline config, at any depth of the tree", async () => {
      const single = await chat({ "x-portkey-config": JSON.stringify({ virtual_key: vk, custom_host: `${other.url}/v1` }) });
      expectRefused(single, vk, "custom_host", /the config's custom_host points it at/);
      const nested = {
        strategy: { mode: "fallback" },
        custom_host: `${other.url}/v1`,
        targets: [{ provider: "openai", api_key: "sk-own-0000000000000000" }, { virtual_key: fallbackVk }],
      };
      const r = await chat({ "x-portkey-config": JSON.stringify(nested) });
      expectRefused(r, fallbackVk, "custom_host", /the config's custom_host \(config\.targets\[1\]\) points it at/);
    });

    it("is not sent to the custom_host of a saved config", async () => {
      const slug = await h.config("Points the key elsewhere", {
        strategy: { mode: "fallback" },
        targets: [{ virtual_key: vk, custom_host: `${other.url}/v1` }, { virtual_key: fallbackVk }],
      });
      const r = await chat({ "x-portkey-config": slug });
      expectRefused(r, vk, "custom_host", /the config's custom_host \(config\.targets\[0\]\) points it at/);
    });

    it("of an Azure key without a custom host goes only to its own resource", async () => {
      const az = await h.vk({
        name: "Azure own resource",
        provider: "azure-openai",
        secret: "azure-own-resource-0000000000000000",
        resourceName: "Detour-Own",
        deployments: [{ deploymentName: "d", isDefault: true }],
      });
      const r = await chat({ "x-portkey-virtual-key": az, "x-portkey-custom-host": `${other.url}/openai` });
      expectRefused(
        r,
        az,
        "x-portkey-custom-host",
        /to its provider's default host or its own custom host \(https:\/\/detour-own\.openai\.azure\.com\)/,
      );
    });

    it("still goes to its own custom host given again with another path or spelling of the same origin", async () => {
      const [scheme, rest] = h.mock.url.split("://") as [string, string];
      for (const host of [`${h.mock.url}/v1`, `${scheme.toUpperCase()}://${rest}/v1/`]) {
        const r = await chat({ "x-portkey-virtual-key": vk, "x-portkey-custom-host": host });
        expect(r.status, `${host}: ${r.text}`).toBe(200);
      }
      expect(h.mock.requests().map((q) => q.key)).toEqual([secret, secret]);
    });

    it("goes to an origin the key's admin-set allow-list names (another path on it too)", async () => {
      const listed = await h.vk({
        name: "Listed",
        provider: "openai",
        secret: "sk-openai-listed-0000000000000cccc",
        customHost: `${h.mock.url}/v1`,
        allowedHosts: [other.url],
      });
      const r = await chat({ "x-portkey-virtual-key": listed, "x-portkey-custom-host": `${other.url}/v1` });
      expect(r.status, r.text).toBe(200);
      expect(other.requests()).toMatchObject([{ key: "sk-openai-listed-0000000000000cccc" }]);
      const viaConfig = await chat({ "x-portkey-config": JSON.stringify({ virtual_key: listed, custom_host: `${other.url}/v1/` }) });
      expect(viaConfig.status, viaConfig.text).toBe(200);
    });
  });

  it("a direct api_key target is the caller's own secret: it may go to any custom host that passes §7", async () => {
    const own = "sk-callers-own-key-000000000000dddd";
    const r = await chat({ "x-portkey-config": JSON.stringify({ provider: "openai", api_key: own, custom_host: `${other.url}/v1` }) });
    expect(r.status, r.text).toBe(200);
    expect(other.requests()).toMatchObject([{ key: own }]);
    const direct = await chat({
      "x-portkey-provider": "openai",
      authorization: `Bearer ${own}`,
      "x-portkey-custom-host": `${other.url}/v1`,
    });
    expect(direct.status, direct.text).toBe(200);
  });

  describe("upstream redirects", () => {
    it.each([301, 302, 303, 307, 308] as const)(
      "%i becomes a 502 upstream_redirect naming the upstream, without its location",
      async (status) => {
        h.mock.script({ fault: { kind: "redirect", status, location: "https://collector.example/steal" }, times: 1 });
        const r = await chat({ "x-portkey-virtual-key": vk });
        expect(r.status, r.text).toBe(502);
        expect(r.res.headers.get("location")).toBeNull();
        expect(r.res.headers.get("x-portkey-gateway-exception")).toBe("true");
        expect(r.json.error).toMatchObject({ type: "server_error", code: "upstream_redirect", param: null });
        expect(r.json.error.message).toBe(
          `openai at ${h.mock.url} answered ${status} (a redirect); Detour does not follow upstream redirects: point custom_host at the URL that answers`,
        );
        expect(r.text).not.toContain("collector.example");
        const log = await h.waitForLog(r.requestId);
        expect(log).toMatchObject({ status: 502, errorType: "upstream_redirect" });
        expect(log.attempts).toMatchObject([{ status: 502, errorClass: "redirect" }]);
        expect(JSON.stringify(log)).not.toContain("collector.example");
      },
    );

    it("a streaming request gets the same 502 JSON", async () => {
      h.mock.script({ fault: { kind: "redirect" }, times: 1 });
      const r = await chat({ "x-portkey-virtual-key": vk }, chatBody({ stream: true }));
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe("upstream_redirect");
    });

    it("counts as a failed attempt: a fallback on 502 answers instead", async () => {
      h.mock.script({ match: { key: secret }, fault: { kind: "redirect", status: 307 } });
      const config = {
        strategy: { mode: "fallback", on_status_codes: [502] },
        targets: [{ virtual_key: vk }, { virtual_key: fallbackVk }],
      };
      const r = await chat({ "x-portkey-config": JSON.stringify(config) });
      expect(r.status, r.text).toBe(200);
      expect(r.res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
      const log = await h.waitForLog(r.requestId);
      expect(log).toMatchObject({ status: 200, fallbackUsed: true });
      expect(log.attempts).toMatchObject([
        { status: 502, errorClass: "redirect" },
        { status: 200, errorClass: null },
      ]);
    });
  });
});
