/**
 * The budget alerts' webhook (docs/GATEWAY.md §12.4): each alert is POSTed as JSON to
 * DETOUR_ALERT_WEBHOOK_URL, signed with HMAC-SHA256 under DETOUR_ALERT_WEBHOOK_SECRET, from an
 * in-process queue, never on a request's path.
 *
 * - Queue: at most `maxQueue` (1,000) alerts wait; when full, the oldest is dropped with a warning.
 *   One delivery at a time, in the order the alerts were raised.
 * - Attempts: at most `maxAttempts` (6). A network error, a timeout (10 s for the whole exchange),
 *   429 or 5xx is retried after `backoffBaseMs` x 2^(n-1) (1 s, 2 s, 4 s, 8 s, 16 s), each +-25%
 *   jitter; any other status below 200 or from 300 up (redirects are not followed) fails at once. A
 *   final failure is logged (error) with the alert's id and the last reason.
 * - Addresses: the private-address rule of `custom_host` (docs/GATEWAY.md §7), with the same
 *   DETOUR_ALLOWED_PRIVATE_HOSTS: the URL's shape and an IP-literal host are checked when the sender
 *   is made (and at start-up, lib/env.ts); a name's addresses when Detour connects (the sender's own
 *   undici Agent resolves through lib/gateway/upstream/lookup.ts). A refused host is logged and never
 *   sent to, and not retried.
 * - Shutdown: `close(ms)` lets pending deliveries run for at most `ms` (2 s at server shutdown), then
 *   aborts what is left and logs the alerts dropped.
 * Every outcome is counted in detour_budget_alert_webhooks_total{outcome}.
 */
import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import { Agent, type Dispatcher, request } from "undici";
import { checkCustomHostWithoutDns } from "../gateway/upstream/custom-host";
import { createGuardedLookup, findAddressNotAllowed, type ResolveAll } from "../gateway/upstream/lookup";
import { errorDetail, logger as processLogger } from "../logger";
import { observeBudgetAlertWebhook } from "../metrics";

/** One alert to deliver: its id (the `x-detour-event-id` header) and its JSON body, sent as is on every attempt. */
export type WebhookEvent = { id: string; body: string };

export type WebhookSenderOptions = {
  url: string;
  secret: string;
  /** DETOUR_ALLOWED_PRIVATE_HOSTS: hosts that may be private. */
  allowedHosts: readonly string[];
  /** Attempts per alert, the first included. Default 6. */
  maxAttempts?: number;
  /** The first retry's delay; each next one doubles. Default 1,000 ms. */
  backoffBaseMs?: number;
  /** One attempt's limit, connect to end of the answer. Default 10,000 ms. */
  timeoutMs?: number;
  /** Alerts waiting at most (the one in delivery not counted). Default 1,000. */
  maxQueue?: number;
  /** For the jitter, [0, 1). Default Math.random. */
  random?: () => number;
  now?: () => number;
  /** Name resolution for the connect-time check (tests); default the system's. */
  resolve?: ResolveAll;
  log?: Logger;
};

export type WebhookSender = {
  /** Queues one alert; returns at once. */
  enqueue(event: WebhookEvent): void;
  /** Resolves true once nothing is queued or in delivery, false when `timeoutMs` passes first. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops taking alerts, lets pending ones run for at most `timeoutMs`, then drops the rest (logged). Once; never rejects. */
  close(timeoutMs: number): Promise<void>;
};

/** The `x-detour-signature` value: `v1=` + hex HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** The wait before attempt `attempt + 1`: base x 2^(attempt-1), times a jitter factor in [0.75, 1.25). */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (0.75 + 0.5 * random()));
}

/** What one attempt came to. */
type AttemptOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; reason: string }
  | { kind: "fail"; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "stopped" };

/** A sender with its own queue and undici Agent. */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const log = options.log ?? processLogger;
  const maxAttempts = options.maxAttempts ?? 6;
  const backoffBaseMs = options.backoffBaseMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxQueue = options.maxQueue ?? 1_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  // Only the origin is logged: a webhook's path often holds a token.
  const origin = URL.canParse(options.url) ? new URL(options.url).origin : "(not a URL)";
  const shape = checkCustomHostWithoutDns(options.url, options.allowedHosts, "budget alert webhook");
  const refusedUpFront = shape !== "resolve" && !shape.ok ? shape.message : null;
  const agent = new Agent({
    connections: 2,
    keepAliveTimeout: 10_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs, lookup: createGuardedLookup({ allowedHosts: options.allowedHosts, resolve: options.resolve }) },
  });
  const queue: WebhookEvent[] = [];
  const stop = new AbortController();
  let current: WebhookEvent | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  function enqueue(event: WebhookEvent): void {
    if (closed) {
      log.warn({ event_id: event.id }, "budget alert webhook not sent: Detour is shutting down");
      observeBudgetAlertWebhook("dropped");
      return;
    }
    if (queue.length >= maxQueue) {
      const oldest = queue.shift();
      log.warn({ event_id: oldest?.id, max_queue: maxQueue }, `budget alert webhook queue full (${maxQueue}): dropped the oldest alert`);
      observeBudgetAlertWebhook("dropped");
    }
    queue.push(event);
    running ??= run();
  }

  async function run(): Promise<void> {
    // Off the caller's turn: enqueue() returns before anything is sent.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let next = queue.shift(); next && !stop.signal.aborted; next = queue.shift()) {
      current = next;
      try {
        await deliver(next);
      } catch (err) {
        log.error({ event_id: next.id, err: errorDetail(err) }, "budget alert webhook: unexpected error");
        observeBudgetAlertWebhook("failed");
      }
      current = undefined;
    }
    running = undefined;
    for (const wake of idleWaiters) wake();
    idleWaiters = [];
  }

  async function deliver(event: WebhookEvent): Promise<void> {
    const fields = { event_id: event.id, webhook: origin };
    if (refusedUpFront) {
      log.error({ ...fields, reason: refusedUpFront }, "budget alert webhook refused: not sent");
      observeBudgetAlertWebhook("refused");
      return;
    }
    for (let attempt = 1; ; attempt++) {
      const outcome = await attemptOnce(event);
      if (outcome.kind === "stopped") return;
      if (outcome.kind === "delivered") {
        log.info({ ...fields, status: outcome.status, attempts: attempt }, "budget alert webhook delivered");
        observeBudgetAlertWebhook("delivered");
        return;
      }
      if (outcome.kind === "refused") {
        log.error({ ...fields, reason: outcome.reason }, "budget alert webhook refused: not sent");
        observeBudgetAlertWebhook("refused");
        return;
      }
      if (outcome.kind === "fail" || attempt >= maxAttempts) {
        log.error({ ...fields, reason: outcome.reason, attempts: attempt }, "budget alert webhook failed: not delivered");
        observeBudgetAlertWebhook("failed");
        return;
      }
      const delayMs = backoffDelayMs(attempt, backoffBaseMs, random);
      log.info({ ...fields, reason: outcome.reason, attempt, retry_in_ms: delayMs }, "budget alert webhook attempt failed: retrying");
      await sleep(delayMs, stop.signal);
      if (stop.signal.aborted) return;
    }
  }

  async function attemptOnce(event: WebhookEvent): Promise<AttemptOutcome> {
    const timestamp = Math.floor(now() / 1000);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(options.url, {
        method: "POST",
        dispatcher: agent,
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
        headers: {
          "content-type": "application/json",
          "user-agent": "Detour",
          "x-detour-event-id": event.id,
          "x-detour-timestamp": String(timestamp),
          "x-detour-signature": signWebhook(options.secret, timestamp, event.body),
        },
        body: event.body,
      });
      // The answer's body is not used; read (at most 64 KiB) so the connection can be reused.
      await response.body.dump({ limit: 64 * 1024 });
    } catch (err) {
      if (stop.signal.aborted) return { kind: "stopped" };
      const refused = findAddressNotAllowed(err);
      if (refused) return { kind: "refused", reason: refused.message };
      return { kind: "retry", reason: describeError(err, timeoutMs) };
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { kind: "delivered", status };
    if (status === 429 || status >= 500) return { kind: "retry", reason: `answered ${status}` };
    if (status >= 300 && status < 400) return { kind: "fail", reason: `answered ${status} (redirects are not followed)` };
    return { kind: "fail", reason: `answered ${status}` };
  }

  function drain(waitMs: number): Promise<boolean> {
    if (!running) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  let closing: Promise<void> | undefined;
  function close(waitMs: number): Promise<void> {
    closing ??= closeOnce(waitMs);
    return closing;
  }

  async function closeOnce(waitMs: number): Promise<void> {
    closed = true;
    try {
      if (!(await drain(waitMs))) {
        const left = [...(current ? [current] : []), ...queue];
        queue.length = 0;
        stop.abort();
        await running;
        if (left.length > 0) {
          log.warn(
            { event_ids: left.map((e) => e.id), waited_ms: waitMs },
            `${left.length} budget alert webhook(s) not delivered before shutdown: dropped`,
          );
          observeBudgetAlertWebhook("dropped", left.length);
        }
      }
      await agent.close();
    } catch (err) {
      log.error({ err: errorDetail(err) }, "budget alert webhook: error while closing");
    }
  }

  return { enqueue, drain, close };
}

/** A short reason for a failed exchange: the timeout, or the error's code and message. */
function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "HeadersTimeoutError" || err.name === "BodyTimeoutError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const causeCode = typeof cause?.code === "string" ? cause.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return [typeof code === "string" ? code : causeCode, message].filter(Boolean).join(": ");
}

/** Waits `ms`, or less when `signal` aborts; never keeps the process alive. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
