/**
 * Next.js Proxy (Next 16's name for middleware), for pages only: a fresh nonce per page view, put
 * in the page's Content-Security-Policy and on the request, where Next.js reads it to mark its own
 * scripts (every page renders per request: app/layout.tsx). The policy: lib/http/security-headers.ts.
 *
 * Not for the API paths (/v1, /api, /metrics) nor static files: those get their headers from
 * next.config.ts. Keeping the API out of the matcher also matters for bodies: for a request the
 * proxy runs on, Next.js buffers the body (up to 10 MB) so the proxy could read it.
 */
import { NextResponse, type NextRequest } from "next/server";
import { PAGE_ONLY_HEADERS, pageCsp } from "@/lib/http/security-headers";

export function proxy(request: NextRequest): NextResponse {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = pageCsp(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  for (const [name, value] of PAGE_ONLY_HEADERS) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!v1/|v1$|api/|api$|metrics|_next/static/|_next/image|icon\\.svg|favicon\\.ico).*)"],
};
