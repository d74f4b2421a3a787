/** The router's admit()/report() hooks (circuit breaking): skipped leaves, probes, fallback semantics. */
import { describe, expect, it } from "vitest";
import { route } from "./route-request";
import { leaf, networkError, ok, recordingSleep, scriptedAttempt, status, strategy } from "../../../testing/router-fakes";
import type { Admission, AttemptOutcome, RouteLeaf } from "./types";

const A = "config.targets[0]";
const B = "config.targets[1]";
const C = "config.targets[2]";

const refuse =
  (...paths: string[]) =>
  (l: RouteLeaf<string>): Admission =>
    paths.includes(l.path) ? { ok: false, reason: "circuit open" } : { ok: true };

describe("admit(): skipping a leaf", () => {
  it("skips a refused leaf without calling attempt(), records it, and falls back", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [ok("A")], [B]: [ok("B")] });
    const result = await route(tree, { attempt, admit: refuse(A) });
    expect(calls.map((c) => c.path)).toEqual([B]);
    expect(result.path).toBe(B);
    expect(result.fallbackUsed).toBe(true);
    expect(result.attempts).toEqual([
      {
        index: 0,
        path: A,
        target: `target@${A}`,
        retryIndex: 0,
        errorClass: "circuit_open",
        latencyMs: 0,
        reason: "skipped: circuit open",
      },
      expect.objectContaining({ index: 1, path: B, status: 200 }),
    ]);
    expect(result.attempts[0]).not.toHaveProperty("status");
  });

  it("moves on past a skip even when on_status_codes would not (a skip is always a failure)", async () => {
    const tree = strategy("config", { mode: "fallback", onStatusCodes: [429] }, [leaf(A), leaf(B)]);
    const { attempt } = scriptedAttempt({ [B]: [ok()] });
    const result = await route(tree, { attempt, admit: refuse(A) });
    expect(result.path).toBe(B);
  });

  it("answers 503 circuit_open with skippedResponse when every target is skipped", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({});
    const result = await route(tree, {
      attempt,
      admit: refuse(A, B),
      skippedResponse: ({ path, reason }) => `skipped ${path}: ${reason}`,
    });
    expect(calls).toHaveLength(0);
    expect(result.outcome).toEqual({ status: 503, errorClass: "circuit_open", response: `skipped ${B}: circuit open` });
    expect(result.path).toBe(B);
    expect(result.attempts.map((a) => [a.path, a.errorClass, a.reason])).toEqual([
      [A, "circuit_open", "skipped: circuit open"],
      [B, "circuit_open", "skipped: circuit open"],
    ]);
  });

  it("answers with the last real outcome when only the targets after it were skipped", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B), leaf(C)]);
    const { attempt } = scriptedAttempt({ [A]: [status(500)] });
    const result = await route(tree, { attempt, admit: refuse(B, C) });
    expect(result.outcome).toEqual(status(500));
    expect(result.path).toBe(A);
    expect(result.attempts.map((a) => a.reason)).toEqual([undefined, "skipped: circuit open", "skipped: circuit open"]);
  });

  it("skips a refused single target with a 503", async () => {
    const { attempt, calls } = scriptedAttempt({});
    const result = await route(leaf("config"), { attempt, admit: refuse("config") });
    expect(calls).toHaveLength(0);
    expect(result.outcome.status).toBe(503);
    expect(result.outcome.errorClass).toBe("circuit_open");
  });

  it("asks once per leaf (not per retry), and a rejecting admit() lets the leaf through", async () => {
    const asked: string[] = [];
    const tree = strategy("config", { mode: "fallback" }, [leaf(A, { retry: { attempts: 2 } }), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(503), ok()] });
    const { sleep } = recordingSleep();
    const result = await route(tree, {
      attempt,
      sleep,
      random: () => 0,
      admit: (l) => {
        asked.push(l.path);
        return Promise.reject(new Error("store down"));
      },
    });
    expect(asked).toEqual([A]);
    expect(calls.map((c) => c.retryIndex)).toEqual([0, 1]);
    expect(result.path).toBe(A);
  });

  it("a probe admission makes one attempt, without retries", async () => {
    const tree = strategy("config", { mode: "fallback" }, [leaf(A, { retry: { attempts: 3 } }), leaf(B)]);
    const { attempt, calls } = scriptedAttempt({ [A]: [status(503)], [B]: [ok()] });
    const result = await route(tree, { attempt, admit: (l) => (l.path === A ? { ok: true, probe: true } : { ok: true }) });
    expect(calls.map((c) => c.path)).toEqual([A, B]);
    expect(result.path).toBe(B);
  });
});

describe("report()", () => {
  it("is told every real attempt's outcome, with the probe flag, and never a skip", async () => {
    const seen: [string, AttemptOutcome<string>, boolean][] = [];
    const tree = strategy("config", { mode: "fallback" }, [leaf(A), leaf(B, { retry: { attempts: 1 } }), leaf(C)]);
    const { attempt } = scriptedAttempt({ [B]: [networkError, status(500)], [C]: [ok()] });
    const { sleep } = recordingSleep();
    await route(tree, {
      attempt,
      sleep,
      random: () => 0,
      admit: (l) => (l.path === A ? { ok: false, reason: "circuit open" } : l.path === C ? { ok: true, probe: true } : { ok: true }),
      report: (l, outcome, { probe }) => seen.push([l.path, outcome, probe]),
    });
    expect(seen).toEqual([
      [B, networkError, false],
      [B, status(500), false],
      [C, ok(), true],
    ]);
  });
});
