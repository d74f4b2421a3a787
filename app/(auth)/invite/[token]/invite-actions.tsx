"use client";

import { signIn, signOut } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

type Props = {
  token: string;
  workspaceName: string;
  invitedEmail: string;
  /** The signed-in user's email, or null. */
  signedInAs: string | null;
  /** An account with the invited email exists. */
  userExists: boolean;
  /** Password accounts may be created (DETOUR_PASSWORD_SIGN_IN is not off). */
  passwordSignUp: boolean;
  /** Single sign-on's button label (DETOUR_OIDC_NAME), or null when it is not configured. */
  ssoName: string | null;
  minLength: number;
  maxLength: number;
};

type Answer = { ok: true; body: { workspace_id: string } } | { ok: false; message: string; param: string | null };

async function acceptInvite(body: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch("/api/invites/accept", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    if (res.ok) return { ok: true, body: json };
    return { ok: false, message: json?.error?.message ?? `The server answered ${res.status}.`, param: json?.error?.param ?? null };
  } catch {
    return { ok: false, message: "Could not reach the server. Try again.", param: null };
  }
}

/** The one way forward for whoever opened the link (see the page). */
export function InviteActions(props: Props) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const here = `/invite/${props.token}`;
  const alert = error ? (
    <div role="alert" className="alert-error">
      {error}
    </div>
  ) : null;

  if (props.signedInAs && props.signedInAs.toLowerCase() === props.invitedEmail.toLowerCase()) {
    const join = async () => {
      setPending(true);
      setError(null);
      const answer = await acceptInvite({ token: props.token });
      if (!answer.ok) {
        setError(answer.message);
        setPending(false);
        return;
      }
      router.replace("/");
      router.refresh();
    };
    return (
      <>
        {alert}
        <button type="button" className="btn btn-primary" disabled={pending || !hydrated} onClick={join}>
          {pending ? "Joining…" : `Join ${props.workspaceName}`}
        </button>
      </>
    );
  }

  if (props.signedInAs) {
    return (
      <>
        <p>
          You are signed in as <strong>{props.signedInAs}</strong>. This invitation is for <strong>{props.invitedEmail}</strong>: sign out,
          then open the link again to accept it.
        </p>
        <button type="button" className="btn btn-primary" disabled={!hydrated} onClick={() => signOut({ callbackUrl: here })}>
          Sign out
        </button>
      </>
    );
  }

  if (props.userExists) {
    return (
      <>
        <p>An account with {props.invitedEmail} exists: sign in to accept the invitation.</p>
        <Link className="btn btn-primary" href={`/login?callbackUrl=${encodeURIComponent(here)}`}>
          Sign in to accept
        </Link>
      </>
    );
  }

  const createAccount = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!name) return setError("Enter your name.");
    if (password.length < props.minLength) return setError(`The password must be at least ${props.minLength} characters.`);
    if (password !== String(form.get("confirm") ?? "")) return setError("The two passwords differ.");
    setPending(true);
    setError(null);
    const answer = await acceptInvite({ token: props.token, name, password });
    if (!answer.ok) {
      setError(answer.message);
      setPending(false);
      return;
    }
    const result = await signIn("credentials", { email: props.invitedEmail, password, redirect: false });
    if (!result || result.error) {
      // The account exists now: the sign-in page finishes the job.
      router.replace(`/login?callbackUrl=${encodeURIComponent("/")}`);
      return;
    }
    router.replace("/");
    router.refresh();
  };

  return (
    <>
      {alert}
      {props.passwordSignUp ? (
        <form onSubmit={createAccount} method="post" noValidate>
          <div className="field">
            <label htmlFor="invite-email">Email</label>
            <input id="invite-email" type="email" value={props.invitedEmail} readOnly autoComplete="username" />
          </div>
          <div className="field">
            <label htmlFor="invite-name">Your name</label>
            <input id="invite-name" name="name" autoComplete="name" maxLength={100} required />
          </div>
          <div className="field">
            <label htmlFor="invite-password">Password</label>
            <input
              id="invite-password"
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={props.minLength}
              maxLength={props.maxLength}
              required
              aria-describedby="invite-password-hint"
            />
            <div id="invite-password-hint" className="muted">
              At least {props.minLength} characters.
            </div>
          </div>
          <div className="field">
            <label htmlFor="invite-confirm">Password again</label>
            <input id="invite-confirm" name="confirm" type="password" autoComplete="new-password" maxLength={props.maxLength} required />
          </div>
          <button type="submit" className="btn btn-primary" disabled={pending || !hydrated}>
            {pending ? "Creating your account…" : `Create account and join ${props.workspaceName}`}
          </button>
        </form>
      ) : null}
      {props.ssoName ? (
        <p>
          <button type="button" className="btn" disabled={!hydrated} onClick={() => signIn("oidc", { callbackUrl: here })}>
            Continue with {props.ssoName}
          </button>
        </p>
      ) : null}
      {!props.passwordSignUp && !props.ssoName ? <p className="muted">Ask an admin how to sign in to this Detour.</p> : null}
    </>
  );
}
