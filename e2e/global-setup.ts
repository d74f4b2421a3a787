/**
 * Refuses to run the end-to-end suite against anything but a local database (the suite creates
 * and deletes data freely), and runs the OpenID Connect provider the single sign-on specs sign in
 * through (playwright.config.ts E2E_OIDC); the returned function stops it after the run.
 */
import { E2E_OIDC, E2E_PORT } from "../playwright.config";
import { startOidcProvider } from "../testing/oidc-provider";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL?.trim();
  if (url && !url.startsWith("file:")) {
    const host = new URL(url).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
      throw new Error(`Refusing to run e2e tests against a non-local database (${host}).`);
    }
  }
  const oidc = await startOidcProvider({
    port: E2E_OIDC.port,
    clientId: E2E_OIDC.clientId,
    clientSecret: E2E_OIDC.clientSecret,
    redirectUris: [`http://localhost:${E2E_PORT}/api/auth/callback/oidc`, `http://127.0.0.1:${E2E_PORT}/api/auth/callback/oidc`],
    accounts: { "unverified@corp.example": { email_verified: false } },
  });
  return () => oidc.close();
}
