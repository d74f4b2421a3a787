/**
 * A fresh, migrated database per test file: a temporary SQLite file, or a new PostgreSQL database
 * (created and dropped here) when DETOUR_TEST_DB=postgresql. With CI=true PostgreSQL must be
 * reachable: the tests fail instead of skipping.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createDb, type DatabaseTarget, type Db } from "@/lib/db";
import { migrate } from "@/lib/db/migrate";

export const TEST_DB_KIND: DatabaseTarget["kind"] = process.env.DETOUR_TEST_DB === "postgresql" ? "postgresql" : "sqlite";
const PG_ADMIN_URL = process.env.DETOUR_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export type TestDatabase = { target: DatabaseTarget; db: Db; drop(): Promise<void> };

/** A database target that exists but is empty (not migrated). */
export async function createEmptyTarget(): Promise<{ target: DatabaseTarget; drop(): Promise<void> }> {
  if (TEST_DB_KIND === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-storage-"));
    return { target: { kind: "sqlite", file: path.join(dir, "test.db") }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `detour_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    target: { kind: "postgresql", url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
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
