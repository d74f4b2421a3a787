import { describe, expect, it } from "vitest";
import { safeCallbackPath, safeRedirect } from "./callback-url";

/** What a browser would do with the value as a Location or router target: the origin it lands on. */
const landsOn = (target: string) => new URL(target, "http://localhost:3000").origin;

describe("safeCallbackPath", () => {
  it.each([
    ["/", "/"],
    ["/logs", "/logs"],
    ["/logs?status=500&model=gpt-4o#row", "/logs?status=500&model=gpt-4o#row"],
    ["/configs/pc-prod-1a2b3c", "/configs/pc-prod-1a2b3c"],
    ["/logs?model=gpt%204o", "/logs?model=gpt%204o"],
    ["/a/../virtual-keys", "/virtual-keys"],
    ["/%E2%9C%93", "/%E2%9C%93"],
  ])("keeps the same-site path %j", (value, expected) => {
    expect(safeCallbackPath(value)).toBe(expected);
  });

  it.each([
    // the cases, as Next hands them over (searchParams decoded once)
    "/\\host/x",
    "/\t/",
    // network-path references and their encoded, doubled and control-character variants
    "//evil.example",
    "//evil.example/x",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%252F/evil.example",
    "/%25252F/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0D%0A/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "/\u00a0/evil.example",
    "/\u0000/evil.example",
    "/x\\y",
    // absolute URLs and schemes
    "https://evil.example/",
    "http:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    " /logs",
    "\t//evil.example",
    "evil.example",
    "logs",
    "?x=1",
    "#frag",
    // malformed escapes, oversize, the sign-in page itself, non-strings
    "/%E0%A4%A",
    `/${"a".repeat(2048)}`,
    "/login",
    "/login?callbackUrl=/logs",
    "",
    undefined,
    null,
    ["/logs"],
  ])("refuses %j (falls back to /)", (value) => {
    expect(safeCallbackPath(value)).toBe("/");
  });

  it("never returns anything a browser would resolve off-site (fuzzed prefixes)", () => {
    const pieces = ["/", "\\", "%2F", "%5C", "%09", "%0A", "\t", "\n", "%252F", "evil.example", "%2e", ".", "@", ":", " "];
    let checked = 0;
    for (const a of pieces)
      for (const b of pieces)
        for (const c of pieces) {
          const out = safeCallbackPath(`/${a}${b}${c}/x`);
          expect(out.startsWith("/") && !out.startsWith("//")).toBe(true);
          expect(landsOn(out)).toBe("http://localhost:3000");
          expect(landsOn(decodeURIComponent(out.replace(/%(?![0-9a-f]{2})/gi, "%25")))).toBe("http://localhost:3000");
          checked++;
        }
    expect(checked).toBe(pieces.length ** 3);
  });
});

describe("safeRedirect (next-auth's redirect callback)", () => {
  const baseUrl = "http://localhost:3000";
  it("keeps same-site paths and same-origin absolute URLs, as absolute URLs on the base", () => {
    expect(safeRedirect({ url: "/logs?x=1", baseUrl })).toBe("http://localhost:3000/logs?x=1");
    expect(safeRedirect({ url: "http://localhost:3000/configs", baseUrl })).toBe("http://localhost:3000/configs");
    expect(safeRedirect({ url: "/", baseUrl: "http://localhost:3000/" })).toBe("http://localhost:3000/");
  });
  it.each([
    "https://evil.example/",
    "http://localhost:3001/",
    "http://localhost:3000@evil.example/",
    "/\\evil.example",
    "/%09/evil.example",
    "//evil.example",
    "not a url",
  ])("sends %j to the site's root", (url) => {
    expect(safeRedirect({ url, baseUrl })).toBe("http://localhost:3000/");
  });
});
