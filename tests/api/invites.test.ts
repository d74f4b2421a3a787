/**
 * Invitations over real HTTP against the production build, with a real SMTP server (an smtp-server
 * sink started here): creation (admins; owners only by an owner), the one-time link in the answer
 * only (the database holds its SHA-256), the mail with the link that works, replacement and
 * revocation, the invitation page, accepting (a new account, then signing in; a signed-in user;
 * the wrong user; an existing account without a session), single use under concurrent accepts,
 * expired links, and a mail server that is down (the invitation still made, `mail.sent: false`).
 */
import { createHash } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../../testing/gateway-harness";
import { ADMIN_KEY, ADMIN_PASSWORD, errorOf, withKey } from "../../testing/api-client";
import { startSmtpSink, type SmtpSink } from "../../testing/smtp-sink";
import { addMember, postPage, signedIn, TEAM_PASSWORD, type Session } from "../../testing/team-client";

const tokenOf = (url: string) => url.split("/invite/")[1]!;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const NEW_PASSWORD = "new-account-password-1";

describe("invitations", () => {
  let h: Harness;
  let sink: SmtpSink;
  let owner: Session;
  let admin: Session;
  let member: Session;

  beforeAll(async () => {
    sink = await startSmtpSink(); // any free port: the suites of both databases may run at once
    h = await startHarness(
      { DETOUR_ADMIN_API_KEY: ADMIN_KEY, DETOUR_SMTP_URL: sink.url, DETOUR_SMTP_FROM: "Detour Tests <detour@detour.test>" },
      { adminPassword: ADMIN_PASSWORD },
    );
    await addMember(h, "i-admin@detour.test", "admin");
    await addMember(h, "i-member@detour.test", "member");
    owner = await signedIn(h, "admin@detour.local", ADMIN_PASSWORD);
    admin = await signedIn(h, "i-admin@detour.test");
    member = await signedIn(h, "i-member@detour.test");
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
  });

  const page = async (token: string, cookie?: string) => {
    const res = await fetch(`${h.url}/invite/${token}`, { headers: cookie ? { cookie } : {} });
    return { status: res.status, html: await res.text() };
  };
  const accept = (body: Record<string, unknown>, headers: Record<string, string> = {}) => postPage(h, "/api/invites/accept", body, headers);

  it("an admin invites: the link is in the answer only, its hash in the database, and the mail carries it", async () => {
    expect((await member.api.post("/invites", { email: "x@detour.test", role: "viewer" })).status).toBe(403);
    expect((await member.api.get("/invites")).status).toBe(403);
    const asOwner = await admin.api.post("/invites", { email: "boss@detour.test", role: "owner" });
    expect(asOwner.status).toBe(403);
    expect(errorOf(asOwner).message).toMatch(/Inviting an owner needs the owner role/);
    expect(errorOf(await admin.api.post("/invites", { email: "not an email", role: "viewer" })).param).toBe("email");
    expect(errorOf(await admin.api.post("/invites", { email: "a@detour.test", role: "boss" })).param).toBe("role");
    expect(errorOf(await admin.api.post("/invites", { email: "a@detour.test", role: "viewer", expires_in_hours: 721 })).param).toBe(
      "expires_in_hours",
    );
    const existing = await admin.api.post("/invites", { email: "I-Member@detour.test", role: "viewer" });
    expect(existing.status).toBe(409);
    expect(errorOf(existing).message).toMatch(/already a member/);

    const made = await admin.api.post("/invites", { email: "New.Person@Detour.test", role: "member", expires_in_hours: 48 });
    expect(made.status).toBe(201);
    expect(made.json).toEqual({
      id: expect.any(String),
      email: "new.person@detour.test",
      role: "member",
      status: "pending",
      created_at: expect.any(String),
      expires_at: expect.any(String),
      invited_by: "i-admin@detour.test",
      accepted_at: null,
      url: expect.stringMatching(new RegExp(`^${h.url}/invite/[A-Za-z0-9_-]{43}$`)),
      mail: { sent: true },
    });
    const hours = (Date.parse(made.json.expires_at) - Date.parse(made.json.created_at)) / 3600_000;
    expect(hours).toBeCloseTo(48, 1);
    const token = tokenOf(made.json.url);
    const row = await h.db.invite.findUniqueOrThrow({ where: { id: made.json.id } });
    expect(row.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const [mail] = await sink.waitFor(1);
    expect(mail).toMatchObject({ to: ["new.person@detour.test"], from: expect.stringContaining("detour@detour.test") });
    expect(mail!.subject).toBe("i-admin@detour.test invited you to Default workspace on Detour");
    expect(mail!.text).toContain(made.json.url);
    expect(mail!.text).toMatch(/as a member/);
    expect(mail!.text).toMatch(/expires on .* UTC/);
    expect(mail!.html).toContain(`href="${made.json.url}"`);

    // Listed without the link; never shown again.
    const list = await admin.api.get("/invites");
    expect(list.json.data[0]).toMatchObject({ id: made.json.id, status: "pending" });
    expect(list.text).not.toContain(token);
    expect((await admin.api.get(`/invites/${made.json.id}`)).json).not.toHaveProperty("url");
    const audit = await h.db.auditEvent.findFirst({ where: { action: "invite.create", targetId: made.json.id } });
    expect(audit).toMatchObject({ actorLabel: "i-admin@detour.test", targetLabel: "new.person@detour.test" });
    expect(audit!.after).not.toContain(token);

    // The page shows the workspace, the role and the email invited, and the account form.
    const shown = await page(token);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain("Default workspace");
    expect(shown.html).toContain("new.person@detour.test");
    expect(shown.html).toMatch(/<strong>member<\/strong>/);
    expect(shown.html).toContain("Create account and join");

    // Accepting: a new account, which then signs in and sees the workspace.
    const noOrigin = await fetch(`${h.url}/api/invites/accept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, name: "New Person", password: NEW_PASSWORD }),
    });
    expect(noOrigin.status).toBe(403);
    const short = await accept({ token, name: "New Person", password: "short" });
    expect(short.status).toBe(400);
    expect(short.json.error).toMatchObject({ param: "password", message: expect.stringMatching(/at least 12 characters/) });
    expect((await accept({ token })).json.error).toMatchObject({ code: "bad_request", param: "name" });

    const joined = await accept({ token, name: "New Person", password: NEW_PASSWORD });
    expect(joined.status).toBe(200);
    expect(joined.json).toEqual({
      workspace_id: h.workspaceId,
      workspace_name: "Default workspace",
      email: "new.person@detour.test",
      signed_in: false,
    });
    expect(joined.headers.getSetCookie().join()).toContain(`detour-workspace=${h.workspaceId}`);
    const person = await signedIn(h, "new.person@detour.test", NEW_PASSWORD);
    expect((await person.api.get("/workspaces")).json.data).toEqual([
      expect.objectContaining({ id: h.workspaceId, role: "member", current: true }),
    ]);
    expect((await admin.api.get(`/invites/${made.json.id}`)).json).toMatchObject({ status: "accepted", accepted_at: expect.any(String) });
    const accepted = await h.db.auditEvent.findFirst({ where: { action: "invite.accept", targetId: made.json.id } });
    expect(accepted).toMatchObject({ actorType: "user", actorId: person.userId, actorLabel: "new.person@detour.test" });

    // The link is used: refused with a clear message, on the route and on the page.
    const reuse = await accept({ token, name: "Someone Else", password: NEW_PASSWORD });
    expect(reuse.status).toBe(409);
    expect(reuse.json.error.message).toMatch(/already used/);
    expect((await page(token)).html).toMatch(/already used/);
  });

  it("a second invitation of the same email replaces the first; a revoked or expired link is refused", async () => {
    const first = await admin.api.post("/invites", { email: "twice@detour.test", role: "viewer" });
    const second = await admin.api.post("/invites", { email: "twice@detour.test", role: "member" });
    expect((await admin.api.get(`/invites/${first.json.id}`)).json.status).toBe("revoked");
    const pending = (await admin.api.get("/invites")).json.data.filter((i: { email: string }) => i.email === "twice@detour.test");
    expect(pending.map((i: { id: string }) => i.id)).toEqual([second.json.id]);
    expect(
      (await admin.api.get("/invites?status=all")).json.data.filter((i: { email: string }) => i.email === "twice@detour.test"),
    ).toHaveLength(2);
    const stale = await accept({ token: tokenOf(first.json.url), name: "Twice", password: NEW_PASSWORD });
    expect(stale.status).toBe(409);
    expect(stale.json.error.message).toMatch(/revoked/);

    const revoked = await admin.api.del(`/invites/${second.json.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: second.json.id, status: "revoked" });
    expect((await admin.api.del(`/invites/${second.json.id}`)).status).toBe(409);
    expect((await admin.api.del("/invites/nope")).status).toBe(404);
    expect((await page(tokenOf(second.json.url))).html).toMatch(/revoked/);
    expect((await accept({ token: tokenOf(second.json.url), name: "Twice", password: NEW_PASSWORD })).status).toBe(409);
    expect(await h.db.auditEvent.count({ where: { action: "invite.revoke", targetId: second.json.id } })).toBe(1);

    const expiring = await admin.api.post("/invites", { email: "late@detour.test", role: "viewer", expires_in_hours: 1 });
    await h.db.invite.update({ where: { id: expiring.json.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const late = await accept({ token: tokenOf(expiring.json.url), name: "Late", password: NEW_PASSWORD });
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/expired/);
    expect((await page(tokenOf(expiring.json.url))).html).toMatch(/expired/);
    expect((await admin.api.get(`/invites/${expiring.json.id}`)).json.status).toBe("expired");

    const unknown = await accept({ token: "A".repeat(43), name: "X", password: NEW_PASSWORD });
    expect(unknown.status).toBe(404);
    expect((await page("not-a-token")).html).toMatch(/not valid/);
    expect(await h.db.user.count({ where: { email: { in: ["twice@detour.test", "late@detour.test"] } } })).toBe(0);
  });

  it("two concurrent accepts of one link: exactly one wins", async () => {
    const made = await admin.api.post("/invites", { email: "race@detour.test", role: "viewer" });
    const token = tokenOf(made.json.url);
    const answers = await Promise.all(Array.from({ length: 4 }, () => accept({ token, name: "Racer", password: NEW_PASSWORD })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    expect(await h.db.user.count({ where: { email: "race@detour.test" } })).toBe(1);
    expect(await h.db.workspaceMember.count({ where: { user: { email: "race@detour.test" } } })).toBe(1);
  });

  it("signed in: the invited user joins with a button; someone else is told to sign out; an existing account without a session signs in first", async () => {
    // An existing user of another workspace is invited here.
    const other = (await owner.api.post("/workspaces", { name: "Other place" })).json.id as string;
    await addMember(h, "existing@detour.test", "owner", other);
    const made = await owner.api.post("/invites", { email: "EXISTING@detour.test", role: "admin" });
    const token = tokenOf(made.json.url);

    expect((await page(token)).html).toContain(`/login?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`);
    const withoutSession = await accept({ token, name: "X", password: NEW_PASSWORD });
    expect(withoutSession.status).toBe(409);
    expect(withoutSession.json.error.message).toMatch(/sign in to accept/);

    const wrongHtml = (await page(token, admin.cookie)).html;
    expect(wrongHtml).toContain("i-admin@detour.test");
    expect(wrongHtml).toContain("Sign out");
    const wrong = await accept({ token }, { cookie: admin.cookie });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.message).toMatch(/for existing@detour.test, and you are signed in as i-admin@detour.test/);

    const invited = await signedIn(h, "existing@detour.test", TEAM_PASSWORD);
    expect((await page(token, invited.cookie)).html).toContain("Join Default workspace");
    const joined = await accept({ token }, { cookie: invited.cookie });
    expect(joined.status).toBe(200);
    expect(joined.json).toEqual({
      workspace_id: h.workspaceId,
      workspace_name: "Default workspace",
      email: "existing@detour.test",
      signed_in: true,
    });
    const cookie = joined.headers.getSetCookie().find((c) => c.startsWith("detour-workspace="))!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Lax/);
    // With the cookie the accept set, the session acts in the joined workspace, as an admin.
    const list = await fetch(`${h.baseURL}/workspaces`, { headers: { cookie: `${invited.cookie}; ${cookie.split(";")[0]}` } }).then((r) =>
      r.json(),
    );
    expect(list.data.find((w: { current: boolean }) => w.current)).toMatchObject({ id: h.workspaceId, role: "admin" });
    expect(list.data).toHaveLength(2);
  });

  it("an API key invites too (an owner's key may invite an owner); its label is the inviter", async () => {
    const made = await withKey(h, ADMIN_KEY).post("/invites", { email: "keyed@detour.test", role: "owner" });
    expect(made.status).toBe(201);
    expect(made.json.invited_by).toMatch(/^DETOUR_ADMIN_API_KEY \(.+\.\.\.\)$/);
    expect(made.json.mail).toEqual({ sent: true });
  });
});

describe("invitations when the mail server is down", () => {
  let h: Harness;
  let closedPort: number;

  beforeAll(async () => {
    // A port nothing listens on: bind it, then close it.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    h = await startHarness(
      { DETOUR_ADMIN_API_KEY: ADMIN_KEY, DETOUR_SMTP_URL: `smtp://127.0.0.1:${closedPort}`, NEXTAUTH_URL: "https://detour.example.com" },
      { adminPassword: ADMIN_PASSWORD },
    );
  });
  afterAll(async () => h?.close());

  it("the invitation is made and its link shown; the answer says why the mail was not sent", async () => {
    const made = await withKey(h, ADMIN_KEY).post("/invites", { email: "nomail@detour.test", role: "viewer" });
    expect(made.status).toBe(201);
    expect(made.json.mail).toEqual({ sent: false, error: expect.stringMatching(/refused the connection/) });
    // NEXTAUTH_URL gives the link's origin.
    expect(made.json.url).toMatch(/^https:\/\/detour\.example\.com\/invite\/[A-Za-z0-9_-]{43}$/);
    expect((await withKey(h, ADMIN_KEY).get("/invites")).json.data).toEqual([
      expect.objectContaining({ email: "nomail@detour.test", status: "pending" }),
    ]);
    const audit = await h.db.auditEvent.findFirst({ where: { action: "invite.create" } });
    expect(JSON.parse(audit!.after!)).toMatchObject({ mail_sent: false });
  });
});
