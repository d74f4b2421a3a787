import { describe, expect, it } from "vitest";
import { inviteMail } from "./invite-mail";

describe("the invitation mail", () => {
  const input = {
    to: "ann@example.com",
    workspaceName: "R&D <core>",
    role: "admin" as const,
    invitedBy: 'Bob "the builder"',
    url: "https://detour.example.com/invite/abc_DEF-123",
    expiresAt: new Date("2027-01-02T03:04:05Z"),
  };

  it("names the workspace, the role, who invited, the link and its expiry, in text and HTML", () => {
    const mail = inviteMail(input);
    expect(mail.to).toBe("ann@example.com");
    expect(mail.subject).toBe('Bob "the builder" invited you to R&D <core> on Detour');
    expect(mail.text).toContain('join the workspace "R&D <core>" on Detour as an admin');
    expect(mail.text).toContain(input.url);
    expect(mail.text).toContain("expires on Sat, 02 Jan 2027 03:04 UTC");
    expect(mail.html).toContain(`href="${input.url}"`);
    expect(mail.html).toContain("Sat, 02 Jan 2027 03:04 UTC");
  });

  it("escapes what people chose (names) in the HTML", () => {
    const { html } = inviteMail(input);
    expect(html).toContain("R&#38;D &#60;core&#62;");
    expect(html).toContain("Bob &#34;the builder&#34;");
    expect(html).not.toContain("<core>");
  });

  it("says 'a' before a consonant", () => {
    expect(inviteMail({ ...input, role: "viewer" }).text).toContain("as a viewer");
  });
});
