/**
 * Budgets on the request path (docs/GATEWAY.md §12): before the upstream call, the request's
 * worst-case cost (estimate.ts) is reserved against every budget it falls under (its workspace,
 * API key, saved config and each virtual key its targets may use), all or none; a budget that would
 * pass its limit answers 429 `budget_exceeded` before any provider is called. When the answer ends
 * (JSON, a stream's end or break, an error), the reservation is released and the actual cost
 * charged to the budgets of the workspace, the API key, the config and the virtual key that
 * answered (`settleBudgets`, off the request path). A workspace without budgets costs one cached
 * lookup.
 */
import { DetourError } from "../errors";
import { lookupWorkspaceBudgets } from "../gateway/cache/lookups";
import type { Endpoint } from "../gateway/providers/types";
import type { ResolvedTarget, Routing } from "../gateway/request/resolve-targets";
import { listRouteLeaves } from "../gateway/router";
import type { Caller } from "../gateway/request/served";
import type { PriceOverrides } from "../logs/cost";
import { observeBudgetRefused, observeSpend, observeBudgetRemaining } from "../metrics";
import { worstCaseCost, type PricedTarget } from "./estimate";
import { type BudgetLedger, type Charged, type LedgerBudget, toNanos, toUsd } from "./ledger";
import { reserve, settle } from "./ledger-runtime";
import { noteSpend } from "./alerts";
import { countersAt, currentPeriod } from "./period";
import { type Budget, type BudgetScope, subjectKey } from "./types";

/** A budget that applies to a request, with what messages call its subject. */
export type AppliedBudget = { budget: Budget; name: string; label: string; ledger: LedgerBudget };

/** What a request holds against its budgets until it ends. */
export type BudgetHold = {
  id: string;
  ledger: BudgetLedger;
  reservedOn: readonly string[];
  nanos: number;
  /** The prompt's token upper bound (a stream cut before its usage is charged with it). */
  promptTokens: number;
};

/**
 * A subject a request spends on: `name` says it in messages (`API key "ci"`), `label` in metrics
 * (the key's name, the virtual key's or config's slug, the workspace's id).
 */
export type Subject = {
  scope: BudgetScope;
  id: string;
  name: string;
  label: string;
  /** False for a rotated key's replacement charged alongside it (the same name: counted once in detour_spend_usd_total). */
  metric?: false;
};

const workspaceSubject = (key: Caller): Subject => ({
  scope: "workspace",
  id: key.workspaceId,
  name: "this workspace",
  label: key.workspaceId,
});
/** The API key's subject; none for a caller without one (a config test from the dashboard). */
const apiKeySubject = (key: Caller): Subject[] =>
  key.id === null ? [] : [{ scope: "api_key", id: key.id, name: `API key ${JSON.stringify(key.name)}`, label: key.name }];
const configSubject = (config: NonNullable<Routing["config"]>): Subject => ({
  scope: "config",
  id: config.id,
  name: `config ${config.slug}`,
  label: config.slug,
});
const virtualKeySubject = (vk: { id: string; slug: string }): Subject => ({
  scope: "virtual_key",
  id: vk.id,
  name: `virtual key ${JSON.stringify(vk.slug)}`,
  label: vk.slug,
});

/** A rotated API key in its grace period spends for the key that replaced it too (its budget goes on from the old key's spend). */
const replacementSubject = (key: Caller): Subject[] =>
  key.rotatedToId
    ? [
        {
          scope: "api_key",
          id: key.rotatedToId,
          name: `API key ${JSON.stringify(key.name)} (${key.rotatedToPrefix ?? "its replacement"})`,
          label: key.name,
          metric: false,
        },
      ]
    : [];

/** The subjects a request may spend on before routing: workspace, API key (and its replacement), saved config, every virtual key of its targets. */
export function requestSubjects(key: Caller, routing: Routing): Subject[] {
  const subjects = [workspaceSubject(key), ...apiKeySubject(key), ...replacementSubject(key)];
  if (routing.config) subjects.push(configSubject(routing.config));
  const seen = new Set<string>();
  for (const leaf of listRouteLeaves(routing.tree)) {
    const vk = leaf.target.virtualKey;
    if (!vk || seen.has(vk.id)) continue;
    seen.add(vk.id);
    subjects.push(virtualKeySubject(vk));
  }
  return subjects;
}

/** The subjects a finished request's cost counts for: workspace, API key, saved config, the virtual key that answered. */
export function spendSubjects(key: Caller, routing: Routing | null, answered: ResolvedTarget | null): Subject[] {
  const subjects = [workspaceSubject(key), ...apiKeySubject(key), ...replacementSubject(key)];
  if (routing?.config) subjects.push(configSubject(routing.config));
  if (answered?.virtualKey) subjects.push(virtualKeySubject(answered.virtualKey));
  return subjects;
}

function applied(budgets: ReadonlyMap<string, Budget>, subjects: readonly Subject[], now: number): AppliedBudget[] {
  const out: AppliedBudget[] = [];
  for (const subject of subjects) {
    const budget = budgets.get(subjectKey(subject));
    if (!budget) continue;
    out.push({
      budget,
      name: subject.name,
      label: subject.label,
      ledger: {
        id: budget.id,
        subject: { scope: budget.scope, id: budget.subjectId },
        limitNanos: toNanos(budget.limitUsd),
        fields: currentPeriod(budget.period, now).fields,
      },
    });
  }
  return out;
}

function pricedTargets(routing: Routing, body: Record<string, unknown>): PricedTarget[] {
  return listRouteLeaves(routing.tree).map((leaf) => {
    const target: ResolvedTarget = leaf.target;
    const override = leaf.settings.overrideParams?.model;
    const model = typeof override === "string" ? override : typeof body.model === "string" ? body.model : null;
    const { adapter, creds } = target;
    return {
      provider: target.provider,
      model,
      ...(adapter.modelOfDeployment ? { modelOfDeployment: (name: string) => adapter.modelOfDeployment!(name, creds as never) } : {}),
    };
  });
}

const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toPrecision(2) : n.toFixed(2)}`;

/**
 * Reserves the request's worst-case cost against its budgets: null when none applies; 429
 * `budget_exceeded` naming the first budget that would pass its limit; 400 `price_unknown` when a
 * target's model has no price (its cost cannot be bounded).
 */
export async function reserveBudgets(input: {
  id: string;
  key: Caller;
  routing: Routing;
  endpoint: Endpoint;
  body: Record<string, unknown>;
  requestText: string;
  /** The workspace's price overrides. */
  prices?: PriceOverrides;
}): Promise<BudgetHold | null> {
  const budgets = await lookupWorkspaceBudgets(input.key.workspaceId);
  if (!budgets.size) return null;
  const now = Date.now();
  const apply = applied(budgets, requestSubjects(input.key, input.routing), now);
  if (!apply.length) return null;
  const worst = worstCaseCost(input.endpoint, input.requestText, input.body, pricedTargets(input.routing, input.body), input.prices);
  if (!worst.ok) {
    throw new DetourError(
      "price_unknown",
      `This request is under the ${apply[0]!.budget.period} budget of ${apply[0]!.name}, and Detour has no price for model ${JSON.stringify(worst.model ?? "(none)")} on ${worst.provider}, so it cannot bound its cost. Add a price for it (PUT /v1/prices, or the Prices page) or send a priced model.`,
      { param: "model" },
    );
  }
  const nanos = toNanos(worst.usd);
  const { ledger, outcome } = await reserve(
    input.id,
    apply.map((a) => a.ledger),
    nanos,
    now,
  );
  if (!outcome.ok) {
    const refused = apply[outcome.index]!;
    const b = refused.budget;
    const period = currentPeriod(b.period, now);
    const spent = toUsd(outcome.spentNanos);
    const reserved = toUsd(outcome.reservedNanos);
    observeBudgetRefused(b.scope);
    // The first refusal of a period raises the 100% alert (spend itself stops short of the limit).
    noteSpend({ budget: b, name: refused.label, period, spentBeforeUsd: spent, spentAfterUsd: spent, refused: true });
    const resets =
      period.resetsAt === null ? "It is a total budget: it does not reset." : `It resets at ${new Date(period.resetsAt).toISOString()}.`;
    throw new DetourError(
      "budget_exceeded",
      `Budget exceeded: the ${b.period} budget of ${usd(b.limitUsd)} on ${refused.name} has ${usd(spent)} spent and ${usd(reserved)} reserved by requests in flight; this request may cost up to ${usd(worst.usd)}. ${resets} Budgets are set in Detour, not by the provider.`,
      {
        budget: {
          id: b.id,
          scope: b.scope,
          name: refused.name,
          limit_usd: b.limitUsd,
          period: b.period,
          resets_at: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
          spent_usd: spent,
          reserved_usd: reserved,
          requested_usd: worst.usd,
        },
      },
    );
  }
  return { id: input.id, ledger, reservedOn: apply.map((a) => a.budget.id), nanos, promptTokens: worst.promptTokens };
}

/**
 * Releases a request's reservation and charges `costUsd` to the budgets of `subjects` (workspace,
 * API key, config, the virtual key that answered), on the counters of `now`: the instant whose UTC
 * day the log row's spend is persisted under, so the ledger and the database agree. Off the request
 * path; never throws.
 */
export async function settleBudgets(
  hold: BudgetHold | null,
  workspaceId: string,
  subjects: readonly Subject[],
  costUsd: number,
  now: number,
): Promise<void> {
  if (costUsd > 0) for (const s of subjects) if (s.metric !== false) observeSpend(s.scope, s.label, costUsd);
  const budgets = await lookupWorkspaceBudgets(workspaceId).catch(() => new Map<string, Budget>());
  const apply = applied(budgets, subjects, now);
  const nanos = toNanos(costUsd);
  if (!hold && (!apply.length || nanos <= 0)) return;
  const charged: Charged[] = await settle(
    hold?.ledger ?? null,
    hold?.id ?? "",
    hold?.reservedOn ?? [],
    apply.map((a) => ({ budget: a.ledger, nanos })),
    countersAt(now),
    now,
  );
  for (const c of charged) {
    const a = apply.find((x) => x.budget.id === c.budgetId);
    if (!a) continue;
    const after = toUsd(c.spentAfterNanos);
    observeBudgetRemaining(a.budget.scope, a.label, a.budget.period, Math.max(0, a.budget.limitUsd - after));
    // The alerts (alerts.ts): once per budget, period and threshold crossed; never on this path.
    noteSpend({
      budget: a.budget,
      name: a.label,
      period: currentPeriod(a.budget.period, now),
      spentBeforeUsd: toUsd(c.spentBeforeNanos),
      spentAfterUsd: after,
    });
  }
}
