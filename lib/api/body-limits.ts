/**
 * Request body limits outside the inference routes (those have their own, DETOUR_MAX_BODY_BYTES,
 * lib/gateway/request/body.ts). Framework-free and free of the engine (it reads only the inference paths'
 * table): scripts/server.ts imports it to refuse a declared oversize body before Next.js reads a
 * byte, and the route-level readers (readJson in handler.ts, the next-auth route) use the same
 * numbers, so `next dev` enforces them too.
 */
import { ERROR_CATALOG } from "../errors";
import { isInferencePath } from "../gateway/endpoints/paths";

/** Sign-in, sign-out and every other `/api/auth/*` body: a few form fields. */
export const AUTH_MAX_BODY_BYTES = 64 * 1024;
/** Management API bodies (a config, a virtual key, an API key). */
export const MANAGEMENT_MAX_BODY_BYTES = 1024 * 1024;

/** The largest body accepted on `pathname`, or null for the inference routes (their own limit applies). */
export function bodyLimitFor(pathname: string): number | null {
  if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) return AUTH_MAX_BODY_BYTES;
  if (isInferencePath(pathname)) return null;
  return MANAGEMENT_MAX_BODY_BYTES;
}

/** The one message of a 413, wherever it is decided. */
export function tooLargeMessage(limit: number): string {
  return `Request body is larger than the limit of ${limit} bytes (${limit / 1024} KiB) for this route.`;
}

/** The 413 body in the management API's error shape (`{error: {message, type, code, param}}`). */
export function tooLargeBody(limit: number): string {
  return JSON.stringify({
    error: { message: tooLargeMessage(limit), type: ERROR_CATALOG.payload_too_large.type, code: "payload_too_large", param: null },
  });
}
