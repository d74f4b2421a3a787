/**
 * The e2e server's own database (SQLite in `.e2e/data-<port>/`, playwright.config.ts), for specs
 * that must put rows there that no route writes: settled spend (`SpendDaily`), which the log writer
 * adds with the log rows of priced requests. Plain SQL on better-sqlite3 (Prisma's generated client
 * does not load under Playwright's module loader); the server keeps running beside it.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { E2E_PORT } from "../playwright.config";

const TABLES = { api_key: "ApiKey", virtual_key: "VirtualKey", config: "Config" } as const;

/** Adds `usd` to a subject's settled spend of today (UTC), as the log writer does for a priced request. */
export function addSpendToday(scope: "workspace" | "api_key" | "virtual_key" | "config", subjectId: string, usd: number): void {
  const db = new Database(path.resolve(process.cwd(), `.e2e/data-${E2E_PORT}/detour.db`), { timeout: 10_000 });
  try {
    const workspaceId =
      scope === "workspace"
        ? subjectId
        : (db.prepare(`SELECT "workspaceId" FROM "${TABLES[scope]}" WHERE "id" = ?`).get(subjectId) as { workspaceId: string } | undefined)
            ?.workspaceId;
    if (!workspaceId) throw new Error(`no ${scope} ${subjectId} in the e2e database`);
    db.prepare(
      `INSERT INTO "SpendDaily" ("scope", "subjectId", "day", "workspaceId", "costUsd", "requests") VALUES (?, ?, ?, ?, ?, 1)
       ON CONFLICT ("scope", "subjectId", "day") DO UPDATE SET "costUsd" = "costUsd" + excluded."costUsd", "requests" = "requests" + 1`,
    ).run(scope, subjectId, new Date().toISOString().slice(0, 10), workspaceId, usd);
  } finally {
    db.close();
  }
}
