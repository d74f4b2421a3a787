/**
 * A real HTTP server that receives webhooks (the budget alerts' tests): it records every request
 * (arrival time, headers, raw body) and answers each with the next step of a script (a status,
 * optionally after a delay), 200 once the script is used up. Binds 127.0.0.1 on `port` (0: any
 * free port; a test run confined to a port range passes one from DETOUR_TEST_PORT_BASE, see
 * `testPort`).
 */
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedWebhook = { at: number; method: string; path: string; headers: IncomingHttpHeaders; body: string };

/** One answer: a status, or a status sent after `delayMs` (longer than the sender's timeout: a timeout). */
export type ReceiverStep = number | { status: number; delayMs: number };

export type WebhookReceiver = {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** The answers to the next requests, in order. */
  script(steps: ReceiverStep[]): void;
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  reset(): void;
  close(): Promise<void>;
};

/** `offset` above DETOUR_TEST_PORT_BASE when it is set, else 0 (any free port). */
export function testPort(offset: number): number {
  const base = Number(process.env.DETOUR_TEST_PORT_BASE ?? "");
  return Number.isInteger(base) && base > 0 ? base + offset : 0;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let steps: ReceiverStep[] = [];
  let waiters: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        at: Date.now(),
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      for (const wake of waiters) wake();
      const step = steps.shift() ?? 200;
      const answer = (status: number) => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "text/plain" }).end(`status ${status}`);
      };
      if (typeof step === "number") return answer(step);
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(step.status);
      }, step.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks/detour`,
    port: bound,
    received,
    script(next) {
      steps = [...next];
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} webhook(s), got ${received.length}`)), timeoutMs);
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          resolve(received.slice(0, count));
        };
        waiters.push(check);
        check();
      });
    },
    reset() {
      received.length = 0;
      steps = [];
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
