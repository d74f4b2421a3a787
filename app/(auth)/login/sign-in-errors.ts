/**
 * The sign-in page's `?error=` codes (next-auth's own, and lib/auth/oidc.ts's `sso_*` refusals) as
 * sentences. Only these are ever shown: the parameter comes from a URL anyone can craft, so an
 * unknown code gets the generic sentence, never its own text.
 */
const MESSAGES: Record<string, string> = {
  sso_domain_not_allowed:
    "Single sign-on refused: accounts from your email domain may not sign in to Detour. Use an account from an allowed domain, or ask an admin.",
  sso_no_invitation: "Single sign-on refused: you do not have access to Detour yet. Ask an admin for an invitation.",
  sso_email_not_verified:
    "Single sign-on refused: your identity provider did not confirm that your email address is verified. Verify it there, or ask an admin.",
  sso_no_email: "Single sign-on refused: your identity provider did not share an email address, which Detour needs.",
  sso_account_linked_elsewhere: "Single sign-on refused: the Detour account with your email is linked to another single sign-on identity.",
  sso_unavailable: "Sign-in is unavailable right now. Try again in a moment.",
  OAuthSignin: "The single sign-on provider could not be reached. Try again in a moment; if it persists, tell an admin.",
  OAuthCallback:
    "Single sign-on did not complete: the identity provider refused or could not be reached, or the sign-in was cancelled. Try again.",
  Callback: "Single sign-on did not complete. Try again.",
  AccessDenied: "Sign-in refused.",
  Configuration: "Sign-in is misconfigured on the server. Tell an admin.",
  CredentialsSignin: "Wrong email or password.",
  SessionRequired: "Sign in to continue.",
};

export const GENERIC_SIGN_IN_ERROR = "Sign-in failed. Try again.";

export function signInErrorMessage(code: string | undefined): string | null {
  if (!code) return null;
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code]! : GENERIC_SIGN_IN_ERROR;
}
