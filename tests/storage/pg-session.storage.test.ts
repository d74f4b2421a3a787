/**
 * Detour's PostgreSQL sessions run without JIT compilation (lib/db/drivers.ts: PG_SESSION_OPTIONS):
 * at 10M logs a month's search passed jit_above_cost and spent ~290 ms compiling a statement that
 * runs in tens. An `options` parameter in DATABASE_URL replaces the setting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/lib/db";
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from "../../testing/test-db";

describe.skipIf(TEST_DB_KIND !== "postgresql")("PostgreSQL session settings", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  const jit = async (url: string) => {
    const db = createDb({ kind: "postgresql", url });
    try {
      return (await db.$queryRaw<{ jit: string }[]>`SHOW jit`)[0]?.jit;
    } finally {
      await db.$disconnect();
    }
  };

  it("turns JIT off, unless DATABASE_URL's options say otherwise", async () => {
    if (t.target.kind !== "postgresql") throw new Error("PostgreSQL only");
    const url = t.target.url;
    expect(await jit(url)).toBe("off");
    const own = new URL(url);
    own.searchParams.set("options", "-c jit=on");
    expect(await jit(own.toString())).toBe("on");
  });
});
