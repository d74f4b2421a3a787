import { expect, test } from "@playwright/test";
import { admin } from "../testing/e2e-admin-api";
import { E2E_ADMIN } from "../playwright.config";
import { screenshotPath } from "../testing/e2e-fixtures";

/** The absolute URL of a path on the server under test. */
const at = (path: string) => new URL(path, test.info().project.use.baseURL).href;

type Invite = { id: string; url: string };

test.describe("invitations", () => {
  test("a new person opens the link, creates an account and lands in the workspace; the link then no longer works", async ({
    page,
  }, info) => {
    const invite = await admin<Invite>("POST", "/invites", { email: "e2e-new@detour.test", role: "member" });
    const path = new URL(invite.url).pathname;
    await page.goto(path);
    await expect(page.getByRole("main")).toContainText("to join Default workspace as a member");
    await expect(page.getByRole("main")).toContainText("e2e-new@detour.test");
    await page.getByLabel("Your name").fill("New Person");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Password again").fill("short");
    await page.getByRole("button", { name: "Create account and join Default workspace" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("The password must be at least 12 characters.");
    await page.getByLabel("Password", { exact: true }).fill("e2e-new-password-1");
    await page.getByLabel("Password again").fill("e2e-new-password-1");
    await page.screenshot({ path: screenshotPath(info.outputDir, "invite-new-account"), fullPage: true });
    await page.getByRole("button", { name: "Create account and join Default workspace" }).click();
    await expect(page).toHaveURL(at("/"));
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page.getByTitle("Signed in as")).toHaveText("e2e-new@detour.test");

    await page.goto(path);
    await expect(page.getByRole("main").getByRole("alert")).toContainText("This invitation was already used");
  });

  test.describe("signed in as someone else", () => {
    test("the page says whom the link is for and offers to sign out", async ({ page }) => {
      // A session of its own: signing the shared e2e admin session (ADMIN_STATE) out would end it
      // for every spec after this one.
      await page.goto("/login");
      await page.getByLabel("Email").fill(E2E_ADMIN.email);
      await page.getByLabel("Password").fill(E2E_ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
      const invite = await admin<Invite>("POST", "/invites", { email: "e2e-other@detour.test", role: "viewer" });
      await page.goto(new URL(invite.url).pathname);
      await expect(page.getByRole("main")).toContainText("This invitation is for e2e-other@detour.test");
      await page.getByRole("button", { name: "Sign out" }).click();
      // Back on the invitation, signed out: the account form for the invited address.
      await expect(page.getByLabel("Your name")).toBeVisible();
      await expect(page).toHaveURL(at(new URL(invite.url).pathname));
    });
  });
});
