/**
 * SQLite through Prisma on the event loop: transactions that take the write lock first, and waits
 * for the lock that never hold the event loop.
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
 * anything is read, and every read in the transaction then sees the latest commit. SQLite has one
 * writer at a time anyway, so holding the lock from the start costs nothing in concurrency.
 *
 * The lock is often held: the log sink's thread writes a transaction of up to 200 logs at a time
 * (~10-20 ms under load). better-sqlite3's busy timeout waits for it inside the native call, with
 * the whole event loop stopped: a key's "last used" flush held every request in flight for up to
 * ~20 ms. So the connection has no busy timeout (`timeout: 0`) and a statement that finds the lock
 * taken (SQLITE_BUSY) is tried again after a timer, on SQLite's own schedule of waits (1, 2, 5, 10
 * ... 100 ms), up to `busyWaitMs` in all; then its error is the caller's, as the busy timeout's was.
 * Only what did nothing is tried again: a statement outside a transaction (SQLITE_BUSY means it
 * did not run), and a transaction's start, rolled back before the wait so that nothing is open on
 * the shared connection meanwhile. Inside a transaction the lock is already held.
 */
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";

type SqlDriverAdapter = Awaited<ReturnType<SqlDriverAdapterFactory["connect"]>>;
type SqlQuery = Parameters<SqlDriverAdapter["queryRaw"]>[0];

export const TAKE_WRITE_LOCK_SQL = 'DELETE FROM "_detour_migrations" WHERE 0';
/** How long a statement waits for the write lock in all (the busy timeout it replaces). */
export const SQLITE_BUSY_WAIT_MS = 10_000;
/** The waits between tries, as SQLite's own busy handler spaces them; the last one repeats. */
const BUSY_WAITS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100] as const;

/** The driver adapter's error for a lock another connection holds (SQLITE_BUSY and its extended codes). */
export function isSqliteBusy(err: unknown): boolean {
  const cause = (err as { name?: unknown; cause?: { originalCode?: unknown } } | null)?.cause;
  return (
    (err as { name?: unknown } | null)?.name === "DriverAdapterError" &&
    typeof cause?.originalCode === "string" &&
    // SQLITE_BUSY_SNAPSHOT cannot succeed by waiting (the snapshot is older than the last commit).
    (cause.originalCode === "SQLITE_BUSY" || cause.originalCode === "SQLITE_BUSY_RECOVERY" || cause.originalCode === "SQLITE_BUSY_TIMEOUT")
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `run` again after SQLite's waits while it fails with SQLITE_BUSY, up to `budgetMs` in all. */
export async function waitingOutBusy<T>(run: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = performance.now() + budgetMs;
  for (let i = 0; ; i++) {
    try {
      return await run();
    } catch (err) {
      const left = deadline - performance.now();
      if (!isSqliteBusy(err) || left <= 0) throw err;
      await sleep(Math.min(BUSY_WAITS_MS[Math.min(i, BUSY_WAITS_MS.length - 1)]!, left));
    }
  }
}

/**
 * `factory`'s adapters with both behaviours. Open the connection with no busy timeout
 * (better-sqlite3's `timeout: 0`): the waits are this wrapper's.
 */
export function withWriteLockFirst(
  factory: SqlDriverAdapterFactory,
  { busyWaitMs = SQLITE_BUSY_WAIT_MS }: { busyWaitMs?: number } = {},
): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter: SqlDriverAdapter = await factory.connect();
      const begin = adapter.startTransaction.bind(adapter);
      const query = adapter.queryRaw.bind(adapter);
      const execute = adapter.executeRaw.bind(adapter);
      const beginHoldingTheLock: SqlDriverAdapter["startTransaction"] = async (isolationLevel) => {
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
      adapter.startTransaction = (isolationLevel) => waitingOutBusy(() => beginHoldingTheLock(isolationLevel), busyWaitMs);
      adapter.queryRaw = (q: SqlQuery) => waitingOutBusy(() => query(q), busyWaitMs);
      adapter.executeRaw = (q: SqlQuery) => waitingOutBusy(() => execute(q), busyWaitMs);
      return adapter;
    },
  };
}
