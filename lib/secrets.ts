/**
 * The process's encryption key and next-auth secret. Both come from the environment, or from files
 * under the data directory that the embedded default generates once (mode 0600).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadEncryptionKey, type LoadedKey } from "./crypto";
import { getEnv } from "./env";

const globalForSecrets = globalThis as unknown as { detourKey?: LoadedKey; detourAuthSecret?: string };

export function getEncryptionKeyInfo(): LoadedKey {
  const env = getEnv();
  globalForSecrets.detourKey ??= loadEncryptionKey(env.DETOUR_ENCRYPTION_KEY, env.dataDir);
  return globalForSecrets.detourKey;
}

export function getEncryptionKey(): Buffer {
  return getEncryptionKeyInfo().key;
}

/** NEXTAUTH_SECRET, or a secret generated once into `<dataDir>/auth.secret`. */
export function getAuthSecret(): string {
  if (globalForSecrets.detourAuthSecret) return globalForSecrets.detourAuthSecret;
  const env = getEnv();
  let secret = env.NEXTAUTH_SECRET;
  if (!secret) {
    const file = path.join(env.dataDir, "auth.secret");
    if (existsSync(file)) {
      secret = readFileSync(file, "utf8").trim();
    } else {
      mkdirSync(env.dataDir, { recursive: true, mode: 0o700 });
      secret = randomBytes(32).toString("hex");
      try {
        writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
        chmodSync(file, 0o600);
      } catch (err) {
        // Another process created it first: use theirs.
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        secret = readFileSync(file, "utf8").trim();
      }
    }
  }
  globalForSecrets.detourAuthSecret = secret;
  return secret;
}
