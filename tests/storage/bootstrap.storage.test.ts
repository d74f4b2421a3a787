import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { bootstrap, DEFAULT_ADMIN_EMAIL, StartupError } from "@/lib/bootstrap";
import { loadMigrations, migrationsDir } from "@/lib/db/migrate";
import { authorizeCredentials } from "@/lib/auth/options";
import { authenticateApiKey } from "@/lib/auth/api-key";
import { createDb, type Db } from "@/lib/db";
import { parseEnv, type Env } from "@/lib/env";
import { hashApiKey, verifyPassword } from "@/lib/crypto";
import { getRuntime } from "@/lib/runtime";
import { createEmptyTarget, TEST_DB_KIND } from "../../testing/test-db";

const ADMIN_KEY = "detour-test-admin-key-0123456789";

function envFor(target: Env["database"], extra: Record<string, string> = {}): Env {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "detour-data-"));
  const base = parseEnv({ DETOUR_DATA_DIR: dataDir, ...extra });
  return { ...base, database: target };
}

describe(`bootstrap on ${TEST_DB_KIND}`, () => {
  let target: Env["database"];
  let drop: () => Promise<void>;
  let db: Db;
  const key = { key: randomBytes(32), origin: "test key" };

  beforeEach(async () => {
    ({ target, drop } = await createEmptyTarget());
    db = createDb(target);
  });
  afterEach(async () => {
    await db.$disconnect();
    await drop();
  });

  it("creates the default workspace and an admin with a generated password, shown once", async () => {
    const first = await bootstrap(envFor(target), key, db);
    expect(first.migrationsApplied).toEqual(loadMigrations(migrationsDir(TEST_DB_KIND)).map((m) => m.name));
    expect(first.migrationsApplied[0]).toBe("0001_init");
    expect(first.adminCreated?.email).toBe(DEFAULT_ADMIN_EMAIL);
    const password = first.adminCreated?.generatedPassword;
    expect(password).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const user = await db.user.findUniqueOrThrow({ where: { email: DEFAULT_ADMIN_EMAIL }, include: { memberships: true } });
    expect(user.passwordHash).not.toContain(password!);
    expect(await verifyPassword(password!, user.passwordHash)).toBe(true);
    expect(user.memberships).toEqual([expect.objectContaining({ workspaceId: first.workspaceId, role: "owner" })]);
    const ws = await db.workspace.findUniqueOrThrow({ where: { id: first.workspaceId } });
    expect(ws.isDefault).toBe(true);

    const second = await bootstrap(envFor(target), key, db);
    expect(second.adminCreated).toBeNull();
    expect(second.workspaceId).toBe(first.workspaceId);
    expect(await db.user.count()).toBe(1);
  });

  it("creates the admin from DETOUR_ADMIN_EMAIL / DETOUR_ADMIN_PASSWORD, and sign-in checks the password", async () => {
    const env = envFor(target, { DETOUR_ADMIN_EMAIL: "Ops@Example.com", DETOUR_ADMIN_PASSWORD: "correct horse battery" });
    const result = await bootstrap(env, key, db);
    expect(result.adminCreated).toEqual({ email: "Ops@Example.com", generatedPassword: undefined });
    // authorizeCredentials uses the process-wide client; point it at this database for the check.
    getRuntime().db = db;
    try {
      const ok = await authorizeCredentials({ email: "ops@example.com", password: "correct horse battery" });
      expect(ok).toMatchObject({ email: "ops@example.com" });
      // The first admin owns the default workspace.
      expect(await db.workspaceMember.findFirst({ where: { userId: ok!.id } })).toMatchObject({
        workspaceId: result.workspaceId,
        role: "owner",
      });
      expect(await authorizeCredentials({ email: "ops@example.com", password: "wrong password" })).toBeNull();
      expect(await authorizeCredentials({ email: "nobody@example.com", password: "correct horse battery" })).toBeNull();
      expect(await authorizeCredentials({ email: "", password: "" })).toBeNull();
      const user = await db.user.findUniqueOrThrow({ where: { email: "ops@example.com" } });
      expect(user.lastLoginAt).toBeInstanceOf(Date);
    } finally {
      getRuntime().db = undefined;
    }
  });

  it("stores DETOUR_ADMIN_API_KEY hashed as an admin key, and revokes it when the variable changes", async () => {
    const result = await bootstrap(envFor(target, { DETOUR_ADMIN_API_KEY: ADMIN_KEY }), key, db);
    const rows = await db.apiKey.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      hash: hashApiKey(ADMIN_KEY),
      scope: "admin",
      source: "env",
      workspaceId: result.workspaceId,
      revokedAt: null,
    });
    expect(JSON.stringify(rows)).not.toContain(ADMIN_KEY);

    const auth = await authenticateApiKey(db, new Headers({ "x-portkey-api-key": ADMIN_KEY }), "admin");
    expect(auth).toMatchObject({ ok: true, key: { scope: "admin", workspaceId: result.workspaceId } });
    const bearer = await authenticateApiKey(db, new Headers({ authorization: `Bearer ${ADMIN_KEY}` }), "admin");
    expect(bearer.ok).toBe(true);
    expect(await authenticateApiKey(db, new Headers({ "x-portkey-api-key": "not-the-key-000000000000" }), "admin")).toMatchObject({
      ok: false,
      status: 401,
      code: "invalid_api_key",
    });
    expect(await authenticateApiKey(db, new Headers(), "admin")).toMatchObject({ ok: false, status: 401, code: "missing_api_key" });

    // Restarting with another value revokes the old one at once.
    const next = "detour-test-admin-key-rotated-000001";
    await bootstrap(envFor(target, { DETOUR_ADMIN_API_KEY: next }), key, db);
    expect(await authenticateApiKey(db, new Headers({ "x-portkey-api-key": ADMIN_KEY }), "admin")).toMatchObject({
      ok: false,
      code: "invalid_api_key",
    });
    expect((await authenticateApiKey(db, new Headers({ "x-portkey-api-key": next }), "admin")).ok).toBe(true);

    // And unsetting it revokes it too.
    await bootstrap(envFor(target), key, db);
    expect((await authenticateApiKey(db, new Headers({ "x-portkey-api-key": next }), "admin")).ok).toBe(false);
  });

  it("gives a gateway-scope key 403 on admin routes", async () => {
    const result = await bootstrap(envFor(target), key, db);
    const gatewayKey = "dtr_gateway_scope_key_for_test_0000";
    await db.apiKey.create({
      data: { workspaceId: result.workspaceId, name: "gw", prefix: "dtr_ga", hash: hashApiKey(gatewayKey), scope: "gateway" },
    });
    expect(await authenticateApiKey(db, new Headers({ "x-portkey-api-key": gatewayKey }), "admin")).toMatchObject({
      ok: false,
      status: 403,
      code: "insufficient_scope",
    });
    expect((await authenticateApiKey(db, new Headers({ "x-portkey-api-key": gatewayKey }), "gateway")).ok).toBe(true);
  });

  it("refuses to start with an encryption key other than the one the database was set up with", async () => {
    await bootstrap(envFor(target), key, db);
    const other = { key: randomBytes(32), origin: "DETOUR_ENCRYPTION_KEY" };
    await expect(bootstrap(envFor(target), other, db)).rejects.toThrow(StartupError);
    await expect(bootstrap(envFor(target), other, db)).rejects.toThrow(/does not match this database/);
    // The right key still works afterwards.
    await expect(bootstrap(envFor(target), key, db)).resolves.toMatchObject({ adminCreated: null });
  });

  // Several instances share PostgreSQL; SQLite is the single-process embedded default (three clients on one
  // file inside one process would only test better-sqlite3's synchronous locking against itself).
  it.runIf(TEST_DB_KIND === "postgresql")("creates one admin when several instances start on an empty database at once", async () => {
    const env = envFor(target, { DETOUR_ADMIN_PASSWORD: "same-password-for-all" });
    const dbs = [db, createDb(target), createDb(target)];
    try {
      const results = await Promise.all(dbs.map((d) => bootstrap(env, key, d)));
      expect(await db.user.count()).toBe(1);
      expect(await db.workspace.count()).toBe(1);
      expect(new Set(results.map((r) => r.workspaceId)).size).toBe(1);
    } finally {
      await Promise.all(dbs.slice(1).map((d) => d.$disconnect()));
    }
  });
});
