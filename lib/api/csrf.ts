/**
 * Cross-site request forgery. A write (any method but GET, HEAD, OPTIONS) that is authenticated by
 * the session cookie must come from Detour's own pages, because the browser attaches that cookie
 * to requests other sites make too (a page on another port of the same host is "same-site", so
 * `SameSite=Lax` does not stop it). Requests with an API key carry no ambient credential and are
 * not checked.
 *
 * The rules, in order:
 * 1. `Sec-Fetch-Site` (set by the browser, unforgeable by a page) present: it must be
 *    `same-origin`; anything else (`same-site`, `cross-site`, `none`) is a 403 `cross_origin_write`.
 * 2. Else `Origin` present: it must be Detour's origin, which is the origin of NEXTAUTH_URL when set
 *    (the public URL behind a reverse proxy) or the request's own: its `Host` header with the scheme
 *    of `X-Forwarded-Proto` (else of the connection). Else 403 `cross_origin_write`.
 * 3. Neither header: 403 `origin_required`. Every browser of the last years sends at least one on
 *    a write, so only a non-browser client holding a copied cookie gets here: it should use an
 *    API key.
 * 4. A write with a body must declare `Content-Type: application/json` (parameters allowed), else
 *    415 `unsupported_media_type`: an HTML form can only send urlencoded, multipart or text/plain
 *    bodies, and a cross-site `fetch` of JSON needs a CORS preflight, which Detour never grants.
 */
import { DetourError } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const API_KEY_HINT = "Scripts and other servers: send an admin-scope API key in x-portkey-api-key instead of a session cookie.";

/** Throws the 403 or 415 of the rules above; returns when the cookie-authenticated request may proceed. */
export function checkCookieWrite(request: Request, publicUrl: string | undefined): void {
  if (SAFE_METHODS.has(request.method)) return;
  checkSameOrigin(request, publicUrl);
  checkJsonBody(request);
}

function checkSameOrigin(request: Request, publicUrl: string | undefined): void {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    if (site.trim().toLowerCase() === "same-origin") return;
    throw new DetourError(
      "cross_origin_write",
      `Cross-origin write refused: a signed-in dashboard session may only change data from Detour's own pages, and the browser says this request comes from a ${JSON.stringify(site)} page (Sec-Fetch-Site). ${API_KEY_HINT}`,
    );
  }
  const origin = request.headers.get("origin");
  if (origin === null) {
    throw new DetourError(
      "origin_required",
      `Write refused: a request authenticated by the dashboard's session cookie must say where it comes from (an Origin or Sec-Fetch-Site header, which browsers send). ${API_KEY_HINT}`,
    );
  }
  const allowed = detourOrigins(request, publicUrl);
  if (!allowed.includes(normalizeOrigin(origin) ?? "")) {
    throw new DetourError(
      "cross_origin_write",
      `Cross-origin write refused: a signed-in dashboard session may only change data from Detour's own pages (${allowed.join(" or ") || "unknown origin"}); this request comes from ${JSON.stringify(origin)} (Origin). ${API_KEY_HINT}`,
    );
  }
}

function checkJsonBody(request: Request): void {
  const length = request.headers.get("content-length");
  const hasBody = (length !== null && length.trim() !== "0") || request.headers.has("transfer-encoding");
  if (!hasBody) return;
  const type = request.headers.get("content-type");
  const mediaType = type?.split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/json") return;
  throw new DetourError(
    "unsupported_media_type",
    `A write from the dashboard session must send its body as JSON (Content-Type: application/json); got ${type ? JSON.stringify(type) : "no Content-Type"}.`,
    { param: "content-type" },
  );
}

/** Detour's own origins for this request: NEXTAUTH_URL's when set, and the one its Host names. */
export function detourOrigins(request: Request, publicUrl: string | undefined): string[] {
  const out: string[] = [];
  if (publicUrl) {
    const configured = normalizeOrigin(publicUrl);
    if (configured) out.push(configured);
  }
  const host = request.headers.get("host");
  if (host) {
    const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    const scheme = forwarded === "http" || forwarded === "https" ? forwarded : new URL(request.url).protocol.slice(0, -1);
    const own = normalizeOrigin(`${scheme}://${host}`);
    if (own && !out.includes(own)) out.push(own);
  }
  return out;
}

/** `scheme://host[:port]`, lower case, default port dropped; null for `null` or anything that is not an http(s) origin. */
function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}
