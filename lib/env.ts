/**
 * The environment, parsed once with zod. A bad value stops start-up with a message naming it.
 * Import `getEnv()` on the server only.
 */
import path from "node:path";
import { z } from "zod";
import { MAX_UPSTREAM_ATTEMPTS } from "./gateway/config/limits";
import { checkCustomHostWithoutDns } from "./gateway/upstream/custom-host";
import { getRuntime } from "./runtime";

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** The address Detour's HTTP server binds (scripts/server.ts); unset: every interface. */
  DETOUR_HOST: optionalString,
  /**
   * What this process serves (scripts/server.ts): "all" (the default) the dashboard, the management
   * API and inference; "gateway" the inference routes, /api/health and /metrics only, without
   * loading Next.js (a data-plane replica beside one or more "all" instances on the same database).
   */
  DETOUR_ROLE: z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim().toLowerCase()) : v),
    z
      .enum(["all", "gateway"], {
        error: 'must be "all" (the default: everything) or "gateway" (inference, /api/health and /metrics only)',
      })
      .default("all"),
  ),
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^(postgres|postgresql):\/\//.test(v) || v.startsWith("file:"),
    "must be a postgresql://... URL, or file:<path> for SQLite (leave unset for ./data/detour.db)",
  ),
  DETOUR_DATA_DIR: optionalString,
  DETOUR_ENCRYPTION_KEY: optionalString,
  DETOUR_ADMIN_EMAIL: optionalString.refine((v) => v === undefined || z.email().safeParse(v).success, "must be an email address"),
  DETOUR_ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || v.length >= 8, "must be at least 8 characters"),
  DETOUR_ADMIN_API_KEY: optionalString.refine((v) => v === undefined || v.length >= 20, "must be at least 20 characters"),
  NEXTAUTH_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  NEXTAUTH_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), "must be an http(s) URL"),
  DETOUR_ALLOWED_PRIVATE_HOSTS: optionalString,
  DETOUR_METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, "must be at least 16 characters"),
  /** When set, GET /metrics is also served on this port by a plain node:http listener (for a scraper on an internal network). */
  DETOUR_METRICS_PORT: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  DETOUR_METRICS_HOST: optionalString.transform((v) => v ?? "127.0.0.1"),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL"),
  /** Prefix of Detour's Redis keys and channels (`<prefix>:invalidate`), so several deployments or test runs can share one Redis. */
  DETOUR_REDIS_PREFIX: optionalString
    .refine((v) => v === undefined || /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/.test(v), "must be 1-64 letters, digits, ':', '.', '_' or '-'")
    .transform((v) => v ?? "detour"),
  DETOUR_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(20 * 1024 * 1024),
  /**
   * Upstream attempts one request may make, retries included (the router's budget). Every valid
   * config fits in MAX_UPSTREAM_ATTEMPTS (20); a lower value stops longer plans at run time with 502
   * attempt_budget_exhausted.
   */
  DETOUR_MAX_UPSTREAM_ATTEMPTS: z.coerce
    .number({ error: `must be a whole number from 1 to ${MAX_UPSTREAM_ATTEMPTS}` })
    .int({ error: `must be a whole number from 1 to ${MAX_UPSTREAM_ATTEMPTS}` })
    .min(1, { error: `must be a whole number from 1 to ${MAX_UPSTREAM_ATTEMPTS}` })
    .max(MAX_UPSTREAM_ATTEMPTS, {
      error: `must be a whole number from 1 to ${MAX_UPSTREAM_ATTEMPTS} (a valid config never plans more than ${MAX_UPSTREAM_ATTEMPTS})`,
    })
    .default(MAX_UPSTREAM_ATTEMPTS),
  /** Total time allowed to receive a request body; past it: 408 request_body_timeout. */
  DETOUR_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  /** Largest total size of `<dataDir>/log-spill/` (request logs kept on disk while the database is down); 0 turns spilling off. */
  DETOUR_LOG_SPILL_MAX_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024)
    .default(1024),
  /** Request logs queued in memory above which, while the database fails, the oldest go to the spill file (max queue: 10000). */
  DETOUR_LOG_SPILL_HIGH_WATER: z.coerce.number().int().min(200).max(9_000).default(1_000),
  /**
   * How many reverse proxies in front of Detour append the client's address to X-Forwarded-For
   * (0, the default: the header is ignored and the TCP peer's address is used). Sign-in throttling
   * per address takes the address that many hops from the socket (lib/auth/client-address.ts).
   */
  DETOUR_TRUST_PROXY: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce
      .number({ error: "must be the number of reverse proxies in front of Detour (0-10)" })
      .int("must be a whole number of proxies (0-10)")
      .min(0)
      .max(10)
      .default(0),
  ),
  /**
   * Budget alerts' webhook (docs/GATEWAY.md §12.4): each alert is POSTed here, signed with
   * DETOUR_ALERT_WEBHOOK_SECRET (required with it). Held to the custom_host private-address rule.
   */
  DETOUR_ALERT_WEBHOOK_URL: optionalString,
  DETOUR_ALERT_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, "must be at least 16 characters"),
  /** Days an audit event is kept (docs/MANAGEMENT-API.md, audit trail); 0 keeps every event. */
  DETOUR_AUDIT_RETENTION_DAYS: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce.number().int().min(0).max(36500).default(365),
  ),
  /**
   * Days a request log (with its attempts and metadata) is kept (docs/GATEWAY.md, log retention);
   * 0 keeps every log. A workspace may override it (Workspace.logRetentionDays).
   */
  DETOUR_LOG_RETENTION_DAYS: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce.number().int().min(0).max(36500).default(30),
  ),
  /** Days the analytics rollups are kept (longer than the raw logs they summarise); 0 keeps them all. */
  DETOUR_ROLLUP_RETENTION_DAYS: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.coerce.number().int().min(0).max(36500).default(400),
  ),
  /** Invitations are also mailed through this server (smtp://user:pass@host:port, smtps://...); unset: the admin copies the link. */
  DETOUR_SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), "must be an smtp:// or smtps:// URL"),
  /** The From address of Detour's mail. */
  DETOUR_SMTP_FROM: optionalString.transform((v) => v ?? "Detour <detour@localhost>"),
  /** Single sign-on (OpenID Connect): the issuer URL, with the client id and secret registered there. */
  DETOUR_OIDC_ISSUER: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), "must be an http(s) URL"),
  DETOUR_OIDC_CLIENT_ID: optionalString,
  DETOUR_OIDC_CLIENT_SECRET: optionalString,
  /** The sign-in button's words ("Sign in with <name>"). */
  DETOUR_OIDC_NAME: optionalString.transform((v) => v ?? "SSO"),
  /** Comma-separated email domains SSO users may come from; unset: any domain. */
  DETOUR_OIDC_ALLOWED_DOMAINS: optionalString,
  /** The role a new SSO user gets in the default workspace; "none": only invited users get in. */
  DETOUR_OIDC_DEFAULT_ROLE: z.enum(["none", "viewer", "member", "admin"]).default("viewer"),
  /** "off" turns password sign-in off (SSO only; needs DETOUR_OIDC_ISSUER). */
  DETOUR_PASSWORD_SIGN_IN: z.enum(["on", "off"]).default("on"),
  /**
   * OpenTelemetry traces (on with OTEL_EXPORTER_OTLP_ENDPOINT, lib/tracing): "true" adds the request
   * and response bodies, as the log row holds them (redacted, bounded), to the request's span.
   */
  DETOUR_OTEL_CAPTURE_BODIES: z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim().toLowerCase()) : v),
    z
      .enum(["true", "false"], { error: 'must be "true" or "false"' })
      .default("false")
      .transform((v) => v === "true"),
  ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type RawEnv = z.infer<typeof envSchema>;

export type Env = RawEnv & {
  dataDir: string;
  database: { kind: "sqlite"; file: string } | { kind: "postgresql"; url: string };
  allowedPrivateHosts: string[];
  /** DETOUR_ALERT_WEBHOOK_URL and its secret, or null: budget alerts are only logged and counted. */
  alertWebhook: AlertWebhookEnv | null;
  /** Single sign-on, or null when DETOUR_OIDC_ISSUER is unset. */
  oidc: OidcEnv | null;
};

/** Where budget alerts are POSTed and the key of their signature. */
export type AlertWebhookEnv = { url: string; secret: string };
export type OidcEnv = { issuer: string; clientId: string; clientSecret: string; name: string; allowedDomains: string[] | null };

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment (default: process.env). Throws EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => {
        const name = issue.path.join(".");
        const value = source[name];
        const shown =
          name.includes("KEY") || name.includes("PASSWORD") || name.includes("SECRET") ? "(value hidden)" : JSON.stringify(value);
        return `${name} ${issue.message} (got ${shown})`;
      }),
    );
  }
  const raw = result.data;
  const dataDir = path.resolve(/* turbopackIgnore: true */ process.cwd(), raw.DETOUR_DATA_DIR ?? "data");
  let database: Env["database"];
  if (raw.DATABASE_URL && !raw.DATABASE_URL.startsWith("file:")) {
    database = { kind: "postgresql", url: raw.DATABASE_URL };
  } else {
    const file = raw.DATABASE_URL ? raw.DATABASE_URL.slice("file:".length) : path.join(dataDir, "detour.db");
    database = { kind: "sqlite", file: path.resolve(/* turbopackIgnore: true */ process.cwd(), file) };
  }
  const allowedPrivateHosts = (raw.DETOUR_ALLOWED_PRIVATE_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const alertWebhook = parseAlertWebhook(raw, allowedPrivateHosts);
  const oidc = parseOidc(raw);
  return { ...raw, dataDir, database, allowedPrivateHosts, alertWebhook, oidc };
}

/** DETOUR_OIDC_*: the issuer needs its client id and secret; password sign-in may be off only with SSO on. */
function parseOidc(raw: RawEnv): OidcEnv | null {
  const problems: string[] = [];
  const issuer = raw.DETOUR_OIDC_ISSUER;
  if (issuer === undefined) {
    if (raw.DETOUR_OIDC_CLIENT_ID !== undefined || raw.DETOUR_OIDC_CLIENT_SECRET !== undefined)
      problems.push("DETOUR_OIDC_CLIENT_ID and DETOUR_OIDC_CLIENT_SECRET need DETOUR_OIDC_ISSUER (the OpenID Connect issuer URL)");
    if (raw.DETOUR_PASSWORD_SIGN_IN === "off")
      problems.push("DETOUR_PASSWORD_SIGN_IN=off needs single sign-on (DETOUR_OIDC_ISSUER): otherwise no one could sign in");
    if (problems.length) throw new EnvError(problems);
    return null;
  }
  if (raw.DETOUR_OIDC_CLIENT_ID === undefined) problems.push("DETOUR_OIDC_CLIENT_ID is required when DETOUR_OIDC_ISSUER is set");
  if (raw.DETOUR_OIDC_CLIENT_SECRET === undefined) problems.push("DETOUR_OIDC_CLIENT_SECRET is required when DETOUR_OIDC_ISSUER is set");
  const domains = (raw.DETOUR_OIDC_ALLOWED_DOMAINS ?? "")
    .split(",")
    .map((d) => d.trim().toLowerCase().replace(/^@/, ""))
    .filter(Boolean);
  for (const d of domains)
    if (!/^[a-z0-9.-]+\.[a-z0-9-]+$/.test(d)) problems.push(`DETOUR_OIDC_ALLOWED_DOMAINS: ${JSON.stringify(d)} is not a domain`);
  if (problems.length) throw new EnvError(problems);
  return {
    issuer: issuer.replace(/\/+$/, ""),
    clientId: raw.DETOUR_OIDC_CLIENT_ID!,
    clientSecret: raw.DETOUR_OIDC_CLIENT_SECRET!,
    name: raw.DETOUR_OIDC_NAME,
    allowedDomains: domains.length ? domains : null,
  };
}

/**
 * DETOUR_ALERT_WEBHOOK_URL with its secret, checked for what needs no DNS: an http(s) URL without
 * user info whose host, when an IP literal, is public or in DETOUR_ALLOWED_PRIVATE_HOSTS (the
 * addresses of a name are checked when Detour connects: lib/budgets/webhook.ts). Throws EnvError
 * naming each problem.
 */
function parseAlertWebhook(raw: RawEnv, allowedPrivateHosts: readonly string[]): AlertWebhookEnv | null {
  const url = raw.DETOUR_ALERT_WEBHOOK_URL;
  if (url === undefined) return null;
  const problems: string[] = [];
  // The URL itself is not echoed: a webhook's path often holds a token.
  const scheme = URL.canParse(url) ? new URL(url).protocol : null;
  if (scheme === null) {
    problems.push("DETOUR_ALERT_WEBHOOK_URL must be an http(s) URL (got a value that is not a URL)");
  } else if (scheme !== "http:" && scheme !== "https:") {
    problems.push(`DETOUR_ALERT_WEBHOOK_URL must be an http(s) URL (got a ${scheme} URL)`);
  } else {
    const check = checkCustomHostWithoutDns(url, allowedPrivateHosts, "DETOUR_ALERT_WEBHOOK_URL");
    if (check !== "resolve" && !check.ok) problems.push(check.message);
  }
  const secret = raw.DETOUR_ALERT_WEBHOOK_SECRET;
  if (secret === undefined) {
    problems.push(
      "DETOUR_ALERT_WEBHOOK_SECRET is required when DETOUR_ALERT_WEBHOOK_URL is set (it keys the alerts' HMAC-SHA256 signature)",
    );
  }
  if (problems.length > 0 || secret === undefined) throw new EnvError(problems);
  return { url, secret };
}

/** The process's environment, parsed on first use and kept in the runtime. */
export function getEnv(): Env {
  const rt = getRuntime();
  rt.env ??= parseEnv();
  return rt.env;
}
