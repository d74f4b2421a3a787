/**
 * Detour API keys (`/v1/api-keys`). The key is shown once, in the answer to its creation; only
 * its SHA-256 hash and a display prefix are stored. Revocation drops the key from the gateway's
 * cache before the answer, so the next request with it gets 401 (management routes read the
 * database on every call).
 *
 * A key's default config (`default_config`) routes its requests that name none (docs/GATEWAY.md §2);
 * it must be a config of the workspace that is not deleted, else 400 naming it. Setting, changing or
 * clearing it drops the key from the gateway's cache on every instance before the answer, as a
 * change of its rate limits does, so the next request anywhere is routed by the new one.
 *
 * The key registered from DETOUR_ADMIN_API_KEY cannot be revoked here: every start registers it
 * again, so a revocation would silently undo itself. The operator changes or unsets the variable.
 */
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from "../crypto";
import { getDb } from "../db";
import { invalidateApiKeyHash } from "../gateway/cache/lookups";
import {
  createNamedApiKey,
  findApiKey,
  listApiKeys,
  revokeApiKey,
  updateApiKey,
  type ApiKeyRow,
  type SaveApiKeyResult,
} from "../store/api-keys";
import { createApiKeySchema, listApiKeysQuerySchema, updateApiKeySchema } from "./api-key-schemas";
import { rateLimitColumns, rateLimitsView } from "./rate-limit-schemas";
import { DetourError, issuesError } from "../errors";
import { notFound } from "./errors";
import { readJson, type ApiContext } from "./handler";
import { assertOwnWorkspace, iso, pageQuerySchema, paging, parseInput, queryObject } from "./input";

type IdParams = { id: string };

export function apiKeyView(k: ApiKeyRow) {
  return {
    object: "api-key",
    id: k.id,
    name: k.name,
    scope: k.scope,
    prefix: k.prefix,
    masked_key: `${k.prefix}...`,
    source: k.source,
    status: k.revokedAt ? "revoked" : "active",
    created_at: iso(k.createdAt),
    created_by: k.createdById,
    last_used_at: iso(k.lastUsedAt),
    revoked_at: iso(k.revokedAt),
    rate_limits: rateLimitsView(k),
    default_config: k.defaultConfigSlug,
  };
}

function unwrap<T>(result: SaveApiKeyResult<T>, id: string, name?: string): T {
  if (result.ok) return result;
  switch (result.reason) {
    case "name_taken":
      throw new DetourError(
        "name_taken",
        `An active API key named ${JSON.stringify(name)} already exists in this workspace; choose another name.`,
        { param: "name" },
      );
    case "revoked":
      throw new DetourError("api_key_revoked", `API key ${JSON.stringify(id)} is already revoked.`);
    case "config_not_found":
      throw issuesError("bad_request", [
        {
          path: "default_config",
          message: `config ${JSON.stringify(result.config)} does not exist in this workspace or was deleted; give the id (pc-...) of one of its configs, or null for none`,
        },
      ]);
    case "env_managed":
      throw new DetourError(
        "env_managed_key",
        `API key ${JSON.stringify(id)} comes from DETOUR_ADMIN_API_KEY and is registered again at every start; change or unset that variable and restart instead.`,
      );
    default:
      throw notFound("API key", id);
  }
}

export async function createApiKeyHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(createApiKeySchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  const key = generateApiKey();
  const hash = hashApiKey(key);
  const { row } = unwrap(
    await createNamedApiKey(getDb(), {
      workspaceId: principal.workspaceId,
      name: body.name,
      scope: body.scope,
      hash,
      prefix: apiKeyDisplayPrefix(key),
      createdById: principal.actor,
      ...rateLimitColumns(body.rate_limits),
      defaultConfig: body.default_config,
    }),
    "",
    body.name,
  );
  await invalidateApiKeyHash(hash);
  return Response.json({ ...apiKeyView(row), key }, { status: 201, headers: { "cache-control": "no-store" } });
}

export async function listApiKeysHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(pageQuerySchema.extend(listApiKeysQuerySchema.shape), queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const { total, rows } = await listApiKeys(getDb(), principal.workspaceId, { status: query.status, ...paging(query) });
  return Response.json({ object: "list", total, data: rows.map(apiKeyView) });
}

export async function getApiKeyHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const row = await findApiKey(getDb(), principal.workspaceId, params.id);
  if (!row) throw notFound("API key", params.id);
  return Response.json(apiKeyView(row));
}

/** PUT: the key's rate limits and default config; the gateway's cache entry is dropped (on every instance) before the answer. */
export async function updateApiKeyHandler({ request, principal, params }: ApiContext<IdParams>): Promise<Response> {
  const body = parseInput(updateApiKeySchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  if (body.rate_limits === undefined && body.default_config === undefined) {
    throw new DetourError("bad_request", "Nothing to change: send rate_limits, default_config (a config id, or null for none) or both.");
  }
  const { row, hash } = unwrap(
    await updateApiKey(getDb(), principal.workspaceId, params.id, {
      ...rateLimitColumns(body.rate_limits),
      defaultConfig: body.default_config,
    }),
    params.id,
  );
  await invalidateApiKeyHash(hash);
  return Response.json(apiKeyView(row));
}

export async function revokeApiKeyHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const { row, hash } = unwrap(await revokeApiKey(getDb(), principal.workspaceId, params.id), params.id);
  await invalidateApiKeyHash(hash);
  return Response.json(apiKeyView(row));
}
