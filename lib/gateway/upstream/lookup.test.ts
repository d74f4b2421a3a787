/**
 * The connect-time private-address rule: the upstream agent's own lookup refuses an address that
 * is not public, so a name that passed the request-time check and then resolves to a private
 * address (DNS rebinding) is never connected to. Real sockets to the mock upstream (127.0.0.1);
 * names are resolved by a DNS table the test controls, or by the system resolver (localhost).
 */
import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "@/testing/mock-upstream/server";
import { chatBody } from "@/testing/mock-upstream/testing";
import { createAttempt, type UpstreamPayload } from "../request/attempt";
import { createCustomHostValidator } from "./custom-host";
import { openAiAdapter } from "../providers/openai";
import type { ResolvedTarget } from "../request/resolve-targets";
import { createUpstreamAgent, sendUpstream } from "./agent";
import { AddressNotAllowedError, createGuardedLookup, findAddressNotAllowed, type ResolveAll } from "./lookup";
import { newWaits } from "../request/waits";

/** A DNS the test rewrites between calls, like an attacker's name server with TTL 0. */
function controlledDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve: ResolveAll = (hostname, _options, callback) => {
    asked.push(hostname);
    const found = table[hostname];
    if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
    callback(
      null,
      found.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
  const lookupAll = async (hostname: string) =>
    new Promise<string[]>((ok, fail) => resolve(hostname, {}, (err, list) => (err ? fail(err) : ok(list.map((a) => a.address)))));
  return { table, asked, resolve, lookupAll };
}

function lookupOnce(lookup: ReturnType<typeof createGuardedLookup>, hostname: string, all: boolean) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
    lookup(hostname, { all }, (err, address, family) => done({ err, address, family })),
  );
}

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

describe("the guarded lookup", () => {
  it("answers like dns.lookup for public addresses, in both callback forms", async () => {
    const dns = controlledDns({ "api.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] });
    const lookup = createGuardedLookup({ allowedHosts: [], resolve: dns.resolve });
    expect(await lookupOnce(lookup, "api.example.com", true)).toEqual({
      err: null,
      address: [
        { address: "93.184.215.14", family: 4 },
        { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
      ],
      family: undefined,
    });
    expect(await lookupOnce(lookup, "api.example.com", false)).toEqual({ err: null, address: "93.184.215.14", family: 4 });
  });

  it("refuses when any address is not public, naming the host, the address and its range", async () => {
    const dns = controlledDns({ "split.example.com": ["93.184.215.14", "169.254.169.254"], "wire.example.com": ["168.63.129.16"] });
    const lookup = createGuardedLookup({ allowedHosts: [], resolve: dns.resolve });
    const split = await lookupOnce(lookup, "split.example.com", true);
    expect(split.err).toBeInstanceOf(AddressNotAllowedError);
    expect(split.err?.message).toMatch(
      /^host "split.example.com" resolved to 169.254.169.254, a link-local address, when Detour connected; .*DETOUR_ALLOWED_PRIVATE_HOSTS/,
    );
    expect((await lookupOnce(lookup, "wire.example.com", false)).err).toMatchObject({
      code: "EDETOUR_ADDRESS_NOT_ALLOWED",
      kind: "Azure wire server",
    });
  });

  it("lets DETOUR_ALLOWED_PRIVATE_HOSTS names through by name (case and trailing dot ignored), not by address", async () => {
    const dns = controlledDns({ "Mock.Internal.": ["127.0.0.1"], "other.internal": ["127.0.0.1"] });
    const lookup = createGuardedLookup({ allowedHosts: ["mock.internal", "127.0.0.1"], resolve: dns.resolve });
    expect(await lookupOnce(lookup, "Mock.Internal.", false)).toEqual({ err: null, address: "127.0.0.1", family: 4 });
    expect((await lookupOnce(lookup, "other.internal", false)).err).toBeInstanceOf(AddressNotAllowedError);
  });

  it("passes resolver errors on unchanged", async () => {
    const lookup = createGuardedLookup({ allowedHosts: [], resolve: controlledDns({}).resolve });
    expect((await lookupOnce(lookup, "nope.invalid", true)).err).toMatchObject({ code: "ENOTFOUND" });
  });
});

describe("connections of the upstream agent", () => {
  const url = (host: string) => `${mock.url.replace("127.0.0.1", host)}/v1/chat/completions`;
  const request = (target: string) => ({
    url: target,
    method: "POST" as const,
    headers: { "content-type": "application/json", authorization: "Bearer sk-test-openai-abcd" },
    body: JSON.stringify(chatBody("hi")),
  });

  it("a name that passed the request-time check and now resolves to loopback is never connected to (DNS rebinding)", async () => {
    const dns = controlledDns({ "rebind.example.com": ["93.184.215.14"] });
    const validate = createCustomHostValidator({ lookup: dns.lookupAll, ttlMs: 0 });
    expect(await validate(url("rebind.example.com"), [])).toEqual({ ok: true }); // public when the request arrived
    dns.table["rebind.example.com"] = ["127.0.0.1"]; // the attacker's DNS answers differently on connect

    const agent = createUpstreamAgent({ lookup: createGuardedLookup({ allowedHosts: [], resolve: dns.resolve }) });
    try {
      const err = await sendUpstream(request(url("rebind.example.com")), AbortSignal.timeout(10_000), agent).catch((e: unknown) => e);
      expect(findAddressNotAllowed(err)).toMatchObject({ host: "rebind.example.com", address: "127.0.0.1", kind: "loopback" });
      expect(dns.asked.filter((h) => h === "rebind.example.com")).toHaveLength(2); // the check, then the connection's own lookup
      expect(mock.requests()).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it("connects to an operator-allowed name, and checks what the system resolver answers (localhost)", async () => {
    const allowed = createUpstreamAgent({ lookup: createGuardedLookup({ allowedHosts: ["localhost"] }) });
    const strict = createUpstreamAgent({ lookup: createGuardedLookup({ allowedHosts: [] }) });
    try {
      const res = await sendUpstream(request(url("localhost")), AbortSignal.timeout(10_000), allowed);
      expect(res.statusCode).toBe(200);
      await res.body.text();
      const err = await sendUpstream(request(url("localhost")), AbortSignal.timeout(10_000), strict).catch((e: unknown) => e);
      expect(findAddressNotAllowed(err)).toMatchObject({ host: "localhost", kind: expect.stringMatching(/loopback/) });
      expect(mock.requests()).toHaveLength(1);
    } finally {
      await Promise.all([allowed.close(), strict.close()]);
    }
  });

  it("reaches the caller as a clear gateway error, not a network failure", async () => {
    const dns = controlledDns({ "rebind.example.com": ["127.0.0.1"], "api.openai.com": ["10.1.2.3"] });
    const agent = createUpstreamAgent({ lookup: createGuardedLookup({ allowedHosts: [], resolve: dns.resolve }) });
    const attempt = createAttempt({
      endpoint: "chat/completions",
      wire: "openai",
      body: chatBody("hi"),
      stream: false,
      stripUsageChunk: false,
      maxLogBytes: 1024,
      timing: newWaits(),
      dispatcher: agent,
    });
    const target = (customHost?: string): ResolvedTarget => ({
      provider: "openai",
      adapter: openAiAdapter,
      creds: { provider: "openai", apiKey: "sk-test-openai-abcd", ...(customHost ? { customHost } : {}) },
      virtualKey: null,
    });
    const run = (t: ResolvedTarget) =>
      attempt({ target: t, path: "config", settings: {} }, { retryIndex: 0, signal: AbortSignal.timeout(10_000) });
    try {
      const custom = await run(target(`${mock.url.replace("127.0.0.1", "rebind.example.com")}/v1`));
      expect(custom).toMatchObject({ status: 400, errorClass: "address_not_allowed" });
      const customBody = (custom.response as Extract<UpstreamPayload, { kind: "error" }>).body.error;
      expect(customBody).toMatchObject({ code: "custom_host_not_allowed", type: "invalid_request_error", param: "custom_host" });
      expect(customBody.message).toMatch(
        /^custom_host host "rebind.example.com" resolved to 127.0.0.1, a loopback address, when Detour connected/,
      );

      const fallbackDefault = await run(target());
      expect(fallbackDefault).toMatchObject({ status: 502, errorClass: "address_not_allowed" });
      expect((fallbackDefault.response as Extract<UpstreamPayload, { kind: "error" }>).body.error).toMatchObject({
        code: "upstream_address_not_allowed",
        message: expect.stringContaining('host "api.openai.com" resolved to 10.1.2.3, a private address'),
      });
      expect(mock.requests()).toEqual([]);
    } finally {
      await agent.close();
    }
  });
});
