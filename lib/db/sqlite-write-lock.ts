/**
 * Interactive transactions on SQLite that take the write lock first.
 *
 * Prisma's better-sqlite3 adapter begins a transaction with a plain (deferred) `BEGIN`. In WAL mode
 * a deferred transaction that reads first and writes later fails at once with
 * SQLITE_BUSY_SNAPSHOT when another connection committed in between: SQLite cannot move its read
 * snapshot forward, so it does not wait for the busy timeout either; Prisma reports it as
 * "Operation has timed out". Another connection is always there in Detour: the log sink's thread
 * writes logs through its own connection while management writes (read, then write) go through
 * Prisma, and several processes may share the file.
 *
 * Each transaction therefore starts with a write that changes nothing (`DELETE ... WHERE 0` on the
 * migrator's table, which has no triggers): like `BEGIN IMMEDIATE`, it takes the write lock before
 * anything is read, waiting for it up to the busy timeout like any other write, and every read in
 * the transaction then sees the latest commit. SQLite has one writer at a time anyway, so holding
 * the lock from the start costs nothing in concurrency.
 */
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";

export const TAKE_WRITE_LOCK_SQL = 'DELETE FROM "_detour_migrations" WHERE 0';

export function withWriteLockFirst(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      const begin = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (isolationLevel) => {
        const tx = await begin(isolationLevel);
        try {
          await tx.executeRaw({ sql: TAKE_WRITE_LOCK_SQL, args: [], argTypes: [] });
        } catch (err) {
          // Not begun after all: end the transaction and free the adapter's lock before saying why.
          await tx.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] }).catch(() => undefined);
          await tx.rollback();
          throw err;
        }
        return tx;
      };
      return adapter;
    },
  };
}
