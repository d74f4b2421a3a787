/**
 * The database client. One codebase, two databases: a SQLite file (default) or PostgreSQL when
 * DATABASE_URL says so. Prisma generates one client per database from the same models; both have
 * the same API, so the rest of the code is typed against the SQLite client's types. Each client's
 * driver adapter (and the driver under it) is imported at its first query (lib/db/drivers.ts).
 */
import { PrismaClient as SqliteClient } from "../generated/sqlite/client";
import { PrismaClient as PostgresClient } from "../generated/postgresql/client";
import type { Env } from "../env";
import { getEnv } from "../env";
import { getRuntime } from "../runtime";
import { lazyAdapter, PG_SESSION_OPTIONS } from "./drivers";
import { withWriteLockFirst } from "./sqlite-write-lock";

export type Db = SqliteClient;
export type DatabaseTarget = Env["database"];

export function createDb(target: DatabaseTarget): Db {
  if (target.kind === "postgresql") {
    // Bounded connect and queries, TCP keep-alive: with PostgreSQL blackholed, a query fails in
    // bounded time instead of hanging on a dead socket (interactive transactions are bounded at 30 s too).
    const adapter = lazyAdapter("postgres", "@prisma/adapter-pg", async () => {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({
        connectionString: target.url,
        options: PG_SESSION_OPTIONS,
        max: 10,
        connectionTimeoutMillis: 5_000,
        query_timeout: 30_000,
        keepAlive: true,
      });
    });
    // Same models, same API: the PostgreSQL client is used through the SQLite client's type.
    return new PostgresClient({ adapter }) as unknown as Db;
  }
  // The directory exists: the migrator creates it before any client is used. Transactions take the
  // write lock first, and a statement waits for the lock on a timer, not in a busy timeout that
  // stops the event loop (lib/db/sqlite-write-lock.ts).
  const adapter = withWriteLockFirst(
    lazyAdapter("sqlite", "@prisma/adapter-better-sqlite3", async () => {
      const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
      return new PrismaBetterSqlite3({ url: `file:${target.file}`, timeout: 0 });
    }),
  );
  return new SqliteClient({ adapter });
}

/** The process-wide client for the configured database (created on first use, kept in the runtime). */
export function getDb(): Db {
  const rt = getRuntime();
  rt.db ??= createDb(getEnv().database);
  return rt.db;
}

export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === "sqlite") return `SQLite ${target.file}`;
  const url = new URL(target.url);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
