/**
 * Saved configs' provider keys at rest (issue 11, item 3): rows that earlier versions stored with
 * api_key in clear are encrypted at start-up (bootstrap), idempotently, on SQLite and PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bootstrap } from "@/lib/bootstrap";
import { isEnvelope, openConfigKeys } from "@/lib/config-secrets";
import { createDb, type Db } from "@/lib/db";
import { parseEnv, type Env } from "@/lib/env";
import { addConfigVersion, createConfig } from "@/lib/store/configs";
import { createEmptyTarget, TEST_DB_KIND } from "../../testing/test-db";

function envFor(target: Env["database"]): Env {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-data-"));
  return { ...parseEnv({ DETOUR_DATA_DIR: dataDir, DETOUR_ADMIN_PASSWORD: "config-keys-test-pw" }), database: target };
}

describe(`saved configs' provider keys at rest on ${TEST_DB_KIND}`, () => {
  let target: Env["database"];
  let drop: () => Promise<void>;
  let db: Db;
  const key = { key: randomBytes(32), origin: "test key" };

  beforeEach(async () => {
    ({ target, drop } = await createEmptyTarget());
    db = createDb(target);
  });
  afterEach(async () => {
    await db.$disconnect();
    await drop();
  });

  it("start-up encrypts every api_key an earlier version stored in clear, leaves the rest as it was, and is idempotent", async () => {
    const { workspaceId } = await bootstrap(envFor(target), key, db);
    // Rows as earlier versions wrote them: the key in clear (snake_case canonical text, and raw camelCase JSON).
    const v1 = {
      strategy: { mode: "fallback" },
      targets: [{ provider: "openai", api_key: "sk-clear-at-rest-0000000001" }, { virtual_key: "vk-1" }],
    };
    const v2 = {
      targets: [{ targets: [{ provider: "azure-openai", apiKey: "azure-clear-at-rest-000002", resourceName: "r" }] }],
      strategy: { mode: "loadbalance" },
    };
    const { slug } = await createConfig(db, { workspaceId, name: "legacy", body: JSON.stringify(v1), author: null });
    await addConfigVersion(db, workspaceId, slug, JSON.stringify(v2), null);
    const plain = await createConfig(db, { workspaceId, name: "no keys", body: JSON.stringify({ virtual_key: "vk-1" }), author: null });

    await bootstrap(envFor(target), key, db);

    const rows = await db.configVersion.findMany({ where: { config: { slug } }, orderBy: { version: "asc" } });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.body).not.toMatch(/sk-clear-at-rest|azure-clear-at-rest/);
    }
    const [first, second] = rows.map((r) => JSON.parse(r.body));
    expect(isEnvelope(first.targets[0].api_key)).toBe(true);
    expect(isEnvelope(second.targets[0].targets[0].apiKey)).toBe(true);
    expect(openConfigKeys(first, key.key)).toEqual(v1);
    expect(openConfigKeys(second, key.key)).toEqual(v2);
    const untouched = await db.configVersion.findFirstOrThrow({ where: { config: { slug: plain.slug } } });
    expect(untouched.body).toBe(JSON.stringify({ virtual_key: "vk-1" }));

    // A second start changes nothing (the envelopes stay byte for byte).
    await bootstrap(envFor(target), key, db);
    const again = await db.configVersion.findMany({ where: { config: { slug } }, orderBy: { version: "asc" } });
    expect(again.map((r) => r.body)).toEqual(rows.map((r) => r.body));
  });
});
