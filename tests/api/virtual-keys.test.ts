/**
 * /v1/virtual-keys over real HTTP: create (OpenAI, Azure with deployments; secrets never in an
 * answer), validation, list/get, update, rotation (slug stays, versions with audit, the next
 * request uses the new key, requests in flight finish on the old one, log rows carry the version)
 * and revocation (the next request fails with 403).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, chat, errorOf, withKey, type ApiClient } from "../../testing/api-client";

const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("management API: virtual keys", () => {
  let h: Harness;
  let api: ApiClient;
  let adminKeyId: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    api = withKey(h, ADMIN_KEY);
    adminKeyId = (await h.db.apiKey.findFirst({ where: { source: "env" } }))!.id;
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const openai = (name: string, key: string, extra: Record<string, unknown> = {}) =>
    api.post("/virtual-keys", { name, provider: "openai", key, custom_host: `${h.mock.url}/v1`, ...extra });

  it("creates an OpenAI key: the answer and every later read hold only the masked key", async () => {
    const secret = "sk-openai-created-00000000000000abcd";
    const r = await openai("OpenAI main", secret, { note: "team A" });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      object: "virtual-key",
      id: expect.any(String),
      slug: expect.stringMatching(/^openaimain-[0-9a-f]{6}$/),
      name: "OpenAI main",
      provider: "openai",
      status: "active",
      note: "team A",
      masked_api_key: "sk-...abcd",
      custom_host: `${h.mock.url}/v1`,
      resource_name: null,
      deployments: [],
      version: 1,
      created_by: `api_key:${adminKeyId}`,
      last_used_at: null,
      rotated_at: null,
      versions: [
        {
          version: 1,
          masked_api_key: "sk-...abcd",
          created_at: expect.any(String),
          created_by: `api_key:${adminKeyId}`,
          retired_at: null,
          retired_by: null,
        },
      ],
    });
    const reads = [
      r,
      await api.get(`/virtual-keys/${r.json.slug}`),
      await api.get(`/virtual-keys/${r.json.id}`),
      await api.get("/virtual-keys"),
    ];
    for (const read of reads) {
      expect(read.status).toBe(200 + (read === r ? 1 : 0));
      expect(read.text).not.toContain(secret);
      expect(read.text).not.toContain("ciphertext");
      expect(read.text).not.toMatch(/"v1:[^"]+:[^"]+:[^"]+"/);
    }
    const stored = await h.db.virtualKeySecret.findFirst({ where: { virtualKey: { slug: r.json.slug } } });
    expect(stored!.ciphertext).not.toContain(secret);

    const served = await chat(h, h.apiKey, { "x-portkey-virtual-key": r.json.slug });
    expect(served.status).toBe(200);
    expect(h.mock.requests()[0]).toMatchObject({ provider: "openai", key: secret });
  });

  it("creates an Azure key with the SDK's camelCase fields: deployments with aliases and a default", async () => {
    const secret = "azure-secret-00000000000000000000wxyz";
    const r = await api.post("/virtual-keys", {
      name: "Azure east",
      provider: "azure-openai",
      key: secret,
      resourceName: "detour-east",
      apiVersion: "2024-10-21",
      customHost: `${h.mock.url}/openai`,
      deploymentConfig: [
        { deploymentName: "gpt4o-prod", alias: "gpt-4o", is_default: true },
        { deploymentName: "mini-prod", alias: "gpt-4o-mini", apiVersion: "2024-06-01" },
      ],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      provider: "azure-openai",
      masked_api_key: "...wxyz",
      resource_name: "detour-east",
      api_version: "2024-10-21",
      deployments: [
        { deployment_name: "gpt4o-prod", alias: "gpt-4o", api_version: null, is_default: true },
        { deployment_name: "mini-prod", alias: "gpt-4o-mini", api_version: "2024-06-01", is_default: false },
      ],
    });
    await chat(
      h,
      h.apiKey,
      { "x-portkey-virtual-key": r.json.slug },
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
    );
    await chat(
      h,
      h.apiKey,
      { "x-portkey-virtual-key": r.json.slug },
      { model: "something-else", messages: [{ role: "user", content: "hi" }] },
    );
    expect(h.mock.requests().map((q) => [q.provider, q.key, q.deployment, q.apiVersion])).toEqual([
      ["azure", secret, "mini-prod", "2024-06-01"],
      ["azure", secret, "gpt4o-prod", "2024-10-21"],
    ]);

    // Portkey's single-deployment shorthand: one deployment, the default.
    const single = await api.post("/virtual-keys", {
      name: "Azure single",
      provider: "azure-openai",
      key: secret,
      resource_name: "detour-one",
      deployment_name: "only-one",
    });
    expect(single.json.deployments).toEqual([{ deployment_name: "only-one", alias: null, api_version: null, is_default: true }]);
  });

  it("validation: provider-specific rules with paths", async () => {
    const azure = { name: "az", provider: "azure-openai", key: "k-0000000000000000", resource_name: "res" };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ provider: "openai", key: "sk-x" }, "name", /required/],
      [{ name: "x", key: "sk-x" }, "provider", /required: one of openai, azure-openai/],
      [
        { name: "x", provider: "no-such-provider", key: "sk-x" },
        "provider",
        /unknown provider "no-such-provider"; supported: openai, azure-openai/,
      ],
      [{ name: "x", provider: "openai" }, "key", /required/],
      [{ name: "x", provider: "openai", key: "" }, "key", /non-empty/],
      [{ ...azure, resource_name: undefined }, "resource_name", /required for azure-openai/],
      [azure, "deployments", /at least one deployment/],
      [
        {
          ...azure,
          deployments: [
            { deployment_name: "a", is_default: true },
            { deployment_name: "b", is_default: true },
          ],
        },
        "deployments[1].is_default",
        /only one deployment can be the default/,
      ],
      [
        { ...azure, deployments: [{ deployment_name: "a" }, { deployment_name: "a", alias: "x" }] },
        "deployments[1].deployment_name",
        /already listed/,
      ],
      [{ ...azure, deployments: [{ alias: "gpt-4o" }] }, "deployments[0].deployment_name", /required/],
      [{ ...azure, deployments: [{ deploymentName: "a", colour: "red" }] }, "deployments[0].colour", /unknown key/],
      [{ ...azure, deployment_name: "a", deployments: [{ deployment_name: "b" }] }, "deployment_name", /not both/],
      [{ ...azure, resource_name: "not a name!", deployment_name: "a" }, "resource_name", /letters, digits and hyphens/],
      [{ name: "x", provider: "openai", key: "sk-x", resource_name: "res" }, "resource_name", /only for azure-openai/],
      [{ name: "x", provider: "openai", key: "sk-x", deployment_name: "a" }, "deployment_name", /only for azure-openai/],
      [{ name: "x", provider: "openai", key: "sk-x", custom_host: "ftp://example.com" }, "custom_host", /http\(s\) URL/],
      [
        { name: "x", provider: "openai", key: "sk-x", usage_limits: { credit_limit: 10 } },
        "usage_limits",
        /Portkey virtual-key field that Detour does not support/,
      ],
      [{ name: "x", provider: "openai", key: "sk-x", resourceName: "a", resource_name: "b" }, "resourceName", /same field/],
    ];
    for (const [body, param, message] of cases) {
      const r = await api.post("/virtual-keys", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const err = errorOf(r);
      expect(err.param, JSON.stringify(body)).toBe(param);
      expect(err.message, JSON.stringify(body)).toMatch(message);
      expect(r.text).not.toContain("k-0000000000000000");
    }
    const privateHost = await api.post("/virtual-keys", { name: "x", provider: "openai", key: "sk-x", custom_host: "http://10.1.2.3/v1" });
    expect(privateHost.status).toBe(400);
    expect(errorOf(privateHost)).toMatchObject({ code: "custom_host_not_allowed", param: "custom_host" });
    expect(errorOf(privateHost).message).toContain("10.1.2.3");
    expect(await h.db.virtualKey.count({ where: { name: "x" } })).toBe(0);
  });

  it("saving runs the gateway's custom-host check: user info and special-purpose addresses are refused", async () => {
    const cases: [string, RegExp][] = [
      ["http://evil@127.0.0.1/v1", /must not contain a user name or password/], // 127.0.0.1 is allowed here: only the user info is wrong
      ["https://user:pw@api.example.com/v1", /must not contain a user name or password/],
      ["http://168.63.129.16/v1", /Azure wire server/],
      ["http://192.0.0.192/v1", /reserved/],
      ["http://198.18.0.1/v1", /reserved/],
      ["http://[64:ff9b:1::a00:1]/v1", /local-use NAT64/],
      ["http://[2002:a9fe:a9fe::1]/v1", /link-local \(169\.254\.169\.254 in 6to4\)/],
      ["http://[::ffff:0:a00:1]/v1", /private \(10\.0\.0\.1 in IPv4-translated\)/],
    ];
    for (const [customHost, message] of cases) {
      const created = await api.post("/virtual-keys", {
        name: "special host",
        provider: "openai",
        key: "sk-special-0000000000000000",
        custom_host: customHost,
      });
      expect(created.status, customHost).toBe(400);
      expect(errorOf(created), customHost).toMatchObject({ param: "custom_host", message: expect.stringMatching(message) });
      expect(created.text).not.toContain("pw@");
    }
    expect(await h.db.virtualKey.count({ where: { name: "special host" } })).toBe(0);
    const existing = await openai("special host update", "sk-special-update-000000000000");
    const updated = await api.put(`/virtual-keys/${existing.json.slug}`, { custom_host: "http://evil@127.0.0.1/v1" });
    expect(updated.status).toBe(400);
    expect(errorOf(updated)).toMatchObject({ param: "custom_host", message: expect.stringMatching(/user name or password/) });
    expect((await api.get(`/virtual-keys/${existing.json.slug}`)).json.custom_host).toBe(`${h.mock.url}/v1`);
  });

  it("allowed_hosts: origins validated with clear errors, stored normalised, returned by GET, and used by the gateway at once", async () => {
    const port = new URL(h.mock.url).port;
    const bad: [unknown, string, RegExp][] = [
      ["https://a.example", "allowed_hosts", /must be a list of origins/],
      [["https://a.example/v1"], "allowed_hosts[0]", /must be an origin \(scheme, host and port\) without a path/],
      [["ftp://a.example"], "allowed_hosts[0]", /must use http or https/],
      [["https://u@a.example"], "allowed_hosts[0]", /must not contain a user name or password/],
      [["https://a.example?x=1"], "allowed_hosts[0]", /without a query string/],
      [["a.example"], "allowed_hosts[0]", /is not a valid URL/],
      [[42], "allowed_hosts[0]", /must be an origin such as https:\/\/example.com/],
      [Array.from({ length: 21 }, (_, i) => `https://h${i}.example`), "allowed_hosts", /at most 20 origins/],
      [["http://10.0.0.5:8080"], "allowed_hosts[0]", /10\.0\.0\.5.*private address/],
    ];
    for (const [allowed, param, message] of bad) {
      const r = await api.post("/virtual-keys", {
        name: "allow-list",
        provider: "openai",
        key: "sk-allow-0000000000000000",
        custom_host: `${h.mock.url}/v1`,
        allowed_hosts: allowed,
      });
      expect(r.status, JSON.stringify(allowed)).toBe(400);
      expect(errorOf(r).param, JSON.stringify(allowed)).toBe(param);
      expect(errorOf(r).message, JSON.stringify(allowed)).toMatch(message);
    }

    // (No DNS in tests: public IP literals, and localhost, which the harness allows as a private host.)
    const normalised = ["https://8.8.8.8", "http://[2606:4700::1111]:8080", `http://localhost:${port}`];
    const created = await openai("allow-list", "sk-allow-0000000000000000", {
      allowedHosts: ["HTTPS://8.8.8.8:443/", "https://8.8.8.8", "http://[2606:4700:0::1111]:8080", `http://LOCALHOST.:${port}`],
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.allowed_hosts).toEqual(normalised);
    const slug = created.json.slug;
    expect((await api.get(`/virtual-keys/${slug}`)).json.allowed_hosts).toEqual(normalised);
    expect((await api.put(`/virtual-keys/${slug}`, { allowed_hosts: [] })).json.allowed_hosts).toEqual([]);

    // The gateway refuses another origin for this key, then serves it once an admin lists it.
    const elsewhere = `http://localhost:${port}/v1`;
    await chat(h, h.apiKey, { "x-portkey-virtual-key": slug }); // cached by the gateway now
    const refused = await chat(h, h.apiKey, { "x-portkey-virtual-key": slug, "x-portkey-custom-host": elsewhere });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: "custom_host_not_allowed_for_virtual_key" });
    const put = await api.put(`/virtual-keys/${slug}`, { allowed_hosts: [`http://localhost:${port}`] });
    expect(put.status, put.text).toBe(200);
    expect(put.json.allowed_hosts).toEqual([`http://localhost:${port}`]);
    h.mock.reset();
    const served = await chat(h, h.apiKey, { "x-portkey-virtual-key": slug, "x-portkey-custom-host": elsewhere });
    expect(served.status).toBe(200);
    expect(h.mock.requests()).toMatchObject([{ key: "sk-allow-0000000000000000" }]);
    const cleared = await api.put(`/virtual-keys/${slug}`, { allowed_hosts: [] });
    expect(cleared.json.allowed_hosts).toEqual([]);
    expect((await chat(h, h.apiKey, { "x-portkey-virtual-key": slug, "x-portkey-custom-host": elsewhere })).status).toBe(400);
  });

  it("duplicate names among active keys -> 409; a revoked key's name is free again", async () => {
    const first = await openai("dup name", "sk-dup-0000000000000001");
    const dup = await openai("dup name", "sk-dup-0000000000000002");
    expect(dup.status).toBe(409);
    expect(errorOf(dup)).toMatchObject({ code: "name_taken", param: "name" });
    const other = await openai("dup other", "sk-dup-0000000000000003");
    expect((await api.put(`/virtual-keys/${other.json.slug}`, { name: "dup name" })).status).toBe(409);
    await api.del(`/virtual-keys/${first.json.slug}`);
    expect((await openai("dup name", "sk-dup-0000000000000004")).status).toBe(201);
  });

  it("lists keys with paging and a status filter; unknown slugs are 404", async () => {
    const a = await openai("listed", "sk-list-000000000000000a");
    const all = await api.get("/virtual-keys");
    expect(all.json).toMatchObject({ object: "list", total: expect.any(Number) });
    expect(all.json.data.find((k: { slug: string }) => k.slug === a.json.slug)).toMatchObject({
      name: "listed",
      status: "active",
      masked_api_key: "sk-...000a",
    });
    expect((await api.get("/virtual-keys?status=revoked")).json.data.every((k: { status: string }) => k.status === "revoked")).toBe(true);
    expect((await api.get("/virtual-keys?page_size=1")).json.data).toHaveLength(1);
    for (const r of [
      await api.get("/virtual-keys/nope-000000"),
      await api.put("/virtual-keys/nope-000000", { name: "y" }),
      await api.del("/virtual-keys/nope-000000"),
    ]) {
      expect(r.status).toBe(404);
      expect(errorOf(r)).toMatchObject({ code: "not_found" });
      expect(errorOf(r).message).toContain("nope-000000");
    }
  });

  it("updates name, note and Azure deployments (the merged key must stay valid); the provider never changes", async () => {
    const created = await api.post("/virtual-keys", {
      name: "Azure edit",
      provider: "azure-openai",
      key: "azure-edit-000000000000000000",
      resource_name: "detour-edit",
      custom_host: `${h.mock.url}/openai`,
      deployment_name: "old-dep",
    });
    const slug = created.json.slug;
    await chat(h, h.apiKey, { "x-portkey-virtual-key": slug }); // cached by the gateway now
    const r = await api.put(`/virtual-keys/${slug}`, {
      name: "Azure edited",
      note: null,
      deployments: [{ deploymentName: "new-dep", alias: "gpt-4o", isDefault: true }],
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      slug,
      name: "Azure edited",
      version: 1,
      rotated: false,
      deployments: [{ deployment_name: "new-dep", alias: "gpt-4o", is_default: true }],
    });
    h.mock.reset();
    await chat(h, h.apiKey, { "x-portkey-virtual-key": slug });
    expect(h.mock.requests()[0]).toMatchObject({ deployment: "new-dep" });

    expect(errorOf(await api.put(`/virtual-keys/${slug}`, { deployments: [] }))).toMatchObject({ param: "deployments" });
    expect(errorOf(await api.put(`/virtual-keys/${slug}`, { resource_name: null, custom_host: null }))).toMatchObject({
      param: "resource_name",
    });
    expect(errorOf(await api.put(`/virtual-keys/${slug}`, { provider: "openai" }))).toMatchObject({ param: "provider" });
    expect(errorOf(await api.put(`/virtual-keys/${slug}`, {})).message).toContain("Nothing to change");
    expect(errorOf(await api.put(`/virtual-keys/${slug}`, { slug: "other" })).param).toBe("slug");
    expect((await api.get(`/virtual-keys/${slug}`)).json.deployments).toHaveLength(1);
  });

  it("rotation: the slug stays, the old secret is a retired version (who, when), the next request uses the new key and logs version 2", async () => {
    const oldSecret = "sk-rotate-once-00000000000000old1";
    const newSecret = "sk-rotate-once-00000000000000new2";
    const created = await openai("rotate once", oldSecret);
    const slug = created.json.slug;
    const before = await chat(h, h.apiKey, { "x-portkey-virtual-key": slug });
    expect(before.status).toBe(200);

    const r = await api.put(`/virtual-keys/${slug}`, { key: newSecret });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain(newSecret);
    expect(r.json).toMatchObject({ slug, version: 2, rotated: true, masked_api_key: "sk-...new2", rotated_at: expect.any(String) });
    expect(r.json.versions).toEqual([
      {
        version: 2,
        masked_api_key: "sk-...new2",
        created_at: expect.any(String),
        created_by: `api_key:${adminKeyId}`,
        retired_at: null,
        retired_by: null,
      },
      {
        version: 1,
        masked_api_key: "sk-...old1",
        created_at: expect.any(String),
        created_by: `api_key:${adminKeyId}`,
        retired_at: expect.any(String),
        retired_by: `api_key:${adminKeyId}`,
      },
    ]);

    const after = await chat(h, h.apiKey, { "x-portkey-virtual-key": slug });
    expect(after.status).toBe(200);
    expect(h.mock.requests().map((q) => q.key)).toEqual([oldSecret, newSecret]);
    expect(await h.waitForLog(before.requestId)).toMatchObject({ virtualKeySlug: slug, virtualKeyVersion: 1 });
    const log = await h.waitForLog(after.requestId);
    expect(log).toMatchObject({ virtualKeySlug: slug, virtualKeyVersion: 2 });
    expect(log.attempts[0]).toMatchObject({ virtualKeySlug: slug, virtualKeyVersion: 2 });
    // The retired secret is kept (encrypted) for the audit trail.
    expect(await h.db.virtualKeySecret.count({ where: { virtualKey: { slug } } })).toBe(2);
  });

  it("rotation while requests are in flight: none is lost, those in flight finish on the old key, every later one uses the new key", async () => {
    const oldSecret = "sk-rotate-flight-000000000000old1";
    const newSecret = "sk-rotate-flight-000000000000new2";
    const created = await openai("rotate in flight", oldSecret);
    const slug = created.json.slug;
    h.mock.script({ match: { key: oldSecret, stream: true }, fault: { kind: "slow_chunks", delayMs: 150 } });
    h.mock.script({ match: { key: oldSecret }, fault: { kind: "delay", ms: 1200 } });

    const streamed = async () => {
      const res = await fetch(`${h.baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-portkey-api-key": h.apiKey, "x-portkey-virtual-key": slug },
        body: JSON.stringify({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "stream please" }] }),
      });
      const text = await res.text();
      return { status: res.status, text, requestId: res.headers.get("x-portkey-request-id")! };
    };
    const inFlight = [
      ...Array.from({ length: 12 }, () => chat(h, h.apiKey, { "x-portkey-virtual-key": slug })),
      ...Array.from({ length: 3 }, streamed),
    ];
    await until(() => h.mock.requests({ key: oldSecret }).length === 15);

    // Requests keep arriving while the rotation happens: each one is served by one key or the other.
    let rotating = true;
    const during: Promise<{ status: number }>[] = [];
    const trickle = (async () => {
      while (rotating) {
        during.push(chat(h, h.apiKey, { "x-portkey-virtual-key": slug }));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const rotation = await api.put(`/virtual-keys/${slug}`, { key: newSecret });
    rotating = false;
    await trickle;
    expect(rotation.status).toBe(200);

    const afterRotation = await Promise.all(Array.from({ length: 12 }, () => chat(h, h.apiKey, { "x-portkey-virtual-key": slug })));
    const finished = await Promise.all(inFlight);
    const duringDone = await Promise.all(during);

    expect(finished.map((r) => r.status)).toEqual(Array(15).fill(200));
    for (const s of finished.slice(12)) expect((s as { text: string }).text.trim().endsWith("data: [DONE]")).toBe(true);
    expect(duringDone.every((r) => r.status === 200)).toBe(true);
    expect(afterRotation.map((r) => r.status)).toEqual(Array(12).fill(200));

    const records = h.mock.requests();
    expect(records.every((q) => q.status === 200 && !q.aborted)).toBe(true);
    expect(records.filter((q) => q.key === oldSecret).length).toBeGreaterThanOrEqual(15);
    expect(records.filter((q) => q.key === newSecret).length).toBeGreaterThanOrEqual(12);
    expect(records.length).toBe(15 + during.length + 12);
    // Every request that started after the rotation's answer used the new key (version 2 in its log row).
    for (const r of afterRotation) expect((await h.waitForLog(r.requestId)).virtualKeyVersion).toBe(2);
    for (const r of finished) expect((await h.waitForLog(r.requestId)).virtualKeyVersion).toBe(1);
  });

  it("concurrent rotations each get their own version", async () => {
    const created = await openai("rotate twice", "sk-rotate-twice-000000000000000");
    const slug = created.json.slug;
    const answers = await Promise.all(
      ["sk-twice-a-0000000000000a", "sk-twice-b-0000000000000b", "sk-twice-c-0000000000000c"].map((key) =>
        api.put(`/virtual-keys/${slug}`, { key }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const vk = (await api.get(`/virtual-keys/${slug}`)).json;
    expect(vk.version).toBe(4);
    expect(vk.versions.map((v: { version: number; retired_at: string | null }) => [v.version, v.retired_at === null])).toEqual([
      [4, true],
      [3, false],
      [2, false],
      [1, false],
    ]);
  });

  it("revocation: the next request naming the key gets 403 at once; the key stays visible; it cannot change again", async () => {
    const created = await openai("revoke me", "sk-revoke-0000000000000000dead");
    const slug = created.json.slug;
    expect((await chat(h, h.apiKey, { "x-portkey-virtual-key": slug })).status).toBe(200); // cached by the gateway now
    const config = (await api.post("/configs", { name: "uses revoked", config: { virtual_key: slug } })).json.slug;

    const r = await api.del(`/virtual-keys/${slug}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ slug, status: "revoked", revoked_at: expect.any(String), revoked_by: `api_key:${adminKeyId}` });

    h.mock.reset();
    for (const headers of [{ "x-portkey-virtual-key": slug }, { "x-portkey-config": config }] as Record<string, string>[]) {
      const denied = await chat(h, h.apiKey, headers);
      expect(denied.status).toBe(403);
      expect(denied.json.error).toMatchObject({ code: "virtual_key_revoked", type: "permission_error" });
      expect(denied.json.error.message).toContain(slug);
    }
    expect(h.mock.requests()).toHaveLength(0);

    expect((await api.get(`/virtual-keys/${slug}`)).json.status).toBe("revoked");
    expect(errorOf(await api.put(`/virtual-keys/${slug}`, { key: "sk-new-000000000000000000" }))).toMatchObject({
      code: "virtual_key_revoked",
    });
    expect((await api.del(`/virtual-keys/${slug}`)).status).toBe(409);
  });

  it("GET /v1/models with neither config nor key lists the workspace's keys: one created or revoked through the API shows at once", async () => {
    const models = async () =>
      ((await (await fetch(`${h.baseURL}/models`, { headers: h.headers() })).json()) as { data: { id: string }[] }).data.map((m) => m.id);
    const alias = `listed-model-${Date.now()}`;
    const before = await models(); // the workspace's list is cached now
    expect(before).not.toContain(alias);
    const created = await api.post("/virtual-keys", {
      name: `listed ${alias}`,
      provider: "azure-openai",
      key: "azure-secret-listed-000000000000000",
      resourceName: "detour-list",
      apiVersion: "2024-10-21",
      customHost: `${h.mock.url}/openai`,
      deploymentConfig: [{ deploymentName: "listed-prod", alias, is_default: true }],
    });
    expect(created.status).toBe(201);
    expect(await models()).toContain(alias);
    expect((await api.del(`/virtual-keys/${created.json.slug}`)).status).toBe(200);
    expect(await models()).not.toContain(alias);
  });

  it("a gateway-scope key cannot manage virtual keys (403)", async () => {
    const gw = withKey(h, h.apiKey);
    for (const r of [await gw.get("/virtual-keys"), await gw.post("/virtual-keys", { name: "n", provider: "openai", key: "sk-x" })]) {
      expect(r.status).toBe(403);
      expect(errorOf(r).code).toBe("insufficient_scope");
    }
  });
});
