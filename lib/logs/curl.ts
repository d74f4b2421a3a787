/**
 * A logged request as a curl command (the log detail page's "Copy as curl"), built from what the
 * log stores: the method, the path, the request headers and the body, all already redacted when
 * the row was written (lib/gateway/request/log-redaction.ts). Secrets never come back: each
 * credential header becomes a shell variable the person sets (`$DETOUR_API_KEY` for Detour's key,
 * `$PROVIDER_API_KEY` for a provider's key sent in direct mode), and `notes` says what else the
 * command cannot repeat exactly (a cut body, redacted values, an id the log keeps as a template).
 *
 * Pure and browser-safe. Every value is single-quoted for a POSIX shell, except the headers that
 * name a variable, which are double-quoted with everything but the variable escaped.
 */

/** The logged request, as the log detail API shows it. */
export type LoggedRequest = {
  method: string;
  /** As logged: `/v1/responses/{id}` for calls on one stored response. */
  path: string;
  headers: Record<string, string>;
  body: string | null;
  bodyTruncated: boolean;
  /** For a path with `{id}`: the response it was about. */
  responseId: string | null;
};

export type Curl = { command: string; notes: string[] };

/** The value the log stores in place of a secret. */
const REDACTED = "[redacted]";

/** Headers that carry a credential, and whose credential each one is. */
const CREDENTIAL_HEADERS = new Set(["authorization", "x-portkey-api-key", "x-api-key", "api-key"]);
/** Headers of the connection, of the client software, or of tracing: not part of what the request asked. */
const DROPPED = new Set([
  "host",
  "content-length",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "accept-encoding",
  "accept-language",
  "user-agent",
  "cookie",
  "proxy-authorization",
  "traceparent",
  "tracestate",
  "x-detour-client-address",
]);

/** `text` in single quotes for a POSIX shell (a quote inside becomes '\''). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `prefix` then `$variable`, double-quoted (the prefix's $, `, \ and " escaped). */
function withVariable(prefix: string, variable: string): string {
  return `"${prefix.replace(/[$`\\"]/g, (c) => `\\${c}`)}$${variable}"`;
}

/**
 * Whose key a credential header held: Detour's (an API key of this gateway) unless the request
 * was in direct mode (`x-portkey-provider`), where `Authorization` / `x-api-key` / `api-key` carry
 * the provider's own key and Detour's goes in `x-portkey-api-key`.
 */
function credentialVariable(name: string, headers: Record<string, string>): string {
  if (name === "x-portkey-api-key") return "DETOUR_API_KEY";
  const direct = "x-portkey-provider" in headers;
  return direct ? "PROVIDER_API_KEY" : "DETOUR_API_KEY";
}

export function curlCommand(origin: string, req: LoggedRequest): Curl {
  const notes: string[] = [];
  let path = req.path;
  if (path.includes("{id}")) {
    if (req.responseId) path = path.replace("{id}", encodeURIComponent(req.responseId));
    else notes.push("The log keeps this path as a template ({id}): put the response id in the URL.");
  }
  const lines = [`curl ${shellQuote(`${origin.replace(/\/+$/, "")}${path}`)}`];
  const method = req.method.toUpperCase();
  const hasBody = req.body !== null && req.body !== "";
  if (!(method === "GET" && !hasBody) && !(method === "POST" && hasBody)) lines.push(`-X ${method}`);
  const variables = new Set<string>();
  const names = Object.keys(req.headers).sort();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (DROPPED.has(lower) || lower.startsWith("x-stainless-") || lower.startsWith("sec-fetch-")) continue;
    const value = req.headers[name]!;
    if (CREDENTIAL_HEADERS.has(lower)) {
      const variable = credentialVariable(lower, req.headers);
      variables.add(variable);
      const prefix = lower === "authorization" ? "Bearer " : "";
      lines.push(`-H ${withVariable(`${lower}: ${prefix}`, variable)}`);
      continue;
    }
    if (value.includes(REDACTED)) notes.push(`The ${lower} header holds values the log redacted (${REDACTED}): fill them in.`);
    lines.push(`-H ${shellQuote(`${lower}: ${value}`)}`);
  }
  if (hasBody) {
    lines.push(`--data-raw ${shellQuote(req.body!)}`);
    if (req.body!.includes(REDACTED)) notes.push(`The body holds values the log redacted (${REDACTED}): fill them in.`);
  }
  if (req.bodyTruncated) notes.push("The log kept only the start of this body: the command sends the cut body, which is not valid JSON.");
  for (const variable of variables)
    notes.unshift(
      variable === "DETOUR_API_KEY"
        ? "Set DETOUR_API_KEY to a Detour API key first (the logged key is never shown)."
        : "Set PROVIDER_API_KEY to the provider's key first (the logged key is never shown).",
    );
  return { command: lines.join(" \\\n  "), notes };
}
