import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { derivePostgresSchema } from "./schema-derive";

describe("derivePostgresSchema", () => {
  it("changes only the provider and the output of the committed schema", () => {
    const sqlite = readFileSync("prisma/schema.prisma", "utf8");
    const pg = derivePostgresSchema(sqlite);
    expect(pg).toContain('provider = "postgresql"');
    expect(pg).toContain('output   = "../../lib/generated/postgresql"');
    const strip = (s: string) => s.split("\n").filter((l) => !/provider\s*=|output\s*=|^\/\/ GENERATED/.test(l));
    expect(strip(pg)).toEqual(strip(sqlite));
  });
  it("refuses a schema that does not follow the layout", () => {
    expect(() => derivePostgresSchema('datasource db { provider = "mysql" }')).toThrow(/must use provider "sqlite"/);
  });
});
