import { describe, expect, it } from "vitest";
import { isIpLiteral, nonPublicKind } from "./ip-ranges";

describe("non-public addresses (ipaddr.js's range table plus Detour's extras)", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["169.254.169.254", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    // Special-purpose ranges the hand-written list missed (issue 11, item 5).
    ["192.0.0.1", "reserved"], // IETF protocol assignments 192.0.0.0/24
    ["192.0.0.192", "reserved"], // Oracle Cloud's metadata service lives here
    ["192.0.2.10", "reserved"], // TEST-NET-1
    ["198.18.0.1", "reserved"], // benchmarking 198.18.0.0/15
    ["198.19.255.254", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["192.88.99.1", "reserved"], // former 6to4 relay anycast
    ["168.63.129.16", "Azure wire server"], // the documented extra
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "unique-local (private)"],
    ["fdab:cdef::1", "unique-local (private)"],
    ["fd00:ec2::254", "unique-local (private)"], // AWS's IPv6 metadata service
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local (private)"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"], // documentation
    ["2001::1", "Teredo"],
    ["100::1", "discard"],
    // IPv6 carrying an IPv4 address: judged by that address.
    ["::ffff:127.0.0.1", "loopback (127.0.0.1 in IPv4-mapped)"],
    ["::ffff:7f00:1", "loopback (127.0.0.1 in IPv4-mapped)"],
    ["[::ffff:a00:1]", "private (10.0.0.1 in IPv4-mapped)"],
    ["::ffff:169.254.169.254", "link-local (169.254.169.254 in IPv4-mapped)"],
    ["::ffff:0:127.0.0.1", "loopback (127.0.0.1 in IPv4-translated)"],
    ["::ffff:0:a9fe:a9fe", "link-local (169.254.169.254 in IPv4-translated)"],
    ["64:ff9b::10.0.0.1", "private (10.0.0.1 in NAT64)"],
    ["64:ff9b::a9fe:a9fe", "link-local (169.254.169.254 in NAT64)"],
    ["64:ff9b::168.63.129.16", "Azure wire server (168.63.129.16 in NAT64)"],
    ["64:ff9b:1::1", "local-use NAT64"],
    ["64:ff9b:1:abcd::8.8.8.8", "local-use NAT64"],
    ["2002:c0a8:0101::1", "private (192.168.1.1 in 6to4)"],
    ["2002:a9fe:a9fe::", "link-local (169.254.169.254 in 6to4)"],
    ["2002:7f00:1::1", "loopback (127.0.0.1 in 6to4)"],
    ["::127.0.0.1", "IPv4-compatible (deprecated)"],
    ["::8.8.8.8", "IPv4-compatible (deprecated)"],
  ])("%s is %s", (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.15.255.255",
    "172.32.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "169.253.1.1",
    "11.0.0.1",
    "192.0.1.1",
    "198.17.255.255",
    "198.20.0.0",
    "168.63.129.15",
    "168.63.129.17",
    "104.18.7.192", // api.openai.com's CDN
    "2606:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "::ffff:0:8.8.8.8",
    "64:ff9b::8.8.8.8", // DNS64/NAT64 of a public address (IPv6-only hosts reach the internet this way)
    "2002:0808:0808::1", // 6to4 around a public address
  ])("%s is public", (address) => {
    expect(nonPublicKind(address)).toBeUndefined();
  });

  it("tells IP literals from names", () => {
    expect(isIpLiteral("10.0.0.1")).toBe(true);
    expect(isIpLiteral("[fe80::1]")).toBe(true);
    expect(isIpLiteral("fe80::1%eth0")).toBe(true);
    expect(isIpLiteral("localhost")).toBe(false);
    expect(isIpLiteral("10.0.0.1.nip.io")).toBe(false);
    expect(nonPublicKind("localhost")).toBeUndefined();
  });
});
