import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Logo } from "@/components/logo";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { getSessionUser } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";
import { LoginForm } from "./login-form";
import { signInErrorMessage } from "./sign-in-errors";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string | string[] }> }) {
  const { callbackUrl, error } = await searchParams;
  const target = safeCallbackPath(callbackUrl);
  if (await getSessionUser()) redirect(target);
  const env = getEnv();
  // Only what the page shows: the button's name, never the client id or secret.
  const sso = env.oidc ? { name: env.oidc.name } : null;
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>
          <Logo /> Sign in to Detour
        </h1>
        <LoginForm
          callbackUrl={target}
          passwordSignIn={env.DETOUR_PASSWORD_SIGN_IN === "on"}
          sso={sso}
          initialError={signInErrorMessage(Array.isArray(error) ? error[0] : error)}
        />
      </div>
    </main>
  );
}
