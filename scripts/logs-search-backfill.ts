/**
 * Gives the request logs written before full-text search existed (migration 0016_log_search) the
 * text `q` searches, so that searching finds them too (lib/store/log-search-backfill.ts):
 *
 *   npm run logs:search-backfill
 *
 * Run it once after upgrading; safe while Detour runs (batches of 500 logs, each a short
 * transaction) and safe to stop and run again (logs that have their text are skipped). Logs whose
 * bodies were not logged have nothing to search and stay as they are. The database is the app's
 * (DATABASE_URL, else DETOUR_DATA_DIR or ./data/detour.db), migrated first.
 */
import { createDb, describeDatabase } from "../lib/db";
import { migrate } from "../lib/db/migrate";
import { parseEnv } from "../lib/env";
import { backfillSearchText } from "../lib/store/log-search-backfill";

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    console.log("usage: npm run logs:search-backfill");
    return;
  }
  const target = parseEnv(process.env).database;
  process.stderr.write(`database: ${describeDatabase(target)}\n`);
  await migrate(target);
  const db = createDb(target);
  const started = performance.now();
  try {
    const result = await backfillSearchText(db, {
      onBatch: (p) => process.stderr.write(`\r${String(p.read).padStart(10)} logs read, ${String(p.updated).padStart(10)} given a text`),
    });
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `\n${result.updated} of ${result.read} logs with bodies and no search text got one, over ${result.workspaces} workspaces, in ${secs} s\n`,
    );
  } finally {
    await db.$disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
