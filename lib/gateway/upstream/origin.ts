/**
 * Origins (scheme + host + port) of upstream URLs, normalised so that two spellings of one
 * destination compare equal: the WHATWG URL parser lower-cases the host, drops the scheme's default
 * port, writes IPv4 in dotted decimal and IPv6 compressed in brackets; a trailing dot of the host
 * (the DNS root) is dropped here. Paths, queries and fragments are not part of an origin.
 */

/** `http(s)://host[:port]` of `url`, or undefined when it is not an http(s) URL. */
export function originOf(url: string | URL): string | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url.trim()) : url;
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  const host = parsed.hostname.replace(/\.+$/, "");
  if (!host) return undefined;
  return `${parsed.protocol}//${host}${parsed.port ? `:${parsed.port}` : ""}`;
}

/**
 * Why `text` is not an origin an admin may list (no user info, path, query or fragment), or
 * undefined when it is one; `originOf(text)` is then its normal form.
 */
export function originProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return "is not a valid URL (expected an origin such as https://example.com or http://10.0.0.5:8080)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must use http or https";
  if (url.username || url.password) return "must not contain a user name or password";
  if (url.pathname !== "/" && url.pathname !== "") return "must be an origin (scheme, host and port) without a path";
  if (url.search || text.includes("?")) return "must be an origin without a query string";
  if (url.hash || text.includes("#")) return "must be an origin without a fragment";
  if (!originOf(url)) return "has no host";
  return undefined;
}
