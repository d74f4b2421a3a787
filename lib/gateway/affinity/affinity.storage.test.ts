/**
 * The affinity store against a real database (DETOUR_TEST_DB) and a real Redis (DETOUR_TEST_REDIS_URL
 * or 127.0.0.1:6379, a unique key prefix; skipped when Redis is absent, except with CI=true, where
 * its absence fails them): rows written with their log batch through each write path are found by
 * lookup, the first write of an id wins, forget removes, and a record remembered on one instance is
 * found by another through Redis before the database has it.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogRecord } from "@/testing/sample-log-record";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "@/testing/test-db";
import { newLogId, type LogRecord } from "@/lib/logs/types";
import { createLogSink, type LogSink } from "@/lib/store/log-sink";
import { insertLogBatch } from "@/lib/store/logs";
import { findResponseAffinity } from "@/lib/store/response-affinity";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { LocalAffinityCache } from "./local-cache";
import { AffinityStore, REDIS_TTL_SECONDS } from "./store";
import type { AffinityRecord } from "./types";

const REDIS_URL = process.env.DETOUR_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** With CI=true Redis is mandatory: its absence fails these tests instead of skipping them. */
const REDIS_REQUIRED = process.env.CI === "true";
/** This worktree's port range is 454xx. */
const SILENT_REDIS_PORT = 45401;

let t: TestDatabase;
let workspaceId: string;
let seq = 0;
const warnings: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  workspaceId = (await ensureDefaultWorkspace(t.db)).id;
});
afterAll(async () => t?.drop());

function affinity(id: string, overrides: Partial<AffinityRecord> = {}): AffinityRecord {
  return {
    workspaceId,
    id,
    kind: "response",
    provider: "azure-openai",
    virtualKeyId: "vk_1",
    virtualKeySlug: "azure-east",
    virtualKeyVersion: 3,
    deployment: "gpt-4o-eu",
    upstream: "azure-openai|east|gpt-4o-eu",
    credential: "0123456789abcdef0123456789abcdef",
    configSlug: "pc-main-000001",
    targetPath: "config.targets[1]",
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
    ...overrides,
  };
}

const uniqueId = (prefix = "resp") => `${prefix}_${randomBytes(6).toString("hex")}_${++seq}`;

function logWith(rows: AffinityRecord[]): LogRecord {
  const createdAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + seq);
  return testLogRecord({
    id: newLogId(createdAt),
    workspaceId,
    createdAt,
    path: "/v1/responses",
    responseId: rows[0]?.id ?? null,
    affinity: rows,
  });
}

/** A store as a fresh instance sees it: empty memory, the database, Redis when given. */
const instance = (redis: Redis | null = null, prefix = "unused") =>
  new AffinityStore({
    cache: new LocalAffinityCache(100),
    redis: () => redis,
    redisKey: (name) => `${prefix}:${name}`,
    db: () => t.db,
    warn: (_obj, msg) => warnings.push(msg),
  });

const WRITE_PATHS = ["prisma", "sink"] as const;

describe.each(WRITE_PATHS)(`affinity rows written with the log batch on ${TEST_DB_KIND}, %s path`, (writePath) => {
  let sink: LogSink | null = null;
  const write = (batch: LogRecord[]) => {
    if (writePath === "prisma") return insertLogBatch(t.db, batch);
    sink ??= createLogSink(t.target);
    return sink.write(batch);
  };
  afterAll(async () => sink?.close());

  it("are found by lookup on an instance that never saw them", async () => {
    const response = affinity(uniqueId());
    const conversation = affinity(uniqueId("conv"), {
      kind: "conversation",
      virtualKeyId: null,
      virtualKeySlug: null,
      virtualKeyVersion: null,
    });
    const plain = testLogRecord({ id: newLogId(), workspaceId, createdAt: new Date() });
    await write([logWith([response, conversation]), plain]);
    const store = instance();
    expect(await store.lookup(workspaceId, response.id)).toEqual(response);
    expect(await store.lookup(workspaceId, conversation.id)).toEqual(conversation);
    expect(store.cache.get(workspaceId, response.id)).toEqual(response); // the database's answer is kept in memory
    expect(await store.lookup(workspaceId, uniqueId())).toBeNull();
    expect(await store.lookup("another-workspace", response.id)).toBeNull();
  });

  it("the first write of an id wins: another log naming it, and a retried batch, change nothing", async () => {
    const id = uniqueId();
    const first = logWith([affinity(id, { targetPath: "config.targets[0]" })]);
    await write([first]);
    await write([first]); // a retry after a lost acknowledgement
    await write([logWith([affinity(id, { targetPath: "config.targets[2]", credential: null })])]);
    // In one batch too: the earlier log's row is kept.
    const twice = uniqueId();
    await write([
      logWith([affinity(twice, { targetPath: "config.targets[0]" })]),
      logWith([affinity(twice, { targetPath: "config.targets[3]" })]),
    ]);
    expect((await instance().lookup(workspaceId, id))?.targetPath).toBe("config.targets[0]");
    expect((await instance().lookup(workspaceId, twice))?.targetPath).toBe("config.targets[0]");
    expect(await t.db.responseAffinity.count({ where: { id: { in: [id, twice] } } })).toBe(2);
  });

  it("forget removes the row and the instance's memory of it", async () => {
    const record = affinity(uniqueId());
    await write([logWith([record])]);
    const store = instance();
    expect(await store.lookup(workspaceId, record.id)).toEqual(record);
    await store.forget(workspaceId, record.id);
    expect(store.cache.get(workspaceId, record.id)).toBeNull();
    expect(await findResponseAffinity(t.db, workspaceId, record.id)).toBeNull();
    expect(await store.lookup(workspaceId, record.id)).toBeNull();
    expect(await instance().lookup(workspaceId, record.id)).toBeNull();
  });
});

describe(`affinity across instances through Redis, on ${TEST_DB_KIND}`, async () => {
  // A Redis that is there answers at once; the bound is for a host that swallows packets (and a loaded machine).
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let why = "";
  const available = await probe.connect().then(
    () => true,
    (err: Error) => {
      why = err.message;
      return false;
    },
  );
  probe.disconnect();
  if (!available && !REDIS_REQUIRED)
    console.warn(`[affinity.storage.test] Redis tests SKIPPED: no Redis at ${REDIS_URL} (${why}); with CI=true they fail`);
  const prefix = `detour-test-${randomBytes(4).toString("hex")}`;
  // Two instances: each its own connection and memory, one Redis and one database.
  let clientA: Redis;
  let clientB: Redis;

  beforeAll(async () => {
    if (!available && REDIS_REQUIRED) throw new Error(`Redis is required with CI=true: no Redis at ${REDIS_URL} (${why})`);
    if (!available) return;
    const connect = async () => {
      const client = new Redis(REDIS_URL, { enableOfflineQueue: false });
      await new Promise((resolve) => client.once("ready", resolve));
      return client;
    };
    [clientA, clientB] = await Promise.all([connect(), connect()]);
  });
  afterAll(async () => {
    if (!clientA) return;
    const keys = await clientA.keys(`${prefix}:*`);
    if (keys.length) await clientA.del(...keys);
    await Promise.all([clientA.quit(), clientB.quit()]);
  });

  describe.skipIf(!available && !REDIS_REQUIRED)("against Redis", () => {
    it("a record remembered on one instance is found on another before the database has it", async () => {
      const record = affinity(uniqueId());
      const a = instance(clientA, prefix);
      const b = instance(clientB, prefix);
      await a.remember(record);
      expect(a.cache.get(workspaceId, record.id)).toEqual(record);
      expect(await findResponseAffinity(t.db, workspaceId, record.id)).toBeNull();

      expect(await b.lookup(workspaceId, record.id)).toEqual(record);
      expect(b.cache.get(workspaceId, record.id)).toEqual(record);
      const key = `${prefix}:affinity:${workspaceId}:${record.id}`;
      const ttl = await clientA.ttl(key);
      expect(ttl).toBeGreaterThan(REDIS_TTL_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(REDIS_TTL_SECONDS);

      await b.forget(workspaceId, record.id);
      expect(await clientA.exists(key)).toBe(0);
      expect(await instance(clientA, prefix).lookup(workspaceId, record.id)).toBeNull();
    });

    it("a record found in the database is put into Redis for the other instances", async () => {
      const record = affinity(uniqueId());
      await insertLogBatch(t.db, [logWith([record])]);
      const key = `${prefix}:affinity:${workspaceId}:${record.id}`;
      expect(await clientA.exists(key)).toBe(0);
      const a = instance(clientA, prefix);
      expect(await a.lookup(workspaceId, record.id)).toEqual(record);
      // The write to Redis is in the background: it is the next command on A's connection, so a
      // command sent after it on the same connection sees it done.
      await clientA.ping();
      expect(await clientB.get(key)).toBe(JSON.stringify(record));
    });

    it("a background response's usage is claimed once across instances; without Redis, once per instance", async () => {
      const id = uniqueId();
      const a = instance(clientA, prefix);
      const b = instance(clientB, prefix);
      const first = await Promise.all([a.claimUsage(workspaceId, id), b.claimUsage(workspaceId, id)]);
      expect(first.filter(Boolean)).toHaveLength(1);
      expect(await a.claimUsage(workspaceId, id)).toBe(false);
      expect(await b.claimUsage(workspaceId, id)).toBe(false);
      expect(await clientA.ttl(`${prefix}:usage:${workspaceId}:${id}`)).toBeGreaterThan(29 * 86_400);
      const alone = new AffinityStore({ redis: () => null, redisKey: (n) => n, db: () => t.db, warn: () => undefined });
      expect(await alone.claimUsage(workspaceId, id)).toBe(true);
      expect(await alone.claimUsage(workspaceId, id)).toBe(false);
    });

    it("a malformed Redis value counts as unknown there and the database answers", async () => {
      const record = affinity(uniqueId());
      await insertLogBatch(t.db, [logWith([record])]);
      await clientA.set(`${prefix}:affinity:${workspaceId}:${record.id}`, "{not json", "EX", 60);
      expect(await instance(clientB, prefix).lookup(workspaceId, record.id)).toEqual(record);
    });
  });

  it("a Redis that is not connected is skipped without waiting (lib/redis.ts reports the outage): the database answers", async () => {
    const record = affinity(uniqueId());
    await insertLogBatch(t.db, [logWith([record])]);
    const down = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false });
    const store = instance(down, prefix);
    await store.remember(affinity(uniqueId())); // skipped: not connected
    expect(await instance(down, prefix).lookup(workspaceId, record.id)).toEqual(record);
    expect(warnings).toEqual([]);
    down.disconnect();
  });

  it("a Redis that never answers is given up after the lookup bound, warned about once, and the database answers", async () => {
    // Answers ioredis's connection handshake (CLIENT SETINFO), then nothing: a Redis that hangs.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      socket.on("data", (data) => socket.write("+OK\r\n".repeat(data.toString().split("SETINFO").length - 1)));
    });
    await new Promise<void>((resolve) => silent.listen(SILENT_REDIS_PORT, "127.0.0.1", resolve));
    const stuck = new Redis(`redis://127.0.0.1:${SILENT_REDIS_PORT}`, {
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    await new Promise((resolve) => stuck.once("ready", resolve));
    try {
      const records = [affinity(uniqueId()), affinity(uniqueId())];
      await insertLogBatch(
        t.db,
        records.map((r) => logWith([r])),
      );
      const store = new AffinityStore({
        redis: () => stuck,
        redisKey: (name) => `${prefix}:${name}`,
        db: () => t.db,
        warn: (_obj, msg) => warnings.push(msg),
        redisTimeoutMs: 50,
      });
      for (const r of records) expect(await store.lookup(workspaceId, r.id)).toEqual(r);
      expect(warnings).toEqual([expect.stringMatching(/Redis failed/)]); // once, not per lookup
    } finally {
      warnings.length = 0;
      stuck.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
