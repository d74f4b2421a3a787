/**
 * One call of the injected `attempt()`, bounded by the target's request timeout and the client's
 * connection.
 *
 * Design decision: the router owns the timeout, not `attempt()`. Each attempt gets its own
 * cancellation signal (./cancel.ts); a timer from the injected `schedule` aborts it after `requestTimeoutMs`, and the
 * attempt then counts at once as `{ status: 408, errorClass: "timeout" }`, without waiting for
 * `attempt()` to notice. The timer is cleared when `attempt()` resolves, which is when the response
 * headers are in (docs/GATEWAY.md §5: the timeout bounds each attempt until the headers arrive).
 * A client abort likewise aborts the attempt's signal and settles at once as "aborted".
 * Whatever `attempt()` resolves or rejects with after its signal was aborted is ignored, so it
 * must release its resources (e.g. the upstream body) on abort, as fetch does.
 */
import { Cancel, type CancelSignal } from "./cancel";
import type { AttemptFn, AttemptOutcome, RouteLeaf, Schedule } from "./types";

export type AttemptSettled<R> = { kind: "outcome"; outcome: AttemptOutcome<R> } | { kind: "aborted" };

export type AttemptEnv<T, R> = {
  attempt: AttemptFn<T, R>;
  /** The client's connection. */
  signal: CancelSignal;
  schedule: Schedule;
  timeoutResponse?: (info: { path: string; timeoutMs: number }) => R;
};

export function runAttempt<T, R>(leaf: RouteLeaf<T>, retryIndex: number, env: AttemptEnv<T, R>): Promise<AttemptSettled<R>> {
  const client = env.signal;
  if (client.aborted) return Promise.resolve({ kind: "aborted" });

  const controller = new Cancel();
  const timeoutMs = leaf.settings.requestTimeoutMs;
  let cancelTimer: () => void = () => {};
  let onClientAbort: () => void = () => {};

  const settled = new Promise<AttemptSettled<R>>((resolve, reject) => {
    onClientAbort = () => {
      controller.abort(client.reason);
      resolve({ kind: "aborted" });
    };
    client.addEventListener("abort", onClientAbort, { once: true });

    if (timeoutMs !== undefined && timeoutMs > 0) {
      cancelTimer = env.schedule(timeoutMs, () => {
        controller.abort(new DOMException(`request timed out after ${timeoutMs} ms`, "TimeoutError"));
        resolve({ kind: "outcome", outcome: timeoutOutcome(leaf.path, timeoutMs, env) });
      });
    }

    let pending: Promise<AttemptOutcome<R>>;
    try {
      pending = env.attempt(
        { target: leaf.target, path: leaf.path, settings: leaf.settings },
        {
          retryIndex,
          signal: controller,
        },
      );
    } catch (error) {
      reject(error);
      return;
    }
    pending.then(
      (outcome) => resolve({ kind: "outcome", outcome }),
      (error: unknown) => {
        // After an abort the attempt already counts as timed out or aborted: ignore its rejection.
        if (!controller.aborted) reject(error);
      },
    );
  });

  return settled.finally(() => {
    cancelTimer();
    client.removeEventListener("abort", onClientAbort);
  });
}

function timeoutOutcome<T, R>(path: string, timeoutMs: number, env: AttemptEnv<T, R>): AttemptOutcome<R> {
  const outcome: AttemptOutcome<R> = { status: 408, errorClass: "timeout" };
  if (env.timeoutResponse) outcome.response = env.timeoutResponse({ path, timeoutMs });
  return outcome;
}
