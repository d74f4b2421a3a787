/**
 * Saved configs' provider keys (issue 11, item 3) over real HTTP: stored encrypted (the raw
 * ConfigVersion.body never holds the key), answered masked (GET, versions, one version), a mask
 * sent back keeps the key (GET -> edit -> PUT), a new value replaces it, restore keeps that
 * version's key, a changed key shows in the versions without being revealed, and the gateway
 * routes with the decrypted key against the mock upstream.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, chat, errorOf, withKey, type ApiClient } from "../../testing/api-client";

const MASK = /^sk-\.\.\.[\s\S]{4}#[0-9a-f]{8}$/;

describe("management API: provider keys inside saved configs", () => {
  let h: Harness;
  let api: ApiClient;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    api = withKey(h, ADMIN_KEY);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  const direct = (key: string) => ({ provider: "openai", api_key: key, custom_host: `${h.mock.url}/v1` });

  async function rawBodies(slug: string): Promise<string[]> {
    const rows = await h.db.configVersion.findMany({ where: { config: { slug } }, orderBy: { version: "asc" } });
    return rows.map((r) => r.body);
  }

  async function keyServedFor(slug: string): Promise<string | undefined> {
    h.mock.reset();
    const r = await chat(h, h.apiKey, { "x-portkey-config": slug });
    expect(r.status).toBe(200);
    return h.mock.requests()[0]?.key;
  }

  it("stores the key encrypted, answers it masked everywhere, and the gateway routes with it", async () => {
    const secret = "sk-saved-config-key-0001abcd";
    const created = await api.post("/configs", {
      name: "direct key",
      config: {
        strategy: { mode: "fallback" },
        targets: [direct(secret), { provider: "openai", apiKey: "sk-second-target-key-0002wxyz", custom_host: `${h.mock.url}/v1` }],
      },
    });
    expect(created.status).toBe(201);
    const slug = created.json.slug as string;

    const [raw] = await rawBodies(slug);
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain("sk-second-target-key-0002wxyz");
    expect(JSON.parse(raw!).targets[0].api_key).toMatch(/^enc:v1:/);

    const got = await api.get(`/configs/${slug}`);
    expect(got.status).toBe(200);
    expect(got.json.config.targets[0].api_key).toMatch(MASK);
    expect(got.json.config.targets[0].api_key.slice(-13, -9)).toBe("abcd");
    expect(got.json.config.targets[1].api_key).toMatch(MASK);
    const versions = await api.get(`/configs/${slug}/versions`);
    const one = await api.get(`/configs/${slug}/versions/1`);
    for (const text of [got.text, versions.text, one.text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain("enc:v1:");
    }
    expect(versions.json.data[0].config.targets[0].api_key).toBe(got.json.config.targets[0].api_key);

    expect(await keyServedFor(slug)).toBe(secret);
  });

  it("GET -> edit something else -> PUT keeps the key; a new value replaces it; restore brings the old one back; the versions show the change masked", async () => {
    const secret = "sk-round-trip-key-000000001111";
    const created = await api.post("/configs", { name: "round trip", config: direct(secret) });
    const slug = created.json.slug as string;

    const got = await api.get(`/configs/${slug}`);
    const edited = { ...got.json.config, request_timeout: 30000 };
    const put = await api.put(`/configs/${slug}`, { config: edited });
    expect(put.status).toBe(200);
    expect(put.json.version).toBe(2);
    const v2 = await api.get(`/configs/${slug}`);
    expect(v2.json.config).toMatchObject({ request_timeout: 30000, api_key: got.json.config.api_key });
    expect(await keyServedFor(slug)).toBe(secret);
    const raw = await rawBodies(slug);
    expect(raw.join("\n")).not.toContain(secret);
    expect(JSON.parse(raw[1]!).api_key).toBe(JSON.parse(raw[0]!).api_key); // the same envelope, kept

    const replaced = "sk-replacement-key-00000002222";
    expect((await api.put(`/configs/${slug}`, { config: { ...v2.json.config, api_key: replaced } })).status).toBe(200);
    expect(await keyServedFor(slug)).toBe(replaced);
    const versions = await api.get(`/configs/${slug}/versions`);
    const masks = versions.json.data.map((v: { config: { api_key: string } }) => v.config.api_key);
    expect(masks[0]).not.toBe(masks[1]); // the diff shows the key changed...
    expect(versions.text).not.toContain(replaced); // ...without showing it
    expect(versions.text).not.toContain(secret);

    const restored = await api.post(`/configs/${slug}/versions/1/restore`);
    expect(restored.status).toBe(200);
    expect(await keyServedFor(slug)).toBe(secret);
    expect((await api.get(`/configs/${slug}`)).json.config.api_key).toBe(got.json.config.api_key);
    expect((await rawBodies(slug)).join("\n")).not.toContain(secret);
  });

  it("a mask that stands for no key stored in this config is refused, naming where it is", async () => {
    const other = await api.post("/configs", { name: "other", config: direct("sk-other-config-key-33333333") });
    const foreignMask = (await api.get(`/configs/${other.json.slug}`)).json.config.api_key as string;
    const created = await api.post("/configs", { name: "mask check", config: direct("sk-mask-check-key-4444444444") });

    const r = await api.put(`/configs/${created.json.slug}`, {
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: "vk-x" }, { ...direct("x"), api_key: foreignMask }] },
    });
    expect(r.status).toBe(400);
    const error = errorOf(r);
    expect(error.code).toBe("invalid_config");
    expect(error.param).toBe("config.targets[1].api_key");
    expect(error.message).toContain("masked key");
    const fresh = await api.post("/configs", { name: "mask on create", config: { ...direct("x"), api_key: foreignMask } });
    expect(fresh.status).toBe(400);
    expect(errorOf(fresh).param).toBe("config.api_key");
  });
});
