import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startServer, waitForHealthOrExit } from "../testing/server-process";

// Start-up checks run the production build as separate processes; no browser needed.
test.describe("start-up", () => {
  let dataDir: string;
  test.beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-startup-"));
  });
  test.afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test("a wrong encryption key for an existing database is refused at start, with a clear message", async () => {
    const first = await startServer({ DETOUR_DATA_DIR: dataDir, DETOUR_ADMIN_PASSWORD: "startup-pass-123" });
    try {
      expect((await waitForHealthOrExit(first)).health).toBe(200);
      expect(first.output()).toContain("generated one and stored it in the data directory");
    } finally {
      await first.stop();
    }
    const wrong = await startServer({
      DETOUR_DATA_DIR: dataDir,
      DETOUR_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    });
    const result = await waitForHealthOrExit(wrong);
    expect(result.exitCode).toBe(1);
    expect(wrong.output()).toContain("Detour cannot start: The encryption key (DETOUR_ENCRYPTION_KEY) does not match this database");
  });

  test("a bad environment value stops start-up and names the variable", async () => {
    const server = await startServer({ DETOUR_DATA_DIR: dataDir, DETOUR_ADMIN_API_KEY: "too-short", DETOUR_ENCRYPTION_KEY: "abc" });
    const result = await waitForHealthOrExit(server);
    expect(result.exitCode).toBe(1);
    expect(server.output()).toContain("DETOUR_ADMIN_API_KEY must be at least 20 characters");
    expect(server.output()).not.toContain("too-short");
  });

  test("a malformed encryption key is refused with a message saying what is expected", async () => {
    const server = await startServer({ DETOUR_DATA_DIR: dataDir, DETOUR_ENCRYPTION_KEY: "not-a-key" });
    expect((await waitForHealthOrExit(server)).exitCode).toBe(1);
    expect(server.output()).toContain("DETOUR_ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or as base64");
  });

  test("the same build serves on PostgreSQL when DATABASE_URL says so", async () => {
    const adminUrl = process.env.DETOUR_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const name = `detour_e2e_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const server = await startServer({
      DETOUR_DATA_DIR: dataDir,
      DATABASE_URL: url.toString(),
      DETOUR_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      DETOUR_ADMIN_PASSWORD: "startup-pass-123",
    });
    try {
      const result = await waitForHealthOrExit(server);
      expect(result.health, server.output()).toBe(200);
      expect(result.body).toMatchObject({ status: "ok", db: "ok", database: "postgresql" });
      const login = await fetch(`http://127.0.0.1:${server.port}/login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain("Sign in to Detour");
      const tables = await new pg.Client({ connectionString: url.toString() });
      await tables.connect();
      const { rows } = await tables.query(`SELECT count(*)::int AS n FROM "User"`);
      await tables.end();
      expect(rows[0].n).toBe(1);
    } finally {
      await server.stop();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
