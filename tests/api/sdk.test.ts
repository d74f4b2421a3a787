/**
 * The real portkey-ai SDK against Detour's /v1: its `configs` and `virtualKeys` resources create a
 * config and keys, rotate a key, and a chat request naming the config id is then served with the
 * new key (the mock upstream records the key it saw).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Portkey } from "portkey-ai";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY } from "../../testing/api-client";

/** The SDK's APIError: `status`, and `error` = the response body (`{error: {message, code, ...}}`). */
type SdkError = { status?: number; message: string; error?: { error?: { code?: string; message?: string } } };

async function sdkError(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error("expected the SDK call to fail");
}

describe("portkey-ai SDK: configs and virtual keys", () => {
  let h: Harness;
  let admin: Portkey;
  const oldSecret = "sk-sdk-openai-0000000000000000old1";
  const newSecret = "sk-sdk-openai-0000000000000000new2";
  const azureSecret = "sdk-azure-000000000000000000000az1";

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY });
    admin = new Portkey({ apiKey: ADMIN_KEY, baseURL: h.baseURL });
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  it("creates keys and a config, rotates the key, and the config id is then served with the new key", async () => {
    const openai = await admin.virtualKeys.create({
      name: "SDK OpenAI",
      provider: "openai",
      key: oldSecret,
      note: "made by the SDK",
      customHost: `${h.mock.url}/v1`,
    });
    expect(openai).toMatchObject({
      slug: expect.stringMatching(/^sdkopenai-[0-9a-f]{6}$/),
      id: expect.any(String),
      masked_api_key: "sk-...old1",
    });
    expect(JSON.stringify(openai)).not.toContain(oldSecret);
    const azure = await admin.virtualKeys.create({
      name: "SDK Azure",
      provider: "azure-openai",
      key: azureSecret,
      resourceName: "detour-sdk",
      apiVersion: "2024-10-21",
      customHost: `${h.mock.url}/openai`,
      deploymentConfig: [{ deploymentName: "gpt4o-prod", alias: "gpt-4o", is_default: true }],
    });
    expect(azure).toMatchObject({
      provider: "azure-openai",
      resource_name: "detour-sdk",
      deployments: [{ deployment_name: "gpt4o-prod", alias: "gpt-4o", is_default: true }],
    });

    const config = await admin.configs.create({
      name: "SDK fallback",
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: openai.slug }, { virtual_key: azure.slug }] },
    });
    expect(config).toMatchObject({
      id: expect.any(String),
      slug: expect.stringMatching(/^pc-sdkfal-[0-9a-f]{6}$/),
      version_id: expect.any(String),
    });
    const slug = config.slug!;

    const client = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config: slug });
    const ask = () =>
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
    const first = await ask();
    expect(first.choices[0]?.message?.content).toContain("Mock answer from openai");
    expect(h.mock.requests().map((r) => r.key)).toEqual([oldSecret]);

    const rotated = await admin.virtualKeys.update({ slug: openai.slug, key: newSecret });
    expect(rotated).toMatchObject({ slug: openai.slug, masked_api_key: "sk-...new2", version: 2 });
    expect(JSON.stringify(rotated)).not.toContain(newSecret);

    h.mock.reset();
    const second = await ask();
    expect(second.choices[0]?.message?.content).toContain("Mock answer from openai (key ...new2)");
    expect(h.mock.requests().map((r) => [r.provider, r.key])).toEqual([["openai", newSecret]]);
    const headers = (second as unknown as { getHeaders(): Record<string, string> }).getHeaders();
    const log = await h.waitForLog(headers["request-id"]!);
    expect(log).toMatchObject({ configSlug: slug, configVersion: 1, virtualKeySlug: openai.slug, virtualKeyVersion: 2 });

    const retrieved = await admin.virtualKeys.retrieve({ slug: openai.slug });
    expect(retrieved).toMatchObject({ slug: openai.slug, status: "active", masked_api_key: "sk-...new2" });
    expect(
      (retrieved as unknown as { versions: { version: number; retired_at: string | null }[] }).versions.map((v) => [
        v.version,
        v.retired_at === null,
      ]),
    ).toEqual([
      [2, true],
      [1, false],
    ]);
    const listed = await admin.virtualKeys.list();
    expect(listed.data?.map((k) => k.slug)).toEqual(expect.arrayContaining([openai.slug, azure.slug]));
  });

  it("configs: list, retrieve, update (a new version, the same slug) and delete", async () => {
    const vk = await admin.virtualKeys.create({
      name: "SDK for configs",
      provider: "openai",
      key: "sk-sdk-configs-0000000000000000cfg",
      customHost: `${h.mock.url}/v1`,
    });
    const created = await admin.configs.create({
      name: "SDK versions",
      config: { virtual_key: vk.slug, override_params: { model: "gpt-4o-mini" } },
      isDefault: 0,
    });
    const slug = created.slug!;

    const listed = await admin.configs.list();
    expect(listed).toMatchObject({ object: "list", total: expect.any(Number) });
    expect(listed.data?.map((c) => c.slug)).toContain(slug);

    const updated = await admin.configs.update({
      slug,
      name: "SDK versions v2",
      config: { virtual_key: vk.slug, override_params: { model: "gpt-4o" } },
    });
    expect(updated).toMatchObject({ slug, version: 2, version_id: expect.any(String) });
    expect(updated.version_id).not.toBe(created.version_id);
    const retrieved = await admin.configs.retrieve({ slug });
    expect(retrieved).toMatchObject({
      slug,
      name: "SDK versions v2",
      version_id: updated.version_id,
      config: { virtual_key: vk.slug, override_params: { model: "gpt-4o" } },
    });

    const client = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config: slug });
    await client.chat.completions.create({ model: "anything", messages: [{ role: "user", content: "hi" }] });
    expect(h.mock.requests()[0]).toMatchObject({ model: "gpt-4o", key: "sk-sdk-configs-0000000000000000cfg" });

    await admin.configs.delete({ slug });
    const gone = await sdkError(admin.configs.retrieve({ slug }));
    expect(gone.status).toBe(404);
    expect(gone.error?.error?.code).toBe("not_found");
    const refused = await sdkError(client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
    expect(refused.status).toBe(404);
  });

  it("virtual keys: delete revokes, the next request fails with 403; validation errors reach the SDK as 400", async () => {
    const vk = await admin.virtualKeys.create({
      name: "SDK revoke",
      provider: "openai",
      key: "sk-sdk-revoke-00000000000000000rev",
      customHost: `${h.mock.url}/v1`,
    });
    const client = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, virtualKey: vk.slug! });
    await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
    await admin.virtualKeys.delete({ slug: vk.slug });
    const refused = await sdkError(client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
    expect(refused.status).toBe(403);

    const invalid = await sdkError(admin.virtualKeys.create({ name: "SDK bad azure", provider: "azure-openai", key: "k-000000000000" }));
    expect(invalid.status).toBe(400);
    expect(invalid.error?.error?.message).toContain("resource_name: is required for azure-openai");
  });

  it("API keys: list, retrieve and delete work through the SDK's apiKeys resource", async () => {
    const created = await fetch(`${h.baseURL}/api-keys`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": ADMIN_KEY },
      body: JSON.stringify({ name: "for the SDK" }),
    }).then((r) => r.json());
    const listed = await admin.apiKeys.list({});
    expect(listed.data?.map((k) => k.id)).toContain(created.id);
    expect(await admin.apiKeys.retrieve({ id: created.id })).toMatchObject({ id: created.id, name: "for the SDK", scope: "gateway" });
    await admin.apiKeys.delete({ id: created.id });
    expect(await admin.apiKeys.retrieve({ id: created.id })).toMatchObject({ status: "revoked" });
  });
});
