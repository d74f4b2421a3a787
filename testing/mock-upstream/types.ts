// Public types of the mock upstream (OpenAI, Azure OpenAI, Anthropic and the OpenAI-compatible
// providers' wire formats, with fault injection).
import type { NamedProvider } from "./named-providers";

/** `NamedProvider`: the OpenAI-compatible providers under their prefixes (named-providers.ts). */
export type Provider = "openai" | "azure" | "anthropic" | NamedProvider;

/**
 * Route suffix: below /v1/ (OpenAI, Anthropic), /openai/deployments/{d}/ or /openai/v1/ (Azure), or
 * a named provider's base path. Anthropic serves `messages`, `messages/count_tokens` and `models`
 * (GET /v1/models with `x-api-key`). The Responses API's routes are recorded as templates
 * (`responses/{id}`, not the id: that is `RecordedRequest.responseId`).
 */
export type ApiPath = "chat/completions" | "completions" | "embeddings" | "models" | "messages" | "messages/count_tokens" | ResponsesPath;

/** OpenAI's Responses API (OpenAI, and Azure below /openai/v1/ or /openai/). */
export type ResponsesPath =
  | "responses"
  | "responses/{id}"
  | "responses/{id}/cancel"
  | "responses/{id}/input_items"
  | "responses/input_tokens";

export type Fault =
  /** That status with the provider's error body (or `body` verbatim); 429 can carry retry headers. */
  | { kind: "status"; status: number; retryAfterSeconds?: number; retryAfterMs?: number; body?: Record<string, unknown> }
  /** Never answers; released when the client aborts or the server closes. */
  | { kind: "hang" }
  /** Answers normally after `ms` (before headers). */
  | { kind: "delay"; ms: number }
  /** TCP reset without any response. */
  | { kind: "reset" }
  /** 200 headers, then the connection is closed before any body byte. */
  | { kind: "stream_break_before_first_chunk" }
  /** 200 headers + preamble chunks + the first `chunks` content chunks, then the connection is closed. */
  | { kind: "stream_break_after_chunks"; chunks: number }
  /**
   * 200 headers + the stream's opening events and no text: the role chunk (chat), after Azure's
   * prompt_filter_results event; then the connection is closed. Not streaming: headers, then closed.
   */
  | { kind: "stream_break_after_role_chunk" }
  /** 200 application/json with a truncated (invalid) JSON body. */
  | { kind: "malformed_json" }
  /** 200 text/event-stream with non-JSON `data:` lines, then a normal end. */
  | { kind: "sse_garbage" }
  /** Normal answer with `delayMs` between stream chunks (between body pieces when not streaming). */
  | { kind: "slow_chunks"; delayMs: number }
  /**
   * A normal stream whose body ends `ms` after its last event (the chunked encoding's last chunk
   * comes later, as from a provider that closes its stream in a packet of its own). Not streaming:
   * the normal answer.
   */
  | { kind: "late_end"; ms: number }
  /**
   * The key the request carried, echoed: a 200 JSON answer with it in an `echo` field and in the
   * text (non-streaming), or the preamble + the first content chunk, then an `error` event whose
   * message holds it (streaming). For tests that a gateway keeps keys out of its logs.
   */
  | { kind: "echo_key" }
  /** A redirect: `status` (default 302; 301, 302, 303, 307 or 308) with `location` (default http://redirected.invalid + the request's path). */
  | { kind: "redirect"; status?: RedirectStatus; location?: string }
  /**
   * An error inside a 200 stream: the preamble and `afterChunks` content chunks, then the provider's
   * error event (Anthropic: `event: error` with `errorType`, default overloaded_error; OpenAI and
   * Azure: `data: {"error":{...}}`), then the end. Not streaming: the status of that error type
   * with its error body (overloaded_error: 529).
   */
  | { kind: "sse_error_event"; afterChunks: number; errorType?: string }
  /**
   * Responses API: a 200 stream of the opening events and `afterChunks` deltas ending in
   * `response.failed` (status "failed", `error.code` "server_error"); not streaming, a 200 failed
   * response. Other routes: as `sse_error_event` with `server_error`.
   */
  | { kind: "response_failed"; afterChunks: number }
  /**
   * Anthropic: answer with a `tool_use` block, the Responses API with a `function_call` item, for
   * the tool named `name` (default: the request's first tool) whose input holds the schema's
   * required properties; no tools: the normal answer.
   */
  | { kind: "tool_use"; name?: string };

export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

export type FaultKind = Fault["kind"];

export interface FaultMatch {
  provider?: Provider;
  key?: string;
  deployment?: string;
  path?: ApiPath;
  model?: string;
  stream?: boolean;
}

export interface FaultRule {
  match?: FaultMatch;
  fault: Fault;
  /** Applies to the next N matching requests, then expires. Absent = forever. */
  times?: number;
  /** 0..1, default 1. A rule that loses the draw is skipped and later rules are checked. */
  probability?: number;
}

/** A scripted rule as listed by `rules()` / `GET /__mock/script`. */
export interface ScriptedRule extends FaultRule {
  id: string;
  /** Applications left when `times` was given. */
  remaining?: number;
  applied: number;
}

export interface RecordedRequest {
  seq: number;
  /** The TCP connection the request came on: 1 for the server's first, then 2, ... (keep-alive reuse shows as a repeat). */
  connection: number;
  /** Epoch ms when the request headers arrived. */
  time: number;
  provider: Provider;
  path: ApiPath;
  /** The request's path and query as received (e.g. `/openai/v1/chat/completions`). */
  url: string;
  /** Azure: the path's deployment, or on the v1 API (/openai/v1/...) and the Responses API the body's model. */
  deployment?: string;
  /** Responses API: the response id of the URL, or of the response a create made. */
  responseId?: string;
  /** Azure: the `api-version` query; on the v1 API `v1` when none was sent (or `preview`). */
  apiVersion?: string;
  /** Full key as sent (Bearer token for OpenAI and the named providers, `api-key` header for Azure or Bearer on its v1 API, `x-api-key` for Anthropic). */
  key?: string;
  /** Anthropic: the `anthropic-version` and `anthropic-beta` headers sent. */
  anthropicVersion?: string;
  anthropicBeta?: string;
  /** The W3C `traceparent` header sent (a tracing gateway's attempt span). */
  traceparent?: string;
  /** The W3C `tracestate` header sent with it. */
  tracestate?: string;
  model?: string;
  stream: boolean;
  includeUsage: boolean;
  /** Fault kind applied to this request, if any. */
  fault?: FaultKind;
  ruleId?: string;
  /** Status line sent (absent when nothing was sent: hang, reset, client gone first). */
  status?: number;
  /** The client went away before the response finished (deliberate mock faults do not count). */
  aborted: boolean;
  /** The exchange is over (finished, broken or aborted). */
  settled: boolean;
  durationMs?: number;
}

export interface RequestFilter {
  provider?: Provider;
  key?: string;
  deployment?: string;
  path?: ApiPath;
  model?: string;
  fault?: FaultKind;
}

export interface MockUpstreamOptions {
  /** 0 (default) = random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added before every API response's headers. Default 0. */
  latencyMs?: number;
  /** Delay between SSE chunks of normal streams. Default 0 (whole stream in one write). */
  chunkDelayMs?: number;
  /** Seed for the PRNG behind `probability`; absent = Math.random. */
  seed?: number;
  /** Request record ring-buffer size. Default 10,000. */
  maxRecords?: number;
  /** Azure streams start with a prompt_filter_results chunk with empty choices. Default true. */
  azurePromptFilterChunk?: boolean;
  /** Azure deployment -> underlying model. When given, unknown deployments get 404 DeploymentNotFound. */
  azureDeployments?: Record<string, string>;
}

export interface WaitOptions {
  /** Default 5000. */
  timeoutMs?: number;
  /** true (default): wait until the exchange is over; false: until the request is parsed and its fault chosen. */
  settled?: boolean;
}

export interface MockUpstream {
  /** http://HOST:PORT (OpenAI base: `${url}/v1`, Azure base: `${url}/openai`, Anthropic base: `${url}`). */
  url: string;
  port: number;
  /** Adds a fault rule (validated; throws on an invalid rule). Returns its id. */
  script(rule: FaultRule): string;
  clearScript(): void;
  rules(): ScriptedRule[];
  /** Clears rules and records (and re-seeds the PRNG). */
  reset(): void;
  /** Snapshot copies, oldest first. */
  requests(filter?: RequestFilter): RecordedRequest[];
  /** Resolves with the first record (already present or future) that matches. */
  waitForRequest(match?: RequestFilter | ((r: RecordedRequest) => boolean), opts?: WaitOptions): Promise<RecordedRequest>;
  close(): Promise<void>;
}
