/**
 * The credential-bearing fields of a config (docs/GATEWAY.md §4): a node's `api_key`, in both accepted
 * spellings, at any depth of nested `targets`. Pure and framework-free: the gateway's log
 * redaction, the saved-config vault (`lib/config-secrets.ts`) and the builder all walk configs
 * with it, so they agree on where a provider key can be.
 */
import { isRecord } from "../../is-record";

/** Node keys that hold a provider key (snake_case canonical, camelCase accepted). */
export const CREDENTIAL_KEYS: readonly string[] = ["api_key", "apiKey"];

/**
 * A copy of `node` (a config or a target, parsed or raw JSON) in which every credential value is
 * replaced by `fn(value, path)`; `path` is like `targets[1].api_key`. Non-string credential values
 * and everything that is not a node are copied as they are. The input is never changed.
 */
export function mapConfigCredentials<T>(node: T, fn: (value: string, path: string) => string): T {
  return mapNode(node, "", fn) as T;
}

function mapNode(node: unknown, prefix: string, fn: (value: string, path: string) => string): unknown {
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (CREDENTIAL_KEYS.includes(key) && typeof value === "string") {
      out[key] = fn(value, `${prefix}${key}`);
    } else if (key === "targets" && Array.isArray(value)) {
      out[key] = value.map((child, i) => mapNode(child, `${prefix}targets[${i}].`, fn));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Calls `fn` on every credential value of a config tree (see `mapConfigCredentials`). */
export function forEachConfigCredential(node: unknown, fn: (value: string, path: string) => void): void {
  mapConfigCredentials(node, (value, path) => {
    fn(value, path);
    return value;
  });
}

/**
 * What the management API and the builder show instead of a saved config's provider key:
 * `sk-...abcd#1a2b3c4d` (the key's start when it is `sk-`, its last 4 characters when it is long
 * enough, and a keyed fingerprint so a change of key shows in a diff). Sent back unchanged, it
 * keeps the stored key. No provider key looks like this.
 */
export const CONFIG_KEY_MASK = /^(?:sk-)?\.\.\.(?:[\s\S]{4})?#[0-9a-f]{8}$/;

export function isConfigKeyMask(value: string): boolean {
  return CONFIG_KEY_MASK.test(value);
}
