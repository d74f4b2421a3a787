/**
 * A fresh, migrated database per test file: a temporary SQLite file, or a new PostgreSQL database
 * (created and dropped here) when DETOUR_TEST_DB=postgresql. With CI=true PostgreSQL must be
 * reachable: the tests fail instead of skipping.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb, type DatabaseTarget, type Db } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";
import { createPgDatabase } from "./pg-database";

export const TEST_DB_KIND: DatabaseTarget["kind"] = process.env.DETOUR_TEST_DB === "postgresql" ? "postgresql" : "sqlite";
const PG_ADMIN_URL = process.env.DETOUR_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export type TestDatabase = { target: DatabaseTarget; db: Db; drop(): Promise<void> };

/** A database target that exists but is empty (not migrated). */
export async function createEmptyTarget(): Promise<{ target: DatabaseTarget; drop(): Promise<void> }> {
  if (TEST_DB_KIND === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-storage-"));
    return { target: { kind: "sqlite", file: path.join(dir, "test.db") }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const database = await createPgDatabase(PG_ADMIN_URL, "detour_test");
  return { target: { kind: "postgresql", url: database.url }, drop: database.drop };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyTarget();
  await migrate(empty.target);
  const db = createDb(empty.target);
  return {
    target: empty.target,
    db,
    drop: async () => {
      await db.$disconnect();
      await empty.drop();
    },
  };
}
