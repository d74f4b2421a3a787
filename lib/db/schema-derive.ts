/** Derives the PostgreSQL Prisma schema from the SQLite one: only the provider and the output change. */
export function derivePostgresSchema(sqliteSchema: string): string {
  const provider = /provider\s*=\s*"sqlite"/;
  const output = /output\s*=\s*"\.\.\/lib\/generated\/sqlite"/;
  if (!provider.test(sqliteSchema) || !output.test(sqliteSchema)) {
    throw new Error('prisma/schema.prisma must use provider "sqlite" and output "../lib/generated/sqlite"');
  }
  return (
    "// GENERATED from prisma/schema.prisma by scripts/prisma-generate.ts. Do not edit.\n" +
    sqliteSchema.replace(provider, 'provider = "postgresql"').replace(output, 'output   = "../../lib/generated/postgresql"')
  );
}
