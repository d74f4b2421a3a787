// Anthropic routes (POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models with x-api-key):
// authenticate, check anthropic-version, validate, pick a fault, answer in Anthropic's wire format.
import {
  ANTHROPIC_INVALID_KEY,
  ANTHROPIC_MISSING_KEY,
  ANTHROPIC_MISSING_VERSION,
  ANTHROPIC_MODELS_JSON,
  type AnthropicUsage,
  anthropicError,
  anthropicGeneration,
  anthropicHeaders,
  anthropicInputUsage,
  anthropicMessageJson,
  anthropicStream,
  countTokensJson,
} from "./anthropic-format";
import type { Exchange } from "./exchange";
import { applyFault, deliver, JSON_TYPE, type Reply, type ResponseContext } from "./faults";
import type { StreamPlan } from "./formats";
import type { ApiRoute, ServerState } from "./handler";
import { isRecord } from "../../lib/is-record";

type Parsed = { ok: true; body: Record<string, unknown>; model?: string; stream: boolean } | { ok: false; message: string };

/** Anthropic's request validation: the body's required fields, in its "<field>: <problem>" wording. */
function parseBody(raw: Buffer, path: ApiRoute["path"]): Parsed {
  if (path === "models") return { ok: true, body: {}, stream: false };
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return { ok: false, message: "There was an issue with the format or content of your request: the body is not valid JSON." };
  }
  if (!isRecord(body))
    return { ok: false, message: "There was an issue with the format or content of your request: the body must be an object." };
  if (body.model === undefined) return { ok: false, message: "model: Field required" };
  if (typeof body.model !== "string" || body.model === "") return { ok: false, message: "model: Input should be a valid string" };
  if (path === "messages") {
    if (body.max_tokens === undefined) return { ok: false, message: "max_tokens: Field required" };
    if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 0) {
      return { ok: false, message: "max_tokens: Input should be a valid integer" };
    }
  }
  if (body.messages === undefined) return { ok: false, message: "messages: Field required" };
  if (!Array.isArray(body.messages)) return { ok: false, message: "messages: Input should be a valid list" };
  if (body.messages.length === 0) return { ok: false, message: "messages: at least one message is required" };
  return { ok: true, body, model: body.model, stream: path === "messages" && body.stream === true };
}

const header = (ex: Exchange, name: string): string | undefined => {
  const v = ex.req.headers[name];
  return typeof v === "string" && v !== "" ? v : undefined;
};

export function respondAnthropic(state: ServerState, ex: Exchange, route: ApiRoute, raw: Buffer): void {
  const { rec } = ex;
  const { path } = route;
  const fail = (status: number, type: string, message: string): void => {
    state.log.markReceived(rec);
    ex.later(state.latencyMs, () => {
      const headers = anthropicHeaders(JSON_TYPE);
      ex.send(status, headers, anthropicError(type, message, headers["request-id"] as string));
    });
  };

  const key = header(ex, "x-api-key");
  if (key !== undefined) rec.key = key;
  const version = header(ex, "anthropic-version");
  if (version !== undefined) rec.anthropicVersion = version;
  const beta = header(ex, "anthropic-beta");
  if (beta !== undefined) rec.anthropicBeta = beta;
  if (key === undefined) {
    fail(401, "authentication_error", ANTHROPIC_MISSING_KEY);
    return;
  }
  if (key.startsWith("sk-invalid")) {
    fail(401, "authentication_error", ANTHROPIC_INVALID_KEY);
    return;
  }
  if (version === undefined) {
    fail(400, "invalid_request_error", ANTHROPIC_MISSING_VERSION);
    return;
  }

  const parsed = parseBody(raw, path);
  if (!parsed.ok) {
    fail(400, "invalid_request_error", parsed.message);
    return;
  }
  const { body, model, stream } = parsed;
  if (model !== undefined) rec.model = model;
  rec.stream = stream;

  const picked = state.rules.pick({ provider: "anthropic", key, path, model, stream });
  if (picked) {
    rec.fault = picked.fault.kind;
    rec.ruleId = picked.id;
  }
  state.log.markReceived(rec);

  // Counted when the answer is built, so a request a fault refuses leaves the prompt cache as it was.
  let usage: AnthropicUsage | undefined;
  const inputUsage = () => (usage ??= anthropicInputUsage(body, state.promptCache));
  const none = (): StreamPlan => ({ head: [], content: [], tail: [] });
  let reply: Reply;
  if (path === "models") reply = { stream: false, json: () => ANTHROPIC_MODELS_JSON, plan: none };
  else if (path === "messages/count_tokens") reply = { stream: false, json: () => countTokensJson(inputUsage()), plan: none };
  else {
    const forced = picked?.fault.kind === "tool_use" ? (picked.fault.name ?? true) : undefined;
    const gen = anthropicGeneration(body, key, forced);
    reply = {
      stream,
      json: () => anthropicMessageJson(model ?? "", gen, inputUsage()),
      plan: () => anthropicStream(model ?? "", gen, inputUsage()),
    };
  }
  const ctx: ResponseContext = {
    ex,
    provider: "anthropic",
    chunkDelayMs: state.chunkDelayMs,
    status: { provider: "anthropic", path, key, model },
  };
  ex.later(state.latencyMs, () => (picked ? applyFault(ctx, picked.fault, reply) : deliver(ctx, reply)));
}
