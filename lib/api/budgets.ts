/**
 * Budgets in the management API (docs/MANAGEMENT-API.md, Budgets): `GET /v1/budgets` lists every
 * budget of the workspace with its subject's name and the spend of its current period; the views
 * the API key, virtual key, config and workspace answers carry (`budget: {..., spend} | null`),
 * read for a whole page at once (no query per row). The spend shown is the settled spend written
 * to the database (`SpendDaily`): requests in flight count once they end and their log row is written.
 * Budgets are set on their subject's own routes (`budget` in a POST or PUT body).
 */
import { BUDGET_SCOPES, type BudgetScope, type SpendSubject, subjectKey } from "../budgets/types";
import type { Db } from "../db";
import { getDb } from "../db";
import { enumOf } from "../gateway/config/messages";
import { budgetsOfSubjects, describeBudgetSubjects, listBudgets, periodSpends } from "../store/budgets";
import { budgetView, type BudgetView } from "./budget-schemas";
import type { ApiContext } from "./handler";
import { assertOwnWorkspace, pageQuerySchema, paging, parseInput, queryObject } from "./input";

/**
 * The budget views of some subjects of one scope, by subject id (a subject without a budget is
 * absent): one query for the budgets, at most two for their spend, whatever the number of subjects.
 */
export async function budgetViewsOf(
  db: Db,
  workspaceId: string,
  scope: BudgetScope,
  subjectIds: readonly string[],
  now = Date.now(),
): Promise<Map<string, BudgetView>> {
  const budgets = await budgetsOfSubjects(db, workspaceId, scope, subjectIds);
  const spends = await periodSpends(db, [...budgets.values()], now);
  return new Map([...budgets].map(([id, b]) => [id, budgetView(b, spends.get(b.id)!)]));
}

/** One subject's budget view, or null when it has none. */
export async function budgetViewOf(db: Db, workspaceId: string, subject: SpendSubject, now = Date.now()): Promise<BudgetView | null> {
  return (await budgetViewsOf(db, workspaceId, subject.scope, [subject.id], now)).get(subject.id) ?? null;
}

export const listBudgetsQuerySchema = pageQuerySchema.extend({
  scope: enumOf(BUDGET_SCOPES).optional(),
});

/** A budget in `GET /v1/budgets`: whose it is (name, slug, status) besides the budget's own view. */
export type BudgetListItem = BudgetView & {
  object: "budget";
  id: string;
  scope: BudgetScope;
  subject_id: string;
  /** The workspace's, API key's, virtual key's or config's name; null when the subject no longer exists. */
  subject_name: string | null;
  /** A virtual key's or config's slug; null otherwise. */
  subject_slug: string | null;
  /** active, expired, revoked (keys), archived, deleted (configs); null when the subject no longer exists. */
  subject_status: string | null;
};

/** A page of the workspace's budgets (newest first) with their subjects and spend: four queries at most besides the count. */
export async function listBudgetItems(
  db: Db,
  workspaceId: string,
  options: { scope?: BudgetScope; skip: number; take: number },
  now = Date.now(),
): Promise<{ total: number; data: BudgetListItem[] }> {
  const { total, rows } = await listBudgets(db, workspaceId, options);
  const [spends, subjects] = await Promise.all([periodSpends(db, rows, now), describeBudgetSubjects(db, workspaceId, rows, new Date(now))]);
  const data = rows.map((b): BudgetListItem => {
    const subject = subjects.get(subjectKey({ scope: b.scope, id: b.subjectId }));
    return {
      object: "budget",
      id: b.id,
      scope: b.scope,
      subject_id: b.subjectId,
      subject_name: subject?.name ?? null,
      subject_slug: subject?.slug ?? null,
      subject_status: subject?.status ?? null,
      ...budgetView(b, spends.get(b.id)!),
    };
  });
  return { total, data };
}

/** GET /v1/budgets?scope=&page_size=&current_page= */
export async function listBudgetsHandler({ principal, url }: ApiContext<Record<string, never>>): Promise<Response> {
  const query = parseInput(listBudgetsQuerySchema, queryObject(url));
  assertOwnWorkspace(principal, query.workspace_id);
  const { total, data } = await listBudgetItems(getDb(), principal.workspaceId, { scope: query.scope, ...paging(query) });
  return Response.json({ object: "list", total, data });
}
