import { expect, test, type Page } from "@playwright/test";
import { admin } from "../testing/e2e-admin-api";
import { ADMIN_STATE, screenshotPath } from "../testing/e2e-fixtures";

/**
 * Teams in the dashboard, driven like a person would: the e2e admin (owner of the default
 * workspace) creates a second workspace from the sidebar, switches between the two, renames the new
 * one, sets how long its logs are kept, invites someone and sees the one-time link exactly once, revokes the invitation, and deletes
 * the workspace through the confirmation that names what is lost. Then a viewer (invited and
 * accepted through the API) finds no way to change anything: no Rotate on a virtual key, no Invite
 * on /members, and the API refuses the write the page does not offer.
 */
test.use({ storageState: ADMIN_STATE });
test.describe.configure({ mode: "serial" });

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const TEAM = { name: `Team e2e ${run}`, slug: `team-e2e-${run}`, renamed: `Team e2e renamed ${run}` };
const DEFAULT_NAME = "Default workspace";

const workspaceSelect = (page: Page) => page.getByRole("combobox", { name: "Workspace", exact: true });
const selectedWorkspace = (page: Page) => workspaceSelect(page).locator("option:checked");
/** Chooses a workspace in the selector and waits for the page it reloads in that workspace (the select shows the choice at once). */
async function switchTo(page: Page, label: string): Promise<void> {
  const reloaded = page.waitForEvent("load");
  await workspaceSelect(page).selectOption({ label });
  await reloaded;
}

test("an owner creates a workspace, switches, renames it, invites and revokes, and deletes it", async ({ page }, info) => {
  await test.step("create a second workspace from the selector: it becomes the one on screen", async () => {
    await page.goto("/configs");
    await expect(page.getByTitle("Workspace", { exact: true })).toHaveText(DEFAULT_NAME);
    await expect(page.getByTitle("Your role here")).toHaveText("Owner");
    await page.getByRole("button", { name: "+ New workspace" }).click();
    const dialog = page.getByRole("dialog", { name: "New workspace" });
    await dialog.getByLabel("Name").fill(TEAM.name);
    await dialog.getByLabel("Slug").fill(TEAM.slug);
    await dialog.getByRole("button", { name: "Create workspace" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(selectedWorkspace(page)).toHaveText(`${TEAM.name} · Owner`);
    // A new workspace starts empty: none of the default workspace's configs or keys.
    const summary = page.getByRole("region", { name: "Workspace summary" });
    await expect(summary.locator(".card", { hasText: "Configs" }).locator(".value")).toHaveText("0");
    await expect(summary.locator(".card", { hasText: "Virtual keys" }).locator(".value")).toHaveText("0");
  });

  await test.step("switch back to the default workspace, on the same section of the dashboard", async () => {
    await page.goto("/virtual-keys");
    await switchTo(page, `${DEFAULT_NAME} · Owner`);
    await expect(selectedWorkspace(page)).toHaveText(`${DEFAULT_NAME} · Owner`);
    await expect(page).toHaveURL(/\/virtual-keys$/);
    await expect(page.getByRole("heading", { name: "Virtual keys", level: 1 })).toBeVisible();
  });

  await test.step("rename the new workspace on /workspace", async () => {
    await switchTo(page, `${TEAM.name} · Owner`);
    await expect(selectedWorkspace(page)).toHaveText(`${TEAM.name} · Owner`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workspace" }).click();
    await expect(page.getByRole("heading", { name: TEAM.name, level: 1 })).toBeVisible();
    const form = page.getByRole("form", { name: "Workspace settings" });
    await form.getByLabel("Name").fill(TEAM.renamed);
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Saved: the workspace is “${TEAM.renamed}”` })).toBeVisible();
    await expect(selectedWorkspace(page)).toHaveText(`${TEAM.renamed} · Owner`);
    await expect(page.getByRole("heading", { name: TEAM.renamed, level: 1 })).toBeVisible();
  });

  await test.step("keep the new workspace's logs 7 days instead of the default, then every log", async () => {
    await expect(page.getByTestId("retention-in-force")).toHaveText(/Now: logs older than 30 days are deleted \(the deployment's default/);
    const form = page.getByRole("form", { name: "Log retention" });
    await form.getByLabel("Keep request logs").selectOption({ label: "A number of days" });
    await form.getByLabel("Days").fill("0");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(form.getByText("must be a whole number of days, 1 or more")).toBeVisible();
    await form.getByLabel("Days").fill("7");
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Saved: logs older than 7 days are deleted." })).toBeVisible();
    await expect(page.getByTestId("retention-in-force")).toHaveText("Now: logs older than 7 days are deleted.");
    await form.getByLabel("Keep request logs").selectOption({ label: "Every log, forever" });
    await form.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("retention-in-force")).toHaveText("Now: every log is kept.");
  });

  const invitee = `invitee-${run}@detour.test`;
  await test.step("invite someone: the one-time link is shown once, with the mail status", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
    await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
    await page.getByRole("button", { name: "Invite member" }).click();
    const dialog = page.getByRole("dialog", { name: "Invite member" });
    await dialog.getByLabel("Email").fill(invitee);
    await dialog.getByLabel("Role").selectOption("member");
    await dialog.getByLabel("Link expires after").selectOption({ label: "3 days" });
    await dialog.getByRole("button", { name: "Create invitation" }).click();

    const shown = page.getByRole("dialog", { name: `Invitation for ${invitee}` });
    await expect(shown).toContainText("This is the only time Detour shows this link.");
    await expect(shown).toContainText("No mail server is configured");
    const link = shown.getByLabel("Invitation link", { exact: true });
    const url = await link.inputValue();
    expect(url).toMatch(/^https?:\/\//);
    await expect(shown.getByRole("button", { name: "Copy invitation link" })).toBeVisible();
    await page.screenshot({ path: screenshotPath(info.outputDir, "invite-link"), fullPage: true });
    await shown.getByRole("button", { name: "Done" }).click();
    await expect(shown).toBeHidden();

    const invites = page.getByRole("table", { name: /Pending invitations/ });
    const row = invites.getByRole("row").filter({ hasText: invitee });
    await expect(row).toContainText("Member");
    // Shown once: not on the page any more, nor after a reload.
    await page.reload();
    await expect(row).toBeVisible();
    expect(await page.content()).not.toContain(url);
  });

  await test.step("revoke the invitation", async () => {
    const invites = page.getByRole("table", { name: /Pending invitations/ });
    await invites.getByRole("button", { name: `Revoke invitation for ${invitee}` }).click();
    await page
      .getByRole("dialog", { name: `Revoke the invitation for ${invitee}?` })
      .getByRole("button", { name: "Revoke invitation" })
      .click();
    await expect(page.getByRole("status").filter({ hasText: `Revoked the invitation for ${invitee}.` })).toBeVisible();
    await expect(page.getByText("No pending invitations.")).toBeVisible();
  });

  await test.step("delete the workspace through the confirmation naming what is lost", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workspace" }).click();
    await page.getByRole("button", { name: "Delete workspace" }).click();
    const dialog = page.getByRole("dialog", { name: `Delete “${TEAM.renamed}”?` });
    const lost = dialog.getByRole("list", { name: "What is lost" });
    await expect(lost).toContainText("0 configs");
    await expect(lost).toContainText("0 virtual keys");
    await expect(lost).toContainText("1 member");
    await expect(lost).toContainText("request logs");
    const confirm = dialog.getByRole("button", { name: "Delete workspace" });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(`Type ${TEAM.slug} to confirm`).fill(TEAM.slug);
    await expect(confirm).toBeEnabled();
    await page.screenshot({ path: screenshotPath(info.outputDir, "delete-workspace"), fullPage: true });
    await confirm.click();

    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    // Back to one workspace: the sidebar shows its name, no selector.
    await expect(page.getByTitle("Workspace", { exact: true })).toHaveText(DEFAULT_NAME);
    await expect(workspaceSelect(page)).toHaveCount(0);
    const left = await admin<{ data: { slug: string }[] }>("GET", "/workspaces");
    expect(left.data.map((w) => w.slug)).not.toContain(TEAM.slug);
  });

  await test.step("the default workspace cannot be deleted", async () => {
    await page.goto("/workspace");
    await expect(page.getByRole("region", { name: "Danger zone" })).toContainText("it cannot be deleted");
    await expect(page.getByRole("button", { name: "Delete workspace" })).toHaveCount(0);
  });
});

test("a viewer sees no way to change anything, and the API refuses them too", async ({ browser }, info) => {
  const viewer = { email: `viewer-${run}@detour.test`, name: `Viewer ${run}`, password: "viewer-password-0123" };
  const vk = await admin<{ slug: string; name: string }>("POST", "/virtual-keys", {
    name: `teams-viewer-e2e-${run}`,
    provider: "openai",
    key: "sk-e2e-teams-viewer-1111",
  });
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  let viewerId: string | undefined;
  try {
    const page = await context.newPage();
    // The invitation through the API (the admin key acts as an owner of the default workspace),
    // accepted from the sign-in page's origin as the invitee's browser would.
    const invite = await admin<{ url: string }>("POST", "/invites", { email: viewer.email, role: "viewer" });
    const link = new URL(invite.url);
    const token = link.searchParams.get("token") ?? link.pathname.split("/").filter(Boolean).at(-1) ?? "";
    await page.goto("/login");
    const accepted = await page.evaluate(
      async (body) => {
        const res = await fetch("/api/invites/accept", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, text: await res.text() };
      },
      { token, name: viewer.name, password: viewer.password },
    );
    expect(accepted.status, accepted.text).toBeLessThan(300);
    const users = await admin<{ data: { id: string; email: string; role: string }[] }>("GET", "/users");
    const row = users.data.find((u) => u.email === viewer.email);
    expect(row?.role).toBe("viewer");
    viewerId = row?.id;

    // Sign in as the viewer (the accept may have signed them in already: the sign-in page then moves on).
    await page.goto("/");
    if (page.url().includes("/login")) {
      await page.getByLabel("Email").fill(viewer.email);
      await page.getByLabel("Password").fill(viewer.password);
      await page.getByRole("button", { name: "Sign in" }).click();
    }
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page.getByTitle("Your role here")).toHaveText("Viewer");
    await expect(page.getByRole("button", { name: "+ New workspace" })).toHaveCount(0);
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" })).toHaveCount(0);

    // Virtual keys: listed, but no Rotate, Revoke or Create anywhere.
    await page.goto("/virtual-keys");
    const keyRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: vk.name, exact: true }) });
    await expect(keyRow).toBeVisible();
    await expect(page.getByText("Viewers can't change anything; ask an admin.")).toBeVisible();
    await expect(keyRow.getByRole("button", { name: /Rotate/ })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Rotate|Revoke|Create virtual key/ })).toHaveCount(0);
    await page.getByRole("link", { name: vk.name, exact: true }).click();
    await expect(page.getByRole("heading", { name: vk.name, level: 1 })).toBeVisible();
    await expect(page.getByRole("button", { name: /Rotate key|Revoke key|budget|Save/ })).toHaveCount(0);
    await page.screenshot({ path: screenshotPath(info.outputDir, "viewer-virtual-key"), fullPage: true });

    // The API refuses the rotation the page does not offer.
    const refused = await page.evaluate(async (slug) => {
      const workspace = document.querySelector('meta[name="detour-workspace"]')?.getAttribute("content") ?? "";
      const res = await fetch(`/v1/virtual-keys/${slug}`, {
        method: "PUT",
        headers: { "content-type": "application/json", "x-detour-workspace": workspace },
        body: JSON.stringify({ key: "sk-e2e-viewer-must-not-rotate" }),
      });
      return res.status;
    }, vk.slug);
    expect(refused).toBe(403);

    // Members: read-only, no Invite, no role selects, no invitations.
    await page.goto("/members");
    await expect(
      page
        .getByRole("table", { name: /Members/ })
        .getByRole("row")
        .filter({ hasText: viewer.email }),
    ).toContainText("Viewer");
    await expect(page.getByRole("button", { name: "Invite member" })).toHaveCount(0);
    await expect(page.getByRole("combobox", { name: /Role of/ })).toHaveCount(0);
    await expect(page.getByRole("heading", { name: /Pending invitations/ })).toHaveCount(0);
  } finally {
    await context.close();
    if (viewerId) await admin("DELETE", `/users/${viewerId}`);
    await admin("DELETE", `/virtual-keys/${vk.slug}`);
  }
});
