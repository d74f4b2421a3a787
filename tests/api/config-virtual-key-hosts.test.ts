/**
 * /v1/configs refuses, at save, a config that would send a virtual key's secret to a custom host
 * the key does not allow (the gateway's `custom_host_not_allowed_for_virtual_key`, same wording):
 * on create, update and restore, with the issue at the `custom_host` that does it (the target's
 * own, or the ancestor's it inherits). The key's own custom host (any path on it), its provider's
 * default host and its `allowed_hosts` save; a direct api_key target may name any host; a key that
 * does not exist or is revoked is left to the gateway, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, chat, createWorkspace, errorOf, withKey, type ApiClient } from "../../testing/api-client";

const ELSEWHERE = "https://elsewhere.example";
const CODE = "custom_host_not_allowed_for_virtual_key";

describe("management API: a saved config may not send a virtual key where the gateway would refuse it", () => {
  let h: Harness;
  let api: ApiClient;
  let vk: string;
  let listed: string;
  let azure: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    vk = await h.openaiKey("Main", "sk-openai-savecheck-0000000000aaaa");
    listed = await h.vk({
      name: "Listed",
      provider: "openai",
      secret: "sk-openai-savecheck-0000000000bbbb",
      customHost: `${h.mock.url}/v1`,
      allowedHosts: ["https://proxy.example:8443"],
    });
    azure = await h.vk({
      name: "Azure own",
      provider: "azure-openai",
      secret: "azure-savecheck-00000000000000cccc",
      resourceName: "detour-own",
      deployments: [{ deploymentName: "d", isDefault: true }],
    });
  });
  afterAll(async () => h?.close());

  function expectRefused(
    answer: Awaited<ReturnType<ApiClient["post"]>>,
    slug: string,
    path: string,
    what: RegExp,
    origins = `https://api.openai.com, ${h.mock.url}`,
    at = ELSEWHERE,
  ) {
    expect(answer.status, answer.text).toBe(400);
    const error = errorOf(answer);
    expect(error).toMatchObject({ type: "invalid_request_error", code: CODE, param: path });
    expect(error.issues).toHaveLength(1);
    const issue = error.issues![0]!;
    expect(issue.path).toBe(path);
    expect(issue.message).toContain(
      `Virtual key "${slug}" may only send its provider key to its provider's default host or its own custom host (${origins});`,
    );
    expect(issue.message).toMatch(what);
    expect(issue.message).toContain(`points it at ${at}.`);
    expect(issue.message).toContain(
      `an admin adds "${at}" to the virtual key's allowed_hosts (PUT /v1/virtual-keys/${slug} or the key's dashboard page)`,
    );
    expect(error.message).toContain(`${path}: ${issue.message}`);
    return error;
  }

  const names = async () => (await api.get("/configs")).json.data.map((c: { name: string }) => c.name);

  it("create: a target's own custom_host outside the key's origins -> 400 at config.targets[1].custom_host, nothing saved; same message as the gateway", async () => {
    const config = { strategy: { mode: "fallback" }, targets: [{ virtual_key: vk }, { virtual_key: vk, custom_host: `${ELSEWHERE}/v1` }] };
    const r = await api.post("/configs", { name: "points elsewhere", config });
    const error = expectRefused(r, vk, "config.targets[1].custom_host", /the config's custom_host \(config\.targets\[1\]\) points it at/);
    expect(await names()).not.toContain("points elsewhere");
    // The gateway, given the same config inline, refuses it in the same words.
    const used = await chat(h, h.apiKey, { "x-portkey-config": JSON.stringify(config) });
    expect(used.status, used.text).toBe(400);
    expect(used.json.error).toMatchObject({ code: CODE, message: error.issues![0]!.message });
    expect(h.mock.requests()).toEqual([]);
    await h.waitForLog(used.requestId); // its log row is written: no write of the server's left to race the test's own
  });

  it("create: an inherited custom_host is reported where it is set, naming the target that inherits it", async () => {
    const atRoot = {
      strategy: { mode: "fallback" },
      custom_host: `${ELSEWHERE}/v1`,
      targets: [{ provider: "openai", api_key: "sk-own-savecheck-000000000000dddd" }, { virtual_key: vk }],
    };
    expectRefused(
      await api.post("/configs", { name: "inherited root", config: atRoot }),
      vk,
      "config.custom_host",
      /the config's custom_host \(set at config, inherited by config\.targets\[1\]\) points it at/,
    );
    const nested = {
      strategy: { mode: "fallback" },
      targets: [
        { virtual_key: vk },
        {
          strategy: { mode: "loadbalance" },
          custom_host: `${ELSEWHERE}/v1`,
          targets: [{ provider: "openai", api_key: "sk-own-savecheck-000000000000eeee" }, { virtual_key: vk }],
        },
      ],
    };
    expectRefused(
      await api.post("/configs", { name: "inherited nested", config: nested }),
      vk,
      "config.targets[1].custom_host",
      /the config's custom_host \(set at config\.targets\[1\], inherited by config\.targets\[1\]\.targets\[1\]\) points it at/,
    );
    // A bare single-target config: the root is the target.
    expectRefused(
      await api.post("/configs", { name: "bare", config: { virtual_key: vk, custom_host: `${ELSEWHERE}/v1` } }),
      vk,
      "config.custom_host",
      /the config's custom_host points it at/,
    );
    expect(await names()).not.toContain("inherited root");
  });

  it("update: refused with the same 400; the current version stays; a name-only change of such a config is no content change", async () => {
    const created = await api.post("/configs", { name: "update me", config: { virtual_key: vk } });
    expect(created.status, created.text).toBe(201);
    const slug = created.json.slug as string;
    const r = await api.put(`/configs/${slug}`, {
      config: {
        strategy: { mode: "loadbalance" },
        targets: [
          { virtual_key: vk, weight: 1 },
          { virtual_key: vk, weight: 1, custom_host: `${ELSEWHERE}/v2` },
        ],
      },
    });
    expectRefused(r, vk, "config.targets[1].custom_host", /the config's custom_host \(config\.targets\[1\]\) points it at/);
    expect((await api.get(`/configs/${slug}`)).json).toMatchObject({ version: 1, config: { virtual_key: vk } });

    const legacy = await h.config("saved before the rule", { virtual_key: vk, custom_host: `${ELSEWHERE}/v1` });
    expect((await api.put(`/configs/${legacy}`, { name: "renamed legacy" })).status).toBe(200);
  });

  it("restore: a version saved before the rule (or before the key's allow-list changed) is refused with the same 400", async () => {
    const created = await api.post("/configs", { name: "restore me", config: { virtual_key: vk } });
    const slug = created.json.slug as string;
    await h.updateConfig(slug, { virtual_key: vk, custom_host: `${ELSEWHERE}/v1` }); // version 2, written before the rule
    expect((await api.put(`/configs/${slug}`, { config: { virtual_key: vk, override_params: { model: "gpt-4o-mini" } } })).status).toBe(
      200,
    ); // version 3
    const r = await api.post(`/configs/${slug}/versions/2/restore`);
    const error = expectRefused(r, vk, "config.custom_host", /the config's custom_host points it at/);
    expect(error.message).toMatch(/^Version 2 cannot be restored: config\.custom_host: Virtual key/);
    expect((await api.get(`/configs/${slug}`)).json.version).toBe(3);
    expect((await api.post(`/configs/${slug}/versions/1/restore`)).status).toBe(200); // an allowed version still restores

    // Allowed when saved, then the admin narrows the key's allow-list: restoring it is refused.
    // (The virtual-keys API resolves an allowed host: a loopback origin the server allows.)
    const LOCAL = "http://127.0.0.1:9";
    const key = await api.post("/virtual-keys", {
      name: "Narrowed",
      provider: "openai",
      key: "sk-openai-savecheck-0000000000ffff",
      allowed_hosts: [LOCAL],
    });
    expect(key.status, key.text).toBe(201);
    const narrowed = key.json.slug as string;
    const allowed = await api.post("/configs", { name: "allowed then not", config: { virtual_key: narrowed, custom_host: `${LOCAL}/v1` } });
    expect(allowed.status, allowed.text).toBe(201);
    expect((await api.put(`/configs/${allowed.json.slug}`, { config: { virtual_key: narrowed } })).status).toBe(200);
    expect((await api.put(`/virtual-keys/${narrowed}`, { allowed_hosts: [] })).status).toBe(200);
    const again = await api.post(`/configs/${allowed.json.slug}/versions/1/restore`);
    expect(again.status, again.text).toBe(400);
    expect(errorOf(again)).toMatchObject({
      code: CODE,
      param: "config.custom_host",
      issues: [
        {
          path: "config.custom_host",
          message: expect.stringContaining(
            `Virtual key "${narrowed}" may only send its provider key to its provider's default host or its own custom host (https://api.openai.com); the config's custom_host points it at ${LOCAL}.`,
          ),
        },
      ],
    });
  });

  it("saves what the key allows: its own custom host (another path, another spelling), its provider's default host, an allowed_hosts entry", async () => {
    const [scheme, rest] = h.mock.url.split("://") as [string, string];
    const ok = [
      { virtual_key: vk, custom_host: `${h.mock.url}/v1` },
      { virtual_key: vk, custom_host: `${scheme.toUpperCase()}://${rest}/other/path/` },
      { virtual_key: listed, custom_host: "https://PROXY.example:8443/openai/v1" },
      { virtual_key: azure, custom_host: "https://detour-own.openai.azure.com/openai" },
      {
        strategy: { mode: "fallback" },
        custom_host: "https://proxy.example:8443/v1",
        targets: [{ virtual_key: listed }, { provider: "openai", api_key: "sk-own-savecheck-000000000000abcd" }],
      },
    ];
    for (const [i, config] of ok.entries()) {
      const r = await api.post("/configs", { name: `allowed ${i}`, config });
      expect(r.status, `${JSON.stringify(config)}: ${r.text}`).toBe(201);
    }
    // The listed key, at an origin its list does not name (another port): refused.
    expectRefused(
      await api.post("/configs", { name: "listed elsewhere", config: { virtual_key: listed, custom_host: "https://proxy.example/v1" } }),
      listed,
      "config.custom_host",
      /^/,
      `https://api.openai.com, ${h.mock.url}, https://proxy.example:8443`,
      "https://proxy.example",
    );
  });

  it("a direct api_key target may name any custom host; a key that does not exist or is revoked is left to the gateway", async () => {
    const direct = await api.post("/configs", {
      name: "direct elsewhere",
      config: { provider: "openai", api_key: "sk-own-savecheck-000000000000beef", custom_host: `${ELSEWHERE}/v1` },
    });
    expect(direct.status, direct.text).toBe(201);
    const unknown = await api.post("/configs", {
      name: "unknown key",
      config: { virtual_key: "vk-does-not-exist", custom_host: `${ELSEWHERE}/v1` },
    });
    expect(unknown.status, unknown.text).toBe(201);
    const revoked = await h.openaiKey("Revoked", "sk-openai-savecheck-000000000revk");
    await h.revoke(revoked);
    const r = await api.post("/configs", { name: "revoked key", config: { virtual_key: revoked, custom_host: `${ELSEWHERE}/v1` } });
    expect(r.status, r.text).toBe(201);
  });

  it("reads the keys of the caller's workspace only: another workspace's key is an unknown slug here", async () => {
    const b = await createWorkspace(h, "Save check B");
    const theirs = await withKey(h, b.adminKey).post("/virtual-keys", {
      name: "B key",
      provider: "openai",
      key: "sk-openai-savecheck-00000000bbbbb",
    });
    expect(theirs.status, theirs.text).toBe(201);
    const config = { virtual_key: theirs.json.slug, custom_host: `${ELSEWHERE}/v1` };
    expectRefused(
      await withKey(h, b.adminKey).post("/configs", { name: "B elsewhere", config }),
      theirs.json.slug,
      "config.custom_host",
      /^/,
      "https://api.openai.com",
    );
    expect((await api.post("/configs", { name: "A names B's key", config })).status).toBe(201);
  });
});
