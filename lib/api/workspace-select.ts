/**
 * `POST /api/workspace/select` (`{workspace_id}`): the dashboard's workspace selector. Session only
 * (an API key belongs to one workspace), same-origin JSON (csrf.ts); the workspace must be one the
 * user belongs to (404 otherwise, like one that does not exist). Sets the `detour-workspace` cookie,
 * which getSessionUser() reads on every later request (lib/auth/session.ts).
 */
import { getSessionUser } from "../auth/session";
import { getEnv } from "../env";
import { DetourError } from "../errors";
import { strictObject } from "../gateway/config/messages";
import { logger } from "../logger";
import { z } from "zod";
import { checkCookieWrite } from "./csrf";
import { errorResponse } from "./errors";
import { readJson } from "./handler";
import { renameAliases, parseInput } from "./input";
import { workspaceCookie } from "./invite-accept";

const selectSchema = z.preprocess(
  renameAliases({ workspaceId: "workspace_id" }),
  strictObject(
    { workspace_id: z.string({ error: "must be a workspace id" }).min(1, { error: "must be a workspace id" }) },
    "a JSON object {workspace_id}",
  ),
);

export async function handleSelectWorkspace(request: Request): Promise<Response> {
  let response: Response;
  try {
    checkCookieWrite(request, getEnv().NEXTAUTH_URL);
    const user = await getSessionUser();
    if (!user) throw new DetourError("unauthorized", "Sign in to choose a workspace.");
    const body = parseInput(selectSchema, await readJson(request, 16 * 1024));
    if (!user.workspaces.some((w) => w.workspaceId === body.workspace_id))
      throw new DetourError("not_found", `Workspace ${JSON.stringify(body.workspace_id)} does not exist, or you are not a member of it.`, {
        param: "workspace_id",
      });
    response = Response.json(
      { workspace_id: body.workspace_id },
      { headers: { "set-cookie": workspaceCookie(request, body.workspace_id) } },
    );
  } catch (err) {
    response = errorResponse(err, (e) =>
      logger.error(
        { err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) },
        "workspace select error",
      ),
    );
  }
  response.headers.set("cache-control", "no-store");
  return response;
}
