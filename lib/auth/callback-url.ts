/**
 * Where a sign-in may send the browser afterwards. Only a path on this site is accepted; anything
 * else becomes "/". Browsers are lenient in ways an attacker uses: they treat `\` as `/`, drop tabs
 * and newlines anywhere in a URL, and take `//host` as another site. So a callback is refused when
 * it (or any of its percent-decoded forms) is not a plain `/path`: a second `/` or `\` after the
 * first, any backslash, control character or whitespace, a scheme, or when resolving it against an
 * origin lands anywhere else. The sign-in page itself is refused too (a signed-in visit to
 * `/login?callbackUrl=/login` would redirect to itself for ever).
 */

export const DEFAULT_CALLBACK = "/";
const MAX_LENGTH = 2048;
/** A base used only to resolve paths: its origin must survive resolution. */
const PROBE_ORIGIN = "http://detour.invalid";

/** A same-site path to go to after sign-in, or "/" when `value` is anything else. */
export function safeCallbackPath(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH || !isSafeForm(value)) return DEFAULT_CALLBACK;
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return DEFAULT_CALLBACK;
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_CALLBACK;
  if (url.pathname === "/login" || url.pathname.startsWith("/login/")) return DEFAULT_CALLBACK;
  // Resolution removes dot segments (`/.//x` is `//x`): the result must pass the same checks.
  const resolved = `${url.pathname}${url.search}${url.hash}`;
  return isSafeForm(resolved) ? resolved : DEFAULT_CALLBACK;
}

/**
 * The raw value, and every percent-decoded form of it (the value may be decoded again on its way:
 * Next's router, a second redirect), must each be harmless.
 */
function isSafeForm(value: string): boolean {
  if (!isPlainPath(value)) return false;
  let form = value;
  for (let i = 0; i < 4; i++) {
    if (!isHarmlessDecodedPath(form)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(form);
    } catch {
      return false; // malformed escapes: not a path this site made
    }
    if (decoded === form) return true;
    form = decoded;
  }
  return false; // still changing after four decodings: nobody encodes a path that deep
}

/** The value as received: `/` then no second `/` or `\`; no backslash, control character or whitespace anywhere. */
function isPlainPath(s: string): boolean {
  if (s[0] !== "/" || s[1] === "/" || s[1] === "\\") return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects control characters in a redirect path
  return !/[\\\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(s);
}

/**
 * A decoded form (what a later decoding step would see): still a path that cannot start a
 * network-path reference: no control character anywhere (browsers drop tabs and newlines, so
 * `/%09/host` becomes `//host`), and no `//` or `/\` start. A decoded space or `\` elsewhere is harmless.
 */
function isHarmlessDecodedPath(s: string): boolean {
  if (s[0] !== "/" || s[1] === "/" || s[1] === "\\") return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check rejects control characters (browsers drop tabs and newlines)
  return !/[\u0000-\u001f\u007f]/.test(s);
}

/**
 * next-auth's `redirect` callback: a same-site absolute URL is kept as its path, a path is
 * sanitised as above, everything else goes to the site's root.
 */
export function safeRedirect({ url, baseUrl }: { url: string; baseUrl: string }): string {
  const base = baseUrl.replace(/\/+$/, "");
  let path = url;
  if (!url.startsWith("/")) {
    try {
      const absolute = new URL(url);
      if (absolute.origin !== new URL(base).origin) return `${base}${DEFAULT_CALLBACK}`;
      path = `${absolute.pathname}${absolute.search}${absolute.hash}`;
    } catch {
      return `${base}${DEFAULT_CALLBACK}`;
    }
  }
  return `${base}${safeCallbackPath(path)}`;
}
