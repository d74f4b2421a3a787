import { defineConfig, devices } from "@playwright/test";
import { serverNodeArgs } from "./scripts/server-build-files";

/**
 * End-to-end tests in Debian's Chromium (/usr/bin/chromium; Playwright cannot download browsers
 * here) against a production build served by Detour's server (scripts/server.ts, as built) on a fresh SQLite data directory.
 */
export const E2E_PORT = Number(process.env.DETOUR_E2E_PORT ?? 3100);
export const E2E_ADMIN = { email: "e2e-admin@detour.test", password: "e2e-password-0123" };
export const E2E_ADMIN_API_KEY = "detour-e2e-admin-key-0123456789";
/**
 * Single sign-on: the OpenID Connect provider e2e/global-setup.ts runs (testing/oidc-provider.ts)
 * on a port next to Detour's; only accounts at corp.example may sign in, as viewers of the default workspace.
 */
export const E2E_OIDC = {
  port: E2E_PORT + 7,
  issuer: `http://127.0.0.1:${E2E_PORT + 7}`,
  clientId: "detour-e2e",
  clientSecret: "detour-e2e-oidc-client-secret",
  name: "Corp SSO",
  allowedDomains: "corp.example",
} as const;

const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: "e2e",
  testMatch: /.*\.(spec|setup)\.ts$/,
  outputDir: process.env.DETOUR_E2E_PORT ? `test-results/port-${E2E_PORT}` : "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: `http://localhost:${E2E_PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs },
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/, use: { ...devices["Desktop Chrome"] } },
    {
      name: "chromium",
      testIgnore: /auth\.setup\.ts$/,
      dependencies: ["setup"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: {
    // A fresh data directory every run: the first start migrates and creates the admin below.
    command: `rm -rf .e2e/data-${E2E_PORT} && exec node ${serverNodeArgs(".").join(" ")}`,
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      PORT: String(E2E_PORT),
      NEXT_TELEMETRY_DISABLED: "1",
      DETOUR_DATA_DIR: `.e2e/data-${E2E_PORT}`,
      DETOUR_ADMIN_EMAIL: E2E_ADMIN.email,
      DETOUR_ADMIN_PASSWORD: E2E_ADMIN.password,
      DETOUR_ADMIN_API_KEY: E2E_ADMIN_API_KEY,
      DETOUR_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      DETOUR_OIDC_ISSUER: E2E_OIDC.issuer,
      DETOUR_OIDC_CLIENT_ID: E2E_OIDC.clientId,
      DETOUR_OIDC_CLIENT_SECRET: E2E_OIDC.clientSecret,
      DETOUR_OIDC_NAME: E2E_OIDC.name,
      DETOUR_OIDC_ALLOWED_DOMAINS: E2E_OIDC.allowedDomains,
      DETOUR_OIDC_DEFAULT_ROLE: "viewer",
    },
  },
});
