/**
 * The wrapper every management route uses (route files are wiring): authenticate with a session
 * (the dashboard) or an admin-scope API key (scripts, the portkey-ai SDK), check the role the route
 * needs in the workspace it acts in (lib/auth/roles.ts; 403 `forbidden` naming it), refuse a cookie-
 * authenticated write from another origin or without a JSON body (csrf.ts), await Next's params,
 * parse JSON bodies within 1 MiB (body-limits.ts), map every error to the one error shape, and
 * mark every answer `Cache-Control: no-store` (each one holds a workspace's data).
 */
import { recordAudit } from "../audit/record";
import { authenticateApiKey } from "../auth/api-key";
import { clientAddress } from "../auth/client-address";
import { hasRole, type Role } from "../auth/roles";
import { getSessionUser } from "../auth/session";
import { getDb } from "../db";
import { getEnv } from "../env";
import { logger } from "../logger";
import { MANAGEMENT_MAX_BODY_BYTES } from "./body-limits";
import { checkCookieWrite } from "./csrf";
import { DetourError } from "../errors";
import { errorResponse } from "./errors";
import { readBodyWithin, refuseDeclaredOversize } from "./read-body";

export type Principal = {
  workspaceId: string;
  /** Who acts, as stored in audit fields: `user:<id>` or `api_key:<id>`. */
  actor: string;
  /** The actor as people read it: the user's email, or the API key's name and prefix. */
  actorLabel: string;
  userId: string | null;
  apiKeyId: string | null;
  /** The role the actor has in the workspace (an admin-scope key: admin; DETOUR_ADMIN_API_KEY: owner). */
  role: Role;
  /** Where the request came from (lib/auth/client-address.ts) and its User-Agent, for the audit trail. */
  address: string;
  userAgent: string | null;
};

export type ApiContext<P> = { request: Request; principal: Principal; params: P; url: URL };

type RouteContext<P> = { params: Promise<P> };

/**
 * `needs` is the least role the route requires (`viewer` for reads); a handler that needs more for
 * some inputs (a budget, an admin-scope key) checks with requireRole().
 */
export function withManagement<P = Record<string, never>>(needs: Role, handler: (ctx: ApiContext<P>) => Promise<Response>) {
  return async (request: Request, route: RouteContext<P>): Promise<Response> => {
    let response: Response;
    let principal: Principal | null = null;
    try {
      // A declared oversize body is refused before anything else (scripts/server.ts does the same
      // before Next.js reads a byte; this covers `next dev` and the routes that read no body).
      refuseDeclaredOversize(request, MANAGEMENT_MAX_BODY_BYTES);
      principal = await authenticate(request);
      if (principal.apiKeyId === null) checkCookieWrite(request, getEnv().NEXTAUTH_URL);
      requireRole(principal, needs);
      const params = (await route?.params) ?? ({} as P);
      response = await handler({ request, principal, params, url: new URL(request.url) });
    } catch (err) {
      // A signed-in user or a key refused for its role is in the audit trail: who tried what.
      if (principal && err instanceof DetourError && err.code === "forbidden") {
        await recordAudit(principal, {
          action: "access.denied",
          after: { method: request.method, path: new URL(request.url).pathname, reason: err.message },
        });
      }
      response = errorResponse(err, (e) =>
        logger.error(
          {
            err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e),
            path: new URL(request.url).pathname,
          },
          "management API error",
        ),
      );
    }
    response.headers.set("cache-control", "no-store");
    return response;
  };
}

async function authenticate(request: Request): Promise<Principal> {
  const address = clientAddress(request.headers, getEnv().DETOUR_TRUST_PROXY);
  const userAgent = request.headers.get("user-agent")?.slice(0, 300) ?? null;
  const hasKey = request.headers.has("x-portkey-api-key") || /^Bearer\s/i.test(request.headers.get("authorization") ?? "");
  if (hasKey) {
    const auth = await authenticateApiKey(getDb(), request.headers, "admin");
    if (!auth.ok) throw new DetourError(auth.code, auth.message);
    const { key } = auth;
    return {
      workspaceId: key.workspaceId,
      actor: `api_key:${key.id}`,
      actorLabel: `${key.name} (${key.prefix}...)`,
      userId: null,
      apiKeyId: key.id,
      role: key.source === "env" ? "owner" : "admin",
      address,
      userAgent,
    };
  }
  const user = await getSessionUser();
  if (!user) throw new DetourError("unauthorized", "Sign in, or send an admin-scope Detour API key in x-portkey-api-key.");
  return {
    workspaceId: user.workspaceId,
    actor: `user:${user.id}`,
    actorLabel: user.email,
    userId: user.id,
    apiKeyId: null,
    role: user.role,
    address,
    userAgent,
  };
}

/** 403 `forbidden` unless the principal has `needed` or above; `what` says what needed it. */
export function requireRole(principal: Principal, needed: Role, what?: string): void {
  if (hasRole(principal.role, needed)) return;
  const who = principal.apiKeyId ? "This API key" : "Your role";
  throw new DetourError(
    "forbidden",
    `${what ? `${what} needs` : "This needs"} the ${needed} role or above; ${who} in this workspace is ${principal.role}.`,
  );
}

/** The request's JSON body (an object), or a 413 past `limit` (default 1 MiB; nothing more read), or a 400 that says what is wrong with it. */
export async function readJson(request: Request, limit = MANAGEMENT_MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  return parseJsonObject((await readBodyWithin(request, limit)).toString("utf8"), false);
}

/** As readJson, for a route whose every field is optional: an empty body is `{}`. */
export async function readOptionalJson(request: Request): Promise<Record<string, unknown>> {
  return parseJsonObject((await readBodyWithin(request, MANAGEMENT_MAX_BODY_BYTES)).toString("utf8"), true);
}

function parseJsonObject(text: string, emptyIsObject: boolean): Record<string, unknown> {
  if (!text.trim()) {
    if (emptyIsObject) return {};
    throw new DetourError("bad_request", "Request body is empty; send a JSON object.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DetourError("invalid_json", `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new DetourError("bad_request", "Request body must be a JSON object.");
  return value as Record<string, unknown>;
}
