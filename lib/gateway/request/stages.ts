/**
 * The stages of an inference request before its answer (handle-inference.ts lists them in order).
 * Each takes the context typed as the stages before it leave it (served.ts) and fills in its part.
 */
import { getEnv } from "../../env";
import { apiKeyExpiredMessage, presentedApiKey } from "../../auth/api-key";
import { isRecord } from "../../is-record";
import { lookupApiKey, markUsed } from "../cache/lookups";
import { type CacheScope, DEFAULT_MAX_AGE_S, getResponseCache, responseCacheKey } from "../cache/response-cache";
import { circuitRouteOptions } from "../circuit/hooks";
import { type BalanceHooks, balanceRouteOptions } from "../balance/hooks";
import { DetourError } from "../../errors";
import { timeoutErrorBody } from "../errors";
import { apiKeySubjects, enforceRateLimits, virtualKeySubjects } from "../rate-limit/checks";
import { reserveBudgets } from "../../budgets/enforce";
import { workspacePrices } from "../../pricing/workspace-prices";
import { modelAllowed } from "../model-allow";
import { hasMeasuredLeaf, listRouteLeaves, route } from "../router";
import { ADAPTER_LIST } from "../providers/registry";
import { type Endpoint, RESPONSES_ENDPOINTS, wireOf } from "../providers/types";
import {
  conversationOf,
  joinResults,
  originFailed,
  originRouting,
  originUnavailable,
  rememberOrigin,
  treeWithoutOrigin,
  withoutState,
} from "./origin";
import { createAttempt, type UpstreamPayload } from "./attempt";
import { bodyLimits, readJsonBody } from "./body";
import { parseRequestContext } from "./headers";
import { resolveRouting, type ResolvedTarget } from "./resolve-targets";
import { respondFromCache } from "./respond";
import { clientSignal } from "./client-signal";
import {
  fill,
  trackedSleep,
  type Authenticated,
  type CachePlan,
  type Resolved,
  type Routed,
  type Served,
  type WithBody,
  type WithHeaders,
} from "./served";

/**
 * The Detour API key (x-portkey-api-key): 401 when it is missing, unknown, revoked or expired. The
 * expiry is checked against the clock now: the key may have been cached before it passed.
 */
export async function authenticate(s: Served): Promise<Authenticated> {
  const presented = presentedApiKey(s.request.headers);
  if (!presented) throw new DetourError("missing_api_key", "Missing Detour API key: send it in the x-portkey-api-key header.");
  const key = await lookupApiKey(presented);
  if (!key) throw new DetourError("invalid_api_key", "Invalid or revoked Detour API key.");
  const expired = apiKeyExpiredMessage(key);
  if (expired) throw new DetourError("api_key_expired", expired);
  return fill(s, "key", key);
}

/** The x-portkey-* request headers, parsed once: 400 naming a bad one. */
export function parseHeaders(s: Authenticated): WithHeaders {
  return fill(s, "ctx", parseRequestContext(s.request.headers));
}

/** The API key's own limits: 429 when one is reached. A key without limits costs no await. */
export function rateLimitByApiKey(s: Authenticated): Promise<void> | undefined {
  const subjects = apiKeySubjects(s.key);
  return subjects.length ? enforceRateLimits(subjects) : undefined;
}

/** The JSON body, within the size and time limits (413, 408; 400 when it is not a JSON object). */
export async function readBody(s: WithHeaders): Promise<WithBody> {
  const { body, text } = await readJsonBody(s.request, bodyLimits(), s.timing);
  return fill(fill(s, "body", body), "requestText", text);
}

/** The endpoints whose body names its model: without one, a key with an allow-list refuses the request. */
const MODEL_NAMED: ReadonlySet<Endpoint> = new Set(["chat/completions", "completions", "embeddings", "messages", "responses"]);

/** How many patterns a refusal lists before "and N more". */
const LISTED_PATTERNS = 20;

/**
 * The API key's `allowed_models`, before any routing: the body's `model` must match one of them,
 * else 403 `model_not_allowed` naming the model (or saying the request names none, on an endpoint
 * whose body names one). A key without a list allows any model.
 */
export function checkAllowedModels(s: WithBody): undefined {
  const allowed = s.key.allowedModels;
  if (!allowed) return undefined;
  const model = typeof s.body.model === "string" ? s.body.model : null;
  if (model !== null ? modelAllowed(allowed, model) : !MODEL_NAMED.has(s.endpoint)) return undefined;
  const shown =
    allowed.slice(0, LISTED_PATTERNS).join(", ") +
    (allowed.length > LISTED_PATTERNS ? `, and ${allowed.length - LISTED_PATTERNS} more` : "");
  const what = model !== null ? `Model ${JSON.stringify(model)} is not allowed` : "A request that names no model is not allowed";
  throw new DetourError("model_not_allowed", `${what} for this API key (${s.key.name}): it allows ${shown}.`, { param: "model" });
}

/** A call on one stored response has no body: the context gets an empty one. */
export function noBody(s: WithHeaders): WithBody {
  return fill(fill(s, "body", {}), "requestText", "");
}

/**
 * Config (saved, inline, a virtual key, direct mode, else the API key's default config) and its
 * targets with their credentials. A Responses request that names none but continues a response
 * whose origin is a virtual key is routed by that key (origin.ts).
 */
export async function resolveTargets(s: WithBody): Promise<Resolved> {
  try {
    return fill(s, "routing", await resolveRouting(s.ctx, s.key.workspaceId, s.key.defaultConfigSlug));
  } catch (err) {
    const routing = err instanceof DetourError && err.code === "no_target" ? await originRouting(s) : null;
    if (!routing) throw err;
    return fill(s, "routing", routing);
  }
}

/** The limits of every virtual key the targets can use, each counted once, before any upstream call: 429. */
export function rateLimitByVirtualKeys(s: Resolved): Promise<void> | undefined {
  const subjects = virtualKeySubjects(s.routing);
  return subjects.length ? enforceRateLimits(subjects) : undefined;
}

/**
 * The response cache, for non-streaming requests whose config sets `cache` at its top level: sets
 * the plan and the cache status; a fresh cached answer (not asked to refresh) answers the request.
 */
export function cacheLookup(s: Resolved): Promise<Response | undefined> | undefined {
  const settings = s.routing.tree.settings.cache;
  // A Responses create makes a stored response (an id, a conversation's state): never answered from a cache.
  if (!settings || s.body.stream === true || RESPONSES_ENDPOINTS.has(s.endpoint)) return undefined;
  s.cacheStatus = s.ctx.cacheForceRefresh ? "REFRESH" : "MISS";
  const plan: CachePlan = { key: responseCacheKey(cacheScope(s)), ttlMs: (settings.maxAgeSeconds ?? DEFAULT_MAX_AGE_S) * 1000 };
  s.cache = plan;
  return s.cacheStatus === "MISS" ? cachedAnswer(s, plan.key) : undefined;
}

/** The client headers some provider passes upstream as sent (Anthropic's `anthropic-version`, `anthropic-beta`). */
const CLIENT_HEADER_NAMES: readonly string[] = [...new Set(ADAPTER_LIST.flatMap((a) => a.clientHeaders?.names ?? []))].sort();

/** Everything besides the body that the answer depends on (response-cache.ts CacheScope). */
function cacheScope(s: Resolved): CacheScope {
  const { ctx, routing } = s;
  const config = routing.config
    ? `saved:${routing.config.id}@${routing.config.version}`
    : ctx.config?.kind === "inline"
      ? `inline:${ctx.config.text}`
      : null;
  const targets = listRouteLeaves(routing.tree).map(({ target: t }) =>
    t.virtualKey ? `${t.provider}:${t.virtualKey.id}@${t.virtualKey.version}` : t.provider,
  );
  const clientHeaders: [string, string][] = [];
  for (const name of CLIENT_HEADER_NAMES) {
    const value = s.request.headers.get(name);
    if (value !== null) clientHeaders.push([name, value]);
  }
  return {
    workspaceId: s.key.workspaceId,
    endpoint: s.endpoint,
    config,
    virtualKey: ctx.virtualKey,
    direct: ctx.direct ? { provider: ctx.direct.provider, apiKey: ctx.direct.apiKey, fields: ctx.direct.fields ?? null } : null,
    customHost: ctx.customHost,
    targets,
    clientHeaders,
    body: s.body,
  };
}

async function cachedAnswer(s: Resolved, key: string): Promise<Response | undefined> {
  const hit = await getResponseCache().get(key);
  if (!hit) return undefined;
  // What the hit saved is priced like its answer was: the workspace's overrides first (cached in memory).
  await loadPrices(s);
  return respondFromCache(s, hit);
}

/** The workspace's price overrides (cached per workspace): its answers and budgets are priced with them. */
export async function loadPrices(s: Authenticated): Promise<void> {
  s.prices = await workspacePrices(s.key.workspaceId);
}

/**
 * The request's budgets (docs/GATEWAY.md §12), after the cache (a cached answer costs nothing) and
 * before any upstream call: its worst-case cost reserved on each, or 429 `budget_exceeded` / 400
 * `price_unknown`. Released and charged when the log row is built (served.ts).
 */
export async function reserveBudget(s: Resolved): Promise<void> {
  const hold = await reserveBudgets({
    prices: s.prices ?? undefined,
    id: s.logId,
    key: s.key,
    routing: s.routing,
    endpoint: s.endpoint,
    body: s.body,
    requestText: s.requestText,
  });
  if (hold) s.budget = hold;
}

/** The endpoints that answer with an event stream when the body says `stream: true`. */
const STREAMING_ENDPOINTS: ReadonlySet<Endpoint> = new Set(["chat/completions", "completions", "messages", "responses"]);

/** Whether the request asks for an event stream: `stream: true`, or a resumed response stream (`GET /v1/responses/{id}?stream=true`). */
function wantsStream(s: Resolved): boolean {
  if (s.call)
    return s.endpoint === "responses/{id}" && s.call.method === "GET" && s.call.query.some(([k, v]) => k === "stream" && v === "true");
  return s.body.stream === true && STREAMING_ENDPOINTS.has(s.endpoint);
}

/**
 * The router over the targets, each attempt an upstream call (retries, fallbacks, timeouts, circuit
 * breakers). A Responses request pinned to its origin that fails there is answered 503, or routed
 * again over the config's other targets without its state when the config says so (origin.ts).
 */
export async function routeUpstream(s: Resolved): Promise<Routed> {
  let result = await routeOnce(s, s.routing.tree, s.body);
  const pinned = s.pinned;
  if (pinned) {
    s.affinity = "pinned";
    if (originFailed(result)) {
      const rest =
        !s.call && pinned.full.settings.onOriginFailure === "fallback_without_state" ? treeWithoutOrigin(pinned.full, pinned.record) : null;
      if (rest) {
        s.affinity = "fallback_without_state";
        result = joinResults(result, await routeOnce(s, rest, withoutState(s.body)));
      } else {
        result = originUnavailable(s, result);
      }
    }
  }
  const ok = result.outcome.status >= 200 && result.outcome.status < 300;
  // A conversation first used here lives on the target that answered.
  const conversation = ok && s.endpoint === "responses" && s.affinity !== "fallback_without_state" ? conversationOf(s.body) : null;
  if (conversation && !s.origin)
    rememberOrigin(
      s,
      conversation,
      "conversation",
      result,
      result.outcome.response?.kind === "error" ? undefined : result.outcome.response?.deployment,
    );
  markUsed(s.key.id, [...new Set(result.attempts.flatMap((a) => (a.target.virtualKey ? [a.target.virtualKey.id] : [])))]);
  return fill(s, "result", result);
}

const NOT_MEASURED: Partial<BalanceHooks> = {};

function routeOnce(s: Resolved, tree: Resolved["routing"]["tree"], body: Record<string, unknown>) {
  const wire = wireOf(s.endpoint);
  const stream = wantsStream(s);
  // OpenAI's wire reports a stream's usage only when asked: Detour asks, and strips the chunk again.
  const callerWantsUsage = wire !== "openai" || (isRecord(body.stream_options) && body.stream_options.include_usage === true);
  // A created response is recorded where it lives (unless it is not stored: then nobody can continue it).
  const records = s.endpoint === "responses" && body.store !== false;
  // The figures' state (and with Redis its sharing) exists once a tree measures a leaf; other trees skip it.
  const { balance, track } = hasMeasuredLeaf(tree) ? balanceRouteOptions(s.key.workspaceId, body) : NOT_MEASURED;
  return route<ResolvedTarget, UpstreamPayload>(tree, {
    attempt: createAttempt({
      endpoint: s.endpoint,
      wire,
      requestHeaders: s.request.headers,
      body,
      stream,
      stripUsageChunk: stream && !callerWantsUsage,
      maxLogBytes: 32 * 1024,
      timing: s.timing,
      trace: s.trace,
      track,
      ...(s.call ? { call: s.call } : {}),
      ...(records ? { onResponseId: (id, leaf, deployment) => void rememberOrigin(s, id, "response", leaf, deployment) } : {}),
    }),
    signal: clientSignal(s.request),
    metadata: s.ctx.metadata ?? {},
    params: body,
    maxAttempts: getEnv().DETOUR_MAX_UPSTREAM_ATTEMPTS,
    ...circuitRouteOptions(s.key.workspaceId),
    balance,
    // A create that stores its response, or a call that changes one, is not sent twice by a hedge (unless the config allows it).
    nonIdempotent: records || (s.call ? s.call.method !== "GET" : false),
    sleep: (ms, signal) => trackedSleep(s, ms, signal),
    timeoutResponse,
  });
}

/** The answer of an attempt past its request_timeout: Detour's 408. */
function timeoutResponse({ timeoutMs }: { timeoutMs: number }): UpstreamPayload {
  const errorBody = timeoutErrorBody(timeoutMs);
  return { kind: "error", body: errorBody, headers: null, gateway: true, message: errorBody.error.message };
}
