/**
 * Conversation affinity for OpenAI's Responses API (docs/GATEWAY.md §1.4). A stored response, and a
 * conversation, live on the provider account that created them; a follow-up (`previous_response_id`,
 * `conversation`) and every call on a stored response (GET, DELETE, cancel, input items) must reach
 * that same target, whichever Detour instance receives it. Detour records "id -> target" when a
 * response is created (the affinity store: this instance at once, other instances through Redis,
 * the database through the log writer) and here:
 *
 * - `findOrigin` looks up the id the request continues;
 * - `originRouting` routes a request that names no target by its origin's virtual key;
 * - `pinToOrigin` replaces the routing tree by the origin's one target (the config's leaf when it
 *   lists it, with its retry and timeout settings; else the virtual key alone). A call on a response
 *   Detour has no record of tries the config's targets in turn until one answers other than 404;
 * - `settleOrigin` turns a pinned request whose origin failed (a timeout, a broken connection, 429,
 *   5xx, an open circuit) into a 503 `response_origin_unavailable` naming the target and the reason,
 *   or, when the config sets `affinity.on_origin_failure: "fallback_without_state"`, routes the
 *   request again over the config's other targets without `previous_response_id` / `conversation`.
 */
import { type AffinityRecord, type AffinityTarget, credentialFingerprint, lookupAffinity, rememberAffinity } from "../affinity";
import { DetourError, errorBody } from "../../errors";
import { isRecord } from "../../is-record";
import { RESPONSES_ENDPOINTS } from "../providers/types";
import { listRouteLeaves, type AttemptRecord, type RouteLeaf, type RouteNode, type RouteResult } from "../router";
import type { UpstreamPayload } from "./attempt";
import { resolveRouting, type ResolvedTarget, type Routing } from "./resolve-targets";
import type { Resolved, WithBody } from "./served";
import { copyOf, withChanges } from "../../object";

/** A request pinned to its origin: the record, the origin's leaf, and the config's tree before pinning. */
export type Pinned = {
  record: AffinityRecord;
  /** The origin's target (the config's leaf, or the virtual key's own). */
  leaf: RouteLeaf<ResolvedTarget>;
  /** The config's tree before pinning: where a fallback without state goes. */
  full: RouteNode<ResolvedTarget>;
};

/** The id a Responses request continues, and what it is. */
export type Continued = { id: string; kind: AffinityRecord["kind"] };

/** The conversation a create or token count names: `conversation: "conv_..."` or `{id: "conv_..."}`. */
export function conversationOf(body: Record<string, unknown>): string | null {
  const c = body.conversation;
  if (typeof c === "string" && c) return c;
  if (isRecord(c) && typeof c.id === "string" && c.id) return c.id;
  return null;
}

/** The stored response or conversation a request continues: the path's id, `previous_response_id`, else `conversation`. */
export function continuedId(s: WithBody): Continued | null {
  if (!RESPONSES_ENDPOINTS.has(s.endpoint)) return null;
  if (s.call) return { id: s.call.id, kind: "response" };
  const previous = s.body.previous_response_id;
  if (typeof previous === "string" && previous) return { id: previous, kind: "response" };
  const conversation = conversationOf(s.body);
  return conversation ? { id: conversation, kind: "conversation" } : null;
}

/** What tells a target's upstream account apart: provider, the adapter's upstream key, the custom host. */
export function upstreamIdentity(target: ResolvedTarget): string {
  return `${target.provider}\0${target.adapter.upstreamKey(target.creds)}\0${target.creds.customHost ?? ""}`;
}

/** The record of a target, for a new response or conversation it holds. */
export function affinityTarget(
  target: ResolvedTarget,
  path: string,
  deployment: string | undefined,
  configSlug: string | null,
): AffinityTarget {
  return {
    provider: target.provider,
    virtualKeyId: target.virtualKey?.id ?? null,
    virtualKeySlug: target.virtualKey?.slug ?? null,
    virtualKeyVersion: target.virtualKey?.version ?? null,
    deployment: deployment ?? null,
    upstream: upstreamIdentity(target),
    // A provider key given in the request (not a virtual key) is known by a keyed fingerprint only.
    credential: target.virtualKey ? null : credentialFingerprint(target.creds.apiKey),
    configSlug,
    targetPath: path,
  };
}

/** Records that `id` lives on `target` (this instance at once, Redis in the background) and returns the row for the log. */
export function rememberOrigin(
  s: Resolved,
  id: string,
  kind: AffinityRecord["kind"],
  leaf: { target: ResolvedTarget; path: string },
  deployment: string | undefined,
): AffinityRecord {
  const record: AffinityRecord = withChanges(affinityTarget(leaf.target, leaf.path, deployment, s.routing.config?.slug ?? null), {
    workspaceId: s.key.workspaceId,
    id,
    kind,
    createdAt: new Date(),
  });
  rememberAffinity(record);
  s.created.push(record);
  return record;
}

/** Stage: the origin of the response or conversation the request continues (null when unknown or none). */
export function findOrigin(s: WithBody): Promise<void> | undefined {
  const continued = continuedId(s);
  if (!continued) return undefined;
  return lookupAffinity(s.key.workspaceId, continued.id).then(
    (record) => {
      s.origin = record;
    },
    (err: unknown) => {
      // Unknown is not "nowhere": routing by the config could send the follow-up to an account without it.
      throw new DetourError(
        "response_origin_unavailable",
        `Detour could not look up which target holds ${continued.kind} ${continued.id}: ${err instanceof Error ? err.message : String(err)}. Retry shortly.`,
      );
    },
  );
}

/** Routing for a request that names no target but continues a response whose origin is a virtual key. */
export async function originRouting(s: WithBody): Promise<Routing | null> {
  const slug = s.origin?.virtualKeySlug;
  if (!slug) return null;
  return resolveRouting(withChanges(s.ctx, { config: null, virtualKey: slug, direct: null }), s.key.workspaceId);
}

/** How a record's target is named in messages: `openai (virtual key "openai-prod" v2, deployment "gpt-4o")`. */
export function describeOrigin(record: AffinityTarget): string {
  const parts: string[] = [];
  if (record.virtualKeySlug) {
    parts.push(
      `virtual key ${JSON.stringify(record.virtualKeySlug)}${record.virtualKeyVersion === null ? "" : ` v${record.virtualKeyVersion}`}`,
    );
  } else {
    parts.push("a provider key given in the request");
  }
  if (record.deployment) parts.push(`deployment ${JSON.stringify(record.deployment)}`);
  const where = record.configSlug
    ? `, ${record.configSlug} ${record.targetPath}`
    : record.targetPath === "config"
      ? ""
      : `, ${record.targetPath}`;
  return `${record.provider} (${parts.join(", ")}${where})`;
}

function matchesOrigin(target: ResolvedTarget, record: AffinityRecord): boolean {
  if (record.virtualKeyId !== null) return target.virtualKey?.id === record.virtualKeyId;
  return (
    target.virtualKey === null &&
    target.provider === record.provider &&
    upstreamIdentity(target) === record.upstream &&
    credentialFingerprint(target.creds.apiKey) === record.credential
  );
}

function whatIsContinued(record: AffinityRecord): string {
  return record.kind === "conversation" ? `Conversation ${record.id}` : `Response ${record.id}`;
}

/**
 * Stage: the routing tree of a Responses request that continues a known response or conversation
 * becomes its origin's one target; a call on a response with no record searches the config's targets.
 */
export async function pinToOrigin(s: Resolved): Promise<void> {
  if (!RESPONSES_ENDPOINTS.has(s.endpoint)) return;
  const record = s.origin;
  if (!record) {
    if (s.call) s.routing = withChanges(s.routing, { tree: searchTree(s.routing.tree) });
    return;
  }
  const leaves = listRouteLeaves(s.routing.tree);
  let leaf = leaves.find((l) => matchesOrigin(l.target, record));
  if (!leaf && record.virtualKeySlug) {
    try {
      const own = listRouteLeaves(
        (await resolveRouting(withChanges(s.ctx, { config: null, virtualKey: record.virtualKeySlug, direct: null }), s.key.workspaceId))
          .tree,
      );
      leaf = own.find((l) => matchesOrigin(l.target, record));
      if (!leaf) throw new Error(`virtual key ${JSON.stringify(record.virtualKeySlug)} now names another key`);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DetourError(
        "response_origin_not_routable",
        `${whatIsContinued(record)} lives on ${describeOrigin(record)}, which this request cannot reach: ${why}`,
      );
    }
  }
  if (!leaf) {
    throw new DetourError(
      "response_origin_not_routable",
      `${whatIsContinued(record)} lives on ${describeOrigin(record)}; this request's targets do not include that provider key. Send it with the config or provider key that created it.`,
    );
  }
  s.pinned = { record, leaf, full: s.routing.tree };
  s.routing = withChanges(s.routing, { tree: copyOf(leaf) });
}

/**
 * The config's targets as a fallback over each distinct one, moving on from any failure (a 404
 * included): a call on a response Detour has no record of is tried where it may live.
 */
function searchTree(tree: RouteNode<ResolvedTarget>): RouteNode<ResolvedTarget> {
  const seen = new Set<string>();
  const leaves: RouteLeaf<ResolvedTarget>[] = [];
  for (const leaf of listRouteLeaves(tree)) {
    const id = leaf.target.virtualKey ? `vk:${leaf.target.virtualKey.id}` : `${upstreamIdentity(leaf.target)}\0${leaf.target.creds.apiKey}`;
    if (seen.has(id)) continue;
    seen.add(id);
    leaves.push(leaf);
  }
  if (leaves.length === 1) return leaves[0]!;
  return {
    kind: "strategy",
    path: tree.path,
    strategy: { mode: "fallback" },
    children: leaves.map((node) => ({ weight: 1, node })),
    settings: tree.settings,
  };
}

/** Whether a pinned attempt's outcome means its target is failing (not an answer to pass on). */
export function originFailed(result: RouteResult<ResolvedTarget, UpstreamPayload>): boolean {
  const { outcome } = result;
  if (outcome.status >= 200 && outcome.status < 300) return false;
  if (outcome.errorClass && outcome.errorClass !== "aborted") return true;
  return outcome.status === 408 || outcome.status === 429 || outcome.status >= 500;
}

/** Why the origin failed, for the error: the last attempt's reason or status. */
function failureReason(result: RouteResult<ResolvedTarget, UpstreamPayload>): string {
  const payload = result.outcome.response;
  if (payload?.kind === "error") return `status ${result.outcome.status}: ${payload.message}`;
  return result.outcome.errorClass ? `${result.outcome.errorClass} (status ${result.outcome.status})` : `status ${result.outcome.status}`;
}

/**
 * A pinned request whose origin failed, answered by Detour: 503 `response_origin_unavailable`, the
 * attempts kept for the log. The upstream's headers are not passed on.
 */
export function originUnavailable(
  s: Resolved,
  result: RouteResult<ResolvedTarget, UpstreamPayload>,
): RouteResult<ResolvedTarget, UpstreamPayload> {
  const record = s.pinned!.record;
  const canFallBack = !s.call;
  const hint = canFallBack
    ? ' Detour does not fall back: another target does not hold it. Retry later, or set "affinity": {"on_origin_failure": "fallback_without_state"} in the config to fall back without the conversation\'s state.'
    : " Only that target holds it.";
  const body = errorBody(
    "response_origin_unavailable",
    `${whatIsContinued(record)} lives on ${describeOrigin(record)}, which is failing: ${failureReason(result)}.${hint}`,
  );
  return withChanges(result, {
    outcome: {
      status: 503,
      response: { kind: "error", body, headers: null, gateway: true, message: body.error.message },
    },
  });
}

/** The body for a fallback without the conversation's state: the follow-up fields removed. */
export function withoutState(body: Record<string, unknown>): Record<string, unknown> {
  const { previous_response_id: _previous, conversation: _conversation, ...rest } = body;
  return rest;
}

/**
 * The config's tree without the origin's target: where a fallback without state may go (null when
 * nothing is left). A conditional node keeps its children (its conditions name them).
 */
export function treeWithoutOrigin(tree: RouteNode<ResolvedTarget>, record: AffinityRecord): RouteNode<ResolvedTarget> | null {
  if (tree.kind === "leaf") return matchesOrigin(tree.target, record) ? null : tree;
  if (tree.strategy.mode === "conditional") return tree;
  const children = tree.children.flatMap((child) => {
    const node = treeWithoutOrigin(child.node, record);
    return node ? [withChanges(child, { node })] : [];
  });
  if (children.length === 0) return null;
  return withChanges(tree, { children });
}

/** Two routings of one request as one result: the second's answer, every attempt in order. */
export function joinResults(
  first: RouteResult<ResolvedTarget, UpstreamPayload>,
  second: RouteResult<ResolvedTarget, UpstreamPayload>,
): RouteResult<ResolvedTarget, UpstreamPayload> {
  const reason = `fallback without state: ${failureReason(first)}`;
  const attempts: AttemptRecord<ResolvedTarget>[] = [
    ...first.attempts.map((a, i) => (i === first.attempts.length - 1 && a.reason === undefined ? withChanges(a, { reason }) : a)),
    ...second.attempts.map((a, i) => withChanges(a, { index: first.attempts.length + i })),
  ];
  return withChanges(second, { attempts, fallbackUsed: true });
}
