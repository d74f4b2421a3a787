"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until React has hydrated, submitting would be a native form post: keep the button disabled
  // (which also blocks Enter) so a password is never sent anywhere but through signIn().
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const result = await signIn("credentials", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        redirect: false,
      });
      if (!result || result.error) {
        // Anything but a wrong password is a message from the server: a temporary lock (how long
        // to wait) or "unavailable" (lib/auth/options.ts).
        setError(result?.error === "CredentialsSignin" || !result?.error ? "Wrong email or password." : result.error);
        return;
      }
      // Sanitised again here: this is the navigation an open redirect would abuse.
      router.replace(safeCallbackPath(callbackUrl));
      router.refresh();
    } catch {
      setError("Could not reach the server. Try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} method="post" noValidate>
      {error ? (
        <div role="alert" className="alert-error">
          {error}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="email">Email</label>
        {/* biome-ignore lint/a11y/noAutofocus: the sign-in page has one task; focus starts where it begins */}
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <button type="submit" className="btn btn-primary" disabled={pending || !hydrated}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
