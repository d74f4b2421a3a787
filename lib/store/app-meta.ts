import type { Db } from "../db";
import { retryOnUniqueViolation } from "../db/conflict";

export async function getMeta(db: Db, key: string): Promise<string | null> {
  const row = await db.appMeta.findUnique({ where: { key } });
  return row?.value ?? null;
}

/** Sets the value only when the key is absent; returns the value that is stored afterwards. */
export async function setMetaIfAbsent(db: Db, key: string, value: string): Promise<string> {
  const row = await retryOnUniqueViolation(() => db.appMeta.upsert({ where: { key }, update: {}, create: { key, value } }));
  return row.value;
}
