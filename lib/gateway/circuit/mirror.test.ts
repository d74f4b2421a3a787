import { describe, expect, it } from "vitest";
import { MemoryCircuitStore, type CircuitDecision, type CircuitStore, type CircuitTransition } from "./breaker";
import { MirroredCircuitStore, parseAnnouncement, type CircuitAnnouncement } from "./mirror";
import type { CircuitBreakerPolicy } from "../router";

const policy: CircuitBreakerPolicy = { failureThreshold: 2, cooldownMs: 10_000 };
const fail = { failure: true, probe: false };

/** The shared store (a memory store standing in for Redis's identical semantics) with a call count. */
class CountingStore implements CircuitStore {
  readonly inner = new MemoryCircuitStore();
  admits = 0;
  async admit(id: string, p: CircuitBreakerPolicy, now: number): Promise<CircuitDecision> {
    this.admits++;
    return this.inner.admit(id, p, now);
  }
  async record(id: string, p: CircuitBreakerPolicy, r: { failure: boolean; probe: boolean }, now: number): Promise<CircuitTransition> {
    return this.inner.record(id, p, r, now);
  }
}

/** Two instances over one shared store, their announcements delivered to each other. */
function pair() {
  const shared = new CountingStore();
  const sent: CircuitAnnouncement[] = [];
  const a = new MirroredCircuitStore(shared, (m) => {
    sent.push(m);
    b.apply(m);
  });
  const b: MirroredCircuitStore = new MirroredCircuitStore(shared, (m) => {
    sent.push(m);
    a.apply(m);
  });
  a.setLive(true);
  b.setLive(true);
  return { shared, a, b, sent };
}

describe("mirrored circuit store", () => {
  it("decides closed circuits without asking the shared store while announcements are live", async () => {
    const { shared, a } = pair();
    for (let i = 0; i < 100; i++) expect(await a.admit("x", policy, 1_000 + i)).toBe("closed");
    expect(shared.admits).toBe(0);
  });

  it("asks the shared store for every decision while announcements are not live", async () => {
    const { shared, a } = pair();
    a.setLive(false);
    await a.admit("x", policy, 1);
    await a.admit("x", policy, 2);
    expect(shared.admits).toBe(2);
  });

  it("announces an opened circuit: the other instance skips it without asking, until the cooldown ends", async () => {
    const { shared, a, b, sent } = pair();
    const t = 5_000;
    await a.record("x", policy, fail, t);
    expect(await a.record("x", policy, fail, t)).toBe("opened");
    expect(sent).toEqual([{ id: "x", open: true, until: t + 10_000 }]);
    expect(await b.admit("x", policy, t + 1)).toBe("open");
    expect(await a.admit("x", policy, t + 9_999)).toBe("open");
    expect(shared.admits).toBe(0);
    // Cooldown over: exactly one instance gets the probe (claimed in the shared store); the other skips.
    expect(await b.admit("x", policy, t + 10_000)).toBe("probe");
    expect(await a.admit("x", policy, t + 10_001)).toBe("open");
    expect(shared.admits).toBe(2);
    // A asks again only after recheckMs (1 s), not on every request.
    expect(await a.admit("x", policy, t + 10_500)).toBe("open");
    expect(shared.admits).toBe(2);
    // The probe succeeds on B: recovered is announced and A closes at once.
    expect(await b.record("x", policy, { failure: false, probe: true }, t + 10_600)).toBe("recovered");
    expect(sent.at(-1)).toEqual({ id: "x", open: false, until: 0 });
    expect(await a.admit("x", policy, t + 10_601)).toBe("closed");
    expect(await b.admit("x", policy, t + 10_601)).toBe("closed");
    expect(shared.admits).toBe(2);
  });

  it("a failed probe re-opens for another cooldown, announced", async () => {
    const { a, b, sent } = pair();
    await a.record("x", policy, fail, 0);
    await a.record("x", policy, fail, 0);
    expect(await a.admit("x", policy, 10_000)).toBe("probe");
    expect(await a.record("x", policy, { failure: true, probe: true }, 10_100)).toBe("reopened");
    expect(sent.at(-1)).toEqual({ id: "x", open: true, until: 20_100 });
    expect(await b.admit("x", policy, 20_000)).toBe("open");
  });

  it("learns a circuit whose announcement it missed from its own next failure, then re-checks it at most every second", async () => {
    const shared = new CountingStore();
    const a = new MirroredCircuitStore(shared, () => {});
    const deaf = new MirroredCircuitStore(shared, () => {}); // never hears a's announcement
    a.setLive(true);
    deaf.setLive(true);
    await a.record("x", policy, fail, 0);
    await a.record("x", policy, fail, 0);
    expect(await deaf.admit("x", policy, 100)).toBe("closed"); // it does not know yet
    expect(await deaf.record("x", policy, fail, 150)).toBe("ignored_open");
    expect(await deaf.admit("x", policy, 200)).toBe("open");
    expect(shared.admits).toBe(0);
    expect(await deaf.admit("x", policy, 1_150)).toBe("open"); // re-checked in the shared store: still open
    expect(shared.admits).toBe(1);
    expect(await deaf.admit("x", policy, 1_500)).toBe("open");
    expect(shared.admits).toBe(1);
  });

  it("keeps skipping a circuit it knows to be open when the shared store is gone", async () => {
    const down: CircuitStore = { admit: async () => "closed", record: async () => "none" }; // Redis down fails open
    const m = new MirroredCircuitStore(down, () => {});
    m.apply({ id: "x", open: true, until: 5_000 });
    expect(await m.admit("x", policy, 1_000)).toBe("open");
    expect(await m.admit("y", policy, 1_000)).toBe("closed");
    expect(await m.admit("x", policy, 5_000)).toBe("closed");
  });

  it("forgets the oldest circuit past its bound", async () => {
    const m = new MirroredCircuitStore(new CountingStore(), () => {}, { maxEntries: 2 });
    m.setLive(true);
    m.apply({ id: "a", open: true, until: 100 });
    m.apply({ id: "b", open: true, until: 100 });
    m.apply({ id: "c", open: true, until: 100 });
    expect(await m.admit("a", policy, 1)).toBe("closed");
    expect(await m.admit("c", policy, 1)).toBe("open");
  });

  it("parses announcements and refuses anything else", () => {
    expect(parseAnnouncement('{"origin":"h:1:ab","id":"w:vk:x","open":true,"until":5}')).toEqual({
      origin: "h:1:ab",
      id: "w:vk:x",
      open: true,
      until: 5,
    });
    expect(parseAnnouncement("not json")).toBeNull();
    expect(parseAnnouncement('{"id":"x","open":true,"until":5}')).toBeNull();
    expect(parseAnnouncement('{"origin":"o","id":"x","open":"yes","until":5}')).toBeNull();
  });
});
