/**
 * The management API's one error shape (OpenAI-like, as on the rest of /v1, so SDKs read it):
 * `{"error": {"message", "type", "code", "param", "issues"?}}` with a stable `code` and a message
 * naming what is wrong. Errors are DetourErrors (lib/errors.ts: the code gives status and type);
 * a ZodError thrown by a route becomes a 400 `bad_request` listing its issues; anything else a 500
 * without internals.
 */
import { ZodError } from "zod";
import { DetourError, ERROR_CATALOG, type ErrorIssue, issuesError } from "../errors";

/** 404 `not_found`: `Config "pc-x" does not exist in this workspace.` */
export function notFound(what: string, id: string): DetourError {
  return new DetourError("not_found", `${what} ${JSON.stringify(id)} does not exist in this workspace.`);
}

/** `a.b[0].c` from a zod path; a key is joined as it is (`metadata.env`, a log query's parameter, stays one name). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    "",
  );
}

/** A ZodError's issues with formatPath's paths (the log query's parameters, a route's own `.parse`). */
export function zodIssues(err: ZodError): ErrorIssue[] {
  return err.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function errorResponse(err: unknown, onUnexpected: (err: unknown) => void): Response {
  const error = err instanceof DetourError ? err : err instanceof ZodError ? issuesError("bad_request", zodIssues(err)) : null;
  if (!error) {
    onUnexpected(err);
    const { status, type } = ERROR_CATALOG.internal_error;
    return Response.json(
      { error: { message: "Detour hit an unexpected error; it is logged.", type, code: "internal_error", param: null } },
      { status },
    );
  }
  const body: Record<string, unknown> = {
    message: error.message,
    type: error.type,
    code: error.code,
    param: error.param,
  };
  if (error.issues) body.issues = error.issues;
  // The code's own headers: `connection: close` after a 413 (the rest of the body is unread, the
  // connection cannot carry another request), `retry-after` after a 429.
  return Response.json({ error: body }, { status: error.status, headers: error.headers ?? undefined });
}
