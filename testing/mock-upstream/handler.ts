// Provider API requests: record, authenticate, validate, pick a fault, answer.
import type { IncomingMessage, ServerResponse } from "node:http";
import { respondAnthropic } from "./anthropic";
import { AZURE_ACCESS_DENIED, AZURE_DEPLOYMENT_NOT_FOUND, AZURE_NOT_FOUND, OPENAI_MISSING_KEY, openAiInvalidKey } from "./errors";
import { Exchange } from "./exchange";
import { applyFault, apiHeaders, deliver, JSON_TYPE, type Reply, type ResponseContext } from "./faults";
import {
  chatCompletionJson,
  chatStream,
  completionJson,
  completionStream,
  embeddingsJson,
  MODELS_JSON,
  type Envelope,
  type StreamPlan,
} from "./formats";
import { isNamedProvider, namedAuthError, TOGETHER_MODELS_JSON } from "./named-providers";
import { chatGeneration, completionGeneration, embeddingInputs, parseRequestBody } from "./parse";
import type { RequestLog } from "./record";
import { respondResponses } from "./responses";
import type { ResponsesStore } from "./responses-store";
import type { RuleBook } from "./rules";
import type { ApiPath, Provider } from "./types";

export interface ApiRoute {
  provider: Provider;
  path: ApiPath;
  /** Azure's dated form: the deployment of the path. */
  deployment?: string;
  /** Azure's v1 API (/openai/v1/...): the deployment is the body's model. */
  v1?: boolean;
  /** The Responses API: the response id of the path (`responses/{id}...`). */
  responseId?: string;
}

export interface ServerState {
  latencyMs: number;
  chunkDelayMs: number;
  azurePromptFilterChunk: boolean;
  azureDeployments?: Record<string, string>;
  rules: RuleBook;
  log: RequestLog;
  /** Anthropic prompt-cache prefixes seen (cache writes, then reads); cleared by reset(). */
  promptCache: Set<string>;
  /** The Responses API's stored responses and conversations, per account; cleared by reset(). */
  responses: ResponsesStore;
  inflight: Set<Exchange>;
  closing: boolean;
}

const noop = (): void => {};

function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S.*)$/i.exec(header);
  return m?.[1]?.trim();
}

export function handleApi(
  state: ServerState,
  req: IncomingMessage,
  res: ServerResponse,
  route: ApiRoute,
  query: URLSearchParams | undefined,
): void {
  const started = Date.now();
  const rec = state.log.begin(route.provider, route.path, req.url ?? "/", req.socket, route.deployment);
  const ex = new Exchange(req, res, rec, started);
  const traceparent = req.headers.traceparent;
  if (typeof traceparent === "string") rec.traceparent = traceparent;
  const tracestate = req.headers.tracestate;
  if (typeof tracestate === "string") rec.tracestate = tracestate;
  state.inflight.add(ex);
  res.on("close", () => {
    ex.dispose();
    state.inflight.delete(ex);
    if (!res.writableFinished && !ex.killed && !state.closing) rec.aborted = true;
    state.log.settle(rec, Date.now() - started);
  });
  req.on("error", noop);
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    if (ex.closed) return;
    respond(state, ex, route, query, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

/**
 * Azure's api-version: required on the dated paths; on v1 optional, `v1` (the default, recorded as
 * such) or `preview`. A missing or unknown one is Azure's 404 `Resource not found`.
 */
function azureApiVersion(route: ApiRoute, query: URLSearchParams | undefined): string | undefined {
  const version = query?.get("api-version") ?? undefined;
  if (!route.v1) return version || undefined;
  if (version === undefined) return "v1";
  return version === "v1" || version === "preview" ? version : undefined;
}

/** Answers a refused request (auth, body, deployment) in the provider's format, after the usual latency. */
function refuse(state: ServerState, ex: Exchange, provider: Provider, status: number, body: string): void {
  state.log.markReceived(ex.rec);
  ex.later(state.latencyMs, () => ex.send(status, apiHeaders(provider, ex.started, JSON_TYPE), body));
}

/**
 * Azure's api-version, then the key (OpenAI: Bearer; Azure: `api-key`, on its v1 API also Bearer;
 * the named providers' own refusals), then the dated path's deployment. Returns the key, or
 * undefined when the request was refused (the answer is on its way).
 */
function authenticate(state: ServerState, ex: Exchange, route: ApiRoute, query: URLSearchParams | undefined): string | undefined {
  const { rec } = ex;
  const { provider } = route;
  const azure = provider === "azure";
  const fail = (status: number, body: string): void => refuse(state, ex, provider, status, body);
  if (azure) {
    const version = azureApiVersion(route, query);
    if (!version) {
      fail(404, AZURE_NOT_FOUND);
      return undefined;
    }
    rec.apiVersion = version;
  }
  const headers = ex.req.headers;
  // Azure takes `api-key`; its v1 API also `Authorization: Bearer` (a key or an Entra token).
  const key = azure ? (headers["api-key"] ?? (route.v1 ? bearer(headers.authorization) : undefined)) : bearer(headers.authorization);
  if (typeof key === "string" && key !== "") rec.key = key;
  if (isNamedProvider(provider) && (rec.key === undefined || rec.key.startsWith("sk-invalid"))) {
    const refused = namedAuthError(provider, rec.key);
    fail(refused.status, refused.body);
    return undefined;
  }
  if (rec.key === undefined) {
    fail(401, azure ? AZURE_ACCESS_DENIED : OPENAI_MISSING_KEY);
    return undefined;
  }
  if (rec.key.startsWith("sk-invalid")) {
    fail(401, azure ? AZURE_ACCESS_DENIED : openAiInvalidKey(rec.key));
    return undefined;
  }
  const deployment = route.deployment;
  if (deployment !== undefined && state.azureDeployments && !Object.hasOwn(state.azureDeployments, deployment)) {
    fail(404, AZURE_DEPLOYMENT_NOT_FOUND);
    return undefined;
  }
  return rec.key;
}

function respond(state: ServerState, ex: Exchange, route: ApiRoute, query: URLSearchParams | undefined, raw: Buffer): void {
  if (route.provider === "anthropic") {
    respondAnthropic(state, ex, route, raw);
    return;
  }
  const key = authenticate(state, ex, route, query);
  if (key === undefined) return;
  if (route.path.startsWith("responses")) {
    respondResponses(state, ex, route, query, raw, key);
    return;
  }
  const { rec } = ex;
  const { provider, path } = route;
  let deployment = route.deployment;
  const azure = provider === "azure";
  const deployments = state.azureDeployments;
  const fail = (status: number, body: string): void => refuse(state, ex, provider, status, body);

  const parsed = parseRequestBody(raw, provider, path, route.v1 === true);
  if (!parsed.ok) {
    fail(parsed.status, parsed.body);
    return;
  }
  const { body, model, stream, includeUsage, includeObfuscation } = parsed.value;
  if (model !== undefined) rec.model = model;
  if (route.v1 && path !== "models") {
    // v1: the body's model names the deployment, checked like the dated path's.
    deployment = model;
    if (deployment !== undefined) rec.deployment = deployment;
    if (deployment !== undefined && deployments && !Object.hasOwn(deployments, deployment)) {
      fail(404, AZURE_DEPLOYMENT_NOT_FOUND);
      return;
    }
  }
  rec.stream = stream;
  rec.includeUsage = includeUsage;

  const picked = state.rules.pick({ provider, key, deployment, path, model, stream });
  if (picked) {
    rec.fault = picked.fault.kind;
    rec.ruleId = picked.id;
  }
  state.log.markReceived(rec);

  const env: Envelope = {
    provider,
    model: azure ? (deployments?.[deployment ?? ""] ?? model ?? deployment ?? "") : (model ?? ""),
    created: Math.floor(ex.started / 1000),
    includeUsage,
    includeObfuscation,
    promptFilterChunk: state.azurePromptFilterChunk,
  };
  const reply = makeReply(path, env, key, body, stream);
  const ctx: ResponseContext = {
    ex,
    provider,
    chunkDelayMs: state.chunkDelayMs,
    status: { provider, path, key, model: env.model, apiVersion: rec.apiVersion },
  };
  ex.later(state.latencyMs, () => (picked ? applyFault(ctx, picked.fault, reply) : deliver(ctx, reply)));
}

function makeReply(path: ApiPath, env: Envelope, key: string, body: Record<string, unknown>, stream: boolean): Reply {
  const none = (): StreamPlan => ({ head: [], content: [], tail: [] });
  switch (path) {
    case "messages":
    case "messages/count_tokens":
      throw new Error(`${path} is an Anthropic route`); // routed to respondAnthropic
    case "responses":
    case "responses/{id}":
    case "responses/{id}/cancel":
    case "responses/{id}/input_items":
    case "responses/input_tokens":
      throw new Error(`${path} is a Responses API route`); // routed to respondResponses
    case "models":
      // Together lists its models as a bare array, not OpenAI's {object: "list", data}.
      return { stream: false, json: () => (env.provider === "together-ai" ? TOGETHER_MODELS_JSON : MODELS_JSON), plan: none };
    case "embeddings":
      return {
        stream: false,
        json: () => {
          const e = embeddingInputs(body);
          return embeddingsJson(env.model, e.inputs, e.promptTokens, e.dims, e.base64);
        },
        plan: none,
      };
    case "chat/completions": {
      const gen = chatGeneration(env.provider, key, body);
      return { stream, json: () => chatCompletionJson(env, gen), plan: () => chatStream(env, gen) };
    }
    case "completions": {
      const gen = completionGeneration(env.provider, key, body);
      return { stream, json: () => completionJson(env, gen), plan: () => completionStream(env, gen) };
    }
  }
}
