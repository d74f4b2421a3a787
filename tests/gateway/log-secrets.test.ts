/**
 * No provider key in a log, ever (issue 11, item 2), over real HTTP against the production build
 * and the mock upstream: an inline config's api_key (OpenAI and Azure), the direct-mode Bearer key
 * and a virtual key's secret never reach the stored row, GET /v1/logs/<id> or the /logs/<id> page,
 * even when the upstream echoes the key in a 200 body or a stream's error event.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN_KEY, ADMIN_PASSWORD, signIn, withKey } from "../../testing/api-client";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";

const forms = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1)];

/** Every string inside a value (a row, an answer), so a secret is looked for in each text as stored, not in a re-escaped copy. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === "object" && !(value instanceof Date)) for (const v of Object.values(value)) strings(v, out);
  return out;
}

const decodeHtml = (html: string) =>
  html.replace(
    /&quot;|&#x27;|&#39;|&lt;|&gt;|&amp;/g,
    (e) => ({ "&quot;": '"', "&#x27;": "'", "&#39;": "'", "&lt;": "<", "&gt;": ">", "&amp;": "&" })[e]!,
  );

describe("provider keys never reach the request log", () => {
  let h: Harness;
  let cookie: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    cookie = await signIn(h);
  });
  afterAll(async () => h?.close());
  beforeEach(() => h.mock.reset());

  async function send(
    headers: Record<string, string>,
    body: Record<string, unknown> = chatBody(),
  ): Promise<{ status: number; text: string; id: string }> {
    const res = await fetch(`${h.baseURL}/chat/completions`, { method: "POST", headers: h.headers(headers), body: JSON.stringify(body) });
    return { status: res.status, text: await res.text(), id: res.headers.get("x-portkey-request-id") ?? "" };
  }

  /** The stored row (with attempts and metadata), the API's view and the page's HTML hold no form of the secret. */
  async function expectNowhere(id: string, secret: string): Promise<string> {
    const row = await h.waitForLog(id);
    const stored = JSON.stringify(row);
    const api = await withKey(h, ADMIN_KEY).get(`/logs/${id}`);
    expect(api.status).toBe(200);
    const page = await fetch(`${h.url}/logs/${id}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = decodeHtml(await page.text());
    expect(html).toContain(id);
    const texts = [...strings(row), ...strings(api.json), html];
    for (const form of forms(secret)) {
      for (const text of texts) expect(text).not.toContain(form);
    }
    return stored;
  }

  it("an inline config's api_key for OpenAI is redacted, the rest of the config stays readable", async () => {
    const secret = "sk-inline-openai-5f1c9a7e3b2d4c6a";
    const config = { provider: "openai", api_key: secret, custom_host: `${h.mock.url}/v1` };
    const r = await send({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    expect(h.mock.requests()[0]?.key).toBe(secret);
    await expectNowhere(r.id, secret);
    const row = await h.waitForLog(r.id);
    expect(JSON.parse(JSON.parse(row.requestHeaders!)["x-portkey-config"])).toEqual({
      provider: "openai",
      api_key: "[redacted]",
      custom_host: `${h.mock.url}/v1`,
    });
  });

  it("an inline config's api_key for Azure (camelCase too) is redacted", async () => {
    const secret = "azure-inline-key-8a7b6c5d4e3f2a1b";
    const config = {
      provider: "azure-openai",
      apiKey: secret,
      resource_name: "detour-test",
      deployment_id: "gpt4o-prod",
      api_version: "2024-10-21",
      custom_host: `${h.mock.url}/openai`,
    };
    const r = await send({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    expect(h.mock.requests({ provider: "azure" })[0]?.key).toBe(secret);
    await expectNowhere(r.id, secret);
  });

  it("a virtual key's secret echoed by the upstream in a 200 JSON body is redacted from the stored answer", async () => {
    const secret = "sk-vk-echo-json-0c1d2e3f4a5b6c7d";
    const vk = await h.openaiKey("echo json", secret);
    h.mock.script({ match: { key: secret }, fault: { kind: "echo_key" } });
    const r = await send({ "x-portkey-virtual-key": vk });
    expect(r.status).toBe(200);
    expect(r.text).toContain(secret); // the upstream did echo it
    const stored = await expectNowhere(r.id, secret);
    const row = await h.waitForLog(r.id);
    expect(JSON.parse(row.responseBody!).echo).toEqual({ api_key: "[redacted]" });
    expect(stored).toContain("Your key is [redacted].");
  });

  it("a key echoed in a stream's error event is redacted from the stored stream (Azure virtual key)", async () => {
    const secret = "azure-vk-echo-stream-9e8d7c6b5a4f";
    const vk = await h.azureKey("echo stream", secret);
    h.mock.script({ match: { key: secret }, fault: { kind: "echo_key" } });
    const r = await send({ "x-portkey-virtual-key": vk }, chatBody({ stream: true }));
    expect(r.status).toBe(200);
    expect(r.text).toContain(`Incorrect API key provided: ${secret}.`);
    const row = await h.waitForLog(r.id);
    expect(row.responseBody).toContain("Incorrect API key provided: [redacted].");
    await expectNowhere(r.id, secret);
  });

  it("a direct-mode Bearer key with characters JSON escapes, echoed JSON-escaped, is redacted in every form", async () => {
    const secret = 'sk-direct-"quoted"\\back-77aa88bb';
    h.mock.script({ match: { key: secret }, fault: { kind: "echo_key" } });
    const r = await send({
      "x-portkey-provider": "openai",
      authorization: `Bearer ${secret}`,
      "x-portkey-custom-host": `${h.mock.url}/v1`,
    });
    expect(r.status).toBe(200);
    expect(r.text).toContain(JSON.stringify(secret).slice(1, -1));
    const stored = await expectNowhere(r.id, secret);
    expect(stored).toContain("[redacted]");
  });

  it("an upstream error message holding the key (a 401 that falls back) is redacted from the attempt's message", async () => {
    const secret = "sk-invalid-fallback-3c4d5e6f7a8b";
    const good = await h.openaiKey("good", "sk-good-fallback-000000000011");
    const config = {
      strategy: { mode: "fallback", on_status_codes: [401] },
      targets: [{ provider: "openai", api_key: secret, custom_host: `${h.mock.url}/v1` }, { virtual_key: good }],
    };
    const r = await send({ "x-portkey-config": JSON.stringify(config) });
    expect(r.status).toBe(200);
    const row = await h.waitForLog(r.id);
    expect(row.attempts.length).toBe(2);
    await expectNowhere(r.id, secret);
  });
});
