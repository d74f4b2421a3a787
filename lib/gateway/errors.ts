/**
 * The gateway's side of Detour's errors (lib/errors.ts): on /v1/* they are answered in OpenAI's
 * error shape, so SDKs parse them, with `x-portkey-gateway-exception: true`. Messages say what is
 * wrong and never leak internals.
 */
import { DetourError, type ErrorType } from "../errors";
import { AttemptBudgetError, NoMatchingConditionError, RouteAbortedError } from "./router/errors";

/**
 * The error to answer for what the request path threw: a DetourError as it is, the ways routing
 * ends without an answer (router/errors.ts) as their codes, anything else null (unexpected: the
 * caller logs it and answers 500 `internal_error`). An unroutable tree (InvalidRouteTreeError) is
 * such a bug.
 */
export function gatewayError(err: unknown): DetourError | null {
  if (err instanceof DetourError) return err;
  if (err instanceof NoMatchingConditionError) {
    return new DetourError(
      "no_matching_condition",
      `No condition of the conditional strategy at ${err.path} matched this request, and it has no default.`,
    );
  }
  if (err instanceof AttemptBudgetError) {
    // Routing wanted another attempt after DETOUR_MAX_UPSTREAM_ATTEMPTS (retries included).
    const last = err.lastStatus === undefined ? "" : ` The last attempt answered status ${err.lastStatus}.`;
    return new DetourError(
      "attempt_budget_exhausted",
      `Detour stopped routing after ${err.limit} upstream attempts, the limit for one request (retries included; DETOUR_MAX_UPSTREAM_ATTEMPTS).${last}`,
    );
  }
  if (err instanceof RouteAbortedError) return new DetourError("client_closed", "The client closed the request.");
  return null;
}

/** The body of a timed-out attempt (docs/GATEWAY.md §5.2): 408 `timeout_error` with `code: null`, not a catalog code. */
export function timeoutErrorBody(timeoutMs: number): { error: { message: string; type: ErrorType; param: null; code: null } } {
  return {
    error: {
      message: `Request exceeded the timeout of ${timeoutMs} ms set by request_timeout.`,
      type: "timeout_error",
      param: null,
      code: null,
    },
  };
}
