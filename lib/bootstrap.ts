/**
 * What a Detour process does once before it serves: check the environment, migrate the database,
 * load the encryption key and prove it matches the database, create the default workspace and the
 * first admin, register DETOUR_ADMIN_API_KEY. Any failure stops start-up with a message saying why.
 */
import { sealClearKeys } from "./config-secrets";
import { decryptSecret, encryptSecret, generatePassword, hashPassword } from "./crypto";
import { createDb, describeDatabase, type Db } from "./db";
import { isUniqueViolation } from "./db/conflict";
import { migrate } from "./db/migrate";
import type { Env } from "./env";
import { logger } from "./logger";
import { setMetaIfAbsent } from "./store/app-meta";
import { syncEnvAdminApiKey } from "./store/api-keys";
import { listConfigVersionsWithKeys, replaceConfigVersionBody } from "./store/configs";
import { countUsers, createUserInWorkspace } from "./store/users";
import { ensureDefaultWorkspace } from "./store/workspaces";

const CANARY_KEY = "encryption_canary";
const CANARY_PLAINTEXT = "detour-encryption-canary-v1";
export const DEFAULT_ADMIN_EMAIL = "admin@detour.local";

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/**
 * The database remembers a value encrypted with the key it was first used with; a process holding
 * another key cannot decrypt it and refuses to start (instead of failing at the first request).
 */
export async function verifyEncryptionKey(db: Db, key: Buffer, keyOrigin: string): Promise<"created" | "verified"> {
  const fresh = encryptSecret(CANARY_PLAINTEXT, key);
  const stored = await setMetaIfAbsent(db, CANARY_KEY, fresh);
  if (stored === fresh) return "created";
  try {
    if (decryptSecret(stored, key) === CANARY_PLAINTEXT) return "verified";
  } catch {
    // a wrong key fails GCM authentication: reported below
  }
  throw new StartupError(
    `The encryption key (${keyOrigin}) does not match this database: it was set up with another key, ` +
      `so its virtual keys cannot be decrypted. Start with the DETOUR_ENCRYPTION_KEY that this database was created with.`,
  );
}

/**
 * Encrypts the provider keys (`api_key` targets) that earlier versions stored in clear in saved
 * config versions, so no installation keeps one at rest in clear. Idempotent (a sealed key is
 * left alone) and safe with several instances starting at once. Returns how many versions changed.
 */
export async function sealStoredConfigKeys(db: Db, key: Buffer): Promise<number> {
  let changed = 0;
  let after: string | null = null;
  for (;;) {
    const rows = await listConfigVersionsWithKeys(db, after, 200);
    for (const row of rows) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.body);
      } catch {
        continue; // not JSON: the gateway refuses it as an invalid saved config anyway
      }
      const sealed = sealClearKeys(parsed, key);
      if (sealed.changed && (await replaceConfigVersionBody(db, row.id, row.body, JSON.stringify(sealed.config)))) changed++;
    }
    if (rows.length < 200) return changed;
    after = rows[rows.length - 1]!.id;
  }
}

export type BootstrapResult = {
  workspaceId: string;
  adminCreated: { email: string; generatedPassword?: string } | null;
  migrationsApplied: string[];
};

export async function bootstrap(env: Env, key: { key: Buffer; origin: string }, db: Db = createDb(env.database)): Promise<BootstrapResult> {
  const { applied } = await migrate(env.database);
  if (applied.length) logger.info({ applied, database: describeDatabase(env.database) }, "migrations applied");

  await verifyEncryptionKey(db, key.key, key.origin);
  const sealed = await sealStoredConfigKeys(db, key.key);
  if (sealed) logger.info({ versions: sealed }, "provider keys stored in clear in saved configs were encrypted");
  const workspace = await ensureDefaultWorkspace(db);

  let adminCreated: BootstrapResult["adminCreated"] = null;
  if ((await countUsers(db)) === 0) {
    const email = env.DETOUR_ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL;
    const generatedPassword = env.DETOUR_ADMIN_PASSWORD ? undefined : generatePassword();
    const password = env.DETOUR_ADMIN_PASSWORD ?? generatedPassword!;
    try {
      await createUserInWorkspace(db, { email, name: "Admin", passwordHash: await hashPassword(password), workspaceId: workspace.id });
      adminCreated = { email, generatedPassword };
    } catch (err) {
      // Two instances starting on an empty database at once: the other one created the admin.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  await syncEnvAdminApiKey(db, workspace.id, env.DETOUR_ADMIN_API_KEY);
  return { workspaceId: workspace.id, adminCreated, migrationsApplied: applied };
}
