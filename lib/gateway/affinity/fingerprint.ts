/**
 * A provider API key's fingerprint for the affinity record: tells "the same credential" apart from
 * another without storing the key. HMAC-SHA256 of the key under a key derived (HKDF) from the
 * encryption key with a fixed label, so it cannot be reversed or checked against guesses without
 * the encryption key, and it is the same on every instance that shares that key.
 */
import { createHmac, hkdfSync } from "node:crypto";
import { getEncryptionKey } from "../../secrets";

/** The HKDF label: changing it changes every fingerprint (and so breaks stored affinities' credential match). */
const LABEL = "detour/response-affinity/credential-fingerprint/v1";
export const FINGERPRINT_HEX_CHARS = 32;

// The encryption key is one Buffer for the life of the process: derive once per key.
const derived = new WeakMap<Buffer, Buffer>();

function fingerprintKey(encryptionKey: Buffer): Buffer {
  let key = derived.get(encryptionKey);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", encryptionKey, Buffer.alloc(0), LABEL, 32));
    derived.set(encryptionKey, key);
  }
  return key;
}

/** 32 hex characters identifying `apiKey` under this installation's encryption key; never the key itself. */
export function credentialFingerprint(apiKey: string, encryptionKey: Buffer = getEncryptionKey()): string {
  return createHmac("sha256", fingerprintKey(encryptionKey)).update(apiKey, "utf8").digest("hex").slice(0, FINGERPRINT_HEX_CHARS);
}
