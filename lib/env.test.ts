import { describe, expect, it } from "vitest";
import path from "node:path";
import { EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("defaults to SQLite under ./data on port 3000", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.dataDir).toBe(path.resolve("data"));
    expect(env.database).toEqual({ kind: "sqlite", file: path.resolve("data/detour.db") });
  });
  it("switches to PostgreSQL when DATABASE_URL says so, and parses the private-host allow list", () => {
    const env = parseEnv({ DATABASE_URL: "postgresql://u@127.0.0.1:5432/db", DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1, LocalHost ,," });
    expect(env.database).toEqual({ kind: "postgresql", url: "postgresql://u@127.0.0.1:5432/db" });
    expect(env.allowedPrivateHosts).toEqual(["127.0.0.1", "localhost"]);
    expect(parseEnv({ DATABASE_URL: "file:/tmp/x.db" }).database).toEqual({ kind: "sqlite", file: "/tmp/x.db" });
  });
  it("names every bad variable and hides secret values", () => {
    let error: unknown;
    try {
      parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://x", DETOUR_ADMIN_API_KEY: "short-secret", DETOUR_ADMIN_EMAIL: "not-an-email" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toMatch(/PORT .*"eighty"/);
    expect(message).toMatch(/DATABASE_URL must be a postgresql:\/\/\.\.\. URL/);
    expect(message).toMatch(/DETOUR_ADMIN_API_KEY must be at least 20 characters \(got \(value hidden\)\)/);
    expect(message).toMatch(/DETOUR_ADMIN_EMAIL must be an email address/);
    expect(message).not.toContain("short-secret");
    expect((error as EnvError).problems).toHaveLength(4);
  });
  it("reads DETOUR_OTEL_CAPTURE_BODIES: false by default, true or false, anything else named", () => {
    expect(parseEnv({}).DETOUR_OTEL_CAPTURE_BODIES).toBe(false);
    expect(parseEnv({ DETOUR_OTEL_CAPTURE_BODIES: " TRUE " }).DETOUR_OTEL_CAPTURE_BODIES).toBe(true);
    expect(parseEnv({ DETOUR_OTEL_CAPTURE_BODIES: "false" }).DETOUR_OTEL_CAPTURE_BODIES).toBe(false);
    expect(parseEnv({ DETOUR_OTEL_CAPTURE_BODIES: "" }).DETOUR_OTEL_CAPTURE_BODIES).toBe(false);
    expect(() => parseEnv({ DETOUR_OTEL_CAPTURE_BODIES: "yes" })).toThrow(/DETOUR_OTEL_CAPTURE_BODIES/);
  });
  it("treats empty values as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", DETOUR_ADMIN_PASSWORD: " " }).database.kind).toBe("sqlite");
    expect(parseEnv({ DETOUR_METRICS_PORT: "" }).DETOUR_METRICS_PORT).toBeUndefined();
  });
  it("parses the metrics listener's port and host (loopback by default)", () => {
    expect(parseEnv({ DETOUR_METRICS_PORT: "9464" })).toMatchObject({ DETOUR_METRICS_PORT: 9464, DETOUR_METRICS_HOST: "127.0.0.1" });
    expect(parseEnv({ DETOUR_METRICS_PORT: "9464", DETOUR_METRICS_HOST: "0.0.0.0" }).DETOUR_METRICS_HOST).toBe("0.0.0.0");
    expect(() => parseEnv({ DETOUR_METRICS_PORT: "70000" })).toThrow(/DETOUR_METRICS_PORT .*"70000"/);
  });
  it("bounds the upstream attempts of one request (1 to 20, default 20)", () => {
    expect(parseEnv({}).DETOUR_MAX_UPSTREAM_ATTEMPTS).toBe(20);
    expect(parseEnv({ DETOUR_MAX_UPSTREAM_ATTEMPTS: "3" }).DETOUR_MAX_UPSTREAM_ATTEMPTS).toBe(3);
    expect(() => parseEnv({ DETOUR_MAX_UPSTREAM_ATTEMPTS: "21" })).toThrow(
      /DETOUR_MAX_UPSTREAM_ATTEMPTS must be a whole number from 1 to 20 \(a valid config never plans more than 20\) \(got "21"\)/,
    );
    expect(() => parseEnv({ DETOUR_MAX_UPSTREAM_ATTEMPTS: "0" })).toThrow(
      /DETOUR_MAX_UPSTREAM_ATTEMPTS must be a whole number from 1 to 20/,
    );
    expect(() => parseEnv({ DETOUR_MAX_UPSTREAM_ATTEMPTS: "lots" })).toThrow(/DETOUR_MAX_UPSTREAM_ATTEMPTS must be a whole number/);
  });
  it("reads the budget alerts' webhook: off by default, a secret required with the URL", () => {
    expect(parseEnv({}).alertWebhook).toBeNull();
    const env = parseEnv({
      DETOUR_ALERT_WEBHOOK_URL: "https://hooks.example.com/detour/T0KEN",
      DETOUR_ALERT_WEBHOOK_SECRET: "whsec_0123456789abcdef",
    });
    expect(env.alertWebhook).toEqual({ url: "https://hooks.example.com/detour/T0KEN", secret: "whsec_0123456789abcdef" });
    expect(() => parseEnv({ DETOUR_ALERT_WEBHOOK_URL: "https://hooks.example.com/x" })).toThrow(
      "DETOUR_ALERT_WEBHOOK_SECRET is required when DETOUR_ALERT_WEBHOOK_URL is set",
    );
    expect(() =>
      parseEnv({ DETOUR_ALERT_WEBHOOK_URL: "https://hooks.example.com/x", DETOUR_ALERT_WEBHOOK_SECRET: "short-secret" }),
    ).toThrow(/DETOUR_ALERT_WEBHOOK_SECRET must be at least 16 characters \(got \(value hidden\)\)/);
  });
  it("holds the webhook URL to the custom_host rule, without echoing the URL", () => {
    const secret = { DETOUR_ALERT_WEBHOOK_SECRET: "whsec_0123456789abcdef" };
    const problems = (url: string, allowed?: string) => {
      try {
        parseEnv({ ...secret, DETOUR_ALERT_WEBHOOK_URL: url, DETOUR_ALLOWED_PRIVATE_HOSTS: allowed });
      } catch (err) {
        expect(err).toBeInstanceOf(EnvError);
        return (err as EnvError).problems;
      }
      return [];
    };
    expect(problems("ftp://hooks.example.com/T0KEN")).toEqual(["DETOUR_ALERT_WEBHOOK_URL must be an http(s) URL (got a ftp: URL)"]);
    expect(problems("hooks.example.com/T0KEN")).toEqual([
      "DETOUR_ALERT_WEBHOOK_URL must be an http(s) URL (got a value that is not a URL)",
    ]);
    expect(problems("https://user:pw@hooks.example.com/T0KEN")).toEqual([
      'DETOUR_ALERT_WEBHOOK_URL must not contain a user name or password ("https://hooks.example.com" with user info was given)',
    ]);
    expect(problems("http://10.1.2.3:8080/T0KEN")).toEqual([
      'DETOUR_ALERT_WEBHOOK_URL host "10.1.2.3" is a private address; loopback, private, link-local and other special-purpose ' +
        "addresses are refused unless the host is listed in DETOUR_ALLOWED_PRIVATE_HOSTS",
    ]);
    expect(problems("http://10.1.2.3:8080/T0KEN", "10.1.2.3")).toEqual([]);
    // A name is resolved when Detour connects, not at start.
    expect(problems("http://alerts.internal/T0KEN")).toEqual([]);
    expect(problems("ftp://x/T0KEN").join(" ")).not.toContain("T0KEN");
  });
  it("reads single sign-on: off by default; the issuer needs its client, password sign-in off needs SSO", () => {
    const env = parseEnv({});
    expect(env.oidc).toBeNull();
    expect(env.DETOUR_PASSWORD_SIGN_IN).toBe("on");
    expect(env.DETOUR_OIDC_DEFAULT_ROLE).toBe("viewer");
    const sso = {
      DETOUR_OIDC_ISSUER: "https://login.corp.example/realms/detour/",
      DETOUR_OIDC_CLIENT_ID: "detour",
      DETOUR_OIDC_CLIENT_SECRET: "client-secret-0123",
    };
    expect(
      parseEnv({ ...sso, DETOUR_OIDC_ALLOWED_DOMAINS: " Corp.example, @sub.corp.example ,", DETOUR_PASSWORD_SIGN_IN: "off" }).oidc,
    ).toEqual({
      issuer: "https://login.corp.example/realms/detour",
      clientId: "detour",
      clientSecret: "client-secret-0123",
      name: "SSO",
      allowedDomains: ["corp.example", "sub.corp.example"],
    });
    expect(parseEnv({ ...sso, DETOUR_OIDC_NAME: "Okta" }).oidc?.name).toBe("Okta");

    const problems = (source: Record<string, string>) => {
      try {
        parseEnv(source);
      } catch (err) {
        expect(err).toBeInstanceOf(EnvError);
        return (err as EnvError).problems;
      }
      return [];
    };
    expect(problems({ DETOUR_OIDC_ISSUER: sso.DETOUR_OIDC_ISSUER })).toEqual([
      "DETOUR_OIDC_CLIENT_ID is required when DETOUR_OIDC_ISSUER is set",
      "DETOUR_OIDC_CLIENT_SECRET is required when DETOUR_OIDC_ISSUER is set",
    ]);
    expect(problems({ DETOUR_OIDC_ISSUER: sso.DETOUR_OIDC_ISSUER, DETOUR_OIDC_CLIENT_ID: "detour" })).toEqual([
      "DETOUR_OIDC_CLIENT_SECRET is required when DETOUR_OIDC_ISSUER is set",
    ]);
    expect(problems({ DETOUR_OIDC_CLIENT_ID: "detour", DETOUR_OIDC_CLIENT_SECRET: "x" })).toEqual([
      "DETOUR_OIDC_CLIENT_ID and DETOUR_OIDC_CLIENT_SECRET need DETOUR_OIDC_ISSUER (the OpenID Connect issuer URL)",
    ]);
    expect(problems({ DETOUR_PASSWORD_SIGN_IN: "off" })).toEqual([
      "DETOUR_PASSWORD_SIGN_IN=off needs single sign-on (DETOUR_OIDC_ISSUER): otherwise no one could sign in",
    ]);
    expect(problems({ ...sso, DETOUR_OIDC_ALLOWED_DOMAINS: "corp.example,not a domain" })).toEqual([
      'DETOUR_OIDC_ALLOWED_DOMAINS: "not a domain" is not a domain',
    ]);
    expect(problems({ DETOUR_OIDC_ISSUER: "login.corp.example" })[0]).toMatch(/^DETOUR_OIDC_ISSUER must be an http\(s\) URL/);
    expect(problems({ ...sso, DETOUR_OIDC_DEFAULT_ROLE: "owner" })[0]).toMatch(/^DETOUR_OIDC_DEFAULT_ROLE /);
    expect(problems({ ...sso, DETOUR_PASSWORD_SIGN_IN: "no" })[0]).toMatch(/^DETOUR_PASSWORD_SIGN_IN /);
    // The client secret is never echoed.
    expect(problems({ DETOUR_OIDC_CLIENT_SECRET: "s3cret-value" }).join(" ")).not.toContain("s3cret-value");
  });
});
