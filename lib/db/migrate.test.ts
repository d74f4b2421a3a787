import Database from "better-sqlite3";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, migrationsDir } from "./migrate";

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("SQLite file mode", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-db-mode-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("creates a new database 0600 in a data directory created 0700, and its -wal and -shm 0600 while in use", async () => {
    const dataDir = path.join(tempDir(), "data");
    const file = path.join(dataDir, "detour.db");
    await migrate({ kind: "sqlite", file }, migrationsDir("sqlite"));
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(file)).toBe(0o600);

    // The app's connection (WAL) creates the -wal and -shm files: SQLite gives them the database's mode.
    const db = new Database(file);
    try {
      db.prepare(`INSERT INTO "_detour_migrations" (name, checksum, applied_at) VALUES ('probe', 'x', 'now')`).run();
      expect(modeOf(`${file}-wal`)).toBe(0o600);
      expect(modeOf(`${file}-shm`)).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it("tightens a database file an earlier version left readable by others", async () => {
    const file = path.join(tempDir(), "old.db");
    writeFileSync(file, "");
    chmodSync(file, 0o644);
    await migrate({ kind: "sqlite", file }, migrationsDir("sqlite"));
    expect(modeOf(file)).toBe(0o600);
  });
});
