/**
 * The log explorer's first pages, two versions of lib/store/log-query.ts side by side on one
 * seeded database (scripts/seed-logs.ts), runs interleaved so both see the same load:
 *   npx tsx bench/log-explorer-ab.ts <other log-query.ts> [--database-url URL] [--runs 15]
 * Prints median and p90 ms per shape for this tree's version (new) and the other one (old).
 */
import { parseArgs } from "node:util";
import { createDb, type Db } from "../lib/db";
import { parseEnv } from "../lib/env";
import { parseLogQuery } from "../lib/logs/query";
import { ensureDefaultWorkspace } from "../lib/store/workspaces";
import { listLogs } from "../lib/store/log-query";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { "database-url": { type: "string" }, runs: { type: "string", default: "15" } },
});
const RUNS = Number(args.runs);

async function main(): Promise<void> {
  const other = (await import(positionals[0]!)) as { listLogs: typeof listLogs };
  const env = parseEnv({ ...process.env, ...(args["database-url"] ? { DATABASE_URL: args["database-url"] } : {}) });
  const db: Db = createDb(env.database);
  try {
    const workspaceId = (await ensureDefaultWorkspace(db)).id;
    const total = await db.requestLog.count({ where: { workspaceId } });
    const sample = await db.requestLog.findFirst({ where: { workspaceId }, orderBy: { createdAt: "desc" }, skip: Math.floor(total / 2) });
    const shapes = [
      "",
      `trace_id=${sample?.traceId}`,
      "status=5xx",
      "status=503",
      "status=429,5xx",
      "metadata.team=billing",
      "metadata.user=user-42",
      "metadata.user=user-42&status=2xx",
    ];
    console.log(`${total} logs; ${RUNS} runs each, interleaved\n`);
    console.log("| query | old median | old p90 | new median | new p90 | rows |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const shape of shapes) {
      const parsed = parseLogQuery(new URLSearchParams(shape));
      if (!parsed.success) throw new Error(parsed.error.message);
      const q = parsed.data;
      const old: number[] = [];
      const now: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS + 3; i++) {
        for (const [fn, out] of [
          [other.listLogs, old],
          [listLogs, now],
        ] as const) {
          const t0 = performance.now();
          const page = await fn(db, workspaceId, q);
          if (i >= 3) out.push(performance.now() - t0);
          rows = page.rows.length;
        }
      }
      const a = await other.listLogs(db, workspaceId, q);
      const b = await listLogs(db, workspaceId, q);
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${shape}: the versions disagree`);
      const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
      const f = (x: number) => x.toFixed(1);
      console.log(
        `| \`${shape || "-"}\` | ${f(pct(old, 0.5))} | ${f(pct(old, 0.9))} | ${f(pct(now, 0.5))} | ${f(pct(now, 0.9))} | ${rows} |`,
      );
    }
  } finally {
    await db.$disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
