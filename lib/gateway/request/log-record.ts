/** Turns a served request into its log row (docs/GATEWAY.md §9). Secrets never reach the row (`log-redaction.ts`). */
import { cost, type PriceOverrides } from "../../logs/cost";
import { boundBody, type AffinityRow, type AttemptRecordRow, type LogRecord } from "../../logs/types";
import type { UpstreamPayload } from "./attempt";
import type { Endpoint, ResourceCall } from "../providers/types";
import type { RequestContext } from "./headers";
import type { ResolvedTarget, Routing } from "./resolve-targets";
import type { Caller } from "./served";
import type { AttemptRecord, RouteResult } from "../router";
import type { TokenUsage } from "../providers/types";
import { Redactor, redactHeaders, routingSecrets } from "./log-redaction";

/** Request headers as JSON with credentials removed (`log-redaction.ts`); the secrets they carried are added to `secrets`. */
export function redactedHeaders(request: Request, secrets: Set<string> = new Set()): string {
  return JSON.stringify(redactHeaders(request, secrets));
}

export function attemptRows(
  attempts: AttemptRecord<ResolvedTarget>[],
  startedAt: number,
  redactor: Redactor = new Redactor([]),
): AttemptRecordRow[] {
  let elapsed = 0;
  return attempts.map((a) => {
    const row: AttemptRecordRow = {
      index: a.index,
      targetPath: a.path,
      provider: a.target.provider,
      virtualKeySlug: a.target.virtualKey?.slug ?? null,
      virtualKeyVersion: a.target.virtualKey?.version ?? null,
      model: null,
      status: a.status ?? null,
      errorClass: a.errorClass ?? (a.status !== undefined && (a.status < 200 || a.status >= 300) ? "upstream_status" : null),
      errorMessage: a.reason === undefined ? null : redactor.text(a.reason),
      latencyMs: Math.round(a.latencyMs),
      retry: a.retryIndex,
      startedAt: new Date(startedAt + elapsed),
    };
    elapsed += a.latencyMs;
    return row;
  });
}

export type Served = {
  /** Cache token counts may be missing (a response cache entry written before they were kept). */
  usage: Partial<TokenUsage> | null;
  model: string | null;
};

/**
 * `provider`: the answering provider, whose price table prices the answer (lib/logs/cost.ts);
 * `overrides`: the workspace's own prices (lib/pricing/workspace-prices.ts), which win over the table.
 */
export function usageFields(served: Served, modelRequested: string | null, provider: string | null = null, overrides?: PriceOverrides) {
  const model = served.model ?? modelRequested;
  const u = served.usage;
  const promptTokens = u?.promptTokens ?? null;
  const completionTokens = u?.completionTokens ?? null;
  const cacheReadTokens = u?.cacheReadTokens ?? null;
  const cacheWriteTokens = u?.cacheWriteTokens ?? null;
  const reasoningTokens = u?.reasoningTokens ?? null;
  const totalTokens =
    u?.totalTokens ?? (promptTokens !== null || completionTokens !== null ? (promptTokens ?? 0) + (completionTokens ?? 0) : null);
  const counts = { promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens };
  // An Azure answer may name its deployment rather than a model: then the model asked for prices it.
  let usd = u && model ? cost(provider, model, counts, overrides) : null;
  if (usd === null && u && modelRequested && modelRequested !== model) usd = cost(provider, modelRequested, counts, overrides);
  return { model, promptTokens, completionTokens, totalTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens, cost: usd };
}

/** Bodies redacted, then bounded (so a bound never cuts a secret in two); `responseCut`: the response text was already cut short (a stream's log text). */
export function bodyFields(
  requestText: string | null,
  responseText: string | null,
  redactor: Redactor = new Redactor([]),
  responseCut = false,
) {
  const req = requestText === null ? null : boundBody(redactor.text(requestText));
  const res = responseText === null ? null : boundBody(redactor.cutText(responseText, responseCut));
  return {
    requestBody: req?.body ?? null,
    requestBodyTruncated: req?.truncated ?? false,
    responseBody: res?.body ?? null,
    responseBodyTruncated: res?.truncated ?? false,
  };
}

/** The request side of a log row (the served request, served.ts). */
export type RequestForLog = {
  logId: string;
  startedAt: Date;
  request: Request;
  endpoint: Endpoint;
  ctx: RequestContext | null;
  routing: Routing | null;
  body: Record<string, unknown> | null;
  requestText: string | null;
  cacheStatus: LogRecord["cacheStatus"];
  /** A call on one stored response: its id is the row's response id. */
  call: ResourceCall | null;
  /** Responses and conversations the request created (written with the row: where they live). */
  created: AffinityRow[];
  /** The server's write of the answer's last bytes, after it was handed over (Detour's own time too). */
  writeMs: number;
};

/** The answer side of a log row. */
export type LogInput = {
  status: number;
  errorType: string | null;
  result: Pick<RouteResult<ResolvedTarget, UpstreamPayload>, "attempts" | "fallbackUsed" | "retryCount" | "target"> | null;
  /** The answering provider when there is no routing result (a cache hit). */
  provider?: string;
  overheadMs: number;
  usage: ReturnType<typeof usageFields>;
  responseText: string | null;
  responseTruncated?: boolean;
  /** The usage is Detour's estimate (a stream cut before its usage, respond.ts). */
  usageEstimated?: boolean;
  /** A cache hit: what its answer would have cost upstream (null: unknown price). */
  costSaved?: number | null;
};

/**
 * Every provider key this request used or carried: its targets' (attempted or not, virtual keys'
 * decrypted ones included), the direct-mode Bearer key, and what credential headers and the
 * inline config held (collected by `redactHeaders`).
 */
function requestSecrets(s: RequestForLog, fromHeaders: Set<string>): Set<string> {
  const secrets = new Set(fromHeaders);
  // Every attempted target is a leaf of the routing tree.
  routingSecrets(s.routing?.tree, secrets);
  if (s.ctx?.direct?.apiKey) secrets.add(s.ctx.direct.apiKey);
  return secrets;
}

function redactMetadata(metadata: Record<string, string> | null, redactor: Redactor): Record<string, string> | null {
  if (!metadata || redactor.empty) return metadata;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) out[k] = redactor.text(v);
  return out;
}

/** Whether the request named no target (no config, virtual key or direct mode): its API key's default config routes it. */
function namesNoTarget(s: RequestForLog): boolean {
  return s.ctx !== null && !s.ctx.config && !s.ctx.virtualKey && !s.ctx.direct;
}

/** The config a request refused before routing asked for: the one it named (even one not found), else its API key's default. */
function requestedConfig(s: RequestForLog, key: Caller): string | null {
  if (s.ctx?.config?.kind === "id") return s.ctx.config.slug;
  return namesNoTarget(s) ? key.defaultConfigSlug : null;
}

/** The log row of a served request (built once its answer has been handed over; times taken before). No provider key reaches it. */
export function buildLogRecord(s: RequestForLog, key: Caller, input: LogInput, latencyMs: number): LogRecord {
  const answered = input.result?.target ?? null;
  const headerSecrets = new Set<string>();
  const headers = redactedHeaders(s.request, headerSecrets);
  const redactor = new Redactor(requestSecrets(s, headerSecrets));
  const bodies = bodyFields(s.requestText, input.responseText, redactor, input.responseTruncated ?? false);
  const modelRequested = typeof s.body?.model === "string" ? s.body.model : null;
  return {
    id: s.logId,
    workspaceId: key.workspaceId,
    createdAt: s.startedAt,
    traceId: s.ctx?.traceId ?? s.logId,
    metadata: redactMetadata(s.ctx?.metadata ?? null, redactor),
    apiKeyId: key.id,
    configSlug: s.routing?.config?.slug ?? requestedConfig(s, key),
    configVersion: s.routing?.config?.version ?? null,
    configFromKey: s.routing?.config?.fromKey ?? (s.routing === null && namesNoTarget(s) && key.defaultConfigSlug !== null),
    method: s.request.method,
    path: `/v1/${s.endpoint}`,
    modelRequested,
    // A call by id streams when it resumes a background stream (`?stream=true`).
    stream: s.body?.stream === true || (s.call?.query.some(([name, value]) => name === "stream" && value === "true") ?? false),
    status: input.status,
    errorType: input.errorType,
    provider: answered?.provider ?? input.provider ?? null,
    model: input.usage.model,
    virtualKeySlug: answered?.virtualKey?.slug ?? null,
    virtualKeyVersion: answered?.virtualKey?.version ?? null,
    promptTokens: input.usage.promptTokens,
    completionTokens: input.usage.completionTokens,
    totalTokens: input.usage.totalTokens,
    cacheReadTokens: input.usage.cacheReadTokens,
    cacheWriteTokens: input.usage.cacheWriteTokens,
    reasoningTokens: input.usage.reasoningTokens,
    responseId: s.call?.id ?? s.created.findLast((r) => r.kind === "response")?.id ?? null,
    cost: input.usage.cost,
    costSaved: input.costSaved ?? null,
    usageEstimated: input.usageEstimated ?? false,
    latencyMs,
    overheadMs: Math.round((input.overheadMs + s.writeMs) * 1000) / 1000,
    retryCount: input.result?.retryCount ?? 0,
    cacheStatus: s.cacheStatus,
    fallbackUsed: input.result?.fallbackUsed ?? false,
    ...bodies,
    responseBodyTruncated: bodies.responseBodyTruncated || (input.responseTruncated ?? false),
    requestHeaders: redactor.text(headers),
    responseHeaders: null,
    attempts: input.result ? attemptRows(input.result.attempts, s.startedAt.getTime(), redactor) : [],
    affinity: s.created,
  };
}

export type { LogRecord };
