import type { Metadata } from "next";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@/lib/auth/change-password";
import { requireSession } from "@/lib/auth/session";
import { ChangePasswordForm } from "./_components/change-password-form";

export const metadata: Metadata = { title: "Account" };

/** The signed-in user's account: who they are, and a password change that ends their other sessions. */
export default async function AccountPage() {
  const user = await requireSession("/account");
  return (
    <>
      <header className="page-header">
        <div>
          <h1>Account</h1>
          <p className="page-sub">
            Signed in as <strong>{user.email}</strong> in workspace <strong>{user.workspaceName}</strong>.
          </p>
        </div>
      </header>
      <section className="panel" aria-labelledby="change-password">
        <h2 id="change-password">Change password</h2>
        <p className="field-hint">
          Changing your password signs you out everywhere else (other browsers and copies of this session); this browser stays signed in.
        </p>
        <ChangePasswordForm minLength={PASSWORD_MIN_LENGTH} maxLength={PASSWORD_MAX_LENGTH} />
      </section>
    </>
  );
}
