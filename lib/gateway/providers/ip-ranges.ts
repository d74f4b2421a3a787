/**
 * Which IP addresses a `custom_host` may not reach (GATEWAY.md §7): loopback, private, link-local
 * and other non-public ranges, IPv4 and IPv6, including IPv4 addresses embedded in IPv6
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d).
 */
import { isIP } from "node:net";

type V4Range = { base: number; bits: number; kind: string };

const v4 = (dotted: string, bits: number, kind: string): V4Range => ({ base: parseIPv4(dotted) ?? 0, bits, kind });

const V4_RANGES: V4Range[] = [
  v4("0.0.0.0", 8, "unspecified"),
  v4("10.0.0.0", 8, "private"),
  v4("100.64.0.0", 10, "carrier-grade NAT"),
  v4("127.0.0.0", 8, "loopback"),
  v4("169.254.0.0", 16, "link-local"),
  v4("172.16.0.0", 12, "private"),
  v4("192.168.0.0", 16, "private"),
  v4("224.0.0.0", 4, "multicast"),
  v4("240.0.0.0", 4, "reserved"), // includes the broadcast address 255.255.255.255
];

/** Dotted-quad IPv4 as an unsigned 32-bit number, or undefined. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

/** IPv6 text (optionally with a zone "%eth0" or a dotted IPv4 tail) as eight 16-bit groups, or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  let rest = text.replace(/%.*$/, "");
  const groups: number[] = [];
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  let tailGroups: number[] = [];
  if (tail) {
    const value = parseIPv4(tail[2] ?? "");
    if (value === undefined) return undefined;
    tailGroups = [Math.floor(value / 65536), value % 65536];
    rest = (tail[1] ?? "").endsWith("::") ? (tail[1] ?? "") : (tail[1] ?? "").slice(0, -1);
  }
  const halves = rest.split("::");
  if (halves.length > 2) return undefined;
  const parse = (half: string | undefined) => (half ? half.split(":") : []);
  const head = parse(halves[0]);
  const back = parse(halves[1]);
  for (const g of [...head, ...back]) if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
  const explicit = head.length + back.length + tailGroups.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  groups.push(...head.map((g) => parseInt(g, 16)));
  groups.push(...new Array<number>(8 - explicit).fill(0));
  groups.push(...back.map((g) => parseInt(g, 16)), ...tailGroups);
  return groups;
}

function classifyIPv4(value: number): string | undefined {
  for (const range of V4_RANGES) {
    const size = 2 ** (32 - range.bits);
    if (Math.floor(value / size) === Math.floor(range.base / size)) return range.kind;
  }
  return undefined;
}

function classifyIPv6(g: number[]): string | undefined {
  const at = (i: number) => g[i] ?? 0;
  const embedded = at(6) * 65536 + at(7);
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return "unspecified";
  if (zeroTo(7) && at(7) === 1) return "loopback";
  if (zeroTo(5) && at(5) === 0xffff) return classifyIPv4(embedded); // IPv4-mapped
  if (zeroTo(6)) return classifyIPv4(embedded); // IPv4-compatible (deprecated)
  if (at(0) === 0x64 && at(1) === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIPv4(embedded); // NAT64
  const first = at(0);
  if ((first & 0xfe00) === 0xfc00) return "unique-local (private)";
  if ((first & 0xffc0) === 0xfe80) return "link-local";
  if ((first & 0xffc0) === 0xfec0) return "site-local (private)";
  if ((first & 0xff00) === 0xff00) return "multicast";
  return undefined;
}

/**
 * Why `address` (an IPv4 or IPv6 literal, IPv6 with or without brackets) may not be used, e.g.
 * "loopback", "private", "link-local"; undefined for a public address. Text that is not an IP
 * literal also gives undefined: check `isIpLiteral` first.
 */
export function nonPublicKind(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  const family = isIP(bare.replace(/%.*$/, ""));
  if (family === 4) {
    const value = parseIPv4(bare);
    return value === undefined ? undefined : classifyIPv4(value);
  }
  if (family === 6) {
    const groups = parseIPv6(bare);
    return groups === undefined ? "unparseable IPv6" : classifyIPv6(groups);
  }
  return undefined;
}

export function isIpLiteral(host: string): boolean {
  return isIP(host.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "")) !== 0;
}
