import { describe, expect, it } from "vitest";
import { CLIENT_ADDRESS_HEADER, clientAddress, normaliseAddress } from "./client-address";

describe("clientAddress", () => {
  const h = (socket: string, xff?: string) => new Headers({ [CLIENT_ADDRESS_HEADER]: socket, ...(xff ? { "x-forwarded-for": xff } : {}) });

  it("is the socket's address by default: X-Forwarded-For sent by a client is ignored", () => {
    expect(clientAddress(h("203.0.113.7", "198.51.100.1"), 0)).toBe("203.0.113.7");
    expect(clientAddress(h("::ffff:127.0.0.1", "10.0.0.1, 10.0.0.2"), 0)).toBe("127.0.0.1");
  });

  it("with N trusted proxies takes the address N hops from the socket; a client cannot push it further", () => {
    // nginx (the socket) appended the client it saw; the client had sent a forged entry first.
    expect(clientAddress(h("10.0.0.5", "6.6.6.6, 198.51.100.9"), 1)).toBe("198.51.100.9");
    expect(clientAddress(h("10.0.0.5", "6.6.6.6, 198.51.100.9, 10.0.0.4"), 2)).toBe("198.51.100.9");
    // Fewer entries than hops: the furthest known one.
    expect(clientAddress(h("10.0.0.5", "198.51.100.9"), 3)).toBe("198.51.100.9");
    expect(clientAddress(h("10.0.0.5"), 1)).toBe("10.0.0.5");
  });

  it("is 'unknown' without the server's header (next dev) or with garbage", () => {
    expect(clientAddress(new Headers(), 0)).toBe("unknown");
    expect(clientAddress(undefined, 0)).toBe("unknown");
    expect(clientAddress(h("not-an-ip"), 0)).toBe("unknown");
    expect(clientAddress({ [CLIENT_ADDRESS_HEADER]: "192.0.2.1" }, 0)).toBe("192.0.2.1");
  });

  it("groups IPv6 by /64", () => {
    expect(normaliseAddress("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("2001:db8:1:2:bbbb::9")).toBe("2001:db8:1:2::/64");
    expect(normaliseAddress("[2001:db8::1]")).toBe("2001:db8:0:0::/64");
    expect(normaliseAddress("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});

describe("DETOUR_TRUST_PROXY", () => {
  it("defaults to 0 (X-Forwarded-For ignored), takes 0-10 hops, and names itself when wrong", async () => {
    const { parseEnv } = await import("../env");
    expect(parseEnv({}).DETOUR_TRUST_PROXY).toBe(0);
    expect(parseEnv({ DETOUR_TRUST_PROXY: " 2 " }).DETOUR_TRUST_PROXY).toBe(2);
    for (const bad of ["yes", "-1", "11", "1.5"]) expect(() => parseEnv({ DETOUR_TRUST_PROXY: bad })).toThrow(/DETOUR_TRUST_PROXY/);
  });
});
