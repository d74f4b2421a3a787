/**
 * The two databases' SQL dialects, and DateTime values as each one's columns hold them, for raw
 * SQL: Prisma's SQLite adapter stores ISO text with an explicit "+00:00" offset; PostgreSQL's
 * timestamp(3) holds UTC wall-clock time.
 */
import { Prisma } from "../generated/sqlite/client";
import type { Db } from "./index";
import { type Dialect, timeParam } from "./sql-time";

export { type Dialect, timeParam } from "./sql-time";

/** The database a Prisma client talks to (the generated clients name their provider). */
export function dialectOf(db: Db): Dialect {
  return (db as unknown as { _activeProvider?: string })._activeProvider === "postgresql" ? "postgresql" : "sqlite";
}

/** A DateTime as a typed SQL value (a timestamp on PostgreSQL, so comparisons use the column's index). */
export function timeSql(dialect: Dialect, d: Date): Prisma.Sql {
  return dialect === "sqlite" ? Prisma.sql`${timeParam(dialect, d)}` : Prisma.sql`CAST(${timeParam(dialect, d)} AS TIMESTAMP(3))`;
}
