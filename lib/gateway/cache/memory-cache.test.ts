import { describe, expect, it } from "vitest";
import { LoadingCache } from "./memory-cache";

function setup(staleMs = 300_000) {
  const clock = { now: 0 };
  const errors: string[] = [];
  const cache = new LoadingCache<string>({
    ttlMs: 1_000,
    maxEntries: 10,
    now: () => clock.now,
    staleMs,
    retryMs: 500,
    onReloadError: (key, err) => errors.push(`${key}: ${(err as Error).message}`),
  });
  const db = { value: "v1", up: true, loads: 0, release: null as null | (() => void), hold: false };
  const load = () => {
    db.loads++;
    if (db.hold) return new Promise<string>((resolve) => (db.release = () => resolve(db.value)));
    return db.up ? Promise.resolve(db.value) : Promise.reject(new Error("database unreachable"));
  };
  return { cache, clock, db, load, errors };
}

describe("LoadingCache stale-while-revalidate", () => {
  it("serves an expired entry at once and reloads it in the background, once", async () => {
    const { cache, clock, db, load } = setup();
    expect(await cache.get("k", load)).toBe("v1");
    db.value = "v2";
    db.hold = true;
    clock.now = 1_500; // past the TTL
    expect(await cache.get("k", load)).toBe("v1"); // no wait for the reload
    expect(await cache.get("k", load)).toBe("v1");
    expect(db.loads).toBe(2); // one background reload for both
    db.release!();
    await new Promise((r) => setImmediate(r));
    expect(await cache.get("k", load)).toBe("v2");
    expect(db.loads).toBe(2);
  });

  it("keeps serving the last value while reloads fail, retrying at most every retryMs, and reports the failures", async () => {
    const { cache, clock, db, load, errors } = setup();
    await cache.get("k", load);
    db.up = false;
    clock.now = 2_000;
    expect(await cache.get("k", load)).toBe("v1");
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual(["k: database unreachable"]);
    clock.now = 2_200;
    expect(await cache.get("k", load)).toBe("v1");
    expect(db.loads).toBe(2); // within retryMs: no new attempt
    clock.now = 2_600;
    expect(await cache.get("k", load)).toBe("v1");
    expect(db.loads).toBe(3);
    db.up = true;
    db.value = "v2";
    await new Promise((r) => setImmediate(r));
    clock.now = 3_200;
    expect(await cache.get("k", load)).toBe("v1"); // serves, and this reload succeeds
    await new Promise((r) => setImmediate(r));
    expect(await cache.get("k", load)).toBe("v2");
  });

  it("stops serving an entry once it is older than TTL + staleMs: the request waits for (and fails with) the load", async () => {
    const { cache, clock, db, load } = setup(5_000);
    await cache.get("k", load);
    db.up = false;
    clock.now = 6_001;
    await expect(cache.get("k", load)).rejects.toThrow("database unreachable");
  });

  it("never serves an invalidated entry stale", async () => {
    const { cache, clock, db, load } = setup();
    await cache.get("k", load);
    cache.invalidate("k");
    db.up = false;
    clock.now = 1_500;
    await expect(cache.get("k", load)).rejects.toThrow("database unreachable");
  });

  it("without staleMs an expired entry is reloaded before it is served (the default)", async () => {
    const { cache, clock, db, load } = setup(0);
    await cache.get("k", load);
    db.value = "v2";
    clock.now = 1_500;
    expect(await cache.get("k", load)).toBe("v2");
  });
});
