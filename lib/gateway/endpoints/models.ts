/**
 * GET /v1/models: the models reachable with the caller's config or virtual key, else its API key's
 * default config (all the workspace's active virtual keys when there is none of these): what each target's adapter lists
 * (`listModels`: Azure's deployments' model names), else the provider's own list fetched with the
 * key (`modelsRequest`: OpenAI's GET /models, bounded in time). An API key with `allowed_models`
 * sees only the models its list allows, and a target whose virtual key has a list lists only what
 * it allows; an expired API key is refused as on inference.
 */
import type { Readable } from "node:stream";
import { apiKeyExpiredMessage, presentedApiKey } from "../../auth/api-key";
import { DetourError } from "../../errors";
import { isRecord } from "../../is-record";
import { parseRequestContext, toHeaderValue, type RequestContext } from "../request/headers";
import { resolveRouting, type ResolvedTarget } from "../request/resolve-targets";
import { listRouteLeaves, type RouteNode } from "../router";
import { lookupActiveVirtualKeySlugs, lookupApiKey } from "../cache/lookups";
import { modelAllowed } from "../model-allow";
import { discardBody, sendUpstream } from "../upstream/agent";
import { withChanges } from "../../object";

const UPSTREAM_TIMEOUT_MS = 10_000;

type ModelEntry = { id: string; object: "model"; created: number; owned_by: string };

export async function handleModels(request: Request): Promise<Response> {
  try {
    const presented = presentedApiKey(request.headers);
    if (!presented) throw new DetourError("missing_api_key", "Missing Detour API key: send it in the x-portkey-api-key header.");
    const key = await lookupApiKey(presented);
    if (!key) throw new DetourError("invalid_api_key", "Invalid or revoked Detour API key.");
    const expired = apiKeyExpiredMessage(key);
    if (expired) throw new DetourError("api_key_expired", expired);
    const ctx = parseRequestContext(request.headers);
    const leaves: ResolvedTarget[] = [];
    if (ctx.config || ctx.virtualKey || ctx.direct || key.defaultConfigSlug) {
      // What the request names, else the API key's default config (as for inference, docs/GATEWAY.md §2).
      leaves.push(...targetsOf((await resolveRouting(ctx, key.workspaceId, key.defaultConfigSlug)).tree));
    } else {
      for (const slug of await lookupActiveVirtualKeySlugs(key.workspaceId)) {
        leaves.push(...(await unexpiredTargetsOf(ctx, slug, key.workspaceId)));
      }
    }
    const lists = await Promise.all(leaves.map((t) => allowedModelsOf(t, request.signal)));
    const seen = new Map<string, ModelEntry>();
    const allowed = key.allowedModels;
    for (const entry of lists.flat()) {
      if (!seen.has(entry.id) && (!allowed || modelAllowed(allowed, entry.id))) seen.set(entry.id, entry);
    }
    return Response.json({ object: "list", data: [...seen.values()] }, { headers: { "x-portkey-trace-id": toHeaderValue(ctx.traceId) } });
  } catch (err) {
    const error =
      err instanceof DetourError ? err : new DetourError("internal_error", "Detour hit an unexpected error while listing models.");
    return Response.json(error.toBody(), { status: error.status, headers: { "x-portkey-gateway-exception": "true" } });
  }
}

/** The targets of one of the workspace's active keys; none once it has expired (it cannot serve a request). */
async function unexpiredTargetsOf(ctx: RequestContext, slug: string, workspaceId: string): Promise<ResolvedTarget[]> {
  try {
    return targetsOf((await resolveRouting(withChanges(ctx, { virtualKey: slug }), workspaceId)).tree);
  } catch (err) {
    if (err instanceof DetourError && err.code === "virtual_key_expired") return [];
    throw err;
  }
}

function targetsOf(tree: RouteNode<ResolvedTarget>): ResolvedTarget[] {
  return listRouteLeaves(tree).map((leaf) => leaf.target);
}

/**
 * One entry of a provider's list in OpenAI's shape: OpenAI's own entries as they are; others
 * (Anthropic's `{type: "model", id, display_name, created_at}`) get `created` from `created_at`
 * and the provider as `owned_by`.
 */
function modelEntry(m: unknown, provider: string): ModelEntry[] {
  if (!isRecord(m) || typeof m.id !== "string" || !m.id) return [];
  const createdAt = typeof m.created_at === "string" ? Date.parse(m.created_at) : Number.NaN;
  const created =
    typeof m.created === "number" && Number.isFinite(m.created) ? m.created : Number.isNaN(createdAt) ? 0 : Math.floor(createdAt / 1000);
  const ownedBy = typeof m.owned_by === "string" && m.owned_by ? m.owned_by : provider;
  return [{ id: m.id, object: "model", created, owned_by: ownedBy }];
}

async function allowedModelsOf(target: ResolvedTarget, clientSignal: AbortSignal): Promise<ModelEntry[]> {
  const allowed = target.virtualKey?.allowedModels;
  const entries = await modelsOf(target, clientSignal);
  return allowed ? entries.filter((m) => modelAllowed(allowed, m.id)) : entries;
}

async function modelsOf(target: ResolvedTarget, clientSignal: AbortSignal): Promise<ModelEntry[]> {
  const listed = target.adapter.listModels?.(target.creds) ?? [];
  const request = listed.length ? undefined : target.adapter.modelsRequest?.(target.creds);
  if (!request) return listed.map((id) => ({ id, object: "model", created: 0, owned_by: target.provider }));
  try {
    const res = await sendUpstream(request, AbortSignal.any([clientSignal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]));
    if (res.statusCode !== 200) {
      discardBody(res.body as Readable);
      return [];
    }
    const json = (await res.body.json()) as { data?: unknown } | unknown[] | null;
    // Together AI answers a bare array rather than OpenAI's {object: "list", data}.
    const list = Array.isArray(json) ? json : json?.data;
    return Array.isArray(list) ? list.flatMap((m) => modelEntry(m, target.provider)) : [];
  } catch {
    return [];
  }
}
