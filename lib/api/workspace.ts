/**
 * The caller's workspace (`/v1/workspace`): `GET` answers `{id, name, slug, budget, log_retention}`;
 * `PUT` sets or removes the workspace's budget (`{budget}`) and its own log retention
 * (`{log_retention_days}`: days, 0 = forever, null = the deployment's DETOUR_LOG_RETENTION_DAYS), one
 * or both. The gateway's cached budgets are dropped on every instance before the answer, so the next
 * request anywhere is checked against the new budget; the retention applies from the next
 * retention run (lib/logs/retention.ts). A change is recorded in the audit trail as
 * `workspace.update` (the view before and after) and `budget.update` when the budget changed.
 */
import { recordBudgetChange } from "../audit/budget-change";
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { strictObject } from "../gateway/config/messages";
import { invalidateWorkspaceBudgets } from "../gateway/cache/lookups";
import { writeBudget } from "../store/budgets";
import { getEnv } from "../env";
import { getWorkspaceById, setWorkspaceLogRetention } from "../store/workspaces";
import { z } from "zod";
import { DetourError } from "../errors";
import { budgetSchema } from "./budget-schemas";
import { budgetViewOf } from "./budgets";
import { readJson, type ApiContext } from "./handler";
import { assertOwnWorkspace, parseInput, renameAliases } from "./input";

/** A workspace's own log retention in days: 0 keeps every log, null follows DETOUR_LOG_RETENTION_DAYS. */
export const logRetentionDaysSchema = z
  .number({ error: "must be a whole number of days (0 keeps every log), or null for the default" })
  .int("must be a whole number of days (0 keeps every log), or null for the default")
  .min(0, "must be 0 (keep every log) or more")
  .max(36500, "must be at most 36500 days")
  .nullable();

/** PUT /v1/workspace: `{budget?, log_retention_days?}`, at least one. */
export const updateWorkspaceSchema = z.preprocess(
  renameAliases({ workspaceId: "workspace_id", logRetentionDays: "log_retention_days" }),
  strictObject(
    { budget: budgetSchema.optional(), log_retention_days: logRetentionDaysSchema.optional(), workspace_id: z.string().optional() },
    "a JSON object {budget?, log_retention_days?}",
    (key) =>
      ["name", "slug"].includes(key)
        ? `the workspace's ${key} cannot be changed here; rename it with PATCH /v1/workspaces/{id}`
        : undefined,
  ).refine((b) => b.budget !== undefined || b.log_retention_days !== undefined, {
    message: "nothing to change: give budget, log_retention_days or both",
  }),
);

async function workspaceView(workspaceId: string) {
  const db = getDb();
  const [workspace, budget] = await Promise.all([
    getWorkspaceById(db, workspaceId),
    budgetViewOf(db, workspaceId, { scope: "workspace", id: workspaceId }),
  ]);
  if (!workspace) throw new DetourError("not_found", "This workspace does not exist any more.");
  const defaultDays = getEnv().DETOUR_LOG_RETENTION_DAYS;
  const log_retention = {
    /** The workspace's own setting; null follows the default. */
    days: workspace.logRetentionDays,
    default_days: defaultDays,
    /** What applies: days, 0 = every log is kept. */
    effective_days: workspace.logRetentionDays ?? defaultDays,
  };
  return { object: "workspace", id: workspace.id, name: workspace.name, slug: workspace.slug, budget, log_retention };
}

export async function getWorkspaceHandler({ principal }: ApiContext<Record<string, never>>): Promise<Response> {
  return Response.json(await workspaceView(principal.workspaceId));
}

export async function updateWorkspaceHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(updateWorkspaceSchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  const before = await workspaceView(principal.workspaceId);
  if (body.log_retention_days !== undefined) await setWorkspaceLogRetention(getDb(), principal.workspaceId, body.log_retention_days);
  if (body.budget !== undefined) {
    await writeBudget(getDb(), principal.workspaceId, { scope: "workspace", id: principal.workspaceId }, body.budget);
    await invalidateWorkspaceBudgets(principal.workspaceId);
  }
  const after = await workspaceView(principal.workspaceId);
  const label = `${after.name} (${after.slug})`;
  await recordAudit(principal, {
    action: "workspace.update",
    targetType: "workspace",
    targetId: after.id,
    targetLabel: label,
    before,
    after,
  });
  if (body.budget !== undefined)
    await recordBudgetChange(principal, { type: "workspace", id: after.id, label }, before.budget, after.budget);
  return Response.json(after);
}
