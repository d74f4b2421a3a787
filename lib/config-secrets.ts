/**
 * Provider keys inside saved configs (`api_key` targets). At rest each one is an envelope
 * `enc:v1:<iv>:<data>:<tag>` (AES-256-GCM with the same key as virtual keys), the rest of the
 * config stays readable JSON. The management API and the dashboard show a mask
 * (`sk-...abcd#1a2b3c4d`, see `CONFIG_KEY_MASK`); a mask sent back resolves to the envelope it
 * stands for, so GET -> edit -> PUT keeps the key. The gateway opens the envelopes once, when it
 * loads a config into its cache.
 */
import { createHmac } from "node:crypto";
import { decryptSecret, encryptSecret, maskSecret } from "./crypto";
import { forEachConfigCredential, isConfigKeyMask, mapConfigCredentials } from "./gateway/config/credentials";

export const ENVELOPE_PREFIX = "enc:";

/** A stored value that is an envelope (anything else in a stored config is a key kept in clear by an earlier version). */
export function isEnvelope(value: string): boolean {
  return value.startsWith(`${ENVELOPE_PREFIX}v1:`);
}

export function sealKey(plaintext: string, key: Buffer): string {
  return ENVELOPE_PREFIX + encryptSecret(plaintext, key);
}

/** The key an envelope holds (a clear legacy value is returned as it is); throws when the envelope does not decrypt. */
export function openKey(stored: string, key: Buffer): string {
  return isEnvelope(stored) ? decryptSecret(stored.slice(ENVELOPE_PREFIX.length), key) : stored;
}

/** The mask of a provider key: `maskSecret`'s hint plus 8 hex of an HMAC keyed from the encryption key (a changed key shows in a diff; nothing to brute-force offline). */
export function configKeyMask(secret: string, key: Buffer): string {
  const macKey = createHmac("sha256", key).update("detour/config-key-mask/v1").digest();
  const fingerprint = createHmac("sha256", macKey).update(secret, "utf8").digest("hex").slice(0, 8);
  return `${maskSecret(secret)}#${fingerprint}`;
}

const UNREADABLE = "[unreadable: encrypted with another key]";

/** A stored config (parsed JSON) with every provider key replaced by its mask: what the API and the dashboard show. */
export function maskConfigKeys<T>(config: T, key: Buffer): T {
  return mapConfigCredentials(config, (stored) => {
    try {
      return configKeyMask(openKey(stored, key), key);
    } catch {
      return UNREADABLE;
    }
  });
}

/** A stored config's text, masked (for pages that show the stored text); text that is not JSON is returned as it is. */
export function maskConfigText(text: string, key: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  return JSON.stringify(maskConfigKeys(parsed, key));
}

/** A stored config with its envelopes opened (the gateway's cached copy, in memory only). */
export function openConfigKeys<T>(config: T, key: Buffer): T {
  return mapConfigCredentials(config, (stored) => openKey(stored, key));
}

/** A stored config (parsed JSON) with any key still in clear sealed; `changed` says whether there was one. */
export function sealClearKeys<T>(config: T, key: Buffer): { config: T; changed: boolean } {
  let changed = false;
  const sealed = mapConfigCredentials(config, (stored) => {
    if (isEnvelope(stored)) return stored;
    changed = true;
    return sealKey(stored, key);
  });
  return { config: sealed, changed };
}

/** Mask -> envelope for every key stored in the given configs (parsed JSON); envelopes that do not open are left out. */
export function envelopesByMask(stored: unknown[], key: Buffer): Map<string, string> {
  const byMask = new Map<string, string>();
  for (const config of stored) {
    forEachConfigCredential(config, (value) => {
      try {
        const mask = configKeyMask(openKey(value, key), key);
        if (!byMask.has(mask)) byMask.set(mask, isEnvelope(value) ? value : sealKey(value, key));
      } catch {
        // an envelope this key cannot open matches no mask
      }
    });
  }
  return byMask;
}

export type UnknownMask = { path: string; mask: string };

/**
 * A config from a client, ready to store: a mask becomes the envelope it stands for (from
 * `known`), any other value is a new key and is sealed. Every value from a client is a key, never
 * an envelope: an envelope pasted into a config is sealed like any text, so it cannot make Detour
 * decrypt a key stored elsewhere. Masks that stand for no stored key are returned.
 */
export function sealConfigInput<T>(config: T, key: Buffer, known: Map<string, string>): { config: T; unknownMasks: UnknownMask[] } {
  const unknownMasks: UnknownMask[] = [];
  const sealed = mapConfigCredentials(config, (value, path) => {
    if (!isConfigKeyMask(value)) return sealKey(value, key);
    const envelope = known.get(value);
    if (envelope) return envelope;
    unknownMasks.push({ path, mask: value });
    return value;
  });
  return { config: sealed, unknownMasks };
}

/**
 * A config from a client, to run now and not to store (`POST /v1/configs/test`): a mask becomes the
 * key it stands for among `known` (mask -> envelope, `envelopesByMask`), opened in memory; any other
 * value is a key the client typed. Masks that stand for no stored key are returned.
 */
export function openConfigInput<T>(config: T, key: Buffer, known: Map<string, string>): { config: T; unknownMasks: UnknownMask[] } {
  const unknownMasks: UnknownMask[] = [];
  const opened = mapConfigCredentials(config, (value, path) => {
    if (!isConfigKeyMask(value)) return value;
    const envelope = known.get(value);
    if (envelope) return openKey(envelope, key);
    unknownMasks.push({ path, mask: value });
    return value;
  });
  return { config: opened, unknownMasks };
}
