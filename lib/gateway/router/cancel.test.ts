import http from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, Dispatcher } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { Cancel, eitherCancel } from "./cancel";

describe("Cancel", () => {
  it("aborts once: its listeners run on the first abort only, with its reason kept", () => {
    const c = new Cancel();
    const seen: string[] = [];
    const a = () => seen.push("a");
    const b = () => seen.push("b");
    c.addEventListener("abort", a, { once: true });
    c.addEventListener("abort", b);
    c.removeEventListener("abort", b);
    expect(c.aborted).toBe(false);
    c.abort("first");
    c.abort("second");
    expect(seen).toEqual(["a"]);
    expect(c.aborted).toBe(true);
    expect(c.reason).toBe("first");
    // Added after the abort: never runs, as on an aborted AbortSignal.
    c.addEventListener("abort", a);
    expect(seen).toEqual(["a"]);
  });

  it("without a reason, an AbortError as AbortController gives", () => {
    const c = new Cancel();
    c.abort();
    expect(c.reason).toBeInstanceOf(DOMException);
    expect((c.reason as DOMException).name).toBe("AbortError");
  });

  it("eitherCancel aborts with whichever aborts first, and at once when one already has", () => {
    const a = new Cancel();
    const b = new AbortController();
    const either = eitherCancel(a, b.signal);
    expect(either.aborted).toBe(false);
    b.abort("b's");
    expect(either.reason).toBe("b's");
    a.abort("a's");
    expect(either.reason).toBe("b's");
    expect(eitherCancel(a, new Cancel()).reason).toBe("a's");
  });
});

describe("a Cancel as undici's request signal", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("aborts the request in flight", async () => {
    server = http.createServer(() => {}); // never answers
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const agent = new Agent();
    const cancel = new Cancel();
    const pending = Dispatcher.prototype.request.call(agent, {
      origin: `http://127.0.0.1:${port}`,
      path: "/",
      method: "GET",
      signal: cancel as unknown as AbortSignal,
    });
    setTimeout(() => cancel.abort(new Error("the client left")), 50);
    await expect(pending).rejects.toThrow("the client left");
    await agent.destroy();
    server.closeAllConnections();
  });
});
