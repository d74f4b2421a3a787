/**
 * Secrets: AES-256-GCM for provider keys, SHA-256 for Detour API keys, scrypt for passwords.
 * Ciphertext format: `v1:<iv b64>:<ciphertext b64>:<tag b64>`.
 */
import {
  createCipheriv,
  createDecipheriv,
  hash,
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const KEY_BYTES = 32;
const IV_BYTES = 12;

export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncryptionKeyError";
  }
}

/** Parses a 32-byte key given as 64 hex characters or as base64 (standard or url-safe). */
export function parseEncryptionKey(text: string, source = "DETOUR_ENCRYPTION_KEY"): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === KEY_BYTES) return bytes;
    throw new EncryptionKeyError(
      `${source} must be 32 bytes, given as 64 hex characters or as base64; this base64 value decodes to ${bytes.length} bytes. ` +
        `Make one with: node -e "console.log(require('crypto').randomBytes(32).toString('hex'))"`,
    );
  }
  throw new EncryptionKeyError(
    `${source} must be 32 bytes, given as 64 hex characters or as base64 (got ${value.length} characters that are neither). ` +
      `Make one with: node -e "console.log(require('crypto').randomBytes(32).toString('hex'))"`,
  );
}

export type LoadedKey = { key: Buffer; source: "env" | "file"; generated: boolean; file?: string };

/**
 * The encryption key: DETOUR_ENCRYPTION_KEY when set, else `<dataDir>/encryption.key`, generated
 * once (mode 0600) when missing. The caller warns when `generated` is true.
 */
export function loadEncryptionKey(envValue: string | undefined, dataDir: string): LoadedKey {
  if (envValue) return { key: parseEncryptionKey(envValue), source: "env", generated: false };
  const file = path.join(dataDir, "encryption.key");
  if (existsSync(file)) {
    return { key: parseEncryptionKey(readFileSync(file, "utf8"), file), source: "file", generated: false, file };
  }
  // Created 0700 whichever file comes first (the key, the session secret or the SQLite database).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  try {
    writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another process generated it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { key: parseEncryptionKey(readFileSync(file, "utf8"), file), source: "file", generated: false, file };
  }
  chmodSync(file, 0o600);
  return { key, source: "file", generated: true, file };
}

export function encryptSecret(plaintext: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ["v1", iv.toString("base64"), body.toString("base64"), tag.toString("base64")].join(":");
}

/** Decrypts a `v1:` ciphertext; throws when the key is wrong or the text was tampered with. */
export function decryptSecret(ciphertext: string, key: Buffer): string {
  const parts = ciphertext.split(":");
  if (parts.length !== 4 || parts[0] !== "v1") throw new Error("not a Detour ciphertext (expected v1:iv:data:tag)");
  const [, iv, body, tag] = parts as [string, string, string, string];
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
}

/** A display hint that never reveals the key: `sk-...abcd` for OpenAI-style keys, else `...abcd`. */
export function maskSecret(secret: string): string {
  const last4 = secret.length >= 12 ? secret.slice(-4) : "";
  return `${secret.startsWith("sk-") ? "sk-" : ""}...${last4}`;
}

export function sha256Hex(value: string): string {
  // One call: a third of createHash's ~1.3 µs for an API key, on every request.
  return hash("sha256", value, "hex");
}

export const API_KEY_PREFIX = "dtr_";

/** A new Detour API key: `dtr_` + 40 url-safe random characters. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(30).toString("base64url");
}

/** The part of an API key that may be shown again after creation. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 6);
}

export const hashApiKey = sha256Hex;

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 64 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keylen, options, (err, derived) => (err ? reject(err) : resolve(derived))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64 parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const derived = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), derived.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const derived = await scrypt(password, Buffer.from(salt, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return derived.length === expected.length && timingSafeEqual(derived, expected);
}

/** A random password for the first admin when none is configured. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

/** Constant-time comparison of two strings (for secrets compared in memory). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
