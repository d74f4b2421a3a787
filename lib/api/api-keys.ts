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
 * A key may expire (`expires_at`) and may be limited to some models (`allowed_models`): both are
 * checked by the gateway at each request (an expired key also fails on management routes). A
 * rotation (`POST /v1/api-keys/{id}/rotate`) creates a key with the old one's settings, shown once,
 * and ends the old one after the grace period (at once by default): the old one then answers 401
 * `api_key_expired` naming its replacement's prefix. The new key inherits the old one's budget (a
 * copy: both keys have one while both work; the new key's spend starts from nothing).
 *
 * A key's `budget` (budget-schemas.ts) is written in the key's own transaction; the gateway's cached
 * budgets are dropped on every instance before the answer. Every answer shows it with its spend.
 *
 * The key registered from DETOUR_ADMIN_API_KEY cannot be revoked or rotated here: every start registers it
 * again, so a revocation would silently undo itself. The operator changes or unsets the variable.
 *
 * Every change is recorded in the audit trail (lib/audit/record.ts) with the key's view before and
 * after (never the key itself, which only the creation's answer holds): `api_key.create`,
 * `api_key.update`, `api_key.rotate` (the old key's view: `rotated_to` names its replacement),
 * `api_key.revoke`, and `budget.update` when its budget changes.
 */
import { recordBudgetChange } from "../audit/budget-change";
import { recordAudit } from "../audit/record";
import { hasRole } from "../auth/roles";
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from "../crypto";
import { getDb } from "../db";
import { invalidateApiKeyHash, invalidateWorkspaceBudgets } from "../gateway/cache/lookups";
import {
  apiKeyPrefixes,
  createNamedApiKey,
  findApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  updateApiKey,
  type ApiKeyRow,
  type SaveApiKeyResult,
} from "../store/api-keys";
import type { BudgetView } from "./budget-schemas";
import { budgetViewsOf } from "./budgets";
import { createApiKeySchema, listApiKeysQuerySchema, rotateApiKeySchema, updateApiKeySchema } from "./api-key-schemas";
import { lifecycleColumns, lifecycleView } from "./key-lifecycle-schemas";
import { rateLimitColumns, rateLimitsView } from "./rate-limit-schemas";
import { DetourError, issuesError } from "../errors";
import { notFound } from "./errors";
import { readJson, readOptionalJson, requireRole, type ApiContext, type Principal } from "./handler";
import { assertOwnWorkspace, iso, pageQuerySchema, paging, parseInput, queryObject } from "./input";

type IdParams = { id: string };

/** A key's status at `now`: revoked, else expired once past its expiry (a rotated key's grace period included), else active. */
function statusOf(k: ApiKeyRow, now: number): "active" | "expired" | "revoked" {
  if (k.revokedAt) return "revoked";
  return k.expiresAt && k.expiresAt.getTime() <= now ? "expired" : "active";
}

/**
 * How the API shows a key. `rotated_to` is the id of the key that replaced it in a rotation, with
 * that key's prefix (`rotated_to_prefix`) when the caller looked it up (null when unknown).
 */
export function apiKeyView(k: ApiKeyRow, rotatedToPrefix: string | null = null, budget: BudgetView | null = null, now = Date.now()) {
  return {
    object: "api-key",
    id: k.id,
    name: k.name,
    scope: k.scope,
    prefix: k.prefix,
    masked_key: `${k.prefix}...`,
    source: k.source,
    status: statusOf(k, now),
    created_at: iso(k.createdAt),
    created_by: k.createdById,
    last_used_at: iso(k.lastUsedAt),
    revoked_at: iso(k.revokedAt),
    rate_limits: rateLimitsView(k),
    default_config: k.defaultConfigSlug,
    ...lifecycleView(k),
    rotated_to: k.rotatedToId,
    rotated_to_prefix: k.rotatedToId ? rotatedToPrefix : null,
    budget,
  };
}

/** The views of `rows`, with the prefixes of the keys they were rotated to (one query) and their budgets (three at most). */
async function viewsOf(workspaceId: string, rows: ApiKeyRow[]) {
  const now = Date.now();
  const [prefixes, budgets] = await Promise.all([
    apiKeyPrefixes(
      getDb(),
      workspaceId,
      rows.flatMap((r) => (r.rotatedToId ? [r.rotatedToId] : [])),
    ),
    budgetViewsOf(
      getDb(),
      workspaceId,
      "api_key",
      rows.map((r) => r.id),
      now,
    ),
  ]);
  return rows.map((r) => apiKeyView(r, r.rotatedToId ? (prefixes.get(r.rotatedToId) ?? null) : null, budgets.get(r.id) ?? null, now));
}

type ApiKeyView = ReturnType<typeof apiKeyView>;

/** The audit trail's target fields for a key. */
const auditTarget = (view: ApiKeyView) => ({ targetType: "api_key", targetId: view.id, targetLabel: `${view.name} (${view.prefix}...)` });
const budgetSubject = (view: ApiKeyView) => ({ type: "api_key" as const, id: view.id, label: `${view.name} (${view.prefix}...)` });

/** A key's view before a change (null when there is no such key: the change then fails with 404). */
async function viewBefore(workspaceId: string, id: string): Promise<ApiKeyView | null> {
  const row = await findApiKey(getDb(), workspaceId, id);
  return row ? ((await viewsOf(workspaceId, [row]))[0] ?? null) : null;
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
    case "rotated":
      throw new DetourError(
        "api_key_rotated",
        `API key ${JSON.stringify(id)} was already rotated; rotate the key that replaced it (its rotated_to) instead.`,
      );
    case "expired":
      throw new DetourError(
        "api_key_expired",
        `API key ${JSON.stringify(id)} expired at ${result.at.toISOString()} and cannot be rotated; create a new key instead.`,
        { status: 409 },
      );
    default:
      throw notFound("API key", id);
  }
}

/**
 * Members manage gateway-scope keys; an admin-scope key (which acts as an admin) and any budget are
 * an admin's to create, change, rotate or revoke, so no one can mint more rights than they hold.
 */
async function requireRightsOver(principal: Principal, id: string, budget: unknown): Promise<void> {
  if (hasRole(principal.role, "admin")) return;
  if (budget !== undefined) requireRole(principal, "admin", "Setting a budget");
  const row = await findApiKey(getDb(), principal.workspaceId, id);
  if (row?.scope === "admin") requireRole(principal, "admin", "Changing an admin-scope API key");
}

export async function createApiKeyHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(createApiKeySchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  if (body.scope === "admin") requireRole(principal, "admin", "Creating an admin-scope API key");
  if (body.budget !== undefined) requireRole(principal, "admin", "Setting a budget");
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
      ...lifecycleColumns(body),
      budget: body.budget,
    }),
    "",
    body.name,
  );
  await invalidateApiKeyHash(hash);
  if (body.budget) await invalidateWorkspaceBudgets(principal.workspaceId);
  const view = (await viewsOf(principal.workspaceId, [row]))[0]!;
  await recordAudit(principal, { action: "api_key.create", ...auditTarget(view), before: null, after: view });
  await recordBudgetChange(principal, budgetSubject(view), null, view.budget);
  return Response.json({ ...view, key }, { status: 201, headers: { "cache-control": "no-store" } });
}

export async function listApiKeysHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(pageQuerySchema.extend(listApiKeysQuerySchema.shape), queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const { total, rows } = await listApiKeys(getDb(), principal.workspaceId, {
    status: query.status,
    ...paging(query),
    now: new Date(),
  });
  return Response.json({ object: "list", total, data: await viewsOf(principal.workspaceId, rows) });
}

export async function getApiKeyHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const row = await findApiKey(getDb(), principal.workspaceId, params.id);
  if (!row) throw notFound("API key", params.id);
  return Response.json((await viewsOf(principal.workspaceId, [row]))[0]);
}

/**
 * PUT: the key's rate limits, default config, expiry, allowed models and budget; the gateway's cache entries
 * are dropped (on every instance) before the answer.
 */
export async function updateApiKeyHandler({ request, principal, params }: ApiContext<IdParams>): Promise<Response> {
  const body = parseInput(updateApiKeySchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  await requireRightsOver(principal, params.id, body.budget);
  if (
    body.rate_limits === undefined &&
    body.default_config === undefined &&
    body.expires_at === undefined &&
    body.allowed_models === undefined &&
    body.budget === undefined
  ) {
    throw new DetourError(
      "bad_request",
      "Nothing to change: send rate_limits, default_config (a config id, or null for none), expires_at, allowed_models or budget (null removes any of them).",
    );
  }
  const before = await viewBefore(principal.workspaceId, params.id);
  const { row, hash } = unwrap(
    await updateApiKey(getDb(), principal.workspaceId, params.id, {
      ...rateLimitColumns(body.rate_limits),
      defaultConfig: body.default_config,
      ...lifecycleColumns(body),
      budget: body.budget,
    }),
    params.id,
  );
  await invalidateApiKeyHash(hash);
  if (body.budget !== undefined) await invalidateWorkspaceBudgets(principal.workspaceId);
  const after = (await viewsOf(principal.workspaceId, [row]))[0]!;
  await recordAudit(principal, { action: "api_key.update", ...auditTarget(after), before, after });
  if (body.budget !== undefined) await recordBudgetChange(principal, budgetSubject(after), before?.budget ?? null, after.budget);
  return Response.json(after);
}

/**
 * POST /{id}/rotate: a new key with the old one's settings and budget, shown once (201, as a creation); the old
 * one works for `grace_period_seconds` more (0: it stops now, answering 401 `api_key_expired` that
 * names the new key's prefix), never past its own expiry. Both keys leave the gateway's cache
 * before the answer.
 */
export async function rotateApiKeyHandler({ request, principal, params }: ApiContext<IdParams>): Promise<Response> {
  const body = parseInput(rotateApiKeySchema, await readOptionalJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  await requireRightsOver(principal, params.id, undefined);
  const key = generateApiKey();
  const hash = hashApiKey(key);
  const now = new Date();
  const before = await viewBefore(principal.workspaceId, params.id);
  const { row, old, oldHash, budgetCopied } = unwrap(
    await rotateApiKey(getDb(), principal.workspaceId, params.id, {
      hash,
      prefix: apiKeyDisplayPrefix(key),
      createdById: principal.actor,
      now,
      oldEndsAt: new Date(now.getTime() + body.grace_period_seconds * 1000),
    }),
    params.id,
  );
  await Promise.all([
    invalidateApiKeyHash(oldHash),
    invalidateApiKeyHash(hash),
    budgetCopied ? invalidateWorkspaceBudgets(principal.workspaceId) : undefined,
  ]);
  const [view, oldAfter] = await viewsOf(principal.workspaceId, [row, old]);
  await recordAudit(principal, { action: "api_key.rotate", ...auditTarget(oldAfter!), before, after: oldAfter });
  return Response.json(
    {
      ...view,
      key,
      rotated_from: old.id,
      old_key_expires_at: iso(old.expiresAt),
    },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
}

export async function revokeApiKeyHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  await requireRightsOver(principal, params.id, undefined);
  const before = await viewBefore(principal.workspaceId, params.id);
  const { row, hash } = unwrap(await revokeApiKey(getDb(), principal.workspaceId, params.id), params.id);
  await invalidateApiKeyHash(hash);
  const after = (await viewsOf(principal.workspaceId, [row]))[0]!;
  await recordAudit(principal, { action: "api_key.revoke", ...auditTarget(after), before, after });
  return Response.json(after);
}
