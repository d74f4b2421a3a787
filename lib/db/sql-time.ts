/**
 * The two databases' SQL dialects, and a DateTime as each one's columns hold it, for raw SQL with the
 * drivers: Prisma's SQLite adapter stores ISO text with an explicit "+00:00" offset; PostgreSQL's
 * timestamp(3) holds UTC wall-clock time. Free of Prisma (lib/db/dialect.ts adds what needs it).
 */
export type Dialect = "sqlite" | "postgresql";

/** A DateTime as a text parameter in the column's own form. */
export function timeParam(dialect: Dialect, d: Date): string {
  return dialect === "sqlite" ? d.toISOString().replace("Z", "+00:00") : d.toISOString().slice(0, 23);
}
