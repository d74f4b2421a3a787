/**
 * Several Detour instances (the production build, each its own process (scripts/server.ts) on its own
 * port) on one fresh PostgreSQL database and one Redis, like a real multi-instance deployment,
 * with one mock upstream. Instance B reaches Redis through a TCP proxy the test can cut and
 * restore, to prove what happens when Redis goes away and comes back. With `pgProxy`, both reach
 * PostgreSQL through another one (`cluster.pgProxy`), to take the database away.
 *
 * Needs PostgreSQL (DETOUR_TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres) and
 * Redis (DETOUR_TEST_REDIS_URL, default redis://127.0.0.1:6379), whatever DETOUR_TEST_DB says:
 * cross-instance invalidation is a PostgreSQL deployment's feature. With CI=true they are
 * mandatory (the tests fail); otherwise the tests skip, saying why.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { TcpProxy } from "./tcp-proxy";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import Redis from "ioredis";
import pg from "pg";
import { startMockUpstream } from "@/testing/mock-upstream/server";
import type { MockUpstream } from "@/testing/mock-upstream/types";
import { startServer, waitForHealthOrExit, type ServerProcess } from "@/testing/server-process";
import { bootstrap } from "@/lib/bootstrap";
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from "@/lib/crypto";
import { createDb, type Db } from "@/lib/db";
import { createPgDatabase } from "./pg-database";
import { parseEnv } from "@/lib/env";

export const PG_ADMIN_URL = process.env.DETOUR_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.DETOUR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const ADMIN_KEY = "detour-admin-key-for-multi-tests-0001";
export const SERVICES_REQUIRED = process.env.CI === "true";

/** Whether PostgreSQL and Redis answer; the reason when not. */
export async function probeServices(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const problems: string[] = [];
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
  } catch (err) {
    problems.push(`PostgreSQL unreachable at ${PG_ADMIN_URL}: ${(err as Error).message}`);
  } finally {
    await c.end().catch(() => {});
  }
  try {
    await redisPing(REDIS_URL);
  } catch (err) {
    problems.push(`Redis unreachable at ${REDIS_URL}: ${(err as Error).message}`);
  }
  return problems.length ? { ok: false, reason: problems.join("; ") } : { ok: true };
}

/** A raw RESP PING (no client library), bounded by 3 s. */
function redisPing(url: string): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const timer = setTimeout(() => socket.destroy(new Error("no answer within 3 s")), 3_000);
    let reply = "";
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      reply += d.toString();
      if (reply.includes("\r\n")) {
        clearTimeout(timer);
        socket.end();
        if (reply.startsWith("+PONG")) resolve();
        else reject(new Error(`unexpected answer ${JSON.stringify(reply.trim())}`));
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * A TcpProxy on its own thread (testing/tcp-proxy-worker.ts), for instance B's way to Redis: a test
 * that sends hundreds of requests at once keeps this process's event loop busy, and an in-process
 * proxy then held B's Redis replies back past the budget ledger's 500 ms (B fell back to enforcing
 * budgets alone: the multi-instance budget test overspent). Cut, blackhole and restore act as
 * TcpProxy's, each answered once done.
 */
export class ThreadedTcpProxy {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  port = 0;

  constructor(target: { host: string; port: number }) {
    const tsx = createRequire(path.join(process.cwd(), "package.json")).resolve("tsx/cjs");
    const entry = path.join(process.cwd(), "testing/tcp-proxy-worker.ts");
    this.worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, {
      eval: true,
      workerData: { target },
      execArgv: [],
    });
    this.worker.on("message", (m: { id: number; ok: boolean; port: number; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.port = m.port;
      if (m.ok) p.resolve();
      else p.reject(new Error(m.error));
    });
    this.worker.on("error", (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private send(op: "start" | "cut" | "blackhole" | "restore" | "close", port?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, port });
    });
  }

  start(port = 0): Promise<void> {
    return this.send("start", port);
  }
  cut(): Promise<void> {
    return this.send("cut");
  }
  blackhole(): Promise<void> {
    return this.send("blackhole");
  }
  restore(): Promise<void> {
    return this.send("restore");
  }
  async close(): Promise<void> {
    await this.send("close").catch(() => {});
    await this.worker.terminate();
  }
}

export { TcpProxy };

export type Instance = {
  name: string;
  url: string;
  baseURL: string;
  server: ServerProcess;
  health(): Promise<{ status: number; body: any }>;
};

export type Cluster = {
  a: Instance;
  b: Instance;
  mock: MockUpstream;
  db: Db;
  workspaceId: string;
  /** DETOUR_REDIS_PREFIX of this run: its channel is `<prefix>:invalidate`. */
  prefix: string;
  /** Instance B's way to Redis. */
  redisProxy: ThreadedTcpProxy;
  /** Both instances' way to PostgreSQL, with `startCluster({ pgProxy: true })`. */
  pgProxy: TcpProxy | null;
  /** The database (direct URL), the data directories, and each instance's environment (to start it again). */
  databaseUrl: string;
  env: { a: Record<string, string>; b: Record<string, string> };
  /** A gateway-scope key for inference (stored directly, as the harness does). */
  gatewayKey: string;
  close(): Promise<void>;
};

export function instance(name: string, server: ServerProcess): Instance {
  const url = `http://127.0.0.1:${server.port}`;
  return {
    name,
    url,
    baseURL: `${url}/v1`,
    server,
    health: async () => {
      const res = await fetch(`${url}/api/health`);
      return { status: res.status, body: await res.json() };
    },
  };
}

/** `extraEnv`: both instances' extra environment; `envB`: B's only (e.g. DETOUR_ROLE=gateway). */
export type ClusterOptions = { pgProxy?: boolean; extraEnv?: Record<string, string>; envB?: Record<string, string> };

/** Two instances (A direct to Redis, B through `redisProxy`), started side by side on one new database. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  };
  try {
    const mock = await startMockUpstream({ port: 0 });
    cleanups.push(() => mock.close());
    const database = await createPgDatabase(PG_ADMIN_URL, "detour_multi");
    cleanups.push(() => database.drop());
    const redis = new URL(REDIS_URL);
    const redisProxy = new ThreadedTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    await redisProxy.start();
    cleanups.push(() => redisProxy.close());
    let pgProxy: TcpProxy | null = null;
    let instanceDbUrl = database.url;
    if (options.pgProxy) {
      const direct = new URL(database.url);
      const proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      await proxy.start();
      cleanups.push(() => proxy.close());
      direct.hostname = "127.0.0.1";
      direct.port = String(proxy.port);
      instanceDbUrl = direct.toString();
      pgProxy = proxy;
    }

    const keyHex = randomBytes(32).toString("hex");
    const prefix = `detour-test-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
    const dataDirs = ["a", "b", "boot"].map((n) => mkdtempSync(path.join(os.tmpdir(), `detour-multi-${n}-`)));
    cleanups.push(async () => {
      for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    });

    // Migrate, create the workspace and first admin once here, as a first deploy would.
    const db = createDb({ kind: "postgresql", url: database.url });
    cleanups.push(() => db.$disconnect());
    const boot = await bootstrap(
      parseEnv({
        DETOUR_DATA_DIR: dataDirs[2],
        DATABASE_URL: database.url,
        DETOUR_ADMIN_PASSWORD: "multi-tests-pw",
        DETOUR_ADMIN_API_KEY: ADMIN_KEY,
      }),
      { key: Buffer.from(keyHex, "hex"), origin: "test" },
      db,
    );
    const gatewayKey = generateApiKey();
    await db.apiKey.create({
      data: {
        workspaceId: boot.workspaceId,
        name: "multi tests",
        prefix: apiKeyDisplayPrefix(gatewayKey),
        hash: hashApiKey(gatewayKey),
        scope: "gateway",
      },
    });

    const common = {
      DATABASE_URL: instanceDbUrl,
      DETOUR_ENCRYPTION_KEY: keyHex,
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      DETOUR_ADMIN_API_KEY: ADMIN_KEY,
      DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
      DETOUR_REDIS_PREFIX: prefix,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      ...options.extraEnv,
    };
    const env = {
      a: { ...common, DETOUR_DATA_DIR: dataDirs[0]!, REDIS_URL },
      b: { ...common, DETOUR_DATA_DIR: dataDirs[1]!, REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, ...options.envB },
    };
    const [serverA, serverB] = await Promise.all([startServer(env.a), startServer(env.b)]);
    // A test may restart an instance (c.a = instance(...)): close stops whichever the cluster holds then.
    let cluster: Cluster | null = null;
    cleanups.push(
      () => (cluster?.a.server ?? serverA).stop(),
      () => (cluster?.b.server ?? serverB).stop(),
    );
    const ready = await Promise.all([waitForHealthOrExit(serverA), waitForHealthOrExit(serverB)]);
    ready.forEach((r, i) => {
      if (r.health !== 200) throw new Error(`Detour instance ${"AB"[i]} did not start: ${[serverA, serverB][i]!.output()}`);
    });
    const a = instance("A", serverA);
    const b = instance("B", serverB);
    // Both subscribed before the tests start (the subscription is set up at start, not awaited).
    await Promise.all(
      [a, b].map((i) => waitFor(async () => (await i.health()).body.redis === "ok", 10_000, `instance ${i.name}: redis ok in /api/health`)),
    );
    cluster = {
      a,
      b,
      mock,
      db,
      workspaceId: boot.workspaceId,
      prefix,
      redisProxy,
      pgProxy,
      databaseUrl: database.url,
      env,
      gatewayKey,
      close: cleanup,
    };
    return cluster;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until an instance's output matches `pattern`. Detour logs through pino's asynchronous
 * destination (the write goes through libuv's thread pool), so a line logged before a response can
 * reach the test after it: assert on output by waiting, never at once.
 */
export async function waitForOutput(instance: Instance, pattern: RegExp, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(instance.server.output())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${instance.name}'s output to match ${pattern}; its last lines:\n${instance.server.output().slice(-2_000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Measures how long after `since` (performance.now()) `probe` first returns true, probing back to
 * back (a probe is a real request, a few ms). Gives up after `limitMs` and returns what it saw.
 */
export async function msUntil(
  since: number,
  probe: () => Promise<boolean>,
  limitMs: number,
): Promise<{ ms: number; ok: boolean; probes: number }> {
  let probes = 0;
  for (;;) {
    probes++;
    if (await probe()) return { ms: performance.now() - since, ok: true, probes };
    const ms = performance.now() - since;
    if (ms > limitMs) return { ms, ok: false, probes };
    await new Promise((r) => setTimeout(r, 5));
  }
}

export type JsonAnswer = { status: number; json: any; text: string };

/** A request to an instance's `/v1`, JSON in and out. */
export async function call(
  i: Instance,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const res = await fetch(`${i.baseURL}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

/** The management API on `i` with the admin key. */
export const admin = (i: Instance, method: string, path: string, body?: unknown) =>
  call(i, method, path, body, { "x-portkey-api-key": ADMIN_KEY });

/** An OpenAI virtual key created through `on` (A by default) for the mock upstream with provider key `key`; its slug. */
export async function newVirtualKey(c: Cluster, name: string, key: string, on: Instance = c.a): Promise<string> {
  const r = await admin(on, "POST", "/virtual-keys", {
    name: `${name} ${randomBytes(3).toString("hex")}`,
    provider: "openai",
    key,
    custom_host: `${c.mock.url}/v1`,
  });
  if (r.status !== 201) throw new Error(`creating virtual key ${name} answered ${r.status}: ${r.text}`);
  return r.json.slug as string;
}

/** How many connections Redis counts as subscribed to this run's channel `<prefix>:<channel>`. */
export async function channelSubscribers(c: Cluster, channel: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const [, count] = (await redis.pubsub("NUMSUB", `${c.prefix}:${channel}`)) as [string, number];
    return Number(count);
  } finally {
    redis.disconnect();
  }
}

/** A chat completion through `i`; `key` is the provider key the mock saw for it (undefined if none was sent). */
export async function chatVia(
  i: Instance,
  mock: MockUpstream,
  apiKey: string,
  headers: Record<string, string>,
): Promise<JsonAnswer & { key: string | undefined }> {
  const before = mock.requests().length ? mock.requests().at(-1)!.seq : 0;
  const r = await call(
    i,
    "POST",
    "/chat/completions",
    { model: "gpt-4o", messages: [{ role: "user", content: "hello" }] },
    { "x-portkey-api-key": apiKey, ...headers },
  );
  const mine = mock.requests().filter((x) => x.seq > before);
  return { ...r, key: mine.at(-1)?.key };
}
