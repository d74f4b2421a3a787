/**
 * One inference request, end to end: the stages below, in order, over one context (served.ts), each
 * typed by what the stages before it filled in (pipeline.ts). A new concern (a budget check, a
 * guardrail) is one more stage in this list. Every answer carries Detour's headers
 * (gateway-headers.ts) and queues one log row, built after the answer is handed over (never written
 * on the request path). Tracing is not a stage: the request's span opens with its context
 * (`newServed`) and ends with its log row, whatever answered (lib/tracing).
 */
import { DetourError } from "../../errors";
import { matchResponseCall } from "../endpoints/paths";
import type { Endpoint, ResourceCall } from "../providers/types";
import { findOrigin, pinToOrigin } from "./origin";
import { pipeline } from "./pipeline";
import { errorResponse, respond } from "./respond";
import { newServed, type Served } from "./served";
import {
  authenticate,
  cacheLookup,
  checkAllowedModels,
  noBody,
  parseHeaders,
  rateLimitByApiKey,
  rateLimitByVirtualKeys,
  loadPrices,
  readBody,
  reserveBudget,
  resolveTargets,
  routeUpstream,
} from "./stages";

const INFERENCE = pipeline<Served>()
  // The Detour API key (x-portkey-api-key) -> s.key. 401 when missing, unknown, revoked or expired (not logged).
  .stage(authenticate)
  // The x-portkey-* request headers (trace id, metadata, config, virtual key, ...) -> s.ctx. 400 naming a bad one.
  .stage(parseHeaders)
  // The API key's rpm/tpm limits: 429 detour_rate_limit when one is reached.
  .stage(rateLimitByApiKey)
  // The JSON body within the size and time limits -> s.body, s.requestText. 413, 408, 400.
  .stage(readBody)
  // The API key's allowed_models: 403 model_not_allowed naming the body's model (or its absence).
  .stage(checkAllowedModels)
  // Responses API: the target holding the response or conversation continued (previous_response_id) -> s.origin.
  .stage(findOrigin)
  // Config (saved, inline, virtual key or direct mode) -> tree of targets with credentials -> s.routing.
  .stage(resolveTargets)
  // The rpm/tpm limits of the virtual keys the targets can use, before any upstream call: 429.
  .stage(rateLimitByVirtualKeys)
  // Responses API: a follow-up goes to its origin only (s.routing narrowed, s.pinned); 400 when it cannot.
  .stage(pinToOrigin)
  // Response cache (config `cache`, non-streaming) -> s.cache, cache status; a fresh cached answer ends here.
  .stage(cacheLookup)
  // The workspace's price overrides (cached) -> s.prices: what the answer and the budgets are priced with.
  .stage(loadPrices)
  // Budgets: the worst-case cost reserved on each before any upstream call -> s.budget; 429 budget_exceeded.
  .stage(reserveBudget)
  // The router over the targets, each attempt an upstream call -> s.result.
  .stage(routeUpstream)
  // The router's answer (JSON, a relayed stream, or an error) with Detour's headers; queues the log row.
  .answer(respond)
  // Anything a stage threw: Detour's own error answer (docs/GATEWAY.md §6), logged once the API key is known.
  .onError(errorResponse);

/** The calls on one stored response (GET, DELETE, cancel, input items): no body, routed to the response's origin. */
const RESPONSE_CALL = pipeline<Served>()
  .stage(authenticate)
  .stage(parseHeaders)
  .stage(rateLimitByApiKey)
  .stage(noBody)
  .stage(findOrigin)
  .stage(resolveTargets)
  .stage(rateLimitByVirtualKeys)
  // Pinned to the origin; a response with no record is looked for on each of the config's targets.
  .stage(pinToOrigin)
  // A background response's usage is priced when a read first shows it finished.
  .stage(loadPrices)
  .stage(routeUpstream)
  .answer(respond)
  .onError(errorResponse);

export function handleInference(request: Request, endpoint: Endpoint): Promise<Response> {
  return INFERENCE.run(newServed(request, endpoint));
}

/** A response id as OpenAI and Azure write them (`resp_...`): what may go into the upstream path. */
const RESPONSE_ID = /^[A-Za-z0-9_-]{1,256}$/;

/** `GET|DELETE /v1/responses/{id}`, `POST .../cancel`, `GET .../input_items`: endpoint, id and query from the URL. */
export function handleResponseCall(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const match = matchResponseCall(request.method, url.pathname);
  const endpoint: Endpoint = match?.endpoint ?? "responses/{id}";
  let id = "";
  try {
    id = decodeURIComponent(match?.id ?? "");
  } catch {
    // a malformed escape: refused below
  }
  const call: ResourceCall = { method: request.method as ResourceCall["method"], id, query: [...url.searchParams] };
  const served = newServed(request, endpoint, call);
  if (!match || !RESPONSE_ID.test(id)) {
    return RESPONSE_CALL_REFUSED.run(served);
  }
  return RESPONSE_CALL.run(served);
}

/** A call with an id that cannot be one: 400 once the API key is known (so it is logged), else 401. */
const RESPONSE_CALL_REFUSED = pipeline<Served>()
  .stage(authenticate)
  .stage(parseHeaders)
  .stage((s) => {
    throw new DetourError(
      "invalid_response_id",
      `${JSON.stringify(s.call?.id.slice(0, 80) ?? "")} is not a response id: an id has letters, digits, "_" and "-" only (resp_...).`,
      { param: "response_id" },
    );
  })
  .answer(respond)
  .onError(errorResponse);
