/**
 * The cross-instance invalidation bus over a fake pub/sub transport: several "instances" (bus +
 * caches) on one in-memory broker that, like Redis, delivers every message to every subscriber,
 * the sender included, and loses what is sent while a subscriber is disconnected.
 */
import { describe, expect, it } from "vitest";
import { LoadingCache } from "./memory-cache";
import { InvalidationBus, type BusListener, type BusLog, type BusTransport, type InvalidationKind } from "./invalidation";

class FakeBroker {
  readonly subscribers = new Set<FakeTransport>();
  readonly sent: string[] = [];
  deliver(message: string): void {
    this.sent.push(message);
    for (const t of this.subscribers) if (t.connected) t.listener?.message(message);
  }
}

class FakeTransport implements BusTransport {
  listener?: BusListener;
  connected = false;
  publishError: Error | null = null;
  constructor(private readonly broker: FakeBroker) {}
  async publish(message: string): Promise<void> {
    if (this.publishError) throw this.publishError;
    this.broker.deliver(message);
  }
  listen(listener: BusListener): void {
    this.listener = listener;
    this.broker.subscribers.add(this);
  }
  up(): void {
    this.connected = true;
    this.listener!.up();
  }
  down(): void {
    this.connected = false;
    this.listener!.down("test disconnect");
  }
}

type Logged = { level: string; msg: string; obj: Record<string, unknown> };

function instance(broker: FakeBroker, id: string) {
  const transport = new FakeTransport(broker);
  const caches: Record<InvalidationKind, LoadingCache<string>> = {
    api_key: new LoadingCache({ ttlMs: 60_000, maxEntries: 100 }),
    config: new LoadingCache({ ttlMs: 60_000, maxEntries: 100 }),
    virtual_key: new LoadingCache({ ttlMs: 60_000, maxEntries: 100 }),
    budget: new LoadingCache({ ttlMs: 60_000, maxEntries: 100 }),
    prices: new LoadingCache({ ttlMs: 60_000, maxEntries: 100 }),
  };
  const logged: Logged[] = [];
  const log: BusLog = {
    warn: (obj, msg) => logged.push({ level: "warn", msg, obj }),
    info: (obj, msg) => logged.push({ level: "info", msg, obj }),
    debug: (obj, msg) => logged.push({ level: "debug", msg, obj }),
  };
  const bus = new InvalidationBus({
    instanceId: id,
    transport,
    log,
    retryMs: 5,
    target: {
      invalidate: (kind, key) => caches[kind].invalidate(key),
      clearAll: () => {
        for (const c of Object.values(caches)) c.clear();
      },
    },
  });
  bus.start();
  let loads = 0;
  /** Reads through the cache; the loader returns `value` (what the "database" holds now). */
  const read = (kind: InvalidationKind, key: string, value: string) =>
    caches[kind].get(key, async () => {
      loads++;
      return value;
    });
  return { bus, transport, caches, logged, read, loads: () => loads };
}

/** Two instances on one broker, both subscribed, with the same entries cached. */
async function twoWarm() {
  const broker = new FakeBroker();
  const a = instance(broker, "A");
  const b = instance(broker, "B");
  a.transport.up();
  b.transport.up();
  for (const i of [a, b]) {
    await i.read("config", "ws:pc-1", "v1");
    await i.read("virtual_key", "ws:vk-1", "sk-old");
    await i.read("api_key", "hash-1", "active");
    await i.read("prices", "ws", "gpt-4o at $2.50");
  }
  return { broker, a, b };
}

describe("InvalidationBus", () => {
  it("publishes {kind, key, origin} and resolves true once the transport acknowledged it", async () => {
    const { broker, a } = await twoWarm();
    await expect(a.bus.publish("config", "ws:pc-1")).resolves.toBe(true);
    expect(broker.sent.map((m) => JSON.parse(m))).toEqual([{ kind: "config", key: "ws:pc-1", origin: "A" }]);
    expect(a.bus.stats.published).toBe(1);
  });

  it("ignores its own messages: the publisher's entries are untouched by the echo", async () => {
    const { a } = await twoWarm();
    await a.bus.publish("config", "ws:pc-1");
    expect(a.bus.stats.ownIgnored).toBe(1);
    expect(a.bus.stats.applied).toBe(0);
    expect(await a.read("config", "ws:pc-1", "v2")).toBe("v1"); // still the cached value: no reload
  });

  it("a message from another instance drops exactly that entry", async () => {
    const { a, b } = await twoWarm();
    const before = b.loads();
    await a.bus.publish("config", "ws:pc-1");
    expect(b.bus.stats.applied).toBe(1);
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v2"); // reloaded
    expect(await b.read("virtual_key", "ws:vk-1", "sk-new")).toBe("sk-old"); // other kinds untouched
    expect(await b.read("api_key", "hash-1", "revoked")).toBe("active");
    expect(b.loads()).toBe(before + 1);
  });

  it("each kind goes to its own cache (virtual key rotation, API key revocation)", async () => {
    const { a, b } = await twoWarm();
    await a.bus.publish("virtual_key", "ws:vk-1");
    await a.bus.publish("api_key", "hash-1");
    expect(await b.read("virtual_key", "ws:vk-1", "sk-new")).toBe("sk-new");
    expect(await b.read("api_key", "hash-1", "revoked")).toBe("revoked");
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v1");
    expect(await b.read("prices", "ws", "gpt-4o at $1")).toBe("gpt-4o at $2.50");
  });

  it("drops a workspace's prices on the others when one instance changes an override", async () => {
    const { a, b } = await twoWarm();
    await a.bus.publish("prices", "ws");
    expect(b.bus.stats.applied).toBe(1);
    expect(await b.read("prices", "ws", "gpt-4o at $1")).toBe("gpt-4o at $1");
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v1");
  });

  it("a load that was in flight when the message arrived is handed out but not kept", async () => {
    const { a, b } = await twoWarm();
    b.caches.config.invalidate("ws:pc-1");
    let release!: (v: string) => void;
    const inFlight = b.caches.config.get("ws:pc-1", () => new Promise<string>((r) => (release = r)));
    await a.bus.publish("config", "ws:pc-1"); // arrives while B is still reading the old row
    release("v1-read-before-the-change");
    expect(await inFlight).toBe("v1-read-before-the-change");
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v2");
  });

  it("a reconnection clears every local cache (messages sent meanwhile were lost)", async () => {
    const { a, b } = await twoWarm();
    b.transport.down();
    expect(b.bus.connected).toBe(false);
    await a.bus.publish("config", "ws:pc-1"); // B misses this one
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v1"); // stale while disconnected
    b.transport.up();
    expect(b.bus.connected).toBe(true);
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v2");
    expect(await b.read("virtual_key", "ws:vk-1", "sk-new")).toBe("sk-new");
    expect(await b.read("api_key", "hash-1", "revoked")).toBe("revoked");
    expect(b.logged.some((l) => l.level === "warn" && /not subscribed/.test(l.msg))).toBe(true);
    expect(b.logged.some((l) => l.level === "info" && /subscribed again/.test(l.msg))).toBe(true);
  });

  it("a failed publish resolves false, is logged, and leaves the instance working", async () => {
    const { a, b } = await twoWarm();
    a.transport.publishError = new Error("Redis is not connected (reconnecting)");
    await expect(a.bus.publish("virtual_key", "ws:vk-1")).resolves.toBe(false);
    expect(a.bus.stats.publishFailures).toBe(1);
    expect(a.logged.find((l) => l.level === "warn")?.obj).toMatchObject({
      kind: "virtual_key",
      err: "Redis is not connected (reconnecting)",
    });
    expect(await b.read("virtual_key", "ws:vk-1", "sk-new")).toBe("sk-old"); // B could not be told
  });

  it("after a failed publish, the next successful publish also tells everyone to drop everything", async () => {
    const { broker, a, b } = await twoWarm();
    a.transport.publishError = new Error("down");
    await a.bus.publish("virtual_key", "ws:vk-1");
    a.transport.publishError = null;
    await a.bus.publish("config", "ws:pc-1");
    expect(broker.sent.map((m) => JSON.parse(m).kind)).toEqual(["config", "all"]);
    expect(await b.read("virtual_key", "ws:vk-1", "sk-new")).toBe("sk-new");
    await a.bus.publish("config", "ws:pc-1");
    expect(broker.sent.map((m) => JSON.parse(m).kind)).toEqual(["config", "all", "config"]); // sent once only
  });

  it("after a failed publish, the next (re)subscription also sends {kind: all}", async () => {
    const { broker, a, b } = await twoWarm();
    a.transport.down();
    a.transport.publishError = new Error("down");
    await a.bus.publish("api_key", "hash-1");
    a.transport.publishError = null;
    a.transport.up();
    await new Promise((r) => setImmediate(r));
    expect(broker.sent.map((m) => JSON.parse(m))).toEqual([{ kind: "all", key: "*", origin: "A" }]);
    expect(await b.read("api_key", "hash-1", "revoked")).toBe("revoked");
  });

  it("when the publishing side comes back later than the subscription, the {kind: all} is retried until it goes through", async () => {
    const { broker, a, b } = await twoWarm();
    a.transport.down();
    let failures = 0;
    const publish = a.transport.publish.bind(a.transport);
    a.transport.publish = async (m) => {
      if (failures++ < 3) throw new Error("Redis is not connected (reconnecting)");
      return publish(m);
    };
    await a.bus.publish("config", "ws:pc-1"); // failure 1
    a.transport.up(); // failures 2 and 3, then it goes through
    await new Promise((r) => setTimeout(r, 100));
    expect(broker.sent.map((m) => JSON.parse(m).kind)).toEqual(["all"]);
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v2");
    expect(a.logged.filter((l) => l.level === "warn" && /could not publish/.test(l.msg))).toHaveLength(2); // the retries log at debug
  });

  it("{kind: all} and kinds it does not know clear everything; garbage is ignored", async () => {
    const { b } = await twoWarm();
    b.bus.receive("not json");
    b.bus.receive(JSON.stringify({ kind: "config", key: "ws:pc-1" })); // no origin
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v1");
    expect(b.logged.filter((l) => l.level === "warn")).toHaveLength(2);

    b.bus.receive(JSON.stringify({ kind: "rate_limit", key: "x", origin: "C" }));
    expect(await b.read("config", "ws:pc-1", "v2")).toBe("v2");
    b.bus.receive(JSON.stringify({ kind: "all", key: "*", origin: "C" }));
    expect(await b.read("virtual_key", "ws:vk-1", "sk-new")).toBe("sk-new");
  });

  it("the first subscription clears too (entries loaded before it may be stale)", async () => {
    const broker = new FakeBroker();
    const a = instance(broker, "A");
    await a.read("config", "ws:pc-1", "v1");
    a.transport.up();
    expect(await a.read("config", "ws:pc-1", "v2")).toBe("v2");
  });
});

describe("LoadingCache TTL", () => {
  it("a TTL function is read on every lookup and applies to entries already cached", async () => {
    let now = 0;
    let ttl = 60_000;
    const cache = new LoadingCache<string>({ ttlMs: () => ttl, maxEntries: 10, now: () => now });
    await cache.get("k", async () => "v1");
    now = 15_000;
    expect(await cache.get("k", async () => "v2")).toBe("v1");
    ttl = 10_000; // e.g. the invalidation channel went down
    expect(await cache.get("k", async () => "v3")).toBe("v3");
    now = 20_000;
    expect(await cache.get("k", async () => "v4")).toBe("v3");
    now = 25_001;
    expect(await cache.get("k", async () => "v5")).toBe("v5");
  });
});
