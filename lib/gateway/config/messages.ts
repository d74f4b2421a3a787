/**
 * Small zod builders whose error messages say what is wrong and what is allowed, so that the
 * gateway's 400s and the UI config builder show the same words. Messages are baked into the
 * schemas (not into a parse-time error map) so any caller of the schema gets them.
 */
import { z } from "zod";
import { suggestKey } from "./keys";

/** Portkey config keys that Detour does not implement: named as such instead of "unknown". */
const UNSUPPORTED_PORTKEY_KEYS = new Set([
  "before_request_hooks",
  "after_request_hooks",
  "input_guardrails",
  "output_guardrails",
  "default_input_guardrails",
  "default_output_guardrails",
  "forward_headers",
  "strict_open_ai_compliance",
  "vertex_project_id",
  "vertex_region",
  "aws_region",
  "aws_access_key_id",
  "aws_secret_access_key",
]);

export type UnknownKeyHint = (key: string) => string | undefined;

function describeUnknownKey(key: string, known: readonly string[], hint?: UnknownKeyHint): string {
  const specific = hint?.(key);
  if (specific) return specific;
  if (UNSUPPORTED_PORTKEY_KEYS.has(key)) return `${key} is a Portkey config key that Detour does not support`;
  const suggestion = suggestKey(key, known);
  return suggestion ? `unknown key ${key} (did you mean ${suggestion}?)` : `unknown key ${key}; allowed here: ${known.join(", ")}`;
}

/** One line per key, in the order of `keys` (`toConfigIssues` splits them into one issue each). */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[], hint?: UnknownKeyHint): string {
  return keys.map((key) => describeUnknownKey(key, known, hint)).join("\n");
}

/** A strict object: unknown keys are errors naming the key, a non-object says what it should be. */
export function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, what: string, hint?: UnknownKeyHint) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") return unknownKeysMessage(issue.keys, known, hint);
      if (issue.code === "invalid_type") return issue.input === undefined ? "is required" : `must be ${what}`;
      return undefined;
    },
  });
}

const requiredOr = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `is required (${message.replace(/^must be /, "")})` : message;

/** An integer in [min, max]; every failure gets the same message naming the range. */
export function intInRange(min: number, max: number, unit = "") {
  const message = `must be an integer from ${min} to ${max}${unit}`;
  return z
    .number({ error: requiredOr(message) })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
}

export function nonEmptyString(what = "a non-empty string") {
  const message = `must be ${what}`;
  return z.string({ error: requiredOr(message) }).regex(/\S/, { error: message });
}

export function booleanValue() {
  return z.boolean({ error: requiredOr("must be true or false") });
}

/** A z.enum whose error lists the allowed values (or a caller's wording). */
export function enumOf<const Values extends readonly [string, ...string[]]>(values: Values, describe?: (input: unknown) => string) {
  const allowed = values.join(", ");
  return z.enum(values, {
    error: (issue) => {
      if (issue.input === undefined) return `is required: one of ${allowed}`;
      return describe ? describe(issue.input) : `must be one of ${allowed}`;
    },
  });
}

export function listOf<Item extends z.ZodType>(item: Item, what: string) {
  return z.array(item, { error: requiredOr(`must be a list of ${what}`) });
}
