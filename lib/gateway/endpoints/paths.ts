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
  models: "GET /v1/models",
} as const;

/** The inference routes' paths. */
export const INFERENCE_PATHS: ReadonlySet<string> = new Set(
  Object.values(INFERENCE_ROUTE_KEYS).map((key) => key.slice(key.indexOf(" ") + 1)),
);
