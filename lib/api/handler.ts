/**
 * The wrapper every management route uses (route files are wiring): authenticate with a session
 * (the dashboard) or an admin-scope API key (scripts, the portkey-ai SDK), await Next's params,
 * parse JSON bodies, and map every error to the one error shape.
 */
import { authenticateApiKey } from "../auth/api-key";
import { getSessionUser } from "../auth/session";
import { getDb } from "../db";
import { logger } from "../logger";
import { apiErrors, ApiError, errorResponse } from "./errors";

export type Principal = {
  workspaceId: string;
  /** Who acts, as stored in audit fields: `user:<id>` or `api_key:<id>`. */
  actor: string;
  userId: string | null;
  apiKeyId: string | null;
};

export type ApiContext<P> = { request: Request; principal: Principal; params: P; url: URL };

type RouteContext<P> = { params: Promise<P> };

const MAX_JSON_BYTES = 1024 * 1024;

export function withManagement<P = Record<string, never>>(handler: (ctx: ApiContext<P>) => Promise<Response>) {
  return async (request: Request, route: RouteContext<P>): Promise<Response> => {
    try {
      const principal = await authenticate(request);
      const params = (await route?.params) ?? ({} as P);
      return await handler({ request, principal, params, url: new URL(request.url) });
    } catch (err) {
      return errorResponse(err, (e) =>
        logger.error({ err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e), path: new URL(request.url).pathname }, "management API error"),
      );
    }
  };
}

async function authenticate(request: Request): Promise<Principal> {
  const hasKey = request.headers.has("x-portkey-api-key") || /^Bearer\s/i.test(request.headers.get("authorization") ?? "");
  if (hasKey) {
    const auth = await authenticateApiKey(getDb(), request.headers, "admin");
    if (!auth.ok) throw new ApiError(auth.status, auth.code, auth.message);
    return { workspaceId: auth.key.workspaceId, actor: `api_key:${auth.key.id}`, userId: null, apiKeyId: auth.key.id };
  }
  const user = await getSessionUser();
  if (!user) throw apiErrors.unauthorized("Sign in, or send an admin-scope Detour API key in x-portkey-api-key.");
  return { workspaceId: user.workspaceId, actor: `user:${user.id}`, userId: user.id, apiKeyId: null };
}

/** The request's JSON body (an object), or a 400 that says what is wrong with it. */
export async function readJson(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES) throw new ApiError(413, "payload_too_large", `Request body is larger than ${MAX_JSON_BYTES} bytes.`);
  if (!text.trim()) throw apiErrors.badRequest("Request body is empty; send a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw apiErrors.badRequest(`Request body is not valid JSON: ${(err as Error).message}`, null, "invalid_json");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw apiErrors.badRequest("Request body must be a JSON object.");
  return value as Record<string, unknown>;
}
