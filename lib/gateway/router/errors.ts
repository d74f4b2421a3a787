/**
 * The ways `route()` ends without an answer to hand back. Each carries the attempts made so far,
 * so the request log stays complete.
 */
import type { AttemptRecord } from "./types";

export abstract class RouteError extends Error {
  abstract readonly code: "no_matching_condition" | "client_aborted" | "invalid_route_tree" | "attempt_budget_exhausted";
  /** Attempts made before routing stopped. Filled in by `route()`. */
  attempts: AttemptRecord<unknown>[] = [];
}

/** A conditional strategy matched no condition and has no `default`: the caller answers 400. */
export class NoMatchingConditionError extends RouteError {
  readonly code = "no_matching_condition";
  constructor(readonly path: string) {
    super(`no condition of the conditional strategy at ${path} matched the request, and it has no default`);
    this.name = "NoMatchingConditionError";
  }
}

/** The client disconnected: nothing more was attempted and the attempt in flight was aborted. */
export class RouteAbortedError extends RouteError {
  readonly code = "client_aborted";
  constructor() {
    super("the client disconnected; routing stopped");
    this.name = "RouteAbortedError";
  }
}

/**
 * The tree cannot be routed (no children, a condition naming a missing child, no positive
 * weight). A validated config never produces one; the caller answers 500 (or 400 if the tree was
 * built from an unvalidated config).
 */
export class InvalidRouteTreeError extends RouteError {
  readonly code = "invalid_route_tree";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`cannot route at ${path}: ${detail}`);
    this.name = "InvalidRouteTreeError";
  }
}

/**
 * The request's upstream attempts (retries included) reached `limit` and routing wanted another:
 * nothing more is tried. The caller answers with a gateway error naming the limit.
 */
export class AttemptBudgetError extends RouteError {
  readonly code = "attempt_budget_exhausted";
  constructor(
    readonly limit: number,
    /** The last attempt's status (undefined when it had none). */
    readonly lastStatus: number | undefined,
  ) {
    super(`routing stopped after ${limit} upstream attempts, the limit for one request`);
    this.name = "AttemptBudgetError";
  }
}
