/** Reads scalar columns out of prisma/schema.prisma, to compare with what the migrations created. */
import { readFileSync } from "node:fs";
import path from "node:path";

export type SchemaColumn = { name: string; type: string; optional: boolean };

const SCALARS = new Set(["String", "Int", "BigInt", "Float", "Boolean", "DateTime"]);

export function readSchemaModels(file = path.join(process.cwd(), "prisma/schema.prisma")): Map<string, SchemaColumn[]> {
  const text = readFileSync(file, "utf8");
  const models = new Map<string, SchemaColumn[]>();
  for (const match of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const columns: SchemaColumn[] = [];
    for (const raw of (match[2] ?? "").split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("//") || line.startsWith("@@")) continue;
      const [name, type] = line.split(/\s+/);
      if (!name || !type) continue;
      const base = type.replace(/[?[\]]/g, "");
      if (!SCALARS.has(base)) continue;
      columns.push({ name, type: base, optional: type.endsWith("?") });
    }
    models.set(match[1]!, columns);
  }
  return models;
}
