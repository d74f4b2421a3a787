/**
 * The keys each level of a config object may hold, and the camelCase -> snake_case normalisation
 * that runs before validation. Snake_case is canonical (docs/GATEWAY.md §4); the camelCase spelling of
 * every known key is accepted too. Keys whose values are user data (`override_params`, a
 * condition's `query`) are copied as they are: their keys belong to the caller.
 */
import { isRecord } from "../../is-record";
import { PROVIDER_TARGET_KEYS } from "../providers/catalog";

/**
 * A node's keys, in the reading order canonical JSON uses (name and strategy first, nested targets
 * last); the providers' own target keys (lib/gateway/providers/catalog.ts) follow `custom_host`.
 */
export const NODE_KEYS = [
  "name",
  "weight",
  "strategy",
  "virtual_key",
  "provider",
  "api_key",
  "custom_host",
  ...PROVIDER_TARGET_KEYS,
  "override_params",
  "retry",
  "cache",
  "request_timeout",
  "on_status_codes",
  "circuit_breaker",
  "affinity",
  "targets",
] as const;
// The other levels' keys, also in canonical order.
export const STRATEGY_KEYS = ["mode", "by", "on_status_codes", "hedge", "conditions", "default"] as const;
export const HEDGE_KEYS = ["after_ms", "max", "allow_non_idempotent"] as const;
export const CONDITION_KEYS = ["query", "then"] as const;
export const RETRY_KEYS = ["attempts", "on_status_codes", "use_retry_after_header"] as const;
export const CACHE_KEYS = ["mode", "max_age"] as const;
export const CIRCUIT_BREAKER_KEYS = ["failure_threshold", "cooldown_ms", "failure_status_codes"] as const;
export const AFFINITY_KEYS = ["on_origin_failure"] as const;

/** One level of the config tree: its keys and the keys holding nested levels. */
type Level = {
  keys: readonly string[];
  objects?: Record<string, Level>;
  arrays?: Record<string, Level>;
};

const conditionLevel: Level = { keys: CONDITION_KEYS };
const strategyLevel: Level = { keys: STRATEGY_KEYS, objects: { hedge: { keys: HEDGE_KEYS } }, arrays: { conditions: conditionLevel } };
const nodeLevel: Level = {
  keys: NODE_KEYS,
  objects: {
    strategy: strategyLevel,
    retry: { keys: RETRY_KEYS },
    cache: { keys: CACHE_KEYS },
    circuit_breaker: { keys: CIRCUIT_BREAKER_KEYS },
    affinity: { keys: AFFINITY_KEYS },
  },
  arrays: {},
};
nodeLevel.arrays = { targets: nodeLevel };

export type PathSegment = string | number;
export type KeyConflict = { path: PathSegment[]; message: string };

/** Levels of nested `targets` allowed; deeper input is refused before the (recursive) schema runs. */
export const MAX_TARGET_DEPTH = 10;

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * Returns a copy of `input` with every known camelCase key renamed to snake_case, plus the keys
 * given in both spellings with different values (and targets nested deeper than MAX_TARGET_DEPTH).
 * Unknown keys are kept as they are, so that the schema rejects them under the name the caller wrote.
 */
export function normalizeConfigKeys(input: unknown): { value: unknown; conflicts: KeyConflict[] } {
  const conflicts: KeyConflict[] = [];
  const value = normalizeLevel(input, nodeLevel, [], conflicts);
  return { value, conflicts };
}

function normalizeLevel(input: unknown, level: Level, path: PathSegment[], conflicts: KeyConflict[]): unknown {
  if (!isRecord(input)) return input;
  // Null-prototype objects: a key such as `toString`, `constructor` or `__proto__` is an own key
  // like any other (never an inherited function, never a prototype), so the schema reports it as unknown.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const spelledAs = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(input)) {
    const key = canonicalKey(rawKey, level.keys);
    const value = normalizeChild(key, rawValue, level, [...path, key], conflicts);
    const earlier = spelledAs.get(key);
    if (earlier !== undefined) {
      if (!jsonEqual(out[key], value)) {
        const message = `is given twice, as ${earlier} and ${rawKey}, with different values: keep one`;
        conflicts.push({ path: [...path, key], message });
      }
      continue;
    }
    spelledAs.set(key, rawKey);
    out[key] = value;
  }
  return out;
}

function normalizeChild(key: string, value: unknown, level: Level, path: PathSegment[], conflicts: KeyConflict[]): unknown {
  const objectLevel = ownValue(level.objects, key);
  if (objectLevel) return normalizeLevel(value, objectLevel, path, conflicts);
  const itemLevel = ownValue(level.arrays, key);
  if (itemLevel && Array.isArray(value)) {
    if (key === "targets" && path.filter((segment) => segment === "targets").length > MAX_TARGET_DEPTH) {
      conflicts.push({ path, message: `is nested too deeply: at most ${MAX_TARGET_DEPTH} levels of targets` });
      return undefined;
    }
    return value.map((item, index) => normalizeLevel(item, itemLevel, [...path, index], conflicts));
  }
  return value;
}

/** `record[key]` when it is the record's own entry (never `toString` & co. from Object.prototype). */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function canonicalKey(rawKey: string, known: readonly string[]): string {
  if (known.includes(rawKey)) return rawKey;
  const snake = camelToSnake(rawKey);
  return snake !== rawKey && known.includes(snake) ? snake : rawKey;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The known key closest to an unknown one (a typo, a singular, a camelCase form), if any. */
export function suggestKey(unknownKey: string, known: readonly string[]): string | undefined {
  const wanted = camelToSnake(unknownKey).toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(wanted, key);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
