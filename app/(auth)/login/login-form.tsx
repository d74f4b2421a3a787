"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";

type LoginFormProps = {
  callbackUrl: string;
  /** DETOUR_PASSWORD_SIGN_IN: off shows the single sign-on button alone. */
  passwordSignIn: boolean;
  /** Single sign-on, when DETOUR_OIDC_ISSUER is set: the button reads "Sign in with <name>". */
  sso: { name: string } | null;
  /** A refused sign-in the server sent back (`?error=`), already a sentence (sign-in-errors.ts). */
  initialError: string | null;
};

export function LoginForm({ callbackUrl, passwordSignIn, sso, initialError }: LoginFormProps) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);
  const [ssoPending, setSsoPending] = useState(false);
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

  async function onSso(event: React.MouseEvent<HTMLAnchorElement>) {
    event.preventDefault();
    if (ssoPending || pending || !hydrated) return;
    setSsoPending(true);
    setError(null);
    try {
      // A POST with next-auth's CSRF token, then off to the identity provider; a refusal comes back
      // as /login?error=... (sign-in-errors.ts).
      await signIn("oidc", { callbackUrl: safeCallbackPath(callbackUrl) });
    } catch {
      setError("Could not reach the server. Try again.");
      setSsoPending(false);
    }
  }

  const alert = error ? (
    <div role="alert" className="alert-error">
      {error}
    </div>
  ) : null;

  // A link styled as a button: it leaves for the identity provider. (Before hydration its href,
  // next-auth's GET sign-in page, only comes back here.)
  const ssoLink = sso ? (
    <a
      href={`/api/auth/signin/oidc?callbackUrl=${encodeURIComponent(safeCallbackPath(callbackUrl))}`}
      className="btn btn-primary"
      onClick={onSso}
      aria-disabled={ssoPending || pending || !hydrated}
      style={{ width: "100%", justifyContent: "center", padding: 8, marginBottom: passwordSignIn ? 16 : 0 }}
    >
      {ssoPending ? "Redirecting…" : `Sign in with ${sso.name}`}
    </a>
  ) : null;

  if (!passwordSignIn) {
    return (
      <div>
        {alert}
        {ssoLink}
      </div>
    );
  }

  return (
    <form onSubmit={onSubmit} method="post" noValidate>
      {alert}
      {ssoLink}
      {sso ? (
        <p className="muted" style={{ textAlign: "center", margin: "0 0 12px" }}>
          or with your email and password
        </p>
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
