/**
 * The `query` of a conditional strategy's condition (docs/GATEWAY.md §5), a small MongoDB-like
 * language over the request: keys are `metadata.<key>` or `params.<key>` (the body; deeper paths
 * such as `params.user.tier` are allowed), or `$and` / `$or` holding lists of queries. A field's
 * value is a literal (equality) or an object of operators. The matcher lives in
 * `router/conditions.ts`; this file defines the types and validates a query, naming every bad part.
 */
import type { PathSegment } from "./keys";
import { isRecord } from "../../is-record";

export type QueryLiteral = string | number | boolean | null;

export type FieldOperators = {
  $eq?: QueryLiteral;
  $ne?: QueryLiteral;
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
  $in?: QueryLiteral[];
  $nin?: QueryLiteral[];
  $regex?: string;
};

export type FieldCondition = QueryLiteral | FieldOperators;

export type Query = {
  $and?: Query[];
  $or?: Query[];
  [field: string]: FieldCondition | Query[] | undefined;
};

export const FIELD_OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex"] as const;
export const LOGICAL_OPERATORS = ["$and", "$or"] as const;
export const QUERY_OPERATORS = [...FIELD_OPERATORS, ...LOGICAL_OPERATORS] as const;
export type FieldOperator = (typeof FIELD_OPERATORS)[number];

export const QUERY_FIELD_PREFIXES = ["metadata.", "params."] as const;
const MAX_REGEX_LENGTH = 500;

export type QueryIssue = { path: PathSegment[]; message: string };

const OPERATOR_LIST = QUERY_OPERATORS.join(" ");
const FIELD_KEY_HINT = "a key must be metadata.<key>, params.<key>, $and or $or";

/** Every problem in `query`, with paths relative to the query itself. */
export function validateQuery(query: unknown, path: PathSegment[] = []): QueryIssue[] {
  if (!isRecord(query)) return [{ path, message: 'must be an object such as {"metadata.tier": "pro"}' }];
  const issues: QueryIssue[] = [];
  for (const [key, value] of Object.entries(query)) {
    const keyPath = [...path, key];
    if (key === "$and" || key === "$or") {
      issues.push(...validateQueryList(value, keyPath, key));
    } else if (key.startsWith("$")) {
      issues.push({ path: keyPath, message: `unknown operator ${key} here; ${FIELD_KEY_HINT}` });
    } else if (!QUERY_FIELD_PREFIXES.some((prefix) => key.startsWith(prefix) && key.length > prefix.length)) {
      issues.push({ path: keyPath, message: `unknown field ${JSON.stringify(key)}; ${FIELD_KEY_HINT}` });
    } else {
      issues.push(...validateFieldCondition(value, keyPath));
    }
  }
  return issues;
}

function validateQueryList(value: unknown, path: PathSegment[], operator: string): QueryIssue[] {
  if (!Array.isArray(value) || value.length === 0) {
    return [{ path, message: `${operator} takes a non-empty list of queries` }];
  }
  return value.flatMap((item, index) => validateQuery(item, [...path, index]));
}

function validateFieldCondition(value: unknown, path: PathSegment[]): QueryIssue[] {
  if (isLiteral(value)) return [];
  if (!isRecord(value)) {
    return [{ path, message: "must be a string, number, boolean, null or an object of operators" }];
  }
  const operators = Object.entries(value);
  if (operators.length === 0) return [{ path, message: `needs at least one operator (${FIELD_OPERATORS.join(" ")})` }];
  return operators.flatMap(([operator, operand]) => validateOperator(operator, operand, [...path, operator]));
}

function validateOperator(operator: string, operand: unknown, path: PathSegment[]): QueryIssue[] {
  if (!isFieldOperator(operator)) {
    return [{ path, message: `unknown operator ${operator}; allowed: ${OPERATOR_LIST}` }];
  }
  switch (operator) {
    case "$eq":
    case "$ne":
      return isLiteral(operand) ? [] : [{ path, message: `${operator} takes a string, number, boolean or null` }];
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      return typeof operand === "string" || isFiniteNumber(operand) ? [] : [{ path, message: `${operator} takes a number or a string` }];
    case "$in":
    case "$nin":
      return Array.isArray(operand) && operand.every(isLiteral)
        ? []
        : [{ path, message: `${operator} takes a list of strings, numbers, booleans or nulls` }];
    case "$regex":
      return validateRegex(operand, path);
  }
}

function validateRegex(operand: unknown, path: PathSegment[]): QueryIssue[] {
  if (typeof operand !== "string") return [{ path, message: "$regex takes a regular expression as a string" }];
  if (operand.length > MAX_REGEX_LENGTH) {
    return [{ path, message: `$regex is too long (${operand.length} characters, at most ${MAX_REGEX_LENGTH})` }];
  }
  try {
    new RegExp(operand);
    return [];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [{ path, message: `$regex does not compile: ${reason}` }];
  }
}

export function isFieldOperator(key: string): key is FieldOperator {
  return (FIELD_OPERATORS as readonly string[]).includes(key);
}

export function isLiteral(value: unknown): value is QueryLiteral {
  return value === null || typeof value === "string" || typeof value === "boolean" || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
