/**
 * Request logs survive a database outage (issue 6, item 5), on the production build, with
 * PostgreSQL behind a TCP proxy the test takes away:
 *  - 30 s outage under steady load (15 s blackholed: packets swallowed, then 15 s refused): every
 *    request is answered 200, log rows spill to `<dataDir>/log-spill/`, and once the database is
 *    back each answered request has exactly one row (ids equal as sets, attempts once each).
 *  - SIGTERM while the database is down: the instance exits within its flush timeout with the
 *    queue in the spill file; started again on the same data directory, it replays every row.
 * "Once" is also asserted on what reached the database: a trigger notes every row each committed
 * INSERT offered (ON CONFLICT DO NOTHING hides a re-sent row from the table, not from the trigger).
 * The proxy is taken away only between a request and its answer (TcpProxy.whenQuiet), so no
 * write can commit with its answer lost, the one case where sending a row again is expected.
 *
 * tests/multi always uses PostgreSQL, and scripts/test-all.sh runs the gateway project twice
 * (DETOUR_TEST_DB=sqlite, then postgresql): this file skips the SQLite pass so its minute of
 * outage runs once per full suite. With CI=true PostgreSQL and Redis are mandatory.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, waitForHealthOrExit, type ServerProcess } from "@/testing/server-process";
import {
  ADMIN_KEY,
  admin,
  instance,
  probeServices,
  SERVICES_REQUIRED,
  startCluster,
  waitFor,
  type Cluster,
  type Instance,
} from "../../testing/multi-instance-harness";

const services = await probeServices();
const SQLITE_PASS = process.env.DETOUR_TEST_DB === "sqlite";
if (!services.ok && !SERVICES_REQUIRED) {
  console.warn(
    `\n[tests/multi] SKIPPED: ${services.reason}. These tests need PostgreSQL and Redis; with CI=true they fail instead of skipping.\n`,
  );
}

const OUTAGE_HALF_MS = 15_000;
const CLIENTS_PER_INSTANCE = 16;

type Answer = { status: number; id: string | null };

const spillFiles = (dataDir: string): string[] => {
  try {
    return readdirSync(path.join(dataDir, "log-spill"));
  } catch {
    return [];
  }
};

describe.skipIf((!services.ok && !SERVICES_REQUIRED) || SQLITE_PASS)("request logs through a database outage", () => {
  let c: Cluster;
  let vk: string;

  beforeAll(async () => {
    if (!services.ok) throw new Error(`PostgreSQL and Redis are required with CI=true: ${services.reason}`);
    // High-water mark at its minimum: spilling starts after 200 queued rows whatever this machine's request rate.
    c = await startCluster({ pgProxy: true, extraEnv: { LOG_LEVEL: "warn", DETOUR_LOG_SPILL_HIGH_WATER: "200" } });
    const r = await admin(c.a, "POST", "/virtual-keys", {
      name: `dur ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: "sk-dur",
      custom_host: `${c.mock.url}/v1`,
    });
    expect(r.status, r.text).toBe(201);
    vk = r.json.slug;
    // Every row offered by a committed INSERT into "RequestLog", conflicting ones included (a BEFORE
    // INSERT trigger fires before ON CONFLICT decides; a rolled-back write leaves nothing).
    await sql(`
      CREATE SCHEMA detour_test;
      CREATE TABLE detour_test.log_sends (id text NOT NULL);
      CREATE FUNCTION detour_test.note_log_send() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO detour_test.log_sends (id) VALUES (NEW.id); RETURN NEW; END $$;
      CREATE TRIGGER detour_test_note_log_send BEFORE INSERT ON "RequestLog"
        FOR EACH ROW EXECUTE FUNCTION detour_test.note_log_send();
    `);
  });
  let restarted: ServerProcess | null = null;
  afterAll(async () => {
    await restarted?.stop();
    await c?.close();
  });

  /** One request; its log id from x-portkey-request-id. */
  const send = async (i: Instance, trace: string, as = { apiKey: c.gatewayKey, vk }): Promise<Answer> => {
    const res = await fetch(`${i.baseURL}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": as.apiKey,
        "x-portkey-virtual-key": as.vk,
        "x-portkey-trace-id": trace,
      },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hello" }] }),
    });
    await res.arrayBuffer();
    return { status: res.status, id: res.headers.get("x-portkey-request-id") };
  };

  /** Runs SQL on the test's database directly (not through the proxy). */
  const sql = async (text: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: c.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };

  /** The log ids the database took from INSERTs, one entry per time a row was sent. */
  const sendsFor = async (prefix: string) =>
    (
      await sql(`SELECT s.id FROM detour_test.log_sends s JOIN "RequestLog" l ON l.id = s.id WHERE l."traceId" LIKE $1 || '%'`, [prefix])
    ).map((r) => r.id as string);

  const rowsFor = async (prefix: string) => {
    const logs = await c.db.requestLog.findMany({ where: { traceId: { startsWith: prefix } }, select: { id: true } });
    const attempts = await c.db.requestAttempt.count({ where: { log: { traceId: { startsWith: prefix } } } });
    return { ids: logs.map((l) => l.id), attempts };
  };

  const drained = async (i: Instance) => {
    const h = await i.health();
    const q = h.body.log_queue;
    return h.status === 200 && q.queued === 0 && q.spill_pending_rows === 0 && q.spill_files === 0;
  };

  it("a 30 s outage under load: every request answered, rows spilled, then each written exactly once", async () => {
    const prefix = `outage-${randomBytes(3).toString("hex")}-`;
    // Warm the caches (API key, virtual key) on both instances right before the outage: their 60 s TTL outlasts it.
    const answers: Answer[] = [];
    for (const i of [c.a, c.b]) for (let k = 0; k < 3; k++) answers.push(await send(i, `${prefix}warm-${i.name}-${k}`));

    let running = true;
    const client = async (i: Instance, n: number) => {
      for (let k = 0; running; k++)
        answers.push(await send(i, `${prefix}${i.name}-${n}-${k}`).catch((err: Error) => ({ status: -1, id: err.message })));
    };
    const load = [c.a, c.b].flatMap((i) => Array.from({ length: CLIENTS_PER_INSTANCE }, (_, n) => client(i, n)));
    const pgProxy = c.pgProxy!;
    let spillSeen: { a: string[]; b: string[] } = { a: [], b: [] };
    let outageMs = 0;
    let answeredDuring = 0;
    let restoredAt = 0;
    let outageHealth: Awaited<ReturnType<Instance["health"]>>;
    let outageHealthB: Awaited<ReturnType<Instance["health"]>>;
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      const outageStart = performance.now();
      const answeredBefore = answers.length;
      await pgProxy.whenQuiet(() => pgProxy.blackhole());
      await new Promise((r) => setTimeout(r, OUTAGE_HALF_MS));
      await pgProxy.cut();
      await waitFor(
        async () => {
          spillSeen = { a: spillFiles(c.env.a.DETOUR_DATA_DIR!), b: spillFiles(c.env.b.DETOUR_DATA_DIR!) };
          return spillSeen.a.length > 0 && spillSeen.b.length > 0;
        },
        OUTAGE_HALF_MS - 1_000,
        "spill files under both data directories during the outage",
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 2 * OUTAGE_HALF_MS - (performance.now() - outageStart) - 1_000)));
      outageHealth = await c.a.health();
      outageHealthB = await c.b.health();
      outageMs = performance.now() - outageStart;
      answeredDuring = answers.length - answeredBefore;
      await pgProxy.restore();
      restoredAt = performance.now();
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      running = false;
      await Promise.all(load);
      if (!restoredAt) await pgProxy.restore();
    }

    await waitFor(async () => (await drained(c.a)) && (await drained(c.b)), 90_000, "log queues empty and spill files replayed", 250);
    const drainMs = performance.now() - restoredAt;
    const [ha, hb] = await Promise.all([c.a.health(), c.b.health()]);

    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.slice(0, 5), `${failed.length} of ${answers.length} requests not answered 200`).toEqual([]);
    expect(outageHealth!.status).toBe(503); // the outage was real
    const rows = await rowsFor(prefix);
    expect(rows.ids.length).toBe(answers.length); // rows written == requests answered
    expect(new Set(rows.ids)).toEqual(new Set(answers.map((a) => a.id))); // the same ids (ids are unique: primary key)
    expect(rows.attempts).toBe(rows.ids.length); // one attempt each, none twice
    // Each row was sent to the database once: not written and spilled, not replayed twice.
    const sends = await sendsFor(prefix);
    expect(sends.length, "rows sent to the database").toBe(answers.length);
    expect(new Set(sends)).toEqual(new Set(rows.ids));
    for (const h of [ha, hb])
      expect(h.body.log_queue).toMatchObject({ dropped: 0, rejected: 0, queued: 0, spill_pending_rows: 0, torn_lines: 0, spill_errors: 0 });
    const spilled = ha.body.log_queue.spilled + hb.body.log_queue.spilled;
    expect(spilled).toBeGreaterThan(0);
    // The instances' own counts say the same: each row written or spilled, each spilled row replayed once.
    for (const h of [ha, hb]) expect(h.body.log_queue.replayed).toBe(h.body.log_queue.spilled);
    expect(ha.body.log_queue.written + hb.body.log_queue.written + spilled).toBe(answers.length);
    // /metrics says the same as the health check.
    const metrics = await (await fetch(`${c.a.url}/metrics`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).text();
    expect(metrics).toContain(`detour_log_rows{state="spilled"} ${ha.body.log_queue.spilled}`);
    expect(metrics).toContain(`detour_log_rows{state="spill_pending"} 0`);
    console.log(
      `[log-durability] outage ${(outageMs / 1000).toFixed(1)} s (blackhole then refused); ${answers.length} requests answered ` +
        `(${answeredDuring} during the outage, all 200); rows ${rows.ids.length}, attempts ${rows.attempts}; ` +
        `spilled A ${ha.body.log_queue.spilled} / B ${hb.body.log_queue.spilled} rows, pending at the end of the outage A ${outageHealth!.body.log_queue.spill_pending_rows} rows / ` +
        `${outageHealth!.body.log_queue.spill_pending_bytes} bytes in ${outageHealth!.body.log_queue.spill_files} file(s), B ${outageHealthB!.body.log_queue.spill_pending_rows} rows / ` +
        `${outageHealthB!.body.log_queue.spill_pending_bytes} bytes in ${outageHealthB!.body.log_queue.spill_files} file(s) (first seen: ${spillSeen.a[0]}); replayed A ${ha.body.log_queue.replayed} / B ${hb.body.log_queue.replayed}; drained ${(drainMs / 1000).toFixed(1)} s after the restore`,
    );
  }, 180_000);

  it("SIGTERM while the database is down: the queue goes to the spill file, the next start replays it", async () => {
    const prefix = `sigterm-${randomBytes(3).toString("hex")}-`;
    const n = 200;
    // A new API key and virtual key, first used now: cached for the next 60 s whatever the first test took.
    const key = await admin(c.a, "POST", "/api-keys", { name: `dur ${randomBytes(3).toString("hex")}` });
    const vk2 = await admin(c.a, "POST", "/virtual-keys", {
      name: `dur ${randomBytes(3).toString("hex")}`,
      provider: "openai",
      key: "sk-dur",
      custom_host: `${c.mock.url}/v1`,
    });
    expect([key.status, vk2.status], key.text + vk2.text).toEqual([201, 201]);
    const credentials = { apiKey: key.json.key as string, vk: vk2.json.slug as string };
    const answers: Answer[] = [await send(c.a, `${prefix}warm`, credentials)];
    // The warm row written (nothing of A's waiting) before the database goes, between a request and its answer.
    await waitFor(() => drained(c.a), 10_000, "A's warm row written");
    let stopMs = 0;
    await c.pgProxy!.whenQuiet(() => c.pgProxy!.cut());
    try {
      for (let k = 0; k < n; k += 20)
        answers.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => send(c.a, `${prefix}${k + j}`, credentials)))));
      const stopStarted = performance.now();
      await c.a.server.stop();
      stopMs = performance.now() - stopStarted;
    } finally {
      await c.pgProxy!.restore();
    }
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(stopMs).toBeLessThan(12_000); // the writer's flush timeout is 10 s
    const dataDir = c.env.a.DETOUR_DATA_DIR!;
    const files = spillFiles(dataDir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.endsWith(".ndjson"))).toBe(true); // sealed at exit
    const spilledLines = files.flatMap((f) =>
      readFileSync(path.join(dataDir, "log-spill", f), "utf8")
        .split("\n")
        .filter(Boolean),
    );
    expect(spilledLines).toHaveLength(n); // the requests made while the database was down

    const server = await startServer(c.env.a);
    restarted = server;
    const ready = await waitForHealthOrExit(server);
    expect(ready.health, server.output()).toBe(200);
    c.a = instance("A", server);
    const restartedAt = performance.now();
    await waitFor(() => drained(c.a), 30_000, "spill files replayed after the restart", 100);
    const replayMs = performance.now() - restartedAt;
    const rows = await rowsFor(prefix);
    expect(rows.ids.length).toBe(answers.length);
    expect(new Set(rows.ids)).toEqual(new Set(answers.map((a) => a.id)));
    expect(rows.attempts).toBe(answers.length);
    expect(spillFiles(dataDir)).toEqual([]);
    const sends = await sendsFor(prefix);
    expect(sends.length, "rows sent to the database").toBe(answers.length); // the warm row, then each spilled row once
    expect(new Set(sends)).toEqual(new Set(rows.ids));
    const h = await c.a.health();
    expect(h.body.log_queue.replayed).toBe(n);
    console.log(
      `[log-durability] SIGTERM with the database down: exit in ${(stopMs / 1000).toFixed(1)} s, ${files.length} spill file(s); after the restart ${h.body.log_queue.replayed} rows replayed in ${(replayMs / 1000).toFixed(1)} s; rows ${rows.ids.length} == answered ${answers.length}`,
    );
  }, 120_000);
});
