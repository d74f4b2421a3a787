/**
 * The inference routes' method and path, in one dependency-free table: the handlers' map
 * (`handler-table.ts`) is keyed by it, and the body limits outside those routes
 * (`lib/api/body-limits.ts`, read by scripts/server.ts, which must not load the engine) skip them.
 */
export const INFERENCE_ROUTE_KEYS = {
  chatCompletions: "POST /v1/chat/completions",
  completions: "POST /v1/completions",
  embeddings: "POST /v1/embeddings",
  messages: "POST /v1/messages",
  countTokens: "POST /v1/messages/count_tokens",
  responses: "POST /v1/responses",
  responsesInputTokens: "POST /v1/responses/input_tokens",
  models: "GET /v1/models",
} as const;

/** The inference routes' paths. */
export const INFERENCE_PATHS: ReadonlySet<string> = new Set(
  Object.values(INFERENCE_ROUTE_KEYS).map((key) => key.slice(key.indexOf(" ") + 1)),
);

/** The calls on one stored response, by path template below /v1/, and the method each takes. */
export type ResponseCallRoute = {
  endpoint: "responses/{id}" | "responses/{id}/cancel" | "responses/{id}/input_items";
  id: string;
};

const RESPONSE_CALL_PATH = /^\/v1\/responses\/([^/]+)(?:\/(cancel|input_items))?$/;

/**
 * `GET|DELETE /v1/responses/{id}`, `POST /v1/responses/{id}/cancel`, `GET /v1/responses/{id}/input_items`:
 * the endpoint and the id (still percent-encoded as received), or null for anything else (another
 * method on these paths is Next's 405). `/v1/responses/input_tokens` is its own route (POST only).
 */
export function matchResponseCall(method: string, pathname: string): ResponseCallRoute | null {
  const m = RESPONSE_CALL_PATH.exec(pathname);
  if (!m) return null;
  const id = m[1]!;
  if (m[2] === "cancel") return method === "POST" ? { endpoint: "responses/{id}/cancel", id } : null;
  if (m[2] === "input_items") return method === "GET" ? { endpoint: "responses/{id}/input_items", id } : null;
  if (id === "input_tokens") return null;
  return method === "GET" || method === "DELETE" ? { endpoint: "responses/{id}", id } : null;
}

/** Whether `pathname` is an inference route's (its own body limit applies, lib/api/body-limits.ts). */
export function isInferencePath(pathname: string): boolean {
  return INFERENCE_PATHS.has(pathname) || RESPONSE_CALL_PATH.test(pathname);
}
