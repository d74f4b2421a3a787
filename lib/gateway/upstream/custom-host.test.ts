import { describe, expect, it } from "vitest";
import { checkCustomHostWithoutDns, createCustomHostValidator, validateCustomHost, type LookupAll } from "./custom-host";

function fakeDns(table: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup: LookupAll = async (hostname) => {
    calls.push(hostname);
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return found;
  };
  return { lookup, calls };
}

const DNS = {
  "api.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
  "internal.example.com": ["10.0.0.7"],
  "split.example.com": ["93.184.215.14", "192.168.0.9"],
  "mapped.example.com": ["::ffff:127.0.0.1"],
  "wire.example.com": ["168.63.129.16"],
  "bench.example.com": ["198.18.0.1"],
  "nat64.example.com": ["64:ff9b:1::a00:1"],
  "sixtofour.example.com": ["2002:a9fe:a9fe::1"],
};

describe("custom_host private-address rule", () => {
  it("accepts a public host and refuses one that resolves to a private address, naming the host", async () => {
    const { lookup } = fakeDns(DNS);
    const validate = createCustomHostValidator({ lookup });
    expect(await validate("https://api.example.com/v1", [])).toEqual({ ok: true });
    const refused = await validate("https://internal.example.com/v1", []);
    expect(refused).toEqual({
      ok: false,
      message:
        'custom_host host "internal.example.com" resolves to 10.0.0.7, a private address; loopback, private, link-local ' +
        "and other special-purpose addresses are refused unless the host is listed in DETOUR_ALLOWED_PRIVATE_HOSTS",
    });
  });

  it("refuses when any of the addresses is private, or IPv4-mapped loopback", async () => {
    const validate = createCustomHostValidator({ lookup: fakeDns(DNS).lookup });
    expect(await validate("https://split.example.com", [])).toMatchObject({ ok: false });
    expect(await validate("https://mapped.example.com", [])).toMatchObject({ ok: false, message: expect.stringContaining("loopback") });
  });

  it("refuses names resolving to special-purpose ranges the old hand list missed", async () => {
    const validate = createCustomHostValidator({ lookup: fakeDns(DNS).lookup });
    expect(await validate("https://wire.example.com", [])).toMatchObject({
      ok: false,
      message: expect.stringContaining("168.63.129.16, an Azure wire server address"),
    });
    expect(await validate("https://bench.example.com", [])).toMatchObject({
      ok: false,
      message: expect.stringContaining("198.18.0.1, a reserved address"),
    });
    expect(await validate("https://nat64.example.com", [])).toMatchObject({
      ok: false,
      message: expect.stringContaining("local-use NAT64"),
    });
    expect(await validate("https://sixtofour.example.com", [])).toMatchObject({
      ok: false,
      message: expect.stringContaining("link-local (169.254.169.254 in 6to4)"),
    });
    for (const url of ["http://192.0.0.192/", "http://[64:ff9b:1::1]/", "http://[2002:c0a8:101::1]/", "http://[::ffff:0:7f00:1]/"]) {
      expect(await validate(url, []), url).toMatchObject({ ok: false });
    }
  });

  it("refuses user info in the URL, even for an allowed or public host", async () => {
    const { lookup, calls } = fakeDns(DNS);
    const validate = createCustomHostValidator({ lookup });
    for (const url of ["http://evil@127.0.0.1/v1", "https://user:pw@api.example.com/v1", "https://:pw@api.example.com/"]) {
      expect(await validate(url, ["127.0.0.1"]), url).toMatchObject({
        ok: false,
        message: expect.stringContaining("must not contain a user name or password"),
      });
    }
    expect(calls).toEqual([]);
  });

  it("classifies IP literals without DNS, including normalised forms", async () => {
    const { lookup, calls } = fakeDns({});
    const validate = createCustomHostValidator({ lookup });
    for (const url of [
      "http://127.0.0.1:4010/v1",
      "http://[::1]/v1",
      "http://169.254.169.254/",
      "http://0x7f.1/",
      "http://2130706433/",
      "http://[::ffff:10.0.0.1]/",
    ]) {
      expect(await validate(url, []), url).toMatchObject({ ok: false });
    }
    expect(await validate("https://8.8.8.8/v1", [])).toEqual({ ok: true });
    expect(calls).toEqual([]);
  });

  it("lets the operator allow hosts, compared lower-case as written (host or host:port)", async () => {
    const { lookup, calls } = fakeDns(DNS);
    const validate = createCustomHostValidator({ lookup });
    expect(await validate("http://127.0.0.1:4010/v1", ["127.0.0.1", "localhost"])).toEqual({ ok: true });
    expect(await validate("http://LocalHost:4010/v1", ["localhost"])).toEqual({ ok: true });
    expect(await validate("https://Internal.Example.com/v1", ["INTERNAL.example.com"])).toEqual({ ok: true });
    expect(await validate("http://[::1]:8080/", ["::1"])).toEqual({ ok: true });
    expect(await validate("http://[::1]:8080/", ["[::1]:8080"])).toEqual({ ok: true });
    expect(await validate("http://127.0.0.1:4010/", ["127.0.0.1:9999"])).toMatchObject({ ok: false });
    expect(await validate("http://127.0.0.2/", ["127.0.0.1"])).toMatchObject({ ok: false });
    expect(calls).toEqual([]);
  });

  it("keeps each URL's classification per allow-list and label, never another's", async () => {
    const { lookup, calls } = fakeDns(DNS);
    const validate = createCustomHostValidator({ lookup });
    const open = ["127.0.0.1"];
    const closed: string[] = [];
    for (let i = 0; i < 3; i++) {
      expect(await validate("http://127.0.0.1:4010/v1", open)).toEqual({ ok: true });
      expect(await validate("http://127.0.0.1:4010/v1", closed)).toMatchObject({ ok: false, message: expect.stringContaining("loopback") });
      expect(checkCustomHostWithoutDns("http://127.0.0.1:4010/v1", closed, "budget alert webhook")).toMatchObject({
        message: expect.stringMatching(/^budget alert webhook host "127.0.0.1"/),
      });
      expect(checkCustomHostWithoutDns("http://127.0.0.1:4010/v1", closed)).toMatchObject({
        message: expect.stringMatching(/^custom_host host/),
      });
      // A name is resolved on every check (the lookup's own cache decides), whatever was kept of its URL.
      expect(await validate("https://internal.example.com/v1", [])).toMatchObject({ ok: false });
      expect(await validate("https://internal.example.com/v1", ["internal.example.com"])).toEqual({ ok: true });
    }
    expect(calls).toEqual(["internal.example.com"]);
    // Long URLs are checked each time, the same way.
    const long = `http://127.0.0.1/${"a".repeat(600)}`;
    expect(checkCustomHostWithoutDns(long, closed)).toMatchObject({ ok: false });
    expect(checkCustomHostWithoutDns(long, open)).toEqual({ ok: true });
  });

  it("refuses other schemes, bad URLs and names that do not resolve", async () => {
    const validate = createCustomHostValidator({ lookup: fakeDns(DNS).lookup });
    expect(await validate("ftp://api.example.com/", [])).toMatchObject({ ok: false, message: expect.stringContaining("http or https") });
    expect(await validate("not a url", [])).toMatchObject({ ok: false, message: expect.stringContaining("not a valid URL") });
    expect(await validate("https://nope.invalid/", [])).toEqual({
      ok: false,
      message: 'custom_host host "nope.invalid" could not be resolved (ENOTFOUND)',
    });
  });

  it("caches lookups for the TTL, shares one lookup between concurrent checks, and does not cache failures", async () => {
    let clock = 0;
    const { lookup, calls } = fakeDns(DNS);
    const validate = createCustomHostValidator({ lookup, now: () => clock, ttlMs: 60_000 });
    await Promise.all([validate("https://api.example.com/a", []), validate("https://api.example.com/b", [])]);
    clock = 59_999;
    await validate("https://api.example.com/c", []);
    expect(calls).toEqual(["api.example.com"]);
    clock = 60_000;
    await validate("https://api.example.com/c", []);
    expect(calls).toEqual(["api.example.com", "api.example.com"]);
    await validate("https://nope.invalid/", []);
    await validate("https://nope.invalid/", []);
    expect(calls.filter((h) => h === "nope.invalid")).toHaveLength(2);
  });

  it("refuses a host whose lookup hangs, after the lookup timeout", async () => {
    const validate = createCustomHostValidator({ lookup: () => new Promise<string[]>(() => {}), lookupTimeoutMs: 20 });
    expect(await validate("https://slow.example.com/", [])).toMatchObject({
      ok: false,
      message: expect.stringContaining("could not be resolved (timed out after 20 ms)"),
    });
  });

  it("resolves real names with the system resolver: localhost is loopback", async () => {
    expect(await validateCustomHost("http://localhost:4010/v1", [])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^custom_host host "localhost" (resolves to .*, a loopback address|could not be resolved)/),
    });
    expect(await validateCustomHost("http://localhost:4010/v1", ["localhost"])).toEqual({ ok: true });
  });
});
