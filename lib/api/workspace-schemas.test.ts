import { describe, expect, it } from "vitest";
import { createWorkspaceSchema, slugFromName, updateWorkspaceSchema } from "./workspace-schemas";

describe("workspace slugs and bodies", () => {
  it("derives a slug from a name: lower case, accents dropped, one hyphen between words", () => {
    expect(slugFromName("Team Ålpha (prod)")).toBe("team-alpha-prod");
    expect(slugFromName("  --Ops__EU--  ")).toBe("ops-eu");
    expect(slugFromName("日本")).toBe("workspace");
    const long = slugFromName(`${"a".repeat(30)} ${"b".repeat(30)}`);
    expect(long.length).toBeLessThanOrEqual(45); // room for a "-NN" suffix within 48
    expect(long).not.toMatch(/-$/);
  });

  it("accepts only lower-case slugs with single inner hyphens, and names without control characters", () => {
    expect(createWorkspaceSchema.parse({ name: " Team ", slug: "team-a" })).toEqual({ name: "Team", slug: "team-a" });
    for (const slug of ["Team", "-team", "team-", "te--am", "te_am", "a".repeat(49), ""])
      expect(createWorkspaceSchema.safeParse({ name: "x", slug }).success, slug).toBe(false);
    expect(createWorkspaceSchema.safeParse({ name: "a\u0007b" }).success).toBe(false);
    expect(createWorkspaceSchema.safeParse({ name: "x".repeat(101) }).success).toBe(false);
    expect(updateWorkspaceSchema.safeParse({ budget: null }).error?.issues[0]?.message).toMatch(/PUT \/v1\/workspace/);
  });
});
