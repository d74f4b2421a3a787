/**
 * What this instance knows about circuits, so the common case (a closed circuit) costs no Redis
 * call on the request path. Wraps the shared store (Redis):
 *
 * - Every transition this instance causes (opened, re-opened, recovered) is announced to the other
 *   instances (`announce`, a pub/sub channel), and every announcement received is applied here.
 * - admit(): a circuit known to be open until T is skipped without asking anyone until T. A circuit
 *   nobody announced is closed without asking, while the announcements channel is live. After T,
 *   or while the channel is down, the shared store decides (it claims the probe atomically).
 * - Announcements can be missed (reconnection): a circuit opened meanwhile is learned from the
 *   store's answer to this instance's own next failure (`ignored_open`), and re-checked in the
 *   store at most every `recheckMs` after that; a missed recovery keeps the circuit skipped here
 *   until its cooldown ends, then the store says closed. Both are bounded and conservative.
 * - What this instance knows stays true while Redis is away: a circuit it knows to be open is still
 *   skipped; one it does not know counts as closed (the shared store fails open).
 * Times are epoch ms on each instance's clock (instances are assumed NTP-synced).
 */
import type { CircuitDecision, CircuitStore, CircuitTransition } from "./breaker";
import type { CircuitBreakerPolicy } from "../router";

export type CircuitAnnouncement = { id: string; open: boolean; until: number };

export type MirrorOptions = {
  /** How often a circuit found open without an announcement is re-checked in the store. Default 1 s. */
  recheckMs?: number;
  /** Circuits remembered at most (the oldest is forgotten first: it then counts as unknown). Default 10,000. */
  maxEntries?: number;
};

export class MirroredCircuitStore implements CircuitStore {
  private readonly openUntil = new Map<string, number>();
  private live = false;
  private readonly recheckMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly shared: CircuitStore,
    private readonly announce: (a: CircuitAnnouncement) => void,
    options: MirrorOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** Whether announcements from the other instances currently reach this one. */
  setLive(live: boolean): void {
    this.live = live;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Applies another instance's announcement. */
  apply(a: CircuitAnnouncement): void {
    if (a.open) this.remember(a.id, a.until);
    else this.openUntil.delete(a.id);
  }

  async admit(id: string, policy: CircuitBreakerPolicy, now: number): Promise<CircuitDecision> {
    const until = this.openUntil.get(id);
    if (until !== undefined && now < until) return "open";
    if (until === undefined && this.live) return "closed";
    const decision = await this.shared.admit(id, policy, now);
    if (decision === "closed") this.openUntil.delete(id);
    // Holding the probe: other requests here are skipped until it reports (or its lease ends).
    else if (decision === "probe") this.remember(id, now + policy.cooldownMs);
    // Open, and someone else holds the probe: ask again a little later.
    else this.remember(id, now + Math.min(policy.cooldownMs, this.recheckMs));
    return decision;
  }

  async record(
    id: string,
    policy: CircuitBreakerPolicy,
    result: { failure: boolean; probe: boolean },
    now: number,
  ): Promise<CircuitTransition> {
    const transition = await this.shared.record(id, policy, result, now);
    if (transition === "opened" || transition === "reopened") {
      const until = now + policy.cooldownMs;
      this.remember(id, until);
      this.announce({ id, open: true, until });
    } else if (transition === "recovered") {
      this.openUntil.delete(id);
      this.announce({ id, open: false, until: 0 });
    } else if (transition === "ignored_open" && !this.openUntil.has(id)) {
      this.remember(id, now + Math.min(policy.cooldownMs, this.recheckMs));
    }
    return transition;
  }

  private remember(id: string, until: number): void {
    this.openUntil.delete(id);
    if (this.openUntil.size >= this.maxEntries) {
      const oldest = this.openUntil.keys().next().value;
      if (oldest !== undefined) this.openUntil.delete(oldest);
    }
    this.openUntil.set(id, until);
  }
}

/** Parses an announcement from the channel; null when it is not one (never throws). */
export function parseAnnouncement(raw: string): (CircuitAnnouncement & { origin: string }) | null {
  try {
    const m = JSON.parse(raw) as Record<string, unknown>;
    if (typeof m.origin !== "string" || typeof m.id !== "string" || typeof m.open !== "boolean" || typeof m.until !== "number") return null;
    return { origin: m.origin, id: m.id, open: m.open, until: m.until };
  } catch {
    return null;
  }
}
