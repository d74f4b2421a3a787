/**
 * Metadata keys that name JavaScript object internals. `x-portkey-metadata` refuses them
 * (headers.ts) and so does a log filter `metadata.<key>` (lib/logs/query.ts): on a plain
 * object such a key is dropped or reaches the prototype instead of being stored or matched.
 * Browser-safe (no imports): the log explorer's query schema uses it.
 */
export const RESERVED_METADATA_KEYS = ["__proto__", "constructor", "prototype"] as const;

export function isReservedMetadataKey(key: string): boolean {
  return (RESERVED_METADATA_KEYS as readonly string[]).includes(key);
}
