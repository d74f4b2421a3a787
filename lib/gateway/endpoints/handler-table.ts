/**
 * The /v1 inference routes as one table, published for Detour's HTTP server
 * (`scripts/server.ts`). That server answers these routes itself, with the same handlers the
 * route files in `app/v1/` export, and passes every other request to Next.js: a request to the
 * gateway then skips Next's router and route-module wrapper, which cost more CPU per request than
 * all of Detour's own work (docs/PERFORMANCE.md).
 *
 * The table is published in the process's runtime (`inferenceHandlers`, lib/runtime.ts) by the
 * start sequence (lib/server-start.ts), from inside the Next.js build, so the server runs the one
 * compiled copy of `lib/` that Next's own routes use (the same caches, log writer, metrics and
 * Redis connections), never a second one.
 */
import { getRuntime } from "../../runtime";
import { INFERENCE_ROUTE_KEYS, matchResponseCall } from "./paths";
import {
  handleChatCompletions,
  handleCompletions,
  handleCountTokens,
  handleEmbeddings,
  handleListModels,
  handleMessages,
  handleResponseById,
  handleResponses,
  handleResponsesInputTokens,
} from "./handlers";

export type InferenceHandler = (request: Request) => Promise<Response>;
/** `${method} ${pathname}` -> handler, or undefined when Next.js answers the request. */
export type InferenceRoutes = { get(routeKey: string): InferenceHandler | undefined };

const FIXED_ROUTES: ReadonlyMap<string, InferenceHandler> = new Map([
  [INFERENCE_ROUTE_KEYS.chatCompletions, handleChatCompletions],
  [INFERENCE_ROUTE_KEYS.completions, handleCompletions],
  [INFERENCE_ROUTE_KEYS.embeddings, handleEmbeddings],
  [INFERENCE_ROUTE_KEYS.messages, handleMessages],
  [INFERENCE_ROUTE_KEYS.countTokens, handleCountTokens],
  [INFERENCE_ROUTE_KEYS.responses, handleResponses],
  [INFERENCE_ROUTE_KEYS.responsesInputTokens, handleResponsesInputTokens],
  [INFERENCE_ROUTE_KEYS.models, handleListModels],
]);

/** The fixed paths by map lookup; the calls on one stored response (`/v1/responses/{id}...`) by pattern. */
const INFERENCE_ROUTES: InferenceRoutes = {
  get(routeKey) {
    const fixed = FIXED_ROUTES.get(routeKey);
    if (fixed) return fixed;
    const space = routeKey.indexOf(" ");
    return matchResponseCall(routeKey.slice(0, space), routeKey.slice(space + 1)) ? handleResponseById : undefined;
  },
};

/** Publishes the table for the server, which reads it with `peekRuntime()?.inferenceHandlers` (lib/runtime-slot.ts). */
export function publishInferenceRoutes(): void {
  getRuntime().inferenceHandlers = INFERENCE_ROUTES;
}
