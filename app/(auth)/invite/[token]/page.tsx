import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/logo";
import { describeInvite } from "@/lib/api/invite-accept";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/auth/change-password";
import { getSessionIdentity } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";
import { InviteActions } from "./invite-actions";

export const metadata: Metadata = { title: "Invitation", robots: { index: false, follow: false } };
export const dynamic = "force-dynamic";

/**
 * An invitation link (`/invite/<token>`), outside the dashboard's guard: what it invites to, and the
 * one way forward for whoever opens it (join, sign out, sign in, or create an account), or why the
 * link no longer works. Accepting is `POST /api/invites/accept` (lib/api/invite-accept.ts).
 */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [invite, identity] = await Promise.all([describeInvite(token), getSessionIdentity()]);
  const env = getEnv();
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>
          <Logo /> Invitation
        </h1>
        {invite.ok ? (
          <>
            <p>
              {invite.invitedBy ? <>{invite.invitedBy} invited </> : "You are invited: "}
              <strong>{invite.email}</strong> to join <strong>{invite.workspaceName}</strong> as {/^[aeiou]/.test(invite.role) ? "an" : "a"}{" "}
              <strong>{invite.role}</strong>.
            </p>
            <p className="muted">The link works once; it expires on {new Date(invite.expiresAt).toUTCString()}.</p>
            <InviteActions
              token={token}
              workspaceName={invite.workspaceName}
              invitedEmail={invite.email}
              signedInAs={identity?.email ?? null}
              userExists={invite.userExists}
              passwordSignUp={env.DETOUR_PASSWORD_SIGN_IN !== "off"}
              ssoName={env.oidc ? env.oidc.name : null}
              minLength={PASSWORD_MIN_LENGTH}
              maxLength={PASSWORD_MAX_LENGTH}
            />
          </>
        ) : (
          <>
            <div role="alert" className="alert-error">
              {invite.message}
            </div>
            <p>
              <Link href="/login">Go to sign-in</Link>
            </p>
          </>
        )}
      </div>
    </main>
  );
}
