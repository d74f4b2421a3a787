/**
 * Detour's own errors on /v1/*: OpenAI's error shape, so SDKs parse them, plus
 * `x-portkey-gateway-exception: true`. Messages say what is wrong and never leak internals.
 */
export type GatewayErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "timeout_error";

export class GatewayError extends Error {
  /** Answer with `connection: close` (the request body was not read to its end). */
  closeConnection = false;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: GatewayErrorType = statusType(status),
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "GatewayError";
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function statusType(status: number): GatewayErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 408) return "timeout_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** Detour's own rate limit (not the provider's): 429 `detour_rate_limit` with `retry-after`. */
export class RateLimitError extends GatewayError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly scope: "api_key" | "virtual_key",
  ) {
    super(429, "detour_rate_limit", message, "rate_limit_error");
  }
}

export const badRequest = (code: string, message: string, param: string | null = null) =>
  new GatewayError(400, code, message, "invalid_request_error", param);
export const notFound = (code: string, message: string) => new GatewayError(404, code, message);
export const unauthorized = (code: string, message: string) => new GatewayError(401, code, message);
export const forbidden = (code: string, message: string) => new GatewayError(403, code, message);

/** The body of a timed-out attempt (GATEWAY.md §5). */
export function timeoutErrorBody(timeoutMs: number) {
  return {
    error: {
      message: `Request exceeded the timeout of ${timeoutMs} ms set by request_timeout.`,
      type: "timeout_error",
      param: null,
      code: null,
    },
  };
}

/**
 * Routing stopped because the request used its whole budget of upstream attempts
 * (DETOUR_MAX_UPSTREAM_ATTEMPTS, retries included): 502 `attempt_budget_exhausted`.
 */
export function attemptBudgetExhausted(limit: number, lastStatus: number | undefined): GatewayError {
  const last = lastStatus === undefined ? "" : ` The last attempt answered status ${lastStatus}.`;
  return new GatewayError(
    502,
    "attempt_budget_exhausted",
    `Detour stopped routing after ${limit} upstream attempts, the limit for one request (retries included; DETOUR_MAX_UPSTREAM_ATTEMPTS).${last}`,
  );
}
