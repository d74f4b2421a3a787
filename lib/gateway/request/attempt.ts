/**
 * One call of one upstream target, as the router's `attempt()`: build the provider request, send
 * it over the pooled agent, and settle once the answer is known: the full body for JSON and errors,
 * the first content event for streams (so a stream that breaks before it can still fall back).
 *
 * Detour's verdicts on an answer it cannot pass on are gateway errors that count as failed
 * attempts (fallback and retry see them like any 502): a broken stream, a 2xx that is not JSON, and
 * a redirect (any 3xx: 502 `upstream_redirect`; redirects are never followed, and their `location`
 * is never passed on, so a provider key cannot be walked to another host). A connection the
 * upstream lookup refused (the name resolved to a non-public address when Detour connected) is a
 * 400 `custom_host_not_allowed` for a custom host, a 502 `upstream_address_not_allowed` otherwise.
 *
 * A target whose virtual key has `allowed_models` is refused before any call when the model it
 * would send (the body's, after the target's `override_params`; for Azure the alias the request
 * names, not the deployment) is not on the list: 403 `model_not_allowed` as this attempt's outcome,
 * so a fallback moves on to its next target.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { originOf } from "../upstream/origin";
import type { Endpoint, OpenAiErrorBody, ResourceCall, TokenUsage, UpstreamRequest, Wire } from "../providers/types";
import { isBuildError } from "../providers/types";
import type { ResolvedTarget } from "./resolve-targets";
import type { AttemptFn, AttemptOutcome, NodeSettings } from "../router";
import { readAnthropicUsage, readResponsesUsage, readUsage, SseRelay } from "./sse-relay";
import { discardBody, flatHeaders, passThroughHeaders, sendUpstream, type UpstreamResponse } from "../upstream/agent";
import { findAddressNotAllowed } from "../upstream/lookup";
import { isRecord } from "../../is-record";
import { modelAllowed } from "../model-allow";
import { type DetourErrorBody, ERROR_CATALOG, errorBody } from "../../errors";
import type { RequestTrace } from "../../tracing/types";
import { ExchangeWait, upstreamWait, type Waits } from "./waits";
import { withChanges } from "../../object";
import type { HeaderList } from "../../http/header-list";
import type { CancelSignal } from "../router/cancel";

export type UpstreamPayload =
  /** A 2xx JSON answer in the client's wire (translated when the provider answers in another format), with its usage. */
  | { kind: "json"; text: string; json: Record<string, unknown>; usage: TokenUsage | null; headers: HeaderList; deployment?: string }
  | { kind: "stream"; relay: SseRelay; headers: HeaderList; deployment?: string }
  /**
   * An error answer in OpenAI's shape: the provider's own (`raw`: its body as sent, redacted, for a
   * client of the provider's own wire), or Detour's (`gateway: true`).
   */
  | { kind: "error"; body: OpenAiErrorBody; headers: HeaderList | null; gateway: boolean; message: string; raw?: string };

const MAX_ERROR_BODY = 64 * 1024;

export type AttemptSetup = {
  endpoint: Endpoint;
  /** The client's wire (the endpoint's): how a JSON answer's usage is read and a stream is relayed. */
  wire: Wire;
  body: Record<string, unknown>;
  stream: boolean;
  /** The caller did not ask for usage in the stream: Detour asks, then strips that chunk. */
  stripUsageChunk: boolean;
  maxLogBytes: number;
  /** The request's waits: each attempt's waits on its upstream are counted there (waits.ts). */
  timing: Waits;
  /** The client's request headers (a provider's `clientHeaders` are read from them). */
  requestHeaders?: Headers;
  /** The HTTP client (default: the process-wide agent); tests pass one with their own DNS. */
  dispatcher?: Dispatcher;
  /** A call on one stored response (GET/DELETE/cancel/input_items): its method, id and query. */
  call?: ResourceCall;
  /**
   * Told the id of every Responses API response an attempt sees created (a JSON answer's `id`, a
   * stream's `response.created`), with the target and deployment that hold it.
   */
  onResponseId?: (id: string, leaf: { target: ResolvedTarget; path: string }, deployment: string | undefined) => void;
  /** The request's spans (lib/tracing): each attempt is a child span, its id sent upstream in `traceparent`. Null when off. */
  trace?: RequestTrace | null;
  /**
   * Counts a measured leaf's attempt in flight (loadbalance by in_flight, balance/hooks.ts): called
   * as it is sent; the function it returns is called once the exchange is over (the answer read, the
   * stream ended or abandoned, or no answer).
   */
  track?: (leaf: { target: ResolvedTarget; path: string; settings: NodeSettings }) => () => void;
};

export function createAttempt(setup: AttemptSetup): AttemptFn<ResolvedTarget, UpstreamPayload> {
  return async (leaf, info) => {
    // Started first, so every call (refused ones too) has its span, in the router's order.
    const span = setup.trace ? setup.trace.attempt() : null;
    const { adapter, creds } = leaf.target;
    const overrides = leaf.settings.overrideParams;
    let body = overrides ? withChanges(setup.body, overrides) : setup.body;
    if (setup.stream && setup.stripUsageChunk) {
      const streamOptions = typeof body.stream_options === "object" && body.stream_options !== null ? body.stream_options : {};
      body = withChanges(body, { stream_options: withChanges(streamOptions, { include_usage: true }) });
    }
    // A call on a stored response (setup.call) asks for no model: the list applied when it was created.
    const refused = setup.call ? null : modelRefusal(leaf.target, body);
    if (refused) return refused;
    const built = adapter.buildRequest(setup.endpoint, body, creds, setup.call);
    if (isBuildError(built)) {
      const { status, message, type, param, code } = built.error;
      return {
        status,
        response: { kind: "error", body: { error: { message, type, param, code } }, headers: null, gateway: true, message },
      };
    }

    const passed = adapter.clientHeaders;
    if (passed && passed.wire === setup.wire && setup.requestHeaders) {
      for (const name of passed.names) {
        const value = setup.requestHeaders.get(name);
        if (value !== null) built.headers[name] = value;
      }
    }
    // Only to the target's own destination (built.url), with this attempt's span as the parent.
    if (span !== null) span.sending(built.headers, built.url, typeof body.model === "string" ? body.model : (built.deployment ?? null));

    const over = leaf.settings.measured && setup.track ? setup.track(leaf) : undefined;
    const waits = setup.timing;
    try {
      const res = await exchange(built, info.signal, setup.dispatcher, waits);
      if (over) whenClosed(res.body as Readable, over);
      const headers = passThroughHeaders(res.headers);
      const flat = flatHeaders(res.headers);
      if (res.statusCode >= 300 && res.statusCode < 400) {
        discardBody(res.body as Readable); // never read, never relayed: the location stays here
        headers.delete("location");
        delete flat.location;
        const where = originOf(built.url) ?? adapter.id;
        const message = `${adapter.id} at ${where} answered ${res.statusCode} (a redirect); Detour does not follow upstream redirects: point custom_host at the URL that answers`;
        return detourVerdict("redirect", errorBody("upstream_redirect", message), headers, flat);
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        // A provider may echo the key it was given; it must never reach the caller or a log row.
        const text = redactSecret(await upstreamWait(waits, readErrorBody(res)), creds.apiKey);
        const normalized = adapter.normalizeError(res.statusCode, text);
        return errorOutcome(res.statusCode, normalized.body, headers, flat, normalized.body.error.message, text);
      }
      if (setup.stream) {
        const relay = new SseRelay(res.body as Readable, {
          stripUsageChunk: setup.stripUsageChunk,
          maxLogBytes: setup.maxLogBytes,
          wire: setup.wire,
          translate: built.translate?.stream(),
          onResponseId: setup.onResponseId && ((id) => setup.onResponseId!(id, leaf, built.deployment)),
          waits,
        });
        const first = await relay.waitForFirstContent();
        if (!first.ok) {
          relay.discard();
          return detourVerdict(
            "stream_broken",
            errorBody("upstream_stream_broken", `${adapter.id} answered ${res.statusCode}, but ${first.message}`),
            headers,
            flat,
          );
        }
        const payload: UpstreamPayload = { kind: "stream", relay, headers };
        if (built.deployment) payload.deployment = built.deployment;
        return { status: res.statusCode, headers: flat, response: payload };
      }
      const text = await upstreamWait(waits, res.body.text());
      const json = parseObject(text);
      if (!json) {
        const message = `${adapter.id} answered ${res.statusCode} with a body that is not a JSON object (${describeBody(text)})`;
        return detourVerdict("invalid_json", errorBody("upstream_invalid_json", message), headers, flat);
      }
      let payload: UpstreamPayload;
      if (built.translate) {
        const translated = built.translate.json(json);
        if ("problem" in translated) {
          const message = `${adapter.id} answered ${res.statusCode} with an answer Detour cannot translate: ${translated.problem}`;
          return detourVerdict("invalid_json", errorBody("upstream_invalid_json", message), headers, flat);
        }
        payload = { kind: "json", text: JSON.stringify(translated.body), json: translated.body, usage: translated.usage, headers };
      } else {
        const usage =
          setup.wire === "anthropic"
            ? readAnthropicUsage(json.usage)
            : setup.wire === "responses"
              ? readResponsesUsage(json.usage)
              : readUsage(json.usage);
        payload = { kind: "json", text, json, usage, headers };
        if (setup.onResponseId && json.object === "response" && typeof json.id === "string" && json.id) {
          setup.onResponseId(json.id, leaf, built.deployment);
        }
      }
      if (built.deployment) payload.deployment = built.deployment;
      return { status: res.statusCode, headers: flat, response: payload };
    } catch (err) {
      over?.();
      if (info.signal.aborted) throw err;
      const refused = findAddressNotAllowed(err);
      if (refused) return addressRefused(refused.message, creds.customHost !== undefined);
      const message = `could not reach ${adapter.id}: ${describeNetworkError(err)}`;
      return {
        status: ERROR_CATALOG.upstream_unreachable.status,
        errorClass: "network",
        response: { kind: "error", body: errorBody("upstream_unreachable", message), headers: null, gateway: true, message },
      };
    }
  };
}

/** The request sent and its answer's headers awaited, the wait counted in `waits` but for the request's write. */
async function exchange(
  built: UpstreamRequest,
  signal: CancelSignal,
  dispatcher: Dispatcher | undefined,
  waits: Waits,
): Promise<UpstreamResponse> {
  const wait = new ExchangeWait(waits);
  wait.start();
  try {
    return await sendUpstream(built, signal, dispatcher, wait);
  } finally {
    wait.stop();
  }
}

/** Calls `fn` once the upstream body is closed (read to its end, destroyed, or failed). */
function whenClosed(body: Readable, fn: () => void): void {
  if (body.closed || body.destroyed) fn();
  else body.once("close", fn);
}

/** 403 `model_not_allowed` when the target's virtual key has a list the body's model is not on (or there is no model). */
function modelRefusal(target: ResolvedTarget, body: Record<string, unknown>): AttemptOutcome<UpstreamPayload> | null {
  const key = target.virtualKey;
  if (!key?.allowedModels) return null;
  const model = typeof body.model === "string" ? body.model : null;
  if (model !== null && modelAllowed(key.allowedModels, model)) return null;
  const allows = key.allowedModels.join(", ");
  const message =
    model === null
      ? `The request names no model, and virtual key ${JSON.stringify(key.slug)} allows only ${allows}: send model.`
      : `Model ${JSON.stringify(model)} is not allowed for virtual key ${JSON.stringify(key.slug)}: it allows ${allows}.`;
  return {
    status: ERROR_CATALOG.model_not_allowed.status,
    response: { kind: "error", body: errorBody("model_not_allowed", message, "model"), headers: null, gateway: true, message },
  };
}

function errorOutcome(
  status: number,
  body: OpenAiErrorBody,
  headers: HeaderList,
  flat: Record<string, string>,
  message: string,
  raw: string,
): AttemptOutcome<UpstreamPayload> {
  return { status, headers: flat, response: { kind: "error", body, headers, gateway: false, message, raw } };
}

/** The connect-time private-address rule refused the address the upstream's name resolved to. */
function addressRefused(detail: string, customHost: boolean): AttemptOutcome<UpstreamPayload> {
  const body = customHost
    ? errorBody("custom_host_not_allowed", `custom_host ${detail}`, "custom_host")
    : errorBody("upstream_address_not_allowed", `upstream ${detail}`);
  return {
    status: ERROR_CATALOG[body.error.code].status,
    errorClass: "address_not_allowed",
    response: { kind: "error", body, headers: null, gateway: true, message: body.error.message },
  };
}

/** Detour's own judgement of an answer it cannot pass on (broken stream, bad JSON, redirect): a gateway error. */
function detourVerdict(
  errorClass: "stream_broken" | "invalid_json" | "redirect",
  body: DetourErrorBody,
  headers: HeaderList,
  flat: Record<string, string>,
): AttemptOutcome<UpstreamPayload> {
  return {
    status: ERROR_CATALOG[body.error.code].status,
    errorClass,
    headers: flat,
    response: { kind: "error", body, headers, gateway: true, message: body.error.message },
  };
}

function describeBody(text: string): string {
  if (!text) return "empty";
  return `${Buffer.byteLength(text)} bytes, starting ${JSON.stringify(text.slice(0, 40))}`;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** An error body, up to MAX_ERROR_BODY bytes: read whole when its declared length fits, else bounded. */
function readErrorBody(res: UpstreamResponse): Promise<string> {
  const declared = Number(res.headers["content-length"]);
  if (Number.isInteger(declared) && declared >= 0 && declared <= MAX_ERROR_BODY) return res.body.text();
  return readBounded(res.body as Readable, MAX_ERROR_BODY);
}

async function readBounded(body: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size < max) chunks.push(buf.subarray(0, max - size));
    size += buf.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function redactSecret(text: string, secret: string): string {
  return secret.length >= 8 && text.includes(secret) ? text.split(secret).join("[redacted]") : text;
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? "unknown error";
}
