import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, statSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  decryptSecret,
  encryptSecret,
  EncryptionKeyError,
  generateApiKey,
  hashApiKey,
  hashPassword,
  loadEncryptionKey,
  maskSecret,
  parseEncryptionKey,
  verifyPassword,
} from "./crypto";

describe("parseEncryptionKey", () => {
  const bytes = randomBytes(32);
  it("accepts 64 hex characters and base64 (standard and url-safe) of 32 bytes", () => {
    expect(parseEncryptionKey(bytes.toString("hex")).equals(bytes)).toBe(true);
    expect(parseEncryptionKey(bytes.toString("base64")).equals(bytes)).toBe(true);
    expect(parseEncryptionKey(bytes.toString("base64url")).equals(bytes)).toBe(true);
    expect(parseEncryptionKey(`  ${bytes.toString("hex")}\n`).equals(bytes)).toBe(true);
  });
  it("refuses anything else with a message that says what is expected", () => {
    expect(() => parseEncryptionKey("too-short")).toThrow(EncryptionKeyError);
    expect(() => parseEncryptionKey("too-short")).toThrow(
      /DETOUR_ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or as base64/,
    );
    expect(() => parseEncryptionKey(randomBytes(16).toString("base64"))).toThrow(/decodes to 16 bytes/);
    expect(() => parseEncryptionKey("g".repeat(64))).toThrow(/decodes to 48 bytes/);
    expect(() => parseEncryptionKey("not base64 at all!")).toThrow(/neither/);
  });
});

describe("AES-256-GCM secrets", () => {
  const key = randomBytes(32);
  it("round-trips, with a fresh IV each time", () => {
    const a = encryptSecret("sk-proj-abcdef0123456789", key);
    const b = encryptSecret("sk-proj-abcdef0123456789", key);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
    expect(a).not.toContain("abcdef");
    expect(decryptSecret(a, key)).toBe("sk-proj-abcdef0123456789");
  });
  it("fails with another key or a tampered ciphertext", () => {
    const c = encryptSecret("secret", key);
    expect(() => decryptSecret(c, randomBytes(32))).toThrow();
    const parts = c.split(":");
    const body = Buffer.from(parts[2]!, "base64");
    body[0] = body[0]! ^ 1;
    parts[2] = body.toString("base64");
    expect(() => decryptSecret(parts.join(":"), key)).toThrow();
    expect(() => decryptSecret("plain", key)).toThrow(/not a Detour ciphertext/);
  });
});

describe("loadEncryptionKey", () => {
  it("generates a key once into the data directory with mode 0600, then reuses it", () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "detour-key-")), "data");
    const first = loadEncryptionKey(undefined, dir);
    expect(first).toMatchObject({ source: "file", generated: true });
    expect(statSync(path.join(dir, "encryption.key")).mode & 0o777).toBe(0o600);
    // The data directory it created is the owner's only (it holds the key and the SQLite file).
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(dir, "encryption.key"), "utf8").trim()).toBe(first.key.toString("hex"));
    const second = loadEncryptionKey(undefined, dir);
    expect(second.generated).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });
  it("prefers the environment and validates it", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "detour-key-"));
    const hex = randomBytes(32).toString("hex");
    expect(loadEncryptionKey(hex, dir)).toMatchObject({ source: "env", generated: false });
    expect(() => loadEncryptionKey("nope", dir)).toThrow(EncryptionKeyError);
  });
});

describe("masks and hashes", () => {
  it("masks provider keys to a hint that never reveals them", () => {
    expect(maskSecret("sk-proj-0123456789abcd")).toBe("sk-...abcd");
    expect(maskSecret("0123456789abcdef0123456789abcdef")).toBe("...cdef");
    expect(maskSecret("short")).toBe("...");
  });
  it("API keys are random and stored as SHA-256", () => {
    const k = generateApiKey();
    expect(k).toMatch(/^dtr_[A-Za-z0-9_-]{40}$/);
    expect(generateApiKey()).not.toBe(k);
    expect(hashApiKey(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(k)).toBe(hashApiKey(k));
  });
  it("passwords are salted scrypt hashes", async () => {
    const h1 = await hashPassword("hunter2-hunter2");
    const h2 = await hashPassword("hunter2-hunter2");
    expect(h1).not.toBe(h2);
    expect(h1.startsWith("scrypt$16384$8$1$")).toBe(true);
    expect(await verifyPassword("hunter2-hunter2", h1)).toBe(true);
    expect(await verifyPassword("hunter2-hunter3", h1)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});
