/**
 * The interface of a provider module (README.md in this folder): the data part the browser may load
 * too (`ProviderInfo`, listed in catalog.ts) and the adapter the gateway calls (`ProviderAdapter`,
 * listed in registry.ts). Adapters are data and pure functions that turn a request body and plain
 * credentials into the upstream request, and an upstream error into OpenAI's error shape. No HTTP
 * and no framework here: the caller sends the request and streams the answer.
 */
import type { z } from "zod";
import type { ProviderId } from "./catalog";

export type { ProviderId, ProviderTargetKey } from "./catalog";

/**
 * The inference endpoints, by path below `/v1/`: OpenAI's (chat completions, legacy completions,
 * embeddings, the Responses API), Anthropic's (messages, token counting). The Responses API's reads
 * of one stored response are endpoints too, named by their path template (`responses/{id}`): the id
 * travels beside the body (`ResourceCall`). A provider serves some of them and refuses the rest with
 * a 400 `endpoint_not_supported`.
 */
export const ENDPOINTS = [
  "chat/completions",
  "completions",
  "embeddings",
  "messages",
  "messages/count_tokens",
  "responses",
  "responses/input_tokens",
  "responses/{id}",
  "responses/{id}/cancel",
  "responses/{id}/input_items",
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The Responses API's endpoints: the create, token counting, and the calls on one stored response. */
export const RESPONSES_ENDPOINTS: ReadonlySet<Endpoint> = new Set([
  "responses",
  "responses/input_tokens",
  "responses/{id}",
  "responses/{id}/cancel",
  "responses/{id}/input_items",
]);

/** The calls on one stored response (GET, DELETE, cancel, input items): they carry its id, not a body. */
export type ResourceEndpoint = "responses/{id}" | "responses/{id}/cancel" | "responses/{id}/input_items";

/**
 * A call on one stored resource: the HTTP method, the id that fills the template's `{id}` (checked
 * by the route: letters, digits, `_` and `-`), and the query passed on (`stream`, `starting_after`,
 * `include`, paging).
 */
export type ResourceCall = { method: "GET" | "DELETE" | "POST"; id: string; query: [string, string][] };

/** The path below the provider's base for an endpoint: the template with the id filled in. */
export function endpointPath(endpoint: Endpoint, call?: ResourceCall): string {
  return call ? endpoint.replace("{id}", encodeURIComponent(call.id)) : endpoint;
}

/**
 * The API a client speaks on an endpoint: its request, answer, stream and error formats. OpenAI's
 * Responses API has OpenAI's errors but its own answers and stream events.
 */
export type Wire = "openai" | "anthropic" | "responses";

export function wireOf(endpoint: Endpoint): Wire {
  if (endpoint === "messages" || endpoint === "messages/count_tokens") return "anthropic";
  return RESPONSES_ENDPOINTS.has(endpoint) ? "responses" : "openai";
}

/**
 * Token counts of one answer as the request log keeps them; null = not reported. `promptTokens`
 * counts every input token, cached ones included; `cacheReadTokens` and `cacheWriteTokens` are the
 * parts of it read from and written to the provider's prompt cache (OpenAI reports reads only).
 */
export type TokenUsage = {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  /** The part of `completionTokens` a reasoning model spent thinking (OpenAI's `reasoning_tokens`); absent = not reported. */
  reasoningTokens?: number | null;
};

/**
 * How an answer in the provider's own format becomes the one the client asked for, for an adapter
 * that translates (Anthropic Messages answering a chat completion). Built by `buildRequest` with the
 * request (`UpstreamRequest.translate`), so it knows what was asked: the model, whether the stream
 * should end with a usage chunk.
 */
export interface ResponseTranslator {
  /**
   * A 2xx JSON answer in the client's format, with the provider's usage in full; an answer it
   * cannot read is refused with a short description (Detour answers 502 `upstream_invalid_json`).
   */
  json(body: Record<string, unknown>): { body: Record<string, unknown>; usage: TokenUsage | null } | { problem: string };
  /** A fresh translator for one SSE stream. */
  stream(): StreamTranslator;
}

/** One upstream SSE stream, event by event, into the client's events. */
export interface StreamTranslator {
  /**
   * One upstream event (its `event:` field, or null, and its `data:` lines joined by "\n") to the
   * `data:` of the events the client gets, in order: JSON text, or "[DONE]"; none drops the event.
   * Never throws. An upstream error event becomes the client format's error event (OpenAI's
   * `{"error":{...}}`); the relay treats it as the end of the stream.
   */
  event(name: string | null, data: string): string[];
  /** The provider's usage seen so far, in full (cache reads and writes included), or null. */
  usage(): TokenUsage | null;
}

/** One deployment a virtual key stores (`VirtualKeyDeployment`): Azure's deployments today. */
export type VirtualKeyDeployment = {
  deploymentName: string;
  /** The model name a request asks for (e.g. "gpt-4o"); null/empty = none. */
  alias?: string | null;
  apiVersion?: string | null;
  isDefault: boolean;
};

/**
 * What a virtual key stores besides its secret: the store's columns, shared by every provider (a
 * provider uses the ones its `ProviderInfo.keyFields` names; a new kind of field needs a column).
 */
export type StoredKeyDetails = {
  resourceName?: string | null;
  apiVersion?: string | null;
  customHost?: string | null;
  deployments?: readonly VirtualKeyDeployment[];
};

/** A key's provider and stored details after a create or an update: what `KeyFields.issues` checks. */
export type VirtualKeyShape = {
  provider: string;
  resourceName: string | null;
  apiVersion: string | null;
  customHost: string | null;
  deployments: { deploymentName: string; alias: string | null; apiVersion: string | null; isDefault: boolean }[];
};

/**
 * What an adapter needs to reach the provider, built by its own `credentials` hook from a virtual
 * key, a target or direct-mode headers. Shared code reads `provider`, `apiKey` and `customHost`
 * only; each adapter types its own further fields (e.g. Azure's resource name and deployments).
 */
export type ProviderCredentials = {
  provider: ProviderId;
  /** Decrypted provider key: in memory only, never logged. */
  apiKey: string;
  /** Replaces the provider's default base URL (see `ProviderAdapter.defaultBaseUrl`). */
  customHost?: string;
  [field: string]: unknown;
};

/**
 * Where a target's provider keys are read from (a parsed config target, or direct-mode headers):
 * keyed by target key (`resource_name`...); a provider reads its own keys and ignores the rest.
 */
export type TargetFieldValues = { readonly [key: string]: unknown };

/** The upstream call, ready for fetch / undici. Header names are lower-case. */
export type UpstreamRequest = {
  url: string;
  method: "POST" | "GET" | "DELETE";
  headers: Record<string, string>;
  /** JSON text of the body. */
  body?: string;
  /** The deployment chosen, for providers that route by deployment (Azure). */
  deployment?: string;
  /** The api-version sent, for providers that version their API per request (Azure). */
  apiVersion?: string;
  /** Present when the provider answers in another format than the client asked for (see `ResponseTranslator`). */
  translate?: ResponseTranslator;
};

/**
 * A request Detour refuses before calling the provider (a gateway error: the caller answers with
 * this status, the OpenAI-shaped body and `x-portkey-gateway-exception: true`).
 */
export type GatewayErrorLike = {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string;
};

export type BuildResult = UpstreamRequest | { error: GatewayErrorLike };

/** OpenAI's error body, the one shape every `/v1/*` error has. */
export type OpenAiErrorBody = {
  error: { message: string; type: string | null; param: string | null; code: string | null };
};

export type NormalizedError = { status: number; body: OpenAiErrorBody };

/** Where a rule reports: a path below the node (config) or the body (virtual key) and a message. */
export type Issue = { path: PropertyKey[]; message: string };

/** A leaf config target as `ProviderInfo.checkTarget` reads it (after its own fields parsed). */
export type TargetNode = TargetFieldValues & {
  readonly virtual_key?: string;
  readonly provider?: string;
  readonly custom_host?: string;
};

/** A virtual-key field a provider's keys may use (the body's name of a stored column). */
export type KeyFieldName = "resource_name" | "api_version" | "deployments";

/** How the dashboard shows one of a provider's fields. */
export type FieldText = { label: string; placeholder?: string; hint?: string; optional?: boolean };

/**
 * The data part of a provider module (`<name>/info.ts`): plain values and pure functions with no
 * imports beyond the module's own dependency-free files, so that client components can load it
 * (through catalog.ts).
 */
export type ProviderInfo = {
  /** The id configs, virtual keys and `x-portkey-provider` name the provider by. */
  id: string;
  /** How the dashboard and upstream error messages name it ("Azure OpenAI"). */
  label: string;
  /**
   * Config keys of a `provider` target that only this provider reads (non-empty strings), in the
   * order the config schema and canonical JSON list them, with the builder's wording.
   */
  targetFields: readonly (FieldText & { key: string })[];
  /** Direct-mode request headers (`x-portkey-provider`) and the target key each one sets. */
  directHeaders: Readonly<Record<string, string>>;
  /**
   * Config rules for a leaf target, run for every leaf target (whatever its provider): this
   * provider's required keys when `node.provider` is this provider, and its own keys refused on
   * any other target.
   */
  checkTarget(node: TargetNode, report: (path: (string | number)[], message: string) => void): void;
  /** The virtual-key fields this provider's keys use, with the dashboard's wording. */
  keyFields: Readonly<Partial<Record<KeyFieldName, FieldText>>>;
  /** The dashboard's "Create virtual key" dialog: the secret's placeholder and the custom host's wording. */
  keyForm: { secretPlaceholder: string; customHost: FieldText };
};

/** The virtual-key body fields (`/v1/virtual-keys`) a provider owns: their schemas, spellings and rules. */
export type KeyFields = {
  /** Snake_case body fields only this provider's keys use (zod), merged into the create and update bodies. */
  shape: z.core.$ZodLooseShape;
  /** Other accepted spellings (the portkey-ai SDK's camelCase) and the field each one names. */
  aliases: Readonly<Record<string, string>>;
  /**
   * The stored details these fields give (a field absent from the body stays undefined, except a
   * default the provider stores on every new key: `use` says whether the body creates a key).
   */
  read(
    body: Record<string, unknown>,
    use: "create" | "update",
  ): Partial<Pick<VirtualKeyShape, "resourceName" | "apiVersion" | "deployments">>;
  /** Issues with the body's own fields that stop the checks of the merged key (e.g. two forms of one field). */
  bodyIssues?(body: Record<string, unknown>): Issue[];
  /**
   * Issues with a key's stored details after a create or an update, run for every key of every
   * provider: the rules of this provider's fields (its own keys' required ones, its fields refused
   * on other providers' keys). `body` is what was sent, to name the field an issue is at.
   */
  issues(key: VirtualKeyShape, body: Record<string, unknown>): Issue[];
};

/** The server part of a provider module (`<name>/index.ts`), listed in registry.ts. */
export interface ProviderAdapter<C extends ProviderCredentials = ProviderCredentials> {
  id: ProviderId;
  /** The module's data part (the same object catalog.ts lists). */
  info: ProviderInfo;
  /** The virtual-key body fields this provider owns. */
  keyFields: KeyFields;
  /**
   * The credentials of one target: `key` is the virtual key's stored details (null for a
   * `provider` + `api_key` target or direct mode); `target` the target's own provider keys and
   * `direct` those of the direct-mode headers (`target` wins). The custom host is the caller's.
   */
  credentials(apiKey: string, key: StoredKeyDetails | null, target: TargetFieldValues, direct?: TargetFieldValues): C;
  /**
   * Builds the upstream request, or refuses it with a gateway error (never throws). `call` is given
   * for the calls on one stored response (`ResourceEndpoint`); their `body` is then empty.
   */
  buildRequest(endpoint: Endpoint, body: Record<string, unknown>, creds: C, call?: ResourceCall): BuildResult;
  /**
   * Request headers a client of this provider's own wire sends that its upstream must get as sent
   * (Anthropic: `anthropic-version`, `anthropic-beta` on `/v1/messages`): they replace what
   * `buildRequest` set. Lower-case names; only for endpoints of the provider's own wire.
   */
  clientHeaders?: { wire: Wire; names: readonly string[] };
  /** Maps an upstream error answer (any body text, even empty or HTML) to OpenAI's shape; the status is kept. */
  normalizeError(status: number, bodyText: string): NormalizedError;
  /**
   * The base URL used when there is no `custom_host` (OpenAI: https://api.openai.com/v1; Azure: the
   * resource's own https://{resource}.openai.azure.com/openai), or undefined when these credentials
   * name none (an Azure target without a valid resource name).
   */
  defaultBaseUrl(creds: C): string | undefined;
  /**
   * What, besides the provider and the custom host, tells this provider's upstreams apart: part of
   * a circuit breaker's id for targets without a virtual key.
   */
  upstreamKey(creds: C): string;
  /**
   * The model an answer's `model` stands for when it names something else (an Azure deployment: its
   * alias), for pricing an answer whose request named no model (a read of a stored response).
   */
  modelOfDeployment?(answered: string, creds: C): string | undefined;
  /** Models reachable with these credentials; an empty list means "not known / any model". */
  listModels?(creds: C): string[];
  /** The upstream request that lists the models (GET /v1/models) when `listModels` knows none. */
  modelsRequest?(creds: C): UpstreamRequest;
}

export function isBuildError(result: BuildResult): result is { error: GatewayErrorLike } {
  return "error" in result;
}
