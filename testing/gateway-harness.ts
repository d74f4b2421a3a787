/**
 * A real Detour (the production build served by scripts/server.ts, its own process) on a fresh database, a
 * real mock OpenAI/Azure upstream, and helpers to seed keys and configs and read the log rows.
 * Gateway tests talk to Detour over HTTP only.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bootstrap } from "@/lib/bootstrap";
import { generateApiKey, hashApiKey, apiKeyDisplayPrefix } from "@/lib/crypto";
import { createDb, type Db } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { createConfig, addConfigVersion } from "@/lib/store/configs";
import { createVirtualKey, rotateVirtualKeySecret, revokeVirtualKey, type NewVirtualKey } from "@/lib/store/virtual-keys";
import { startMockUpstream } from "@/testing/mock-upstream/server";
import type { MockUpstream } from "@/testing/mock-upstream/types";
import { startServer, waitForHealthOrExit, type ServerProcess } from "@/testing/server-process";
import { createEmptyTarget } from "./test-db";

export type Harness = {
  url: string;
  baseURL: string;
  mock: MockUpstream;
  db: Db;
  workspaceId: string;
  apiKey: string;
  server: ServerProcess;
  vk(input: Omit<NewVirtualKey, "workspaceId">): Promise<string>;
  openaiKey(name?: string, secret?: string): Promise<string>;
  azureKey(name?: string, secret?: string, deployments?: NewVirtualKey["deployments"]): Promise<string>;
  config(name: string, body: unknown): Promise<string>;
  updateConfig(slug: string, body: unknown): Promise<void>;
  rotate(slug: string, secret: string): Promise<void>;
  revoke(slug: string): Promise<void>;
  headers(extra?: Record<string, string>): Record<string, string>;
  waitForLog(id: string, timeoutMs?: number): Promise<LogWithAttempts>;
  close(): Promise<void>;
};

export type LogWithAttempts = NonNullable<Awaited<ReturnType<typeof readLog>>>;

async function readLog(db: Db, id: string) {
  return db.requestLog.findUnique({ where: { id }, include: { attempts: { orderBy: { index: "asc" } }, metadataEntries: true } });
}

/** `port`: Detour's, `mockPort`: the mock upstream's (default: free ports the system picks). */
export type HarnessOptions = { port?: number; mockPort?: number; adminPassword?: string };

export async function startHarness(env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const mock = await startMockUpstream({ port: options.mockPort ?? 0 });
  const empty = await createEmptyTarget();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-gw-"));
  const keyHex = randomBytes(32).toString("hex");
  const encryptionKey = Buffer.from(keyHex, "hex");
  const databaseUrl = empty.target.kind === "sqlite" ? `file:${empty.target.file}` : empty.target.url;
  const db = createDb(empty.target);
  const boot = await bootstrap(
    parseEnv({ DETOUR_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, DETOUR_ADMIN_PASSWORD: options.adminPassword ?? "gateway-tests-pw" }),
    { key: encryptionKey, origin: "test" },
    db,
  );
  const workspaceId = boot.workspaceId;
  const apiKey = generateApiKey();
  await db.apiKey.create({
    data: { workspaceId, name: "gateway tests", prefix: apiKeyDisplayPrefix(apiKey), hash: hashApiKey(apiKey), scope: "gateway" },
  });

  const server = await startServer(
    {
      DETOUR_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      DETOUR_ENCRYPTION_KEY: keyHex,
      DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
      NODE_ENV: "production",
      ...env,
    },
    options.port,
  );
  const ready = await waitForHealthOrExit(server);
  if (ready.health !== 200) throw new Error(`Detour did not start: ${server.output()}`);
  const url = `http://127.0.0.1:${server.port}`;

  const h: Harness = {
    url,
    baseURL: `${url}/v1`,
    mock,
    db,
    workspaceId,
    apiKey,
    server,
    vk: async (input) => (await createVirtualKey(db, encryptionKey, { workspaceId, ...input })).slug,
    openaiKey: (name = "OpenAI", secret = `sk-openai-${randomBytes(8).toString("hex")}`) =>
      h.vk({ name, provider: "openai", secret, customHost: `${mock.url}/v1` }),
    azureKey: (
      name = "Azure",
      secret = `azure-${randomBytes(12).toString("hex")}`,
      deployments = [
        { deploymentName: "gpt4o-prod", alias: "gpt-4o", isDefault: true },
        { deploymentName: "mini-prod", alias: "gpt-4o-mini" },
      ],
    ) =>
      h.vk({
        name,
        provider: "azure-openai",
        secret,
        resourceName: "detour-test",
        apiVersion: "2024-10-21",
        customHost: `${mock.url}/openai`,
        deployments,
      }),
    config: async (name, body) => (await createConfig(db, { workspaceId, name, body: JSON.stringify(body), author: "test" })).slug,
    updateConfig: async (slug, body) => {
      await addConfigVersion(db, workspaceId, slug, JSON.stringify(body), "test");
    },
    rotate: async (slug, secret) => {
      await rotateVirtualKeySecret(db, encryptionKey, workspaceId, slug, secret, null);
    },
    revoke: async (slug) => {
      await revokeVirtualKey(db, workspaceId, slug, null);
    },
    headers: (extra = {}) => ({ "content-type": "application/json", "x-portkey-api-key": apiKey, ...extra }),
    waitForLog: async (id, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await readLog(db, id);
        if (row) return row as NonNullable<typeof row>;
        if (Date.now() > deadline) throw new Error(`log row ${id} was not written within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50)); // the writer flushes every 250 ms
      }
    },
    close: async () => {
      await server.stop();
      await mock.close();
      await db.$disconnect();
      await empty.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}

/** A chat body like the seed's. */
export function chatBody(extra: Record<string, unknown> = {}) {
  return { model: "gpt-4o", messages: [{ role: "user" as const, content: "What are the 7 wonders of the world?" }], ...extra };
}

/** A log row's metadata as an object (key -> value). */
export function metadataOf(log: Pick<LogWithAttempts, "metadataEntries">): Record<string, string> {
  return Object.fromEntries(log.metadataEntries.map((m) => [m.key, m.value]));
}
