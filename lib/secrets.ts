/**
 * The process's encryption key and next-auth secret. Both come from the environment, or from files
 * under the data directory that the embedded default generates once (mode 0600).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadEncryptionKey, type LoadedKey } from "./crypto";
import { getEnv } from "./env";
import { getRuntime } from "./runtime";

export function getEncryptionKeyInfo(): LoadedKey {
  const rt = getRuntime();
  if (rt.encryptionKey) return rt.encryptionKey;
  const env = getEnv();
  rt.encryptionKey = loadEncryptionKey(env.DETOUR_ENCRYPTION_KEY, env.dataDir);
  return rt.encryptionKey;
}

export function getEncryptionKey(): Buffer {
  return getEncryptionKeyInfo().key;
}

/** NEXTAUTH_SECRET, or a secret generated once into `<dataDir>/auth.secret`. */
export function getAuthSecret(): string {
  const rt = getRuntime();
  if (rt.authSecret) return rt.authSecret;
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
  rt.authSecret = secret;
  return secret;
}
