"use client";

/**
 * The log filters, one field per entry of the filter registry (LOG_FILTERS in lib/logs/query.ts),
 * so a filter added there appears here. What is typed is checked by the same schema as the URL
 * (parseLogQuery) before the page navigates; problems are listed by parameter.
 */
import "@/lib/browser/zod-jitless"; // first: zod must not probe for eval under the CSP
import { useEffect, useRef, useState } from "react";
import { DataTableToolbar, ToolbarDateTime, ToolbarInput, ToolbarSelect } from "@/components/data-table/toolbar";
import { dateToUtcPicker, urlTimeToUtcPicker, utcPickerToUrlTime } from "@/lib/dashboard/utc-picker";
import {
  describeLogRange,
  LOG_FILTERS,
  METADATA_PREFIX,
  parseLogQuery,
  parseLogRange,
  QUICK_LOG_RANGES,
  type LogFilterDef,
  type LogFilters,
} from "@/lib/logs/query";
import { LOGGED_ENDPOINTS } from "./endpoints";
import { describeQueryIssues, fieldOf, type QueryIssue } from "./query-issues";

/** One option of a filter's select: the URL's value and what the option says. */
export type FilterChoice = { value: string; label: string };

/**
 * Per filter: texts its field suggests (a datalist), or choices (the field is then a select of
 * them, "Any" first: the API keys and virtual keys by name).
 */
export type FilterSuggestions = Partial<Record<string, readonly string[] | readonly FilterChoice[]>>;

const isChoices = (list: readonly string[] | readonly FilterChoice[] | undefined): list is readonly FilterChoice[] =>
  list !== undefined && list.length > 0 && typeof list[0] !== "string";

const PLACEHOLDERS: Partial<Record<string, string>> = {
  q: 'words, "a phrase", prefix*',
  trace_id: "trace id, or its start*",
  response_id: "resp_...",
  status: "5xx or 429,503",
  cost_min: "0.001",
  cost_max: "0.5",
  metadata: "env=prod; team=search",
};

/**
 * The words on screen where the registry's (also the API's) would not fit the control: the pickers
 * say their zone, and a Yes/No select is not typed as "true or false".
 */
const FIELD_LABELS: Partial<Record<string, string>> = { from: "From (UTC)", to: "To (UTC)" };
const FIELD_HINTS: Partial<Record<string, string>> = {
  fallback: "Yes: only requests that a later target answered after an earlier one failed. No: only those without a fallback. Any: both.",
  from: "UTC. Requests at or after this time (inclusive).",
  to: "UTC. Requests before this time (exclusive).",
};

/**
 * The quick ranges are relative (`range=1h` in the URL): each load shows the latest hour. "Custom"
 * is From / To; choosing it keeps the current range's start as a fixed From.
 */
function quickRanges(fromUrl: string | undefined) {
  const quick: { value: string; label: string }[] = [{ value: "", label: "Custom (From / To)" }, ...QUICK_LOG_RANGES];
  if (fromUrl && !quick.some((r) => r.value === fromUrl)) quick.push({ value: fromUrl, label: describeLogRange(fromUrl) });
  return quick;
}

/** `env=prod; team=search` -> metadata.env=prod, metadata.team=search (a pair without `=` is an issue). */
function parseMetadataText(text: string, into: URLSearchParams, issues: QueryIssue[]): void {
  for (const pair of text
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      issues.push({ param: "metadata", label: "Metadata", message: `"${pair.slice(0, 40)}" is not key=value (separate several with ;)` });
      continue;
    }
    into.set(`${METADATA_PREFIX}${pair.slice(0, eq).trim()}`, pair.slice(eq + 1).trim());
  }
}

/** The form's fields as URL parameters, and what is wrong with them. */
export function readFilterForm(form: HTMLFormElement): { filters: LogFilters | null; range?: string; issues: QueryIssue[] } {
  const data = new FormData(form);
  const params = new URLSearchParams();
  const issues: QueryIssue[] = [];
  for (const def of LOG_FILTERS) {
    const value = String(data.get(def.id) ?? "").trim();
    if (def.type === "datetime") {
      const time = readPicker(form, def, value);
      if ("issue" in time) issues.push(time.issue);
      else if (time.value) params.set(def.id, time.value);
      continue;
    }
    if (value === "") continue;
    if (def.type === "key_value") parseMetadataText(value, params, issues);
    else params.set(def.id, value);
  }
  const range = String(data.get("range") ?? "").trim();
  if (range) params.set("range", range);
  const parsed = parseLogQuery(params);
  if (!parsed.success) issues.push(...describeQueryIssues(parsed.error));
  return { filters: issues.length === 0 && parsed.success ? parsed.data.filters : null, range: range || undefined, issues };
}

/** A UTC picker's value as the URL's text; a half-filled picker (its value is then empty) is an issue naming the field. */
function readPicker(form: HTMLFormElement, def: LogFilterDef, value: string): { value: string | null } | { issue: QueryIssue } {
  const label = def.label;
  const input = form.elements.namedItem(def.id);
  if (input instanceof HTMLInputElement && input.validity.badInput) {
    return { issue: { param: def.id, label, message: "is not a complete date and time: fill in every part, or clear the field" } };
  }
  if (value === "") return { value: null };
  const url = utcPickerToUrlTime(value);
  return url ? { value: url } : { issue: { param: def.id, label, message: `must be a date and time (UTC), e.g. ${PICKER_EXAMPLE}` } };
}

const PICKER_EXAMPLE = "2026-01-31 12:00:00";

/** Issues of the URL's from / to also quote the URL, since a picker cannot show a text it does not accept. */
function withUrlText(issues: readonly QueryIssue[], values: Record<string, string>): QueryIssue[] {
  return issues.map((issue) => {
    const raw = values[issue.param];
    const def = LOG_FILTERS.find((f) => f.id === issue.param);
    if (def?.type !== "datetime" || raw === undefined || urlTimeToUtcPicker(raw) !== null) return issue;
    return { ...issue, message: `${issue.message} (the URL says “${raw.slice(0, 60)}”)` };
  });
}

export function LogFiltersForm({
  urlKey,
  values,
  suggestions,
  urlIssues,
  busy,
  onApply,
  onClear,
  range,
}: {
  /** Changes with the URL: the fields then show the URL's values again. */
  urlKey: string;
  /** The URL's own text for each filter (`metadata` joined as `k=v; k2=v2`), valid or not. */
  values: Record<string, string>;
  suggestions: FilterSuggestions;
  /** Problems with the URL's query, shown until the form is applied. */
  urlIssues: readonly QueryIssue[];
  busy: boolean;
  /** The URL's relative range (`1h`), when it has one: the quick range shows it and From / To stay empty. */
  range?: string;
  /** `range`: the relative range chosen (From / To are then empty). */
  onApply: (filters: LogFilters, range?: string) => void;
  onClear: () => void;
}) {
  const [issues, setIssues] = useState<readonly QueryIssue[]>(() => withUrlText(urlIssues, values));
  const formRef = useRef<HTMLFormElement>(null);
  const [shownKey, setShownKey] = useState(urlKey);
  if (shownKey !== urlKey) {
    // A new URL (applied here, a link, the back button): its problems replace the form's.
    setShownKey(urlKey);
    setIssues(withUrlText(urlIssues, values));
  }
  const appliedKey = useRef(urlKey);
  useEffect(() => {
    const form = formRef.current;
    // On mount the server-rendered defaults already match the URL: rewriting them here would wipe
    // what a fast user typed before hydration. Only a later URL change rewrites the fields.
    if (!form || appliedKey.current === urlKey) return;
    appliedKey.current = urlKey;
    for (const def of LOG_FILTERS) {
      const el = form.elements.namedItem(def.id);
      if (el instanceof HTMLInputElement && def.type === "datetime") el.value = urlTimeToUtcPicker(values[def.id]) ?? "";
      else if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) el.value = values[def.id] ?? "";
    }
    const quick = form.elements.namedItem("range");
    if (quick instanceof HTMLSelectElement) quick.value = range ?? "";
    // Only a new URL rewrites the fields (`values` is derived from it; the check above skips a
    // render where only `values` changed).
  }, [urlKey, values, range]);
  useEffect(() => {
    // A date typed into From or To makes the range a fixed one: the quick range says "Custom".
    const form = formRef.current;
    if (!form) return;
    const onInput = (event: Event) => {
      const target = event.target as HTMLInputElement;
      const quick = form.elements.namedItem("range");
      if ((target.name === "from" || target.name === "to") && quick instanceof HTMLSelectElement && target.value) quick.value = "";
    };
    form.addEventListener("input", onInput);
    return () => form.removeEventListener("input", onInput);
  }, []);
  const invalid = new Set(issues.map((i) => fieldOf(i.param)));

  const field = (def: LogFilterDef) => {
    const common = {
      name: def.id,
      label: FIELD_LABELS[def.id] ?? def.label,
      hint: FIELD_HINTS[def.id] ?? def.hint,
      defaultValue: values[def.id] ?? "",
      invalid: invalid.has(def.id),
    };
    const listed = suggestions[def.id];
    if (isChoices(listed)) {
      // A value of the URL that is not listed (a deleted key, a prefix typed in the URL) stays an option.
      const fromUrl = values[def.id];
      const options = [{ value: "", label: "Any" }, ...listed];
      if (fromUrl && !listed.some((c) => c.value === fromUrl)) options.push({ value: fromUrl, label: fromUrl });
      return <ToolbarSelect key={def.id} {...common} className="dt-field-wide" options={options} />;
    }
    if (def.id === "endpoint") {
      // The URL may name a path that is not in the list: it stays an option, so applying keeps it.
      const fromUrl = values.endpoint;
      const paths = LOGGED_ENDPOINTS.map((e) => e.path);
      if (fromUrl && !paths.includes(fromUrl)) paths.push(fromUrl);
      return (
        <ToolbarSelect key={def.id} {...common} options={[{ value: "", label: "Any" }, ...paths.map((p) => ({ value: p, label: p }))]} />
      );
    }
    switch (def.type) {
      case "boolean":
        return (
          <ToolbarSelect
            key={def.id}
            {...common}
            options={[
              { value: "", label: "Any" },
              { value: "true", label: "Yes" },
              { value: "false", label: "No" },
            ]}
          />
        );
      case "datetime":
        return (
          <ToolbarDateTime key={def.id} {...common} defaultValue={urlTimeToUtcPicker(values[def.id]) ?? ""} className="dt-field-wide" />
        );
      case "number":
        return <ToolbarInput key={def.id} {...common} className="dt-field-narrow" inputMode="decimal" placeholder={PLACEHOLDERS[def.id]} />;
      default:
        return (
          <ToolbarInput
            key={def.id}
            {...common}
            className={
              def.id === "q" || def.id === "trace_id" || def.id === "response_id" || def.type === "key_value" ? "dt-field-wide" : undefined
            }
            placeholder={PLACEHOLDERS[def.id]}
            suggestions={listed as readonly string[] | undefined}
          />
        );
    }
  };

  return (
    <DataTableToolbar
      label="Filter logs"
      activeCount={Object.keys(values).length + (range ? 1 : 0)}
      formRef={formRef}
      issues={issues}
      busy={busy}
      onApply={(form) => {
        const { filters, range: chosen, issues: found } = readFilterForm(form);
        setIssues(found);
        if (filters) onApply(filters, chosen);
      }}
      onClear={onClear}
      actions={
        <div className="dt-field dt-field-inline">
          <label htmlFor="logs-quick-range">Time range</label>
          <select
            id="logs-quick-range"
            name="range"
            defaultValue={range ?? ""}
            aria-describedby={range ? "logs-range-note" : undefined}
            onChange={(e) => {
              const form = e.currentTarget.form;
              if (!form) return;
              const from = form.elements.namedItem("from") as HTMLInputElement | null;
              const to = form.elements.namedItem("to") as HTMLInputElement | null;
              const chosen = parseLogRange(e.target.value);
              if (!chosen) {
                // Custom: the relative range becomes a fixed From (now), to adjust by hand.
                const was = parseLogRange(range ?? "");
                if (from && was && !from.value) from.value = dateToUtcPicker(new Date(Math.floor((Date.now() - was.ms) / 1000) * 1000));
                return;
              }
              if (from) from.value = "";
              if (to) to.value = "";
              form.requestSubmit();
            }}
          >
            {quickRanges(range).map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
          {range ? (
            <span id="logs-range-note" className="logs-range-note">
              Relative: {describeLogRange(range).toLowerCase()}, counted back from each load
            </span>
          ) : null}
        </div>
      }
    >
      {LOG_FILTERS.map(field)}
    </DataTableToolbar>
  );
}
