/** Content hashes that tell `npm start` whether the Prisma clients or the Next build are stale. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const SKIP_DIRS = new Set(["node_modules", ".next", ".git", "generated", "data", "test-results", "playwright-report", ".e2e"]);

function listFiles(root: string, entry: string, out: string[]): void {
  const full = path.join(root, entry);
  if (!existsSync(full)) return;
  if (statSync(full).isFile()) {
    out.push(entry);
    return;
  }
  for (const name of readdirSync(full)) {
    if (SKIP_DIRS.has(name) || name.startsWith(".next-")) continue;
    if (/\.test\.tsx?$/.test(name)) continue; // tests do not change the build
    listFiles(root, path.join(entry, name), out);
  }
}

export function hashFiles(root: string, entries: string[]): string {
  const files: string[] = [];
  for (const entry of entries) listFiles(root, entry, files);
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

export const SCHEMA_INPUTS = ["prisma/schema.prisma", "lib/db/schema-derive.ts", "package-lock.json"];
export const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "instrumentation.ts",
  "proxy.ts",
  "next.config.ts",
  "tsconfig.json",
  "package-lock.json",
  "prisma/schema.prisma",
  "scripts/build-server.ts",
  "scripts/server.ts",
  "scripts/server-build-files.ts",
  "scripts/client-error.ts",
];
