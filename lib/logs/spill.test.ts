/**
 * Spill and replay, on a real temporary directory with a fake database write that fails, then
 * succeeds, and stores like `INSERT ... ON CONFLICT (id) DO NOTHING`. The fake also keeps every
 * row of every write it took (`sent`, duplicates included): "once" is asserted on what was sent,
 * since the stored rows alone cannot show a re-send.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogWriter } from "./log-writer";
import { LogSpill, SpillFullError } from "./spill";
import { SpillFiles, parseSpillLine } from "./spill-files";
import { testAttempt, testLogRecord } from "../../testing/sample-log-record";
import type { LogRecord } from "./types";

function record(): LogRecord {
  const r = testLogRecord({
    metadata: { team: "a" },
    promptTokens: 1,
    completionTokens: 2,
    totalTokens: 3,
    reasoningTokens: 1,
    requestBody: "{}",
    responseBody: "{}",
  });
  const startedAt = new Date(1_700_000_000_000);
  const createdAt = new Date(1_700_000_000_000 + Number(r.id.slice(4)));
  return {
    ...r,
    createdAt,
    traceId: `t-${r.id}`,
    responseId: `resp_${r.id}`,
    affinity: [
      {
        workspaceId: r.workspaceId,
        id: `resp_${r.id}`,
        kind: "response",
        provider: "openai",
        virtualKeyId: "vk_1",
        virtualKeySlug: "openai-main",
        virtualKeyVersion: 2,
        deployment: null,
        upstream: "api.openai.com",
        credential: "0123456789abcdef0123456789abcdef",
        configSlug: null,
        targetPath: "config",
        createdAt,
      },
    ],
    attempts: [testAttempt(0, { targetPath: "config", latencyMs: 9, startedAt })],
  };
}
const records = (n: number) => Array.from({ length: n }, record);

/**
 * A database: down until `up = true`; stores each id once; `calls` sees every attempted batch, `sent`
 * the id of every row of every write it took (a row sent twice is there twice).
 * `hang`: every write waits for ever; `held`: writes wait until that promise settles (see hold()).
 */
function fakeDb() {
  const rows = new Map<string, LogRecord>();
  const order: string[] = [];
  const sent: string[] = [];
  const db = {
    up: false,
    hang: false,
    held: null as Promise<void> | null,
    calls: 0,
    rows,
    order,
    sent,
    write: async (batch: readonly LogRecord[]) => {
      db.calls += 1;
      if (db.hang) await new Promise(() => {});
      if (db.held) await db.held;
      if (!db.up) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      for (const r of batch) {
        sent.push(r.id);
        if (!rows.has(r.id)) rows.set(r.id, r) && order.push(r.id);
      }
    },
  };
  return db;
}

/** Makes the database's writes wait (no answer, no error: blackholed) until the returned function is called. */
function hold(db: ReturnType<typeof fakeDb>): () => void {
  let release: () => void = () => undefined;
  db.held = new Promise<void>((resolve) => (release = resolve));
  return () => {
    db.held = null;
    release();
  };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "detour-spill-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const owner = (pid: number, run = "0000000a") => ({ host: "abcdef01", pid, run });
const files = (o = owner(100)) => new SpillFiles({ dir, owner: o, isAlive: (pid) => pid === 100 || pid === 200, sync: false });
const spillOf = (db: ReturnType<typeof fakeDb>, extra: Partial<ConstructorParameters<typeof LogSpill>[0]> = {}) =>
  new LogSpill({
    files: files(),
    maxBytes: 64 * 1024 * 1024,
    write: db.write,
    batchSize: 50,
    idleSealMs: 20,
    retryBaseMs: 10,
    retryMaxMs: 40,
    ...extra,
  });
const names = () => readdirSync(dir).sort();

describe("spill files", () => {
  it("appends NDJSON to this process's .open file, seals it, and a claim renames it for one process only", async () => {
    const f = files();
    const rs = records(3);
    await f.append(rs.slice(0, 2));
    await f.append(rs.slice(2));
    expect(names()).toEqual([expect.stringMatching(/^spill-\d{13}-000001-abcdef01-100-0000000a\.ndjson\.open$/)]);
    expect(await f.claimNext()).toBeNull(); // our own open file is never claimed
    await f.seal();
    const other = files(owner(200));
    const [a, b] = await Promise.all([f.claimNext(), other.claimNext()]);
    expect([a, b].filter(Boolean)).toHaveLength(1); // the rename is atomic: one winner
    const lines = readFileSync((a ?? b)!.path, "utf8")
      .trim()
      .split("\n");
    expect(lines.map((l) => parseSpillLine(l))).toEqual(rs); // Dates revived, the affinity rows' too
    expect(parseSpillLine(lines[0]!)!.affinity[0]!.createdAt).toBeInstanceOf(Date);
  });

  it("reads a line spilled before affinity rows existed as a record without any", () => {
    const { affinity: _f, reasoningTokens: _r, responseId: _i, ...older } = record();
    const parsed = parseSpillLine(JSON.stringify(older));
    expect(parsed?.affinity).toEqual([]);
    expect(parsed?.createdAt).toEqual(older.createdAt);
  });

  it("leaves a live process's open and claimed files alone, takes a dead or stale one's", async () => {
    const live = files(owner(200));
    await live.append(records(1));
    const deadOpen = `spill-0000000000001-000001-abcdef01-300-00000001.ndjson.open`;
    const deadClaim = `spill-0000000000002-000001-abcdef01-200-00000002.ndjson.claimed-abcdef01-301-00000003`;
    const foreignFresh = `spill-0000000000003-000001-99999999-5-00000004.ndjson.open`;
    for (const n of [deadOpen, deadClaim, foreignFresh]) writeFileSync(path.join(dir, n), `${JSON.stringify(record())}\n`);
    const f = files();
    expect((await f.claimNext())?.base).toBe(deadOpen.slice(0, -".ndjson.open".length));
    expect((await f.claimNext())?.base).toBe(deadClaim.split(".")[0]);
    expect(await f.claimNext()).toBeNull(); // the live pid's file and another host's fresh file stay
    const later = new SpillFiles({ dir, owner: owner(100), isAlive: () => true, sync: false, now: () => Date.now() + 120_000 });
    expect((await later.claimNext())?.base).toBe(foreignFresh.split(".")[0]); // untouched for staleMs: abandoned
    await live.seal();
  });

  it("a pid reused by a new run (containers: pid 1) does not keep an earlier run's file", async () => {
    writeFileSync(path.join(dir, "spill-0000000000001-000001-abcdef01-100-0000000f.ndjson.open"), `${JSON.stringify(record())}\n`);
    expect(await files().claimNext()).not.toBeNull();
  });
});

describe("LogSpill replay", () => {
  it("replays files oldest first, each row once, and deletes a file only once all of it is committed", async () => {
    const db = fakeDb();
    const spill = spillOf(db);
    const first = records(120);
    const second = records(80);
    await spill.append(first);
    await (spill as unknown as { files: SpillFiles }).files.seal(); // a rotation: two files
    await spill.append(second);
    expect(spill.stats()).toMatchObject({ spilled: 200, pendingRows: 200, files: 2 });
    // Down: the idle seal triggers replays that fail and back off; the files stay.
    await waitFor(() => db.calls >= 2, "failed replays");
    expect(names()).toHaveLength(2); // sealed, or claimed for a moment by a replay attempt
    expect(db.rows.size).toBe(0);
    db.up = true;
    spill.resumed();
    // Drained: no rows pending, no file on disk, none in the inventory (a file is unlinked a moment
    // before the replay drops it from the inventory: wait for both, not one).
    await waitFor(() => spill.stats().pendingRows === 0 && spill.stats().files === 0 && names().length === 0, "drain");
    expect(db.order).toEqual([...first, ...second].map((r) => r.id));
    expect(db.sent).toEqual(db.order); // each row sent once: none re-sent
    expect(db.rows.get(first[0]!.id)).toEqual(first[0]);
    expect(spill.stats()).toMatchObject({ replayed: 200, pendingBytes: 0, files: 0, tornLines: 0, rejected: 0 });
    await spill.close();
  });

  it("a replay that fails mid-file releases it; the retry re-sends the committed part harmlessly (exactly once)", async () => {
    const db = fakeDb();
    db.up = true;
    // The spill's own write fails on its second batch (a write the spill holds: replacing db.write
    // after the spill is made would not reach it).
    let writes = 0;
    const write = async (batch: readonly LogRecord[]) => {
      writes += 1;
      if (writes === 2) throw new Error("connection terminated unexpectedly");
      await db.write(batch);
    };
    const spill = spillOf(db, { write, idleSealMs: 60_000 });
    const rs = records(150);
    await spill.append(rs);
    await (spill as unknown as { files: SpillFiles }).files.seal();
    spill.kick();
    await waitFor(() => names().length === 0, "replayed after the retry");
    expect(writes).toBe(5); // 1 taken, 1 failed, then the retry's 3
    expect(db.rows.size).toBe(150);
    const ids = rs.map((r) => r.id);
    // Sent: the first batch, then on the retry the whole file again: the committed part (the first
    // batch, once more) and the rest once. Nothing else is re-sent.
    expect(db.sent).toEqual([...ids.slice(0, 50), ...ids]);
    expect(db.order).toEqual(ids);
    expect(spill.stats().replayed).toBe(200); // rows sent by the replay, the re-sent batch included
    await spill.close();
  });

  it("skips and counts a torn last line (a crash mid-append), replays the rest", async () => {
    const db = fakeDb();
    db.up = true;
    const rs = records(3);
    const name = "spill-0000000000001-000001-abcdef01-999-00000001.ndjson.open";
    writeFileSync(path.join(dir, name), rs.map((r) => `${JSON.stringify(r)}\n`).join(""));
    appendFileSync(path.join(dir, name), JSON.stringify(record()).slice(0, 40));
    const spill = spillOf(db);
    spill.start(); // crash recovery: the dead process's open file
    await waitFor(() => names().length === 0, "recovery replay");
    expect(db.order).toEqual(rs.map((r) => r.id));
    expect(db.sent).toEqual(db.order);
    expect(spill.stats()).toMatchObject({ tornLines: 1, replayed: 3, pendingRows: 0 });
    await spill.close();
  });

  it("counts an earlier run's files before anything is replayed (health is complete from the start)", async () => {
    const db = fakeDb(); // down: nothing can be replayed
    const rs = records(4);
    writeFileSync(
      path.join(dir, "spill-0000000000001-000001-abcdef01-999-00000001.ndjson"),
      rs.map((r) => `${JSON.stringify(r)}\n`).join(""),
    );
    const spill = spillOf(db);
    const writer = new LogWriter({ write: db.write, spill });
    await writer.ready();
    expect(writer.stats().spill).toMatchObject({ files: 1, pendingRows: 4, replayed: 0 });
    await spill.close();
  });

  it("sets aside a row the database refuses for good and replays the others", async () => {
    const db = fakeDb();
    db.up = true;
    const rs = records(10);
    const bad = rs[4]!.id;
    const permanent = Object.assign(new Error("foreign key"), { code: "23503" });
    const write = async (batch: readonly LogRecord[]) => {
      if (batch.some((r) => r.id === bad)) throw permanent;
      await db.write(batch);
    };
    const spill = spillOf(db, { write, isPermanentError: (e) => e === permanent });
    await spill.append(rs);
    spill.resumed();
    await waitFor(() => names().length === 0, "replay");
    expect(db.rows.size).toBe(9);
    expect(db.sent).toEqual(rs.filter((r) => r.id !== bad).map((r) => r.id)); // the good rows once each, one by one
    expect(spill.stats()).toMatchObject({ rejected: 1, replayed: 10 });
    await spill.close();
  });

  it("refuses appends beyond maxBytes (the caller counts them as dropped)", async () => {
    const spill = spillOf(fakeDb(), { maxBytes: 2_000 });
    await spill.append(records(3));
    await expect(spill.append(records(3))).rejects.toBeInstanceOf(SpillFullError);
    expect(spill.stats().spilled).toBe(3);
    await spill.close();
  });
});

describe("LogWriter with a spill", () => {
  it("keeps memory bounded during an outage, loses nothing, and writes every row once afterwards", async () => {
    const db = fakeDb();
    const spill = spillOf(db);
    const w = new LogWriter({
      write: db.write,
      spill,
      maxQueue: 2_000,
      batchSize: 100,
      spillHighWater: 400,
      retryBaseMs: 5,
      retryMaxMs: 20,
      flushIntervalMs: 5,
    });
    const all: LogRecord[] = [];
    let maxQueued = 0;
    for (let i = 0; i < 100; i++) {
      const burst = records(50); // 5000 records in all (~5000 a second), far above maxQueue
      for (const r of burst) w.enqueue(r);
      all.push(...burst);
      maxQueued = Math.max(maxQueued, w.stats().queued);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => w.stats().queued < 400, "spilled below the high-water mark");
    expect(maxQueued).toBeLessThan(2_000); // never full: nothing refused
    expect(w.stats()).toMatchObject({ dropped: 0 });
    expect(w.stats().spill.spilled).toBeGreaterThan(4_000);
    db.up = true;
    await waitFor(() => w.stats().queued === 0 && w.stats().spill.pendingRows === 0 && names().length === 0, "queue and spill drained");
    expect(db.rows.size).toBe(5_000);
    expect(new Set(db.order)).toEqual(new Set(all.map((r) => r.id)));
    expect(db.sent).toHaveLength(5_000); // every row sent once: nothing written and spilled, nothing replayed twice
    expect(w.stats().written + w.stats().spill.spilled).toBe(5_000);
    expect(w.stats().spill.replayed).toBe(w.stats().spill.spilled);
    await w.close(1_000);
  });

  it("at shutdown with the database refusing, close() spills everything at once and ends in time", async () => {
    const db = fakeDb();
    const spill = spillOf(db, { idleSealMs: 60_000 });
    const w = new LogWriter({ write: db.write, spill, batchSize: 50, retryBaseMs: 5_000 });
    const rs = records(300);
    for (const r of rs) w.enqueue(r);
    await waitFor(() => db.calls >= 1, "first failed write");
    // "At once": not at 70% of the timeout (42 s here), when a writer that does not know the
    // database is failing spills what is left. 10 s is generous for one append of 300 rows.
    const started = Date.now();
    expect(await w.close(60_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(w.stats()).toMatchObject({ queued: 0, dropped: 0 });
    expect(names()).toEqual([expect.stringMatching(/\.ndjson$/)]); // sealed for whoever replays it
    const lines = readFileSync(path.join(dir, names()[0]!), "utf8").trim().split("\n");
    expect(lines.map((l) => parseSpillLine(l)!.id)).toEqual(rs.map((r) => r.id));
  });

  it("at shutdown with the database hanging, the in-flight batch is spilled too before the timeout", async () => {
    const db = fakeDb();
    db.hang = true;
    const w = new LogWriter({ write: db.write, spill: spillOf(db, { idleSealMs: 60_000 }), batchSize: 50 });
    const rs = records(120);
    for (const r of rs) w.enqueue(r);
    await waitFor(() => db.calls >= 1, "a write in flight");
    // The hung write is not known to fail: at 70% of the timeout (2.8 s) what is left, the batch in
    // flight included, goes to the spill, and close() resolves true only if that happened before
    // the timeout (false when the flush times out). 1.2 s for that one append is generous.
    expect(await w.close(4_000)).toBe(true);
    const ids = names()
      .flatMap((n) => readFileSync(path.join(dir, n), "utf8").trim().split("\n"))
      .map((l) => parseSpillLine(l)!.id);
    expect(ids.sort()).toEqual(rs.map((r) => r.id).sort());
    expect(w.stats()).toMatchObject({ queued: 0, dropped: 0 });
  });

  it("a write that hangs counts as failing after stallMs: the queue goes to the spill, not over its bound, and is replayed once the write returns", async () => {
    const db = fakeDb();
    db.up = true;
    const release = hold(db); // a blackholed database: no answer, no error, until its query timeout
    const w = new LogWriter({
      write: db.write,
      spill: spillOf(db),
      maxQueue: 1_000,
      batchSize: 100,
      spillHighWater: 200,
      stallMs: 50,
      flushIntervalMs: 5,
    });
    const all = records(2_500); // 2.5x the queue's bound arrive while the first write hangs
    for (let i = 0; i < all.length; i += 100) {
      for (const r of all.slice(i, i + 100)) w.enqueue(r);
      await new Promise((r) => setTimeout(r, 10));
      // Only the spill can bring the queue down while the write hangs. On a CI machine starved of CPU
      // its appends fell behind this loop's clock and 100 records found the queue full (dropped):
      // the next 100 now wait for the spill there, short of the bound.
      if (w.stats().queued > 800) await waitFor(() => w.stats().queued <= 800, `the spill to make room after records ${i}-${i + 99}`);
    }
    expect(w.stats()).toMatchObject({ dropped: 0 });
    expect(w.stats().spill.spilled).toBeGreaterThan(2_000);
    release();
    await waitFor(() => w.stats().queued === 0 && w.stats().spill.pendingRows === 0 && names().length === 0, "queue and spill drained");
    expect(db.rows.size).toBe(2_500);
    expect(new Set(db.order)).toEqual(new Set(all.map((r) => r.id)));
    // The hung batch stayed the writer's (retried, not spilled): every row was sent once.
    expect(db.sent).toHaveLength(2_500);
    expect(w.stats().written + w.stats().spill.spilled).toBe(2_500);
    expect(w.stats().spill.replayed).toBe(w.stats().spill.spilled);
    await w.close(1_000);
  });

  it("counts records as dropped when the spill refuses them", async () => {
    const db = fakeDb();
    const w = new LogWriter({ write: db.write, spill: spillOf(db, { maxBytes: 1 }), batchSize: 10, spillHighWater: 10, retryBaseMs: 5 });
    for (const r of records(5)) w.enqueue(r);
    await waitFor(() => db.calls >= 1, "first failed write");
    expect(await w.close(1_000)).toBe(true);
    expect(w.stats()).toMatchObject({ queued: 0, dropped: 0 }); // the first append fits under the cap
    const w2 = new LogWriter({ write: db.write, spill: spillOf(db, { maxBytes: 1 }), batchSize: 10, retryBaseMs: 5 });
    for (const r of records(5)) w2.enqueue(r);
    await waitFor(() => db.calls >= 2, "failed write");
    expect(await w2.close(1_000)).toBe(true);
    expect(w2.stats().dropped).toBe(5); // the directory already holds more than 1 byte
  });
});
