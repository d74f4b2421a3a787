/**
 * One inference request, end to end: the stages below, in order, over one context (served.ts), each
 * typed by what the stages before it filled in (pipeline.ts). A new concern (a budget check, a
 * guardrail, a tracing span) is one more stage in this list. Every answer carries Detour's headers
 * (gateway-headers.ts) and queues one log row, built after the answer is handed over (never written
 * on the request path).
 */
import type { Endpoint } from "../providers/types";
import { pipeline } from "./pipeline";
import { errorResponse, respond } from "./respond";
import { newServed, type Served } from "./served";
import {
  authenticate,
  cacheLookup,
  parseHeaders,
  rateLimitByApiKey,
  rateLimitByVirtualKeys,
  readBody,
  resolveTargets,
  routeUpstream,
} from "./stages";

const INFERENCE = pipeline<Served>()
  // The Detour API key (x-portkey-api-key) -> s.key. 401 when missing, unknown or revoked (not logged).
  .stage(authenticate)
  // The x-portkey-* request headers (trace id, metadata, config, virtual key, ...) -> s.ctx. 400 naming a bad one.
  .stage(parseHeaders)
  // The API key's rpm/tpm limits: 429 detour_rate_limit when one is reached.
  .stage(rateLimitByApiKey)
  // The JSON body within the size and time limits -> s.body, s.requestText. 413, 408, 400.
  .stage(readBody)
  // Config (saved, inline, virtual key or direct mode) -> tree of targets with credentials -> s.routing.
  .stage(resolveTargets)
  // The rpm/tpm limits of the virtual keys the targets can use, before any upstream call: 429.
  .stage(rateLimitByVirtualKeys)
  // Response cache (config `cache`, non-streaming) -> s.cache, cache status; a fresh cached answer ends here.
  .stage(cacheLookup)
  // The router over the targets, each attempt an upstream call -> s.result.
  .stage(routeUpstream)
  // The router's answer (JSON, a relayed stream, or an error) with Detour's headers; queues the log row.
  .answer(respond)
  // Anything a stage threw: Detour's own error answer (docs/GATEWAY.md §6), logged once the API key is known.
  .onError(errorResponse);

export function handleInference(request: Request, endpoint: Endpoint): Promise<Response> {
  return INFERENCE.run(newServed(request, endpoint));
}
