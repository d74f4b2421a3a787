/**
 * The log query (docs/GATEWAY.md §8): one filter registry, one zod schema for the URL's query
 * parameters, and the opaque keyset cursor. Framework-free and browser-safe (no Node imports): the
 * management API (`GET /v1/logs`) and the dashboard's log explorer parse their URL with the same
 * `logQuerySchema`, and the registry feeds both the filter UI and the query builder
 * (lib/store/log-query.ts), which must handle every filter id (its builder map is typed by
 * `LogFilterId`, so a filter added here without a query is a type error there).
 *
 * Semantics:
 * - Filters combine with AND; `status` takes a comma list (`429,5xx`) whose items combine with OR;
 *   `metadata.<key>=<value>` may be repeated with different keys (all must match).
 * - `from` is inclusive, `to` exclusive. A plain date (`2026-01-31`) means its UTC midnight.
 * - `range` (`15m`, `1h`, `24h`, `7d`, `30d`, any whole minutes, hours or days up to 400 days) is a
 *   relative time range: the last so long before the clock of whoever parses the query, i.e. the
 *   server at query time (`from` = now - range, no `to`). It stays relative in the URL, a saved
 *   view and every link made from the parsed query (logQueryToSearchParams writes `range`, not the
 *   resolved `from`). Given with `from` or `to`, it is an error.
 * - `q` searches the words of the logged request and response text (lib/logs/search-text.ts), case
 *   insensitive: every word, `"quoted phrase"` and `prefix*` must occur (parseSearchTerms).
 * - `trace_id` ending in `*` matches the trace ids starting with the text before it.
 * - `api_key` names one API key by id or by its prefix as shown (`dtr_ab12cd` or `dtr_ab12cd...`).
 * - `sort`: `created_at` | `cost` | `latency_ms`; a `-` prefix or `order=desc` sorts descending,
 *   no prefix and no `order` ascending; without `sort` the newest come first. Ties are broken by
 *   the log id in the same direction, so the order is total and pages never overlap.
 * - Logs with an unknown cost (null) come after every known cost in both directions (nulls last),
 *   newest id first when descending; `cost_min`/`cost_max` leave them out.
 * - The cursor holds the last row's sort value and id, and the sort it was made for: a cursor is
 *   only valid with that same sort. Rows written after the first page (newer rows, when sorting
 *   newest first) sort before the cursor, so they never shift, repeat or hide a row of later pages.
 * - Unknown parameters, empty values and parameters given twice are errors (a typo must not
 *   silently return everything); every error names its parameter. So is a metadata filter on a
 *   reserved key (`__proto__`, `constructor`, `prototype`: never stored, see x-portkey-metadata).
 */
import { z } from "zod";
import { PROVIDER_IDS } from "../gateway/providers/catalog";
import { isReservedMetadataKey, RESERVED_METADATA_KEYS } from "../gateway/request/metadata-keys";

// ---------------------------------------------------------------------------------------------
// The filter registry

/** How a filter's value is written in the URL and shown in the UI. */
export type LogFilterType = "text" | "status" | "number" | "boolean" | "datetime" | "key_value";

export type LogFilterDef = {
  /** The query parameter (for `key_value`: the prefix, as `metadata.<key>`). */
  readonly id: string;
  readonly label: string;
  readonly type: LogFilterType;
  /** What the value may be, shown in the UI and in 400 messages. */
  readonly hint: string;
};

export const LOG_FILTERS = [
  {
    id: "q",
    label: "Search",
    type: "text",
    hint: 'words in the request or response text (all must occur; "a phrase" in quotes, word* for a prefix)',
  },
  { id: "trace_id", label: "Trace ID", type: "text", hint: "a trace id (x-portkey-trace-id), or its start followed by * (abc*)" },
  { id: "status", label: "Status", type: "status", hint: "a status code (503) or class (2xx, 4xx, 5xx), or a comma list of them" },
  { id: "cost_min", label: "Cost at least (USD)", type: "number", hint: "a number >= 0, e.g. 0.01" },
  { id: "cost_max", label: "Cost at most (USD)", type: "number", hint: "a number >= 0, e.g. 0.5" },
  { id: "fallback", label: "Fallback used", type: "boolean", hint: "true or false" },
  { id: "provider", label: "Provider", type: "text", hint: `a provider, e.g. ${PROVIDER_IDS.join(" or ")}` },
  { id: "model", label: "Model", type: "text", hint: "the model that answered, e.g. gpt-4o" },
  { id: "config", label: "Config", type: "text", hint: "a config slug (pc-...)" },
  { id: "virtual_key", label: "Virtual key", type: "text", hint: "a virtual key slug" },
  { id: "api_key", label: "API key", type: "text", hint: "an API key's id, or its prefix as shown (dtr_...)" },
  {
    id: "endpoint",
    label: "Endpoint",
    type: "text",
    hint: "a request path as logged, e.g. /v1/responses or /v1/responses/{id} (reads by id are logged with the template)",
  },
  { id: "response_id", label: "Response ID", type: "text", hint: "a Responses API id (resp_...)" },
  { id: "from", label: "From", type: "datetime", hint: "an ISO 8601 date or time (inclusive), e.g. 2026-01-31 or 2026-01-31T12:00:00Z" },
  { id: "to", label: "To", type: "datetime", hint: "an ISO 8601 date or time (exclusive), e.g. 2026-02-01 or 2026-01-31T13:00:00Z" },
  { id: "metadata", label: "Metadata", type: "key_value", hint: "metadata.<key>=<value>, e.g. metadata.env=prod" },
] as const satisfies readonly LogFilterDef[];

export type LogFilterId = (typeof LOG_FILTERS)[number]["id"];

const HINTS = Object.fromEntries(LOG_FILTERS.map((f) => [f.id, f.hint])) as Record<LogFilterId, string>;

export const METADATA_PREFIX = "metadata.";
export const MAX_METADATA_FILTERS = 10;
const MAX_TEXT = 256;
const MAX_METADATA_VALUE = 1024;

// ---------------------------------------------------------------------------------------------
// Search (`q`) and trace-id prefixes

/**
 * One term of `q`: every term must occur (AND). `words` are lower-cased runs of letters and digits;
 * a phrase (`"refund policy"`, or a word joined by punctuation such as `gpt-4o`) must occur as
 * those words in a row; a prefix (`refund*`) matches any word starting with its one word.
 */
export type SearchTerm = { kind: "word" | "phrase" | "prefix"; words: string[] };

export const MAX_SEARCH_TERMS = 16;

/** The terms of `q` (quotes pair up; an unpaired quote is ignored); words longer than 100 characters are cut. */
export function parseSearchTerms(q: string): SearchTerm[] {
  const out: SearchTerm[] = [];
  for (const m of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const quoted = m[1] !== undefined;
    const raw = (quoted ? m[1] : m[2]) ?? "";
    const words = [...raw.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((w) => w[0].slice(0, 100));
    if (words.length === 0) continue;
    if (!quoted && words.length === 1 && /[\p{L}\p{N}]\*$/u.test(raw)) out.push({ kind: "prefix", words });
    else out.push({ kind: words.length > 1 ? "phrase" : "word", words });
  }
  return out;
}

/** `trace_id`'s prefix (the text before a final `*`), or null for an exact trace id. */
export function traceIdPrefix(traceId: string): string | null {
  return traceId.length > 1 && traceId.endsWith("*") ? traceId.slice(0, -1) : null;
}

// ---------------------------------------------------------------------------------------------
// Value parsers, one per filter type (the error names the parameter through the path)

export type StatusFilter = { codes: number[]; classes: number[] };

// No control characters: they are never part of a trace id, slug or model name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects control characters in a filter value
const printable = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

const text = (id: LogFilterId) =>
  z
    .string()
    .min(1, `must not be empty (leave ${id} out to not filter): ${HINTS[id]}`)
    .max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
    .refine(printable, "must not contain control characters");

const status = text("status").transform((raw, ctx): StatusFilter => {
  const out: StatusFilter = { codes: [], classes: [] };
  const items = raw.split(",").map((s) => s.trim());
  for (const item of items) {
    const cls = /^([1-5])xx$/i.exec(item);
    if (cls) {
      const c = Number(cls[1]);
      if (!out.classes.includes(c)) out.classes.push(c);
    } else if (/^[1-5]\d\d$/.test(item)) {
      const code = Number(item);
      if (!out.codes.includes(code)) out.codes.push(code);
    } else {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(item.slice(0, 40))} is not ${HINTS.status}` });
      return z.NEVER;
    }
  }
  out.codes.sort((a, b) => a - b);
  out.classes.sort((a, b) => a - b);
  return out;
});

const MAX_COST = 1e9;
const number = (id: LogFilterId) =>
  z
    .string()
    .regex(/^\d{1,12}(\.\d{1,12})?$/, `must be ${HINTS[id]}`)
    .transform(Number)
    .refine((n) => n <= MAX_COST, `must be at most ${MAX_COST}`);

const boolean = (id: LogFilterId) => z.enum(["true", "false"], { error: `must be ${HINTS[id]}` }).transform((v) => v === "true");

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** A date (midnight UTC) or an ISO date-time with Z or an offset, to a Date; `hint` says the form in errors. Shared by the audit filters. */
export const dateTimeFilter = (hint: string) =>
  z
    .string()
    .refine((s) => (DATE_ONLY.test(s) ? z.iso.date().safeParse(s).success : z.iso.datetime({ offset: true }).safeParse(s).success), {
      message: `must be ${hint}, with Z or an offset when it has a time`,
    })
    .transform((s) => new Date(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s))
    .refine((d) => !Number.isNaN(d.getTime()), `must be ${hint}`);
const datetime = (id: LogFilterId) => dateTimeFilter(HINTS[id]);

const keyValue = z
  .record(
    z.string(),
    z
      .string()
      .max(MAX_METADATA_VALUE, `must be at most ${MAX_METADATA_VALUE} characters`)
      .refine(printable, "must not contain control characters"),
  )
  .superRefine((m, ctx) => {
    const keys = Object.keys(m);
    if (keys.length > MAX_METADATA_FILTERS) ctx.addIssue({ code: "custom", message: `at most ${MAX_METADATA_FILTERS} metadata filters` });
    for (const key of keys) {
      if (key === "") ctx.addIssue({ code: "custom", path: [key], message: `needs a key: ${HINTS.metadata}` });
      else if (key.length > MAX_TEXT) ctx.addIssue({ code: "custom", path: [key], message: `key must be at most ${MAX_TEXT} characters` });
      else if (!printable(key)) ctx.addIssue({ code: "custom", path: [key], message: "key must not contain control characters" });
    }
  });

/** Each filter id with its parser, derived from the registry's types. */
const filterShape = {
  q: text("q")
    .refine((v) => parseSearchTerms(v).length > 0, "must contain a word (letters or digits) to search for")
    .refine((v) => parseSearchTerms(v).length <= MAX_SEARCH_TERMS, `must have at most ${MAX_SEARCH_TERMS} words and phrases`)
    .optional(),
  trace_id: text("trace_id")
    .refine((v) => !v.slice(0, -1).includes("*") && v !== "*", `must be ${HINTS.trace_id}; * only at the end, after at least one character`)
    .optional(),
  status: status.optional(),
  cost_min: number("cost_min").optional(),
  cost_max: number("cost_max").optional(),
  fallback: boolean("fallback").optional(),
  provider: text("provider").optional(),
  model: text("model").optional(),
  config: text("config").optional(),
  virtual_key: text("virtual_key").optional(),
  api_key: text("api_key")
    .refine((v) => /^[A-Za-z0-9_-]+(\.\.\.|…)?$/.test(v), `must be ${HINTS.api_key}`)
    .optional(),
  endpoint: text("endpoint")
    .refine((s) => s.startsWith("/"), `must be ${HINTS.endpoint}`)
    .optional(),
  response_id: text("response_id").optional(),
  from: datetime("from").optional(),
  to: datetime("to").optional(),
  metadata: keyValue.optional(),
} satisfies Record<LogFilterId, z.ZodType>; // `satisfies`: exactly the registry's ids, each with a parser

export type LogFilters = { [K in LogFilterId]?: z.output<(typeof filterShape)[K]> };

// ---------------------------------------------------------------------------------------------
// Sorting, paging, cursor

export const LOG_SORT_FIELDS = ["created_at", "cost", "latency_ms"] as const;
export type LogSortField = (typeof LOG_SORT_FIELDS)[number];
export type SortDirection = "asc" | "desc";
export type LogSort = { field: LogSortField; direction: SortDirection };
export const DEFAULT_LOG_SORT: LogSort = { field: "created_at", direction: "desc" };

export const LOG_PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

/** Where the previous page ended: the last row's sort value (null: a log without a cost) and id. */
export type LogCursor = { sort: LogSort; value: string | number | null; id: string };

const SORT_VALUES = LOG_SORT_FIELDS.flatMap((f) => [f, `-${f}`]);

/** The `sort` parameter as written in a URL: `-created_at`, `cost`, ... */
export function formatSort(sort: LogSort): string {
  return `${sort.direction === "desc" ? "-" : ""}${sort.field}`;
}

const cursorPayload = z.discriminatedUnion("f", [
  z.strictObject({ f: z.literal("created_at"), d: z.enum(["asc", "desc"]), v: z.iso.datetime(), i: z.string().min(1).max(MAX_TEXT) }),
  z.strictObject({
    f: z.literal("cost"),
    d: z.enum(["asc", "desc"]),
    v: z.number().finite().min(0).nullable(),
    i: z.string().min(1).max(MAX_TEXT),
  }),
  z.strictObject({
    f: z.literal("latency_ms"),
    d: z.enum(["asc", "desc"]),
    v: z.number().int().min(0),
    i: z.string().min(1).max(MAX_TEXT),
  }),
]);

/** Opaque to clients: base64url of a small JSON object. */
export function encodeCursor(cursor: LogCursor): string {
  const json = JSON.stringify({ f: cursor.sort.field, d: cursor.sort.direction, v: cursor.value, i: cursor.id });
  return base64UrlEncode(json);
}

/** The cursor, or null when it is not one of ours (any junk, edited or truncated value). */
export function decodeCursor(raw: string): LogCursor | null {
  if (raw.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(base64UrlDecode(raw));
  } catch {
    return null;
  }
  const result = cursorPayload.safeParse(parsed);
  if (!result.success) return null;
  const p = result.data;
  return { sort: { field: p.f, direction: p.d }, value: p.v, id: p.i };
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

// ---------------------------------------------------------------------------------------------
// The schema

export type LogQuery = {
  filters: LogFilters;
  sort: LogSort;
  limit: number;
  cursor: LogCursor | null;
  /** The relative range the query was written with (`filters.from` is then its resolution); absent for a fixed range. */
  range?: LogRange;
};

// ---------------------------------------------------------------------------------------------
// Relative time ranges

/** A relative range as written (`1h`) and its length. */
export type LogRange = { text: string; ms: number };

/** The ranges the explorer offers in one click (any other duration of the same form is accepted too). */
export const QUICK_LOG_RANGES = [
  { value: "15m", label: "Last 15 min" },
  { value: "1h", label: "Last hour" },
  { value: "24h", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
] as const;

const RANGE_UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_RANGE_MS = 400 * RANGE_UNITS.d;
const RANGE_HINT = "a relative range: a whole number of minutes, hours or days, e.g. 15m, 1h, 24h, 7d, 30d (at most 400d)";

/** `1h` -> { text: "1h", ms: 3600000 }, or null when it is not a range. */
export function parseLogRange(text: string): LogRange | null {
  const m = /^([1-9]\d{0,5})([mhd])$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * RANGE_UNITS[m[2] as keyof typeof RANGE_UNITS];
  return ms <= MAX_RANGE_MS ? { text, ms } : null;
}

/** How a range reads on screen: the quick pick's label, else "Last 90 min". */
export function describeLogRange(text: string): string {
  const quick = QUICK_LOG_RANGES.find((r) => r.value === text);
  if (quick) return quick.label;
  const m = /^(\d+)([mhd])$/.exec(text);
  if (!m) return text;
  const unit = { m: "min", h: "hours", d: "days" }[m[2] as "m" | "h" | "d"];
  return `Last ${m[1]} ${m[1] === "1" ? unit.replace(/s$/, "") : unit}`;
}

/** What a URL's query gives: URLSearchParams, or Next's `searchParams` object. */
export type LogQueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

const PARAMS = new Set<string>([
  ...LOG_FILTERS.filter((f) => f.type !== "key_value").map((f) => f.id),
  "range",
  "sort",
  "order",
  "limit",
  "cursor",
]);
const ALLOWED = [...LOG_FILTERS.map((f) => (f.type === "key_value" ? `${f.id}.<key>` : f.id)), "range", "sort", "order", "limit", "cursor"];

/** Query parameters -> a plain object: `metadata.<key>` gathered under `metadata`; repeats are errors. */
function normalize(input: unknown, ctx: z.core.$RefinementCtx): unknown {
  const entries: [string, string | string[] | undefined][] =
    input instanceof URLSearchParams
      ? [...new Set(input.keys())].map((k) => [k, input.getAll(k)])
      : typeof input === "object" && input !== null
        ? Object.entries(input as Record<string, string | string[] | undefined>)
        : [];
  const out: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  for (const [key, raw] of entries) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length === 0) continue;
    if (values.length > 1) {
      const hint = key === "status" ? " (use a comma list: status=429,5xx)" : "";
      ctx.addIssue({ code: "custom", path: [key], message: `is given ${values.length} times; give it once${hint}` });
      continue;
    }
    if (key === "metadata") ctx.addIssue({ code: "custom", path: [key], message: `filters by one key: ${HINTS.metadata}` });
    else if (key.startsWith(METADATA_PREFIX)) {
      const name = key.slice(METADATA_PREFIX.length);
      // Refused, not dropped: an assignment of __proto__ would silently lose the filter.
      if (isReservedMetadataKey(name)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `filters by ${JSON.stringify(name)}, which is not a metadata key (reserved: ${RESERVED_METADATA_KEYS.join(", ")})`,
        });
      } else metadata[name] = values[0];
    } else if (PARAMS.has(key)) out[key] = values[0];
    else ctx.addIssue({ code: "custom", path: [key], message: `is not a log query parameter; allowed: ${ALLOWED.join(", ")}` });
  }
  if (Object.keys(metadata).length > 0) out.metadata = metadata;
  return out;
}

const baseSchema = z.strictObject({
  ...filterShape,
  sort: z.enum(SORT_VALUES as [string, ...string[]], { error: `must be one of ${SORT_VALUES.join(", ")}` }).optional(),
  order: z.enum(["asc", "desc"], { error: "must be asc or desc" }).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number from ${LOG_PAGE_LIMIT.min} to ${LOG_PAGE_LIMIT.max}`)
    .transform(Number)
    .refine(
      (n) => n >= LOG_PAGE_LIMIT.min && n <= LOG_PAGE_LIMIT.max,
      `must be a whole number from ${LOG_PAGE_LIMIT.min} to ${LOG_PAGE_LIMIT.max}`,
    )
    .optional(),
  cursor: z.string().optional(),
  range: z
    .string()
    .transform((text, ctx) => {
      const range = parseLogRange(text);
      if (!range) {
        ctx.addIssue({ code: "custom", message: `must be ${RANGE_HINT}` });
        return z.NEVER;
      }
      return range;
    })
    .optional(),
});

/**
 * The one schema for the log query: parse a URLSearchParams or Next's `searchParams` with it.
 * Issues carry the parameter as their path (`metadata.env` for a metadata filter).
 */
export const logQuerySchema = z.preprocess(
  normalize,
  baseSchema.transform((p, ctx): LogQuery => {
    const { sort: rawSort, order, limit, cursor: rawCursor, range, ...rest } = p;
    const filters = rest as LogFilters;
    if (range) {
      for (const fixed of ["from", "to"] as const) {
        if (filters[fixed] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["range"],
            message: `cannot be combined with ${fixed}: give a relative range (range) or a fixed one (from, to), not both`,
          });
      }
      // Resolved here, against the clock of whoever parses: the server, at query time.
      filters.from = new Date(Date.now() - range.ms);
    }
    let sort = DEFAULT_LOG_SORT;
    if (rawSort !== undefined) {
      const desc = rawSort.startsWith("-");
      if (desc && order === "asc")
        ctx.addIssue({ code: "custom", path: ["order"], message: `order=asc contradicts sort=${rawSort} (the - prefix means descending)` });
      sort = { field: rawSort.replace(/^-/, "") as LogSortField, direction: desc || order === "desc" ? "desc" : "asc" };
    } else if (order !== undefined) {
      sort = { field: DEFAULT_LOG_SORT.field, direction: order };
    }
    if (filters.cost_min !== undefined && filters.cost_max !== undefined && filters.cost_min > filters.cost_max) {
      ctx.addIssue({ code: "custom", path: ["cost_max"], message: `must be >= cost_min (${filters.cost_min})` });
    }
    if (filters.from && filters.to && filters.from.getTime() >= filters.to.getTime()) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `must be later than from (${filters.from.toISOString()}); to is exclusive` });
    }
    let cursor: LogCursor | null = null;
    if (rawCursor !== undefined) {
      cursor = decodeCursor(rawCursor);
      if (!cursor) {
        ctx.addIssue({
          code: "custom",
          path: ["cursor"],
          message: "is not a valid cursor; pass next_cursor from the previous page unchanged",
        });
      } else if (cursor.sort.field !== sort.field || cursor.sort.direction !== sort.direction) {
        ctx.addIssue({
          code: "custom",
          path: ["cursor"],
          message: `was made for sort=${formatSort(cursor.sort)}, not sort=${formatSort(sort)}; start again without a cursor when the sort changes`,
        });
      }
    }
    return { filters, sort, limit: limit ?? LOG_PAGE_LIMIT.default, cursor, ...(range ? { range } : {}) };
  }),
);

/** Parses a URL's log query; the result is zod's (`success`, `data` | `error`). */
export function parseLogQuery(input: LogQueryInput) {
  return logQuerySchema.safeParse(input);
}

/** The query as URL parameters (the inverse of the schema, for links and the next page). */
export function logQueryToSearchParams(query: Partial<LogQuery>): URLSearchParams {
  const out = new URLSearchParams();
  const f = query.filters ?? {};
  for (const def of LOG_FILTERS) {
    const value = f[def.id];
    if (value === undefined) continue;
    // A relative range stays relative: its resolved `from` is not written.
    if (def.id === "from" && query.range) continue;
    if (def.id === "metadata") {
      for (const [k, v] of Object.entries(value as Record<string, string>)) out.set(`${METADATA_PREFIX}${k}`, v);
    } else if (def.id === "status") {
      const s = value as StatusFilter;
      out.set("status", [...s.codes.map(String), ...s.classes.map((c) => `${c}xx`)].join(","));
    } else if (value instanceof Date) {
      out.set(def.id, value.toISOString());
    } else {
      out.set(def.id, String(value));
    }
  }
  if (query.range) out.set("range", query.range.text);
  if (query.sort && (query.sort.field !== DEFAULT_LOG_SORT.field || query.sort.direction !== DEFAULT_LOG_SORT.direction))
    out.set("sort", formatSort(query.sort));
  if (query.limit !== undefined && query.limit !== LOG_PAGE_LIMIT.default) out.set("limit", String(query.limit));
  if (query.cursor) out.set("cursor", encodeCursor(query.cursor));
  return out;
}
