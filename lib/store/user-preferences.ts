/**
 * A user's dashboard preferences (UserPreference: one JSON value per user and key), kept in the
 * database so they follow the user to any browser. The one key today is the log explorer's
 * column layout (LOG_COLUMNS_PREFERENCE: hidden columns and widths, lib/logs/views.ts).
 */
import type { Db } from "../db";

export const LOG_COLUMNS_PREFERENCE = "logs.columns";

/** The stored JSON text, or null when the user has not set it. */
export async function getUserPreference(db: Db, userId: string, key: string): Promise<string | null> {
  const row = await db.userPreference.findUnique({ where: { userId_key: { userId, key } }, select: { value: true } });
  return row?.value ?? null;
}

/** Sets the user's preference (the JSON text the caller has validated). */
export async function setUserPreference(db: Db, userId: string, key: string, value: string): Promise<void> {
  await db.userPreference.upsert({
    where: { userId_key: { userId, key } },
    create: { userId, key, value },
    update: { value },
  });
}
