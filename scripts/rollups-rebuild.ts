/**
 * Recomputes the analytics rollups from the raw request logs (lib/store/rollup-rebuild.ts: hour by
 * hour, one transaction per workspace and hour, safe while Detour runs and writes):
 *
 *   npm run rollups:rebuild                                   # every hour that has logs
 *   npm run rollups:rebuild -- --from 2026-01-01 --to 2026-01-08T12:00Z
 *
 * Run it once after upgrading to the version that added the rollups (migration 0012), whose table
 * starts empty. The database is the app's (DATABASE_URL, else DETOUR_DATA_DIR or ./data/detour.db),
 * migrated first. --from defaults to the oldest log's hour, --to to just after the newest log;
 * both are rounded out to whole UTC hours. Rollups of hours outside the range are left alone (they
 * outlive the raw logs' retention: do not give a --from older than the oldest log you still keep).
 */
import { parseArgs } from "node:util";
import { describeDatabase } from "../lib/db";
import { migrate } from "../lib/db/migrate";
import { parseEnv } from "../lib/env";
import { rebuildRollups } from "../lib/store/rollup-rebuild";

const { values: args } = parseArgs({
  options: { from: { type: "string" }, to: { type: "string" }, help: { type: "boolean", default: false } },
});

if (args.help) {
  console.log("usage: npm run rollups:rebuild [-- --from <date> --to <date>]   (ISO 8601 dates or date-times, UTC)");
  process.exit(0);
}

function date(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d\d-\d\d/.test(value)) {
    console.error(`--${name} must be an ISO 8601 date or date-time (got ${JSON.stringify(value)})`);
    process.exit(2);
  }
  return d;
}

async function main(): Promise<void> {
  const from = date("from", args.from);
  const to = date("to", args.to);
  if (from && to && from >= to) {
    console.error("--from must be before --to");
    process.exit(2);
  }
  const target = parseEnv(process.env).database;
  process.stderr.write(`database: ${describeDatabase(target)}\n`);
  await migrate(target);
  const started = performance.now();
  const result = await rebuildRollups(target, {
    from,
    to,
    onHour: (hour, logs) => process.stderr.write(`\r${hour.toISOString().slice(0, 13)}:00Z ${String(logs).padStart(8)} logs`),
  });
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  if (!result.from) process.stderr.write("no logs: nothing to rebuild\n");
  else
    process.stderr.write(
      `\nrebuilt ${result.hours} hours (${result.from.toISOString()} to ${result.to!.toISOString()}) from ${result.logs} logs in ${secs} s\n`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
