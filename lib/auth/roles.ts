/**
 * Roles in a workspace (docs/MANAGEMENT-API.md, "Roles"), from least to most:
 * - viewer: reads everything a workspace holds (configs, keys' metadata, logs, analytics, budgets, members);
 * - member: also creates and changes configs, virtual keys and gateway-scope API keys (rotation and revocation too);
 * - admin: also the workspace's settings, budgets, prices, admin-scope API keys, members, invitations and the audit trail;
 * - owner: also deletes the workspace and makes or removes owners.
 * An admin-scope API key acts as an admin of its workspace; DETOUR_ADMIN_API_KEY (the installation's
 * own key) as an owner of the default workspace. Dependency-free: the dashboard imports it.
 */
export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Whether `role` is `needed` or above. An unknown role (a row written by hand) has no rights. */
export function hasRole(role: string, needed: Role): boolean {
  return isRole(role) && RANK[role] >= RANK[needed];
}

/** What each role may do, in words (the dashboard's role picker and the 403 messages). */
export const ROLE_SUMMARY: Record<Role, string> = {
  viewer: "reads configs, keys, logs, analytics and budgets; changes nothing",
  member: "also creates and changes configs, virtual keys and gateway API keys",
  admin: "also manages members, invitations, budgets, prices, admin API keys, workspace settings and reads the audit trail",
  owner: "also deletes the workspace and makes or removes owners",
};
