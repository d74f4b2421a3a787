/**
 * Which IP addresses an upstream connection may not reach (docs/GATEWAY.md §7). The range table is
 * ipaddr.js's (IANA special-purpose registries for IPv4 and IPv6): every address whose range is not
 * `unicast` is refused, plus the documented extras below. IPv6 addresses that carry an IPv4 address
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4
 * 2002:aabb:ccdd::) are judged by the IPv4 address they carry.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** Addresses ipaddr.js counts as unicast that Detour refuses anyway, each with its reason. */
const EXTRA_V4: readonly { cidr: [ipaddr.IPv4, number]; kind: string }[] = [
  // Azure's wire server (DHCP, health probes, VM agent): reachable from every Azure VM.
  { cidr: ipaddr.IPv4.parseCIDR("168.63.129.16/32"), kind: "Azure wire server" },
];
const EXTRA_V6: readonly { cidr: [ipaddr.IPv6, number]; kind: string }[] = [
  // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291): never a public destination.
  { cidr: ipaddr.IPv6.parseCIDR("::/96"), kind: "IPv4-compatible (deprecated)" },
  // Local-use NAT64 (RFC 8215): translates to whatever the local network decides.
  { cidr: ipaddr.IPv6.parseCIDR("64:ff9b:1::/48"), kind: "local-use NAT64" },
];

/** ipaddr.js range names in words; a name not listed is split from camelCase. */
const LABELS: Record<string, string> = {
  private: "private",
  loopback: "loopback",
  linkLocal: "link-local",
  uniqueLocal: "unique-local (private)",
  deprecatedSiteLocal: "site-local (private)",
  carrierGradeNat: "carrier-grade NAT",
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  reserved: "reserved",
  benchmarking: "benchmarking",
  teredo: "Teredo",
  amt: "AMT",
  as112: "AS112",
  as112v6: "AS112",
};

const label = (range: string) => LABELS[range] ?? range.replace(/([a-z])([A-Z0-9])/g, "$1 $2").toLowerCase();

/** IPv6 ranges that carry an IPv4 address: the scheme's name and the two groups holding it. */
const CARRIERS: Readonly<Record<string, { name: string; groups: [number, number] }>> = {
  ipv4Mapped: { name: "IPv4-mapped", groups: [6, 7] },
  rfc6145: { name: "IPv4-translated", groups: [6, 7] },
  rfc6052: { name: "NAT64", groups: [6, 7] }, // 64:ff9b::/96; local-use 64:ff9b:1::/48 is an extra
  "6to4": { name: "6to4", groups: [1, 2] },
};

function classifyIPv4(address: ipaddr.IPv4): string | undefined {
  for (const extra of EXTRA_V4) if (address.match(extra.cidr)) return extra.kind;
  const range = address.range();
  return range === "unicast" ? undefined : label(range);
}

function classifyIPv6(address: ipaddr.IPv6): string | undefined {
  const range = address.range();
  // The extras hold no address ipaddr.js names otherwise (:: and ::1 keep their own names).
  if (range === "unicast" || range === "rfc6052") {
    for (const extra of EXTRA_V6) if (address.match(extra.cidr)) return extra.kind;
  }
  if (range === "unicast") return undefined;
  const carrier = CARRIERS[range];
  if (!carrier) return label(range);
  const [hi, lo] = carrier.groups.map((i) => address.parts[i] ?? 0) as [number, number];
  const inner = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const kind = classifyIPv4(inner);
  return kind ? `${kind} (${inner.toString()} in ${carrier.name})` : undefined;
}

/**
 * Why `address` (an IPv4 or IPv6 literal, IPv6 with or without brackets or a zone) may not be
 * connected to, e.g. "loopback", "private", "link-local"; undefined for a public unicast address.
 * Text that is not an IP literal also gives undefined: check `isIpLiteral` first.
 */
export function nonPublicKind(address: string): string | undefined {
  const bare = stripBrackets(address).replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return classifyIPv4(ipaddr.IPv4.parse(bare));
  if (family === 6) return classifyIPv6(ipaddr.IPv6.parse(canonicalIPv6(bare)));
  return undefined;
}

/**
 * IPv6 text in WHATWG URL's canonical form (hex groups only). ipaddr.js reads a dotted tail after
 * "::" as IPv4-mapped ("::8.8.8.8" as ::ffff:8.8.8.8), where the address is really ::808:808.
 */
function canonicalIPv6(text: string): string {
  return stripBrackets(new URL(`http://[${text}]`).hostname);
}

export function isIpLiteral(host: string): boolean {
  return isIP(stripBrackets(host).replace(/%.*$/, "")) !== 0;
}

function stripBrackets(host: string): string {
  return host.replace(/^\[(.*)\]$/, "$1");
}
