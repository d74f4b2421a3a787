/**
 * The budget alerts' webhook sender against a real HTTP server on 127.0.0.1: signature, retries with
 * growing back-off, no retry on 4xx, timeouts, the private-address rule (up front for an IP literal,
 * at connect time for a name), the bounded queue and the shutdown budget. Back-off base and jitter
 * are injected so the retries take milliseconds.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LEVEL, captureLogger } from "@/testing/capture-logger";
import { metricValue } from "@/testing/metric-value";
import { type ReceivedWebhook, startWebhookReceiver, testPort, type WebhookReceiver } from "@/testing/webhook-receiver";
import { parseEnv } from "../env";
import { backoffDelayMs, createWebhookSender, signWebhook, type WebhookSender, type WebhookSenderOptions } from "./webhook";

const SECRET = "whsec_test_0123456789";
const ALLOWED = parseEnv({ DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1" }).allowedPrivateHosts;

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver(testPort(2));
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());
const made: WebhookSender[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.close(100)));
});

function sender(over: Partial<WebhookSenderOptions> = {}) {
  const { log, lines } = captureLogger();
  const s = createWebhookSender({
    url: receiver.url,
    secret: SECRET,
    allowedHosts: ALLOWED,
    backoffBaseMs: 50,
    random: () => 0.5,
    log,
    ...over,
  });
  made.push(s);
  return { sender: s, lines };
}

const event = (id: string) => ({ id, body: JSON.stringify({ type: "budget.threshold_crossed", id }) });
const webhooks = (outcome: string) => metricValue("detour_budget_alert_webhooks_total", { outcome });

/** The receiver's check as docs/GATEWAY.md §12.4 shows it (typed): signature and a 5-minute window. */
function verifyDetourWebhook(headers: IncomingHttpHeaders, raw: string, secret: string): boolean {
  const timestamp = String(headers["x-detour-timestamp"] ?? "");
  const signature = String(headers["x-detour-signature"] ?? "");
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = `v1=${createHmac("sha256", secret).update(`${timestamp}.${raw}`).digest("hex")}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

const signatureOk = (hook: ReceivedWebhook) => verifyDetourWebhook(hook.headers, hook.body, SECRET);

describe("signWebhook and backoffDelayMs", () => {
  it("signs `<timestamp>.<body>` with HMAC-SHA256 as v1=<hex> (a vector computed with openssl)", () => {
    expect(signWebhook(SECRET, 1_700_000_000, '{"type":"budget.threshold_crossed"}')).toBe(
      "v1=18cbd6f2e455d4b7ff14e7e9e421309d0d057f8ecceee667d380b8fcff85ba05",
    );
  });
  it("the receiver's check refuses a wrong secret, a changed body and an old timestamp", () => {
    const body = '{"type":"budget.threshold_crossed"}';
    const now = Math.floor(Date.now() / 1000);
    const headers = (ts: number, secret = SECRET) => ({
      "x-detour-timestamp": String(ts),
      "x-detour-signature": signWebhook(secret, ts, body),
    });
    expect(verifyDetourWebhook(headers(now), body, SECRET)).toBe(true);
    expect(verifyDetourWebhook(headers(now, "another-secret-0123"), body, SECRET)).toBe(false);
    expect(verifyDetourWebhook(headers(now), body.replace("threshold", "Threshold"), SECRET)).toBe(false);
    expect(verifyDetourWebhook(headers(now - 301), body, SECRET)).toBe(false);
  });
  it("doubles from the base, with +-25% jitter", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, 1_000, () => 0.5))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(backoffDelayMs(1, 1_000, () => 0)).toBe(750);
    expect(backoffDelayMs(3, 1_000, () => 0.999999)).toBe(5_000);
  });
});

describe("webhook delivery", () => {
  it("retries after two 500s and delivers on the third attempt, waiting longer each time, same id and body", async () => {
    const { sender: s, lines } = sender();
    const delivered = await webhooks("delivered");
    receiver.script([500, 500, 200]);
    s.enqueue(event("evt-retry"));
    expect(await s.drain(5_000)).toBe(true);
    const hooks = receiver.received;
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((h) => h.headers["x-detour-event-id"]))).toEqual(new Set(["evt-retry"]));
    expect(new Set(hooks.map((h) => h.body)).size).toBe(1);
    expect(hooks.every(signatureOk)).toBe(true);
    const retries = lines.filter((l) => l.msg === "budget alert webhook attempt failed: retrying");
    expect(retries.map((l) => [l.attempt, l.retry_in_ms, l.reason])).toEqual([
      [1, 50, "answered 500"],
      [2, 100, "answered 500"],
    ]);
    // Timers never fire early (allow 2 ms of clock rounding).
    expect(hooks[1]!.at - hooks[0]!.at).toBeGreaterThanOrEqual(48);
    expect(hooks[2]!.at - hooks[1]!.at).toBeGreaterThanOrEqual(98);
    expect(lines.at(-1)).toMatchObject({ level: LEVEL.info, msg: "budget alert webhook delivered", attempts: 3, status: 200 });
    expect(await webhooks("delivered")).toBe(delivered + 1);
  });

  it("retries 429 and a timeout", async () => {
    const { sender: s, lines } = sender({ timeoutMs: 200 });
    receiver.script([429, { status: 200, delayMs: 1_000 }, 204]);
    s.enqueue(event("evt-slow"));
    expect(await s.drain(5_000)).toBe(true);
    expect(receiver.received).toHaveLength(3);
    expect(lines.filter((l) => l.attempt).map((l) => l.reason)).toEqual(["answered 429", "no answer within 200 ms"]);
    expect(lines.at(-1)).toMatchObject({ msg: "budget alert webhook delivered", status: 204 });
  });

  it("does not retry a 400 or a redirect (never followed); the failure is logged", async () => {
    const { sender: s, lines } = sender();
    const failed = await webhooks("failed");
    receiver.script([400, 302]);
    s.enqueue(event("evt-400"));
    s.enqueue(event("evt-302"));
    expect(await s.drain(5_000)).toBe(true);
    expect(receiver.received.map((h) => h.headers["x-detour-event-id"])).toEqual(["evt-400", "evt-302"]);
    expect(lines.map((l) => [l.level, l.msg, l.event_id, l.reason])).toEqual([
      [LEVEL.error, "budget alert webhook failed: not delivered", "evt-400", "answered 400"],
      [LEVEL.error, "budget alert webhook failed: not delivered", "evt-302", "answered 302 (redirects are not followed)"],
    ]);
    expect(lines[0]).toMatchObject({ webhook: `http://127.0.0.1:${receiver.port}`, attempts: 1 });
    expect(await webhooks("failed")).toBe(failed + 2);
  });

  it("gives up after the last attempt and logs the final failure", async () => {
    const { sender: s, lines } = sender({ maxAttempts: 3, backoffBaseMs: 5 });
    receiver.script([503, 503, 503, 200]);
    s.enqueue(event("evt-down"));
    expect(await s.drain(5_000)).toBe(true);
    expect(receiver.received).toHaveLength(3);
    expect(lines.at(-1)).toMatchObject({
      level: LEVEL.error,
      msg: "budget alert webhook failed: not delivered",
      event_id: "evt-down",
      attempts: 3,
      reason: "answered 503",
    });
  });

  it("retries a network error (nothing listening)", async () => {
    const gone = await startWebhookReceiver(testPort(3));
    const url = gone.url;
    await gone.close();
    const { sender: s, lines } = sender({ url, maxAttempts: 2, backoffBaseMs: 5 });
    s.enqueue(event("evt-refused"));
    expect(await s.drain(5_000)).toBe(true);
    expect(lines.map((l) => l.reason)).toEqual([expect.stringContaining("ECONNREFUSED"), expect.stringContaining("ECONNREFUSED")]);
    expect(lines.at(-1)).toMatchObject({ msg: "budget alert webhook failed: not delivered", attempts: 2 });
  });

  it("refuses a private address without the allow-list and never contacts it", async () => {
    const refused = await webhooks("refused");
    // An IP literal: refused before any connection.
    const literal = sender({ allowedHosts: [] });
    literal.sender.enqueue(event("evt-literal"));
    expect(await literal.sender.drain(5_000)).toBe(true);
    expect(literal.lines).toEqual([
      expect.objectContaining({
        level: LEVEL.error,
        msg: "budget alert webhook refused: not sent",
        event_id: "evt-literal",
        reason: expect.stringMatching(/^budget alert webhook host "127.0.0.1" is a loopback address; .*DETOUR_ALLOWED_PRIVATE_HOSTS/),
      }),
    ]);
    // A name that resolves to loopback: refused by the connection's own lookup, and not retried.
    const named = sender({ url: receiver.url.replace("127.0.0.1", "localhost"), allowedHosts: [] });
    named.sender.enqueue(event("evt-name"));
    expect(await named.sender.drain(5_000)).toBe(true);
    expect(named.lines).toEqual([
      expect.objectContaining({
        msg: "budget alert webhook refused: not sent",
        reason: expect.stringMatching(/^host "localhost" resolved to (127\.0\.0\.1|::1), a loopback address, when Detour connected/),
      }),
    ]);
    expect(receiver.received).toEqual([]);
    expect(await webhooks("refused")).toBe(refused + 2);
    // The same name, allowed by DETOUR_ALLOWED_PRIVATE_HOSTS, is delivered to.
    const allowed = sender({ url: receiver.url.replace("127.0.0.1", "localhost"), allowedHosts: ["localhost"] });
    allowed.sender.enqueue(event("evt-allowed"));
    expect(await allowed.sender.drain(5_000)).toBe(true);
    expect(receiver.received.map((h) => h.headers["x-detour-event-id"])).toEqual(["evt-allowed"]);
  });

  it("enqueue returns before anything is sent", async () => {
    const { sender: s } = sender();
    s.enqueue(event("evt-async"));
    expect(receiver.received).toEqual([]);
    await receiver.waitFor(1);
    expect(await s.drain(5_000)).toBe(true);
  });

  it("keeps at most maxQueue alerts waiting: the oldest are dropped with a warning", async () => {
    const { sender: s, lines } = sender({ maxQueue: 2 });
    const dropped = await webhooks("dropped");
    for (const id of ["a", "b", "c", "d"]) s.enqueue(event(id));
    expect(await s.drain(5_000)).toBe(true);
    expect(receiver.received.map((h) => h.headers["x-detour-event-id"])).toEqual(["c", "d"]);
    expect(lines.filter((l) => l.level === LEVEL.warn).map((l) => [l.msg, l.event_id])).toEqual([
      ["budget alert webhook queue full (2): dropped the oldest alert", "a"],
      ["budget alert webhook queue full (2): dropped the oldest alert", "b"],
    ]);
    expect(await webhooks("dropped")).toBe(dropped + 2);
  });

  it("at shutdown gives pending deliveries the time given, then drops and logs the rest", async () => {
    const { sender: s, lines } = sender();
    const dropped = await webhooks("dropped");
    receiver.script([{ status: 200, delayMs: 5_000 }]);
    s.enqueue(event("evt-hung"));
    s.enqueue(event("evt-waiting"));
    await receiver.waitFor(1);
    const started = Date.now();
    await s.close(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lines.at(-1)).toMatchObject({
      level: LEVEL.warn,
      msg: "2 budget alert webhook(s) not delivered before shutdown: dropped",
      event_ids: ["evt-hung", "evt-waiting"],
    });
    s.enqueue(event("evt-late"));
    expect(lines.at(-1)).toMatchObject({ msg: "budget alert webhook not sent: Detour is shutting down", event_id: "evt-late" });
    expect(await webhooks("dropped")).toBe(dropped + 3);
    expect(receiver.received).toHaveLength(1);
  });

  it("at shutdown, deliveries that finish in time are not dropped", async () => {
    const { sender: s, lines } = sender();
    s.enqueue(event("evt-quick"));
    await s.close(2_000);
    expect(receiver.received.map((h) => h.headers["x-detour-event-id"])).toEqual(["evt-quick"]);
    expect(lines.map((l) => l.msg)).toEqual(["budget alert webhook delivered"]);
  });
});
