import { describe, expect, it } from "vitest";
import { checkCookieWrite, detourOrigins } from "./csrf";
import { DetourError } from "../errors";

const URL_ = "http://localhost:3000/v1/configs";

/** A request as it arrives: its body's length is on the wire (content-length or transfer-encoding), as the check reads it. */
function req(method: string, headers: Record<string, string>, body?: string): Request {
  const length: Record<string, string> = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
  return new Request(URL_, { method, headers: { host: "detour.local:3000", ...length, ...headers }, body });
}

function refusal(request: Request, publicUrl?: string): { status: number; code: string; message: string } | null {
  try {
    checkCookieWrite(request, publicUrl);
    return null;
  } catch (err) {
    if (!(err instanceof DetourError)) throw err;
    return { status: err.status, code: String(err.code), message: err.message };
  }
}

describe("checkCookieWrite", () => {
  const json = { "content-type": "application/json", "content-length": "2" };

  it("lets reads through whatever their origin", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"])
      expect(refusal(req(method, { origin: "http://evil.example", "sec-fetch-site": "cross-site" }))).toBeNull();
  });

  it("Sec-Fetch-Site decides when present: same-origin passes, anything else is refused", () => {
    expect(refusal(req("POST", { ...json, "sec-fetch-site": "same-origin" }, "{}"))).toBeNull();
    for (const site of ["same-site", "cross-site", "none"]) {
      expect(refusal(req("POST", { ...json, "sec-fetch-site": site, origin: "http://detour.local:3000" }, "{}"))).toMatchObject({
        status: 403,
        code: "cross_origin_write",
      });
    }
  });

  it("else Origin must be Detour's: the Host's, or NEXTAUTH_URL's", () => {
    expect(refusal(req("POST", { ...json, origin: "http://detour.local:3000" }, "{}"))).toBeNull();
    expect(refusal(req("POST", { ...json, origin: "http://DETOUR.local:3000" }, "{}"))).toBeNull();
    expect(refusal(req("POST", { ...json, origin: "http://detour.local:3001" }, "{}"))).toMatchObject({
      status: 403,
      code: "cross_origin_write",
    });
    expect(refusal(req("POST", { ...json, origin: "https://detour.local:3000" }, "{}"))).toMatchObject({ code: "cross_origin_write" });
    expect(refusal(req("POST", { ...json, origin: "null" }, "{}"))).toMatchObject({ code: "cross_origin_write" });
    expect(refusal(req("POST", { ...json, origin: "https://gw.example.com" }, "{}"), "https://gw.example.com/")).toBeNull();
    expect(refusal(req("POST", { ...json, origin: "https://gw.example.com:8443" }, "{}"), "https://gw.example.com/")).toMatchObject({
      code: "cross_origin_write",
    });
  });

  it("takes the scheme from X-Forwarded-Proto (TLS ended by a proxy that keeps the Host)", () => {
    expect(refusal(req("POST", { ...json, origin: "https://detour.local:3000", "x-forwarded-proto": "https" }, "{}"))).toBeNull();
    expect(detourOrigins(req("POST", { "x-forwarded-proto": "https, http" }), undefined)).toEqual(["https://detour.local:3000"]);
    expect(detourOrigins(req("POST", { host: "gw.example.com:443", "x-forwarded-proto": "https" }), "https://gw.example.com")).toEqual([
      "https://gw.example.com",
    ]);
  });

  it("refuses a write with neither header (origin_required), naming the way out", () => {
    const r = refusal(req("DELETE", {}));
    expect(r).toMatchObject({ status: 403, code: "origin_required" });
    expect(r!.message).toContain("x-portkey-api-key");
  });

  it("needs a JSON content type for a write with a body (415), not for one without", () => {
    const same = { origin: "http://detour.local:3000" };
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
    ]) {
      expect(refusal(req("POST", { ...same, "content-type": type }, "{}")), type).toMatchObject({
        status: 415,
        code: "unsupported_media_type",
      });
    }
    expect(refusal(req("POST", { ...same }, "{}"))).toMatchObject({ status: 415 });
    expect(refusal(req("POST", { ...same, "content-type": "Application/JSON; charset=utf-8" }, "{}"))).toBeNull();
    expect(refusal(req("DELETE", same))).toBeNull();
    expect(refusal(req("POST", { ...same, "content-length": "0", "content-type": "text/plain" }))).toBeNull();
  });
});
