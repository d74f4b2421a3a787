/**
 * A request-log record for tests and benchmarks (never imported by the app): every field set to a
 * plain successful chat completion, each call a new id and trace id, `overrides` on top.
 */
import type { AttemptRecordRow, LogRecord } from "../lib/logs/types";

let seq = 0;

export function testLogRecord(overrides: Partial<LogRecord> = {}): LogRecord {
  seq += 1;
  return {
    id: `log_${String(seq).padStart(26, "0")}`,
    workspaceId: "ws",
    createdAt: new Date(0),
    traceId: `trace-${seq}`,
    metadata: null,
    apiKeyId: null,
    configSlug: null,
    configVersion: null,
    configFromKey: false,
    method: "POST",
    path: "/v1/chat/completions",
    modelRequested: "gpt-4o",
    stream: false,
    status: 200,
    errorType: null,
    provider: "openai",
    model: "gpt-4o",
    virtualKeySlug: null,
    virtualKeyVersion: null,
    promptTokens: null,
    completionTokens: null,
    totalTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    responseId: null,
    cost: null,
    costSaved: null,
    usageEstimated: false,
    latencyMs: 10,
    overheadMs: 0.5,
    retryCount: 0,
    cacheStatus: "DISABLED",
    fallbackUsed: false,
    requestBody: null,
    requestBodyTruncated: false,
    responseBody: null,
    responseBodyTruncated: false,
    requestHeaders: null,
    responseHeaders: null,
    attempts: [],
    affinity: [],
    ...overrides,
  };
}

/** The attempt row of target `index` of a config (an OpenAI gpt-4o call answered 200), `overrides` on top. */
export function testAttempt(index: number, overrides: Partial<AttemptRecordRow> = {}): AttemptRecordRow {
  return {
    index,
    targetPath: `config.targets[${index}]`,
    provider: "openai",
    virtualKeySlug: null,
    virtualKeyVersion: null,
    model: "gpt-4o",
    status: 200,
    errorClass: null,
    errorMessage: null,
    latencyMs: 10,
    retry: 0,
    startedAt: new Date(0),
    ...overrides,
  };
}
