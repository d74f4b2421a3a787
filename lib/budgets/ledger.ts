/**
 * The budget ledger (docs/GATEWAY.md §12.3): per budget, the settled spend counters of its subject
 * (`t`, `d:<day>`, `w:<monday>`, `m:<month>`: lib/budgets/period.ts) and the reservations of the
 * requests in flight, in nano-dollars (integers: no drift). A request reserves its worst-case cost
 * against every budget it falls under, all or none, and only when each budget's period spend plus
 * what is reserved plus the new reservation stays within its limit; when it ends, it releases its
 * reservation and charges its actual cost. A reservation expires RESERVATION_TTL_MS after it was
 * made or last refreshed (its process refreshes the ones still running: an instance that dies
 * stops refreshing, and its reservations lapse).
 *
 * Counters start from the database (`seed`: the subject's settled spend per day, written with the
 * log rows), the first time a budget is used, and again after Redis lost them (a flush).
 *
 * Two implementations: `MemoryLedger` (one process: exact, as JavaScript runs one reservation at a
 * time) and `RedisLedger` (redis-ledger.ts: several instances, one Lua script per operation).
 */
import { staleCountersAt } from "./period";
import type { SpendSubject } from "./types";

/** How long a reservation lives without a refresh. */
export const RESERVATION_TTL_MS = 120_000;
/** How often a process refreshes its running reservations. */
export const REFRESH_EVERY_MS = 30_000;
/** A reservation older than this is not refreshed any more (a request that never ended must not hold it for ever). */
export const MAX_RESERVATION_MS = 60 * 60_000;

export const NANOS_PER_USD = 1e9;
export const toNanos = (usd: number) => Math.round(usd * NANOS_PER_USD);
export const toUsd = (nanos: number) => Number((nanos / NANOS_PER_USD).toFixed(9));

/** A budget as the ledger checks it: its limit, the counters its current period sums, and its subject (to seed). */
export type LedgerBudget = { id: string; subject: SpendSubject; limitNanos: number; fields: readonly string[] };

export type ReserveOutcome =
  | { ok: true }
  /** `index`: the budget (of those given) that refused; its period spend and reservations at that instant. */
  | { ok: false; index: number; spentNanos: number; reservedNanos: number };

/** A settled charge's effect on one budget: its period spend before and after (alerts). */
export type Charged = { budgetId: string; spentBeforeNanos: number; spentAfterNanos: number };

/** Loads a subject's counters (nano-dollars) from the database as of `now`. */
export type SeedLoader = (subject: SpendSubject, now: number) => Promise<Map<string, number>>;

export interface BudgetLedger {
  /** Reserves `nanos` against every budget, or none when one would pass its limit. */
  reserve(reservationId: string, budgets: readonly LedgerBudget[], nanos: number, now: number): Promise<ReserveOutcome>;
  /**
   * Releases the reservation on the budgets it was made against (`reservedOn`, ids) and adds each
   * charge to its budget's counters `counters` (the settle instant's total, day, week and month),
   * dropping the counters no period reads any more at `now` (period.ts `staleCountersAt`).
   */
  settle(
    reservationId: string,
    reservedOn: readonly string[],
    charges: readonly { budget: LedgerBudget; nanos: number }[],
    counters: readonly string[],
    now: number,
  ): Promise<Charged[]>;
  /** A budget's period spend and reservations now (the API and the metrics). */
  status(budget: LedgerBudget, now: number): Promise<{ spentNanos: number; reservedNanos: number }>;
  /** Drops what the ledger holds for a budget (it is rebuilt from the database on next use). */
  forget(budgetId: string): Promise<void>;
}

type Reservation = { nanos: number; expiresAt: number };
type BudgetState = { counters: Map<string, number>; reserved: number; reservations: Map<string, Reservation> };

/** One process. `now` comes from the caller (tests move it). */
export class MemoryLedger implements BudgetLedger {
  private readonly budgets = new Map<string, BudgetState>();
  private readonly seeding = new Map<string, Promise<BudgetState>>();
  /** Reservations made here and still running: refreshed every REFRESH_EVERY_MS. */
  private readonly running = new Map<string, { budgetIds: readonly string[]; madeAt: number }>();

  constructor(
    private readonly seed: SeedLoader,
    private readonly clock: () => number = Date.now,
  ) {}

  private async state(budget: LedgerBudget, now: number): Promise<BudgetState> {
    const have = this.budgets.get(budget.id);
    if (have) return have;
    let pending = this.seeding.get(budget.id);
    if (!pending) {
      pending = this.seed(budget.subject, now).then((counters) => {
        const state = this.budgets.get(budget.id) ?? { counters, reserved: 0, reservations: new Map() };
        this.budgets.set(budget.id, state);
        return state;
      });
      this.seeding.set(budget.id, pending);
      pending.finally(() => this.seeding.delete(budget.id)).catch(() => undefined);
    }
    return pending;
  }

  private expire(state: BudgetState, now: number): void {
    for (const [id, r] of state.reservations) {
      if (r.expiresAt > now) continue;
      state.reservations.delete(id);
      state.reserved -= r.nanos;
    }
  }

  private refresh(now: number): void {
    for (const [id, run] of this.running) {
      if (now - run.madeAt > MAX_RESERVATION_MS) {
        this.running.delete(id);
        continue;
      }
      for (const budgetId of run.budgetIds) {
        const r = this.budgets.get(budgetId)?.reservations.get(id);
        if (r) r.expiresAt = now + RESERVATION_TTL_MS;
      }
    }
  }

  async reserve(reservationId: string, budgets: readonly LedgerBudget[], nanos: number, now: number): Promise<ReserveOutcome> {
    const states = await Promise.all(budgets.map((b) => this.state(b, now)));
    this.refresh(this.clock());
    // From here on nothing awaits: the check and the reservation are one step.
    for (let i = 0; i < budgets.length; i++) {
      const state = states[i]!;
      this.expire(state, now);
      const spent = sum(state.counters, budgets[i]!.fields);
      if (spent + state.reserved + nanos > budgets[i]!.limitNanos)
        return { ok: false, index: i, spentNanos: spent, reservedNanos: state.reserved };
    }
    for (const state of states) {
      state.reservations.set(reservationId, { nanos, expiresAt: now + RESERVATION_TTL_MS });
      state.reserved += nanos;
    }
    this.running.set(reservationId, { budgetIds: budgets.map((b) => b.id), madeAt: now });
    return { ok: true };
  }

  async settle(
    reservationId: string,
    reservedOn: readonly string[],
    charges: readonly { budget: LedgerBudget; nanos: number }[],
    counters: readonly string[],
    now: number,
  ): Promise<Charged[]> {
    this.running.delete(reservationId);
    for (const id of reservedOn) {
      const state = this.budgets.get(id);
      const r = state?.reservations.get(reservationId);
      if (!state || !r) continue;
      state.reservations.delete(reservationId);
      state.reserved -= r.nanos;
    }
    const charged: Charged[] = [];
    for (const { budget, nanos } of charges) {
      if (nanos <= 0) continue;
      const state = this.budgets.get(budget.id);
      // Not loaded here yet: its seed (from the database, which the log row reaches) will count it.
      if (!state) continue;
      const before = sum(state.counters, budget.fields);
      for (const field of counters) state.counters.set(field, (state.counters.get(field) ?? 0) + nanos);
      for (const field of staleCountersAt(now)) state.counters.delete(field);
      charged.push({ budgetId: budget.id, spentBeforeNanos: before, spentAfterNanos: sum(state.counters, budget.fields) });
    }
    return charged;
  }

  async status(budget: LedgerBudget, now: number): Promise<{ spentNanos: number; reservedNanos: number }> {
    const state = await this.state(budget, now);
    this.expire(state, now);
    return { spentNanos: sum(state.counters, budget.fields), reservedNanos: state.reserved };
  }

  async forget(budgetId: string): Promise<void> {
    this.budgets.delete(budgetId);
  }
}

function sum(counters: ReadonlyMap<string, number>, fields: readonly string[]): number {
  let total = 0;
  for (const f of fields) total += counters.get(f) ?? 0;
  return total;
}
