"use client";

import { createContext, useContext } from "react";
import { hasRole, type Role } from "@/lib/auth/roles";
import { roleRefusal } from "@/lib/dashboard/team-input";

/**
 * The signed-in user's role in the workspace on screen, for the dashboard's client components: the
 * layout provides it (`<RoleProvider>`), `useRole()`/`useCan()` read it, `<Can>` shows an action
 * only to those who may take it and `<RoleNote>` says why it is missing. The management API checks
 * every write on its own (lib/api/handler.ts): this only keeps the dashboard from offering what the
 * API would refuse. Server components use `<Can>` too (their children pass through it).
 */
const RoleContext = createContext<Role>("viewer");

export function RoleProvider({ role, children }: { role: Role; children: React.ReactNode }) {
  return <RoleContext value={role}>{children}</RoleContext>;
}

/** The role in the current workspace (viewer outside a provider: the least rights, never more). */
export function useRole(): Role {
  return useContext(RoleContext);
}

export function useCan(needed: Role): boolean {
  return hasRole(useRole(), needed);
}

/**
 * `children` for those with the role `need` or above; for others `fallback` (nothing by default), or with
 * `disable`, the children inside a disabled fieldset (every control of a form read-only, values
 * still visible) titled with the reason.
 */
export function Can({
  need,
  children,
  fallback = null,
  disable = false,
  what,
}: {
  need: Role;
  children: React.ReactNode;
  fallback?: React.ReactNode;
  disable?: boolean;
  /** The thing withheld, for the reason's words ("budgets"). */
  what?: string;
}) {
  const current = useRole();
  const refusal = roleRefusal(current, need, what);
  if (!refusal) return <>{children}</>;
  if (!disable) return <>{fallback}</>;
  return (
    <fieldset className="role-disabled" disabled title={refusal}>
      {children}
    </fieldset>
  );
}

/**
 * The sentence a page or dialog shows where it withholds actions ("Viewers can't change anything;
 * ask an admin."), or nothing when the role suffices.
 */
export function RoleNote({ need, what, className }: { need: Role; what?: string; className?: string }) {
  const refusal = roleRefusal(useRole(), need, what);
  if (!refusal) return null;
  return <p className={["role-note", className].filter(Boolean).join(" ")}>{refusal}</p>;
}
