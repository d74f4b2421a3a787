/**
 * Two instances, one PostgreSQL, one Redis: an API key's default config changed or cleared through
 * instance A's management API routes instance B's next requests by the new one promptly. B caches the
 * key (with its default) for 60 s, so only the invalidation A publishes (the key's hash, as for a
 * revocation or a rate-limit change) can make B act within the bound (tests/multi/invalidation.test.ts
 * shows the control: a change B is not told about outlives it).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  call,
  chatVia,
  msUntil,
  probeServices,
  SERVICES_REQUIRED,
  startCluster,
  type Cluster,
} from "../../testing/multi-instance-harness";

/** As in invalidation.test.ts: tens of ms measured; generous on a loaded 2-core machine, far below B's 60 s TTL. */
const PROPAGATION_LIMIT_MS = 3_000;

const services = await probeServices();

describe.skipIf(!services.ok && !SERVICES_REQUIRED)("several instances: an API key's default config", () => {
  let c: Cluster;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    c = await startCluster();
  });
  afterAll(async () => c?.close());

  const suffix = () => randomBytes(3).toString("hex");
  /** A config routing to its own OpenAI virtual key on the mock, so the upstream key says which config served. */
  async function configWithSecret(secret: string): Promise<string> {
    const vk = await admin(c.a, "POST", "/virtual-keys", {
      name: `default ${suffix()}`,
      provider: "openai",
      key: secret,
      custom_host: `${c.mock.url}/v1`,
    });
    expect(vk.status, vk.text).toBe(201);
    const cfg = await admin(c.a, "POST", "/configs", { name: `default ${suffix()}`, config: { virtual_key: vk.json.slug } });
    expect(cfg.status, cfg.text).toBe(201);
    return cfg.json.slug as string;
  }

  it("a change on A routes B's next request by the new default; clearing it gives B's next request no_target", async () => {
    const firstSecret = `sk-first-${suffix()}-0000000000`;
    const secondSecret = `sk-second-${suffix()}-000000000`;
    const first = await configWithSecret(firstSecret);
    const second = await configWithSecret(secondSecret);
    const created = await admin(c.a, "POST", "/api-keys", { name: `defaulted ${suffix()}`, default_config: first });
    expect(created.status, created.text).toBe(201);
    const key: string = created.json.key;

    // B caches the key with its default: requests naming nothing go to the first config's key.
    for (let i = 0; i < 2; i++) expect((await chatVia(c.b, c.mock, key, {})).key).toBe(firstSecret);

    const put = await admin(c.a, "PUT", `/api-keys/${created.json.id}`, { default_config: second });
    const answered = performance.now();
    expect(put.status, put.text).toBe(200);
    const switched = await msUntil(answered, async () => (await chatVia(c.b, c.mock, key, {})).key === secondSecret, 5_000);
    expect(switched.ok, `B still routed by the old default ${Math.round(switched.ms)} ms after A answered`).toBe(true);
    expect(switched.ms).toBeLessThan(PROPAGATION_LIMIT_MS);

    const cleared = await admin(c.a, "PUT", `/api-keys/${created.json.id}`, { default_config: null });
    const clearedAt = performance.now();
    expect(cleared.status, cleared.text).toBe(200);
    let last: Awaited<ReturnType<typeof call>> | undefined;
    const gone = await msUntil(
      clearedAt,
      async () => {
        last = await call(
          c.b,
          "POST",
          "/chat/completions",
          { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] },
          { "x-api-key": key },
        );
        return last.status === 400;
      },
      5_000,
    );
    expect(gone.ok, `B still used the cleared default ${Math.round(gone.ms)} ms after A answered`).toBe(true);
    expect(gone.ms).toBeLessThan(PROPAGATION_LIMIT_MS);
    expect(last!.json.error.code).toBe("no_target");
  });
});
