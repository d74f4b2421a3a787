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
      // Full-text search alone and with other filters (the seeder's topics: 1 in 40 logs says "warranty").
      "q=warranty",
      "q=warranty&status=503",
      "q=warranty&status=5xx",
      "q=warranty&metadata.team=billing",
      "q=warranty&metadata.user=user-42",
      "q=warranty&provider=azure-openai&model=gpt-4o",
      "q=warranty&cost_min=0.001&cost_max=0.01",
      "q=the&status=503",
      "q=the&fallback=true",
      "q=warranty&sort=-cost&status=503",
      "q=warranty&sort=-latency_ms&status=503",
      "q=warranty&metadata.user=user-42&sort=-cost",
      "metadata.user=user-42&sort=-cost",
      // A word no log says: every day is searched.
      "q=quixotic",
      `q=warranty&status=503&from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}`,
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
          const page = await fn(db, workspaceId, q).catch((err: Error) => ({ rows: [], error: err.name }));
          if (i >= 3) out.push(performance.now() - t0);
          rows = page.rows.length;
        }
      }
      // A version may refuse a query (e.g. a search too broad to sort by cost): it says so.
      const refused = (err: Error) => ({ rows: [], next: null, refused: err.name });
      const a = await other.listLogs(db, workspaceId, q).catch(refused);
      const b = await listLogs(db, workspaceId, q).catch(refused);
      for (const [side, page] of [
        ["old", a],
        ["new", b],
      ] as const)
        if ("refused" in page) console.log(`(${shape}: ${side} refuses it: ${page.refused})`);
      // A version may end a page short where the other fills it (an old bound on the rows it reads):
      // then the rows of the shorter page must begin the longer one; anything else is a defect.
      const [short, long] = a.rows.length <= b.rows.length ? [a, b] : [b, a];
      if (JSON.stringify(short.rows) !== JSON.stringify(long.rows.slice(0, short.rows.length)))
        throw new Error(`${shape}: the versions disagree`);
      if (a.rows.length !== b.rows.length) console.log(`(${shape}: old ${a.rows.length} rows, new ${b.rows.length})`);
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
