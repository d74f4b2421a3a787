/** The team pages' rules and words: they must match what the management API enforces. */
import { describe, expect, it } from "vitest";
import {
  assignableRoles,
  canManageMember,
  countOf,
  inviteMailWords,
  nextWorkspace,
  roleLabel,
  roleRefusal,
  sectionOf,
  workspaceLosses,
} from "./team-input";

describe("assignableRoles", () => {
  it("lets an owner give every role, an admin every role but owner, and no one else any", () => {
    expect(assignableRoles("owner")).toEqual(["viewer", "member", "admin", "owner"]);
    expect(assignableRoles("admin")).toEqual(["viewer", "member", "admin"]);
    expect(assignableRoles("member")).toEqual([]);
    expect(assignableRoles("viewer")).toEqual([]);
  });
});

describe("canManageMember", () => {
  const admin = { id: "u-admin", role: "admin" as const };
  const owner = { id: "u-owner", role: "owner" as const };
  it("lets admins manage members, viewers and other admins", () => {
    expect(canManageMember(admin, { id: "a", role: "member" })).toBe(true);
    expect(canManageMember(admin, { id: "b", role: "viewer" })).toBe(true);
    expect(canManageMember(admin, { id: "c", role: "admin" })).toBe(true);
  });
  it("keeps owners to owners", () => {
    expect(canManageMember(admin, { id: "d", role: "owner" })).toBe(false);
    expect(canManageMember(owner, { id: "d", role: "owner" })).toBe(true);
  });
  it("never lets someone change their own membership", () => {
    expect(canManageMember(owner, { id: "u-owner", role: "owner" })).toBe(false);
    expect(canManageMember(admin, { id: "u-admin", role: "admin" })).toBe(false);
  });
  it("gives members and viewers no say", () => {
    expect(canManageMember({ id: "m", role: "member" }, { id: "v", role: "viewer" })).toBe(false);
    expect(canManageMember({ id: "v", role: "viewer" }, { id: "x", role: "viewer" })).toBe(false);
  });
});

describe("roleRefusal", () => {
  it("is null when the role suffices", () => {
    expect(roleRefusal("member", "member")).toBeNull();
    expect(roleRefusal("owner", "admin")).toBeNull();
  });
  it("tells a viewer they change nothing, whatever the action needs", () => {
    expect(roleRefusal("viewer", "member")).toBe("Viewers can't change anything; ask an admin.");
    expect(roleRefusal("viewer", "owner", "the workspace")).toBe("Viewers can't change anything; ask an admin.");
  });
  it("names the admin-only or owner-only thing to a member or admin", () => {
    expect(roleRefusal("member", "admin", "budgets")).toBe("Only an admin can manage budgets; ask an admin.");
    expect(roleRefusal("admin", "owner", "owners")).toBe("Only an owner can manage owners; ask one.");
  });
});

describe("workspaceLosses", () => {
  it("lists every count with singular and plural words", () => {
    expect(workspaceLosses({ configs: 1, virtual_keys: 2, api_keys: 0, members: 3, logs: 12345, invites: 1 })).toEqual([
      "1 config",
      "2 virtual keys",
      "0 API keys",
      "3 members",
      "12,345 request logs",
      "1 invitation",
    ]);
  });
  it("countOf takes an irregular plural", () => {
    expect(countOf(2, "entry", "entries")).toBe("2 entries");
  });
});

describe("sectionOf", () => {
  it("keeps the section and drops the item, which belongs to the workspace left", () => {
    expect(sectionOf("/")).toBe("/");
    expect(sectionOf("/configs")).toBe("/configs");
    expect(sectionOf("/configs/pc-abc123")).toBe("/configs");
    expect(sectionOf("/logs/abc/")).toBe("/logs");
  });
});

describe("nextWorkspace", () => {
  const ws = [
    { workspaceId: "a", isDefault: false },
    { workspaceId: "d", isDefault: true },
    { workspaceId: "b", isDefault: false },
  ];
  it("prefers the default workspace, else the oldest other one, else none", () => {
    expect(nextWorkspace(ws, "a")?.workspaceId).toBe("d");
    expect(nextWorkspace(ws, "d")?.workspaceId).toBe("a");
    expect(nextWorkspace([ws[0]!], "a")).toBeNull();
  });
});

describe("inviteMailWords", () => {
  it("says what to do with the link in each case", () => {
    expect(inviteMailWords(null, "a@x.test")).toEqual({
      tone: "info",
      text: "No mail server is configured (DETOUR_SMTP_URL): send this link to a@x.test yourself.",
    });
    expect(inviteMailWords({ sent: true }, "a@x.test").tone).toBe("ok");
    expect(inviteMailWords({ sent: false, error: "connection refused" }, "a@x.test")).toEqual({
      tone: "danger",
      text: "Mailing it to a@x.test failed (connection refused): send the link yourself.",
    });
  });
});

it("roleLabel capitalises", () => {
  expect(roleLabel("owner")).toBe("Owner");
});
