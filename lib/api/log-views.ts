/**
 * The signed-in user's saved log views (`/v1/log-views`, `/v1/log-views/{id}`) and column layout
 * (`/v1/log-columns`) (docs/MANAGEMENT-API.md, "Log views"). Both belong to a user, so an API key
 * (which acts for no user) gets 403 `user_required`. A view of another user, or of another
 * workspace, is 404 `not_found`: nobody learns that it exists. A view's query is checked by the
 * log query's own parser (lib/logs/views.ts), each problem naming `query.<parameter>`; a name used
 * by another of the user's views (whatever its case) is 409 `name_taken`. Writes to views are in
 * the audit trail; column layout changes (each drag of a column edge) are not.
 */
import { recordAudit } from "../audit/record";
import { getDb } from "../db";
import { DetourError } from "../errors";
import { createLogViewSchema, logColumnLayoutSchema, MAX_LOG_VIEWS, readLogColumnLayout, updateLogViewSchema } from "../logs/views";
import {
  createLogView,
  deleteLogView,
  getLogView,
  listLogViews,
  type LogViewResult,
  type LogViewRow,
  updateLogView,
} from "../store/log-views";
import { getUserPreference, LOG_COLUMNS_PREFERENCE, setUserPreference } from "../store/user-preferences";
import { readJson, type ApiContext, type Principal } from "./handler";
import { iso, parseInput } from "./input";

type IdParams = { id: string };

export function logViewView(v: LogViewRow) {
  return {
    id: v.id,
    object: "log_view",
    name: v.name,
    query: v.query,
    hidden_columns: v.hiddenColumns,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
  };
}

/** The user the request acts for, or 403 `user_required` for an API key. */
function ownerOf(principal: Principal): { workspaceId: string; userId: string } {
  if (!principal.userId)
    throw new DetourError(
      "user_required",
      "Saved log views and column layouts belong to a user, and an API key acts for no user: sign in to the dashboard to use them.",
    );
  return { workspaceId: principal.workspaceId, userId: principal.userId };
}

const notFoundView = (id: string) => new DetourError("not_found", `You have no log view ${JSON.stringify(id.slice(0, 128))}.`);

function unwrap(result: LogViewResult, id: string): Extract<LogViewResult, { ok: true }> {
  if (result.ok) return result;
  if (result.reason === "name_taken")
    throw new DetourError("name_taken", `You already have a log view named ${JSON.stringify(result.clash)}; choose another name.`, {
      param: "name",
    });
  if (result.reason === "limit")
    throw new DetourError(
      "conflict",
      `You have ${MAX_LOG_VIEWS} log views in this workspace, the most one user may keep; delete one first.`,
    );
  throw notFoundView(id);
}

export async function listLogViewsHandler({ principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const rows = await listLogViews(getDb(), ownerOf(principal));
  return Response.json({ object: "list", data: rows.map(logViewView) });
}

export async function getLogViewHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const view = await getLogView(getDb(), ownerOf(principal), params.id);
  if (!view) throw notFoundView(params.id);
  return Response.json(logViewView(view));
}

export async function createLogViewHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const owner = ownerOf(principal);
  const body = parseInput(createLogViewSchema, await readJson(request));
  const { view } = unwrap(
    await createLogView(getDb(), owner, { name: body.name, query: body.query, hiddenColumns: body.hidden_columns }),
    "",
  );
  const shown = logViewView(view);
  await recordAudit(principal, {
    action: "log_view.create",
    targetType: "log_view",
    targetId: view.id,
    targetLabel: view.name,
    after: shown,
  });
  return Response.json(shown, { status: 201 });
}

export async function updateLogViewHandler({ request, principal, params }: ApiContext<IdParams>): Promise<Response> {
  const owner = ownerOf(principal);
  const body = parseInput(updateLogViewSchema, await readJson(request));
  const { view, before } = unwrap(
    await updateLogView(getDb(), owner, params.id, { name: body.name, query: body.query, hiddenColumns: body.hidden_columns }),
    params.id,
  );
  const shown = logViewView(view);
  await recordAudit(principal, {
    action: "log_view.update",
    targetType: "log_view",
    targetId: view.id,
    targetLabel: view.name,
    before: before ? logViewView(before) : undefined,
    after: shown,
  });
  return Response.json(shown);
}

export async function deleteLogViewHandler({ principal, params }: ApiContext<IdParams>): Promise<Response> {
  const gone = await deleteLogView(getDb(), ownerOf(principal), params.id);
  if (!gone) throw notFoundView(params.id);
  await recordAudit(principal, {
    action: "log_view.delete",
    targetType: "log_view",
    targetId: gone.id,
    targetLabel: gone.name,
    before: logViewView(gone),
  });
  return Response.json({ id: gone.id, object: "log_view", deleted: true });
}

function layoutView(text: string | null) {
  const layout = readLogColumnLayout(text);
  return { object: "log_column_layout", hidden: layout.hidden, widths: layout.widths };
}

export async function getLogColumnsHandler({ principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const { userId } = ownerOf(principal);
  return Response.json(layoutView(await getUserPreference(getDb(), userId, LOG_COLUMNS_PREFERENCE)));
}

export async function putLogColumnsHandler({ request, principal }: ApiContext<Record<string, never>>): Promise<Response> {
  const { userId } = ownerOf(principal);
  const layout = parseInput(logColumnLayoutSchema, await readJson(request));
  const text = JSON.stringify(layout);
  await setUserPreference(getDb(), userId, LOG_COLUMNS_PREFERENCE, text);
  return Response.json(layoutView(text));
}
