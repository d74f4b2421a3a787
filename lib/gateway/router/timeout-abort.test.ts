import { describe, expect, it } from "vitest";
import { RouteAbortedError } from "./errors";
import { route } from "./route-request";
import { fakeClock, leaf, ok, scriptedAttempt, strategy } from "../../../testing/router-fakes";
import type { CancelSignal } from "./cancel";

const A = "config.targets[0]";
const B = "config.targets[1]";

describe("request timeout", () => {
  it("counts a timed-out attempt as 408 timeout, aborts it, and falls back to the next target", async () => {
    const clock = fakeClock();
    const tree = strategy("config", { mode: "fallback" }, [leaf(A, { requestTimeoutMs: 5000 }), leaf(B)]);
    // The slow target's timer fires while it is in flight.
    const { attempt, calls } = scriptedAttempt({ [A]: ["hang"], [B]: [ok()] }, (call) => {
      if (call.path === A) {
        clock.advance(5000);
        clock.fireAll();
      }
    });
    const result = await route(tree, {
      attempt,
      now: clock.now,
      schedule: clock.schedule,
      timeoutResponse: ({ timeoutMs }) => `Request exceeded the timeout of ${timeoutMs} ms`,
    });
    expect(clock.timers.map((t) => t.ms)).toEqual([5000]);
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(result.path).toBe(B);
    expect(result.attempts[0]).toMatchObject({ path: A, status: 408, errorClass: "timeout", latencyMs: 5000, reason: "fallback: timeout" });
  });

  it("returns the 408 with the timeout payload when it is the last target", async () => {
    const clock = fakeClock();
    const { attempt } = scriptedAttempt({ config: ["hang"] }, () => clock.fireAll());
    const result = await route(leaf("config", { requestTimeoutMs: 100 }), {
      attempt,
      schedule: clock.schedule,
      timeoutResponse: ({ path, timeoutMs }) => `${path} ${timeoutMs}`,
    });
    expect(result.outcome).toEqual({ status: 408, errorClass: "timeout", response: "config 100" });
  });

  it("clears the timer once the attempt answers", async () => {
    const clock = fakeClock();
    const { attempt } = scriptedAttempt({ config: [ok()] });
    await route(leaf("config", { requestTimeoutMs: 100 }), { attempt, schedule: clock.schedule });
    expect(clock.timers).toHaveLength(1);
    expect(clock.timers[0]?.cancelled).toBe(true);
  });

  it("retries a timed-out attempt when the target has retries", async () => {
    const clock = fakeClock();
    const { attempt, calls } = scriptedAttempt({ config: ["hang", ok()] }, (call) => {
      if (call.retryIndex === 0) clock.fireAll();
    });
    const settings = { requestTimeoutMs: 100, retry: { attempts: 1 } };
    const result = await route(leaf("config", settings), {
      attempt,
      schedule: clock.schedule,
      sleep: () => Promise.resolve(),
    });
    expect(calls).toHaveLength(2);
    expect(result.retryCount).toBe(1);
    expect(result.attempts[0]?.reason).toBe("retry: timeout");
  });

  it("sets no timer without request_timeout", async () => {
    const clock = fakeClock();
    const { attempt } = scriptedAttempt({ config: [ok()] });
    await route(leaf("config"), { attempt, schedule: clock.schedule });
    expect(clock.timers).toHaveLength(0);
  });
});

describe("client abort", () => {
  it("aborts the attempt in flight and stops at once, keeping the attempts for the log", async () => {
    const client = new AbortController();
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: ["hang"], [B]: [ok()] }, () => client.abort());
    const error = await route(tree, { attempt, signal: client.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteAbortedError);
    expect(calls.map((c) => c.path)).toEqual([A]);
    expect(calls[0]?.signal.aborted).toBe(true);
    expect((error as RouteAbortedError).attempts).toEqual([
      expect.objectContaining({ path: A, errorClass: "aborted", reason: "client disconnected" }),
    ]);
  });

  it("stops during a back-off wait without another attempt", async () => {
    const client = new AbortController();
    const { attempt, calls } = scriptedAttempt({ config: [{ status: 503 }] });
    const sleepSignals: CancelSignal[] = [];
    const sleep = (_ms: number, signal: CancelSignal) => {
      sleepSignals.push(signal);
      client.abort();
      return new Promise<void>(() => {}); // a sleep that would never end by itself
    };
    const run = route(leaf("config", { retry: { attempts: 3 } }), { attempt, signal: client.signal, sleep });
    await expect(run).rejects.toBeInstanceOf(RouteAbortedError);
    expect(calls).toHaveLength(1);
    expect(sleepSignals[0]).toBe(client.signal);
  });

  it("makes no attempt when the client is already gone", async () => {
    const client = new AbortController();
    client.abort();
    const { attempt, calls } = scriptedAttempt({ config: [ok()] });
    await expect(route(leaf("config"), { attempt, signal: client.signal })).rejects.toBeInstanceOf(RouteAbortedError);
    expect(calls).toHaveLength(0);
  });

  it("stops before the next fallback target when the client leaves between targets", async () => {
    const client = new AbortController();
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [{ status: 500 }], [B]: [ok()] });
    const wrapped: typeof attempt = async (target, info) => {
      const outcome = await attempt(target, info);
      client.abort();
      return outcome;
    };
    await expect(route(tree, { attempt: wrapped, signal: client.signal })).rejects.toBeInstanceOf(RouteAbortedError);
    expect(calls.map((c) => c.path)).toEqual([A]);
  });
});

describe("a failing attempt()", () => {
  it("rejects route() with the error when attempt() rejects without an abort (a bug, not an upstream failure)", async () => {
    const bug = new TypeError("boom");
    await expect(route(leaf("config"), { attempt: () => Promise.reject(bug) })).rejects.toBe(bug);
  });
});
