import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Logo } from "@/components/logo";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { getSessionUser } from "@/lib/auth/session";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  const target = safeCallbackPath(callbackUrl);
  if (await getSessionUser()) redirect(target);
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>
          <Logo /> Sign in to Detour
        </h1>
        <LoginForm callbackUrl={target} />
      </div>
    </main>
  );
}
