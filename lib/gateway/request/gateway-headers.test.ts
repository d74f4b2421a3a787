/** Detour's response headers: one function for the routed, cached and error answers. */
import { describe, expect, it } from "vitest";
import { HeaderList } from "../../http/header-list";
import { type HeaderSource, setGatewayHeaders } from "./gateway-headers";
import type { RequestContext } from "./headers";

function served(over: Partial<HeaderSource> = {}, requestHeaders: Record<string, string> = {}): HeaderSource {
  const request = new Request("http://detour.test/v1/chat/completions", { method: "POST", headers: requestHeaders });
  return { logId: "log_01", request, ctx: null, cacheStatus: "DISABLED", ...over };
}

const ctx = { traceId: "trace-Zoë" } as RequestContext;
const entries = (h: HeaderList) => Object.fromEntries(h.toHeaders());

describe("setGatewayHeaders", () => {
  it("a routed answer: every x-portkey-* routing header and server-timing, over the upstream's own", () => {
    const h = new HeaderList({ "x-portkey-provider": "spoofed", "x-request-id": "up-1" });
    setGatewayHeaders(
      h,
      served({ ctx, cacheStatus: "MISS" }),
      { own: 1.234, upstream: 250.5 },
      { path: "config.targets[1]", retryCount: -1, fallbackUsed: true, target: { provider: "openai" } },
      false,
    );
    // The upstream's spoofed name replaced in its place, not added again.
    expect(h.items.filter((item) => item === "x-portkey-provider")).toHaveLength(1);
    expect(entries(h)).toEqual({
      "x-request-id": "up-1",
      "x-portkey-trace-id": Buffer.from("trace-Zoë", "utf8").toString("latin1"),
      "x-portkey-request-id": "log_01",
      "x-portkey-last-used-option-index": "config.targets[1]",
      "x-portkey-retry-attempt-count": "-1",
      "x-portkey-cache-status": "MISS",
      "x-portkey-provider": "openai",
      "x-portkey-fallback": "true",
      "server-timing": "gateway;dur=1.23, upstream;dur=250.50",
    });
  });

  it("Detour's own error on a routed answer adds x-portkey-gateway-exception", () => {
    const h = new HeaderList();
    setGatewayHeaders(
      h,
      served({ ctx }),
      { own: 0, upstream: 0 },
      { path: "config", retryCount: 0, fallbackUsed: false, target: { provider: "openai" } },
      true,
    );
    expect(h.get("x-portkey-gateway-exception")).toBe("true");
    expect(h.get("x-portkey-fallback")).toBe("false");
  });

  it("an error before routing: no routing headers; before the headers were parsed, the trace id as sent, else the request id", () => {
    const sent = new HeaderList();
    setGatewayHeaders(sent, served({}, { "x-portkey-trace-id": "  mine  " }), { own: 0.5, upstream: 0 }, null, true);
    expect(entries(sent)).toEqual({
      "x-portkey-trace-id": "mine",
      "x-portkey-request-id": "log_01",
      "x-portkey-cache-status": "DISABLED",
      "x-portkey-gateway-exception": "true",
      "server-timing": "gateway;dur=0.50, upstream;dur=0.00",
    });
    const none = new HeaderList();
    setGatewayHeaders(none, served(), { own: 0, upstream: 0 }, null, true);
    expect(none.get("x-portkey-trace-id")).toBe("log_01");
  });
});
