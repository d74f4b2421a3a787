/**
 * Applies the committed SQL migrations (prisma/migrations/<sqlite|postgresql>/NNNN_name.sql) in
 * order, each in a transaction, recording name and checksum in `_detour_migrations`. An applied
 * migration whose file has changed stops start-up: history is never rewritten silently.
 * PostgreSQL takes an advisory lock so that several instances starting at once migrate once.
 */
import type Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadPgDriver, loadSqliteDriver } from "./drivers";
import type { DatabaseTarget } from "./index";

export type Migration = { name: string; sql: string; checksum: string };
export type MigrateResult = { applied: string[]; alreadyApplied: number };

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
const LOCK_ID = 7_214_563_001; // pg_advisory_lock key for Detour migrations

export function migrationsDir(kind: DatabaseTarget["kind"], root = process.cwd()): string {
  return path.join(root, "prisma", "migrations", kind);
}

export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), "utf8");
      return { name: file.replace(/\.sql$/, ""), sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

function checkHistory(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  const known = new Set(migrations.map((m) => m.name));
  for (const name of applied.keys()) {
    if (!known.has(name)) {
      throw new MigrationError(
        `The database has migration ${name}, which this version of Detour does not know: it was migrated by a newer version.`,
      );
    }
  }
  for (const m of migrations) {
    const sum = applied.get(m.name);
    if (sum !== undefined && sum !== m.checksum) {
      throw new MigrationError(`Migration ${m.name} was changed after it was applied (checksum differs). Restore the file.`);
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

/**
 * The SQLite file holds every secret Detour keeps (encrypted provider keys, API key hashes, the
 * request logs): it is created owner-only (0600) like the key files, in a directory created 0700,
 * and a file left more open by an earlier version is tightened. SQLite gives its -wal and -shm
 * files the database file's mode; they are tightened too once the journal mode is set.
 */
function openOwnerOnly(Sqlite: typeof Database, file: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // "a": create if missing (mode 0600, whatever the umask leaves of it is fixed below), never truncate.
  closeSync(openSync(file, "a", 0o600));
  tighten(file);
  const db = new Sqlite(file, { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    for (const suffix of ["-wal", "-shm"]) tighten(file + suffix);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function tighten(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (err) {
    // Missing (-shm before first use) or not ours to change (a file provisioned by someone else): leave it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "EPERM") throw err;
  }
}

async function migrateSqlite(file: string, migrations: Migration[]): Promise<MigrateResult> {
  const db = openOwnerOnly(await loadSqliteDriver(), file);
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS "_detour_migrations" (
      "name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "applied_at" TEXT NOT NULL)`);
    // BEGIN IMMEDIATE takes the write lock before reading the history: concurrent starts serialise.
    const run = db.transaction(() => {
      const rows = db.prepare(`SELECT name, checksum FROM "_detour_migrations"`).all() as { name: string; checksum: string }[];
      const pending = checkHistory(new Map(rows.map((r) => [r.name, r.checksum])), migrations);
      for (const m of pending) {
        db.exec(m.sql);
        db.prepare(`INSERT INTO "_detour_migrations" (name, checksum, applied_at) VALUES (?, ?, ?)`).run(
          m.name,
          m.checksum,
          new Date().toISOString(),
        );
      }
      return { applied: pending.map((m) => m.name), alreadyApplied: rows.length };
    });
    const result = run.immediate();
    enableIncrementalVacuum(db);
    return result;
  } finally {
    db.close();
  }
}

/**
 * SQLite: auto_vacuum = INCREMENTAL, so that the pages the log retention frees can be returned to
 * the file system a few at a time (lib/logs/retention.ts). The mode of a database that has tables
 * only changes with a VACUUM, which rewrites the file once (seconds for a large one); a database
 * another process holds busy keeps its mode until a later start.
 */
function enableIncrementalVacuum(db: Database.Database): void {
  if (db.pragma("auto_vacuum", { simple: true }) === 2) return;
  try {
    db.pragma("auto_vacuum = INCREMENTAL");
    db.exec("VACUUM");
    // VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY, and the full-text
    // index of the logs (0016_log_search) refers to RequestLog's rowids: rebuilt from the logs.
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'RequestLogSearch'`).get()) {
      // Not 'rebuild': that would index the logs without text too, which the triggers never remove.
      db.exec(`INSERT INTO "RequestLogSearch"("RequestLogSearch") VALUES ('delete-all');
        INSERT INTO "RequestLogSearch"(rowid, "searchText") SELECT rowid, "searchText" FROM "RequestLog" WHERE "searchText" IS NOT NULL;`);
    }
  } catch (err) {
    if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
  }
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrateResult> {
  const pg = await loadPgDriver();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_detour_migrations" (
      "name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "_detour_migrations"`);
    const pending = checkHistory(new Map(rows.map((r) => [r.name, r.checksum])), migrations);
    for (const m of pending) {
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO "_detour_migrations" (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
    }
    return { applied: pending.map((m) => m.name), alreadyApplied: rows.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}

export async function migrate(target: DatabaseTarget, dir = migrationsDir(target.kind)): Promise<MigrateResult> {
  const migrations = loadMigrations(dir);
  if (migrations.length === 0) throw new MigrationError(`No migrations found in ${dir}`);
  return target.kind === "sqlite" ? migrateSqlite(target.file, migrations) : migratePostgres(target.url, migrations);
}
