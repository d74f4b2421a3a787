/**
 * Conditional routing's matcher (docs/GATEWAY.md §5). A query's entries must all hold: `$and` / `$or`
 * over sub-queries, or `metadata.<key>` / `params.<key>` (deeper paths walk into objects) with a
 * literal (equality) or operators `$eq $ne $gt $gte $lt $lte $in $nin $regex`.
 *
 * Metadata values arrive as strings (`x-portkey-metadata`), so comparisons are lenient on type: a
 * number in the query compares numerically with a numeric string ("5" $gt 3), a boolean equals
 * "true"/"false". A missing value matches only `$ne` and `$nin`. Query shape is validated by the
 * config schema; anything malformed that still reaches here simply does not match.
 */
import { isFieldOperator, isLiteral, type FieldOperator, type Query, type QueryLiteral } from "../config/condition-query";
import { isRecord } from "../../is-record";

export type ConditionContext = { metadata?: Record<string, unknown>; params?: Record<string, unknown> };

export function matchesQuery(query: Query, context: ConditionContext): boolean {
  return Object.entries(query).every(([key, condition]) => {
    if (key === "$and") return Array.isArray(condition) && condition.every((sub) => matchesSubQuery(sub, context));
    if (key === "$or") return Array.isArray(condition) && condition.some((sub) => matchesSubQuery(sub, context));
    return matchesField(lookUp(key, context), condition);
  });
}

/** The `then` of the first matching condition, else `fallbackName` (the strategy's `default`). */
export function chooseConditionalTarget(
  conditions: readonly { query: Query; then: string }[],
  fallbackName: string | undefined,
  context: ConditionContext,
): string | undefined {
  return conditions.find((condition) => matchesQuery(condition.query, context))?.then ?? fallbackName;
}

function matchesSubQuery(sub: unknown, context: ConditionContext): boolean {
  return isRecord(sub) && matchesQuery(sub as Query, context);
}

function matchesField(actual: unknown, condition: unknown): boolean {
  if (isLiteral(condition)) return looseEquals(actual, condition);
  if (!isRecord(condition)) return false;
  const operators = Object.entries(condition);
  if (operators.length === 0) return false;
  return operators.every(([op, operand]) => isFieldOperator(op) && applyOperator(op, actual, operand));
}

function applyOperator(operator: FieldOperator, actual: unknown, operand: unknown): boolean {
  switch (operator) {
    case "$eq":
      return isLiteral(operand) && looseEquals(actual, operand);
    case "$ne":
      return isLiteral(operand) && !looseEquals(actual, operand);
    case "$gt":
      return (compare(actual, operand) ?? Number.NaN) > 0;
    case "$gte":
      return (compare(actual, operand) ?? Number.NaN) >= 0;
    case "$lt":
      return (compare(actual, operand) ?? Number.NaN) < 0;
    case "$lte":
      return (compare(actual, operand) ?? Number.NaN) <= 0;
    case "$in":
      return Array.isArray(operand) && operand.some((item) => isLiteral(item) && looseEquals(actual, item));
    case "$nin":
      return Array.isArray(operand) && !operand.some((item) => isLiteral(item) && looseEquals(actual, item));
    case "$regex":
      return typeof operand === "string" && matchesRegex(actual, operand);
  }
}

/** `metadata.tier` -> context.metadata.tier; a key holding a dot itself is tried first. */
function lookUp(key: string, context: ConditionContext): unknown {
  const dot = key.indexOf(".");
  const root = key.slice(0, dot);
  const rest = key.slice(dot + 1);
  const source = root === "metadata" ? context.metadata : root === "params" ? context.params : undefined;
  if (dot < 0 || !source) return undefined;
  if (Object.hasOwn(source, rest)) return source[rest];
  let value: unknown = source;
  for (const part of rest.split(".")) {
    if (!isRecord(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

function looseEquals(actual: unknown, expected: QueryLiteral): boolean {
  if (actual === expected) return true;
  if (actual === undefined) return false;
  if (typeof expected === "number") return toNumber(actual) === expected;
  if (typeof actual === "number" && typeof expected === "string") return toNumber(expected) === actual;
  if (typeof expected === "boolean") return actual === String(expected);
  if (typeof actual === "boolean" && typeof expected === "string") return String(actual) === expected;
  return false;
}

/** Sign of actual - expected, or undefined when they cannot be compared. */
function compare(actual: unknown, expected: unknown): number | undefined {
  if (typeof expected === "number" || typeof actual === "number") {
    const a = toNumber(actual);
    const e = toNumber(expected);
    return a === undefined || e === undefined ? undefined : Math.sign(a - e);
  }
  if (typeof actual === "string" && typeof expected === "string") {
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  return undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

const regexCache = new Map<string, RegExp | null>();

function matchesRegex(actual: unknown, pattern: string): boolean {
  if (typeof actual !== "string" && typeof actual !== "number") return false;
  let regex = regexCache.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern);
    } catch {
      regex = null;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, regex);
  }
  return regex?.test(String(actual)) ?? false;
}
