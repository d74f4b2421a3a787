/**
 * The one-time scrub of provider keys from request-log rows written by earlier versions
 * (lib/logs/scrub.ts) on a real database: rows are inserted as those versions wrote them (an inline
 * x-portkey-config with its api_key in clear, the key echoed in bodies, metadata and attempt
 * messages), and the whole stored rows are compared before and after.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type Db } from "@/lib/db";
import { migrate, migrationsDir } from "@/lib/db/migrate";
import { secretForms } from "@/lib/gateway/request/log-redaction";
import { LOG_SCRUB_NAME, runLogScrub } from "@/lib/logs/scrub";
import { scrubStoredLog } from "@/lib/logs/scrub-row";
import { logSearchText } from "@/lib/logs/search-text";
import { testAttempt, testLogRecord } from "@/testing/sample-log-record";
import type { LogRecord } from "@/lib/logs/types";
import { getScrubProgress, loadLogTexts, saveScrubCursor, writeScrubbedLog } from "@/lib/store/log-scrub";
import { createLogSink } from "@/lib/store/log-sink";
import { insertLogBatch } from "@/lib/store/logs";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createEmptyTarget, createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

const OPENAI_KEY = "sk-proj-OldLogKey0123456789abcdefXYZ";
const AZURE_KEY = "azure0123456789abcdef0123456789ab";
const OPENAI_KEY_2 = "sk-proj-Slash/Key+0123456789";
const BROKEN_KEY = "sk-broken-0123456789abcdef";
const SECRETS = [OPENAI_KEY, AZURE_KEY, OPENAI_KEY_2, BROKEN_KEY];

let idSeq = 0;
const headers = (h: Record<string, string>) => JSON.stringify(h);

/** The rows an earlier version stored, in id order, and what each must be after the scrub (only the changed columns). */
function fixtures(workspaceId: string) {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
  const rec = (o: Partial<LogRecord>) => testLogRecord({ workspaceId, createdAt: at, ...o });
  const attempt = (index: number, errorMessage: string | null) =>
    testAttempt(index, { status: 401, errorClass: "upstream_4xx", errorMessage, latencyMs: 12, startedAt: at });

  const openaiConfig = JSON.stringify({ provider: "openai", api_key: OPENAI_KEY, override_params: { temperature: 0.2 } });
  const openai = rec({
    status: 401,
    metadata: { user: "u1", echo: `key=${OPENAI_KEY}` },
    requestHeaders: headers({
      "content-type": "application/json",
      "x-portkey-api-key": "[redacted]",
      "x-portkey-config": openaiConfig,
      "x-debug": OPENAI_KEY,
    }),
    requestBody: '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
    responseBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${OPENAI_KEY}.`, type: "invalid_request_error" } }),
    responseHeaders: '{"content-type":"application/json"}',
    attempts: [attempt(0, `401 from openai: Incorrect API key provided: ${OPENAI_KEY}`)],
  });

  const azureConfig = JSON.stringify({
    strategy: { mode: "fallback" },
    targets: [
      { provider: "azure-openai", apiKey: AZURE_KEY, resource_name: "res", deployments: [{ deployment_id: "d1", model: "gpt-4o" }] },
      { provider: "openai", api_key: OPENAI_KEY_2, custom_host: "https://user:pw@proxy.example/v1" },
    ],
  });
  const azure = rec({
    status: 502,
    stream: true,
    requestHeaders: headers({ "x-portkey-config": azureConfig, "user-agent": "test/1" }),
    requestBody: `{"messages":[{"role":"user","content":"my key is ${AZURE_KEY}"}]}`,
    responseBody: `data: {"error":"bad key ${AZURE_KEY.slice(0, 12)}`,
    responseBodyTruncated: true,
    attempts: [
      attempt(0, `azure said: key ${AZURE_KEY} is invalid`),
      attempt(1, JSON.stringify({ error: `unknown key ${OPENAI_KEY_2}` }).replaceAll("/", "\\/")),
      attempt(2, null),
    ],
  });

  // A config header that is not JSON: stored whole as "[redacted] (not valid JSON)", as new rows are.
  const malformed = rec({
    requestHeaders: headers({ "x-portkey-config": `{"provider":"openai","api_key":"${BROKEN_KEY}"` }),
    status: 400,
    errorType: "invalid_config",
  });

  const clean: LogRecord[] = [
    rec({ requestHeaders: null, requestBody: "{}", responseBody: "{}" }),
    // A saved config's id: no inline key (the body mentions api_key, the headers do not).
    rec({ requestHeaders: headers({ "x-portkey-config": "pc-saved-1" }), requestBody: '{"api_key":"not a header"}' }),
    // A candidate (the headers mention api_key) with nothing to redact.
    rec({ requestHeaders: headers({ "x-portkey-config": "pc-saved-2", "x-note": "api_key apiKey" }), metadata: { team: "a" } }),
    // Written by this version: already redacted.
    rec({
      requestHeaders: headers({ "x-portkey-config": '{"provider":"openai","api_key":"[redacted]"}', authorization: "[redacted]" }),
      responseBody: "[redacted] echoed",
      attempts: [attempt(0, "key [redacted] refused")],
    }),
    // Redacted already, but not in the compact form: kept byte for byte, not re-serialised.
    rec({ requestHeaders: headers({ "x-portkey-config": '{ "provider": "azure-openai", "apiKey": "[redacted]" }' }) }),
    // Stored headers that are not JSON: left alone.
    rec({ requestHeaders: '{"x-portkey-config": "{\\"api_key\\":', requestBody: "cut" }),
    // A config with a key field that is not a string (refused by the gateway): nothing to redact.
    rec({ requestHeaders: headers({ "x-portkey-config": '{"provider":"openai","api_key":12345678901}' }) }),
  ];
  const fillers = Array.from({ length: 9 }, (_, i) =>
    rec({
      requestHeaders: headers({ "content-type": "application/json" }),
      requestBody: `{"n":${i}}`,
      metadata: i % 2 ? { i: String(i) } : null,
    }),
  );

  const records = [clean[0]!, openai, clean[1]!, azure, clean[2]!, malformed, ...clean.slice(3), ...fillers];
  for (const r of records) r.id = `log_scrub_${String(++idSeq).padStart(8, "0")}`; // ids in this order
  const dirty = new Map<string, Record<string, unknown>>([
    [
      openai.id,
      {
        metadata: JSON.stringify({ user: "u1", echo: "key=[redacted]" }),
        requestHeaders: headers({
          "content-type": "application/json",
          "x-portkey-api-key": "[redacted]",
          "x-portkey-config": JSON.stringify({ provider: "openai", api_key: "[redacted]", override_params: { temperature: 0.2 } }),
          "x-debug": "[redacted]",
        }),
        responseBody: JSON.stringify({ error: { message: "Incorrect API key provided: [redacted].", type: "invalid_request_error" } }),
        attempts: ["401 from openai: Incorrect API key provided: [redacted]"],
        metadataEntries: { echo: "key=[redacted]", user: "u1" },
      },
    ],
    [
      azure.id,
      {
        requestHeaders: headers({
          "x-portkey-config": JSON.stringify({
            strategy: { mode: "fallback" },
            targets: [
              {
                provider: "azure-openai",
                apiKey: "[redacted]",
                resource_name: "res",
                deployments: [{ deployment_id: "d1", model: "gpt-4o" }],
              },
              { provider: "openai", api_key: "[redacted]", custom_host: "https://[redacted]@proxy.example/v1" },
            ],
          }),
          "user-agent": "test/1",
        }),
        requestBody: '{"messages":[{"role":"user","content":"my key is [redacted]"}]}',
        responseBody: 'data: {"error":"bad key [redacted]',
        attempts: ["azure said: key [redacted] is invalid", '{"error":"unknown key [redacted]"}', null],
      },
    ],
    [malformed.id, { requestHeaders: headers({ "x-portkey-config": "[redacted] (not valid JSON)" }) }],
  ]);
  return { records, dirty, openai, azure, malformed };
}

type StoredRow = Awaited<ReturnType<typeof readRows>>[number];

async function readRows(db: Db) {
  return db.requestLog.findMany({
    orderBy: { id: "asc" },
    include: { attempts: { orderBy: { index: "asc" } }, metadataEntries: { orderBy: { key: "asc" } } },
  });
}

/** `before` with the changes a scrub must make. */
function scrubbed(before: StoredRow, change: Record<string, unknown>): StoredRow {
  const { attempts, metadataEntries, ...columns } = change as { attempts?: (string | null)[]; metadataEntries?: Record<string, string> };
  const bodies = { ...before, ...columns };
  return {
    ...bodies,
    // The search words are the scrubbed bodies' (a key in a body was in them too).
    searchText: logSearchText(bodies),
    attempts: attempts ? before.attempts.map((a, i) => ({ ...a, errorMessage: attempts[i]! })) : before.attempts,
    metadataEntries: metadataEntries
      ? before.metadataEntries.map((m) => ({ ...m, value: metadataEntries[m.key]! }))
      : before.metadataEntries,
  };
}

function expectNoSecret(rows: StoredRow[]): void {
  const text = JSON.stringify(rows);
  for (const secret of SECRETS)
    for (const form of [...secretForms(secret), ...secretForms(secret).map((f) => JSON.stringify(f).slice(1, -1))]) {
      expect(text, `a form of ${secret.slice(0, 8)}...`).not.toContain(form);
    }
  // A key's beginning at the end of a cut text.
  expect(text).not.toContain(AZURE_KEY.slice(0, 12));
}

describe(`request log scrub of earlier rows' provider keys on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  let workspaceId: string;
  let run = 0;
  let name: string;
  const opts = (o: { batchSize?: number } = {}) => ({ dialect: TEST_DB_KIND, name, batchSize: o.batchSize ?? 4, pauseMs: 0 });

  beforeAll(async () => {
    t = await createTestDatabase();
    workspaceId = (await ensureDefaultWorkspace(t.db)).id;
  });
  afterAll(async () => {
    await t?.drop();
  });
  beforeEach(async () => {
    // On PostgreSQL attempts and metadata have no foreign key to their (partitioned) log: delete all three.
    await t.db.$transaction([t.db.requestAttempt.deleteMany({}), t.db.requestLogMetadata.deleteMany({}), t.db.requestLog.deleteMany({})]);
    name = `log_scrub_test_${run++}`;
  });

  async function seed() {
    const f = fixtures(workspaceId);
    await insertLogBatch(t.db, f.records);
    const before = await readRows(t.db);
    expect(before.map((r) => r.id)).toEqual(f.records.map((r) => r.id));
    return { ...f, before };
  }

  /** Every row as the scrub must leave it: dirty ones with their changes, all others exactly as before. */
  function expectScrubbed(
    after: StoredRow[],
    before: StoredRow[],
    dirty: Map<string, Record<string, unknown>>,
    only?: (id: string) => boolean,
  ) {
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    after.forEach((row, i) => {
      const change = dirty.get(row.id);
      const expected = change && (only?.(row.id) ?? true) ? scrubbed(before[i]!, change) : before[i]!;
      expect(row, row.id).toEqual(expected);
    });
  }

  it("removes every key, changes only what held one, records progress, and does nothing a second time", async () => {
    const { before, dirty, records } = await seed();
    expect(JSON.stringify(before)).toContain(OPENAI_KEY); // the fixture holds keys

    const summary = await runLogScrub(t.db, opts());
    expect(summary).toEqual({ status: "complete", resumedFrom: null, scanned: records.length, candidates: 8, scrubbed: 3, conflicts: 0 });
    const after = await readRows(t.db);
    expectNoSecret(after);
    expectScrubbed(after, before, dirty);
    expect(await getScrubProgress(t.db, name)).toEqual({ cursor: records.at(-1)!.id, complete: true });

    // Finished: never runs again, even for a row an old instance wrote since.
    const late = testLogRecord({ workspaceId, requestHeaders: headers({ "x-portkey-config": `{"api_key":"${OPENAI_KEY}"}` }) });
    await insertLogBatch(t.db, [late]);
    expect(await runLogScrub(t.db, opts())).toMatchObject({ status: "already_complete", scanned: 0, scrubbed: 0 });
    await t.db.requestLog.delete({ where: { id: late.id } });
    expect(await readRows(t.db)).toEqual(after);

    // Run again from the start (another progress name): the scrubbed rows are stable, nothing is written.
    name = `${name}_again`;
    expect(await runLogScrub(t.db, opts({ batchSize: 500 }))).toMatchObject({
      status: "complete",
      scanned: records.length,
      scrubbed: 0,
      conflicts: 0,
    });
    expect(await readRows(t.db)).toEqual(after);
  });

  it("resumes after the last recorded id", async () => {
    const { before, dirty, records, openai } = await seed();
    await saveScrubCursor(t.db, TEST_DB_KIND, name, openai.id);
    const summary = await runLogScrub(t.db, opts());
    const rest = records.length - records.findIndex((r) => r.id === openai.id) - 1;
    expect(summary).toMatchObject({ status: "complete", resumedFrom: openai.id, scanned: rest, scrubbed: 2 });
    // Rows up to the cursor were done before: not read again (this one keeps its fixture key).
    expectScrubbed(await readRows(t.db), before, dirty, (id) => id !== openai.id);
    expect(await getScrubProgress(t.db, name)).toEqual({ cursor: records.at(-1)!.id, complete: true });
  });

  it("keeps the cursor moving forward only", async () => {
    await saveScrubCursor(t.db, TEST_DB_KIND, name, "log_5");
    await saveScrubCursor(t.db, TEST_DB_KIND, name, "log_3");
    expect(await getScrubProgress(t.db, name)).toEqual({ cursor: "log_5", complete: false });
    const at = new Date(Date.UTC(2026, 5, 7, 8, 9, 10, 11));
    await saveScrubCursor(t.db, TEST_DB_KIND, name, "log_7", at);
    expect(await getScrubProgress(t.db, name)).toEqual({ cursor: "log_7", complete: false });
    // Written with raw SQL, read back by Prisma as any AppMeta row.
    expect(await t.db.appMeta.findUnique({ where: { key: `${name}.cursor` } })).toEqual({
      key: `${name}.cursor`,
      value: "log_7",
      updatedAt: at,
    });
  });

  it("two instances at once: each row written once, nothing corrupted", async () => {
    const { before, dirty } = await seed();
    const other = createDb(t.target);
    try {
      const [a, b] = await Promise.all([runLogScrub(t.db, opts({ batchSize: 3 })), runLogScrub(other, opts({ batchSize: 2 }))]);
      expect(a.scrubbed + b.scrubbed).toBe(3);
      const after = await readRows(t.db);
      expectNoSecret(after);
      expectScrubbed(after, before, dirty);
      expect((await getScrubProgress(t.db, name)).complete).toBe(true);
    } finally {
      await other.$disconnect();
    }
  });

  it("runs beside the request-log writer: every log batch written, no lock held across the event loop", async () => {
    const { before, dirty } = await seed();
    // More dirty rows, so the scrub writes while the writer inserts.
    const more = Array.from({ length: 4 }, () => fixtures(workspaceId).records).flat();
    await insertLogBatch(t.db, more);
    const sink = createLogSink(t.target);
    try {
      let scrubbing = true;
      const written: string[] = [];
      const writer = (async () => {
        while (scrubbing) {
          const batch = Array.from({ length: 5 }, () =>
            testLogRecord({ workspaceId, requestHeaders: headers({ "x-portkey-config": '{"api_key":"[redacted]"}' }) }),
          );
          await sink.write(batch); // throws SQLITE_BUSY if the scrub held the write lock across awaits
          written.push(...batch.map((r) => r.id));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const summary = await runLogScrub(t.db, opts({ batchSize: 2 })).finally(() => (scrubbing = false));
      await writer;
      expect(summary.scrubbed).toBe(15);
      expect(written.length).toBeGreaterThan(0);
      expect(await t.db.requestLog.count({ where: { id: { in: written } } })).toBe(written.length);
      const after = await readRows(t.db);
      expectNoSecret(after);
      const seeded = new Set(before.map((r) => r.id));
      expectScrubbed(
        after.filter((r) => seeded.has(r.id)),
        before,
        dirty,
      );
    } finally {
      await sink.close();
    }
  });

  it("writes with compare-and-set: a row changed since it was read is not written", async () => {
    const { before, dirty, openai } = await seed();
    const [row] = await loadLogTexts(t.db, [openai.id]);
    const scrub = scrubStoredLog(row!)!;
    expect(scrub).not.toBeNull();

    // Another writer changed the response body in between: nothing of this scrub is written.
    await t.db.requestLog.update({ where: { id: openai.id }, data: { responseBody: "changed" } });
    expect(await writeScrubbedLog(t.db, scrub)).toBe(false);
    const index = before.findIndex((r) => r.id === openai.id);
    expect((await readRows(t.db))[index]).toEqual({ ...before[index]!, responseBody: "changed" });

    // Back as it was: written once, and the same scrub a second time writes nothing.
    await t.db.requestLog.update({ where: { id: openai.id }, data: { responseBody: before[index]!.responseBody } });
    expect(await writeScrubbedLog(t.db, scrub)).toBe(true);
    expect(await writeScrubbedLog(t.db, scrub)).toBe(false);
    expect((await readRows(t.db))[index]).toEqual(scrubbed(before[index]!, dirty.get(openai.id)!));
  });
});

describe(`the scrub in a database migrated without logs on ${TEST_DB_KIND}`, () => {
  /** The migrations up to (not including) 0020, which marks the scrub done in a database with no logs. */
  function migrationsBefore0020(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
    for (const f of readdirSync(migrationsDir(TEST_DB_KIND)).filter((f) => f < "0020_"))
      copyFileSync(path.join(migrationsDir(TEST_DB_KIND), f), path.join(dir, f));
    return dir;
  }

  it("is done from the start: nothing to read in a new database", async () => {
    const t = await createTestDatabase();
    try {
      expect((await getScrubProgress(t.db, LOG_SCRUB_NAME)).complete).toBe(true);
      expect(await runLogScrub(t.db, { dialect: TEST_DB_KIND, pauseMs: 0 })).toMatchObject({ status: "already_complete", scanned: 0 });
      const row = await t.db.appMeta.findUnique({ where: { key: `${LOG_SCRUB_NAME}.complete` } });
      // Read back by Prisma as any AppMeta row: a time in both columns, within the last minute.
      expect(Math.abs(Date.parse(row!.value) - Date.now())).toBeLessThan(60_000);
      expect(Math.abs(row!.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      await t.drop();
    }
  });

  it("still runs in a database that held logs when it was migrated", async () => {
    const empty = await createEmptyTarget();
    const db = createDb(empty.target);
    try {
      await migrate(empty.target, migrationsBefore0020());
      const workspaceId = (await ensureDefaultWorkspace(db)).id;
      await insertLogBatch(db, fixtures(workspaceId).records);
      expect((await migrate(empty.target)).applied).toEqual(["0020_log_scrub_done_when_no_logs"]);
      expect(await getScrubProgress(db, LOG_SCRUB_NAME)).toEqual({ cursor: null, complete: false });
      const summary = await runLogScrub(db, { dialect: TEST_DB_KIND, pauseMs: 0 });
      expect(summary).toMatchObject({ status: "complete", scrubbed: 3 });
      expectNoSecret(await readRows(db));
    } finally {
      await db.$disconnect();
      await empty.drop();
    }
  });
});
