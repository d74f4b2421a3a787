/** The 401 message of an expired or rotated API key: names it by name and prefix and says when, never the key. */
import { describe, expect, it } from "vitest";
import type { AuthenticatedKey } from "../store/api-keys";
import { apiKeyExpiredMessage } from "./api-key";

const key = (over: Partial<AuthenticatedKey>): AuthenticatedKey => ({
  id: "k1",
  workspaceId: "w1",
  scope: "gateway",
  name: "billing",
  rpmLimit: null,
  tpmLimit: null,
  defaultConfigSlug: null,
  prefix: "dtr_abc123",
  source: "user",
  expiresAt: null,
  allowedModels: null,
  rotatedToPrefix: null,
  rotatedToId: null,
  ...over,
});

describe("apiKeyExpiredMessage", () => {
  const at = new Date("2027-01-31T00:00:00.000Z");

  it("is null for a key without expiry or before it", () => {
    expect(apiKeyExpiredMessage(key({}), at.getTime())).toBeNull();
    expect(apiKeyExpiredMessage(key({ expiresAt: at }), at.getTime() - 1)).toBeNull();
  });

  it("from the expiry on, names the key and the time", () => {
    expect(apiKeyExpiredMessage(key({ expiresAt: at }), at.getTime())).toBe(
      "This Detour API key (billing, dtr_abc123...) expired at 2027-01-31T00:00:00.000Z.",
    );
  });

  it("for a rotated key, says so and names the replacement's prefix", () => {
    expect(apiKeyExpiredMessage(key({ expiresAt: at, rotatedToPrefix: "dtr_xyz789" }), at.getTime() + 1)).toBe(
      "This Detour API key (billing, dtr_abc123...) expired at 2027-01-31T00:00:00.000Z: it was rotated, and its grace period is over. Use the key that replaced it (dtr_xyz789...).",
    );
  });
});
