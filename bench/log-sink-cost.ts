/**
 * What the log sink's thread spends per request log on SQLite, by the kind of trace id the logs
 * carry: the app's own sink (lib/store/log-sink.ts, transactions of the thread's 200 logs) on a
 * migrated temp database, run on this thread so its CPU is this process's. Logs look like the
 * benchmark's chat completions (bodies ~0.2 and ~0.4 KB, one attempt, a provider response id and a
 * latency each their own), and each round writes them with trace ids generated as Detour does
 * (random, UUID version 4) or time-ordered ones (version 7, RFC 9562): one database per kind, the
 * rounds alternating, the figure the median of each kind's rounds. docs/PERFORMANCE.md says why
 * Detour still generates random ones.
 *
 *   npx tsx bench/log-sink-cost.ts [--logs 20000] [--rounds 6] [--prefill 0] [--kinds v4,v7]
 *
 * Each kind's database keeps growing over its rounds (a round's logs add to the previous ones'), as a
 * server's does; `--prefill N` first writes N logs (with that kind's ids, not counted) into each, to
 * measure at the size of a database that has been serving for a while. `--kinds v7`: one kind only.
 * Temp files only; nothing else is started.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { v7 as uuidV7 } from "uuid";
import { migrate } from "../lib/db/migrate";
import type { LogRecord } from "../lib/logs/types";
import { newLogId } from "../lib/logs/types";
import { inThreadLogSink, THREAD_SQLITE_CHUNK } from "../lib/store/log-sink";
import { testAttempt, testLogRecord } from "../testing/sample-log-record";
import { runMain } from "./lib/procs";

const { values } = parseArgs({
  options: {
    logs: { type: "string", default: "20000" },
    rounds: { type: "string", default: "6" },
    prefill: { type: "string", default: "0" },
    kinds: { type: "string", default: "v4,v7" },
  },
});
const LOGS = Number(values.logs);
const ROUNDS = Number(values.rounds);
const PREFILL = Number(values.prefill);

const REQUEST_BODY = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "What are the 7 wonders of the world?" }] });
const answer = (id: string) =>
  JSON.stringify({
    id,
    object: "chat.completion",
    created: 1795619717,
    model: "gpt-4o",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Mock answer from openai (key ...0001) to: What are the 7 wonders of the world?" },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 17, completion_tokens: 24, total_tokens: 41 },
  });

const ALL_KINDS = { "random (v4)": randomUUID, "time-ordered (v7)": uuidV7 } as const;
type Kind = keyof typeof ALL_KINDS;
const KINDS: Partial<Record<Kind, () => string>> = {};
for (const name of values.kinds.split(",")) {
  const kind = (Object.keys(ALL_KINDS) as Kind[]).find((k) => k.includes(`(${name.trim()})`));
  if (!kind) throw new Error(`--kinds: unknown kind ${name} (v4, v7)`);
  KINDS[kind] = ALL_KINDS[kind];
}

function record(workspaceId: string, traceId: string): LogRecord {
  const responseId = `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 29)}`;
  const r = testLogRecord({
    id: newLogId(),
    workspaceId,
    traceId,
    requestBody: REQUEST_BODY,
    responseBody: answer(responseId),
    responseId,
    promptTokens: 17,
    completionTokens: 24,
    cost: 0.000283,
    virtualKeySlug: "vk-bench",
    latencyMs: 200 + Math.floor(Math.random() * 2000),
  });
  r.attempts = [
    testAttempt(0, {
      targetPath: "config",
      virtualKeySlug: "vk-bench",
      virtualKeyVersion: 1,
      latencyMs: r.latencyMs,
      startedAt: r.createdAt,
    }),
  ];
  return r;
}

/** `n` logs with `kind`'s trace ids, in the sink thread's transactions. */
function batches(n: number, kind: Kind): LogRecord[][] {
  const out: LogRecord[][] = [];
  for (let i = 0; i < n; i += THREAD_SQLITE_CHUNK) {
    out.push(Array.from({ length: Math.min(THREAD_SQLITE_CHUNK, n - i) }, () => record("ws", KINDS[kind]!())));
  }
  return out;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "detour-sinkcost-"));
  try {
    const sinks = new Map<Kind, ReturnType<typeof inThreadLogSink>>();
    for (const [i, kind] of (Object.keys(KINDS) as Kind[]).entries()) {
      const file = path.join(dir, `detour-${i}.db`);
      await migrate({ kind: "sqlite", file });
      const db = new Database(file);
      db.prepare(`INSERT INTO "Workspace" ("id", "name", "slug") VALUES ('ws', 'bench', 'bench')`).run();
      db.close();
      const sink = inThreadLogSink({ kind: "sqlite", file }, { sqliteChunk: THREAD_SQLITE_CHUNK });
      for (let written = 0; written < PREFILL; ) {
        // Made a few thousand at a time, not all at once: a long prefill's records need not all be in memory.
        for (const batch of batches(Math.min(10_000, PREFILL - written), kind)) await sink.write(batch);
        written = Math.min(PREFILL, written + 10_000);
        if (written % 100_000 === 0 || written === PREFILL)
          process.stderr.write(`[bench] ${kind}: ${written} logs written before the rounds\n`);
      }
      sinks.set(kind, sink);
    }
    const perLog = new Map<Kind, number[]>([...sinks.keys()].map((k) => [k, []]));
    for (let round = 0; round <= ROUNDS; round++) {
      const kinds = [...sinks.keys()];
      for (const kind of round % 2 ? kinds.reverse() : kinds) {
        const sink = sinks.get(kind)!;
        // Records made beforehand: their making is not the sink's.
        const logs = batches(LOGS, kind);
        const before = cpuUs();
        for (const batch of logs) await sink.write(batch);
        const us = (cpuUs() - before) / LOGS;
        // Round 0 warms up (the JIT, the first pages): not counted.
        if (round > 0) perLog.get(kind)!.push(us);
        process.stderr.write(`[bench] round ${round}${round === 0 ? " (warm-up)" : ""}: ${kind} ${us.toFixed(1)} us CPU per log\n`);
      }
    }
    for (const sink of sinks.values()) await sink.close();
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const prefilled = PREFILL ? `, after ${PREFILL} logs` : "";
    console.log(
      `\n## The log sink's CPU per log on SQLite, by trace id (${ROUNDS} rounds x ${LOGS} logs${prefilled}, ${new Date().toISOString()})\n`,
    );
    console.log("| trace ids | CPU us per log, median of rounds | rounds |");
    console.log("|---|---:|---|");
    for (const [kind, xs] of perLog) console.log(`| ${kind} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(", ")} |`);
    if (perLog.size === 2) {
      const [v4, v7] = [...perLog.values()].map(median);
      console.log(`\ntime-ordered / random: ${(v7! / v4!).toFixed(3)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main, 20 * 60_000);
