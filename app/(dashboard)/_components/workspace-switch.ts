import { sendJson } from "@/lib/browser/submit-json";

/**
 * Makes `workspaceId` the dashboard's workspace (`POST /api/workspace/select` sets the
 * `detour-workspace` cookie) and loads `to` in it with a full navigation, so the layout's workspace
 * meta tag, the role and every cached page come from the new workspace at once. An error message
 * when the switch is refused.
 */
export async function switchWorkspace(workspaceId: string, to: string): Promise<string | null> {
  // Not bound to the page's workspace: the switch leaves it (which may just have been deleted).
  const result = await sendJson<{ workspace_id: string }>(
    "/api/workspace/select",
    "POST",
    { workspace_id: workspaceId },
    { workspace: false },
  );
  if (!result.ok) return result.message;
  window.location.assign(to);
  return null;
}
