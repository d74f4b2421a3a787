/**
 * Two instances, one PostgreSQL, one Redis: a Responses API conversation started on Azure (OpenAI,
 * first in the config, failed) stays on Azure across both instances while OpenAI answers again.
 * Instance A records "response id -> target" when the create answers; B finds it through Redis at
 * once (before A's log writer has written the database row), and through the database after Redis
 * forgets it. Driven by the real `openai` SDK.
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import Redis from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  admin,
  probeServices,
  REDIS_URL,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  type Cluster,
} from "../../testing/multi-instance-harness";

const services = await probeServices();

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: Responses API conversation affinity", () => {
  let c: Cluster;
  let config: string;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
    const suffix = randomBytes(3).toString("hex");
    const openai = await admin(c.a, "POST", "/virtual-keys", {
      name: `openai ${suffix}`,
      provider: "openai",
      key: `sk-openai-${suffix}-000000000000`,
      custom_host: `${c.mock.url}/v1`,
    });
    expect(openai.status, openai.text).toBe(201);
    const azure = await admin(c.a, "POST", "/virtual-keys", {
      name: `azure ${suffix}`,
      provider: "azure-openai",
      key: `azure-${suffix}-000000000000`,
      resource_name: "detour-multi",
      api_version: "v1",
      custom_host: `${c.mock.url}/openai/v1`,
      deployments: [{ deployment_name: "gpt4o-multi", alias: "gpt-4o", is_default: true }],
    });
    expect(azure.status, azure.text).toBe(201);
    const cfg = await admin(c.a, "POST", "/configs", {
      name: `responses ${suffix}`,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: openai.json.slug }, { virtual_key: azure.json.slug }] },
    });
    expect(cfg.status, cfg.text).toBe(201);
    config = cfg.json.slug;
  });
  afterAll(async () => c?.close());
  beforeEach(() => c.mock.reset());

  const client = (baseURL: string) =>
    new OpenAI({ apiKey: c.gatewayKey, baseURL, defaultHeaders: { "x-portkey-config": config }, maxRetries: 0 });

  it("turn one on A (OpenAI down, Azure answers), turn two on B goes to Azure although OpenAI is back", async () => {
    c.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, times: 1 });
    const first = await client(c.a.baseURL).responses.create({ model: "gpt-4o", input: "Turn one" });
    expect(first.output_text).toContain("Mock answer from azure");

    const { data: second, response } = await client(c.b.baseURL)
      .responses.create({ model: "gpt-4o", input: "Turn two", previous_response_id: first.id })
      .withResponse();
    expect(response.headers.get("x-detour-affinity")).toBe("pinned");
    expect(second.output_text).toContain("Mock answer from azure");
    expect(second.output_text).toContain("(turn 2)");

    // Reads by id on either instance go to Azure too, on the v1 path.
    expect((await client(c.b.baseURL).responses.retrieve(first.id)).id).toBe(first.id);
    expect((await client(c.a.baseURL).responses.retrieve(second.id)).id).toBe(second.id);
    expect(c.mock.requests().map((r) => [r.provider, r.path, r.status])).toEqual([
      ["openai", "responses", 503],
      ["azure", "responses", 200],
      ["azure", "responses", 200],
      ["azure", "responses/{id}", 200],
      ["azure", "responses/{id}", 200],
    ]);
    expect(c.mock.requests({ provider: "azure" }).map((r) => r.url.split("?")[0])).toEqual([
      "/openai/v1/responses",
      "/openai/v1/responses",
      `/openai/v1/responses/${first.id}`,
      `/openai/v1/responses/${second.id}`,
    ]);
  });

  it("the record outlives Redis: after the Redis entries are gone, B finds it in the database", async () => {
    c.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, times: 1 });
    const first = await client(c.a.baseURL).responses.create({ model: "gpt-4o", input: "Remember me" });
    // Wait for A's log writer to write the row (and the record with it), then drop Redis's copy.
    await waitFor(async () => (await c.db.requestLog.count({ where: { responseId: first.id } })) > 0, 10_000, "the create's log row");
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${c.prefix}*${first.id}*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
    } finally {
      await redis.quit();
    }
    const second = await client(c.b.baseURL).responses.create({ model: "gpt-4o", input: "Still there?", previous_response_id: first.id });
    expect(second.output_text).toContain("azure");
    expect(c.mock.requests().map((r) => r.provider)).toEqual(["openai", "azure", "azure"]);
  });
});
