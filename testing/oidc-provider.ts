/**
 * A real OpenID Connect provider (panva's oidc-provider, the certified implementation) for the
 * single sign-on tests: one confidential client, authorization code + PKCE, and the library's
 * development interactions (a login form that takes any name and password, then a consent form).
 * The name typed as the login is the account: its `sub` (the development interactions make the
 * login the account id) and its `email` (e.g. "alice@corp.example"), with `email_verified: true` and
 * a `name` derived from it unless `accounts` says otherwise. The ID token carries only `sub` (the
 * library's default for the code flow); email and name come from userinfo.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
// ESM only: Node >= 20.19 loads it from CommonJS too (Playwright compiles the e2e setup to CommonJS).
import Provider from "oidc-provider";

export type TestAccountClaims = { email?: string; email_verified?: boolean | "omit"; name?: string };

export type TestOidcOptions = {
  /** Port on 127.0.0.1 (0: any free one). The issuer is http://127.0.0.1:<port>. */
  port?: number;
  clientId: string;
  clientSecret: string;
  /** Detour's callback URLs (`<origin>/api/auth/callback/oidc`). */
  redirectUris: string[];
  /** Claims overriding the defaults for a login name. */
  accounts?: Record<string, TestAccountClaims>;
};

export type TestOidcProvider = {
  issuer: string;
  /** Sets or replaces the claims of a login name while running. */
  setAccount(login: string, claims: TestAccountClaims): void;
  close(): Promise<void>;
};

export async function startOidcProvider(options: TestOidcOptions): Promise<TestOidcProvider> {
  const accounts = new Map(Object.entries(options.accounts ?? {}));
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        // openid-client's default (next-auth does not change it).
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: "test", use: "sig", alg: "RS256" }] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    pkce: { required: () => true },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: true } },
    // Explicit lifetimes (seconds): the library notices every default it falls back to.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_ctx, id) {
      const login = id.trim().toLowerCase();
      return {
        accountId: id,
        async claims() {
          const extra = accounts.get(login) ?? {};
          const email = extra.email ?? login;
          const verified = extra.email_verified ?? true;
          return {
            sub: id,
            email,
            ...(verified === "omit" ? {} : { email_verified: verified }),
            name: extra.name ?? email.split("@")[0]!.replace(/^./, (c: string) => c.toUpperCase()),
          };
        },
      };
    },
  });
  // Plain http on 127.0.0.1: no proxy headers to trust, and no "secure" cookies (the library sets
  // them only for https requests).
  server.on("request", provider.callback());

  return {
    issuer,
    setAccount: (login, claims) => accounts.set(login.trim().toLowerCase(), claims),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
