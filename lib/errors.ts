/**
 * Every error Detour answers with itself, in one place: ERROR_CATALOG maps each `code` to its HTTP
 * status and OpenAI error `type` (docs/GATEWAY.md §6.4 documents the same table; lib/errors.test.ts checks
 * the two agree both ways), and DetourError is the one error class, built from a code. Call sites
 * name a code and a message; the status and type come from here and are never written by hand.
 *
 * A code whose status legitimately varies lists its other statuses under `alternatives`; the
 * constructor accepts only those (type-checked). Codes answered with `connection: close` or
 * `retry-after` say so here too. Each surface renders the error in its own order of keys: the
 * gateway with `toBody()` (`{message, type, param, code}`, OpenAI's), the management API in
 * lib/api/errors.ts (`{message, type, code, param, issues?}`).
 *
 * Dependency-free: scripts/client-error.ts, lib/api/body-limits.ts and the dashboard import it.
 */

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "conflict_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "server_error"
  | "timeout_error";

type Variant = { readonly status: number; readonly type: ErrorType };

type CatalogEntry = Variant & {
  /** Other statuses the code is answered with, each with its type (docs/GATEWAY.md §6.4 names them under `when`). */
  readonly alternatives?: readonly Variant[];
  /** Answered with `connection: close`: the request was not read to its end, or the connection cannot carry another. */
  readonly closeConnection?: true;
  /** Answered with `retry-after` (the constructor requires `retryAfterSeconds`). */
  readonly retryAfter?: true;
};

const invalidRequest = { status: 400, type: "invalid_request_error" } as const;
const unauthenticated = { status: 401, type: "authentication_error" } as const;
const forbidden = { status: 403, type: "permission_error" } as const;
const notFound = { status: 404, type: "not_found_error" } as const;
const conflict = { status: 409, type: "conflict_error" } as const;
const serverError = { status: 500, type: "server_error" } as const;
const badGateway = { status: 502, type: "server_error" } as const;

export const ERROR_CATALOG = {
  /** 409 on the management API: rotating a key that has expired. */
  api_key_expired: { ...unauthenticated, alternatives: [conflict] },
  api_key_revoked: conflict,
  /** A key replaced by a rotation cannot be rotated again (its replacement can). */
  api_key_rotated: conflict,
  attempt_budget_exhausted: badGateway,
  bad_request: invalidRequest,
  /** A budget (lib/budgets) would be exceeded: refused before any upstream call; `error.budget` says which. */
  budget_exceeded: { status: 429, type: "insufficient_quota" },
  chunk_extensions_too_large: { status: 413, type: "invalid_request_error", closeConnection: true },
  circuit_open: { status: 503, type: "server_error" },
  /** nginx's "client closed request": logged only, nobody receives it. */
  client_closed: { status: 499, type: "invalid_request_error" },
  config_not_found: notFound,
  conflict,
  cross_origin_write: forbidden,
  custom_host_not_allowed: invalidRequest,
  custom_host_not_allowed_for_virtual_key: invalidRequest,
  deployment_not_found: invalidRequest,
  detour_rate_limit: { status: 429, type: "rate_limit_error", retryAfter: true },
  /** The target's provider does not serve the endpoint asked for (embeddings on Anthropic). */
  endpoint_not_supported: invalidRequest,
  env_managed_key: conflict,
  forbidden,
  insufficient_scope: forbidden,
  internal_error: serverError,
  invalid_api_key: unauthenticated,
  invalid_body: invalidRequest,
  invalid_config: invalidRequest,
  invalid_custom_host: invalidRequest,
  invalid_deployment: invalidRequest,
  invalid_json: invalidRequest,
  invalid_metadata: invalidRequest,
  invalid_provider_option: invalidRequest,
  invalid_request_timeout: invalidRequest,
  invalid_resource_name: invalidRequest,
  /** The id in `/v1/responses/{id}` is not one (letters, digits, `_` and `-`, at most 256). */
  invalid_response_id: invalidRequest,
  invalid_saved_config: serverError,
  invalid_trace_id: invalidRequest,
  malformed_request: { ...invalidRequest, closeConnection: true },
  /** The gateway-only role (DETOUR_ROLE=gateway): a method an inference path does not serve. */
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  missing_api_key: unauthenticated,
  missing_custom_host: invalidRequest,
  missing_deployment: invalidRequest,
  /** 400 when the key given cannot be sent (blank, or characters a header cannot carry). */
  missing_provider_api_key: { ...unauthenticated, alternatives: [invalidRequest] },
  missing_resource_name: invalidRequest,
  /** The model asked for is not in the API key's `allowed_models` (or it names none), or not in a target's virtual key's. */
  model_not_allowed: forbidden,
  name_taken: conflict,
  no_credentials: invalidRequest,
  no_matching_condition: invalidRequest,
  no_target: invalidRequest,
  not_found: notFound,
  origin_required: forbidden,
  payload_too_large: { status: 413, type: "invalid_request_error", closeConnection: true },
  /** A request under a budget whose cost Detour cannot bound: a model it has no price for. */
  price_unknown: invalidRequest,
  /** `POST /v1/logs/{id}/replay`: the log cannot be replayed (its body was not logged, was cut...); the message says why. */
  replay_unavailable: { status: 422, type: "invalid_request_error" },
  request_body_timeout: { status: 408, type: "timeout_error", closeConnection: true },
  request_headers_too_large: { status: 431, type: "invalid_request_error", closeConnection: true },
  request_timeout: { status: 408, type: "timeout_error", closeConnection: true },
  request_too_large: { status: 413, type: "invalid_request_error" },
  /** A Responses follow-up or call whose origin target cannot be built from this request (origin.ts). */
  response_origin_not_routable: invalidRequest,
  /** The target holding a response or conversation is failing, and the config does not fall back without state. */
  response_origin_unavailable: { status: 503, type: "server_error" },
  sign_in_locked: { status: 429, type: "rate_limit_error", retryAfter: true },
  unauthorized: unauthenticated,
  /** 500 when a stored virtual key names a provider this build does not support. */
  unknown_provider: { ...invalidRequest, alternatives: [serverError] },
  /** A request parameter the target's provider cannot honour, so translating it would change its meaning. */
  unsupported_parameter: invalidRequest,
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  upstream_address_not_allowed: badGateway,
  upstream_invalid_json: badGateway,
  upstream_redirect: badGateway,
  upstream_stream_broken: badGateway,
  upstream_unreachable: badGateway,
  /** Management API: a route about the signed-in user (saved log views, column layout) called with an API key, which is no user. */
  user_required: forbidden,
  /** The virtual key's `expires_at` has passed (refused like a revoked key). */
  virtual_key_expired: forbidden,
  virtual_key_not_found: notFound,
  /** 409 on the management API: changing or revoking a key that is already revoked. */
  virtual_key_revoked: { ...forbidden, alternatives: [conflict] },
  wrong_password: invalidRequest,
} as const satisfies Record<string, CatalogEntry>;

type Catalog = typeof ERROR_CATALOG;

export type ErrorCode = keyof Catalog;

type AlternativeStatus<E> = E extends { readonly alternatives: readonly { readonly status: infer S }[] } ? S : never;

/** Every status `C` may be answered with: its main one and its alternatives. */
export type ErrorStatus<C extends ErrorCode = ErrorCode> = C extends ErrorCode
  ? Catalog[C]["status"] | AlternativeStatus<Catalog[C]>
  : never;

/** The codes that may be answered with status `S`. */
export type CodeWithStatus<S extends number> = { [C in ErrorCode]: S extends ErrorStatus<C> ? C : never }[ErrorCode];

/** The codes always answered with the same status. */
type SingleStatusCode = { [C in ErrorCode]: Catalog[C] extends { readonly alternatives: unknown } ? never : C }[ErrorCode];

/** The codes answered with `retry-after`. */
type RetryAfterCode = { [C in ErrorCode]: Catalog[C] extends { readonly retryAfter: true } ? C : never }[ErrorCode];

/** What one issue says: where (`deployments[1].alias`, "" for the whole input) and what is wrong. */
export type ErrorIssue = { path: string; message: string };

export type RateLimitScope = "api_key" | "virtual_key";

export type DetourErrorOptions<C extends ErrorCode> = {
  /** One of the code's alternatives (the main status when omitted). */
  status?: ErrorStatus<C>;
  /** The input the error is about (`custom_host`, `x-portkey-config`, a body path). */
  param?: string | null;
  /** Every issue found, each with its path (the management API answers them as `issues`). */
  issues?: readonly ErrorIssue[] | null;
  /** Sent as `retry-after` (required for the codes that have it). */
  retryAfterSeconds?: number;
  /** Detour's own rate limit: which limit was reached (counted in the metrics). */
  rateLimitScope?: RateLimitScope;
  /** `budget_exceeded`: the budget refused (answered as `error.budget`; its reset time as `retry-after`). */
  budget?: BudgetRefusal;
};

/** What a `budget_exceeded` answer says about the budget that refused (docs/GATEWAY.md, budgets). */
export type BudgetRefusal = {
  id: string;
  scope: "workspace" | "api_key" | "virtual_key" | "config";
  /** The workspace's, key's or config's name. */
  name: string;
  limit_usd: number;
  period: string;
  /** ISO time the period resets (a rolling budget: when its oldest day leaves it); null for a total budget. */
  resets_at: string | null;
  spent_usd: number;
  reserved_usd: number;
  /** What this request would have reserved (its worst-case cost). */
  requested_usd: number;
};

type OptionsArgs<C extends ErrorCode> = [C] extends [RetryAfterCode]
  ? [options: DetourErrorOptions<C> & { retryAfterSeconds: number }]
  : [options?: DetourErrorOptions<C>];

/** The one error class: a catalog code, its status and type, a message that says what is wrong (never internals). */
export class DetourError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: ErrorStatus<C>;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly issues: readonly ErrorIssue[] | null;
  /** Response headers the code asks for (`connection: close`, `retry-after`), or null. */
  readonly headers: Readonly<Record<string, string>> | null;
  readonly retryAfterSeconds: number | null;
  readonly rateLimitScope: RateLimitScope | null;
  readonly budget: BudgetRefusal | null;

  constructor(
    readonly code: C,
    message: string,
    ...[options]: OptionsArgs<C>
  ) {
    super(message);
    this.name = "DetourError";
    const entry: CatalogEntry = ERROR_CATALOG[code];
    const wanted = options?.status;
    const variant = (wanted !== undefined && wanted !== entry.status && entry.alternatives?.find((v) => v.status === wanted)) || entry;
    this.status = variant.status as ErrorStatus<C>;
    this.type = variant.type;
    this.param = options?.param ?? null;
    this.issues = options?.issues ?? null;
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
    this.rateLimitScope = options?.rateLimitScope ?? null;
    this.budget = options?.budget ?? null;
    const resetsAt = this.budget?.resets_at ? Date.parse(this.budget.resets_at) : null;
    this.headers =
      resetsAt === null
        ? responseHeaders(entry, this.retryAfterSeconds)
        : { ...responseHeaders(entry, null), "retry-after": String(Math.max(1, Math.ceil((resetsAt - Date.now()) / 1000))) };
  }

  /** Answered with `connection: close` (the request body was not read to its end). */
  get closeConnection(): boolean {
    return this.headers?.connection === "close";
  }

  /** OpenAI's error body, as the gateway answers it: `{error: {message, type, param, code}}`. */
  toBody(): DetourErrorBody {
    const error: DetourErrorBody["error"] = { message: this.message, type: this.type, param: this.param, code: this.code };
    if (this.budget) error.budget = this.budget;
    return { error };
  }
}

function responseHeaders(entry: CatalogEntry, retryAfterSeconds: number | null): Record<string, string> | null {
  if (!entry.closeConnection && !entry.retryAfter) return null;
  const headers: Record<string, string> = {};
  if (entry.closeConnection) headers.connection = "close";
  if (entry.retryAfter && retryAfterSeconds !== null) headers["retry-after"] = String(retryAfterSeconds);
  return headers;
}

export type DetourErrorBody = {
  error: { message: string; type: ErrorType; param: string | null; code: ErrorCode; budget?: BudgetRefusal };
};

/**
 * OpenAI's error body for a code, without an error object: for answers that are values, not
 * throws (a failed upstream attempt, a skipped target, an SSE `error` event).
 */
export function errorBody(code: SingleStatusCode, message: string, param: string | null = null): DetourErrorBody {
  return { error: { message, type: ERROR_CATALOG[code].type, param, code } };
}

// ---------------------------------------------------------------------------------------------
// Issues: validation problems with their paths, joined into one message.

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JavaScript-like path: `targets[1].retry.attempts`, `strategy.conditions[0].query["metadata.tier"].$in`.
 * The root is the empty path.
 */
export function formatIssuePath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** One line: `targets[1].retry.attempts: must be an integer from 0 to 5; ...` (an issue at the root is its message alone). */
export function joinIssues(issues: readonly ErrorIssue[]): string {
  return issues.map(({ path, message }) => (path ? `${path}: ${message}` : message)).join("; ");
}

/** The codes an issues error may carry (any but those needing `retry-after`). */
export type IssueCode = Exclude<ErrorCode, RetryAfterCode>;

/**
 * The error listing every issue found: its message is `prefix` and the issues joined, its `param`
 * the first issue's path (unless given), its `issues` each one. A path given as segments is
 * rendered by formatIssuePath.
 */
export function issuesError(
  code: IssueCode,
  found: readonly { path: string | readonly PropertyKey[]; message: string }[],
  options: { prefix?: string; param?: string | null } = {},
): DetourError {
  const issues = found.map((i) => ({ path: typeof i.path === "string" ? i.path : formatIssuePath(i.path), message: i.message }));
  const param = options.param !== undefined ? options.param : issues[0]?.path || null;
  return new DetourError(code, (options.prefix ?? "") + joinIssues(issues), { param, issues });
}
