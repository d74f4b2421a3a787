/**
 * Stable snake_case JSON for a parsed config, for storage and the UI's JSON view: known keys in a
 * fixed reading order (name and strategy first, nested targets last), user data (`override_params`,
 * condition queries) with keys sorted, absent keys left out. The top-level `weight` (always the
 * default, and meaningless without a parent) is left out too. Equal configs give equal text.
 * The orders are the key lists of keys.ts (one list per level, written in reading order there).
 */
import { AFFINITY_KEYS, CACHE_KEYS, CIRCUIT_BREAKER_KEYS, CONDITION_KEYS, HEDGE_KEYS, NODE_KEYS, RETRY_KEYS, STRATEGY_KEYS } from "./keys";
import { isRecord } from "../../is-record";
import type { Config } from "./schema";
import { withChanges } from "../../object";

const NODE_ORDER = NODE_KEYS;
const STRATEGY_ORDER = STRATEGY_KEYS;
const CONDITION_ORDER = CONDITION_KEYS;
const RETRY_ORDER = RETRY_KEYS;
const CACHE_ORDER = CACHE_KEYS;
const CIRCUIT_BREAKER_ORDER = CIRCUIT_BREAKER_KEYS;

type Json = unknown;

export function toCanonicalJson(config: Config, indent = 2): string {
  const { weight: _rootWeight, ...rest } = canonicalNode(config);
  return JSON.stringify(rest, null, indent);
}

function canonicalNode(node: Record<string, unknown>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of NODE_ORDER) {
    const value = node[key];
    if (value === undefined) continue;
    if (key === "targets" && Array.isArray(value)) out[key] = value.map((child) => canonicalNode(asRecord(child)));
    else if (key === "strategy") out[key] = canonicalStrategy(asRecord(value));
    else if (key === "retry") out[key] = pick(asRecord(value), RETRY_ORDER);
    else if (key === "cache") out[key] = pick(asRecord(value), CACHE_ORDER);
    else if (key === "circuit_breaker") out[key] = pick(asRecord(value), CIRCUIT_BREAKER_ORDER);
    else if (key === "affinity") out[key] = pick(asRecord(value), AFFINITY_KEYS);
    else out[key] = sortedUserData(value);
  }
  return out;
}

function canonicalStrategy(strategy: Record<string, unknown>): Record<string, Json> {
  const out = pick(strategy, STRATEGY_ORDER);
  if (isRecord(strategy.hedge)) out.hedge = pick(strategy.hedge, HEDGE_KEYS);
  if (Array.isArray(strategy.conditions)) {
    out.conditions = strategy.conditions.map((condition) => {
      const ordered = pick(asRecord(condition), CONDITION_ORDER);
      return withChanges(ordered, { query: sortedUserData(ordered.query) });
    });
  }
  return out;
}

function pick(source: Record<string, unknown>, order: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of order) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function sortedUserData(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortedUserData);
  if (!isRecord(value)) return value;
  // Null prototype: a user key named __proto__ stays a key (an assignment would set the prototype).
  const out = Object.create(null) as Record<string, Json>;
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined) out[key] = sortedUserData(value[key]);
  }
  return out;
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
