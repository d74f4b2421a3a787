/**
 * The inference endpoints a log row can name, with their methods (reads of stored responses are
 * logged with their template path, `/v1/responses/{id}`): the options of the Endpoint filter, and
 * how the list writes an endpoint compactly.
 */
export const LOGGED_ENDPOINTS: readonly { path: string; methods: readonly string[] }[] = [
  { path: "/v1/chat/completions", methods: ["POST"] },
  { path: "/v1/completions", methods: ["POST"] },
  { path: "/v1/embeddings", methods: ["POST"] },
  { path: "/v1/messages", methods: ["POST"] },
  { path: "/v1/messages/count_tokens", methods: ["POST"] },
  { path: "/v1/responses", methods: ["POST"] },
  { path: "/v1/responses/{id}", methods: ["GET", "DELETE"] },
  { path: "/v1/responses/{id}/cancel", methods: ["POST"] },
  { path: "/v1/responses/{id}/input_items", methods: ["GET"] },
  { path: "/v1/responses/input_tokens", methods: ["POST"] },
];

/**
 * An endpoint as the list shows it: the method (the row's, else the path's only one) and the path
 * without `/v1/`; `full` is `METHOD /v1/...` for its tooltip.
 */
export function describeEndpoint(method: string | null, path: string): { method: string | null; short: string; full: string } {
  const known = LOGGED_ENDPOINTS.find((e) => e.path === path);
  const shown = method ?? (known?.methods.length === 1 ? known.methods[0]! : null);
  return {
    method: shown,
    short: path.startsWith("/v1/") ? path.slice("/v1/".length) : path,
    full: shown ? `${shown} ${path}` : path,
  };
}
