/**
 * Sends JSON from a client component and reads Detour's error shape
 * (`{error: {message, code, param, issues?: [{path, message}]}}`) into errors per field path
 * (`name`, `deployments[1].is_default`), so a form can show each one at its field.
 */
export type FieldErrors = Record<string, string>;

export type JsonResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; code: string | null; message: string; fieldErrors: FieldErrors };

type ErrorBody = { error?: { message?: unknown; code?: unknown; param?: unknown; issues?: unknown } };

/**
 * The workspace the page was rendered for (the dashboard layout's `<meta name="detour-workspace">`),
 * sent with every write as `x-detour-workspace` (lib/auth/session.ts): a tab opened before another
 * tab switched workspace still writes to the workspace it shows.
 */
function workspaceHeader(): Record<string, string> {
  if (typeof document === "undefined") return {};
  const id = document.querySelector('meta[name="detour-workspace"]')?.getAttribute("content");
  return id ? { "x-detour-workspace": id } : {};
}

/**
 * `options.workspace: false`: no `x-detour-workspace` (a call that chooses the workspace acts in
 * none; after the page's workspace was deleted, naming it would be refused with 403).
 * `options.keepalive`: the request outlives the page (sent as it is left; bodies up to 64 KiB).
 */
export async function sendJson<T>(
  url: string,
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  body?: unknown,
  options: { workspace?: boolean; keepalive?: boolean } = {},
): Promise<JsonResult<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(options.workspace === false ? {} : workspaceHeader()),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      ...(options.keepalive ? { keepalive: true } : {}),
    });
  } catch {
    return {
      ok: false,
      status: 0,
      code: "network_error",
      message: "Could not reach Detour. Check the connection and try again.",
      fieldErrors: {},
    };
  }
  const parsed: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, status: res.status, data: parsed as T };
  const error = (parsed as ErrorBody | null)?.error;
  const message = typeof error?.message === "string" ? error.message : `The request failed (HTTP ${res.status}).`;
  const fieldErrors: FieldErrors = {};
  if (Array.isArray(error?.issues)) {
    for (const issue of error.issues as { path?: unknown; message?: unknown }[]) {
      if (typeof issue?.path === "string" && issue.path && typeof issue.message === "string" && !(issue.path in fieldErrors))
        fieldErrors[issue.path] = issue.message;
    }
  } else if (typeof error?.param === "string" && error.param) {
    fieldErrors[error.param] = stripParam(message, error.param);
  }
  return { ok: false, status: res.status, code: typeof error?.code === "string" ? error.code : null, message, fieldErrors };
}

/** "custom_host: http://10.0.0.1 is private" -> "http://10.0.0.1 is private" (the field says which). */
function stripParam(message: string, param: string): string {
  return message.startsWith(`${param}: `) ? message.slice(param.length + 2) : message;
}

/** The errors no field on the form shows (so the form can list them at the top instead of losing them). */
export function unplacedErrors(result: { message: string; fieldErrors: FieldErrors }, placed: (path: string) => boolean): string[] {
  const paths = Object.keys(result.fieldErrors);
  if (paths.length === 0) return [result.message];
  return paths.filter((p) => !placed(p)).map((p) => `${p}: ${result.fieldErrors[p]}`);
}

/**
 * For a form's onChange: drops the error of the field just edited (its `name` is the error's path),
 * so a fixed field stops saying it is wrong before the next submit. A radio clears every error of
 * its group's kind (`*.is_default`), since choosing one changes all of them.
 */
export function withoutErrorOf(errors: FieldErrors, target: EventTarget | null): FieldErrors {
  if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) || !target.name)
    return errors;
  const radioKind = target instanceof HTMLInputElement && target.type === "radio" ? target.dataset.errorSuffix : undefined;
  const keep = Object.entries(errors).filter(([path]) => (radioKind ? !path.endsWith(radioKind) : path !== target.name));
  return keep.length === Object.keys(errors).length ? errors : Object.fromEntries(keep);
}
