/**
 * Security headers over real HTTP on every kind of answer: pages (a nonce CSP whose nonce is on
 * every script of the page), the management API (no-store), the inference routes (answered by
 * scripts/server.ts, not Next.js), auth, health and metrics; errors included.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, signIn } from "../../testing/api-client";

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function expectBase(headers: Headers, what: string) {
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(headers.get("x-frame-options"), what).toBe("DENY");
  expect(headers.get("referrer-policy"), what).toBe("same-origin");
}

function expectApi(headers: Headers, what: string) {
  expectBase(headers, what);
  expect(headers.get("content-security-policy"), what).toBe(API_CSP);
}

/** A POST over node:http with exactly these headers (fetch would not send this Host). */
function rawPost(base: URL, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method: "POST", path, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === "string") out.set(name, value);
        resolve({ status: res.statusCode ?? 0, headers: out });
      });
    });
    req.on("error", reject);
    req.end("{}");
  });
}

describe("security headers", () => {
  let h: Harness;
  let cookie: string;
  let vk: string;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    cookie = await signIn(h);
    vk = await h.openaiKey("OpenAI headers");
  });
  afterAll(async () => h?.close());

  async function page(path: string) {
    // The sign-in page signed out (signed in, it redirects to the dashboard).
    const res = await fetch(`${h.url}${path}`, { headers: path === "/login" ? {} : { cookie }, redirect: "manual" });
    return { res, html: await res.text() };
  }

  it("pages: a per-request nonce CSP (no unsafe-inline scripts), frame-ancestors 'none', the nonce on every script", async () => {
    const nonces = new Set<string>();
    for (const path of ["/login", "/", "/configs", "/logs", "/virtual-keys", "/api-keys", "/analytics", "/no-such-page"]) {
      const { res, html } = await page(path);
      expect([200, 404], path).toContain(res.status);
      expectBase(res.headers, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'/.exec(csp)?.[1];
      expect(nonce, `${path}: ${csp}`).toBeTruthy();
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      nonces.add(nonce!);
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length, path).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, `${path}: ${tag}`).toContain(`nonce="${nonce}"`);
      expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    }
    expect(nonces.size).toBe(8); // a fresh nonce per page view
    const dashboard = await page("/configs");
    expect(dashboard.res.headers.get("cache-control")).toContain("no-store");
  });

  it("management API: API headers and Cache-Control: no-store on /v1/logs, /v1/configs, /v1/virtual-keys, /v1/api-keys, errors included", async () => {
    const logged = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk }),
      body: JSON.stringify(chatBody()),
    });
    const logId = logged.headers.get("x-portkey-request-id")!;
    await h.waitForLog(logId);
    const configSlug = await h.config("headers config", { virtual_key: vk });
    const paths = [
      "/v1/logs",
      `/v1/logs/${logId}`,
      "/v1/configs",
      `/v1/configs/${configSlug}`,
      `/v1/configs/${configSlug}/versions`,
      "/v1/virtual-keys",
      `/v1/virtual-keys/${vk}`,
      "/v1/api-keys",
    ];
    for (const path of paths) {
      for (const auth of <Record<string, string>[]>[{ "x-portkey-api-key": ADMIN_KEY }, { cookie }, {}]) {
        const res = await fetch(`${h.url}${path}`, { headers: auth });
        expect(res.status, path).toBe(Object.keys(auth).length ? 200 : 401);
        expectApi(res.headers, path);
        expect(res.headers.get("cache-control"), path).toBe("no-store");
      }
    }
  });

  it("inference routes (answered by scripts/server.ts): API headers on answers, streams and errors", async () => {
    const chat = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk }),
      body: JSON.stringify(chatBody()),
    });
    expect(chat.status).toBe(200);
    expectApi(chat.headers, "chat");
    const stream = await fetch(`${h.baseURL}/chat/completions`, {
      method: "POST",
      headers: h.headers({ "x-portkey-virtual-key": vk }),
      body: JSON.stringify(chatBody({ stream: true })),
    });
    expect(stream.status).toBe(200);
    await stream.text();
    expectApi(stream.headers, "stream");
    const models = await fetch(`${h.baseURL}/models`, { headers: h.headers() });
    expect(models.status).toBe(200);
    expectApi(models.headers, "models");
    const denied = await fetch(`${h.baseURL}/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(denied.status).toBe(401);
    expectApi(denied.headers, "401");
    // A request the HTTP adapter cannot turn into a Web Request (a Host that is not a host): 400, headers included.
    const bad = await rawPost(new URL(h.url), "/v1/chat/completions", { host: "user@evil.example", "content-type": "application/json" });
    expect(bad.status).toBe(400);
    expectApi(bad.headers, "400 from the adapter");
  });

  it("auth, health and metrics", async () => {
    for (const [path, init] of [
      ["/api/health", {}],
      ["/api/auth/csrf", {}],
      ["/api/auth/session", { headers: { cookie } }],
      ["/metrics", { headers: { "x-portkey-api-key": ADMIN_KEY } }],
    ] as const) {
      const res = await fetch(`${h.url}${path}`, init);
      expect(res.status, path).toBe(200);
      expectApi(res.headers, path);
    }
  });
});
