/**
 * Where a Responses API object lives: a response (`resp_...`) or conversation (`conv_...`) exists
 * only on the provider account (and Azure resource/deployment) that created it, so a follow-up
 * (`previous_response_id`, GET/DELETE/cancel by id) must go to that same target. Types only, no
 * Node imports: lib/logs/types.ts (which the dashboard may import) carries these rows.
 */

/** The target that created the object, as the engine resolved it. */
export type AffinityTarget = {
  provider: string;
  virtualKeyId: string | null;
  virtualKeySlug: string | null;
  virtualKeyVersion: number | null;
  /** Azure: the deployment. */
  deployment: string | null;
  /** What tells the provider's upstreams apart (the adapter's upstreamKey and custom host); opaque here. */
  upstream: string;
  /** credentialFingerprint() of the provider API key; never the key. */
  credential: string | null;
  configSlug: string | null;
  /** JSON path of the target, e.g. `config.targets[1]`. */
  targetPath: string;
};

export type AffinityKind = "response" | "conversation";

/** One ResponseAffinity row: primary key (workspaceId, id). */
export type AffinityRecord = AffinityTarget & { workspaceId: string; id: string; kind: AffinityKind; createdAt: Date };
