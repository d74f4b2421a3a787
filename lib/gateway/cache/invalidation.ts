/**
 * Cross-instance invalidation of the gateway's in-memory caches (`state.ts`), over a pub/sub
 * transport (Redis in production, a fake in unit tests). Framework- and Redis-free.
 *
 * - publish(kind, key) sends `{kind, key, origin}` and resolves once the transport acknowledged
 *   it (true) or failed (false, logged); it never throws. The caller has already dropped its own
 *   entry, so a failure only delays the other instances (their TTL is the safety net).
 * - A message from another instance drops that entry locally; our own messages are ignored.
 * - Every (re)subscription clears the local caches: messages sent while we were not listening are
 *   lost, and reloading everything from the database is cheap and always correct.
 * - After a failed publish, the next successful publish or (re)subscription also sends
 *   `{kind: "all"}` (retried for a while after a resubscription: the publishing connection may
 *   come back a little later), so every other instance drops everything it may hold stale.
 * - A message of a kind this version does not know clears everything (a newer instance's message).
 */
export type InvalidationKind = "api_key" | "config" | "virtual_key" | "budget" | "prices";
export type InvalidationMessage = { kind: InvalidationKind | "all"; key: string; origin: string };

const KINDS = new Set<string>(["api_key", "config", "virtual_key", "budget", "prices"]);

export type BusListener = {
  message(raw: string): void;
  /** Subscribed (again): from now on no message is missed. */
  up(): void;
  /** Not subscribed any more: messages may be missed until the next up(). */
  down(reason: string): void;
};

export type BusTransport = {
  /** Sends one message; resolves when the server acknowledged it, rejects otherwise. */
  publish(message: string): Promise<void>;
  /** Starts listening (once). */
  listen(listener: BusListener): void;
};

export type BusTarget = {
  invalidate(kind: InvalidationKind, key: string): void;
  clearAll(): void;
};

type LogFn = (obj: Record<string, unknown>, msg: string) => void;
export type BusLog = { warn: LogFn; info: LogFn; debug: LogFn };

export type BusStats = {
  published: number;
  publishFailures: number;
  received: number;
  applied: number;
  ownIgnored: number;
  clearedAll: number;
};

export class InvalidationBus {
  private listening = false;
  private subscribed = false;
  private everSubscribed = false;
  private missedPublish = false;
  private flushing = false;
  readonly stats: BusStats = { published: 0, publishFailures: 0, received: 0, applied: 0, ownIgnored: 0, clearedAll: 0 };

  constructor(
    private readonly options: {
      instanceId: string;
      transport: BusTransport;
      target: BusTarget;
      log: BusLog;
      /** Pause between attempts to send a missed `{kind: "all"}` after a resubscription (default 500 ms, 20 attempts). */
      retryMs?: number;
    },
  ) {}

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** Subscribed right now: changes made by other instances reach this one. */
  get connected(): boolean {
    return this.subscribed;
  }

  start(): void {
    if (this.listening) return;
    this.listening = true;
    this.options.transport.listen({
      message: (raw) => this.receive(raw),
      up: () => this.onUp(),
      down: (reason) => this.onDown(reason),
    });
  }

  /** Tells the other instances to drop `key`. Resolves true once acknowledged, false on failure (logged). */
  async publish(kind: InvalidationKind, key: string): Promise<boolean> {
    const ok = await this.send({ kind, key, origin: this.options.instanceId });
    if (ok && this.missedPublish) await this.sendAll();
    return ok;
  }

  /** Handles one raw message from the channel. */
  receive(raw: string): void {
    this.stats.received++;
    let msg: Partial<InvalidationMessage>;
    try {
      msg = JSON.parse(raw) as Partial<InvalidationMessage>;
    } catch {
      this.options.log.warn({ message: raw.slice(0, 200) }, "ignored an invalidation message that is not JSON");
      return;
    }
    if (!msg || typeof msg !== "object" || typeof msg.origin !== "string") {
      this.options.log.warn({ message: raw.slice(0, 200) }, "ignored an invalidation message without origin");
      return;
    }
    if (msg.origin === this.options.instanceId) {
      this.stats.ownIgnored++;
      return;
    }
    if (typeof msg.kind === "string" && KINDS.has(msg.kind) && typeof msg.key === "string") {
      this.options.target.invalidate(msg.kind as InvalidationKind, msg.key);
      this.stats.applied++;
      return;
    }
    // "all", or something this version does not understand: dropping everything is always safe.
    this.clearAll(
      msg.kind === "all" ? `requested by ${msg.origin}` : `unknown invalidation kind ${JSON.stringify(msg.kind)} from ${msg.origin}`,
    );
  }

  private onUp(): void {
    this.subscribed = true;
    const again = this.everSubscribed;
    this.everSubscribed = true;
    this.clearAll(again ? "resubscribed after a disconnection (messages may have been missed)" : "subscribed");
    if (again) this.options.log.info({ instance: this.options.instanceId }, "cache invalidation channel: subscribed again");
    if (this.missedPublish) void this.flushMissed();
  }

  /** Sends the pending `{kind: "all"}` until it goes through, while subscribed, for a bounded time. */
  private async flushMissed(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let attempt = 0; attempt < 20 && this.missedPublish && this.subscribed; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, this.options.retryMs ?? 500).unref());
        await this.sendAll(attempt > 0);
      }
    } finally {
      this.flushing = false;
    }
  }

  private onDown(reason: string): void {
    this.subscribed = false;
    this.options.log.warn(
      { reason },
      "cache invalidation channel: not subscribed; other instances' changes reach this one only after the shortened cache TTL until it reconnects",
    );
  }

  private clearAll(reason: string): void {
    this.stats.clearedAll++;
    this.options.target.clearAll();
    this.options.log.debug({ reason }, "cleared the gateway caches");
  }

  private async sendAll(quiet = false): Promise<void> {
    if (await this.send({ kind: "all", key: "*", origin: this.options.instanceId }, quiet)) this.missedPublish = false;
  }

  private async send(msg: InvalidationMessage, quiet = false): Promise<boolean> {
    try {
      await this.options.transport.publish(JSON.stringify(msg));
      this.stats.published++;
      return true;
    } catch (err) {
      this.stats.publishFailures++;
      this.missedPublish = true;
      (quiet ? this.options.log.debug : this.options.log.warn)(
        { kind: msg.kind, err: (err as Error).message },
        "could not publish a cache invalidation; this instance dropped its own entry, the others will see the change when their cache entry expires (or when this instance can publish again)",
      );
      return false;
    }
  }
}
