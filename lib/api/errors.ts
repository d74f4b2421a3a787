/**
 * The management API's one error shape (OpenAI-like, as on the rest of /v1, so SDKs read it):
 * `{"error": {"message", "type", "code", "param", "issues"?}}` with a stable `code` and a message
 * naming what is wrong. Unknown errors become a 500 without internals.
 */
import { ZodError } from "zod";

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_config: 400,
  unauthorized: 401,
  forbidden: 403,
  /** A cookie-authenticated write from another origin (lib/api/csrf.ts). */
  cross_origin_write: 403,
  /** A cookie-authenticated write that says neither where it comes from (no Origin, no Sec-Fetch-Site). */
  origin_required: 403,
  /** A saved config that would send a virtual key to a host the key does not allow (lib/api/config-destinations.ts). */
  custom_host_not_allowed_for_virtual_key: 400,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
} as const;

export type ApiErrorCode = keyof typeof ERROR_STATUS | (string & {});

export type ApiIssue = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly issues: ApiIssue[] | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const apiErrors = {
  badRequest: (message: string, param: string | null = null, code: ApiErrorCode = "bad_request") => new ApiError(400, code, message, param),
  notFound: (what: string, id: string) => new ApiError(404, "not_found", `${what} ${JSON.stringify(id)} does not exist in this workspace.`),
  conflict: (message: string, param: string | null = null) => new ApiError(409, "conflict", message, param),
  forbidden: (message: string) => new ApiError(403, "forbidden", message),
  unauthorized: (message: string) => new ApiError(401, "unauthorized", message),
  payloadTooLarge: (message: string) => new ApiError(413, "payload_too_large", message),
};

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  409: "conflict_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
};

/** `a.b[0].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    "",
  );
}

export function fromZodError(err: ZodError, prefix = ""): ApiError {
  const issues = err.issues.map((i) => ({ path: [prefix, formatPath(i.path)].filter(Boolean).join("."), message: i.message }));
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new ApiError(400, "bad_request", message, issues[0]?.path || null, issues);
}

export function errorResponse(err: unknown, onUnexpected: (err: unknown) => void): Response {
  const error = err instanceof ApiError ? err : err instanceof ZodError ? fromZodError(err) : null;
  if (!error) {
    onUnexpected(err);
    return Response.json(
      { error: { message: "Detour hit an unexpected error; it is logged.", type: "server_error", code: "internal_error", param: null } },
      { status: 500 },
    );
  }
  const body: Record<string, unknown> = {
    message: error.message,
    type: TYPES[error.status] ?? "server_error",
    code: error.code,
    param: error.param,
  };
  if (error.issues) body.issues = error.issues;
  // A 413 leaves the rest of the body unread: the connection cannot carry another request.
  return Response.json({ error: body }, { status: error.status, headers: error.status === 413 ? { connection: "close" } : undefined });
}
