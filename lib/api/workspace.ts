/**
 * The caller's workspace (`/v1/workspace`): `GET` answers `{id, name, slug, budget}`; `PUT` sets or
 * removes the workspace's budget (`{budget}`, the only field that changes here for now). The
 * gateway's cached budgets are dropped on every instance before the answer, so the next request
 * anywhere is checked against the new budget. A change is recorded in the audit trail as
 * `workspace.update` (the view before and after) and `budget.update`.
 */
import { recordBudgetChange } from "../audit/budget-change";
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { strictObject } from "../gateway/config/messages";
import { invalidateWorkspaceBudgets } from "../gateway/cache/lookups";
import { writeBudget } from "../store/budgets";
import { getWorkspaceById } from "../store/workspaces";
import { z } from "zod";
import { DetourError } from "../errors";
import { budgetSchema } from "./budget-schemas";
import { budgetViewOf } from "./budgets";
import { readJson, type ApiContext } from "./handler";
import { assertOwnWorkspace, parseInput, renameAliases } from "./input";

/** PUT /v1/workspace: `{budget}` (an object, or null to remove it). */
export const updateWorkspaceSchema = z.preprocess(
  renameAliases({ workspaceId: "workspace_id" }),
  strictObject({ budget: budgetSchema, workspace_id: z.string().optional() }, "a JSON object {budget}", (key) =>
    ["name", "slug"].includes(key) ? `the workspace's ${key} cannot be changed through the API; only budget can` : undefined,
  ),
);

async function workspaceView(workspaceId: string) {
  const db = getDb();
  const [workspace, budget] = await Promise.all([
    getWorkspaceById(db, workspaceId),
    budgetViewOf(db, workspaceId, { scope: "workspace", id: workspaceId }),
  ]);
  if (!workspace) throw new DetourError("not_found", "This workspace does not exist any more.");
  return { object: "workspace", id: workspace.id, name: workspace.name, slug: workspace.slug, budget };
}

export async function getWorkspaceHandler({ principal }: ApiContext<Record<string, never>>): Promise<Response> {
  return Response.json(await workspaceView(principal.workspaceId));
}

export async function updateWorkspaceHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const body = parseInput(updateWorkspaceSchema, await readJson(request));
  assertOwnWorkspace(principal, body.workspace_id);
  const before = await workspaceView(principal.workspaceId);
  await writeBudget(getDb(), principal.workspaceId, { scope: "workspace", id: principal.workspaceId }, body.budget);
  await invalidateWorkspaceBudgets(principal.workspaceId);
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
  await recordBudgetChange(principal, { type: "workspace", id: after.id, label }, before.budget, after.budget);
  return Response.json(after);
}
