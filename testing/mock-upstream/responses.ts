// OpenAI's Responses API routes, on OpenAI (/v1/responses...) and Azure OpenAI (/openai/v1/responses...
// and /openai/responses...?api-version=): validate, consult the account's store, pick a fault, answer.
import { AZURE_DEPLOYMENT_NOT_FOUND, OPENAI_BAD_JSON, openAiError } from "./errors";
import type { Exchange } from "./exchange";
import { apiHeaders, applyFault, deliver, JSON_TYPE, type Reply, type ResponseContext } from "./faults";
import { answerText, tokenCount, type StreamPlan } from "./formats";
import type { ApiRoute, ServerState } from "./handler";
import {
  conversationId,
  deletedJson,
  errorEventFrame,
  eventFrame,
  inputItemsJson,
  inputTokensJson,
  instructionsChars,
  type Json,
  outputItems,
  parseInput,
  type ResponseEnvelope,
  responseObject,
  responsesGeneration,
  responsesId,
  type StreamEvent,
  streamEvents,
} from "./responses-format";
import { advance, finish, type StoredResponse, type TurnContext } from "./responses-store";
import type { ResponsesPath } from "./types";
import { isRecord } from "../../lib/is-record";

const ROUTE = /^\/(v1|openai\/v1|openai)\/responses(?:\/([^/]+)(?:\/(cancel|input_items))?)?$/;

/**
 * The Responses API's routes: below `/v1/` (OpenAI), `/openai/v1/` (Azure's v1 API) and `/openai/`
 * (Azure's older style, which needs `?api-version=`). Undefined when the path or method is not one.
 */
export function matchResponsesRoute(method: string, pathname: string): ApiRoute | undefined {
  const m = ROUTE.exec(pathname);
  if (!m) return undefined;
  const [, base, rawId, action] = m;
  const route = (path: ResponsesPath, responseId?: string): ApiRoute => {
    const r: ApiRoute = { provider: base === "v1" ? "openai" : "azure", path };
    if (base === "openai/v1") r.v1 = true;
    if (responseId !== undefined) r.responseId = responseId;
    return r;
  };
  if (rawId === undefined) return method === "POST" ? route("responses") : undefined;
  if (rawId === "input_tokens" && action === undefined && method === "POST") return route("responses/input_tokens");
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return undefined;
  }
  if (action === "cancel") return method === "POST" ? route("responses/{id}/cancel", id) : undefined;
  if (action === "input_items") return method === "GET" ? route("responses/{id}/input_items", id) : undefined;
  return method === "GET" || method === "DELETE" ? route("responses/{id}", id) : undefined;
}

// ---------- errors (OpenAI's shapes; Azure's Responses API answers with the same) ----------

const responseNotFound = (id: string) => openAiError(`Response with id '${id}' not found.`, "invalid_request_error");
const previousNotFound = (id: string) =>
  openAiError(
    `Previous response with id '${id}' not found.`,
    "invalid_request_error",
    "previous_response_not_found",
    "previous_response_id",
  );
const conversationNotFound = (id: string) => openAiError(`Conversation with id '${id}' not found.`, "invalid_request_error");
const CANNOT_CANCEL = openAiError("Cannot cancel a synchronous response.", "invalid_request_error");
const NOT_RESUMABLE = openAiError(
  "Streaming is only supported for responses created with background=true and stream=true.",
  "invalid_request_error",
  null,
  "stream",
);
const BACKGROUND_NEEDS_STORE = openAiError("Background mode requires store=true.", "invalid_request_error", null, "background");
const FAILED = { code: "server_error", message: "The server had an error while processing your request. Sorry about that!" };

type Checked<T> = { ok: true; value: T } | { ok: false; status: number; body: string };
const refuse = <T>(body: string, status = 400): Checked<T> => ({ ok: false, status, body });

/** The body of a create or input_tokens request: JSON, `model` (create), `max_output_tokens` >= 16 (OpenAI's minimum). */
function parseBody(raw: Buffer, path: ResponsesPath): Checked<Json> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return refuse(OPENAI_BAD_JSON);
  }
  if (!isRecord(body)) return refuse(OPENAI_BAD_JSON);
  if (path === "responses" && (typeof body.model !== "string" || body.model === "")) {
    return refuse(openAiError("Missing required parameter: 'model'.", "invalid_request_error", "missing_required_parameter", "model"));
  }
  const input = body.input;
  if (input !== undefined && input !== null && typeof input !== "string" && !Array.isArray(input)) {
    return refuse(
      openAiError(
        "Invalid type for 'input': expected one of a string or array of input items.",
        "invalid_request_error",
        "invalid_type",
        "input",
      ),
    );
  }
  const max = body.max_output_tokens;
  if (typeof max === "number" && max < 16) {
    return refuse(
      openAiError(
        `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${max} instead.`,
        "invalid_request_error",
        "integer_below_min_value",
        "max_output_tokens",
      ),
    );
  }
  return { ok: true, value: body };
}

interface Account {
  state: ServerState;
  provider: "openai" | "azure";
  key: string;
}

/** The earlier turns a request continues: its `previous_response_id` or its `conversation` (none: undefined). */
function turnContext(a: Account, body: Json): Checked<{ context?: TurnContext; conversation?: string }> {
  const previous = body.previous_response_id;
  if (typeof previous === "string" && previous !== "") {
    const stored = a.state.responses.get(a.provider, a.key, previous);
    return stored ? { ok: true, value: { context: stored.context } } : refuse(previousNotFound(previous));
  }
  const conversation = conversationId(body.conversation);
  if (conversation === undefined) return { ok: true, value: {} };
  const context = a.state.responses.conversation(a.provider, a.key, conversation);
  return context ? { ok: true, value: { context, conversation } } : refuse(conversationNotFound(conversation), 404);
}

const none = (): StreamPlan => ({ head: [], content: [], tail: [] });

const jsonReply = (json: () => string): Reply => ({ stream: false, json, plan: none });

/** Events as a stream plan: the opening, the deltas ("content chunks" of the break faults), the close. */
function planOf(events: StreamEvent[]): StreamPlan {
  const frames = (part: StreamEvent["part"]) => events.filter((e) => e.part === part).map((e) => e.frame);
  return { head: frames("head"), content: frames("content"), tail: frames("tail") };
}

export function respondResponses(
  state: ServerState,
  ex: Exchange,
  route: ApiRoute,
  query: URLSearchParams | undefined,
  raw: Buffer,
  key: string,
): void {
  const { rec } = ex;
  const provider = route.provider === "azure" ? "azure" : "openai";
  const path = route.path as ResponsesPath;
  const a: Account = { state, provider, key };
  const fail = (status: number, body: string): void => {
    state.log.markReceived(rec);
    ex.later(state.latencyMs, () => ex.send(status, apiHeaders(provider, ex.started, JSON_TYPE), body));
  };

  let body: Json = {};
  if (path === "responses" || path === "responses/input_tokens") {
    const parsed = parseBody(raw, path);
    if (!parsed.ok) {
      fail(parsed.status, parsed.body);
      return;
    }
    body = parsed.value;
  }
  const model = typeof body.model === "string" && body.model !== "" ? body.model : undefined;
  if (model !== undefined) rec.model = model;
  // Azure: the body's model names the deployment.
  const deployment = provider === "azure" ? model : undefined;
  if (deployment !== undefined) {
    rec.deployment = deployment;
    if (state.azureDeployments && !Object.hasOwn(state.azureDeployments, deployment)) {
      fail(404, AZURE_DEPLOYMENT_NOT_FOUND);
      return;
    }
  }

  let stored: StoredResponse | undefined;
  if (route.responseId !== undefined) {
    rec.responseId = route.responseId;
    stored = state.responses.get(provider, key, route.responseId);
    if (!stored) {
      fail(404, responseNotFound(route.responseId));
      return;
    }
  }
  const resume = path === "responses/{id}" && ex.req.method === "GET" && query?.get("stream") === "true";
  if (resume && !stored?.events) {
    fail(400, NOT_RESUMABLE);
    return;
  }
  if (path === "responses/{id}/cancel" && stored?.response.background !== true) {
    fail(400, CANNOT_CANCEL);
    return;
  }
  if (path === "responses" && body.background === true && body.store === false) {
    fail(400, BACKGROUND_NEEDS_STORE);
    return;
  }
  let turns: { context?: TurnContext; conversation?: string } = {};
  if (path === "responses" || path === "responses/input_tokens") {
    const checked = turnContext(a, body);
    if (!checked.ok) {
      fail(checked.status, checked.body);
      return;
    }
    turns = checked.value;
  }

  const stream = resume || (path === "responses" && body.stream === true);
  rec.stream = stream;
  const picked = state.rules.pick({ provider, key, deployment, path, model, stream });
  if (picked) {
    rec.fault = picked.fault.kind;
    rec.ruleId = picked.id;
  }
  state.log.markReceived(rec);

  let reply: Reply;
  if (path === "responses") {
    const id = responsesId("resp_");
    rec.responseId = id;
    const env: ResponseEnvelope = {
      id,
      createdAt: Math.floor(ex.started / 1000),
      model: provider === "azure" ? (state.azureDeployments?.[model ?? ""] ?? model ?? "") : (model ?? ""),
      body,
      azure: provider === "azure",
    };
    const forced = picked?.fault.kind === "tool_use" ? (picked.fault.name ?? true) : undefined;
    reply = createReply(a, env, turns, stream, forced);
  } else if (path === "responses/input_tokens") {
    const input = parseInput(body.input);
    const chars = (turns.context?.chars ?? 0) + input.chars + instructionsChars(body.instructions);
    reply = jsonReply(() => inputTokensJson(Math.max(1, tokenCount(chars))));
  } else {
    reply = storedReply(a, stored!, path, ex.req.method ?? "GET", query, resume);
  }
  const ctx: ResponseContext = {
    ex,
    provider,
    chunkDelayMs: state.chunkDelayMs,
    status: { provider, path, key, model, apiVersion: rec.apiVersion },
  };
  ex.later(state.latencyMs, () => (picked ? applyFault(ctx, picked.fault, reply) : deliver(ctx, reply)));
}

/** Answers about a stored response (GET, resume, DELETE, cancel, input_items), changing the store only when built. */
function storedReply(
  a: Account,
  stored: StoredResponse,
  path: ResponsesPath,
  method: string,
  query: URLSearchParams | undefined,
  resume: boolean,
): Reply {
  const { responses } = a.state;
  if (resume) {
    const after = Number.parseInt(query?.get("starting_after") ?? "-1", 10);
    const events = (stored.events ?? []).filter((e) => e.sequenceNumber > (Number.isNaN(after) ? -1 : after));
    return { stream: true, json: () => JSON.stringify(stored.response), plan: () => planOf(events), delivered: () => finish(stored) };
  }
  switch (path) {
    case "responses/{id}/input_items":
      return jsonReply(() => inputItemsJson(stored.inputItems, query));
    case "responses/{id}/cancel":
      return jsonReply(() => {
        const status = stored.response.status;
        if (status === "queued" || status === "in_progress") {
          stored.response = { ...stored.response, status: "cancelled" };
          stored.final = undefined;
        }
        return JSON.stringify(stored.response);
      });
    default:
      if (method === "DELETE") {
        return jsonReply(() => {
          responses.delete(a.provider, a.key, stored.id);
          return deletedJson(stored.id);
        });
      }
      return jsonReply(() => {
        advance(stored);
        return JSON.stringify(stored.response);
      });
  }
}

/**
 * A create's answer. Built lazily, once: that is when the response is stored (unless `store` is
 * false), its conversation gains a turn and its prompt_cache_key is remembered, so a request a fault
 * refuses leaves no trace. Background: the JSON answer is the queued response.
 */
function createReply(
  a: Account,
  env: ResponseEnvelope,
  turns: { context?: TurnContext; conversation?: string },
  stream: boolean,
  forcedTool: string | true | undefined,
): Reply {
  const { body } = env;
  const { responses } = a.state;
  const background = body.background === true;
  const input = parseInput(body.input);
  const turn = (turns.context?.turns ?? 0) + 1;
  const lastUserText = input.lastUserText || (turns.context?.lastUserText ?? "");
  const text = `${answerText(a.provider, a.key, lastUserText)}${turn > 1 ? ` (turn ${turn})` : ""}`;
  const gen = responsesGeneration(body, text, forcedTool);
  const contextChars = (turns.context?.chars ?? 0) + input.chars;
  const inputTokens = Math.max(1, tokenCount(contextChars + instructionsChars(body.instructions)));
  const opts = isRecord(body.stream_options) ? body.stream_options : {};
  const withObfuscation = !env.azure && opts.include_obfuscation !== false;

  let built: { stored: StoredResponse; events: StreamEvent[] } | undefined;
  const build = () => {
    if (built) return built;
    const cacheKey = body.prompt_cache_key;
    const usage = {
      inputTokens,
      cachedTokens: typeof cacheKey === "string" ? responses.cachedTokens(a.provider, a.key, cacheKey, inputTokens) : 0,
      outputTokens: gen.outputTokens,
      reasoningTokens: gen.reasoning?.tokens ?? 0,
    };
    const final = responseObject(env, gen.incomplete ? "incomplete" : "completed", outputItems(gen), usage);
    const opening = responseObject(env, background ? "queued" : "in_progress", [], null);
    const inProgress = responseObject(env, "in_progress", [], null);
    const events = stream ? streamEvents(gen, { opening, inProgress, final }, withObfuscation) : [];
    const outputChars = (gen.message?.text.length ?? 0) + (gen.call?.arguments.length ?? 0);
    const stored: StoredResponse = {
      id: env.id,
      response: background ? (stream ? inProgress : opening) : final,
      inputItems: input.items,
      context: { turns: turn, chars: contextChars + outputChars, lastUserText },
    };
    if (background) {
      stored.final = final;
      if (stream) stored.events = events;
    }
    if (body.store !== false) responses.put(a.provider, a.key, stored);
    if (turns.conversation !== undefined) responses.addTurn(a.provider, a.key, turns.conversation, stored.context);
    built = { stored, events };
    return built;
  };
  const failed = (): Json => {
    const { stored } = build();
    stored.response = responseObject(env, "failed", [], null, FAILED);
    stored.final = undefined;
    return stored.response;
  };
  return {
    stream,
    json: () => {
      const { stored } = build();
      return JSON.stringify(background ? responseObject(env, "queued", [], null) : stored.response);
    },
    plan: () => planOf(build().events),
    delivered: () => finish(build().stored),
    responses: {
      errorEvent: errorEventFrame,
      failedEvent: (sequenceNumber) => eventFrame("response.failed", sequenceNumber, { response: failed() }),
      failedJson: () => JSON.stringify(failed()),
      echoJson: (key) => {
        const answer = structuredClone(build().stored.response);
        for (const item of answer.output as Json[]) {
          if (item.type !== "message") continue;
          for (const part of item.content as Json[]) part.text = `${String(part.text)} Your key is ${key}.`;
        }
        answer.echo = { api_key: key };
        return JSON.stringify(answer);
      },
    },
  };
}
