/**
 * The database client. One codebase, two databases: a SQLite file (default) or PostgreSQL when
 * DATABASE_URL says so. Prisma generates one client per database from the same models; both have
 * the same API, so the rest of the code is typed against the SQLite client's types.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "../generated/sqlite/client";
import { PrismaClient as PostgresClient } from "../generated/postgresql/client";
import type { Env } from "../env";
import { getEnv } from "../env";
import { getRuntime } from "../runtime";
import { withWriteLockFirst } from "./sqlite-write-lock";

export type Db = SqliteClient;
export type DatabaseTarget = Env["database"];

export function createDb(target: DatabaseTarget): Db {
  if (target.kind === "postgresql") {
    // Bounded connect and queries, TCP keep-alive: with PostgreSQL blackholed, a query fails in
    // bounded time instead of hanging on a dead socket (interactive transactions are bounded at 30 s too).
    const adapter = new PrismaPg({
      connectionString: target.url,
      max: 10,
      connectionTimeoutMillis: 5_000,
      query_timeout: 30_000,
      keepAlive: true,
    });
    // Same models, same API: the PostgreSQL client is used through the SQLite client's type.
    return new PostgresClient({ adapter }) as unknown as Db;
  }
  // The directory exists: the migrator creates it before any client is used. Transactions take the
  // write lock first (lib/db/sqlite-write-lock.ts): another connection's commit cannot fail them.
  const adapter = withWriteLockFirst(new PrismaBetterSqlite3({ url: `file:${target.file}`, timeout: 10_000 }));
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
