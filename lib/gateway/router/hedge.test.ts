import { describe, expect, it } from "vitest";
import { AttemptBudgetError, RouteAbortedError } from "./errors";
import { HEDGE_P95_FALLBACK_MS, route } from "./route-request";
import type { AttemptFn, AttemptOutcome, Balance, HedgePolicy, RouteLeaf } from "./types";
import { fakeClock, leaf, ok, status, strategy } from "../../../testing/router-fakes";
import type { CancelSignal } from "./cancel";

const A = "config.targets[0]";
const B = "config.targets[1]";
const C = "config.targets[2]";

/** attempt() whose answers the test releases: each call waits until `answer(path, outcome)`. */
function controlledAttempt() {
  const pending = new Map<string, { resolve: (o: AttemptOutcome<string>) => void; signal: CancelSignal }[]>();
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
    // Handled before it rejects (during the answer's tick), so it is not an unhandled rejection.
    const rejected = expect(routed).rejects.toBeInstanceOf(AttemptBudgetError);
    await c.answer(A, status(503));
    await rejected;
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

/** A Balance whose p95 per path the test sets; records what it was told. */
function fakeBalance(p95s: Record<string, number | undefined>) {
  const cancelled: [string, number][] = [];
  const observed: string[] = [];
  const balance: Balance<string> = {
    figure: () => ({ value: undefined, failing: false }),
    observe: (l: RouteLeaf<string>) => void observed.push(l.path),
    p95: (l: RouteLeaf<string>) => p95s[l.path],
    cancelled: (l: RouteLeaf<string>, ms: number) => void cancelled.push([l.path, ms]),
  };
  return { balance, cancelled, observed };
}

describe("hedge after the target's p95", () => {
  const timed = { measured: true, timed: true } as const;
  const p95Tree = (mode: "fallback" | "loadbalance") =>
    strategy("config", { mode, hedge: { afterMs: "p95", max: 1 } }, [leaf(A, timed), leaf(B, timed)]);

  it("waits the running target's p95; a cancelled loser's time goes to its histogram", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const fb = fakeBalance({ [A]: 340, [B]: 90 });
    const routed = route(p95Tree("fallback"), { attempt: c.attempt, schedule: clock.schedule, now: clock.now, balance: fb.balance });
    await c.tick();
    expect(clock.timers.map((t) => t.ms)).toEqual([340]);
    clock.advance(340);
    clock.fireAll();
    await c.tick();
    expect(c.calls).toEqual([A, B]);
    clock.advance(60);
    await c.answer(B, ok("B"));
    const result = await routed;
    expect(result.path).toBe(B);
    expect(fb.cancelled).toEqual([[A, 400]]);
  });

  it("waits HEDGE_P95_FALLBACK_MS while the target's p95 is unknown (too few samples, or no figures)", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(p95Tree("fallback"), {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      balance: fakeBalance({}).balance,
    });
    await c.tick();
    expect(clock.timers.map((t) => t.ms)).toEqual([HEDGE_P95_FALLBACK_MS]);
    await c.answer(A, ok());
    await routed;

    const clock2 = fakeClock();
    const c2 = controlledAttempt();
    const routed2 = route(p95Tree("fallback"), { attempt: c2.attempt, schedule: clock2.schedule, now: clock2.now });
    await c2.tick();
    expect(clock2.timers.map((t) => t.ms)).toEqual([HEDGE_P95_FALLBACK_MS]);
    await c2.answer(A, ok());
    await routed2;
  });

  it("a nested node's p95 is the largest of its leaves'", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const A0 = `${A}.targets[0]`;
    const A1 = `${A}.targets[1]`;
    const tree = strategy("config", { mode: "fallback", hedge: { afterMs: "p95", max: 1 } }, [
      strategy(A, { mode: "loadbalance" }, [leaf(A0, timed), leaf(A1, timed)]),
      leaf(B, timed),
    ]);
    const routed = route(tree, {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      random: () => 0,
      balance: fakeBalance({ [A0]: 100, [A1]: 700 }).balance,
    });
    await c.tick();
    expect(clock.timers.map((t) => t.ms)).toEqual([700]);
    await c.answer(A0, ok());
    await routed;
  });
});

describe("hedged loadbalance", () => {
  const lb = (hedge: HedgePolicy, weights = [1, 1, 1]) =>
    strategy(
      "config",
      { mode: "loadbalance", hedge },
      [A, B, C].map((path, i) => ({ node: leaf(path), weight: weights[i] ?? 1 })),
    );

  it("draws another child among those not started; the first answer wins, the other is cancelled", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    // random() = 0.5: the middle one first (B), then among A and C the second (C).
    const routed = route(lb({ afterMs: 300, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now, random: () => 0.5 });
    await c.tick();
    expect(c.calls).toEqual([B]);
    expect(clock.timers.map((t) => t.ms)).toEqual([300]);
    clock.fireAll();
    await c.tick();
    expect(c.calls).toEqual([B, C]);
    await c.answer(C, ok("C"));
    const result = await routed;
    expect(result.path).toBe(C);
    expect(result.attempts.map((a) => [a.path, a.errorClass])).toEqual([
      [C, undefined],
      [B, "hedge_cancelled"],
    ]);
  });

  it("never draws a child of weight 0, and stops at max extra attempts", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(lb({ afterMs: 100, max: 3 }, [1, 0, 1]), {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      random: () => 0,
    });
    await c.tick();
    clock.fireAll();
    await c.tick();
    clock.fireAll();
    await c.tick();
    expect(c.calls).toEqual([A, C]);
    expect(clock.timers.filter((t) => !t.fired && !t.cancelled)).toHaveLength(0);
    await c.answer(A, ok());
    expect((await routed).path).toBe(A);
  });

  it("does not fall back: a failure with no other attempt running is the answer; with one running, it waits", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(lb({ afterMs: 100, max: 1 }), { attempt: c.attempt, schedule: clock.schedule, now: clock.now, random: () => 0 });
    await c.tick();
    await c.answer(A, status(500));
    const result = await routed;
    expect(result.outcome.status).toBe(500);
    expect(c.calls).toEqual([A]);

    const clock2 = fakeClock();
    const c2 = controlledAttempt();
    const routed2 = route(lb({ afterMs: 100, max: 1 }), {
      attempt: c2.attempt,
      schedule: clock2.schedule,
      now: clock2.now,
      random: () => 0,
    });
    await c2.tick();
    clock2.fireAll();
    await c2.tick();
    expect(c2.calls).toEqual([A, B]);
    await c2.answer(A, status(503));
    await c2.answer(B, ok("B"));
    const result2 = await routed2;
    expect(result2.outcome.response).toBe("B");
    expect(result2.attempts.map((a) => [a.path, a.status, a.reason])).toEqual([
      [A, 503, "hedge: status 503, another attempt still running"],
      [B, 200, undefined],
    ]);
  });

  it("is off for a non-idempotent request unless allowed; without hedge, no timer", async () => {
    const clock = fakeClock();
    const c = controlledAttempt();
    const routed = route(lb({ afterMs: 100, max: 1 }), {
      attempt: c.attempt,
      schedule: clock.schedule,
      now: clock.now,
      nonIdempotent: true,
    });
    await c.tick();
    expect(clock.timers).toHaveLength(0);
    await c.answer(c.calls[0]!, ok());
    await routed;
  });
});
