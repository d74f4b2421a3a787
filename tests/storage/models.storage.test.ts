import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@/lib/db";
import { decryptSecret, encryptSecret, maskSecret } from "@/lib/crypto";
import { checkHealth } from "@/lib/health";
import { deleteWorkspace, ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

describe(`data model on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  const key = randomBytes(32);

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await ensureDefaultWorkspace(t.db)).id;
  });
  afterAll(async () => t?.drop());

  it("keeps a virtual key's secrets as versions: a rotation adds one and retires the old", async () => {
    const vk = await t.db.virtualKey.create({
      data: {
        workspaceId,
        slug: "azure-prod-1a2b3c",
        name: "Azure prod",
        provider: "azure-openai",
        resourceName: "my-resource",
        apiVersion: "2024-10-21",
        secrets: { create: { version: 1, ciphertext: encryptSecret("azure-key-one-0001", key), hint: maskSecret("azure-key-one-0001") } },
        deployments: {
          create: [
            { deploymentName: "gpt4o-eu", alias: "gpt-4o", isDefault: true, position: 0 },
            { deploymentName: "mini-eu", alias: "gpt-4o-mini", apiVersion: "2024-06-01", position: 1 },
          ],
        },
      },
    });
    const retiredAt = new Date();
    await t.db.$transaction([
      t.db.virtualKeySecret.update({
        where: { virtualKeyId_version: { virtualKeyId: vk.id, version: 1 } },
        data: { retiredAt, retiredById: "user-1" },
      }),
      t.db.virtualKeySecret.create({
        data: {
          virtualKeyId: vk.id,
          version: 2,
          ciphertext: encryptSecret("azure-key-two-0002", key),
          hint: maskSecret("azure-key-two-0002"),
        },
      }),
      t.db.virtualKey.update({ where: { id: vk.id }, data: { currentVersion: 2, rotatedAt: retiredAt } }),
    ]);
    const loaded = await t.db.virtualKey.findUniqueOrThrow({
      where: { slug: "azure-prod-1a2b3c" },
      include: { secrets: { orderBy: { version: "asc" } }, deployments: { orderBy: { position: "asc" } } },
    });
    expect(loaded.currentVersion).toBe(2);
    expect(loaded.secrets.map((s) => [s.version, s.hint, s.retiredAt !== null])).toEqual([
      [1, "...0001", true],
      [2, "...0002", false],
    ]);
    expect(decryptSecret(loaded.secrets[1]!.ciphertext, key)).toBe("azure-key-two-0002");
    expect(loaded.secrets[0]!.retiredAt?.getTime()).toBe(retiredAt.getTime());
    expect(loaded.deployments.map((d) => [d.deploymentName, d.alias, d.isDefault, d.apiVersion])).toEqual([
      ["gpt4o-eu", "gpt-4o", true, null],
      ["mini-eu", "gpt-4o-mini", false, "2024-06-01"],
    ]);
    // A version number is unique per key: the same version twice is refused.
    await expect(
      t.db.virtualKeySecret.create({ data: { virtualKeyId: vk.id, version: 2, ciphertext: "x", hint: "..." } }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("keeps configs as versions under a unique slug", async () => {
    const cfg = await t.db.config.create({
      data: {
        workspaceId,
        slug: "pc-openai-3f9a1c",
        name: "OpenAI to Azure",
        versions: { create: { version: 1, body: JSON.stringify({ strategy: { mode: "fallback" }, targets: [] }), author: "user:1" } },
      },
    });
    await t.db.configVersion.create({
      data: { configId: cfg.id, version: 2, body: '{"strategy":{"mode":"single"}}', author: "api_key:2" },
    });
    const versions = await t.db.configVersion.findMany({ where: { configId: cfg.id }, orderBy: { version: "desc" } });
    expect(versions.map((v) => [v.version, v.author])).toEqual([
      [2, "api_key:2"],
      [1, "user:1"],
    ]);
    await expect(t.db.config.create({ data: { workspaceId, slug: "pc-openai-3f9a1c", name: "dup" } })).rejects.toMatchObject({
      code: "P2002",
    });
  });

  it("stores a request log with its attempts and metadata, and reads them back by the indexed filters", async () => {
    const createdAt = new Date("2026-11-20T10:00:00.123Z");
    await t.db.requestLog.create({
      data: {
        id: "log_0001",
        workspaceId,
        createdAt,
        traceId: "my-trace-id",
        metadata: JSON.stringify({ team: "search" }),
        configSlug: "pc-openai-3f9a1c",
        configVersion: 2,
        path: "/v1/chat/completions",
        modelRequested: "gpt-4o",
        stream: true,
        status: 200,
        provider: "azure-openai",
        model: "gpt-4o",
        virtualKeySlug: "azure-prod-1a2b3c",
        virtualKeyVersion: 2,
        promptTokens: 12,
        completionTokens: 30,
        totalTokens: 42,
        cost: 0.000123,
        latencyMs: 812,
        overheadMs: 0.42,
        retryCount: 0,
        fallbackUsed: true,
        requestBody: '{"model":"gpt-4o"}',
        attempts: {
          create: [
            {
              workspaceId,
              logCreatedAt: createdAt,
              index: 0,
              targetPath: "config.targets[0]",
              provider: "openai",
              virtualKeySlug: "openai-prod",
              status: 503,
              errorClass: "upstream_status",
              latencyMs: 40,
              startedAt: createdAt,
            },
            {
              workspaceId,
              logCreatedAt: createdAt,
              index: 1,
              targetPath: "config.targets[1]",
              provider: "azure-openai",
              virtualKeySlug: "azure-prod-1a2b3c",
              virtualKeyVersion: 2,
              status: 200,
              latencyMs: 760,
              startedAt: createdAt,
            },
          ],
        },
        metadataEntries: { create: [{ workspaceId, logCreatedAt: createdAt, key: "team", value: "search" }] },
      },
    });
    const found = await t.db.requestLog.findMany({
      where: {
        workspaceId,
        traceId: "my-trace-id",
        fallbackUsed: true,
        status: { gte: 200, lt: 300 },
        cost: { gte: 0.0001, lte: 0.001 },
        createdAt: { gte: new Date("2026-11-20T00:00:00Z") },
        metadataEntries: { some: { key: "team", value: "search" } },
      },
      include: { attempts: { orderBy: { index: "asc" } } },
    });
    expect(found).toHaveLength(1);
    const log = found[0]!;
    expect(log.createdAt.toISOString()).toBe("2026-11-20T10:00:00.123Z");
    expect(log.cost).toBeCloseTo(0.000123, 9);
    expect(log.overheadMs).toBeCloseTo(0.42, 6);
    expect(log.stream).toBe(true);
    expect(log.attempts.map((a) => [a.index, a.provider, a.status])).toEqual([
      [0, "openai", 503],
      [1, "azure-openai", 200],
    ]);
    // An unknown model's cost is null, not 0.
    await t.db.requestLog.create({
      data: {
        id: "log_0002",
        workspaceId,
        createdAt,
        traceId: "t2",
        path: "/v1/chat/completions",
        status: 200,
        latencyMs: 5,
        overheadMs: 0.1,
        cost: null,
      },
    });
    expect((await t.db.requestLog.findUniqueOrThrow({ where: { id: "log_0002" } })).cost).toBeNull();
  });

  // The logs and metadata go by ON DELETE CASCADE; on PostgreSQL the attempts are deleted through
  // the logs by deleteWorkspace (they have no key to the workspace: migration 0014).
  it("removes a workspace's logs, attempts and metadata with it", async () => {
    const other = await t.db.workspace.create({ data: { name: "Other", slug: "other" } });
    const createdAt = new Date();
    await t.db.requestLog.create({
      data: {
        id: "log_other",
        workspaceId: other.id,
        createdAt,
        traceId: "x",
        path: "/v1/embeddings",
        status: 500,
        latencyMs: 1,
        overheadMs: 0.1,
        attempts: {
          create: { workspaceId: other.id, logCreatedAt: createdAt, index: 0, targetPath: "config", status: 500, startedAt: createdAt },
        },
        metadataEntries: { create: { workspaceId: other.id, logCreatedAt: createdAt, key: "env", value: "prod" } },
      },
    });
    expect(await deleteWorkspace(t.db, other.id)).toMatchObject({ ok: true });
    expect(await t.db.requestLog.count({ where: { workspaceId: other.id } })).toBe(0);
    expect(await t.db.requestAttempt.count({ where: { logId: "log_other" } })).toBe(0);
    expect(await t.db.requestLogMetadata.count({ where: { logId: "log_other" } })).toBe(0);
  });

  it("answers the health check, and reports an unreachable database as an error", async () => {
    expect(await checkHealth(t.db, TEST_DB_KIND, "test")).toMatchObject({ status: "ok", db: "ok", database: TEST_DB_KIND });
    const unreachable =
      TEST_DB_KIND === "postgresql"
        ? createDb({ kind: "postgresql", url: "postgresql://postgres@127.0.0.1:1/nothing" })
        : createDb({ kind: "sqlite", file: path.join(notADirectory(), "x.db") });
    try {
      const health = await checkHealth(unreachable, TEST_DB_KIND, "test");
      expect(health).toMatchObject({ status: "error", db: "error" });
      expect(health.reason).toMatch(/^database unreachable: /);
    } finally {
      await unreachable.$disconnect().catch(() => undefined);
    }
  });
});

/** A path that is a file, so a database "inside" it cannot be opened. */
function notADirectory(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "detour-")), "plain-file");
  writeFileSync(file, "");
  return file;
}
