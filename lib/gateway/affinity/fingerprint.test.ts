import { createHash, createHmac, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { getRuntime } from "../../runtime";
import { credentialFingerprint, FINGERPRINT_HEX_CHARS } from "./fingerprint";

const KEY_A = Buffer.from("11".repeat(32), "hex");
const KEY_B = Buffer.from("22".repeat(32), "hex");
const API_KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";

describe("credentialFingerprint", () => {
  afterEach(() => {
    getRuntime().encryptionKey = undefined;
  });

  it("is 32 hex characters and the same for the same key under the same encryption key", () => {
    const fp = credentialFingerprint(API_KEY, KEY_A);
    expect(fp).toMatch(new RegExp(`^[0-9a-f]{${FINGERPRINT_HEX_CHARS}}$`));
    expect(FINGERPRINT_HEX_CHARS).toBe(32);
    expect(credentialFingerprint(API_KEY, KEY_A)).toBe(fp);
    // Another Buffer with the same bytes (another instance sharing the key) agrees.
    expect(credentialFingerprint(API_KEY, Buffer.from(KEY_A))).toBe(fp);
  });

  it("differs per API key, and per encryption key", () => {
    const keys = Array.from({ length: 50 }, () => `sk-${randomBytes(24).toString("hex")}`);
    const fps = new Set(keys.map((k) => credentialFingerprint(k, KEY_A)));
    expect(fps.size).toBe(keys.length);
    expect(credentialFingerprint(`${API_KEY}x`, KEY_A)).not.toBe(credentialFingerprint(API_KEY, KEY_A));
    expect(credentialFingerprint(API_KEY, KEY_B)).not.toBe(credentialFingerprint(API_KEY, KEY_A));
  });

  it("contains no part of the key, and is not a plain hash of it", () => {
    const fp = credentialFingerprint(API_KEY, KEY_A);
    for (let i = 0; i + 6 <= API_KEY.length; i++) expect(fp).not.toContain(API_KEY.slice(i, i + 6));
    expect(createHash("sha256").update(API_KEY).digest("hex")).not.toContain(fp);
    expect(createHmac("sha256", KEY_A).update(API_KEY).digest("hex")).not.toContain(fp); // the derived key, not the encryption key
  });

  it("uses the process's encryption key by default", () => {
    getRuntime().encryptionKey = { key: KEY_B, source: "env", generated: false };
    expect(credentialFingerprint(API_KEY)).toBe(credentialFingerprint(API_KEY, KEY_B));
  });
});
