/**
 * One stored request-log row, as written before provider keys were kept out of the log, brought to
 * what the gateway stores today (docs/SECURITY.md "Provider keys in the request log"). Pure: the
 * one-time scrub (`scrub.ts`) reads candidate rows and writes back what this returns.
 *
 * The stored request headers (JSON text of the headers object) are re-derived with the gateway's
 * own redaction (`redactHeaderValue`: the inline `x-portkey-config`'s `api_key`/`apiKey` fields,
 * credential headers, custom hosts' user info), collecting the secrets they held; every form of
 * those secrets is then replaced in the row's bodies, headers, metadata (column and indexed rows),
 * search text and attempt messages (`Redactor`). A header whose redaction changes nothing keeps its stored text
 * byte for byte (a config without a key is not re-serialised), and a row where nothing changes is
 * reported as such: it is not written.
 */
import { isRecord } from "../is-record";
import { CONFIG_HEADER, REDACTED, Redactor, redactHeaderValue } from "../gateway/request/log-redaction";

export type StoredLogText = {
  id: string;
  requestHeaders: string | null;
  requestBody: string | null;
  requestBodyTruncated: boolean;
  responseBody: string | null;
  responseBodyTruncated: boolean;
  metadata: string | null;
  /** The words `q` searches, taken from the bodies (lib/logs/search-text.ts): a key in a body is in it too. */
  searchText: string | null;
  attempts: { id: string; errorMessage: string | null }[];
  metadataEntries: { key: string; value: string }[];
};

/** A text column's stored value and the value to store instead. */
export type TextChange = { from: string; to: string };

export type LogScrub = {
  id: string;
  /** Only the columns that change. */
  log: Partial<Record<"requestHeaders" | "requestBody" | "responseBody" | "metadata" | "searchText", TextChange>>;
  attempts: { id: string; errorMessage: TextChange }[];
  metadataEntries: { key: string; value: TextChange }[];
};

/** Header values redacted like a new row's; null when the stored text is not a JSON object of strings' shape (left alone). */
function redactStoredHeaders(text: string, secrets: Set<string>): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  // Null prototype: a stored header named `__proto__` stays an ordinary own key.
  const out = Object.create(null) as Record<string, unknown>;
  let changed = false;
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      out[name] = value;
      continue;
    }
    const redacted = redactHeaderValue(name, value, secrets);
    // A config the redaction left as it was is only re-serialised by it: keep the stored text.
    const same = redacted === value || (name === CONFIG_HEADER && redacted === canonicalJson(value));
    out[name] = same ? value : redacted;
    if (!same) changed = true;
  }
  return changed ? JSON.stringify(out) : text;
}

function canonicalJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text.trim()));
  } catch {
    return null;
  }
}

function change(from: string | null, to: string | null): TextChange | undefined {
  return from !== null && to !== null && to !== from ? { from, to } : undefined;
}

/** What to write so that `row` holds no secret its stored headers reveal; null when nothing changes. */
export function scrubStoredLog(row: StoredLogText): LogScrub | null {
  if (row.requestHeaders === null) return null;
  const secrets = new Set<string>();
  const headers = redactStoredHeaders(row.requestHeaders, secrets);
  if (headers === null) return null;
  // An already redacted header or field yields the marker itself as a "secret": nothing to search for.
  secrets.delete(REDACTED);
  const redactor = new Redactor(secrets);
  const out: LogScrub = { id: row.id, log: {}, attempts: [], metadataEntries: [] };
  const set = (column: keyof LogScrub["log"], from: string | null, to: string | null) => {
    const c = change(from, to);
    if (c) out.log[column] = c;
  };
  set("requestHeaders", row.requestHeaders, redactor.text(headers));
  if (!redactor.empty) {
    // A body stored cut short may end with a key's first characters: those go too.
    set("requestBody", row.requestBody, row.requestBody === null ? null : redactor.cutText(row.requestBody, row.requestBodyTruncated));
    set("responseBody", row.responseBody, row.responseBody === null ? null : redactor.cutText(row.responseBody, row.responseBodyTruncated));
    set("metadata", row.metadata, row.metadata === null ? null : redactor.text(row.metadata));
    // Cut at spaces from the bodies' text: a key is in it whole or not at all.
    set("searchText", row.searchText, row.searchText === null ? null : redactor.text(row.searchText));
    for (const a of row.attempts) {
      const c = change(a.errorMessage, a.errorMessage === null ? null : redactor.text(a.errorMessage));
      if (c) out.attempts.push({ id: a.id, errorMessage: c });
    }
    for (const m of row.metadataEntries) {
      const c = change(m.value, redactor.text(m.value));
      if (c) out.metadataEntries.push({ key: m.key, value: c });
    }
  }
  const changed = Object.keys(out.log).length > 0 || out.attempts.length > 0 || out.metadataEntries.length > 0;
  return changed ? out : null;
}
