/**
 * CSRF over real HTTP with a real session cookie: a cookie-authenticated write to /v1/* must come
 * from Detour's own origin (Sec-Fetch-Site: same-origin, or an Origin equal to Detour's) and send
 * JSON; API-key requests are not affected. Each refused write must change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, apiClient, errorOf, signIn, withKey, type ApiClient } from "../../testing/api-client";

describe("management API: CSRF on cookie-authenticated writes", () => {
  let h: Harness;
  let admin: ApiClient;
  let cookie: string;
  let session: ApiClient;
  let vk: string;
  let ownOrigin: string;
  let otherPortOrigin: string;

  const configBody = (name: string) => ({ name, config: { virtual_key: vk } });
  const countNamed = async (name: string) =>
    (await admin.get("/configs?page_size=500")).json.data.filter((c: { name: string }) => c.name === name).length;

  beforeAll(async () => {
    h = await startHarness({ DETOUR_ADMIN_API_KEY: ADMIN_KEY }, { adminPassword: ADMIN_PASSWORD });
    admin = withKey(h, ADMIN_KEY);
    cookie = await signIn(h);
    session = apiClient(h, { cookie });
    vk = await h.openaiKey("OpenAI csrf");
    ownOrigin = h.url; // http://127.0.0.1:<port>, the Host the test connects to
    otherPortOrigin = `http://127.0.0.1:${new URL(h.url).port === "1" ? 2 : Number(new URL(h.url).port) + 1}`;
  });
  afterAll(async () => h?.close());

  it("refuses Origin: http://evil.example (403 cross_origin_write) and creates nothing", async () => {
    const r = await session.call("POST", "/configs", configBody("csrf evil"), { origin: "http://evil.example" });
    expect(r.status).toBe(403);
    const error = errorOf(r);
    expect(error.code).toBe("cross_origin_write");
    expect(error.message).toContain("http://evil.example");
    expect(error.message).toContain(ownOrigin);
    expect(await countNamed("csrf evil")).toBe(0);
  });

  it("refuses a page on another port of the same host (Origin and Sec-Fetch-Site: same-site)", async () => {
    const byOrigin = await session.call("POST", "/configs", configBody("csrf port"), { origin: otherPortOrigin });
    expect(byOrigin.status).toBe(403);
    expect(errorOf(byOrigin).code).toBe("cross_origin_write");
    const bySite = await session.call("POST", "/configs", configBody("csrf port"), {
      origin: otherPortOrigin,
      "sec-fetch-site": "same-site",
    });
    expect(bySite.status).toBe(403);
    expect(errorOf(bySite).message).toContain("same-site");
    expect(await countNamed("csrf port")).toBe(0);
  });

  it("refuses Sec-Fetch-Site: cross-site even with Detour's own Origin, and 'none'", async () => {
    for (const site of ["cross-site", "none"]) {
      const r = await session.call("POST", "/configs", configBody("csrf site"), { origin: ownOrigin, "sec-fetch-site": site });
      expect(r.status).toBe(403);
      expect(errorOf(r).code).toBe("cross_origin_write");
    }
    expect(await countNamed("csrf site")).toBe(0);
  });

  it("refuses Origin: null (a sandboxed page, a redirect)", async () => {
    const r = await session.call("POST", "/configs", configBody("csrf null"), { origin: "null" });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe("cross_origin_write");
  });

  it("refuses a cookie-authenticated write with neither Origin nor Sec-Fetch-Site (403 origin_required)", async () => {
    const r = await session.post("/configs", configBody("csrf bare"));
    expect(r.status).toBe(403);
    const error = errorOf(r);
    expect(error.code).toBe("origin_required");
    expect(error.message).toMatch(/Origin or Sec-Fetch-Site/);
    expect(error.message).toContain("x-portkey-api-key");
    expect(await countNamed("csrf bare")).toBe(0);
  });

  it("refuses a same-origin text/plain body (a form's encoding) with 415 unsupported_media_type", async () => {
    const body = JSON.stringify(configBody("csrf text"));
    for (const headers of <Record<string, string>[]>[
      { origin: ownOrigin, "content-type": "text/plain" },
      { "sec-fetch-site": "same-origin", "content-type": "text/plain;charset=UTF-8" },
      { origin: ownOrigin, "content-type": "application/x-www-form-urlencoded" },
    ]) {
      const r = await session.call("POST", "/configs", body, headers);
      expect(r.status).toBe(415);
      const error = errorOf(r);
      expect(error.code).toBe("unsupported_media_type");
      expect(error.message).toContain("application/json");
    }
    expect(await countNamed("csrf text")).toBe(0);
  });

  it("refuses cross-origin PUT and DELETE: the config is unchanged and still there", async () => {
    const created = await admin.post("/configs", configBody("csrf target"));
    expect(created.status).toBe(201);
    const put = await session.call("PUT", `/configs/${created.json.slug}`, { name: "csrf renamed" }, { origin: "http://evil.example" });
    expect(put.status).toBe(403);
    const del = await session.call("DELETE", `/configs/${created.json.slug}`, undefined, {
      origin: otherPortOrigin,
      "sec-fetch-site": "same-site",
    });
    expect(del.status).toBe(403);
    const restore = await session.call("POST", `/configs/${created.json.slug}/versions/1/restore`, undefined, {
      origin: "http://evil.example",
    });
    expect(restore.status).toBe(403);
    const after = await admin.get(`/configs/${created.json.slug}`);
    expect(after.status).toBe(200);
    expect(after.json).toMatchObject({ name: "csrf target", status: "active", version: 1 });
  });

  it("refuses cross-origin writes to virtual keys and API keys too", async () => {
    const vkWrite = await session.call(
      "POST",
      "/virtual-keys",
      { name: "csrf vk", provider: "openai", key: "sk-csrf-0000000000000000" },
      { origin: "http://evil.example" },
    );
    expect(vkWrite.status).toBe(403);
    const keyWrite = await session.call("POST", "/api-keys", { name: "csrf key", scope: "admin" }, { "sec-fetch-site": "cross-site" });
    expect(keyWrite.status).toBe(403);
    expect((await admin.get("/api-keys")).json.data.some((k: { name: string }) => k.name === "csrf key")).toBe(false);
  });

  it("accepts the dashboard's own writes: Sec-Fetch-Site: same-origin, or Detour's Origin, with JSON", async () => {
    const bySite = await session.call("POST", "/configs", configBody("csrf ok site"), {
      "sec-fetch-site": "same-origin",
      origin: ownOrigin,
    });
    expect(bySite.status).toBe(201);
    const byOrigin = await session.call("POST", "/configs", configBody("csrf ok origin"), {
      origin: ownOrigin,
      "content-type": "application/json; charset=utf-8",
    });
    expect(byOrigin.status).toBe(201);
    const del = await session.call("DELETE", `/configs/${byOrigin.json.slug}`, undefined, { origin: ownOrigin });
    expect(del.status).toBe(200);
    // Reads are not writes: a GET without Origin still works with the cookie.
    expect((await session.get("/configs")).status).toBe(200);
  });

  it("accepts the origin of NEXTAUTH_URL (the public URL behind a reverse proxy) and X-Forwarded-Proto's scheme", async () => {
    const proxied = await startHarness(
      { DETOUR_ADMIN_API_KEY: ADMIN_KEY, NEXTAUTH_URL: "https://detour.example.com" },
      { adminPassword: ADMIN_PASSWORD },
    );
    try {
      const proxiedVk = await proxied.openaiKey("OpenAI proxied");
      const proxiedSession = apiClient(proxied, { cookie: await signIn(proxied) });
      const body = (name: string) => ({ name, config: { virtual_key: proxiedVk } });
      expect((await proxiedSession.call("POST", "/configs", body("proxied public"), { origin: "https://detour.example.com" })).status).toBe(
        201,
      );
      expect(
        (await proxiedSession.call("POST", "/configs", body("proxied lookalike"), { origin: "https://detour.example.com.evil.example" }))
          .status,
      ).toBe(403);
      const host = new URL(proxied.url).host;
      expect(
        (
          await proxiedSession.call("POST", "/configs", body("proxied forwarded"), {
            origin: `https://${host}`,
            "x-forwarded-proto": "https",
          })
        ).status,
      ).toBe(201);
      expect((await proxiedSession.call("POST", "/configs", body("proxied scheme"), { origin: `https://${host}` })).status).toBe(403);
    } finally {
      await proxied.close();
    }
  });

  it("does not apply to API-key requests: any Origin, any Sec-Fetch-Site", async () => {
    const r = await admin.call("POST", "/configs", configBody("csrf api key"), {
      origin: "http://evil.example",
      "sec-fetch-site": "cross-site",
    });
    expect(r.status).toBe(201);
    const del = await admin.call("DELETE", `/configs/${r.json.slug}`, undefined, { origin: "http://evil.example" });
    expect(del.status).toBe(200);
  });
});
