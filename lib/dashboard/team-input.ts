/**
 * The team pages' rules and words (members, invitations, the workspace's settings and selector):
 * which roles someone may hand out, whose membership they may change, why an action is withheld,
 * what deleting a workspace loses, and where a switch of workspace lands. They mirror what the
 * management API enforces (docs/MANAGEMENT-API.md, "Roles"), so the dashboard offers only what the
 * API would accept; the API stays the judge. Imports only the dependency-free roles module: it runs
 * in the browser and on the server.
 */
import { hasRole, ROLES, type Role } from "../auth/roles";

/** The roles someone with `actor` may give (a role select, an invitation): an owner any, an admin up to admin, others none. */
export function assignableRoles(actor: Role): Role[] {
  if (actor === "owner") return [...ROLES];
  if (actor === "admin") return ROLES.filter((r) => r !== "owner");
  return [];
}

/**
 * Whether `actor` may change the role of, or remove, `member`: admins manage members, an owner's
 * membership only an owner changes, and no one changes their own (another admin does: the API
 * refuses it, and a slip would lock you out).
 */
export function canManageMember(actor: { id: string; role: Role }, member: { id: string; role: string }): boolean {
  if (actor.id === member.id || !hasRole(actor.role, "admin")) return false;
  return member.role !== "owner" || actor.role === "owner";
}

/**
 * Why the signed-in user cannot do something that needs `needed`, or null when they can. `what`
 * names the thing for an admin- or owner-only action ("budgets", "prices").
 */
export function roleRefusal(role: Role, needed: Role, what = "this"): string | null {
  if (hasRole(role, needed)) return null;
  if (role === "viewer") return "Viewers can't change anything; ask an admin.";
  if (needed === "owner") return `Only an owner can manage ${what}; ask one.`;
  return `Only an admin can manage ${what}; ask an admin.`;
}

/** "1 config", "3 virtual keys". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? singular : plural}`;
}

/** A workspace's contents as `GET /v1/workspaces/{id}` counts them. */
export type WorkspaceCounts = { members: number; configs: number; virtual_keys: number; api_keys: number; logs: number; invites: number };

/** What deleting a workspace loses, in words, biggest losses first in a fixed order people can scan. */
export function workspaceLosses(counts: WorkspaceCounts): string[] {
  return [
    countOf(counts.configs, "config"),
    countOf(counts.virtual_keys, "virtual key"),
    countOf(counts.api_keys, "API key"),
    countOf(counts.members, "member"),
    countOf(counts.logs, "request log"),
    countOf(counts.invites, "invitation"),
  ];
}

/**
 * Where a switch of workspace lands: the same section of the dashboard (`/configs/pc-abc` ->
 * `/configs`), since the item on screen belongs to the workspace left behind.
 */
export function sectionOf(pathname: string): string {
  const first = pathname.split("/").find(Boolean);
  return first ? `/${first}` : "/";
}

/** The workspace a user lands in after leaving or deleting `leaving`: the default one if they belong to it, else their oldest. */
export function nextWorkspace<T extends { workspaceId: string; isDefault: boolean }>(workspaces: readonly T[], leaving: string): T | null {
  const rest = workspaces.filter((w) => w.workspaceId !== leaving);
  return rest.find((w) => w.isDefault) ?? rest[0] ?? null;
}

/** The invitation dialog's expiry choices (hours), a week by default. */
export const INVITE_EXPIRY_CHOICES: readonly { value: string; label: string }[] = [
  { value: "24", label: "1 day" },
  { value: "72", label: "3 days" },
  { value: "168", label: "7 days" },
  { value: "336", label: "14 days" },
];
export const DEFAULT_INVITE_EXPIRY_HOURS = "168";

/** What `POST /v1/invites` answers about mail: not configured, sent, or failed with a reason. */
export type InviteMail = null | { sent: true } | { sent: false; error?: string };

/** The sentence under a new invitation's link: whether Detour mailed it, and what to do if not. */
export function inviteMailWords(mail: InviteMail, email: string): { tone: "ok" | "info" | "danger"; text: string } {
  if (mail === null) return { tone: "info", text: `No mail server is configured (DETOUR_SMTP_URL): send this link to ${email} yourself.` };
  if (mail.sent) return { tone: "ok", text: `Mailed to ${email}. You can also send the link yourself.` };
  return { tone: "danger", text: `Mailing it to ${email} failed${mail.error ? ` (${mail.error})` : ""}: send the link yourself.` };
}

/** A role as the tables show it ("Owner"). */
export function roleLabel(role: string): string {
  return role ? role[0]!.toUpperCase() + role.slice(1) : role;
}
