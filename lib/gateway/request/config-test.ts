/**
 * "Test this config" (the dashboard's config builder, `POST /v1/configs/test`): one real chat
 * completion routed by a config that may not be saved, through the gateway's own stages after
 * authentication (rate limits, allowed models, targets and their credentials, budgets, the router
 * and its attempts, the answer and its log row), so what it shows is what a request would get.
 *
 * - The caller is the management principal: its API key when it used one, else the signed-in user
 *   (a `Caller` without an id: nothing limited or charged for an API key).
 * - Bounded: a short prompt, a small `max_tokens`, not streamed, never answered from the response
 *   cache, and the whole test stops after CONFIG_TEST_TIMEOUT_MS (or when the caller goes away).
 * - Logged like any request (it appears in /logs), marked with the metadata `detour_test`.
 * - What comes back names no secret: attempt reasons, the answer and its error are redacted of
 *   every provider key the config and its virtual keys hold (as the log row is).
 */
import { randomUUID } from "node:crypto";
import { forEachConfigCredential } from "../config/credentials";
import type { Config } from "../config/schema";
import { type AttemptRecord, RouteError } from "../router";
import { assembleResponseJson, assembleStream } from "../../logs/stream-text";
import { getLogWriter } from "../../logs/writer";
import { attemptView } from "../../logs/types";
import type { Endpoint } from "../providers/types";
import { attemptRows } from "./log-record";
import { Redactor, routingSecrets } from "./log-redaction";
import { pipeline } from "./pipeline";
import { type ResolvedTarget, resolveTree } from "./resolve-targets";
import { errorResponse, respond } from "./respond";
import { type Caller, fill, newServed, type Resolved, type Served, type WithBody } from "./served";
import { checkAllowedModels, loadPrices, rateLimitByApiKey, rateLimitByVirtualKeys, reserveBudget, routeUpstream } from "./stages";

import { CONFIG_TEST_METADATA_KEY, CONFIG_TEST_TIMEOUT_MS } from "./config-test-limits";
import { withChanges } from "../../object";

export type ConfigTestInput = {
  caller: Caller;
  /** The config as parsed by the engine's schema, provider keys in clear (in memory only). */
  config: Config;
  model: string;
  prompt: string;
  maxTokens: number;
  /** Written on the log row (with `detour_test`). */
  metadata: Record<string, string>;
  /** The management request: the test stops when it is aborted; its User-Agent is logged. */
  request: Request;
};

/** One attempt, in the words of a log's detail (`GET /v1/logs/{id}`). */
export type ConfigTestAttempt = ReturnType<typeof attemptView>;

export type ConfigTestResult = {
  object: "config.test";
  /** The request's log row (written off the request path: it shows in /logs moments later). */
  log_id: string;
  trace_id: string;
  created_at: string;
  /** The HTTP status a client would have got. */
  status: number;
  latency_ms: number;
  model: string | null;
  /** The assistant's text, when the answer is a chat completion with one. */
  answer: string | null;
  /** The error a client would have got (OpenAI's shape), when the status is not 2xx. */
  error: { message: string; type: string | null; code: string | null } | null;
  fallback_used: boolean;
  retry_count: number;
  attempts: ConfigTestAttempt[];
};

/** The config each test routes, by its context (the stages take only the context). */
const testConfigs = new WeakMap<Served, Config>();
/** The attempts of a test the router stopped with an error (they are on the error, not the context). */
const failedAttempts = new WeakMap<Served, AttemptRecord<unknown>[]>();

/** The test's config and its targets with their credentials, as `resolveTargets` does for a config a request names. */
async function resolveTestTargets(s: WithBody): Promise<Resolved> {
  const config = testConfigs.get(s);
  if (!config) throw new Error("a config test without its config");
  return fill(s, "routing", { tree: await resolveTree(config, s.ctx, s.key.workspaceId), config: null });
}

function testErrorAnswer(s: Served, err: unknown): Response {
  if (err instanceof RouteError) failedAttempts.set(s, err.attempts);
  return errorResponse(s, err);
}

/** The inference stages after authentication, minus the response cache (a test always calls providers). */
const CONFIG_TEST = pipeline<WithBody>()
  .stage(rateLimitByApiKey)
  .stage(checkAllowedModels)
  .stage(resolveTestTargets)
  .stage(rateLimitByVirtualKeys)
  .stage(loadPrices)
  .stage(reserveBudget)
  .stage(routeUpstream)
  .answer(respond)
  .onError(testErrorAnswer);

export async function runConfigTest(input: ConfigTestInput): Promise<ConfigTestResult> {
  const body = { model: input.model, messages: [{ role: "user", content: input.prompt }], max_tokens: input.maxTokens };
  return runThroughConfig({
    caller: input.caller,
    config: input.config,
    endpoint: "chat/completions",
    body,
    metadata: input.metadata,
    request: input.request,
    timeoutMs: CONFIG_TEST_TIMEOUT_MS,
  });
}

/** One request through a config (a test's, or a logged request replayed: lib/api/log-replay.ts). */
export type ConfigRunInput = {
  caller: Caller;
  /** The config as parsed by the engine's schema, provider keys in clear (in memory only). */
  config: Config;
  /** An endpoint with a JSON body (`chat/completions`, `messages`, `responses`...). */
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** Written on the log row (with `detour_test`). */
  metadata: Record<string, string>;
  /** The management request: the run stops when it is aborted; its User-Agent is logged. */
  request: Request;
  /** The whole run, every attempt and retry included. */
  timeoutMs: number;
};

/**
 * Sends `body` to `endpoint` through `config` with the gateway's stages (CONFIG_TEST above), as
 * `caller`, and reads the answer to its end: a streamed request (`stream: true`) is relayed as a
 * client would get it and its log row is the stream's. What comes back names no provider key.
 */
export async function runThroughConfig(input: ConfigRunInput): Promise<ConfigTestResult> {
  const requestText = JSON.stringify(input.body);
  const signal = AbortSignal.any([input.request.signal, AbortSignal.timeout(input.timeoutMs)]);
  const userAgent = input.request.headers.get("user-agent");
  const request = new Request(new URL(`/v1/${input.endpoint}`, input.request.url), {
    method: "POST",
    headers: { "content-type": "application/json", ...(userAgent ? { "user-agent": userAgent.slice(0, 300) } : {}) },
    signal,
  });
  const served = newServed(request, input.endpoint);
  fill(served, "key", input.caller);
  fill(served, "ctx", {
    traceId: randomUUID(),
    metadata: withChanges(input.metadata, { [CONFIG_TEST_METADATA_KEY]: input.metadata[CONFIG_TEST_METADATA_KEY] ?? "config" }),
    config: null,
    virtualKey: null,
    direct: null,
    requestTimeoutMs: null,
    customHost: null,
    cacheForceRefresh: false,
  });
  fill(served, "body", input.body);
  const ready = fill(served, "requestText", requestText) as WithBody;
  testConfigs.set(served, input.config);
  const logged = new Promise<void>((resolve) => {
    served.onLogged = resolve;
  });

  const response = await CONFIG_TEST.run(ready);
  const text = await response.text();
  const latencyMs = Math.round(performance.now() - served.t0);
  // The answer links to the run's log: written before it goes, or the link would find no log yet
  // (the writer flushes every 250 ms). Bounded: a database that is down leaves the row queued or
  // spilled, and the answer goes anyway.
  await logWritten(logged);

  // Every provider key the test could have used or been answered with: the config's and its targets' (virtual keys decrypted).
  const secrets = new Set<string>();
  forEachConfigCredential(input.config, (value) => secrets.add(value));
  routingSecrets(served.routing?.tree, secrets);
  const redactor = new Redactor(secrets);

  const attempts = (served.result?.attempts ?? failedAttempts.get(served) ?? []) as AttemptRecord<ResolvedTarget>[];
  const streamed = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  let parsed: Record<string, unknown> | null = null;
  try {
    const value: unknown = streamed ? null : JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    parsed = null;
  }
  const ok = response.status >= 200 && response.status < 300;
  const path = `/v1/${input.endpoint}`;
  return {
    object: "config.test",
    log_id: served.logId,
    trace_id: served.ctx?.traceId ?? served.logId,
    created_at: served.startedAt.toISOString(),
    status: response.status,
    latency_ms: latencyMs,
    model: typeof parsed?.model === "string" ? parsed.model : null,
    answer: ok ? answerText(path, streamed, text, parsed, redactor) : null,
    error: ok ? null : errorOf(parsed, text, redactor),
    fallback_used: served.result?.fallbackUsed ?? false,
    retry_count: served.result?.retryCount ?? 0,
    attempts: attemptRows(attempts, served.startedAt.getTime(), redactor).map(attemptView),
  };
}

/** How long a config run's answer waits for its log row to be written. */
const LOG_WRITE_WAIT_MS = 5_000;

async function logWritten(queued: Promise<void>): Promise<void> {
  const deadline = performance.now() + LOG_WRITE_WAIT_MS;
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    queued.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), LOG_WRITE_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (inTime) await getLogWriter().flush(Math.max(1, deadline - performance.now()), { quiet: true });
}

/** The answer's text: a chat completion's first message, a Responses answer's output text, a Messages answer's text blocks, a stream assembled. */
function answerText(
  path: string,
  streamed: boolean,
  text: string,
  json: Record<string, unknown> | null,
  redactor: Redactor,
): string | null {
  if (streamed) {
    const assembled = assembleStream(path, text);
    return assembled.events > 0 ? redactor.text(assembled.text) : null;
  }
  if (path === "/v1/responses") {
    const assembled = assembleResponseJson(text);
    return assembled ? redactor.text(assembled.text) : null;
  }
  if (path === "/v1/messages" && Array.isArray(json?.content)) {
    const parts = (json.content as unknown[]).flatMap((b) =>
      b && typeof b === "object" && (b as { type?: unknown }).type === "text" && typeof (b as { text?: unknown }).text === "string"
        ? [(b as { text: string }).text]
        : [],
    );
    return parts.length ? redactor.text(parts.join("")) : null;
  }
  return chatText(json, redactor);
}

/** The first choice's message text of a chat completion (null when it has none, e.g. only tool calls). */
function chatText(json: Record<string, unknown> | null, redactor: Redactor): string | null {
  const choices = json?.choices;
  const first: unknown = Array.isArray(choices) ? choices[0] : undefined;
  const message = first && typeof first === "object" ? (first as { message?: unknown }).message : undefined;
  const content = message && typeof message === "object" ? (message as { content?: unknown }).content : undefined;
  return typeof content === "string" ? redactor.text(content) : null;
}

function errorOf(json: Record<string, unknown> | null, text: string, redactor: Redactor): NonNullable<ConfigTestResult["error"]> {
  const error = json?.error;
  if (error && typeof error === "object") {
    const e = error as { message?: unknown; type?: unknown; code?: unknown };
    return {
      message: redactor.text(typeof e.message === "string" ? e.message : JSON.stringify(error)),
      type: typeof e.type === "string" ? e.type : null,
      code: typeof e.code === "string" ? e.code : e.code === undefined || e.code === null ? null : String(e.code),
    };
  }
  return { message: redactor.text(text.slice(0, 2_000)), type: null, code: null };
}
