import { describe, expect, it } from "vitest";
import { AttemptBudgetError, RouteAbortedError } from "./errors";
import { route } from "./route-request";
import type { AttemptFn, AttemptOutcome, HedgePolicy } from "./types";
import { fakeClock, leaf, ok, status, strategy } from "../../../testing/router-fakes";

const A = "config.targets[0]";
const B = "config.targets[1]";
const C = "config.targets[2]";

/** attempt() whose answers the test releases: each call waits until `answer(path, outcome)`. */
function controlledAttempt() {
  const pending = new Map<string, { resolve: (o: AttemptOutcome<string>) => void; signal: AbortSignal }[]>();
  const calls: string[] = [];
  const attempt: AttemptFn<string, string> = (l, info) => {
    calls.push(l.path);
    return new Promise((resolve, reject) => {
      const list = pending.get(l.path) ?? [];
      list.push({ resolve, signal: info.signal });
      pending.set(l.path, list);
      info.signal.addEventListener("abort", () => reject(info.signal.reason), { once: true });
    });
  };
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return {
    attempt,
    calls,
    tick,
    answer: async (path: string, outcome: AttemptOutcome<string>) => {
      pending.get(path)?.shift()?.resolve(outcome);
      await tick();
    },
    signalOf: (path: string) => pending.get(path)?.[0]?.signal,
  };
}

const hedged = (hedge: HedgePolicy, n = 2) => strategy("config", { mode: "fallback", hedge }, [leaf(A), leaf(B), leaf(C)].slice(0, n));

describe("hedged fallback", () => {
  it("starts the next target after afterMs; the first answer wins and the other is cancelled", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 500, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now });
    await c.tick();
    expect(c.calls).toEqual([A]);
    expect(clock.timers.map((t) => t.ms)).toEqual([500]);
    clock.fireAll();
    await c.tick();
    expect(c.calls).toEqual([A, B]);
    const slowSignal = c.signalOf(A)!;
    await c.answer(B, ok("from B"));
    const result = await routed;
    expect(result.path).toBe(B);
    expect(result.outcome.response).toBe("from B");
    expect(result.fallbackUsed).toBe(true);
    expect(slowSignal.aborted).toBe(true);
    expect(result.attempts.map((a) => [a.path, a.status, a.errorClass, a.reason])).toEqual([
      [B, 200, undefined, undefined],
      [A, undefined, "hedge_cancelled", "hedge_cancelled: another attempt answered first"],
    ]);
  });

  it("the first target may still win: the hedge is cancelled", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 500, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now });
    await c.tick();
    clock.fireAll();
    await c.tick();
    await c.answer(A, ok("from A"));
    const result = await routed;
    expect(result.path).toBe(A);
    expect(result.fallbackUsed).toBe(false);
    expect(result.attempts.find((a) => a.path === B)?.errorClass).toBe("hedge_cancelled");
  });

  it("an answer before afterMs makes no hedge, and costs no timer afterwards", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 500, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now });
    await c.tick();
    await c.answer(A, ok());
    expect((await routed).attempts).toHaveLength(1);
    expect(c.calls).toEqual([A]);
    expect(clock.timers.every((t) => t.cancelled)).toBe(true);
  });

  it("a hedge's failure does not end the request while the first may still answer", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 500, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now });
    await c.tick();
    clock.fireAll();
    await c.tick();
    await c.answer(B, status(503));
    await c.answer(A, ok("late A"));
    const result = await routed;
    expect(result.outcome.response).toBe("late A");
    expect(result.attempts.map((a) => [a.path, a.status])).toEqual([
      [B, 503],
      [A, 200],
    ]);
    expect(result.attempts[0]?.reason).toBe("fallback: status 503");
  });

  it("when every target fails, the last outcome is the answer; a failure before afterMs moves on at once", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 500, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now });
    await c.tick();
    await c.answer(A, status(500));
    expect(c.calls).toEqual([A, B]);
    await c.answer(B, status(502));
    const result = await routed;
    expect(result.outcome.status).toBe(502);
    expect(result.attempts.map((a) => a.reason)).toEqual(["fallback: status 500", undefined]);
  });

  it("max bounds the extra attempts at once", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 100, max: 1 }, 3), { attempt: c.attempt, schedule: clock.schedule, now: clock.now });
    await c.tick();
    clock.fireAll();
    await c.tick();
    clock.fireAll();
    await c.tick();
    expect(c.calls).toEqual([A, B]);
    await c.answer(A, ok());
    await routed;

    const clock2 = fakeClock();
    const c2 = controlledAttempt();
    const routed2 = route(hedged({ afterMs: 100, max: 2 }, 3), { attempt: c2.attempt, schedule: clock2.schedule, now: clock2.now });
    await c2.tick();
    clock2.fireAll();
    await c2.tick();
    clock2.fireAll();
    await c2.tick();
    expect(c2.calls).toEqual([A, B, C]);
    await c2.answer(C, ok("C"));
    const result = await routed2;
    expect(result.path).toBe(C);
    expect(result.attempts.filter((a) => a.errorClass === "hedge_cancelled").map((a) => a.path)).toEqual([A, B]);
  });

  it("hedges count against the attempt budget: no hedge past it", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 100, max: 1 }), {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      maxAttempts: 1,
    });
    await c.tick();
    clock.fireAll();
    await c.tick();
    expect(c.calls).toEqual([A]);
    await c.answer(A, status(503));
    await expect(routed).rejects.toBeInstanceOf(AttemptBudgetError);
  });

  it("is off for a non-idempotent request unless allowed", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(hedged({ afterMs: 100, max: 1 }), {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      nonIdempotent: true,
    });
    await c.tick();
    expect(clock.timers).toHaveLength(0);
    await c.answer(A, ok());
    await routed;
    const c2 = controlledAttempt();
    const clock2 = fakeClock();
    const allowed = route(hedged({ afterMs: 100, max: 1, allowNonIdempotent: true }), {
      attempt: c2.attempt,
      schedule: clock2.schedule,
      now: clock2.now,
      nonIdempotent: true,
    });
    await c2.tick();
    clock2.fireAll();
    await c2.tick();
    expect(c2.calls).toEqual([A, B]);
    await c2.answer(B, ok());
    await allowed;
  });

  it("a client abort aborts both attempts", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const client = new AbortController();
    const routed = route(hedged({ afterMs: 100, max: 1 }), {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      signal: client.signal,
    });
    await c.tick();
    clock.fireAll();
    await c.tick();
    const [sa, sb] = [c.signalOf(A)!, c.signalOf(B)!];
    client.abort();
    await expect(routed).rejects.toBeInstanceOf(RouteAbortedError);
    expect(sa.aborted && sb.aborted).toBe(true);
  });
});
