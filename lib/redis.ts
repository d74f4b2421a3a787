/**
 * Redis, when `REDIS_URL` is set: one command connection and one subscriber connection per process,
 * created lazily on first use, kept in the process's runtime (lib/runtime.ts: Next bundles route
 * handlers and instrumentation separately; the process must still have exactly one pair).
 *
 * Rules: nothing here ever throws into a caller or crashes the process; connection errors are
 * logged (once per outage, not once per retry) and the connections reconnect with a capped
 * exponential back-off for ever. Commands fail fast while disconnected (no offline queue) and time
 * out after COMMAND_TIMEOUT_MS, so a broken Redis can delay a management answer by about a second
 * at most. The inference request path waits on Redis only for the rate-limit check of a key that
 * has limits (`lib/gateway/rate-limit/limiter.ts`: bounded to 250 ms, fails open) and for a circuit-breaker
 * target whose circuit is not known to be closed (`lib/gateway/circuit/mirror.ts`: after a cooldown,
 * or while the announcements channel is down; bounded to 250 ms, fails open), and for the response
 * cache's read of a request whose config caches (`lib/gateway/cache/redis-response-cache.ts`:
 * bounded to 100 ms, a MISS when it fails).
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { createRequire } from "node:module";
import type Redis from "ioredis";
import type { RedisOptions } from "ioredis";
import { getEnv } from "./env";
import { logger } from "./logger";
import { getRuntime } from "./runtime";

export const CONNECT_TIMEOUT_MS = 2_000;
export const COMMAND_TIMEOUT_MS = 1_000;
/** The subscriber sends PING this often; no answer within COMMAND_TIMEOUT_MS drops the connection (and reconnects). */
const HEARTBEAT_MS = 5_000;

/** Back-off between reconnect attempts: 100 ms, 200, 400, 800, 1600, then 2 s, each with up to 20% jitter. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), 2_000);
  return Math.round(base * (1 + Math.random() * 0.2));
}

type Role = "command" | "subscriber";

type ConnectionState = {
  client: Redis;
  /** The last connection error, cleared when the connection is ready again. */
  lastError: string | null;
  /** True between an error/close being logged and the next "ready", so an outage is logged once. */
  down: boolean;
  /** closeRedis() is closing it: its close is not an outage. */
  closing: boolean;
};

/** The runtime's `redis`: this process's connections and identity. */
export type RedisState = {
  /** ioredis, once loaded (loadRedisDriver()). */
  driver?: typeof Redis;
  instanceId: string | undefined;
  /** undefined: not created yet; null: REDIS_URL is not set. */
  connections: { command: ConnectionState; subscriber: ConnectionState; url: string; prefix: string } | null | undefined;
  /** Whether subscribe()'s channels are currently subscribed (undefined: nobody subscribed). */
  subscribed: boolean | undefined;
};

function g(): RedisState {
  const rt = getRuntime();
  rt.redis ??= { instanceId: undefined, connections: undefined, subscribed: undefined };
  return rt.redis;
}

/** This process's id in cross-instance messages: host, pid and a random part (pids repeat across containers). */
export function instanceId(): string {
  const s = g();
  s.instanceId ??= `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  return s.instanceId;
}

/** The URL without its password, for log lines and health answers. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable REDIS_URL)";
  }
}

/**
 * Imports ioredis: the start sequence does when REDIS_URL is set, so a process without Redis never
 * loads it. Kept in the process's runtime: Next.js's bundles each have their own copy of this module.
 */
export async function loadRedisDriver(): Promise<void> {
  const s = g();
  s.driver ??= (await import("ioredis")).default;
}

/** ioredis: as loaded by the start sequence, else (a test or script that uses Redis without it) required now. */
function driver(): typeof Redis {
  const s = g();
  s.driver ??= createRequire(import.meta.url)("ioredis") as typeof Redis;
  return s.driver;
}

function connect(url: string, role: Role): ConnectionState {
  const options: RedisOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Fail fast while disconnected instead of queueing: callers have a fallback (local invalidation, TTL).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    // The subscriber subscribes itself on every "ready" (see subscribe()), so it knows when it is
    // really listening again; ioredis's own resubscription gives no such signal.
    autoResubscribe: false,
    keepAlive: 10_000,
    lazyConnect: false,
  };
  const Driver = driver();
  const client = new Driver(url, options);
  const state: ConnectionState = { client, lastError: null, down: false, closing: false };
  const where = redactRedisUrl(url);
  client.on("error", (err: Error) => {
    state.lastError = err.message || String(err);
    if (!state.down) {
      state.down = true;
      logger.warn({ redis: where, role, err: state.lastError }, "Redis connection error; retrying in the background");
    } else {
      logger.debug({ redis: where, role, err: state.lastError }, "Redis still unreachable");
    }
  });
  client.on("close", () => {
    if (!state.down && !state.closing) {
      state.down = true;
      state.lastError ??= "connection closed";
      logger.warn({ redis: where, role }, "Redis connection closed; reconnecting");
    }
  });
  client.on("ready", () => {
    if (state.down) logger.info({ redis: where, role }, "Redis connection restored");
    state.down = false;
    state.lastError = null;
  });
  return state;
}

/** The process's Redis connections, created on first call; null when REDIS_URL is not set. */
export function getRedis(): { command: Redis; subscriber: Redis; prefix: string } | null {
  const s = g();
  if (s.connections === undefined) {
    const env = getEnv();
    if (!env.REDIS_URL) {
      s.connections = null;
    } else {
      s.connections = {
        url: env.REDIS_URL,
        prefix: env.DETOUR_REDIS_PREFIX,
        command: connect(env.REDIS_URL, "command"),
        subscriber: connect(env.REDIS_URL, "subscriber"),
      };
      logger.info(
        { redis: redactRedisUrl(env.REDIS_URL), prefix: env.DETOUR_REDIS_PREFIX },
        "Redis configured: cross-instance cache invalidation on",
      );
    }
  }
  const c = s.connections;
  return c ? { command: c.command.client, subscriber: c.subscriber.client, prefix: c.prefix } : null;
}

export function isRedisConfigured(): boolean {
  return Boolean(getEnv().REDIS_URL);
}

/** `<DETOUR_REDIS_PREFIX>:<name>`. */
export function redisKey(name: string): string {
  return `${getEnv().DETOUR_REDIS_PREFIX}:${name}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const CONNECTING = new Set(["wait", "connecting", "connect"]);

/**
 * Resolves when `client` is ready: at once when it is, after waiting up to `timeoutMs` while a
 * connection attempt is under way (start-up), and rejects at once while it is known to be down
 * (waiting to reconnect, closed).
 */
export async function whenReady(client: Redis, timeoutMs = COMMAND_TIMEOUT_MS): Promise<void> {
  if (client.status === "ready") return;
  if (!CONNECTING.has(client.status)) throw new Error(`Redis is not connected (${client.status})`);
  let onReady: (() => void) | undefined;
  let onClose: (() => void) | undefined;
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        onReady = resolve;
        // A refused connection closes at once: no reason to wait for the timeout.
        onClose = () => reject(new Error("Redis is not connected (the connection attempt failed)"));
        client.once("ready", onReady);
        client.once("close", onClose);
      }),
      timeoutMs,
      "connecting to Redis",
    );
  } finally {
    if (onReady) client.off("ready", onReady);
    if (onClose) client.off("close", onClose);
  }
}

/** PUBLISH, resolved once Redis acknowledged it; rejects (never hangs) when Redis is down or slow. */
export async function publish(channel: string, message: string): Promise<void> {
  const redis = getRedis();
  if (!redis) throw new Error("REDIS_URL is not set");
  await whenReady(redis.command);
  await withTimeout(redis.command.publish(channel, message), COMMAND_TIMEOUT_MS, "PUBLISH");
}

export type SubscriptionListener = {
  /** A message on the channel. */
  message(raw: string): void;
  /** SUBSCRIBE was acknowledged: after start-up and after every reconnection. */
  up(): void;
  /** The subscriber connection is lost: messages may be missed until the next up(). */
  down(reason: string): void;
};

/**
 * Subscribes the process's subscriber connection to `channel` (one listener per channel; a later
 * call for the same channel replaces it) and keeps every subscribed channel subscribed across
 * reconnections, with a heartbeat that drops a silently dead connection so it reconnects.
 */
export function subscribe(channel: string, listener: SubscriptionListener): void {
  const redis = getRedis();
  if (!redis) throw new Error("REDIS_URL is not set");
  const sub = redis.subscriber as Redis & { detourListeners?: Map<string, SubscriptionListener>; detourHeartbeat?: NodeJS.Timeout };
  const s = g();
  if (sub.detourListeners) {
    const known = sub.detourListeners.has(channel);
    sub.detourListeners.set(channel, listener);
    // A new channel on a live connection: subscribe it now (reconnections subscribe them all).
    if (!known && s.subscribed) subscribeChannels(sub, [channel], sub.detourListeners);
    return;
  }
  const listeners = new Map([[channel, listener]]);
  sub.detourListeners = listeners;

  s.subscribed = false;
  const markDown = (reason: string) => {
    if (!s.subscribed) return;
    s.subscribed = false;
    for (const l of listeners.values()) l.down(reason);
  };
  const doSubscribe = () => subscribeChannels(sub, [...listeners.keys()], listeners);
  sub.on("message", (ch: string, raw: string) => listeners.get(ch)?.message(raw));
  sub.on("ready", doSubscribe);
  sub.on("close", () => markDown("connection closed"));
  sub.on("end", () => markDown("connection ended"));
  if (sub.status === "ready") doSubscribe();

  sub.detourHeartbeat = setInterval(() => {
    if (!s.subscribed || sub.status !== "ready") return;
    sub.ping().catch((err: Error) => {
      logger.warn({ err: err.message }, "Redis subscriber did not answer PING; reconnecting");
      markDown(`no answer to PING: ${err.message}`);
      sub.disconnect(true);
    });
  }, HEARTBEAT_MS);
  sub.detourHeartbeat.unref();
}

function subscribeChannels(sub: Redis, channels: string[], listeners: Map<string, SubscriptionListener>): void {
  sub.subscribe(...channels).then(
    () => {
      g().subscribed = true;
      for (const ch of channels) listeners.get(ch)?.up();
    },
    (err: Error) => {
      logger.warn({ channels, err: err.message }, "Redis SUBSCRIBE failed; reconnecting");
      sub.disconnect(true);
    },
  );
}

export type RedisHealth = { redis: "ok" | "error" | "disabled"; redis_reason?: string };

/**
 * For /api/health: "disabled" without REDIS_URL; "ok" when the command connection answers PING and
 * the subscriber is connected; otherwise "error" with the reason. Bounded by COMMAND_TIMEOUT_MS.
 */
export async function checkRedis(): Promise<RedisHealth> {
  const redis = getRedis();
  if (!redis) return { redis: "disabled" };
  const c = g().connections!;
  try {
    await whenReady(redis.command);
    await withTimeout(redis.command.ping(), COMMAND_TIMEOUT_MS, "PING");
  } catch (err) {
    const detail = c.command.lastError && c.command.lastError !== (err as Error).message ? ` (last error: ${c.command.lastError})` : "";
    return { redis: "error", redis_reason: `${(err as Error).message}${detail}` };
  }
  if (g().subscribed === false) {
    return {
      redis: "error",
      redis_reason: `subscriber is not subscribed (${redis.subscriber.status}${c.subscriber.lastError ? `: ${c.subscriber.lastError}` : ""})`,
    };
  }
  return { redis: "ok" };
}

/**
 * Closes both connections (shutdown, tests): QUIT when connected (bounded by COMMAND_TIMEOUT_MS),
 * else drops the connection and its reconnecting. Never rejects. The next getRedis() connects again.
 */
export async function closeRedis(): Promise<void> {
  const s = g();
  const c = s.connections;
  s.connections = undefined;
  s.subscribed = undefined;
  if (!c) return;
  const sub = c.subscriber.client as Redis & { detourHeartbeat?: NodeJS.Timeout };
  clearInterval(sub.detourHeartbeat);
  await Promise.all([closeConnection(c.command), closeConnection(c.subscriber)]);
}

async function closeConnection(c: ConnectionState): Promise<void> {
  c.closing = true;
  if (c.client.status !== "ready") return c.client.disconnect();
  try {
    await withTimeout(c.client.quit(), COMMAND_TIMEOUT_MS, "QUIT");
  } catch {
    c.client.disconnect();
  }
}
