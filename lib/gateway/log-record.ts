/** Turns a served request into its log row (GATEWAY.md §9). Secrets never reach the row. */
import { costUsd } from "../logs/cost";
import { boundBody, type AttemptRecordRow, type LogRecord } from "../logs/types";
import type { ResolvedTarget } from "./resolve";
import type { AttemptRecord } from "./router";
import type { StreamUsage } from "./sse";

const SECRET_HEADERS = new Set(["authorization", "x-portkey-api-key", "api-key", "cookie", "proxy-authorization"]);

/** Request headers as JSON with credentials removed. */
export function redactedHeaders(headers: Headers): string {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = SECRET_HEADERS.has(name) ? "[redacted]" : value;
  });
  return JSON.stringify(out);
}

export function attemptRows(attempts: AttemptRecord<ResolvedTarget>[], startedAt: number): AttemptRecordRow[] {
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
      errorMessage: a.reason ?? null,
      latencyMs: Math.round(a.latencyMs),
      retry: a.retryIndex,
      startedAt: new Date(startedAt + elapsed),
    };
    elapsed += a.latencyMs;
    return row;
  });
}

export type Served = {
  usage: StreamUsage | null;
  model: string | null;
};

export function usageFields(served: Served, modelRequested: string | null) {
  const model = served.model ?? modelRequested;
  const u = served.usage;
  const promptTokens = u?.promptTokens ?? null;
  const completionTokens = u?.completionTokens ?? null;
  const totalTokens = u?.totalTokens ?? (promptTokens !== null || completionTokens !== null ? (promptTokens ?? 0) + (completionTokens ?? 0) : null);
  const cost = u && model ? costUsd({ model, promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0 }) : null;
  return { model, promptTokens, completionTokens, totalTokens, cost };
}

export function bodyFields(requestText: string | null, responseText: string | null) {
  const req = requestText === null ? null : boundBody(requestText);
  const res = responseText === null ? null : boundBody(responseText);
  return {
    requestBody: req?.body ?? null,
    requestBodyTruncated: req?.truncated ?? false,
    responseBody: res?.body ?? null,
    responseBodyTruncated: res?.truncated ?? false,
  };
}

export type { LogRecord };
