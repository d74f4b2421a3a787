/**
 * For session-only JSON endpoints outside the management API (the password change): the request
 * must come from a page of this site (an `Origin` equal to the request's own host, or, without an
 * Origin, `Sec-Fetch-Site: same-origin`) and carry a JSON body (a cross-site form cannot send
 * `application/json` without a CORS preflight, which Detour never grants).
 */
import { ApiError } from "../api/errors";

export function assertSameOriginJson(request: Request): void {
  const host = request.headers.get("host");
  const origin = request.headers.get("origin");
  let sameOrigin = false;
  if (origin && origin !== "null") {
    try {
      sameOrigin = host !== null && new URL(origin).host === host;
    } catch {
      sameOrigin = false;
    }
  } else if (!origin) {
    sameOrigin = request.headers.get("sec-fetch-site") === "same-origin";
  }
  if (!sameOrigin) throw new ApiError(403, "cross_site_request", "This endpoint only answers requests from Detour's own pages (Origin must be this site).");
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new ApiError(415, "unsupported_media_type", "Send the body as JSON (Content-Type: application/json).");
}
