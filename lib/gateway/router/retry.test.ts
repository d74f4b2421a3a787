import { describe, expect, it } from "vitest";
import { backoffDelayMs, isRetryTrigger, retryAfterMs } from "./retry-policy";
import { route } from "./route-request";
import { fakeClock, leaf, networkError, ok, recordingSleep, scriptedAttempt, status, strategy } from "../../../testing/router-fakes";
import type { RetryPolicy } from "./types";

const T = "config";
const half = () => 0.5;

function routeLeaf(retry: RetryPolicy, steps: Parameters<typeof scriptedAttempt>[0][string], now = Date.now) {
  const { attempt, calls } = scriptedAttempt({ [T]: steps });
  const { sleep, waits } = recordingSleep();
  return { run: () => route(leaf(T, { retry }), { attempt, sleep, random: half, now }), calls, waits };
}

describe("retry count", () => {
  it("is 0 when the first try answers", async () => {
    const { run, calls } = routeLeaf({ attempts: 3 }, [ok()]);
    expect((await run()).retryCount).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it("is n when retry n answers, and attempt() sees the retry index", async () => {
    const { run, calls } = routeLeaf({ attempts: 3 }, [status(503), status(429), ok()]);
    const result = await run();
    expect(result.retryCount).toBe(2);
    expect(result.outcome.status).toBe(200);
    expect(calls.map((c) => c.retryIndex)).toEqual([0, 1, 2]);
  });

  it("is -1 when the retries are exhausted, with the last outcome returned", async () => {
    const { run, calls } = routeLeaf({ attempts: 2 }, [status(500), status(502), status(503)]);
    const result = await run();
    expect(result.retryCount).toBe(-1);
    expect(result.outcome.status).toBe(503);
    expect(calls).toHaveLength(3);
    expect(result.attempts.map((a) => a.reason)).toEqual(["retry: status 500", "retry: status 502", undefined]);
  });

  it("is 0 without a retry policy or with attempts 0", async () => {
    const { run, calls } = routeLeaf({ attempts: 0 }, [status(503)]);
    expect((await run()).retryCount).toBe(0);
    expect(calls).toHaveLength(1);
  });
});

describe("what is retried", () => {
  it("retries 429, 500, 502, 503, 504 and Anthropic's 529 by default, not other statuses", () => {
    const policy = { attempts: 1 };
    for (const code of [429, 500, 502, 503, 504, 529]) expect(isRetryTrigger(status(code), policy)).toBe(true);
    for (const code of [200, 400, 401, 404, 408, 501]) expect(isRetryTrigger(status(code), policy)).toBe(false);
  });

  it("retries network errors, timeouts and broken streams whatever the codes", () => {
    const policy = { attempts: 1, onStatusCodes: [429] };
    expect(isRetryTrigger(networkError, policy)).toBe(true);
    expect(isRetryTrigger({ status: 408, errorClass: "timeout" }, policy)).toBe(true);
    expect(isRetryTrigger({ status: 502, errorClass: "stream_broken" }, policy)).toBe(true);
    expect(isRetryTrigger(networkError, { attempts: 0 })).toBe(false);
  });

  it("uses the policy's own codes when given", async () => {
    const { run, calls } = routeLeaf({ attempts: 2, onStatusCodes: [418] }, [status(503)]);
    expect((await run()).retryCount).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it("retries inside a target before the fallback moves on", async () => {
    const tree = strategy(T, { mode: "fallback" }, [leaf("config.targets[0]", { retry: { attempts: 1 } }), leaf("config.targets[1]")]);
    const { attempt, calls } = scriptedAttempt({ "config.targets[0]": [status(503)], "config.targets[1]": [ok()] });
    const result = await route(tree, { attempt, sleep: () => Promise.resolve(), random: half });
    expect(calls.map((c) => `${c.path}#${c.retryIndex}`)).toEqual(["config.targets[0]#0", "config.targets[0]#1", "config.targets[1]#0"]);
    expect(result.retryCount).toBe(0);
    expect(result.fallbackUsed).toBe(true);
  });
});

describe("waits between retries", () => {
  it("backs off exponentially with full jitter", async () => {
    const { run, waits } = routeLeaf({ attempts: 4 }, [status(503)]);
    await run();
    expect(waits).toEqual([125, 250, 500, 1000]); // random 0.5 * 250 * 2^(n-1)
    expect(backoffDelayMs(1, () => 0)).toBe(0);
    expect(backoffDelayMs(10, () => 1)).toBe(8000); // capped
  });

  it("honours retry-after-ms, x-ms-retry-after-ms and retry-after with use_retry_after_header", async () => {
    const { run, waits } = routeLeaf({ attempts: 3, useRetryAfterHeader: true }, [
      status(429, { "retry-after-ms": "1500" }),
      status(429, { "x-ms-retry-after-ms": "700" }),
      status(503, { "retry-after": "2" }),
      ok(),
    ]);
    const result = await run();
    expect(waits).toEqual([1500, 700, 2000]);
    expect(result.retryCount).toBe(3);
  });

  it("reads an HTTP-date retry-after against the injected clock", async () => {
    const clock = fakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const { run, waits } = routeLeaf(
      { attempts: 1, useRetryAfterHeader: true },
      [status(503, { "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), ok()],
      clock.now,
    );
    await run();
    expect(waits).toEqual([5000]);
  });

  it("ignores the headers without use_retry_after_header", async () => {
    const { run, waits } = routeLeaf({ attempts: 1 }, [status(429, { "retry-after": "30" }), ok()]);
    await run();
    expect(waits).toEqual([125]);
  });

  it("stops retrying when the total wait would pass 60 s, returning the last outcome", async () => {
    const { run, waits, calls } = routeLeaf({ attempts: 5, useRetryAfterHeader: true }, [status(429, { "retry-after": "25" })]);
    const result = await run();
    expect(waits).toEqual([25_000, 25_000]); // a third wait would make 75 s
    expect(calls).toHaveLength(3);
    expect(result.retryCount).toBe(-1);
    expect(result.outcome.status).toBe(429);
  });

  it("does not retry at all when a single wait passes 60 s", async () => {
    const { run, waits, calls } = routeLeaf({ attempts: 3, useRetryAfterHeader: true }, [status(429, { "retry-after": "61" })]);
    const result = await run();
    expect(waits).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(result.retryCount).toBe(-1);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("prefers retry-after-ms, then x-ms-retry-after-ms, then retry-after", () => {
    expect(retryAfterMs({ "retry-after-ms": "10", "x-ms-retry-after-ms": "20", "retry-after": "3" }, now)).toBe(10);
    expect(retryAfterMs({ "x-ms-retry-after-ms": "20", "retry-after": "3" }, now)).toBe(20);
    expect(retryAfterMs({ "retry-after": "1.5" }, now)).toBe(1500);
  });

  it("treats a past date as 0 and ignores garbage", () => {
    expect(retryAfterMs({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }, now)).toBe(0);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({ "retry-after-ms": "-5" }, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
