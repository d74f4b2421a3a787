import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, copyFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate, migrationsDir, MigrationError } from "@/lib/db/migrate";
import { createEmptyTarget, createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";
import { readSchemaModels } from "../../testing/schema-parse";

type Column = { name: string; nullable: boolean };

async function tableColumns(t: TestDatabase, table: string): Promise<Column[]> {
  if (TEST_DB_KIND === "sqlite") {
    const rows = await t.db.$queryRawUnsafe<{ name: string; notnull: bigint | number }[]>(`PRAGMA table_info("${table}")`);
    return rows.map((r) => ({ name: r.name, nullable: Number(r.notnull) === 0 }));
  }
  const rows = await t.db.$queryRawUnsafe<{ column_name: string; is_nullable: string }[]>(
    `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
    table,
  );
  return rows.map((r) => ({ name: r.column_name, nullable: r.is_nullable === "YES" }));
}

/**
 * Columns a database has that prisma/schema.prisma (the clients' single source) leaves out: Prisma
 * never reads or writes them. PostgreSQL's generated tsvector of a log's search text
 * (0019_log_search_vector).
 */
const DATABASE_ONLY: Record<typeof TEST_DB_KIND, Record<string, string[]>> = {
  sqlite: {},
  postgresql: { RequestLog: ["searchVector"] },
};

describe(`migrations on ${TEST_DB_KIND}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it("create every column of prisma/schema.prisma with its nullability, and nothing else", async () => {
    const models = readSchemaModels();
    expect(models.size).toBeGreaterThanOrEqual(12);
    for (const [model, columns] of models) {
      const actual = await tableColumns(t, model);
      const extra = DATABASE_ONLY[TEST_DB_KIND][model] ?? [];
      expect(actual.map((c) => c.name).sort(), `columns of ${model}`).toEqual([...columns.map((c) => c.name), ...extra].sort());
      for (const col of columns) {
        const found = actual.find((c) => c.name === col.name);
        expect(found?.nullable, `${model}.${col.name} nullable`).toBe(col.optional);
      }
    }
  });

  it("are idempotent: a second run applies nothing", async () => {
    const again = await migrate(t.target);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(readdirSync(migrationsDir(TEST_DB_KIND)).filter((f) => f.endsWith(".sql")).length);
  });

  it("refuse a migration file changed after it was applied", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
    for (const f of readdirSync(migrationsDir(TEST_DB_KIND))) copyFileSync(path.join(migrationsDir(TEST_DB_KIND), f), path.join(dir, f));
    writeFileSync(path.join(dir, "0001_init.sql"), "-- edited\n", { flag: "a" });
    await expect(migrate(t.target, dir)).rejects.toThrow(/0001_init was changed after it was applied/);
  });

  it("refuse a database migrated by a newer version", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
    for (const f of readdirSync(migrationsDir(TEST_DB_KIND))) copyFileSync(path.join(migrationsDir(TEST_DB_KIND), f), path.join(dir, f));
    writeFileSync(path.join(dir, "9999_future.sql"), 'CREATE TABLE "FutureThing" ("id" TEXT PRIMARY KEY);\n');
    expect((await migrate(t.target, dir)).applied).toEqual(["9999_future"]);
    await expect(migrate(t.target, migrationsDir(TEST_DB_KIND))).rejects.toThrow(MigrationError);
    await expect(migrate(t.target, migrationsDir(TEST_DB_KIND))).rejects.toThrow(/9999_future, which this version of Detour does not know/);
  });

  it("roll back a failing migration and leave no record of it", async () => {
    const empty = await createEmptyTarget();
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
      copyFileSync(path.join(migrationsDir(TEST_DB_KIND), "0001_init.sql"), path.join(dir, "0001_init.sql"));
      writeFileSync(path.join(dir, "9998_broken.sql"), 'CREATE TABLE "Half" ("id" TEXT PRIMARY KEY);\nTHIS IS NOT SQL;\n');
      await expect(migrate(empty.target, dir)).rejects.toThrow();
      const fixed = mkdtempSync(path.join(os.tmpdir(), "detour-migrations-"));
      copyFileSync(path.join(dir, "0001_init.sql"), path.join(fixed, "0001_init.sql"));
      writeFileSync(path.join(fixed, "9998_broken.sql"), 'CREATE TABLE "Half" ("id" TEXT PRIMARY KEY);\n');
      // The table of the failed run was rolled back, so the corrected migration can create it.
      const result = await migrate(empty.target, fixed);
      expect(result.applied).toContain("9998_broken");
    } finally {
      await empty.drop();
    }
  });

  it("migrate once when several processes start at the same time", async () => {
    const empty = await createEmptyTarget();
    try {
      const results = await Promise.all([migrate(empty.target), migrate(empty.target), migrate(empty.target)]);
      const all = readdirSync(migrationsDir(TEST_DB_KIND)).filter((f) => f.endsWith(".sql")).length;
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, all]);
    } finally {
      await empty.drop();
    }
  });
});
