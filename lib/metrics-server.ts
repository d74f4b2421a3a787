/**
 * The optional metrics listener: with DETOUR_METRICS_PORT set, GET /metrics is also served by a
 * plain node:http server on that port (DETOUR_METRICS_HOST, default 127.0.0.1), so a scraper on an
 * internal network needs no admin key and the public port can stay closed to it. When
 * DETOUR_METRICS_TOKEN is set, this listener requires it too (`Authorization: Bearer <token>`).
 * /metrics on the main port keeps working as before (token, admin key or session).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { safeEqual } from "./crypto";
import { API_SECURITY_HEADERS } from "./http/security-headers";
import type { Env } from "./env";
import { logger } from "./logger";
import { getLogWriter } from "./logs/writer";
import { renderMetrics } from "./metrics";
import { getRuntime } from "./runtime";

type MetricsServerEnv = Pick<Env, "PORT" | "DETOUR_METRICS_PORT" | "DETOUR_METRICS_HOST" | "DETOUR_METRICS_TOKEN">;

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(`${text}\n`);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, token: string | undefined): Promise<void> {
  // The same security headers as every other answer of Detour's (docs/SECURITY.md, Headers).
  for (const [name, value] of API_SECURITY_HEADERS) res.setHeader(name, value);
  const pathname = new URL(req.url ?? "/", "http://metrics.invalid").pathname;
  if (pathname !== "/metrics") return plain(res, 404, "Not found: this port serves GET /metrics only");
  if (req.method !== "GET" && req.method !== "HEAD") return plain(res, 405, "Method not allowed: use GET", { allow: "GET, HEAD" });
  if (token) {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim();
    if (!bearer || !safeEqual(bearer, token)) {
      return plain(res, 401, "Unauthorized: send Authorization: Bearer <DETOUR_METRICS_TOKEN>", {
        "www-authenticate": 'Bearer realm="detour-metrics"',
      });
    }
  }
  const { contentType, body } = await renderMetrics(getLogWriter().stats());
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Starts the listener when DETOUR_METRICS_PORT is set (once per process). Resolves with its address,
 * or null when not configured; rejects with a message naming the variable when it cannot listen.
 */
export async function startMetricsServer(env: MetricsServerEnv): Promise<AddressInfo | null> {
  const port = env.DETOUR_METRICS_PORT;
  if (port === undefined) return null;
  if (port === env.PORT) throw new Error(`DETOUR_METRICS_PORT must differ from PORT (both are ${port})`);
  const rt = getRuntime();
  const existing = rt.metricsServer;
  if (existing?.listening) return existing.address() as AddressInfo;
  const server = http.createServer((req, res) => {
    handle(req, res, env.DETOUR_METRICS_TOKEN).catch((err: unknown) => {
      logger.error({ err: (err as Error).message }, "metrics listener: rendering failed");
      if (!res.headersSent) plain(res, 500, "Internal error while rendering metrics");
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(new Error(`DETOUR_METRICS_PORT ${port} on ${env.DETOUR_METRICS_HOST}: cannot listen (${err.code ?? err.message})`)),
    );
    server.listen(port, env.DETOUR_METRICS_HOST, () => resolve());
  });
  server.unref(); // never keeps the process alive on shutdown
  rt.metricsServer = server;
  const address = server.address() as AddressInfo;
  logger.info({ host: address.address, port: address.port, token: Boolean(env.DETOUR_METRICS_TOKEN) }, "metrics listener ready");
  return address;
}

/** Stops the listener, if running (the shutdown sequence, tests): no new scrapes, open connections closed. */
export async function stopMetricsServer(): Promise<void> {
  const rt = getRuntime();
  const server = rt.metricsServer;
  rt.metricsServer = undefined;
  if (!server?.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
