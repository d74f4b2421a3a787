import Link from "next/link";
import { Logo } from "@/components/logo";
import { requireSession } from "@/lib/auth/session";
import { NavLinks } from "./_components/nav-links";
import { NavShell } from "./_components/nav-shell";
import { RoleProvider } from "./_components/role";
import { SignOutButton } from "./_components/sign-out-button";
import { WorkspaceSelector } from "./_components/workspace-selector";

// Every page under the dashboard needs a session: this layout is the guard (getSessionUser also
// refuses signed-out sessions and those from before a password change: lib/auth/session-state.ts).
export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const user = await requireSession();
  const choice = (w: { workspaceId: string; workspaceName: string; role: string }) => ({
    workspaceId: w.workspaceId,
    workspaceName: w.workspaceName,
    role: w.role,
  });
  return (
    // The role in the workspace on screen: client components hide or disable what it may not do (./_components/role.tsx).
    <RoleProvider role={user.role}>
      <div className="shell">
        {/* The workspace this page shows: the dashboard's writes name it (lib/browser/submit-json.ts). */}
        <meta name="detour-workspace" content={user.workspaceId} />
        {/* The first stop of the Tab key: past the navigation, to the page. */}
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <NavShell
          brand={
            <>
              <Logo /> Detour
            </>
          }
        >
          <WorkspaceSelector current={choice(user)} workspaces={user.workspaces.map(choice)} />
          <NavLinks />
          <div className="account">
            <Link href="/account" title="Signed in as: your account">
              {user.email}
            </Link>
            <SignOutButton />
          </div>
        </NavShell>
        <main id="main" tabIndex={-1} className="main">
          {children}
        </main>
      </div>
    </RoleProvider>
  );
}
