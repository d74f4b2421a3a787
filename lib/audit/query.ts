/**
 * The audit trail's query (docs/MANAGEMENT-API.md, "Audit trail"): one zod schema for the URL's query
 * parameters, used by `GET /v1/audit`, `GET /v1/audit/export` and the dashboard's `/audit` page, and
 * the opaque keyset cursor. Framework-free and browser-safe (no Node imports).
 *
 * - `action`: an exact action (`config.update`), or a prefix ending in `.` (`config.`: every config action).
 * - `actor`: an actor's id (a user or API key id) exactly, or a part of its label (an email, a key's name).
 * - `target_type`, `target_id`: exact.
 * - `since` is inclusive, `until` exclusive; a plain date (`2026-01-31`) means its UTC midnight.
 * - Newest first, ties broken by the event id, so pages never overlap; the cursor holds the last
 *   event's time and id. Events written after the first page sort before the cursor and never shift
 *   a later page.
 * - Unknown parameters, empty values and repeated parameters are errors naming the parameter.
 */
import { z } from "zod";
import { dateTimeFilter } from "../logs/query";

export const AUDIT_PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

/** The filters, in the order the dashboard shows them. */
export const AUDIT_FILTERS = [
  { id: "action", label: "Action", hint: 'an action (config.update) or a prefix ending in "." (config.)' },
  { id: "actor", label: "Actor", hint: "a user or API key id, or part of an email or key name" },
  { id: "target_type", label: "Target type", hint: "a target type, e.g. config, virtual_key, api_key, workspace" },
  { id: "target_id", label: "Target id", hint: "the id of one target" },
  { id: "since", label: "Since", hint: "an ISO 8601 date or time (inclusive), e.g. 2026-01-31 or 2026-01-31T12:00:00Z" },
  { id: "until", label: "Until", hint: "an ISO 8601 date or time (exclusive), e.g. 2026-02-01 or 2026-01-31T13:00:00Z" },
] as const;

export type AuditFilterId = (typeof AUDIT_FILTERS)[number]["id"];

/** Every action Detour records, for the filter's suggestions and the docs. */
export const AUDIT_ACTIONS = [
  "config.create",
  "config.update",
  "config.delete",
  "config.restore",
  "virtual_key.create",
  "virtual_key.update",
  "virtual_key.rotate",
  "virtual_key.revoke",
  "api_key.create",
  "api_key.update",
  "api_key.rotate",
  "api_key.revoke",
  "price.set",
  "price.delete",
  "workspace.update",
  "budget.update",
  "user.password_change",
] as const;

export const AUDIT_TARGET_TYPES = ["config", "virtual_key", "api_key", "price", "workspace", "budget", "user", "invite", "member"] as const;

const HINTS = Object.fromEntries(AUDIT_FILTERS.map((f) => [f.id, f.hint])) as Record<AuditFilterId, string>;
const MAX_TEXT = 256;

// biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects control characters in a filter value
const printable = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

const text = (id: AuditFilterId) =>
  z
    .string()
    .min(1, `must not be empty (leave ${id} out to not filter): ${HINTS[id]}`)
    .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
    .refine(printable, "must not contain control characters");

const datetime = (id: AuditFilterId) => dateTimeFilter(HINTS[id]);

/** `action`: exact, or a prefix when it ends in `.` (`config.*` is read as `config.`). */
export type ActionFilter = { exact: string } | { prefix: string };

const action = text("action")
  .refine((s) => /^[a-z0-9_]+(\.[a-z0-9_]*)*(\.\*)?$/.test(s), `must be ${HINTS.action}`)
  .transform((s): ActionFilter => {
    const v = s.endsWith(".*") ? s.slice(0, -1) : s;
    return v.endsWith(".") ? { prefix: v } : { exact: v };
  });

export type AuditFilters = {
  action?: ActionFilter;
  actor?: string;
  target_type?: string;
  target_id?: string;
  since?: Date;
  until?: Date;
};

/** Where the previous page ended: the last event's time and id. */
export type AuditCursor = { at: Date; id: string };

export type AuditQuery = { filters: AuditFilters; limit: number; cursor: AuditCursor | null };

const cursorPayload = z.strictObject({ a: z.iso.datetime(), i: z.string().min(1).max(MAX_TEXT) });

/** Opaque to clients: base64url of a small JSON object. */
export function encodeAuditCursor(cursor: AuditCursor): string {
  return base64UrlEncode(JSON.stringify({ a: cursor.at.toISOString(), i: cursor.id }));
}

/** The cursor, or null when it is not one of ours. */
export function decodeAuditCursor(raw: string): AuditCursor | null {
  if (raw.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
  try {
    const parsed = cursorPayload.safeParse(JSON.parse(base64UrlDecode(raw)));
    return parsed.success ? { at: new Date(parsed.data.a), id: parsed.data.i } : null;
  } catch {
    return null;
  }
}

function base64UrlEncode(s: string): string {
  let bin = "";
  for (const byte of new TextEncoder().encode(s)) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlDecode(s: string): string {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

const limitMessage = `must be a whole number from ${AUDIT_PAGE_LIMIT.min} to ${AUDIT_PAGE_LIMIT.max}`;

const shape = {
  action: action.optional(),
  actor: text("actor").optional(),
  target_type: text("target_type").optional(),
  target_id: text("target_id").optional(),
  since: datetime("since").optional(),
  until: datetime("until").optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, limitMessage)
    .transform(Number)
    .refine((n) => n >= AUDIT_PAGE_LIMIT.min && n <= AUDIT_PAGE_LIMIT.max, limitMessage)
    .optional(),
  cursor: z
    .string()
    .transform((raw, ctx) => {
      const cursor = decodeAuditCursor(raw);
      if (!cursor) {
        ctx.addIssue({ code: "custom", message: "is not a cursor from this API (use next_cursor of the previous page, unchanged)" });
        return z.NEVER;
      }
      return cursor;
    })
    .optional(),
};

const PARAMS = Object.keys(shape);

export type AuditQueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

/** Query parameters -> a plain object; repeated and unknown parameters are issues. */
function normalize(input: unknown, ctx: z.core.$RefinementCtx): unknown {
  const entries: [string, string[]][] =
    input instanceof URLSearchParams
      ? [...new Set(input.keys())].map((k) => [k, input.getAll(k)])
      : typeof input === "object" && input !== null
        ? Object.entries(input as Record<string, string | string[] | undefined>).flatMap(([k, v]) =>
            v === undefined ? [] : [[k, Array.isArray(v) ? v : [v]] as [string, string[]]],
          )
        : [];
  const out: Record<string, string> = {};
  for (const [key, values] of entries) {
    if (values.length === 0) continue;
    if (!PARAMS.includes(key)) {
      ctx.addIssue({ code: "custom", path: [key], message: `is not an audit query parameter; allowed: ${PARAMS.join(", ")}` });
    } else if (values.length > 1) {
      ctx.addIssue({ code: "custom", path: [key], message: `is given ${values.length} times; give it once` });
    } else out[key] = values[0]!;
  }
  return out;
}

export const auditQuerySchema = z
  .preprocess(normalize, z.strictObject(shape))
  .superRefine((q, ctx) => {
    if (q.since && q.until && q.since.getTime() >= q.until.getTime())
      ctx.addIssue({ code: "custom", path: ["until"], message: "must be after since" });
  })
  .transform(({ limit, cursor, ...filters }): AuditQuery => {
    const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as AuditFilters;
    return { filters: clean, limit: limit ?? AUDIT_PAGE_LIMIT.default, cursor: cursor ?? null };
  });

export function parseAuditQuery(input: AuditQueryInput) {
  return auditQuerySchema.safeParse(input);
}

/** The filters as URL parameters (canonical: dates in ISO, the action as written). */
export function auditFiltersToSearchParams(filters: AuditFilters, limit?: number): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.action) params.set("action", "exact" in filters.action ? filters.action.exact : filters.action.prefix);
  if (filters.actor) params.set("actor", filters.actor);
  if (filters.target_type) params.set("target_type", filters.target_type);
  if (filters.target_id) params.set("target_id", filters.target_id);
  if (filters.since) params.set("since", filters.since.toISOString());
  if (filters.until) params.set("until", filters.until.toISOString());
  if (limit !== undefined && limit !== AUDIT_PAGE_LIMIT.default) params.set("limit", String(limit));
  return params;
}
