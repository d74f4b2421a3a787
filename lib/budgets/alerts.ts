/**
 * Budget alerts (docs/GATEWAY.md §12.4). After each settle that added cost under a budget, the
 * enforcement calls `noteSpend`; when the spend crossed the budget's `alert_at_pct` or 100% of its
 * limit, the alert is raised once per budget, period and threshold, on every instance and across
 * restarts (the BudgetAlert row claimed with INSERT ... ON CONFLICT DO NOTHING,
 * lib/store/budget-alerts.ts). The instance that claims it:
 * - logs one line (warn) naming the budget's scope and subject, the threshold, the spend, the limit
 *   and the period;
 * - counts it in detour_budget_alerts_total{scope, threshold};
 * - with DETOUR_ALERT_WEBHOOK_URL, queues a signed webhook (lib/budgets/webhook.ts).
 * All of it runs after `noteSpend` has returned: the caller never waits on the database or the network.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { getDb } from "../db";
import { getEnv } from "../env";
import { errorDetail, logger as processLogger } from "../logger";
import { observeBudgetAlert } from "../metrics";
import { getRuntime } from "../runtime";
import { claimBudgetAlert } from "../store/budget-alerts";
import type { PeriodCounters } from "./period";
import type { Budget, BudgetPeriod, BudgetScope } from "./types";
import { createWebhookSender, type WebhookSender } from "./webhook";

export type SpendCrossing = {
  budget: Budget;
  /** The subject's name (workspace name, API key name, virtual key slug, config name). */
  name: string;
  /** lib/budgets/period.ts currentPeriod(...) at settle time. */
  period: PeriodCounters;
  /** The period's settled spend before this settle. */
  spentBeforeUsd: number;
  /** The period's settled spend after it. */
  spentAfterUsd: number;
  /**
   * Set when the budget refused a request (429 budget_exceeded) rather than took a charge: spend
   * never passes the limit (requests are refused first), so the first refusal of a period raises the
   * 100% alert (`trigger: "refused"`), with the spend as it stands (before = after).
   */
  refused?: boolean;
};

/** The webhook's JSON body (docs/GATEWAY.md §12.4). */
export type BudgetAlertEvent = {
  type: "budget.threshold_crossed";
  /** One per alert; the same on every delivery attempt (receivers deduplicate on it). */
  id: string;
  created_at: string;
  workspace_id: string;
  budget: {
    id: string;
    scope: BudgetScope;
    subject_id: string;
    name: string;
    limit_usd: number;
    period: BudgetPeriod;
    alert_at_pct: number | null;
  };
  threshold_pct: number;
  /** "spend": settled spend crossed the threshold; "refused": the budget refused a request (100% only). */
  trigger: "spend" | "refused";
  spent_usd: number;
  /** The period's first instant (ISO), null for a total budget. */
  period_start: string | null;
  /** When the period resets (ISO), null for a total budget. */
  resets_at: string | null;
};

/** Claims the alert of a budget, period and threshold: true for the one caller that gets it. */
export type ClaimAlert = (budgetId: string, periodKey: string, threshold: number) => Promise<boolean>;

export type BudgetAlertsOptions = {
  claim: ClaimAlert;
  /** null: alerts are logged and counted only. */
  webhook: WebhookSender | null;
  now?: () => number;
  log?: Logger;
};

export type BudgetAlerts = {
  noteSpend(crossing: SpendCrossing): void;
  /** Resolves once every crossing noted so far is claimed and, when claimed, logged, counted and queued. */
  settled(): Promise<void>;
  /** Stops taking crossings and gives pending claims and deliveries at most `timeoutMs`. Never rejects. */
  close(timeoutMs: number): Promise<void>;
};

/**
 * The thresholds (percent of the limit) that spend going from `before` to `after` crosses, lowest
 * first: `alertAtPct` (when set) and 100, each crossed when before < pct% x limit <= after.
 */
export function crossedThresholds(budget: Pick<Budget, "limitUsd" | "alertAtPct">, before: number, after: number): number[] {
  const thresholds = budget.alertAtPct !== null && budget.alertAtPct < 100 ? [budget.alertAtPct, 100] : [100];
  return thresholds.filter((pct) => {
    const line = (budget.limitUsd * pct) / 100;
    return before < line && line <= after;
  });
}

/** The thresholds a crossing raises: those its spend crossed, and 100 for a refusal. */
export function thresholdsOf(crossing: SpendCrossing): number[] {
  const crossed = crossedThresholds(crossing.budget, crossing.spentBeforeUsd, crossing.spentAfterUsd);
  return crossing.refused && !crossed.includes(100) ? [...crossed, 100] : crossed;
}

/** The webhook body of one alert. */
export function budgetAlertEvent(crossing: SpendCrossing, thresholdPct: number, at: number, id: string = randomUUID()): BudgetAlertEvent {
  const { budget, period } = crossing;
  return {
    type: "budget.threshold_crossed",
    id,
    created_at: new Date(at).toISOString(),
    workspace_id: budget.workspaceId,
    budget: {
      id: budget.id,
      scope: budget.scope,
      subject_id: budget.subjectId,
      name: crossing.name,
      limit_usd: budget.limitUsd,
      period: budget.period,
      alert_at_pct: budget.alertAtPct,
    },
    threshold_pct: thresholdPct,
    trigger:
      crossing.refused && crossedThresholds(crossing.budget, crossing.spentBeforeUsd, crossing.spentAfterUsd).length === 0
        ? "refused"
        : "spend",
    spent_usd: crossing.spentAfterUsd,
    period_start: period.start === null ? null : new Date(period.start).toISOString(),
    resets_at: period.resetsAt === null ? null : new Date(period.resetsAt).toISOString(),
  };
}

/** An amount for a log message: dollars, at most 6 decimals, no trailing zeros. */
const usd = (n: number) => `$${Number(n.toFixed(6))}`;

/** A budget's fields for a log line. */
function logFields(crossing: SpendCrossing, thresholdPct: number) {
  const { budget, period } = crossing;
  return {
    budget_id: budget.id,
    workspace_id: budget.workspaceId,
    scope: budget.scope,
    subject_id: budget.subjectId,
    name: crossing.name,
    threshold_pct: thresholdPct,
    spent_usd: crossing.spentAfterUsd,
    limit_usd: budget.limitUsd,
    period: budget.period,
    period_key: period.key,
  };
}

/** Budget alerts with their own claim and webhook sender (the process's one: `getBudgetAlerts`). */
export function createBudgetAlerts(options: BudgetAlertsOptions): BudgetAlerts {
  const log = options.log ?? processLogger;
  const now = options.now ?? Date.now;
  // One crossing after the other, so the alerts of a jump across both thresholds go out in order.
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  let closed = false;

  async function raise(crossing: SpendCrossing, thresholds: number[], at: number): Promise<void> {
    for (const pct of thresholds) {
      let claimed: boolean;
      try {
        claimed = await options.claim(crossing.budget.id, crossing.period.key, pct);
      } catch (err) {
        log.error({ ...logFields(crossing, pct), err: errorDetail(err) }, "budget alert lost: the database did not record it");
        continue;
      }
      if (!claimed) continue;
      const event = budgetAlertEvent(crossing, pct, at);
      const { budget } = crossing;
      log.warn(
        { ...logFields(crossing, pct), event_id: event.id, period_start: event.period_start, resets_at: event.resets_at },
        event.trigger === "refused"
          ? `budget alert: ${budget.scope} ${JSON.stringify(crossing.name)} refused a request: its ${budget.period} limit of ` +
              `${usd(budget.limitUsd)} is reached (${usd(crossing.spentAfterUsd)} spent, period ${crossing.period.key})`
          : `budget alert: ${budget.scope} ${JSON.stringify(crossing.name)} spent ${usd(crossing.spentAfterUsd)}, ` +
              `${pct}% or more of its ${budget.period} limit of ${usd(budget.limitUsd)} (period ${crossing.period.key})`,
      );
      observeBudgetAlert(budget.scope, pct);
      options.webhook?.enqueue({ id: event.id, body: JSON.stringify(event) });
    }
  }

  function noteSpend(crossing: SpendCrossing): void {
    try {
      const thresholds = thresholdsOf(crossing);
      if (thresholds.length === 0) return;
      if (closed) {
        log.warn({ ...logFields(crossing, thresholds.at(-1) ?? 100) }, "budget alert not raised: Detour is shutting down");
        return;
      }
      const at = now();
      pending++;
      chain = chain
        .then(() => raise(crossing, thresholds, at))
        .catch((err: unknown) => log.error({ err: errorDetail(err) }, "budget alert: unexpected error"))
        .finally(() => pending--);
    } catch (err) {
      log.error({ err: errorDetail(err) }, "budget alert: unexpected error");
    }
  }

  async function close(timeoutMs: number): Promise<void> {
    closed = true;
    const deadline = now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      chain.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    if (!done) log.warn({ crossings: pending }, `${pending} budget threshold crossing(s) not processed before shutdown: dropped`);
    await options.webhook?.close(Math.max(0, deadline - now()));
  }

  return { noteSpend, settled: () => chain, close };
}

/** The process's budget alerts (kept in the runtime): claims in its database, the webhook from the environment. */
export function getBudgetAlerts(): BudgetAlerts {
  const rt = getRuntime();
  if (rt.budgetAlerts) return rt.budgetAlerts;
  const env = getEnv();
  const webhook = env.alertWebhook
    ? createWebhookSender({ url: env.alertWebhook.url, secret: env.alertWebhook.secret, allowedHosts: env.allowedPrivateHosts })
    : null;
  rt.budgetAlerts = createBudgetAlerts({ claim: (id, key, pct) => claimBudgetAlert(getDb(), id, key, pct), webhook });
  return rt.budgetAlerts;
}

/** Called after each settle that added cost under a budget; never throws, never awaits I/O on the caller's path. */
export function noteSpend(crossing: SpendCrossing): void {
  try {
    // Most settles cross nothing: nothing is created or looked up for them.
    if (thresholdsOf(crossing).length === 0) return;
    getBudgetAlerts().noteSpend(crossing);
  } catch (err) {
    processLogger.error({ err: errorDetail(err) }, "budget alert: unexpected error");
  }
}
