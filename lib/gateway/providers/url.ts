/** Building upstream URLs from a base (default or `custom_host`) and path segments. */

/**
 * `base` parsed as an http(s) URL with its trailing slashes dropped from the path (a query string
 * in the base is kept, a fragment dropped), or the reason it cannot be used.
 */
export function parseBaseUrl(base: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(base.trim());
  } catch {
    return { problem: "is not a valid URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { problem: "must use http or https" };
  // fetch refuses URLs with credentials; say so here rather than fail later.
  if (url.username || url.password) return { problem: "must not contain a user name or password" };
  url.pathname = url.pathname.replace(/\/+$/, "");
  url.hash = "";
  return { url };
}

/** A path segment the URL parser would treat as a dot segment ("." / ".." / "%2e"...) or that is empty. */
export function isUnsafeSegment(segment: string): boolean {
  return segment.length === 0 || /^(\.|%2e){1,2}$/i.test(segment);
}

/**
 * `base` + "/" + the path parts: each of `segments` URL-encoded (so "/", "?" and "#" cannot escape
 * their segment), then `fixedPath` (e.g. "chat/completions") as is; `query` entries are set (a
 * record) or appended in order (a list of pairs: a name may repeat, as in `include[]=a&include[]=b`).
 */
export function joinUrl(base: URL, segments: string[], fixedPath: string, query: Record<string, string> | [string, string][] = {}): string {
  const url = new URL(base.href);
  const parts = [...segments.map((s) => encodeURIComponent(s)), fixedPath];
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${parts.join("/")}`;
  if (Array.isArray(query)) for (const [name, value] of query) url.searchParams.append(name, value);
  else for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.href;
}
