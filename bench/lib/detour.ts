/**
 * Detour-side set-up shared by the benchmarks: the mock upstream as its own process, a temp
 * PostgreSQL database, a database seeded the way testing/gateway-harness.ts does it (bootstrap, a
 * gateway API key, virtual keys whose customHost is the mock, saved configs), Detour's
 * `/api/health` log queue, and request-log row counts read straight from the database.
 *
 * Detour's own modules are imported inside the functions (not at the top), so that the caller can
 * set LOG_LEVEL first: their logger must not print to stdout, which carries the Markdown report.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { FaultRule, ScriptedRule } from "../../testing/mock-upstream/types";
import { freePort } from "../../testing/server-process";
import { log, onCleanup, sleep, spawnProc, waitForHttp, type Proc } from "./procs";
import { createPgDatabase as createTestPgDatabase } from "../../testing/pg-database";

// ---------- mock upstream ----------

export type Mock = {
  url: string;
  pid: number | undefined;
  proc: Proc;
  script(rule: FaultRule): Promise<string>;
  rules(): Promise<ScriptedRule[]>;
};

/** testing/mock-upstream/cli.ts as its own process on a free port (`seed` makes rule probabilities reproducible). */
export async function startMock(options: { seed?: number; maxRecords?: number } = {}): Promise<Mock> {
  const port = await freePort();
  const args = [
    "--import",
    "tsx",
    "testing/mock-upstream/cli.ts",
    "--port",
    String(port),
    "--max-records",
    String(options.maxRecords ?? 1000),
  ];
  if (options.seed !== undefined) args.push("--seed", String(options.seed));
  const proc = spawnProc("mock upstream", args, {});
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/__mock/health`, proc);
  return {
    url,
    pid: proc.child.pid,
    proc,
    script: async (rule) => {
      const res = await fetch(`${url}/__mock/script`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(rule),
      });
      if (!res.ok) throw new Error(`mock refused rule ${JSON.stringify(rule)}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    },
    rules: async () => (await (await fetch(`${url}/__mock/script`)).json()) as ScriptedRule[],
  };
}

// ---------- databases ----------

export const PG_ADMIN_URL = process.env.DETOUR_BENCH_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A new, empty PostgreSQL database on PG_ADMIN_URL's server; dropped (WITH FORCE) at clean-up. */
export async function createPgDatabase(prefix: string): Promise<string> {
  let database: Awaited<ReturnType<typeof createTestPgDatabase>>;
  try {
    database = await createTestPgDatabase(PG_ADMIN_URL, prefix);
  } catch (err) {
    throw new Error(`cannot create a PostgreSQL database on ${PG_ADMIN_URL}: ${(err as Error).message}`);
  }
  onCleanup(`drop database ${database.name}`, database.drop);
  log(`PostgreSQL database ${database.name} created (dropped at the end)`);
  return database.url;
}

// ---------- seeding ----------

export type Seeded = {
  workspaceId: string;
  /** A gateway-scope API key (x-portkey-api-key). */
  apiKey: string;
  openaiKey(name: string, secret: string): Promise<string>;
  azureKey(name: string, secret: string, deploymentName: string, alias: string): Promise<string>;
  anthropicKey(name: string, secret: string): Promise<string>;
  config(name: string, body: unknown): Promise<string>;
  /** Sets a budget on the virtual key `slug` (docs/GATEWAY.md §12). */
  virtualKeyBudget(slug: string, limitUsd: number, period: "total" | "daily" | "monthly"): Promise<void>;
  close(): Promise<void>;
};

/**
 * Migrates and bootstraps `databaseUrl` (SQLite `file:` or `postgresql://`) from this process, as a
 * first deploy would, and creates a gateway API key; the returned helpers add virtual keys pointing
 * at `mockUrl` and saved configs.
 */
export async function seedDetour(databaseUrl: string, dataDir: string, keyHex: string, mockUrl: string): Promise<Seeded> {
  const { bootstrap } = await import("../../lib/bootstrap");
  const { apiKeyDisplayPrefix, generateApiKey, hashApiKey } = await import("../../lib/crypto");
  const { createDb } = await import("../../lib/db");
  const { parseEnv } = await import("../../lib/env");
  const { createConfig } = await import("../../lib/store/configs");
  const { createVirtualKey } = await import("../../lib/store/virtual-keys");
  const { writeBudget } = await import("../../lib/store/budgets");
  const encryptionKey = Buffer.from(keyHex, "hex");
  const env = parseEnv({ DETOUR_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, DETOUR_ADMIN_PASSWORD: "bench-admin-password" });
  const db = createDb(env.database);
  const { workspaceId } = await bootstrap(env, { key: encryptionKey, origin: "bench" }, db);
  const apiKey = generateApiKey();
  await db.apiKey.create({
    data: { workspaceId, name: "bench", prefix: apiKeyDisplayPrefix(apiKey), hash: hashApiKey(apiKey), scope: "gateway" },
  });
  return {
    workspaceId,
    apiKey,
    openaiKey: async (name, secret) =>
      (await createVirtualKey(db, encryptionKey, { workspaceId, name, provider: "openai", secret, customHost: `${mockUrl}/v1` })).slug,
    azureKey: async (name, secret, deploymentName, alias) =>
      (
        await createVirtualKey(db, encryptionKey, {
          workspaceId,
          name,
          provider: "azure-openai",
          secret,
          resourceName: "detour-bench",
          apiVersion: "2024-10-21",
          customHost: `${mockUrl}/openai`,
          deployments: [{ deploymentName, alias, isDefault: true }],
        })
      ).slug,
    anthropicKey: async (name, secret) =>
      (await createVirtualKey(db, encryptionKey, { workspaceId, name, provider: "anthropic", secret, customHost: mockUrl })).slug,
    config: async (name, body) => (await createConfig(db, { workspaceId, name, body: JSON.stringify(body), author: "bench" })).slug,
    virtualKeyBudget: async (slug, limitUsd, period) => {
      const { id } = await db.virtualKey.findUniqueOrThrow({ where: { slug }, select: { id: true } });
      await writeBudget(db, workspaceId, { scope: "virtual_key", id }, { limit_usd: limitUsd, period, alert_at_pct: null });
    },
    close: () => db.$disconnect(),
  };
}

/**
 * The hot path's cases in a fresh SQLite data dir (removed at the end), as bench/run.ts, ab.ts and
 * own-time.ts serve them: a virtual key the mock answers (`ok`), one it fails (`fail`: the caller
 * scripts the fault), a fallback config from the failing key to the answering one, and a config
 * with the response cache on. The seed stays open for more: the caller closes it.
 */
export async function seedHotPath(prefix: string, keyHex: string, mockUrl: string, keys: { ok: string; fail: string }) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup("remove the data dir", () => rmSync(dataDir, { recursive: true, force: true }));
  const dbFile = path.join(dataDir, "detour.db");
  const seed = await seedDetour(`file:${dbFile}`, dataDir, keyHex, mockUrl);
  const vkOk = await seed.openaiKey("bench ok", keys.ok);
  const vkFail = await seed.openaiKey("bench fail", keys.fail);
  const fallback = await seed.config("bench fallback", {
    strategy: { mode: "fallback" },
    targets: [{ virtual_key: vkFail }, { virtual_key: vkOk }],
  });
  // Every request of the cache case is the same: all but the first are hits.
  const cache = await seed.config("bench cache", { cache: { mode: "simple", max_age: 3600 }, virtual_key: vkOk });
  return { dataDir, dbFile, seed, vkOk, vkFail, fallback, cache };
}

/**
 * The environment of a Detour process serving a benchmark's SQLite database: production mode, the
 * mock on loopback allowed as a custom host, `npm start`'s log level.
 */
export function sqliteDetourEnv(dataDir: string, dbFile: string, keyHex: string): Record<string, string> {
  return {
    DETOUR_DATA_DIR: dataDir,
    DATABASE_URL: `file:${dbFile}`,
    DETOUR_ENCRYPTION_KEY: keyHex,
    DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
    NODE_ENV: "production",
    LOG_LEVEL: "info", // the default of `npm start`
  };
}

// ---------- request log ----------

export type LogQueue = {
  queued: number;
  written: number;
  dropped: number;
  rejected: number;
  failed_writes: number;
  last_error?: string | null;
};

export async function logQueue(baseUrl: string): Promise<LogQueue | undefined> {
  const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
  return ((await res.json()) as { log_queue?: LogQueue }).log_queue;
}

/** Polls `/api/health` on every instance until its log queue is empty (or `timeoutMs`); the last readings. */
export async function waitForLogDrain(baseUrls: string[], timeoutMs = 30_000): Promise<(LogQueue | undefined)[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const qs = await Promise.all(baseUrls.map((u) => logQueue(u).catch(() => undefined)));
    if (qs.every((q) => q && q.queued === 0) || Date.now() > deadline) return qs;
    await sleep(250);
  }
}

/** Runs one read-only query on the Detour database (SQLite file or PostgreSQL URL); rows as objects. */
export async function queryDb<T>(databaseUrl: string, sql: { sqlite: string; postgresql: string }): Promise<T[]> {
  if (databaseUrl.startsWith("postgres")) {
    const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    await c.connect();
    try {
      return (await c.query(sql.postgresql)).rows as T[];
    } finally {
      await c.end();
    }
  }
  const file = databaseUrl.replace(/^file:/, "");
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql.sqlite).all() as T[];
  } finally {
    db.close();
  }
}

/** Request-log rows (total and by status) and attempt rows. */
export async function countLogs(
  databaseUrl: string,
): Promise<{ rows: number; byStatus: { status: number; n: number }[]; attempts: number }> {
  const byStatus = (
    await queryDb<{ status: number; n: number | string }>(databaseUrl, {
      sqlite: `SELECT status, count(*) AS n FROM RequestLog GROUP BY status ORDER BY status`,
      postgresql: `SELECT status, count(*) AS n FROM "RequestLog" GROUP BY status ORDER BY status`,
    })
  ).map((r) => ({ status: Number(r.status), n: Number(r.n) }));
  const [a] = await queryDb<{ n: number | string }>(databaseUrl, {
    sqlite: `SELECT count(*) AS n FROM RequestAttempt`,
    postgresql: `SELECT count(*) AS n FROM "RequestAttempt"`,
  });
  return { rows: byStatus.reduce((s, r) => s + r.n, 0), byStatus, attempts: Number(a?.n ?? 0) };
}
