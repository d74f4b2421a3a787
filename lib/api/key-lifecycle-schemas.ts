/**
 * The lifecycle fields API keys and virtual keys share (docs/MANAGEMENT-API.md): `expires_at` (an
 * ISO 8601 time with `Z` or an offset, in the future when set; `null` removes it) and
 * `allowed_models` (the models requests may ask for: exact names or globs where `*` matches any
 * run of characters, lib/gateway/model-allow.ts; `null` removes the list; `[]` is refused: it
 * would allow nothing). A missing field leaves the stored value as it is. camelCase spellings are the callers'
 * (`expiresAt`, `allowedModels`), mapped by each body's aliases.
 */
import { z } from "zod";
import { MAX_ALLOWED_MODELS, MAX_MODEL_PATTERN_LENGTH, parseAllowedModels } from "../gateway/model-allow";

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `expires_at`: a time with its zone, in the future; or null (never expires). `now` is injected for tests. */
export function expiresAtSchema(now: () => number = Date.now) {
  return z
    .string({ error: "must be an ISO 8601 time with Z or an offset (2027-01-31T00:00:00Z), or null" })
    .regex(ISO_WITH_ZONE, { error: "must be an ISO 8601 time with Z or an offset (2027-01-31T00:00:00Z), or null" })
    .transform((text, ctx) => {
      const at = new Date(text);
      if (Number.isNaN(at.getTime())) {
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(text)} is not a valid time` });
        return z.NEVER;
      }
      if (at.getTime() <= now()) {
        ctx.addIssue({
          code: "custom",
          message: `must be in the future (it is ${at.toISOString()}; now is ${new Date(now()).toISOString()})`,
        });
        return z.NEVER;
      }
      return at;
    })
    .nullable();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects control characters in a model pattern
const CONTROL = /[\u0000-\u001f\u007f]/;

const pattern = z
  .string({ error: "must be a model name or a glob (text)" })
  .trim()
  .min(1, { error: "must not be empty" })
  .max(MAX_MODEL_PATTERN_LENGTH, { error: `must be at most ${MAX_MODEL_PATTERN_LENGTH} characters` })
  .refine((p) => !CONTROL.test(p), { error: "must not contain control characters" });

/** `allowed_models`: 1 to MAX_ALLOWED_MODELS names or globs, each once; or null (any model). */
export const allowedModelsSchema = z
  .array(pattern, { error: 'must be a list of model names or globs (["gpt-4o", "gpt-4o-mini-*"]), or null for any model' })
  .min(1, { error: "must name at least one model (null allows any model)" })
  .max(MAX_ALLOWED_MODELS, { error: `may name at most ${MAX_ALLOWED_MODELS} models` })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((p, i) => {
      if (seen.has(p)) ctx.addIssue({ code: "custom", path: [i], message: `${JSON.stringify(p)} is listed twice` });
      seen.add(p);
    });
  })
  .nullable();

/** The store's columns for what the body names (undefined: leave as is). */
export function lifecycleColumns(body: { expires_at?: Date | null; allowed_models?: string[] | null }): {
  expiresAt?: Date | null;
  allowedModels?: string | null;
} {
  return {
    ...(body.expires_at !== undefined ? { expiresAt: body.expires_at } : {}),
    ...(body.allowed_models !== undefined
      ? { allowedModels: body.allowed_models === null ? null : JSON.stringify(body.allowed_models) }
      : {}),
  };
}

/** How the API shows them: `expires_at` as ISO text or null, `allowed_models` as a list or null. */
export function lifecycleView(row: { expiresAt: Date | null; allowedModels: string | null }) {
  return { expires_at: row.expiresAt?.toISOString() ?? null, allowed_models: parseAllowedModels(row.allowedModels) };
}
