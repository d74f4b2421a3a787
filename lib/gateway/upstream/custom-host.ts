/**
 * The private-address rule for `custom_host` (docs/GATEWAY.md §7): an http(s) URL whose host resolves
 * to an address that is not public unicast (`ip-ranges.ts`: loopback, private, link-local and the
 * other special-purpose ranges) is refused (400 naming the host) unless the host is in
 * DETOUR_ALLOWED_PRIVATE_HOSTS. A URL with user info (`http://user@host`) is refused too. IP
 * literals are classified without DNS; names are resolved (every address must be public) and the
 * answer cached briefly so the check stays off the hot path. The management API runs the same
 * check when a virtual key is saved.
 *
 * This check gives the caller a clear 400 before anything is sent. It is not the last word: a name
 * may resolve to another address when the HTTP client connects (DNS rebinding), so the upstream
 * client checks the address it actually connects to as well (`upstream-lookup.ts`).
 */
import { lookup } from "node:dns/promises";
import { isIpLiteral, nonPublicKind } from "./ip-ranges";

export type CustomHostCheck = { ok: true } | { ok: false; message: string };

/** All addresses of a host name (IPv4 and IPv6). */
export type LookupAll = (hostname: string) => Promise<string[]>;

export type CustomHostValidatorOptions = {
  lookup?: LookupAll;
  now?: () => number;
  /** How long a resolved name is trusted. Default 60 s. Failed lookups are not cached. */
  ttlMs?: number;
  /** A lookup slower than this refuses the host. Default 5 s. */
  lookupTimeoutMs?: number;
  /** Cached names kept at most (the oldest are dropped). Default 1000. */
  maxEntries?: number;
};

export const ALLOW_LIST_ENV = "DETOUR_ALLOWED_PRIVATE_HOSTS";
export const NON_PUBLIC_HINT = `loopback, private, link-local and other special-purpose addresses are refused unless the host is listed in ${ALLOW_LIST_ENV}`;

const systemLookup: LookupAll = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const refuse = (message: string): CustomHostCheck => ({ ok: false, message });
const withArticle = (kind: string) => `${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind}`;
const quote = (text: string) => JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** True when the operator allowed this host: compared lower-case, without a trailing dot; `host:port` entries work too. */
function isAllowed(url: URL, allowed: readonly string[]): boolean {
  return isAllowedPrivateHost(url.hostname, allowed, url.host);
}

const normHost = (h: string) => h.trim().toLowerCase().replace(/\.$/, "");

/**
 * True when DETOUR_ALLOWED_PRIVATE_HOSTS (`allowed`) names `hostname` (or `hostAndPort`, when
 * given): lower-case, without a trailing dot, IPv6 with or without brackets.
 */
export function isAllowedPrivateHost(hostname: string, allowed: readonly string[], hostAndPort?: string): boolean {
  const name = normHost(hostname);
  const candidates = new Set([name, name.replace(/^\[(.*)\]$/, "$1")]);
  if (hostAndPort) candidates.add(normHost(hostAndPort));
  return allowed.some((entry) => {
    const e = normHost(entry);
    return e !== "" && (candidates.has(e) || candidates.has(e.replace(/^\[(.*)\]$/, "$1")));
  });
}

/** A validator with its own lookup cache; `validateCustomHost` is the process-wide one. */
export function createCustomHostValidator(options: CustomHostValidatorOptions = {}) {
  const resolve = options.lookup ?? systemLookup;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 60_000;
  const timeoutMs = options.lookupTimeoutMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 1_000;
  const cache = new Map<string, { expiresAt: number; addresses: Promise<string[]> }>();

  function cachedLookup(hostname: string): Promise<string[]> {
    const hit = cache.get(hostname);
    if (hit && hit.expiresAt > now()) return hit.addresses;
    cache.delete(hostname);
    const addresses = withTimeout(resolve(hostname), timeoutMs);
    cache.set(hostname, { expiresAt: now() + ttlMs, addresses });
    addresses.catch(() => {
      if (cache.get(hostname)?.addresses === addresses) cache.delete(hostname);
    });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
    return addresses;
  }

  return async function validateCustomHost(rawUrl: string, allowedPrivateHosts: readonly string[]): Promise<CustomHostCheck> {
    const first = classify(rawUrl, allowedPrivateHosts, "custom_host");
    if (!("resolve" in first)) return first;
    const host = first.resolve;
    let addresses: string[];
    try {
      addresses = await cachedLookup(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === "string" ? code : error instanceof Error ? error.message : "lookup failed";
      return refuse(`custom_host host ${quote(host)} could not be resolved (${reason})`);
    }
    if (addresses.length === 0) return refuse(`custom_host host ${quote(host)} could not be resolved (no addresses)`);
    for (const address of addresses) {
      const kind = nonPublicKind(address) ?? (isIpLiteral(address) ? undefined : "unrecognised");
      if (kind) return refuse(`custom_host host ${quote(host)} resolves to ${address}, ${withArticle(kind)} address; ${NON_PUBLIC_HINT}`);
    }
    return { ok: true };
  };
}

/**
 * The part of the rule that needs no DNS: the URL, its scheme, user info, the operator's allow-list
 * and IP-literal hosts. "resolve" means the host is a name whose addresses decide. `label` names the
 * URL in messages: `custom_host`, or another URL held to the same rule (the budget alerts' webhook).
 */
export function checkCustomHostWithoutDns(
  rawUrl: string,
  allowedPrivateHosts: readonly string[],
  label = "custom_host",
): CustomHostCheck | "resolve" {
  const found = classify(rawUrl, allowedPrivateHosts, label);
  return "resolve" in found ? "resolve" : found;
}

type Classified = CustomHostCheck | { resolve: string };

/** URLs up to this long have their classification kept: each request through a custom host checks it again. */
const MEMO_URL_CHARS = 512;
/** Classifications kept per allow-list (all dropped when full: custom hosts are few, a header's may be many). */
const MEMO_ENTRIES = 1000;
const memo = new WeakMap<readonly string[], Map<string, Classified>>();

/**
 * checkCustomHostWithoutDns, with the host name to resolve. Kept per allow-list, label and URL:
 * every request through a custom host parsed its URL and normalised the allow-list's entries twice.
 */
function classify(rawUrl: string, allowed: readonly string[], label: string): Classified {
  if (rawUrl.length > MEMO_URL_CHARS) return classifyNow(rawUrl, allowed, label);
  let byUrl = memo.get(allowed);
  if (!byUrl) {
    byUrl = new Map();
    memo.set(allowed, byUrl);
  }
  const key = `${label}\n${rawUrl}`;
  let found = byUrl.get(key);
  if (found === undefined) {
    found = Object.freeze(classifyNow(rawUrl, allowed, label));
    if (byUrl.size >= MEMO_ENTRIES) byUrl.clear();
    byUrl.set(key, found);
  }
  return found;
}

function classifyNow(rawUrl: string, allowedPrivateHosts: readonly string[], label: string): Classified {
  let url: URL;
  try {
    url = new URL(rawUrl.trim());
  } catch {
    return refuse(`${label} ${quote(rawUrl)} is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return refuse(`${label} ${quote(rawUrl)} must use http or https`);
  }
  if (url.username || url.password) {
    return refuse(`${label} must not contain a user name or password (${quote(`${url.protocol}//${url.host}`)} with user info was given)`);
  }
  const host = url.hostname;
  if (isAllowed(url, allowedPrivateHosts)) return { ok: true };
  if (isIpLiteral(host)) {
    const kind = nonPublicKind(host);
    return kind ? refuse(`${label} host ${quote(host)} is ${withArticle(kind)} address; ${NON_PUBLIC_HINT}`) : { ok: true };
  }
  return { resolve: host };
}

/** docs/GATEWAY.md §7 check of a custom host, with a shared 60 s lookup cache. */
export const validateCustomHost = createCustomHostValidator();
