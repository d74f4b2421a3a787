/** The per-request budget of upstream attempts (`maxAttempts`): retries and fallbacks stop when it is spent. */
import { describe, expect, it } from "vitest";
import { MAX_UPSTREAM_ATTEMPTS } from "../config/limits";
import { AttemptBudgetError } from "./errors";
import { route } from "./route-request";
import { leaf, ok, recordingSleep, scriptedAttempt, status, strategy } from "../../../testing/router-fakes";
import type { Admission, RouteLeaf } from "./types";

const A = "config.targets[0]";
const B = "config.targets[1]";
const C = "config.targets[2]";
const half = () => 0.5;

async function rejection(promise: Promise<unknown>): Promise<AttemptBudgetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttemptBudgetError);
  return error as AttemptBudgetError;
}

describe("the attempt budget", () => {
  it("stops a target's retries when the budget is spent, without waiting for the next back-off", async () => {
    const { attempt, calls } = scriptedAttempt({ config: [status(503)] });
    const { sleep, waits } = recordingSleep();
    const error = await rejection(route(leaf("config", { retry: { attempts: 5 } }), { attempt, sleep, random: half, maxAttempts: 3 }));
    expect(calls).toHaveLength(3);
    expect(waits).toHaveLength(2); // the waits before retries 1 and 2, none after the third attempt
    expect(error.limit).toBe(3);
    expect(error.lastStatus).toBe(503);
    expect(error.code).toBe("attempt_budget_exhausted");
    expect(error.message).toMatch(/3 upstream attempts/);
    expect(error.attempts.map((a) => [a.retryIndex, a.status, a.reason])).toEqual([
      [0, 503, "retry: status 503"],
      [1, 503, "retry: status 503"],
      [2, 503, "stopped: 3 upstream attempts made, the limit for one request"],
    ]);
  });

  it("counts retries and fallback targets together, and stops before the next target", async () => {
    const tree = strategy("config", { mode: "fallback" }, [
      leaf(A, { retry: { attempts: 2 } }),
      leaf(B, { retry: { attempts: 2 } }),
      leaf(C),
    ]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(500)], [B]: [status(502)], [C]: [ok()] });
    const error = await rejection(route(tree, { attempt, sleep: () => Promise.resolve(), random: half, maxAttempts: 5 }));
    expect(calls.map((c) => `${c.path}#${c.retryIndex}`)).toEqual([`${A}#0`, `${A}#1`, `${A}#2`, `${B}#0`, `${B}#1`]);
    expect(error.attempts).toHaveLength(5);
    expect(error.attempts.at(-1)?.reason).toMatch(/^stopped: 5 upstream attempts/);
  });

  it("answers normally when the last allowed attempt succeeds or no further attempt is wanted", async () => {
    const retried = scriptedAttempt({ config: [status(503), status(503), ok()] });
    const result = await route(leaf("config", { retry: { attempts: 5 } }), {
      attempt: retried.attempt,
      sleep: () => Promise.resolve(),
      random: half,
      maxAttempts: 3,
    });
    expect(result.outcome.status).toBe(200);
    expect(result.retryCount).toBe(2);

    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B)]);
    const last = scriptedAttempt({ [A]: [status(500)], [B]: [status(503)] });
    const fallback = await route(tree, { attempt: last.attempt, maxAttempts: 2 });
    expect(fallback.outcome.status).toBe(503);
    expect(last.calls).toHaveLength(2);
  });

  it("does not count targets skipped by admit() (no upstream call)", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B), leaf(C)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(500)], [C]: [ok("C")] });
    const admit = (l: RouteLeaf<string>): Admission => (l.path === B ? { ok: false, reason: "circuit open" } : { ok: true });
    const result = await route(tree, { attempt, admit, maxAttempts: 2 });
    expect(calls.map((c) => c.path)).toEqual([A, C]);
    expect(result.outcome.response).toBe("C");
  });

  it(`defaults to MAX_UPSTREAM_ATTEMPTS (${MAX_UPSTREAM_ATTEMPTS})`, async () => {
    const children = Array.from({ length: MAX_UPSTREAM_ATTEMPTS + 5 }, (_, i) => leaf(`config.targets[${i}]`));
    const tree = strategy("config", { mode: "fallback" }, children);
    const script = Object.fromEntries(children.map((child) => [child.path, [status(500)]]));
    const { attempt, calls } = scriptedAttempt(script);
    const error = await rejection(route(tree, { attempt }));
    expect(calls).toHaveLength(MAX_UPSTREAM_ATTEMPTS);
    expect(error.limit).toBe(MAX_UPSTREAM_ATTEMPTS);
  });
});
