/**
 * Detour's security headers, in one place (framework-free: read by next.config.ts, proxy.ts and
 * scripts/server.ts).
 *
 * - Every answer: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (old browsers; new ones
 *   read `frame-ancestors`), `Referrer-Policy: same-origin` (no URL of the dashboard leaves it; not
 *   `no-referrer`, which would make browsers send `Origin: null` on the dashboard's own writes and
 *   fail the CSRF check in lib/api/csrf.ts).
 * - API answers (management API, inference, auth, health, metrics): a CSP that allows nothing
 *   (`default-src 'none'; frame-ancestors 'none'`): a JSON or SSE body opened as a page runs nothing.
 * - Pages: a per-request nonce CSP (proxy.ts; Next.js puts the nonce on its own scripts): scripts
 *   only with the nonce (`'strict-dynamic'` lets them load the app's chunks), `<style>` elements
 *   from the app or with the nonce, style attributes allowed (React and the charts set them), no
 *   plugins, no `<base>`, forms post to Detour only, never framed.
 */

export type HeaderList = readonly (readonly [name: string, value: string])[];

export const BASE_SECURITY_HEADERS: HeaderList = [
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "same-origin"],
];

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Everything an API answer carries (precomputed: the inference path sets them with no other work). */
export const API_SECURITY_HEADERS: HeaderList = [...BASE_SECURITY_HEADERS, ["Content-Security-Policy", API_CSP]];

/**
 * The same as one object of lower-case names: the head of an answer Detour's server writes itself
 * starts from it (scripts/server.ts), and a Web `Response` takes it as its headers.
 */
export const API_SECURITY_HEADER_OBJECT: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(API_SECURITY_HEADERS.map(([name, value]) => [name.toLowerCase(), value])),
);

/**
 * The CSP of one page view. `dev` (next dev only) adds what React's development build needs:
 * `'unsafe-eval'` (error overlays rebuild server stacks) and inline `<style>` (CSS hot reload).
 */
export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Browsers without style-src-elem/-attr (before 2022) fall back to this line.
    "style-src 'self' 'unsafe-inline'",
    dev ? "style-src-elem 'self' 'unsafe-inline'" : `style-src-elem 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Pages only, besides their CSP: a page opened by another site cannot reach back into it. */
export const PAGE_ONLY_HEADERS: HeaderList = [["Cross-Origin-Opener-Policy", "same-origin"]];
