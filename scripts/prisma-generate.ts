/**
 * Generates the two Prisma clients (SQLite and PostgreSQL) from prisma/schema.prisma.
 * The PostgreSQL schema is derived: same models, other provider and output. Prisma's CLI cannot
 * download its native schema engine here, and `generate` does not need it, so the CLI is pointed at
 * a stub that fails loudly if anything ever tries to use it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, chmodSync, existsSync } from "node:fs";
import path from "node:path";
import { derivePostgresSchema } from "../lib/db/schema-derive";

const root = path.resolve(__dirname, "..");
const sqliteSchema = path.join(root, "prisma/schema.prisma");
const derivedDir = path.join(root, "prisma/generated");
const pgSchema = path.join(derivedDir, "schema.postgresql.prisma");

export function generateClients(): void {
  mkdirSync(derivedDir, { recursive: true });
  writeFileSync(pgSchema, derivePostgresSchema(readFileSync(sqliteSchema, "utf8")));

  const stub = path.join(derivedDir, "no-schema-engine.sh");
  if (!existsSync(stub)) {
    writeFileSync(stub, "#!/bin/sh\necho 'Detour does not use the Prisma schema engine (see docs/ARCHITECTURE.md)' >&2\nexit 1\n");
    chmodSync(stub, 0o755);
  }
  const prismaBin = path.join(root, "node_modules/prisma/build/index.js");
  for (const schema of [sqliteSchema, pgSchema]) {
    execFileSync(process.execPath, [prismaBin, "generate", "--schema", schema], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: stub,
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        CHECKPOINT_DISABLE: "1",
      },
    });
  }
}

if (require.main === module) generateClients();
