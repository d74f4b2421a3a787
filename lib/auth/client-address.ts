/**
 * The address a sign-in comes from, for the per-address throttle. Detour's HTTP server
 * (scripts/server.ts) writes the TCP peer's address into CLIENT_ADDRESS_HEADER on every request,
 * overwriting whatever a client sent. `X-Forwarded-For` is ignored unless DETOUR_TRUST_PROXY says how
 * many reverse proxies in front of Detour append to it (then the address that many hops from the
 * socket is taken, as Express's `trust proxy` does; a client cannot push it further).
 * IPv6 addresses are grouped by their /64 (one host usually owns the whole prefix); IPv4-mapped IPv6
 * counts as the IPv4 address.
 */
import ipaddr from "ipaddr.js";

export const CLIENT_ADDRESS_HEADER = "x-detour-client-address";
export const UNKNOWN_ADDRESS = "unknown";

type HeaderBag = Headers | Record<string, string | string[] | undefined> | undefined;

function header(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** The client's address (normalised, see above), or "unknown" outside Detour's server (next dev). */
export function clientAddress(headers: HeaderBag, trustProxyHops: number): string {
  const hops = [header(headers, CLIENT_ADDRESS_HEADER)?.trim() ?? ""];
  if (trustProxyHops > 0) {
    const forwarded = (header(headers, "x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    // Nearest first: the socket, then X-Forwarded-For read from its right end.
    hops.push(...forwarded.reverse());
  }
  const chosen = hops[Math.min(trustProxyHops, hops.length - 1)] ?? "";
  return normaliseAddress(chosen);
}

export function normaliseAddress(raw: string): string {
  const value = raw.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(value)) return UNKNOWN_ADDRESS;
  let addr = ipaddr.parse(value);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === "ipv4") return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
}
