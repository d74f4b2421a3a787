/**
 * Saved views of the log explorer and its column layout, the browser-safe part (docs/MANAGEMENT-API.md,
 * "Log views"): the columns the explorer has, and the zod schemas of a view (`/v1/log-views`) and of a
 * user's column layout (`/v1/log-columns`). A view's query is the URL's log query (lib/logs/query.ts),
 * checked by the same parseLogQuery, and stored canonical (logQueryToSearchParams): a view with a
 * relative range (`range=1h`) stays relative, so applying it shows the latest hour.
 */
import { z } from "zod";
import { logQueryToSearchParams, parseLogQuery } from "./query";

/** The log explorer's columns, in their default order (app/(dashboard)/logs/_components/logs-columns.tsx uses these ids). */
export const LOG_COLUMNS = [
  { id: "created_at", label: "Time (UTC)" },
  { id: "status", label: "Status" },
  { id: "fallback", label: "Fallback" },
  { id: "endpoint", label: "Endpoint" },
  { id: "model", label: "Model" },
  { id: "provider", label: "Provider" },
  { id: "tokens", label: "Tokens" },
  { id: "cost", label: "Cost" },
  { id: "latency_ms", label: "Latency" },
  { id: "trace_id", label: "Trace ID" },
  { id: "config", label: "Config" },
  { id: "virtual_key", label: "Virtual key" },
  { id: "api_key", label: "API key" },
] as const;

export type LogColumnId = (typeof LOG_COLUMNS)[number]["id"];
export const LOG_COLUMN_IDS = LOG_COLUMNS.map((c) => c.id) as readonly LogColumnId[];

/** Columns that cannot be hidden: the time is each row's link to its detail. */
export const REQUIRED_LOG_COLUMNS: readonly LogColumnId[] = ["created_at"];

/** A column's width in pixels, when resized. */
export const LOG_COLUMN_WIDTH = { min: 48, max: 800 } as const;

/** Views one user may keep in one workspace. */
export const MAX_LOG_VIEWS = 100;
export const MAX_VIEW_NAME = 80;
const MAX_VIEW_QUERY = 4096;

const columnId = z.enum(LOG_COLUMN_IDS as [LogColumnId, ...LogColumnId[]], {
  error: `must be one of ${LOG_COLUMN_IDS.join(", ")}`,
});

/** Hidden columns: each known, none twice, never a required one. */
const hiddenColumns = z
  .array(columnId)
  .max(LOG_COLUMN_IDS.length)
  .superRefine((ids, ctx) => {
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: "custom", path: [i], message: `${id} is listed twice` });
      if (REQUIRED_LOG_COLUMNS.includes(id)) ctx.addIssue({ code: "custom", path: [i], message: `${id} cannot be hidden` });
    });
  });

/** The columns a user shows and their widths (`PUT /v1/log-columns`; a view carries its `hidden` list). */
export const logColumnLayoutSchema = z.strictObject({
  hidden: hiddenColumns.default([]),
  widths: z
    .partialRecord(
      columnId,
      z
        .number({ error: "must be a width in pixels" })
        .int("must be a whole number of pixels")
        .min(LOG_COLUMN_WIDTH.min, `must be at least ${LOG_COLUMN_WIDTH.min} px`)
        .max(LOG_COLUMN_WIDTH.max, `must be at most ${LOG_COLUMN_WIDTH.max} px`),
    )
    .default({}),
});

export type LogColumnLayout = { hidden: LogColumnId[]; widths: Partial<Record<LogColumnId, number>> };
export const DEFAULT_LOG_COLUMN_LAYOUT: LogColumnLayout = { hidden: [], widths: {} };

/** A stored layout (JSON text) as a layout; anything unreadable (a column since removed) falls back to the default. */
export function readLogColumnLayout(text: string | null | undefined): LogColumnLayout {
  if (!text) return DEFAULT_LOG_COLUMN_LAYOUT;
  try {
    const r = logColumnLayoutSchema.safeParse(JSON.parse(text));
    return r.success ? (r.data as LogColumnLayout) : DEFAULT_LOG_COLUMN_LAYOUT;
  } catch {
    return DEFAULT_LOG_COLUMN_LAYOUT;
  }
}

/**
 * A view's query: the URL's log query text (`status=5xx&range=1h`, a leading `?` allowed), parsed
 * by parseLogQuery (each issue's path is `query.<parameter>`), stored canonical. A cursor is
 * refused: a view is a query, not a page of it.
 */
export const viewQuerySchema = z
  .string({ error: "must be the log query as URL parameters, e.g. status=5xx&range=1h" })
  .max(MAX_VIEW_QUERY, `must be at most ${MAX_VIEW_QUERY} characters`)
  .transform((text, ctx) => {
    const params = new URLSearchParams(text.replace(/^\?/, ""));
    if (params.has("cursor")) {
      ctx.addIssue({ code: "custom", path: ["cursor"], message: "is a page of a list, not part of a view; leave it out" });
      return z.NEVER;
    }
    const parsed = parseLogQuery(params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return logQueryToSearchParams({ ...parsed.data, cursor: null }).toString();
  });

const viewName = z
  .string({ error: "must be a name" })
  .trim()
  .min(1, "must not be empty")
  .max(MAX_VIEW_NAME, `must be at most ${MAX_VIEW_NAME} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects control characters in a name
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters");

export const createLogViewSchema = z.strictObject({
  name: viewName,
  query: viewQuerySchema,
  hidden_columns: hiddenColumns.nullable().default(null),
});

export const updateLogViewSchema = z
  .strictObject({
    name: viewName.optional(),
    query: viewQuerySchema.optional(),
    hidden_columns: hiddenColumns.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "send at least one of name, query, hidden_columns");

/** The key a name is unique by (per user and workspace): case does not make two names. */
export function viewNameKey(name: string): string {
  return name.trim().toLowerCase();
}
