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
});
