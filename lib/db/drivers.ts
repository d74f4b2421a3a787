/**
 * The database drivers, loaded when first used rather than when a module is imported: a process
 * loads only its own database's driver. A process on SQLite never loads `pg` and Prisma's adapter
 * for it (~2 MiB of heap and ~50 ms of start), nor one on PostgreSQL better-sqlite3's.
 *
 * Dynamic `import()` works alike in every way Detour's code runs: Next.js's server bundles, the
 * gateway-only role's esbuild bundle, tsx and the tests.
 */
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import type BetterSqlite3 from "better-sqlite3";
import type Pg from "pg";

/**
 * The session settings of Detour's own PostgreSQL connections (the app's client and the log sink's
 * pool): no JIT compilation. Detour's statements take milliseconds; at 10M logs the planner's cost
 * of a search over a month of day partitions passes `jit_above_cost`, and compiling it took ~290 ms
 * of a 325 ms statement (docs/PERFORMANCE.md "At 10M rows"). An `options` parameter in
 * DATABASE_URL replaces this one (pg reads the URL's parameters over its config's).
 */
export const PG_SESSION_OPTIONS = "-c jit=off";

export async function loadSqliteDriver(): Promise<typeof BetterSqlite3> {
  return (await import("better-sqlite3")).default;
}

export async function loadPgDriver(): Promise<typeof Pg> {
  return (await import("pg")).default;
}

/**
 * A Prisma driver adapter factory whose package is imported at the first connection (Prisma
 * connects on the first query), so that creating a client stays synchronous. `provider` and
 * `adapterName` are the real adapter's: checked when it is loaded.
 */
export function lazyAdapter(
  provider: SqlDriverAdapterFactory["provider"],
  adapterName: string,
  load: () => Promise<SqlDriverAdapterFactory>,
): SqlDriverAdapterFactory {
  return {
    provider,
    adapterName,
    async connect() {
      const factory = await load();
      if (factory.provider !== provider || factory.adapterName !== adapterName) {
        throw new Error(`expected the ${provider} adapter ${adapterName}, loaded ${factory.provider} ${factory.adapterName}`);
      }
      return factory.connect();
    },
  };
}
